"""Opening the database, and ``landbank init``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from landbank.db import migrate
from landbank.db.engine import make_engine, safe_url
from landbank.errors import EnvironmentProblem


def _reachable(url: str, engine: Engine) -> None:
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        raise EnvironmentProblem(
            f"database {safe_url(url)}: {reason}; check --db / LANDBANK_DB and that the server runs"
        ) from None


# A long-running process (the web service) keeps one engine for its database: the
# connection pool and SpatiaLite's loaded extension outlive each request, and the
# schema is checked once. A command opens and disposes of its own.
_shared: dict[str, Engine | None] = {}


def share_engine(url: str) -> None:
    """From now on ``open_db(url)`` returns one pooled engine whose ``dispose`` does
    nothing (for the service; services keep their open / dispose pattern)."""
    _shared.setdefault(url, None)


def open_db(url: str) -> Engine:
    """Returns an engine for a database already at the newest schema; an
    EnvironmentProblem that says to run ``landbank init`` otherwise."""
    if url in _shared:
        engine = _shared[url]
        if engine is None:
            engine = _open(url)
            engine.dispose = lambda *args, **kwargs: None  # kept for the process
            _shared[url] = engine
        return engine
    return _open(url)


def _open(url: str) -> Engine:
    engine = make_engine(url)
    _reachable(url, engine)
    current = migrate.current_revision(engine)
    if current != migrate.head_revision():
        state = "has no landbank schema" if current is None else f"is at schema {current}"
        raise EnvironmentProblem(
            f"database {safe_url(url)} {state}; run: landbank init --db {safe_url(url)}"
        )
    return engine


@dataclass
class InitResult:
    database: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def init_db(url: str) -> InitResult:
    """Creates or upgrades the schema to the newest migration (idempotent)."""
    engine = make_engine(url)
    _reachable(url, engine)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as conn:
            has = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname='postgis'")).first()
            if not has:
                try:
                    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                except Exception:
                    raise EnvironmentProblem(
                        f"database {safe_url(url)}: PostGIS is not installed; install "
                        "postgresql-15-postgis-3 (or your server's version) or run make setup"
                    ) from None
    before, after = migrate.upgrade(engine)
    engine.dispose()
    return InitResult(safe_url(url), before, after)
