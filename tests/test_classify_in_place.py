"""A whole-city classify rewrites the derived columns in place (migration 0015): one
"everything" mark in the land change log instead of a row per parcel, so a kept land
pool is read afresh and equals a fresh one; on PostgreSQL the rows are rewritten on
their own pages (HOT), without index entries. Both engines."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from sqlalchemy import text

from landbank.config import load_profile
from landbank.db import parcels as rows
from landbank.db.dialects import sql_of
from landbank.db.store import Store
from landbank.domain import matching as m
from landbank.services.matching import prepared
from landbank.services.matching import run as match_run
from landbank.synth import synthetic_parcels
from tests.helpers import write_vector
from tests.test_matching_patch import _same_index

AS_OF = dt.date(2026, 6, 30)
S = m.settings_from_profile(load_profile(None).data)


def _city(cli, db_url, tmp_path, n: int = 300) -> Store:
    path = write_vector(synthetic_parcels(n, seed=11), tmp_path / "city.gpkg")
    assert cli("import", "parcels", str(path), "-q", db=db_url).exit_code == 0
    return Store.open(db_url)


def _pg_updates(url: str) -> tuple[int, int, bool]:
    """(rows updated, of which heap-only, whether a VACUUM ran) in the parcel table,
    from the statistics."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        return conn.execute(
            "SELECT n_tup_upd, n_tup_hot_upd, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname = 'parcel'"
        ).fetchone()


def test_a_whole_city_classify_marks_the_pool_to_be_read_afresh(cli, db_url, tmp_path, monkeypatch):
    """The pool kept before a classify that rewrites every parcel is not patched with
    nothing: the classify logged one mark, the pool is read again and holds the new
    categories (with the per-row log gone and no mark, the kept pool would be served
    with the old ones)."""
    monkeypatch.setattr(rows, "MANY", 10)  # a few hundred parcels count as many
    store = _city(cli, db_url, tmp_path)
    prepared.forget()
    with store.read() as uow:
        before = match_run.land_index(store, uow, AS_OF, S)
        seq = sql_of(uow).land_seq(uow)
        log_rows = _log_rows(uow)
    assert before.frame.empty  # nothing classified yet: no parcel is in the pool
    assert cli("classify", "--as-of", AS_OF.isoformat(), db=db_url).exit_code == 0
    with store.read() as uow:
        assert sql_of(uow).land_changes(uow, seq, 1_000) is None  # "read everything"
        assert _log_rows(uow) - log_rows <= 1  # one mark, not a row per parcel
        categories = uow.execute(text("SELECT count(category) FROM parcel")).scalar()
        after = match_run.land_index(store, uow, AS_OF, S)
        fresh = match_run.index_land(match_run.load_land_pool(uow, AS_OF, S), S.gap_m)
    assert categories == 300
    assert not after.frame.empty
    _same_index(after, fresh)


def _log_rows(uow) -> int:
    if uow.dialect.name == "postgresql":
        return uow.execute(text("SELECT count(*) FROM land_gone")).scalar()
    return uow.execute(text("SELECT count(*) FROM land_change")).scalar()


def test_a_few_rows_are_still_logged_one_by_one(cli, db_url, tmp_path):
    """At or below MANY rewritten rows the change log lists them: a re-classify on a
    new date that changes a few parcels patches the kept pool with those."""
    store = _city(cli, db_url, tmp_path, n=200)
    assert cli("classify", "--as-of", AS_OF.isoformat(), db=db_url).exit_code == 0
    with store.write(by="test") as uow:
        seq = sql_of(uow).land_seq(uow)
        codes = uow.execute(text("SELECT code FROM parcel ORDER BY code LIMIT 3")).scalars().all()
        frame = rows.load_parcels(uow, with_geometry=False, reasons=False)
        picked = frame[frame["code"].isin(codes)][["code"]].assign(category="compliant")
        rows.rewrite_derived(uow, picked, ["category"], uow.now)
    with store.read() as uow:
        changed = sql_of(uow).land_changes(uow, seq, 1_000)
    assert changed is not None and changed <= set(codes)


def test_the_first_classify_rewrites_the_rows_on_their_pages(cli, db_url, tmp_path, monkeypatch):
    """PostgreSQL: the first classify after an import changes every parcel's category,
    reasons and flags; with pages filled to 40 % (fillfactor 40), no index on the
    category and the change log's trigger lifted, each row's new version is a
    heap-only tuple: no index entry written (before 0015 none was); then the table's
    pages are vacuumed, outside the transaction."""
    if db_url.startswith("sqlite"):
        pytest.skip("heap-only tuples are PostgreSQL's; SQLite has no such thing")
    pg_url = db_url
    monkeypatch.setattr(rows, "MANY", 10)
    store = _city(cli, pg_url, tmp_path)
    upd, hot, vacuumed = _pg_updates(pg_url)
    assert not vacuumed
    with store.read() as uow:
        land_tx = uow.execute(text("SELECT sum(land_tx) FROM parcel")).scalar()
    assert cli("classify", "--as-of", AS_OF.isoformat(), db=pg_url).exit_code == 0
    with store.read() as uow:
        assert uow.execute(text("SELECT sum(land_tx) FROM parcel")).scalar() == land_tx
        assert uow.execute(text("SELECT count(category) FROM parcel")).scalar() == 300
    store.close()
    upd2, hot2, vacuumed = _pg_updates(pg_url)
    assert upd2 - upd >= 300
    assert hot2 - hot >= 0.9 * (upd2 - upd)
    assert vacuumed  # the pages tidied once the rewrite committed (Store.tidy)
