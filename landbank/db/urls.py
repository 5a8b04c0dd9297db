"""Database URLs: what a message or a hint shows of them, and the checks made before a
database is opened (a SpatiaLite file that must exist, a PostgreSQL database that is
missing from its server)."""

from __future__ import annotations

import shlex
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from landbank.db.engine import safe_url
from landbank.errors import InputError


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


def folder_must_exist(url: str) -> None:
    """An InputError when a SpatiaLite file's folder does not exist."""
    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        raise InputError(
            f"database file {path}: folder {path.parent} does not exist; check the path, "
            "or create the folder first"
        )


def must_exist(url: str) -> None:
    """Only ``landbank init`` (and ``demo``) create a database: any other command on a
    SpatiaLite path that does not exist says so instead of leaving a new file."""
    folder_must_exist(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise InputError(f"database file {path} does not exist; create it with: {init_hint(url)}")


def missing_pg_database(url: str, reason: str) -> InputError | None:
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
