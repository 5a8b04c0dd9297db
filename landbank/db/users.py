"""People who sign in (``app_user``), the counts of failed sign-ins (``login_failure``)
and the service's kept values (``setting``): their rows in and out."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, bindparam, case, delete, insert, select, update

from landbank.db.dialects import sql_of
from landbank.db.models import LoginFailure, Setting
from landbank.db.models import User as UserRow
from landbank.domain.rights import User, parse_districts

U, ST, LF = UserRow.__table__, Setting.__table__, LoginFailure.__table__

_FIELDS = (U.c.name, U.c.role, U.c.districts, U.c.id, U.c.token_version)
# read on every request: built once (building a select costs a third of the read)
_BY_ID = select(*_FIELDS).where(U.c.id == bindparam("id"))


def _user(row) -> User:
    return User(row[0], row[1], parse_districts(row[2]), id=row[3], token_version=row[4])


def fresh_version() -> int:
    """A new user's token version: random, so a user added again under a name (SQLite
    may even give the old id again) never has the version of a token of the last."""
    return secrets.randbelow(2**31)


def _moved():
    """The token version moved to another random value, never the one it had."""
    new = secrets.randbelow(2**31 - 1)  # computed here: no integer overflow in SQL
    return case((U.c.token_version == new, new + 1), else_=new)


# ---- users --------------------------------------------------------------------------


def user_exists(conn: Connection, name: str) -> bool:
    """Whether a user of ``name`` is stored."""
    return conn.execute(select(U.c.id).where(U.c.name == name)).first() is not None


def insert_user(conn: Connection, name: str, values: dict) -> None:
    """Stores a new user ``name`` with ``values`` (role, districts, password_hash) and
    a fresh token version."""
    conn.execute(insert(U).values(name=name, token_version=fresh_version(), **values))


def replace_user(conn: Connection, name: str, values: dict) -> None:
    """Gives the user ``name`` new ``values`` and moves their token version (their
    tokens end)."""
    conn.execute(update(U).where(U.c.name == name).values(**values, token_version=_moved()))


def all_users(conn: Connection) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every user as (name, role, districts), by name."""
    rows = conn.execute(select(U.c.name, U.c.role, U.c.districts).order_by(U.c.name))
    return [(n, r, parse_districts(d)) for n, r, d in rows]


def delete_user(conn: Connection, name: str) -> int:
    """Deletes the user ``name``; returns how many were (0 or 1)."""
    return conn.execute(delete(U).where(U.c.name == name)).rowcount


def move_version_of(conn: Connection, name: str) -> int:
    """Moves the token version of the user ``name``; returns how many users moved."""
    return conn.execute(update(U).where(U.c.name == name).values(token_version=_moved())).rowcount


def move_version(conn: Connection, user_id: int) -> None:
    """Moves the token version of the user ``user_id``."""
    conn.execute(update(U).where(U.c.id == user_id).values(token_version=_moved()))


def user_named(conn: Connection, name: str) -> User | None:
    """The user of ``name``, or None."""
    row = conn.execute(select(*_FIELDS).where(U.c.name == name)).first()
    return _user(row) if row else None


def user_by_id(conn: Connection, user_id: int) -> User | None:
    """The user of id ``user_id``, or None: one read by primary key, its statement
    built once (the token check makes it on every request)."""
    row = conn.execute(_BY_ID, {"id": user_id}).first()
    return _user(row) if row else None


def user_and_hash(conn: Connection, name: str) -> tuple[User | None, str | None]:
    """The user of ``name`` and their password hash; (None, None) for no such user."""
    row = conn.execute(select(*_FIELDS, U.c.password_hash).where(U.c.name == name)).first()
    return (_user(row), row[5]) if row else (None, None)


# ---- failed sign-ins ----------------------------------------------------------------


def open_windows(
    conn: Connection, keys: list[str], window_s: float, now: float
) -> list[tuple[int, float]]:
    """(failures, since) of each key, its row made when missing and its count restarted
    when its window (``window_s`` from ``since``) is over at ``now``; each row locked
    until the transaction ends (SQLite: the write lock; PostgreSQL: the row lock of
    INSERT … ON CONFLICT DO UPDATE). Lock the keys in one order everywhere."""
    old = LF.c.since < now - window_s
    counts = []
    for key in keys:
        stmt = sql_of(conn).insert(LF).values(key=key, failures=0, since=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[LF.c.key],
            set_={
                "failures": case((old, 0), else_=LF.c.failures),
                "since": case((old, now), else_=LF.c.since),
            },
        ).returning(LF.c.failures, LF.c.since)
        counts.append(tuple(conn.execute(stmt).one()))
    return counts


def count_failure(conn: Connection, keys: list[str]) -> None:
    """Adds one to the count of each key."""
    conn.execute(update(LF).where(LF.c.key.in_(keys)).values(failures=LF.c.failures + 1))


def forget_windows(conn: Connection, before: float) -> None:
    """Deletes the counts of windows that began before ``before``; on PostgreSQL it
    skips rows another transaction holds (FOR UPDATE SKIP LOCKED), so it never waits."""
    stale = sql_of(conn).lock(select(LF.c.key).where(LF.c.since < before), skip_locked=True)
    conn.execute(delete(LF).where(LF.c.key.in_(stale.scalar_subquery())))


def forget_key(conn: Connection, key: str) -> None:
    """Deletes the count of ``key``."""
    conn.execute(delete(LF).where(LF.c.key == key))


def give_back(conn: Connection, key: str) -> None:
    """Takes one from the count of ``key`` (never below 0)."""
    conn.execute(
        update(LF).where(LF.c.key == key, LF.c.failures > 0).values(failures=LF.c.failures - 1)
    )


# ---- settings -----------------------------------------------------------------------


def setting(conn: Connection, key: str) -> str | None:
    """The kept value of ``key``, or None."""
    return conn.execute(select(ST.c.value).where(ST.c.key == key)).scalar()


def keep_setting(conn: Connection, key: str, value: str) -> str:
    """Keeps ``value`` for ``key`` unless one is kept already (another process may
    keep one at the same moment: the first stays); returns the value kept."""
    stmt = sql_of(conn).insert(ST).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=[ST.c.key]))
    return conn.execute(select(ST.c.value).where(ST.c.key == key)).scalar_one()
