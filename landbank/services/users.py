"""``landbank users add|list`` and signing in: people, roles, argon2 password hashes,
and the key that signs the service's cookies and tokens."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from landbank.db.engine import write_transaction
from landbank.db.models import Setting
from landbank.db.models import User as UserRow
from landbank.domain.rights import ROLES, User, parse_districts
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services.database import open_db

U, ST = UserRow.__table__, Setting.__table__
_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs what a wrong
# password costs and timing does not tell which names exist
_DUMMY = _hasher.hash("landbank: no such user")
MIN_PASSWORD = 8


def add_user(
    db_url: str,
    name: str,
    role: str,
    password: str,
    districts: str | None = None,
    replace: bool = False,
) -> dict:
    """Stores a user with an argon2 hash of ``password``; a name already stored is a
    ConflictError unless ``replace`` (new role, districts and password)."""
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
                conn.execute(update(U).where(U.c.name == name).values(**values))
            else:
                conn.execute(insert(U).values(name=name, **values))
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


def get_user(db_url: str, name: str) -> User | None:
    """The user of ``name``, or None."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(U.c.role, U.c.districts).where(U.c.name == name)).first()
    finally:
        engine.dispose()
    return User(name, row[0], parse_districts(row[1])) if row else None


def authenticate(db_url: str, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (same work either way)."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(U.c.role, U.c.districts, U.c.password_hash).where(U.c.name == name)
            ).first()
    finally:
        engine.dispose()
    stored = row[2] if row and row[2] else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row[2]:
        return None
    return User(name, row[0], parse_districts(row[1]))


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


def require_user(db_url: str, name: str) -> User:
    user = get_user(db_url, name)
    if user is None:
        raise NotFoundError(f"user {name} does not exist; see landbank users list")
    return user
