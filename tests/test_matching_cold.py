"""A cold land match (nothing kept: every command, the first request of a service) reads
the pool in one pass over the table (the ways into it OR-ed; on PostGIS by COPY with the
WKB decoded from hex in one call): the pool it reads equals every parcel read and put
through ``land_pool``, and the matches made on it equal those made on that, on both
engines. The assembly's connected groups (numpy, no scipy) and its seeds are checked
against plain Python."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from landbank.config import load_profile
from landbank.db.dialects import unhex
from landbank.db.matching import POOL_COLUMNS
from landbank.db.parcels import load_parcels
from landbank.db.store import Store
from landbank.domain import matching as m
from landbank.domain.matching import LandNeed, Place, Requirement, match_land
from landbank.domain.matching.land import SITE_SEEDS, _seeds, components, index_land
from landbank.services.matching import prepared
from landbank.services.matching import run as match_run
from landbank.synth import synthetic_parcels
from tests.helpers import write_vector

TODAY = dt.date(2026, 6, 30)
S = m.settings_from_profile(load_profile(None).data)
REQUIREMENTS = [
    Requirement(name=name, industry=None, land=LandNeed(area_mu_min=lo, area_mu_max=hi),
                place=Place())
    for name, lo, hi in (("singles", 5, 60), ("sites", 80, 140), ("all", 0, 10_000))
]  # fmt: skip


@pytest.fixture
def city(cli, db_url, tmp_path):
    """300 synthetic parcels imported and classified, and every way into the pool taken
    by some: recovery disposals in each state (and one superseded by a later disposal
    of another method), parcels held by the land reserve, parcels split from a parent;
    the URL."""
    path = tmp_path / "city.gpkg"
    write_vector(synthetic_parcels(300, seed=11), path)
    assert cli("import", "parcels", str(path), "-q", db=db_url).exit_code == 0
    assert cli("classify", "--as-of", TODAY.isoformat(), db=db_url).exit_code == 0
    with Store.open(db_url).write(by="test") as uow:
        codes = uow.execute(
            text("SELECT code FROM parcel WHERE category <> 'approved_not_supplied' ORDER BY code")
        ).scalars().all()  # fmt: skip
        for k, code in enumerate(codes[:40:4]):
            _disposal(uow, code, "reclaim", ["disposed", "plan_approved", "disposing"][k % 3])
        _disposal(uow, codes[0], "start_construction", "disposing")  # supersedes the reclaim
        for code in codes[41:50]:
            q = "UPDATE parcel SET holder = :h WHERE code = :c"
            uow.execute(text(q), {"c": code, "h": "枣庄市土地储备中心"})
        for code in codes[50:60]:
            q = (
                "UPDATE parcel SET parent_code = :p, category = 'supplied_not_used', "
                "developed_area_mu = 0 WHERE code = :c"
            )
            uow.execute(text(q), {"c": code, "p": codes[-1]})
    return db_url


def _disposal(uow, code: str, method: str, status: str) -> None:
    uow.execute(
        text(
            "INSERT INTO disposal (parcel_code, subject, method, status, planned_on, version) "
            "VALUES (:c, 'parcel', :m, :s, :p, 1)"
        ),
        {"c": code, "m": method, "s": status, "p": TODAY + dt.timedelta(days=40)},
    )


def _every_parcel_pool(uow) -> pd.DataFrame:
    """The pool the plain way: every parcel and every disposal read whole, each parcel's
    latest disposal kept when it is a recovery, then ``land_pool``."""
    parcels = load_parcels(uow, with_geometry=True)
    parcels = parcels[[*POOL_COLUMNS, "geometry"]].copy()
    parcels["retired"] = parcels["retired"].astype(bool)
    d = pd.DataFrame(
        uow.execute(
            text(
                "SELECT id, parcel_code, method, status, planned_on, done_on FROM disposal "
                "WHERE subject = 'parcel' ORDER BY id"
            )
        ).all(),
        columns=["id", "parcel_code", "method", "status", "planned_on", "done_on"],
    )
    latest = d.drop_duplicates("parcel_code", keep="last")
    latest = latest[latest["method"].isin(S.recovery_methods)].drop(columns="id")
    return m.land_pool(parcels, latest.reset_index(drop=True), TODAY, S)


def test_the_pool_read_in_one_pass_equals_every_parcel_read(city):
    prepared.forget()
    with Store.open(city).read() as uow:
        pool = match_run.load_land_pool(uow, TODAY, S)
        plain = _every_parcel_pool(uow)
    # every way in is taken in this city
    assert set(pool["supply_basis"]) == {
        "approved_not_supplied", "recovered", "recovering", "reserve", "split_unused"
    }  # fmt: skip
    pool = pool.sort_values("code", ignore_index=True)
    plain = plain.sort_values("code", ignore_index=True)
    assert pool["code"].tolist() == plain["code"].tolist()
    for column in [c for c in POOL_COLUMNS if c != "retired"] + ["supply_basis", "ready_on"]:
        a, b = pool[column].astype(object), plain[column].astype(object)
        assert a.where(a.notna(), None).tolist() == b.where(b.notna(), None).tolist(), column
    assert shapely.equals_exact(pool["geometry"].to_numpy(), plain["geometry"].to_numpy()).all()
    assert [shapely.to_wkb(g) for g in pool["geometry"]] == [
        shapely.to_wkb(g) for g in plain["geometry"]
    ]
    fresh, reference = index_land(pool, S.gap_m), index_land(plain, S.gap_m)
    assert np.array_equal(fresh.pairs, reference.pairs)
    for req in REQUIREMENTS:
        got = match_land(fresh, req, TODAY, S, top=20)
        assert got, req.name
        assert _listed(got) == _listed(match_land(reference, req, TODAY, S, top=20))


def test_a_cold_match_through_the_service_equals_the_plain_pools(city):
    store = Store.open(city)
    with store.read() as uow:
        reference = index_land(_every_parcel_pool(uow), S.gap_m)
    for req in REQUIREMENTS:
        prepared.forget()  # cold: nothing kept
        got = match_run.run_match(store, req, TODAY, S, top=20)
        assert _listed(got) == _listed(match_land(reference, req, TODAY, S, top=20))


def _listed(candidates: list[dict]) -> list:
    return [{k: v for k, v in c.items() if k != "geometry"} for c in candidates] + [
        shapely.to_wkb(c["geometry"]) for c in candidates
    ]


def test_hex_bytea_decodes_to_its_bytes():
    values = [b"\x01\x02\xff", None, b"", bytes(range(256)), b"\x00"]
    texts = [None if v is None else "\\x" + v.hex() for v in values]
    texts[3] = texts[3].upper().replace("\\X", "\\x")  # either case of hex digits
    column = pa.chunked_array([pa.array(texts[:2]), pa.array(texts[2:])])
    assert unhex(column).to_pylist() == values
    assert unhex(pa.array(texts).slice(2)).to_pylist() == values[2:]
    assert unhex(pa.array([], pa.string())).to_pylist() == []


def _plain_groups(i, j, n) -> list:
    parent = list(range(n))

    def root(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        parent[root(a)] = root(b)
    return [root(x) for x in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59))))
def test_connected_groups_are_the_graphs(n, edges):
    edges = [(a % n, b % n) for a, b in edges]
    i = np.array([a for a, _ in edges], dtype=np.int64)
    j = np.array([b for _, b in edges], dtype=np.int64)
    got, plain = components(i, j, n).tolist(), _plain_groups(i, j, n)
    # the same partition: one label per plain group and one plain group per label
    assert len(set(zip(got, plain, strict=True))) == len(set(got)) == len(set(plain))


def test_a_long_chain_is_one_group():
    n = 5000
    order = np.random.default_rng(1).permutation(n)
    assert set(components(order[:-1], order[1:], n).tolist()) == {int(order.min())}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 30)), max_size=80))
def test_seeds_come_group_by_group_largest_first(parcels):
    group = np.array([g for g, _ in parcels], dtype=np.int64)
    area = np.array([a for _, a in parcels], dtype=float)
    by_area = np.argsort(-area, kind="stable")
    by_group: dict[int, list[int]] = {}
    for x in by_area.tolist():
        by_group.setdefault(int(group[x]), []).append(x)
    plain = [seed for members in by_group.values() for seed in members[:SITE_SEEDS]]
    assert _seeds(by_area, group).tolist() == plain
