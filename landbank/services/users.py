"""``landbank users add|list`` and signing in: people, roles, argon2 password hashes,
and the key that signs the service's cookies and tokens."""

from __future__ import annotations

import datetime as dt
import math
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from landbank.db import users as rows
from landbank.db.store import Store, Unit
from landbank.domain.rights import DISTRICT_ROLES, ROLES, User, parse_districts
from landbank.errors import ConflictError, InputError, NotFoundError

_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs what a wrong
# password costs and timing does not tell which names exist
_DUMMY = _hasher.hash("landbank: no such user")
MIN_PASSWORD = 8


def add_user(
    store: Store,
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
    if names and role not in DISTRICT_ROLES:
        raise InputError(
            "--districts is for a clerk or a surveyor: viewers read all, admins edit all"
        )
    values = {
        "role": role,
        "districts": ",".join(names) or None,
        "password_hash": _hasher.hash(password),
    }
    with store.write() as uow:
        there = rows.user_exists(uow, name)
        if there and not replace:
            raise ConflictError(f"user {name} exists; pass --replace to change them")
        if there:
            rows.replace_user(uow, name, values)
        else:
            rows.insert_user(uow, name, values)
    return {"name": name, "role": role, "districts": list(names), "replaced": there}


def list_users(store: Store) -> list[dict]:
    """Every user: name, role, districts (no hashes)."""
    with store.read() as uow:
        found = rows.all_users(uow)
    return [{"name": n, "role": r, "districts": list(d)} for n, r, d in found]


def delete_user(store: Store, name: str) -> dict:
    """Removes a user: their tokens and sessions end at once (a user added again under
    the name gets a new id, which no old token carries)."""
    with store.write() as uow:
        gone = rows.delete_user(uow, name)
    if not gone:
        raise NotFoundError(f"user {name} does not exist; see landbank users list")
    return {"name": name, "deleted": True}


def sign_out_user(store: Store, name: str) -> dict:
    """Ends every token and session cookie of the user ``name`` (one UPDATE by name,
    one transaction); a NotFoundError when no such user is stored."""
    with store.write() as uow:
        moved = rows.move_version_of(uow, name)
    if not moved:
        raise NotFoundError(f"user {name} does not exist; see landbank users list")
    return {"name": name, "signed_out": True}


def end_tokens(store: Store, user_id: int) -> None:
    """Moves the user's token version: every token and session cookie made for them so
    far is refused from now on, by every process of the service (sign-out)."""
    with store.write() as uow:
        rows.move_version(uow, user_id)


def get_user(store: Store, name: str) -> User | None:
    """The user of ``name``, or None."""
    with store.read() as uow:
        return rows.user_named(uow, name)


def token_holder(store: Store, user_id: int, version: int, name: str) -> User | None:
    """The user a token was made for while it holds: the same id and name, and the
    token version not moved since; None otherwise. Made on every request, so read as
    a glance of the store (one statement by primary key on the connection it keeps,
    see ``Store.glance``): what it reads is what is committed when it reads, so a
    sign-out or a new password ends the token at once in every process."""
    user = store.glance(rows.user_by_id, user_id)
    if user is None or user.name != name or user.token_version != version:
        return None
    return user


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (same work either way)."""
    with store.read() as uow:
        user, stored = rows.user_and_hash(uow, name)
    try:
        _hasher.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not stored:
        return None
    return user


# ---- the limit on failed sign-ins -------------------------------------------------


def _user_key(name: str) -> str:
    return f"user:{name.strip().lower()}"[:300]


def _keys(address: str, name: str) -> list[str]:
    # in one order for every process: two sign-ins lock the rows alike (no deadlock)
    return sorted({f"addr:{address}"[:300], _user_key(name)})


def begin_sign_in(
    store: Store,
    address: str,
    name: str,
    attempts: int,
    window_s: float,
    now: float | None = None,
) -> int:
    """Counts a sign-in try against its client address and its user name before the
    password is checked: 0 when the try may go on (counted), else the seconds until one
    may (nothing counted). Each count is read and moved under its row's lock in one
    unit of work (SQLite: the write lock from BEGIN IMMEDIATE; PostgreSQL: the row lock
    of INSERT … ON CONFLICT DO UPDATE), so of any number of tries at once, from any
    number of processes, at most ``attempts`` a window reach the password. A window
    starts at a key's first failure and lasts ``window_s``; ``now`` in epoch seconds
    (the unit's moment by default)."""
    keys = _keys(address, name)
    moment = None if now is None else dt.datetime.fromtimestamp(now, dt.UTC)
    with store.write(now=moment) as uow:
        now = uow.now.timestamp() if now is None else now
        wait = _count_try(uow, keys, attempts, window_s, now)
    if secrets.randbelow(64) == 0:  # now and then, forget windows long over
        _forget_old_windows(store, now - window_s)
    return wait


def _count_try(uow: Unit, keys: list[str], attempts: int, window_s: float, now: float) -> int:
    counts = rows.open_windows(uow, keys, window_s, now)
    waits = [since + window_s - now for failures, since in counts if failures >= attempts]
    if waits:
        return max(1, math.ceil(max(waits)))
    rows.count_failure(uow, keys)
    return 0


def _forget_old_windows(store: Store, before: float) -> None:
    """Deletes the counts of windows that began before ``before``, in a unit of its own
    begun after the try's unit ended, so it holds no other lock; on PostgreSQL it skips
    rows another sign-in holds (FOR UPDATE SKIP LOCKED), so it never waits for one and
    never deadlocks with one."""
    with store.write() as uow:
        rows.forget_windows(uow, before)


def sign_in_succeeded(store: Store, address: str, name: str) -> None:
    """A right password: the name's failures are forgotten and the address's count
    gives back the try ``begin_sign_in`` counted."""
    keys, user = _keys(address, name), _user_key(name)
    with store.write() as uow:
        for key in keys:
            if key == user:
                rows.forget_key(uow, key)
            else:
                rows.give_back(uow, key)


def secret_key(store: Store) -> str:
    """The key that signs cookies and tokens: made on first start and kept in the
    database, so every process of the service shares it and none is in the repository.
    Read in one unit; the first start writes it in one unit (of two processes starting
    at once, the first to write wins and both read its key)."""
    with store.read() as uow:
        found = rows.setting(uow, "secret_key")
    if found:
        return found
    with store.write() as uow:
        return rows.keep_setting(uow, "secret_key", secrets.token_urlsafe(48))
