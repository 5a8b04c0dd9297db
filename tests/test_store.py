"""The Store: one database opened once, units of work that are one snapshot or one
transaction, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, text
from sqlalchemy.pool import Pool

from landbank.db.store import Store
from landbank.errors import EnvironmentProblem, InputError
from tests.helpers import table_counts


def _count(uow) -> int:
    return uow.execute(text("SELECT count(*) FROM setting")).scalar()


def test_a_write_unit_commits_at_its_end_and_knows_now_and_by(db_url):
    store = Store.open(db_url)
    try:
        moment = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
        with store.write(by="王", now=moment) as uow:
            assert (uow.by, uow.now, uow.writes) == ("王", moment, True)
            before = _count(uow)
            uow.execute(text("INSERT INTO setting (key, value) VALUES ('k', 'v')"))
        with store.read() as uow:
            assert _count(uow) == before + 1
            assert uow.writes is False and uow.now.tzinfo is not None
    finally:
        store.close()


def test_a_write_unit_that_fails_writes_nothing(db_url):
    store = Store.open(db_url)
    try:
        with store.read() as uow:
            before = _count(uow)
        with pytest.raises(RuntimeError), store.write(by="王") as uow:
            uow.execute(text("INSERT INTO setting (key, value) VALUES ('k', 'v')"))
            raise RuntimeError("half way")
        with store.read() as uow:
            assert _count(uow) == before
    finally:
        store.close()


def test_a_read_unit_is_one_snapshot(db_url):
    """What another transaction commits while a read unit runs is not seen by it, so a
    page or a map is drawn from one moment of the database."""
    reader, writer = Store.open(db_url), Store.open(db_url)
    try:
        with reader.read() as uow:
            before = _count(uow)
            if reader.sql.name == "sqlite":
                # SQLite: the reader's snapshot holds the file; the writer waits for it
                return
            with writer.write(by="王") as other:
                other.execute(text("INSERT INTO setting (key, value) VALUES ('k', 'v')"))
            assert _count(uow) == before
        with reader.read() as uow:
            assert _count(uow) == before + 1
    finally:
        reader.close()
        writer.close()


def test_a_store_checks_the_database_once_and_refuses_an_old_or_missing_one(tmp_path):
    missing = f"sqlite:///{tmp_path / 'none.sqlite'}"
    with pytest.raises(InputError, match="does not exist; create it with: landbank --db"):
        Store.open(missing)
    assert not (tmp_path / "none.sqlite").exists()
    store, result = Store.create(missing)
    assert (result.before, result.changed) == (None, True)
    store.close()
    again, result = Store.create(missing)
    assert not result.changed
    again.close()
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(EnvironmentProblem, match="has no landbank schema; run: landbank --db"):
        Store.open(f"sqlite:///{empty}")


def test_demo_opens_the_database_once(tmp_path, monkeypatch):
    """One run of ``landbank demo`` makes one engine and one database connection, which
    every step uses in turn (it used to open the database 19 times)."""
    from landbank.services.demo import run_demo

    opened = {"engines": 0, "connections": 0}

    def on_first(*_):
        opened["engines"] += 1

    def on_connect(*_):
        opened["connections"] += 1

    event.listen(Pool, "first_connect", on_first)
    event.listen(Pool, "connect", on_connect)
    try:
        url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
        lines = run_demo(url, out=tmp_path)
    finally:
        event.remove(Pool, "first_connect", on_first)
        event.remove(Pool, "connect", on_connect)
    assert opened == {"engines": 1, "connections": 1}
    assert any(line.startswith("classified as of") for line in lines)
    assert table_counts(url)["parcel"] > 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["progress", "--by", "nope"], "--by nope: use one of"),
        (["users", "add", "x", "--role", "bogus", "--password-stdin"], "--role bogus: use one of"),
    ],
)
def test_a_command_says_what_is_wrong_with_its_input_before_opening_the_database(
    cli, tmp_path, args, said
):
    """A command's store is opened when a service first uses it: a wrong option is said
    as such, not hidden behind a database that is missing or down."""
    missing = f"sqlite:///{tmp_path / 'none.sqlite'}"
    result = cli(*args, db=missing, input="a long enough password\n")
    assert result.exit_code == 1
    assert said in result.output and "does not exist" not in result.output
    assert not (tmp_path / "none.sqlite").exists()
    other = cli("parcels", "list", db=missing)
    assert other.exit_code == 1 and "does not exist; create it with" in other.output


def test_the_schema_lookup_answers_as_alembic_does(db_url, empty_db_url):
    """Opening a store reads head and the database's revision without Alembic: the
    same answers as Alembic's, for a database at head and for an empty one."""
    from alembic.runtime.migration import MigrationContext

    from landbank.db import migrate
    from landbank.db.engine import make_engine

    assert migrate.head_revision() == migrate._alembic_head()
    for url in (db_url, empty_db_url):
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                expected = MigrationContext.configure(conn).get_current_revision()
            assert migrate.current_revision(engine) == expected
        finally:
            engine.dispose()
    engine = make_engine(db_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
