"""A kill -9 in the middle of a large import leaves the database exactly as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from landbank.services.synth_files import write_synthetic_city
from tests.helpers import table_counts, write_vector

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "city.gpkg"
    write_synthetic_city(path, parcels=60_000, seed=5)
    return path


def _writing(db_url: str, started: float) -> bool:
    """True once the import is inside its write transaction."""
    if db_url.startswith("sqlite"):
        journal = Path(db_url.removeprefix("sqlite:///") + "-journal")
        return journal.exists() and journal.stat().st_size > 0
    dbname = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres") as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND (query ILIKE 'COPY%%' OR query ILIKE 'INSERT%%' OR query ILIKE 'CREATE%%')",
            (dbname,),
        ).fetchone()
    return row is not None


def test_kill_9_during_a_large_import_leaves_the_database_as_before(
    db_url, cli, small_city, big_file, tmp_path
):
    base = write_vector(
        small_city.assign(code="BASE-" + small_city["code"]), tmp_path / "base.gpkg"
    )
    assert cli("import", "parcels", base, db=db_url).exit_code == 0
    before = table_counts(db_url)
    exe = str(Path(sys.executable).with_name("landbank"))
    proc = subprocess.Popen(
        [exe, "--db", db_url, "import", "parcels", str(big_file), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    started = time.monotonic()
    try:
        while not _writing(db_url, started):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() - started < 120
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert table_counts(db_url) == before
    if db_url.startswith("sqlite"):
        import sqlite3  # the integrity check needs no extension

        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # and the same import then runs through
    result = cli("import", "parcels", big_file, db=db_url)
    assert result.exit_code == 0, result.stderr
    assert table_counts(db_url)["parcel"] == before["parcel"] + 60_000
