"""Opening the database, and ``landbank init``."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from landbank.db import migrate
from landbank.db.engine import make_engine, safe_url
from landbank.errors import EnvironmentProblem, InputError


def hint_url(url: str) -> str:
    """The URL for a command line in a hint: without the password (libpq then reads
    PGPASSWORD or ~/.pgpass), quoted for a shell where it needs to be."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return shlex.quote(url)
    if parsed.password is not None:
        parsed = parsed._replace(password=None)  # set() keeps a password given None
    return shlex.quote(parsed.render_as_string(hide_password=False))


def init_hint(url: str) -> str:
    """The command that creates or upgrades the schema of ``url``, runnable as written."""
    return f"landbank --db {hint_url(url)} init"


def sqlite_file(url: str) -> Path | None:
    """The file of a SpatiaLite URL (None for PostgreSQL, an in-memory database or a
    URL that does not parse)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _folder_must_exist(url: str) -> None:
    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        raise InputError(
            f"database file {path}: folder {path.parent} does not exist; check the path, "
            "or create the folder first"
        )


def _must_exist(url: str) -> None:
    """Only ``landbank init`` (and ``demo``) create a database: any other command on a
    SpatiaLite path that does not exist says so instead of leaving a new file."""
    _folder_must_exist(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise InputError(f"database file {path} does not exist; create it with: {init_hint(url)}")


def _missing_pg_database(url: str, reason: str) -> InputError | None:
    """A PostgreSQL database that does not exist: the commands that create it."""
    if "does not exist" not in reason or 'database "' not in reason:
        return None
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return None
    args = ["createdb"]
    if parsed.host:
        args += ["-h", parsed.host]
    if parsed.port:
        args += ["-p", str(parsed.port)]
    if parsed.username:
        args += ["-U", parsed.username]
    args.append(parsed.database)
    create = " ".join(shlex.quote(a) for a in args)
    return InputError(
        f"database {safe_url(url)} does not exist on its server; create it with: "
        f"{create} && {init_hint(url)}"
    )


def _reachable(url: str, engine: Engine) -> None:
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        missing = _missing_pg_database(url, reason)
        if missing is not None:
            raise missing from None
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
    _must_exist(url)
    engine = make_engine(url)
    _reachable(url, engine)
    current = migrate.current_revision(engine)
    if current != migrate.head_revision():
        state = "has no landbank schema" if current is None else f"is at schema {current}"
        raise EnvironmentProblem(f"database {safe_url(url)} {state}; run: {init_hint(url)}")
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
    _folder_must_exist(url)
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
