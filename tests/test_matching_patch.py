"""The kept land pool patched with what changed (migration 0014) equals the pool built
afresh: random edits, insertions, deletions, status and disposal changes on a small
synthetic city, on both engines, then the patched index and the fresh one compared, and
the matches made on each."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from landbank.config import load_profile
from landbank.db.dialects import sql_of
from landbank.db.models import Parcel
from landbank.db.store import Store
from landbank.domain import matching as m
from landbank.domain.matching import LandNeed, Place, Requirement, match_land
from landbank.domain.matching.land import index_land
from landbank.services import parcels as parcel_service
from landbank.services.matching import prepared
from landbank.services.matching import run as match_run
from landbank.synth import synthetic_parcels
from tests.helpers import write_vector

TODAY = dt.date(2026, 6, 30)
S = m.settings_from_profile(load_profile(None).data)
CATEGORIES = ["approved_not_supplied", "supplied_not_used", "compliant", "used_not_completed"]
# a parcel's columns copied into a new one (all but the keys)
COPIED = [c.name for c in Parcel.__table__.columns if c.name not in ("id", "code")]
REQUIREMENTS = [
    Requirement(name=name, industry=None, land=LandNeed(area_mu_min=lo, area_mu_max=hi),
                place=Place())
    for name, lo, hi in (("singles", 5, 60), ("sites", 80, 140))
]  # fmt: skip


@pytest.fixture
def city(cli, db_url, tmp_path):
    """Two hundred synthetic parcels imported and classified, with a few recovery
    disposals; the URL."""
    path = tmp_path / "city.gpkg"
    write_vector(synthetic_parcels(200, seed=5), path)
    assert cli("import", "parcels", str(path), "-q", db=db_url).exit_code == 0
    assert cli("classify", "--as-of", TODAY.isoformat(), db=db_url).exit_code == 0
    store = Store.open(db_url)
    with store.write(by="test") as uow:
        codes = uow.execute(text("SELECT code FROM parcel ORDER BY code")).scalars().all()
        for k, code in enumerate(codes[::20]):
            _add_disposal(uow, code, ["disposed", "plan_approved", "disposing"][k % 3])
    return db_url


def _add_disposal(uow, code: str, status: str) -> None:
    uow.execute(
        text(
            "INSERT INTO disposal (parcel_code, subject, method, status, planned_on, version) "
            "VALUES (:c, 'parcel', 'reclaim', :s, :p, 1)"
        ),
        {"c": code, "s": status, "p": TODAY + dt.timedelta(days=40)},
    )


def _apply(uow, op: tuple, codes: list[str], serial: int) -> None:
    """One edit, written straight to the tables (as a GIS client or a bulk job would)."""
    kind, pick, value = op
    code = codes[pick % len(codes)]
    q = lambda sql, **kw: uow.execute(text(sql), {"c": code, **kw})  # noqa: E731
    if kind == "category":
        q("UPDATE parcel SET category = :v WHERE code = :c", v=CATEGORIES[value % 4])
    elif kind == "move":  # about 20-60 m: neighbours across a road come and go
        dx, dy = ((value % 7) - 3) * 0.0002, ((value % 5) - 2) * 0.0002
        q("UPDATE parcel SET geom = ST_Translate(geom, :dx, :dy, 0) WHERE code = :c", dx=dx, dy=dy)
    elif kind == "insert":
        cols = ", ".join(COPIED)
        chosen = ", ".join("ST_Translate(geom, 0.0004, 0, 0)" if c == "geom" else c for c in COPIED)
        q(f"INSERT INTO parcel (code, {cols}) SELECT :n, {chosen} FROM parcel WHERE code = :c",
          n=f"NEW-{serial:04d}")  # fmt: skip
    elif kind == "delete":
        q("DELETE FROM parcel WHERE code = :c")
    elif kind == "retire":
        q("UPDATE parcel SET retired = :v WHERE code = :c", v=bool(value % 2))
    elif kind == "holder":
        holder = ["市土地储备中心", "某公司"][value % 2]
        q("UPDATE parcel SET holder = :v WHERE code = :c", v=holder)
    elif kind == "area":
        q("UPDATE parcel SET area_mu = area_mu * :f WHERE code = :c", f=0.5 + (value % 4) / 2)
    elif kind == "rename":
        q("UPDATE parcel SET code = :n WHERE code = :c", n=f"REN-{serial:04d}")
    elif kind == "dispose":
        _add_disposal(uow, code, ["disposed", "plan_approved", "investigating"][value % 3])
    elif kind == "undispose":
        q("DELETE FROM disposal WHERE parcel_code = :c")
    elif kind == "noop":
        q("UPDATE parcel SET category = category WHERE code = :c")


OPS = st.tuples(
    st.sampled_from(
        [
            "category",
            "move",
            "insert",
            "delete",
            "retire",
            "holder",
            "area",
            "rename",
            "dispose",
            "undispose",
            "noop",
        ]
    ),  # fmt: skip
    st.integers(0, 10_000),
    st.integers(0, 100),
)


def _same_index(patched, fresh) -> None:
    assert patched.origin == fresh.origin
    a, b = patched.frame, fresh.frame
    assert list(a.columns) == list(b.columns)
    assert a["code"].tolist() == b["code"].tolist()
    for column in a.columns:
        if column == "geometry":
            assert shapely.equals_exact(a[column].to_numpy(), b[column].to_numpy(), 0).all()
        else:
            pd.testing.assert_series_equal(a[column], b[column], check_dtype=False)
    assert shapely.equals_exact(patched.geoms_m, fresh.geoms_m, 0).all()
    np.testing.assert_array_equal(patched.cx, fresh.cx)
    np.testing.assert_array_equal(patched.cy, fresh.cy)
    np.testing.assert_array_equal(patched.pairs, fresh.pairs)


def _found(index) -> list:
    return [
        [(c["codes"], c["score"], c["area_mu"]) for c in match_land(index, req, TODAY, S, top=20)]
        for req in REQUIREMENTS
    ]


def test_a_patched_land_pool_equals_one_built_afresh(city, monkeypatch):
    store = Store.open(city)
    patches = []
    real_patch = match_run.patch_land

    def counted(index, changed, rows):
        out = real_patch(index, changed, rows)
        patches.append(out is not None)
        return out

    monkeypatch.setattr(match_run, "patch_land", counted)
    prepared.forget()
    serial = iter(range(1, 1_000_000))

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.lists(OPS, min_size=1, max_size=5))
    def edits(ops):
        with store.read() as uow:  # kept (built, or patched by the example before)
            match_run.land_index(store, uow, TODAY, S)
        with store.write(by="test") as uow:
            codes = uow.execute(text("SELECT code FROM parcel ORDER BY code")).scalars().all()
            for op in ops:
                _apply(uow, op, codes, next(serial))
        with store.read() as uow:
            patched = match_run.land_index(store, uow, TODAY, S)
            fresh = index_land(match_run.load_land_pool(uow, TODAY, S), S.gap_m)
        _same_index(patched, fresh)
        assert _found(patched) == _found(fresh)

    edits()
    # the pool was patched, not built again each time (an example whose edits move
    # the pool's plane origin, e.g. deleting its westmost parcel, is built afresh;
    # how many do depends on the examples hypothesis draws)
    assert sum(patches) >= len(patches) // 3


def test_an_edit_through_the_service_is_patched_in(city, monkeypatch):
    store = Store.open(city)
    prepared.forget()
    with store.read() as uow:
        before = match_run.land_index(store, uow, TODAY, S).frame
        code = before.loc[before["supply_basis"] == "approved_not_supplied", "code"].iloc[0]
    built = []
    real_index = match_run.index_land
    monkeypatch.setattr(match_run, "index_land", lambda *a: built.append(1) or real_index(*a))
    parcel_service.set_fields(store, code, {"category": "compliant"}, by="t", reason="test")
    with store.read() as uow:
        after = match_run.land_index(store, uow, TODAY, S)
        fresh = real_index(match_run.load_land_pool(uow, TODAY, S), S.gap_m)
    assert built == []  # patched, not built again
    assert code not in set(after.frame["code"])
    _same_index(after, fresh)


def test_a_rebuild_is_forced_with_landbank_patch_0(city, monkeypatch):
    store = Store.open(city)
    prepared.forget()
    with store.read() as uow:
        code = match_run.land_index(store, uow, TODAY, S).frame["code"].iloc[0]
    monkeypatch.setenv("LANDBANK_PATCH", "0")
    built = []
    real_index = match_run.index_land
    monkeypatch.setattr(match_run, "index_land", lambda *a: built.append(1) or real_index(*a))
    with store.write(by="t") as uow:
        uow.execute(text("UPDATE parcel SET holder = 'x' WHERE code = :c"), {"c": code})
    with store.read() as uow:
        match_run.land_index(store, uow, TODAY, S)
    assert built == [1]


def test_a_bulk_change_is_read_afresh(city, monkeypatch):
    store = Store.open(city)
    prepared.forget()
    with store.read() as uow:
        match_run.land_index(store, uow, TODAY, S)
    built = []
    real_index = match_run.index_land
    monkeypatch.setattr(match_run, "index_land", lambda *a: built.append(1) or real_index(*a))
    with store.write(by="t") as uow:  # every parcel: more than a patch takes
        uow.execute(text("UPDATE parcel SET holder = holder || 'x'"))
    with store.read() as uow:
        after = match_run.land_index(store, uow, TODAY, S)
        fresh = real_index(match_run.load_land_pool(uow, TODAY, S), S.gap_m)
    assert built == [1]
    _same_index(after, fresh)


def test_a_bulk_load_then_an_edit_is_read_afresh(city, cli, tmp_path):
    """A load of 10,000 parcels (the bulk path: SQLite logs one mark, not a row a
    parcel) followed by a clerk's edit: the kept pool is read afresh, not patched with
    the edit alone, and holds the loaded parcels."""
    store = Store.open(city)
    prepared.forget()
    with store.read() as uow:
        before = match_run.land_index(store, uow, TODAY, S).frame
        seq = sql_of(uow).land_seq(uow)
    more = synthetic_parcels(10_000, seed=9)
    more["code"] = "B" + more["code"]
    path = write_vector(more, tmp_path / "more.gpkg")
    assert cli("import", "parcels", str(path), "-q", db=city).exit_code == 0
    with store.read() as uow:
        assert sql_of(uow).land_changes(uow, seq, 1_000) is None  # "read everything"
        if city.startswith("sqlite"):  # a mark for the load, not a row per parcel
            assert uow.execute(text("SELECT count(*) FROM land_change")).scalar() < 1_000
    assert cli("classify", "--as-of", TODAY.isoformat(), db=city).exit_code == 0
    parcel_service.set_fields(
        store, before["code"].iloc[0], {"holder": "某公司"}, by="t", reason="test"
    )
    with store.read() as uow:
        after = match_run.land_index(store, uow, TODAY, S)
        fresh = match_run.index_land(match_run.load_land_pool(uow, TODAY, S), S.gap_m)
    assert after.frame["code"].str.startswith("B").any()
    _same_index(after, fresh)
