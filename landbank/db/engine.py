"""Engines for the two databases: a SpatiaLite file and PostgreSQL + PostGIS.

``sqlite:///FILE`` loads ``mod_spatialite`` into every connection (through
``pysqlite3`` where the stdlib ``sqlite3`` cannot load extensions) and takes
explicit transactions, so DDL and DML roll back together.
``postgresql://`` and ``postgresql+psycopg://`` use psycopg 3.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from geoalchemy2.admin.dialects.sqlite import init_spatialite
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from landbank.errors import EnvironmentProblem, InputError

SPATIALITE_HINT = (
    "SpatiaLite (mod_spatialite) cannot be loaded; install it: "
    "apt-get install libsqlite3-mod-spatialite (Debian/Ubuntu), brew install libspatialite (macOS)"
)


def safe_url(url: str) -> str:
    """Returns the URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def _sqlite_module():
    """Returns a DB-API sqlite module able to load extensions."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        return importlib.import_module("pysqlite3.dbapi2")
    except ImportError:
        raise EnvironmentProblem(
            "this Python's sqlite3 cannot load extensions; pip install pysqlite3-binary"
        ) from None


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun explicitly (see _on_begin)
    # SPATIALITE_LIBRARY_PATH (GeoAlchemy2's name) points at a module outside the
    # loader's search path; by default the OS's mod_spatialite is found by name.
    library = os.environ.get("SPATIALITE_LIBRARY_PATH") or "mod_spatialite"
    try:
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(library)
        dbapi_conn.enable_load_extension(False)
    except Exception:
        raise EnvironmentProblem(SPATIALITE_HINT) from None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 10000")
    # Reads map the file instead of copying it a page at a time: a city-wide match
    # scans the parcel table (geometries inline), a quarter faster mapped. On a network
    # share an I/O error would end the process instead: LANDBANK_SQLITE_MMAP=0 there.
    mmap = os.environ.get("LANDBANK_SQLITE_MMAP", "1") != "0"
    cur.execute(f"PRAGMA mmap_size = {1 << 30 if mmap else 0}")
    has_meta = cur.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='spatial_ref_sys'"
    ).fetchone()[0]
    if not has_meta:
        init_spatialite(dbapi_conn, transaction=True, init_mode="EMPTY")
        cur.execute("SELECT InsertEpsgSrid(4490)")
        cur.execute("SELECT InsertEpsgSrid(4326)")
    cur.close()


def _on_begin(conn) -> None:
    # A writing transaction takes SQLite's write lock at once (BEGIN IMMEDIATE): two
    # writers then queue (busy_timeout) instead of failing on a late lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("writes") else "BEGIN")


def make_engine(url: str) -> Engine:
    """Returns an Engine for ``url`` (SpatiaLite or PostGIS); raises InputError for others."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"database URL {url!r} is not a URL; use sqlite:///FILE or postgresql://USER@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
            parsed = parsed.set(drivername="sqlite")
        engine = create_engine(parsed, module=_sqlite_module())
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_begin)
        return engine
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        # The service answers many requests at once: the default pool of 5 closed and
        # reopened connections on every burst (several ms each). At most 20 a process
        # keeps `serve --workers 4` under PostgreSQL's default 100 connections.
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise InputError(
        f"database {safe_url(url)}: only SpatiaLite (sqlite:///FILE) and PostGIS "
        "(postgresql://...) are supported"
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it holds the write lock from its start;
    on PostgreSQL it is an ordinary transaction (rows are locked where they are read)."""
    with engine.connect() as conn:
        conn.info["writes"] = True
        with conn.begin():
            yield conn


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
