"""``landbank users add|list`` and signing in: people, roles, argon2 password hashes,
and the key that signs the service's cookies and tokens."""

from __future__ import annotations

import math
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from landbank.db.dialects import sql_of
from landbank.db.engine import write_transaction
from landbank.db.models import LoginFailure, Setting
from landbank.db.models import User as UserRow
from landbank.domain.rights import ROLES, User, parse_districts
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services.database import open_db

U, ST, LF = UserRow.__table__, Setting.__table__, LoginFailure.__table__
_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs what a wrong
# password costs and timing does not tell which names exist
_DUMMY = _hasher.hash("landbank: no such user")
MIN_PASSWORD = 8


def _fresh() -> int:
    """A new user's token version: random, so a user added again under a name (SQLite
    may even give the old id again) never has the version of a token of the last."""
    return secrets.randbelow(2**31)


def _moved():
    """The token version moved to another random value, never the one it had."""
    new = secrets.randbelow(2**31 - 1)  # computed here: no integer overflow in SQL
    return case((U.c.token_version == new, new + 1), else_=new)


def add_user(
    db_url: str,
    name: str,
    role: str,
    password: str,
    districts: str | None = None,
    replace: bool = False,
) -> dict:
    """Stores a user with an argon2 hash of ``password``; a name already stored is a
    ConflictError unless ``replace`` (new role, districts and password: the user's
    tokens and sessions end)."""
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise InputError("NAME: give a user name of 1 to 128 characters")
    if role not in ROLES:
        raise InputError(f"--role {role}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    names = parse_districts(districts)
    if names and role != "clerk":
        raise InputError("--districts is for a clerk: viewers read all, admins edit all")
    values = {
        "role": role,
        "districts": ",".join(names) or None,
        "password_hash": _hasher.hash(password),
    }
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            there = conn.execute(select(U.c.id).where(U.c.name == name)).first()
            if there and not replace:
                raise ConflictError(f"user {name} exists; pass --replace to change them")
            if there:
                conn.execute(
                    update(U).where(U.c.name == name).values(**values, token_version=_moved())
                )
            else:
                conn.execute(insert(U).values(name=name, token_version=_fresh(), **values))
    finally:
        engine.dispose()
    return {"name": name, "role": role, "districts": list(names), "replaced": bool(there)}


def list_users(db_url: str) -> list[dict]:
    """Every user: name, role, districts (no hashes)."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(U.c.name, U.c.role, U.c.districts).order_by(U.c.name))
            return [
                {"name": n, "role": r, "districts": list(parse_districts(d))} for n, r, d in rows
            ]
    finally:
        engine.dispose()


def delete_user(db_url: str, name: str) -> dict:
    """Removes a user: their tokens and sessions end at once (a user added again under
    the name gets a new id, which no old token carries)."""
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            gone = conn.execute(delete(U).where(U.c.name == name)).rowcount
    finally:
        engine.dispose()
    if not gone:
        raise NotFoundError(f"user {name} does not exist; see landbank users list")
    return {"name": name, "deleted": True}


def sign_out_user(db_url: str, name: str) -> dict:
    """Ends every token and session cookie of the user ``name`` (one UPDATE by name,
    one transaction); a NotFoundError when no such user is stored."""
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            moved = conn.execute(
                update(U).where(U.c.name == name).values(token_version=_moved())
            ).rowcount
    finally:
        engine.dispose()
    if not moved:
        raise NotFoundError(f"user {name} does not exist; see landbank users list")
    return {"name": name, "signed_out": True}


def end_tokens(db_url: str, user_id: int) -> None:
    """Moves the user's token version: every token and session cookie made for them so
    far is refused from now on, by every process of the service (sign-out)."""
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            conn.execute(update(U).where(U.c.id == user_id).values(token_version=_moved()))
    finally:
        engine.dispose()


_FIELDS = (U.c.name, U.c.role, U.c.districts, U.c.id, U.c.token_version)
# read on every request: built once (building a select costs a third of the read)
_BY_ID = select(*_FIELDS).where(U.c.id == bindparam("id"))


def _user(row) -> User:
    return User(row[0], row[1], parse_districts(row[2]), id=row[3], token_version=row[4])


def get_user(db_url: str, name: str) -> User | None:
    """The user of ``name``, or None."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(*_FIELDS).where(U.c.name == name)).first()
    finally:
        engine.dispose()
    return _user(row) if row else None


def token_holder(db_url: str, user_id: int, version: int, name: str) -> User | None:
    """The user a token was made for while it holds: the same id and name, and the
    token version not moved since (one read by primary key); None otherwise."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(_BY_ID, {"id": user_id}).first()
    finally:
        engine.dispose()
    if row is None or row[0] != name or row[4] != version:
        return None
    return _user(row)


def authenticate(db_url: str, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (same work either way)."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(*_FIELDS, U.c.password_hash).where(U.c.name == name)).first()
    finally:
        engine.dispose()
    stored = row[5] if row and row[5] else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row[5]:
        return None
    return _user(row)


# ---- the limit on failed sign-ins -------------------------------------------------


def _user_key(name: str) -> str:
    return f"user:{name.strip().lower()}"[:300]


def _keys(address: str, name: str) -> list[str]:
    # in one order for every process: two sign-ins lock the rows alike (no deadlock)
    return sorted({f"addr:{address}"[:300], _user_key(name)})


def begin_sign_in(
    db_url: str, address: str, name: str, attempts: int, window_s: float, now: float | None = None
) -> int:
    """Counts a sign-in try against its client address and its user name before the
    password is checked: 0 when the try may go on (counted), else the seconds until one
    may (nothing counted). Each count is read and moved under its row's lock in one
    transaction (SQLite: the write lock from BEGIN IMMEDIATE; PostgreSQL: the row lock
    of INSERT … ON CONFLICT DO UPDATE), so of any number of tries at once, from any
    number of processes, at most ``attempts`` a window reach the password. A window
    starts at a key's first failure and lasts ``window_s``."""
    now = time.time() if now is None else now
    keys = _keys(address, name)
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            wait = _count_try(conn, keys, attempts, window_s, now)
        if secrets.randbelow(64) == 0:  # now and then, forget windows long over
            _forget_old_windows(engine, now - window_s)
        return wait
    finally:
        engine.dispose()


def _count_try(conn, keys: list[str], attempts: int, window_s: float, now: float) -> int:
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
        counts.append(conn.execute(stmt).one())
    waits = [since + window_s - now for failures, since in counts if failures >= attempts]
    if waits:
        return max(1, math.ceil(max(waits)))
    conn.execute(update(LF).where(LF.c.key.in_(keys)).values(failures=LF.c.failures + 1))
    return 0


def _forget_old_windows(engine, before: float) -> None:
    """Deletes the counts of windows that began before ``before``, in a transaction of
    its own that holds no other lock; on PostgreSQL it skips rows another sign-in holds
    (FOR UPDATE SKIP LOCKED), so it never waits for one and never deadlocks with one."""
    with write_transaction(engine) as conn:
        stale = select(LF.c.key).where(LF.c.since < before)
        stale = sql_of(conn).lock(stale, skip_locked=True)
        conn.execute(delete(LF).where(LF.c.key.in_(stale.scalar_subquery())))


def sign_in_succeeded(db_url: str, address: str, name: str) -> None:
    """A right password: the name's failures are forgotten and the address's count
    gives back the try ``begin_sign_in`` counted."""
    keys, user = _keys(address, name), _user_key(name)
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            for key in keys:
                if key == user:
                    conn.execute(delete(LF).where(LF.c.key == user))
                else:
                    conn.execute(
                        update(LF)
                        .where(LF.c.key == key, LF.c.failures > 0)
                        .values(failures=LF.c.failures - 1)
                    )
    finally:
        engine.dispose()


def secret_key(db_url: str) -> str:
    """The key that signs cookies and tokens: made on first start and kept in the
    database, so every process of the service shares it and none is in the repository."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(ST.c.value).where(ST.c.key == "secret_key")).scalar()
        if found:
            return found
        try:
            with write_transaction(engine) as conn:
                conn.execute(insert(ST).values(key="secret_key", value=secrets.token_urlsafe(48)))
        except IntegrityError:  # another process made it first
            pass
        with engine.connect() as conn:
            return conn.execute(select(ST.c.value).where(ST.c.key == "secret_key")).scalar_one()
    finally:
        engine.dispose()
