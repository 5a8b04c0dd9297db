"""``landbank projects add|list|show``: a project's requirement read from a TOML or JSON
file, checked, and stored (table ``project``) so ``match --project NAME`` and
reservations can name it."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

from landbank.config import load_profile
from landbank.db import projects as rows
from landbank.db import reservations
from landbank.db.store import Store
from landbank.domain.matching import Requirement, RequirementError, read_requirement
from landbank.domain.rights import check_project_owner
from landbank.errors import ConflictError, InputError, NotFoundError


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
    store: Store, path: Path, by: str = "landbank", replace: bool = False, profile=None
) -> dict:
    """Stores the project of a requirement file, in one transaction; a name already
    stored is a ConflictError unless ``replace`` (its reservations stay)."""
    req = read_requirement_file(path, profile)
    return _store(store, req, read_requirement_data(path), by, replace, f"{path}: ")


def add_project_data(
    store: Store,
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
    return _store(store, req, data, by, replace, "", replace_hint, owner)


def _store(
    store: Store,
    req: Requirement,
    data: dict,
    by: str,
    replace: bool,
    where: str,
    replace_hint: str = "pass --replace",
    owner: str | None = None,
) -> dict:
    """Writes the checked requirement ``req`` with its source dict ``data``, by ``by``,
    in one unit of work; with ``owner``, replaces only a project ``owner`` stored.
    Returns project, kind and replaced."""
    stored = json.dumps(data, ensure_ascii=False, default=_iso)
    with store.write(by=by) as uow:
        there, created_by = rows.owner(uow, req.name)
        if there and not replace:
            raise ConflictError(
                f"{where}project {req.name!r} is already stored; {replace_hint} to update "
                "its requirement"
            )
        if there:
            check_project_owner(owner, created_by, req.name)
        values = {
            "name": req.name,
            "industry": req.industry,
            "kind": req.kind,
            "requirement": stored,
            "created_by": uow.by,
        }
        rows.put_project(uow, values, replace=there)
    return {"project": req.name, "kind": req.kind, "replaced": there}


def list_projects(store: Store) -> list[dict]:
    """Every stored project: name, industry, kind, created_by, created_at, and how many
    parcels or floors are reserved for it now."""
    with store.read() as uow:
        found = rows.projects(uow)
        held = reservations.held_counts(uow)
    return [
        {
            "name": r["name"],
            "industry": r["industry"],
            "kind": r["kind"],
            "created_by": r["created_by"],
            "created_at": _iso(r["created_at"]),
            "reserved": held.get(r["name"], 0),
        }
        for r in found
    ]


def show_project(store: Store, name: str) -> dict:
    """A stored project with its requirement as stored; NotFoundError when there is
    none."""
    with store.read() as uow:
        row = rows.project(uow, name)
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
