"""Field surveys, the surveyor's side: their tasks (with what the phone needs offline:
the target's version, geometry and current values), records submitted once per
idempotency key, a target changed meanwhile kept as a conflict, and photos kept as
attachments with their EXIF time and position, distance and flags."""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import pandas as pd
import shapely

from landbank.config import Profile, load_profile
from landbank.db import attachments
from landbank.db import buildings as building_rows
from landbank.db import parcels as parcel_rows
from landbank.db import surveys as rows
from landbank.db.store import Store, Unit
from landbank.domain import survey as sv
from landbank.domain.rights import User
from landbank.errors import ConflictError, FieldProblems, ForbiddenError, InputError, NotFoundError
from landbank.io.attachments import plain_name
from landbank.io.photos import CHINA, check_photo
from landbank.services.parcels import _jsonable
from landbank.services.surveys import _iso, record_shown, tasks_with_records

MAX_KEY = 128
PARCEL_FIELDS = ("name", "holder", "category", "started_on", "stopped_on", "completed_on",
                 "operating_on", "agreed_start_on", "agreed_completion_on")  # fmt: skip


def check_reader(user: User, task: dict) -> None:
    """A surveyor reads only their own tasks (ForbiddenError otherwise); a viewer,
    clerk or admin reads every task."""
    if user.is_surveyor and task["assignee"] != user.name:
        raise ForbiddenError(f"task {task['id']} is not yours; see your tasks at /survey")


def my_tasks(store: Store, user: User) -> list[dict]:
    """The tasks of surveyor ``user`` (not yet accepted first, by survey and code), each
    with its records and ``target``: version, district, geometry (GeoJSON), centroid
    and, for a parcel, its name, holder, category and dates; for a building its
    floors, total floor area and vacancies. One snapshot."""
    if not user.is_surveyor:
        raise ForbiddenError(f"{user.name} is a {user.role}: tasks belong to surveyors")
    with store.read() as uow:
        tasks = rows.tasks(uow, assignee=user.name)
        shown = _with_targets(uow, tasks)
    return sorted(shown, key=lambda t: t["state"] == "accepted")


def task_detail(store: Store, user: User, task_id: int) -> dict:
    """One task as ``my_tasks`` shows it; NotFoundError for no such task, a surveyor's
    ForbiddenError for another's."""
    with store.read() as uow:
        task = _task(uow, task_id)
        check_reader(user, task)
        return _with_targets(uow, [task])[0]


def _task(uow: Unit, task_id: int, lock: bool = False) -> dict:
    found = rows.tasks(uow, task_id=task_id, lock=lock)
    if not found:
        raise NotFoundError(f"task {task_id} does not exist")
    return found[0]


def _with_targets(uow: Unit, tasks: list[dict]) -> list[dict]:
    shown = tasks_with_records(uow, tasks)
    for kind in sv.KINDS:
        codes = [t["code"] for t in tasks if t["kind"] == kind]
        if not codes:
            continue
        found = rows.targets(uow, kind, codes)
        extra = _parcel_values(uow, codes) if kind == "parcel" else _building_values(uow, codes)
        for item in shown:
            if item["kind"] == kind and item["code"] in found:
                item["target"] = _target(found[item["code"]]) | extra.get(item["code"], {})
    return shown


def _target(target: dict) -> dict:
    geom = target["geometry"]
    centre = geom.centroid if geom is not None else None
    return {
        "version": target["version"],
        "district": target["district"],
        "geometry": shapely.geometry.mapping(geom) if geom is not None else None,
        "centroid": [round(centre.x, 7), round(centre.y, 7)] if centre is not None else None,
    }


def _parcel_values(uow: Unit, codes: list[str]) -> dict[str, dict]:
    frame = parcel_rows.load_parcels(uow, codes=codes, with_geometry=False)
    return {r["code"]: _jsonable({f: r[f] for f in PARCEL_FIELDS}) for _, r in frame.iterrows()}


def _building_values(uow: Unit, codes: list[str]) -> dict[str, dict]:
    frame = building_rows.load_buildings(uow, codes=codes, with_geometry=False)
    vacancies = building_rows.load_vacancies(uow, codes=codes)
    out = {}
    for _, b in frame.iterrows():
        mine = vacancies[vacancies["building_code"] == b["code"]].drop(columns="building_code")
        fields = ("name", "floors", "total_floor_area_m2", "address")
        listed = [_jsonable(_plain(v)) for v in mine.astype(object).to_dict("records")]
        out[b["code"]] = _jsonable(_plain({f: b[f] for f in fields})) | {"vacancies": listed}
    return out


def _plain(record: dict) -> dict:
    """None for pandas' missing value (a building's floors not known)."""
    return {k: (None if v is pd.NA else v) for k, v in record.items()}


# ---- records ------------------------------------------------------------------------


def submit_record(
    store: Store,
    user: User,
    task_id: int,
    key: str,
    seen_version: int,
    values: dict,
    visited_on: dt.date | str | None = None,
    profile: str | Profile | None = None,
) -> dict:
    """Stores what surveyor ``user`` found at the target of their task ``task_id``, in
    one unit: once per idempotency ``key`` (the same key again returns the first
    result, ``replayed`` true, and stores nothing). ``values``: for a parcel
    site_status, status_on, note; for a building floors (floor, unit, vacant_area_m2,
    available_from, rent_yuan_m2_month) and note. A target whose version is no longer
    ``seen_version`` is stored as a ``conflict`` (the task stays as it was, nothing
    else written); otherwise the record waits for a review (``submitted``, replacing
    one still waiting) and the task is submitted. Returns the record as shown."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise InputError(f"idempotency_key: give a key of 1 to {MAX_KEY} characters")
    if not user.is_surveyor:
        raise ForbiddenError(f"{user.name} is a {user.role}: records come from surveyors")
    prof = load_profile(profile)
    with store.write(by=user.name) as uow:
        first = rows.record_by_key(uow, user.name, key)
        if first is not None:
            return _replayed(uow, first)
        task = _task(uow, task_id, lock=True)
        first = rows.record_by_key(uow, user.name, key)  # stored while the lock was awaited
        if first is not None:
            return _replayed(uow, first)
        if task["assignee"] != user.name:
            raise ForbiddenError(f"task {task_id} is not yours; see your tasks at /survey")
        if not user.may_survey(task["district"]):
            raise ForbiddenError(
                f"{task['kind']} {task['code']} lies in {task['district']}; you survey "
                f"{', '.join(user.districts)} only"
            )
        if task["state"] == "accepted":
            raise ConflictError(
                f"task {task_id} ({task['code']}) was accepted already; nothing to submit"
            )
        target = rows.targets(uow, task["kind"], [task["code"]], lock=True).get(task["code"])
        if target is None:
            raise NotFoundError(f"{task['kind']} {task['code']} is no longer in the database")
        visit = _date(visited_on, "visited_on") or uow.now.astimezone(CHINA).date()
        checked = _checked(task["kind"], values, visit, target, prof)
        state = "submitted" if target["version"] == seen_version else "conflict"
        if state == "submitted":
            rows.set_records(uow, task_id, "submitted", {"state": "superseded"})
        made = rows.insert_record(
            uow,
            {"task_id": task_id, "idempotency_key": key, "by": user.name, "at": uow.now,
             "visited_on": visit, "seen_version": int(seen_version),
             "found_version": target["version"], "state": state, "values": checked},
        )  # fmt: skip
        if made is None:  # the same key, stored by another request at the same moment
            return _replayed(uow, rows.record_by_key(uow, user.name, key))
        if state == "submitted":
            rows.set_task(uow, task_id, {"state": "submitted"})
        record = rows.records(uow, record_id=made)[0]
        return {**record_shown(record, []), "code": task["code"], "kind": task["kind"],
                "replayed": False, "current_version": target["version"]}  # fmt: skip


def _replayed(uow: Unit, record: dict) -> dict:
    task = _task(uow, record["task_id"])
    photos = rows.photos(uow, [record["id"]])
    return {**record_shown(record, photos), "code": task["code"], "kind": task["kind"],
            "replayed": True, "current_version": record["found_version"]}  # fmt: skip


def _date(value, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldProblems({field: f'{field} "{value}" is not a date; write YYYY-MM-DD'}) from None


def _number(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldProblems({field: f"{field}: give a number"})
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldProblems({field: f'{field} "{value}" is not a number'}) from None
    if not math.isfinite(number):
        raise FieldProblems({field: f"{field}: give a finite number"})
    return number


def _checked(kind: str, values: dict, visit: dt.date, target: dict, prof: Profile) -> dict:
    """The record's values as stored (canonical ids, ISO dates, numbers); FieldProblems
    naming each field at fault."""
    if not isinstance(values, dict):
        raise FieldProblems({"values": "values: send an object"})
    bounds = prof.date_bounds()
    note = values.get("note")
    note = str(note).strip() if note not in (None, "") else None
    if kind == "parcel":
        status = sv.site_status(str(values.get("site_status") or ""))
        record = {
            "site_status": status or values.get("site_status"),
            "status_on": _date(values.get("status_on"), "status_on"),
            "visited_on": visit,
            "note": note,
        }
        problems = sv.parcel_problems(record, bounds)
        if problems:
            raise FieldProblems(problems)
        return {"site_status": status, "status_on": _iso(record["status_on"]), "note": note}
    given = values.get("floors")
    if not isinstance(given, list):
        raise FieldProblems({"floors": "floors: send a list of floors or units"})
    floors = []
    for i, row in enumerate(given):
        if not isinstance(row, dict):
            raise FieldProblems({f"floors[{i}]": f"floors[{i}]: send an object"})
        floor = _number(row.get("floor"), f"floors[{i}].floor")
        if floor is not None and floor != int(floor):
            raise FieldProblems({f"floors[{i}].floor": f"floors[{i}].floor: a whole number"})
        day = _date(row.get("available_from"), f"floors[{i}].available_from")
        if day is not None and not bounds[0] <= day <= bounds[1]:
            raise FieldProblems(
                {f"floors[{i}].available_from": f"floors[{i}].available_from {day}: give a "
                 f"date from {bounds[0]} to {bounds[1]}"}
            )  # fmt: skip
        unit = str(row.get("unit") or "").strip() or None
        floors.append(
            {"floor": None if floor is None else int(floor), "unit": unit,
             "vacant_area_m2": _number(row.get("vacant_area_m2"), f"floors[{i}].vacant_area_m2"),
             "available_from": _iso(day),
             "rent_yuan_m2_month": _number(row.get("rent_yuan_m2_month"),
                                           f"floors[{i}].rent_yuan_m2_month")}
        )  # fmt: skip
    problems = sv.floor_problems(floors, target["floors"])
    if note and len(note) > sv.MAX_NOTE:
        problems["note"] = f"note: at most {sv.MAX_NOTE} characters; shorten it"
    if problems:
        raise FieldProblems(problems)
    return {"floors": floors, "note": note}


# ---- photos -------------------------------------------------------------------------


def add_photo(
    store: Store,
    user: User,
    record_id: int,
    filename: str,
    content: bytes,
    profile: str | Profile | None = None,
) -> dict:
    """Keeps a photo of surveyor ``user``'s record ``record_id``: checked by content (a
    whole JPEG or PNG within the profile's attachment limit), stored once per sha256
    in the attachments, linked to the parcel or building (role ``photo``), its EXIF
    time and position read, its distance to the target measured and flagged (farther
    than ``[survey] photo_max_distance_m``, older than ``photo_max_age_days`` before
    the visit, no GPS, no time). The same file twice on a record is kept once
    (``replayed``). Returns the photo as shown."""
    prof = load_profile(profile)
    name = plain_name(filename)
    facts = check_photo(name, content, prof.attachment_limit_bytes)
    sha = hashlib.sha256(content).hexdigest()
    limits = prof.survey
    with store.write(by=user.name) as uow:
        found = rows.records(uow, record_id=record_id)
        if not found:
            raise NotFoundError(f"record {record_id} does not exist")
        record = found[0]
        task = _task(uow, record["task_id"], lock=True)  # one photo of a task at a time
        if not user.is_surveyor or record["by"] != user.name:
            raise ForbiddenError(f"record {record_id} is not yours; photos come from its surveyor")
        there = rows.photo_of(uow, record_id, sha)
        if there is not None:
            return _photo_shown(uow, there["id"], replayed=True)
        if record["state"] not in ("submitted", "conflict"):
            raise ConflictError(
                f"record {record_id} is {record['state']}: its photos can no longer change"
            )
        target = rows.targets(uow, task["kind"], [task["code"]]).get(task["code"])
        geom = target["geometry"] if target else None
        distance = None
        if facts.lon is not None and geom is not None:
            distance = sv.distance_m(facts.lon, facts.lat, geom)
        visit_end = dt.datetime.combine(record["visited_on"], dt.time(23, 59, 59), CHINA)
        flags = sv.photo_flags(
            distance if facts.lon is not None else None,
            facts.taken_at,
            visit_end,
            limits["photo_max_distance_m"],
            limits["photo_max_age_days"],
        )
        file_id = attachments.put(uow, sha, facts.media_type, content)
        link_id = attachments.link(
            uow,
            {"attachment_id": file_id, "role": "photo", "filename": name, "by": user.name,
             "at": uow.now, "note": f"survey record {record_id}",
             "parcel_code": task["code"] if task["kind"] == "parcel" else None,
             "building_code": task["code"] if task["kind"] == "building" else None},
        )  # fmt: skip
        taken = facts.taken_at.astimezone(dt.UTC) if facts.taken_at else None
        made = rows.insert_photo(
            uow,
            {"record_id": record_id, "link_id": link_id, "sha256": sha,
             "taken_at": taken, "lon": facts.lon, "lat": facts.lat,
             "distance_m": distance, "flags": flags},
        )  # fmt: skip
        if made is None:  # the same file sent twice at once: the first is kept
            return _photo_shown(uow, rows.photo_of(uow, record_id, sha)["id"], replayed=True)
        return _photo_shown(uow, made, replayed=False)


def _photo_shown(uow: Unit, photo_id: int, replayed: bool) -> dict:
    from landbank.services.surveys import _photo

    photo = rows.photos(uow, photo_ids=[photo_id])[0]
    return {**_photo(photo), "record_id": photo["record_id"], "replayed": replayed}


def photo_content(store: Store, user: User, photo_id: int) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of survey photo ``photo_id``: for a reviewer
    (viewer, clerk, admin) or the surveyor of its task; NotFoundError, ForbiddenError
    otherwise."""
    with store.read() as uow:
        found = rows.photo_file(uow, photo_id)
        if found is None:
            raise NotFoundError(f"photo {photo_id} does not exist")
        record = rows.records(uow, record_id=found["record_id"])[0]
        check_reader(user, _task(uow, record["task_id"]))
        content = attachments.content(uow, found["attachment_id"])
    return found["filename"], found["media_type"], content
