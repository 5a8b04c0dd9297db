"""Shared fixtures: one database fixture parametrised over SpatiaLite and PostGIS (each
migrated to head), the CLI runner, small synthetic parcel files, the real-data folder."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
import typer.testing
from typer.testing import CliRunner

from landbank.cli import app
from landbank.db.store import Store
from landbank.services.database import init_db
from landbank.services.users import add_user
from landbank.synth import synthetic_parcels
from tests.helpers import carry_case, lawful_sample, tool, write_vector
from tests.replication import pg_bin, start_pair

# Typer's runner builds the whole click command on every call (~0.2 s: most of a CLI
# test's time); the app does not change during a run, so it is built once.
if hasattr(typer.testing, "_get_command"):
    typer.testing._get_command = functools.lru_cache(maxsize=None)(typer.testing._get_command)

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
PG_ADMIN = os.environ.get("LANDBANK_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(autouse=True)
def _close_stores():
    """Each test's shared stores (of services called directly, of web apps) are closed
    after it, so no pooled connection outlives the test's database."""
    yield
    Store.close_shared()


def _pg_admin_dsn(dbname: str = "postgres") -> str:
    return PG_ADMIN.replace("postgresql+psycopg://", "postgresql://") + f"/{dbname}"


def _postgis_available() -> str | None:
    """Returns why PostGIS cannot be used, or None when it can."""
    try:
        with psycopg.connect(_pg_admin_dsn("landbank_test"), connect_timeout=5) as conn:
            row = conn.execute("SELECT 1 FROM pg_extension WHERE extname='postgis'").fetchone()
            if row is None:
                return "database landbank_test has no postgis extension (run make setup)"
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN}/landbank_test: {exc}"
    return None


@pytest.fixture(scope="session")
def spatialite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    init_db(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgis_template(request) -> str:
    """A migrated PostGIS database that each test's database is copied from."""
    why = _postgis_available()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostGIS is required in CI: {why}")
        pytest.skip(why)
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    # The pid keeps two test runs on one server (a fresh clone beside a
    # working tree) from dropping each other's template.
    name = f"landbank_tmpl_{worker}_{os.getpid()}"
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE landbank_test')
    init_db(f"{_pg_admin_dsn(name)}")
    yield name
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_database(request, kind: str, tmp_path: Path):
    """Creates a migrated database of ``kind``; returns (url, drop function)."""
    if kind == "spatialite":
        path = tmp_path / f"landbank_{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copy(request.getfixturevalue("spatialite_template"), path)
        return f"sqlite:///{path}", lambda: None
    template = request.getfixturevalue("postgis_template")
    name = f"lbt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop():
        with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return _pg_admin_dsn(name), drop


@pytest.fixture(scope="session")
def replicated():
    """A PostgreSQL primary and its streaming replica of this run's own (``initdb``,
    ``pg_basebackup -R``, each on a free port; ``tests.replication``) with a migrated
    database ``landbank_repl`` to copy; stopped and removed at the end."""
    if pg_bin() is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        why = "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: the replica tests need them in CI")
        pytest.skip(why)
    pair = start_pair("landbank_repl")
    try:
        init_db(pair.url("landbank_repl"))
        yield pair
    finally:
        Store.close_shared()
        pair.stop()


@pytest.fixture
def replicated_db(replicated) -> tuple[str, str]:
    """(primary URL, replica URL) of a fresh migrated database on the run's own primary,
    already on its replica; dropped after the test."""
    name = f"lbr_{uuid.uuid4().hex[:12]}"
    with replicated.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE landbank_repl')
    replicated.caught_up()
    yield replicated.url(name), replicated.url(name, replica=True)
    Store.close_shared()
    replicated.resume_replay()  # a test that paused it may have failed
    with replicated.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def replicated_city(cli, replicated, replicated_db, small_city, tmp_path) -> tuple[str, str]:
    """The replicated database with forty parcels (classified), a clerk and a viewer,
    all replayed."""
    primary, replica = replicated_db
    path = write_vector(small_city, tmp_path / "parcels.gpkg")
    assert cli("import", "parcels", path, db=primary).exit_code == 0
    assert cli("classify", "--as-of", "2026-06-30", db=primary).exit_code == 0
    store = Store.open(primary)
    try:
        add_user(store, "clerk", "clerk", "clerk password")
        add_user(store, "viewer", "viewer", "viewer password")
    finally:
        store.close()
    replicated.caught_up()
    return primary, replica


@pytest.fixture(params=["spatialite", "postgis"])
def db_url(request, tmp_path) -> str:
    """A fresh database at the newest schema, on each engine in turn."""
    url, drop = _new_database(request, request.param, tmp_path)
    yield url
    drop()


@pytest.fixture
def other_db_url(request, db_url, tmp_path) -> str:
    """A second fresh database on the same engine as ``db_url``."""
    kind = "spatialite" if db_url.startswith("sqlite") else "postgis"
    url, drop = _new_database(request, kind, tmp_path)
    yield url
    drop()


@pytest.fixture
def empty_db_url(request, tmp_path) -> str:
    """An empty SpatiaLite file (there, but no schema)."""
    path = tmp_path / "empty.sqlite"
    path.touch()
    return f"sqlite:///{path}"


class Cli:
    """Runs the landbank CLI in-process; returns the click Result."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, db: str | None = None, input: str | None = None):
        argv = [*(["--db", db] if db else []), *map(str, args)]
        return self.runner.invoke(app, argv, input=input, catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def small_city():
    """Forty synthetic parcels (canonical columns, EPSG:4490), made once."""
    return synthetic_parcels(40, seed=11)


def require_realdata(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data {path} is absent (../shared/realdata is not beside the checkout)")
    return path


@pytest.fixture
def disposing_city(cli, db_url):
    """The sample city, classified, with disposals in various states."""
    return make_disposing_city(cli, db_url)


def make_disposing_city(cli, db_url: str) -> str:
    """Loads the sample city into ``db_url``, classifies it and opens disposals in
    various states; returns the URL."""
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        assert (
            cli(
                "import", "parcels", ROOT / "data" / "parcels" / name, "--upsert", db=db_url
            ).exit_code
            == 0
        )
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    idle = json.loads(
        cli("parcels", "list", "--category", "supplied_not_used", "--json", db=db_url).stdout
    )
    idle = lawful_sample(db_url, idle, dt.date(2026, 3, 15))
    steps = ["investigating", "determined", "plan_approved", "disposing", "disposed"]
    for i, parcel in enumerate(idle[:12]):
        code = parcel["code"]
        assert (
            cli(
                "disposal",
                "open",
                code,
                "--method",
                "start_construction",
                "--by",
                "a",
                "--planned",
                "2026-01-01",
                "--on",
                "2026-01-05",
                db=db_url,
            ).exit_code
            == 0
        )
        for to in steps[: i % 6]:
            month = 3 + i % 4
            carry_case(cli, db_url, code, to, f"2026-{month:02d}-15")
    return db_url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (one per test module)."""
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = tool("chromium")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield b
        b.close()
