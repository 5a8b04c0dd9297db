"""``landbank projects add|list|show``: a project's requirement read from a TOML or JSON
file, checked, and stored (table ``project``) so ``match --project NAME`` and
reservations can name it."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

from sqlalchemy import delete, insert, select

from landbank.config import load_profile
from landbank.db.engine import write_transaction
from landbank.db.models import Project, Reservation
from landbank.domain.matching import Requirement, RequirementError, read_requirement
from landbank.domain.rights import check_project_owner
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services.database import open_db

PR, R = Project.__table__, Reservation.__table__


def read_requirement_data(path: Path) -> dict:
    """The dict of a .toml or .json requirement file; InputError naming the file and
    the line at fault."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give a .toml or .json requirement file")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InputError(f"{path}: give a .toml or .json requirement file (see data/projects/)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    try:
        return tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix that line") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix it"
        ) from None


def read_requirement_file(path: Path, profile: str | None = None) -> Requirement:
    """The checked requirement of a file; InputError naming the file and the field."""
    data = read_requirement_data(path)
    try:
        req = read_requirement(data, load_profile(profile).crosswalk)
    except RequirementError as exc:
        raise InputError(f"{path}: {exc}") from None
    if not req.name:
        raise InputError(f'{path}: name is required at the top, e.g. name = "新能源装备项目"')
    return req


def requirement_of_row(row, profile: str | None = None) -> Requirement:
    """The requirement of a stored ``project`` row."""
    try:
        return read_requirement(json.loads(row["requirement"]), load_profile(profile).crosswalk)
    except RequirementError as exc:
        raise InputError(f"project {row['name']}: stored requirement: {exc}") from None


def add_project(
    db_url: str, path: Path, by: str = "landbank", replace: bool = False, profile=None
) -> dict:
    """Stores the project of a requirement file, in one transaction; a name already
    stored is a ConflictError unless ``replace`` (its reservations stay)."""
    req = read_requirement_file(path, profile)
    return _store(db_url, req, read_requirement_data(path), by, replace, f"{path}: ")


def add_project_data(
    db_url: str,
    data: dict,
    by: str = "landbank",
    replace: bool = False,
    profile=None,
    replace_hint: str = "pass --replace",
    owner: str | None = None,
) -> dict:
    """Stores the project of a requirement dict (a requirement file's top level, e.g. a
    web request's JSON body) as ``add_project`` stores a file's. With ``owner`` (a
    clerk's name) only a project that clerk stored may be replaced (ForbiddenError)."""
    try:
        req = read_requirement(data, load_profile(profile).crosswalk)
    except RequirementError as exc:
        raise InputError(f"requirement: {exc}") from None
    if not req.name:
        raise InputError('requirement: name is required, e.g. "name": "新能源装备项目"')
    return _store(db_url, req, data, by, replace, "", replace_hint, owner)


def _store(
    db_url: str,
    req: Requirement,
    data: dict,
    by: str,
    replace: bool,
    where: str,
    replace_hint: str = "pass --replace",
    owner: str | None = None,
) -> dict:
    """Writes the checked requirement ``req`` with its source dict ``data``; with
    ``owner``, replaces only a project ``owner`` stored."""
    stored = json.dumps(data, ensure_ascii=False, default=_iso)
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            there = conn.execute(
                select(PR.c.id, PR.c.created_by).where(PR.c.name == req.name)
            ).first()
            if there and not replace:
                raise ConflictError(
                    f"{where}project {req.name!r} is already stored; {replace_hint} to update "
                    "its requirement"
                )
            if there:
                check_project_owner(owner, there[1], req.name)
                conn.execute(delete(PR).where(PR.c.name == req.name))
            conn.execute(
                insert(PR).values(
                    name=req.name,
                    industry=req.industry,
                    kind=req.kind,
                    requirement=stored,
                    created_by=by,
                )
            )
    finally:
        engine.dispose()
    return {"project": req.name, "kind": req.kind, "replaced": bool(there)}


def list_projects(db_url: str) -> list[dict]:
    """Every stored project: name, industry, kind, created_by, created_at, and how many
    parcels or floors are reserved for it now."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(PR).order_by(PR.c.name)).mappings().all()
            held = {}
            for (name,) in conn.execute(select(R.c.project_name).where(R.c.released_at.is_(None))):
                held[name] = held.get(name, 0) + 1
    finally:
        engine.dispose()
    return [
        {
            "name": r["name"],
            "industry": r["industry"],
            "kind": r["kind"],
            "created_by": r["created_by"],
            "created_at": _iso(r["created_at"]),
            "reserved": held.get(r["name"], 0),
        }
        for r in rows
    ]


def show_project(db_url: str, name: str) -> dict:
    """A stored project with its requirement as stored."""
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(PR).where(PR.c.name == name)).mappings().first()
    finally:
        engine.dispose()
    if row is None:
        raise NotFoundError(f"project {name!r} is not stored; see landbank projects list")
    return {
        "name": row["name"],
        "industry": row["industry"],
        "kind": row["kind"],
        "requirement": json.loads(row["requirement"]),
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


def _iso(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None:
        return None
    raise TypeError(f"{type(value).__name__} is not JSON")
