"""Engines for the two databases: a SpatiaLite file and PostgreSQL + PostGIS.

``sqlite:///FILE`` loads ``mod_spatialite`` into every connection (through
``pysqlite3`` where the stdlib ``sqlite3`` cannot load extensions) and takes
explicit transactions, so DDL and DML roll back together.
``postgresql://`` and ``postgresql+psycopg://`` use psycopg 3. What differs between
them is in ``db.dialects``; a program opens a database through ``db.store.Store``.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from landbank.db.dialects import (  # noqa: F401 (SPATIALITE_HINT: tests)
    ENGINES,
    SPATIALITE_HINT,
    EngineSql,
)
from landbank.errors import InputError


def safe_url(url: str) -> str:
    """Returns the URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def make_engine(url: str) -> Engine:
    """Returns an Engine for ``url`` (SpatiaLite or PostGIS); raises InputError for others."""
    return sql_for_url(url).create_engine(make_url(url))


def sql_for_url(url: str) -> EngineSql:
    """The SQL of the engine ``url`` names (``db.dialects``); InputError for a URL that
    is none or names another database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"database URL {url!r} is not a URL; use sqlite:///FILE or postgresql://USER@HOST/DB"
        ) from None
    sql = ENGINES.get(parsed.get_backend_name())
    if sql is None:
        raise InputError(
            f"database {safe_url(url)}: only SpatiaLite (sqlite:///FILE) and PostGIS "
            "(postgresql://...) are supported"
        )
    return sql
