"""Field surveys, the clerk's side: ``landbank survey create|list|show|review``, the
review queue and the API's survey routes. A survey gives parcels and buildings to a
surveyor as tasks; what the surveyor submits (``services.survey_records``) waits
here for a review; accepting applies it through the services of every other edit
(``parcels.set_in_unit``: history and classification; a building's vacancies
replaced and its version moved), rejecting sends the task back (rejected, to be
surveyed again) with a note."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from landbank.config import Profile, load_profile
from landbank.db import buildings as building_rows
from landbank.db import history as events_db
from landbank.db import surveys as rows
from landbank.db import users as user_rows
from landbank.db.store import Store, Unit, codes_taken_meanwhile
from landbank.domain import survey as sv
from landbank.domain.buildings import building_state, vacancy_totals
from landbank.domain.categories import KNOWN
from landbank.domain.rights import User, check_district
from landbank.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from landbank.services.parcels import set_in_unit

FILTER_KEYS = ("district", "park", "category")
MAX_TASKS = 5000


def parse_filters(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` filters of ``survey create --filter`` (district, park, category:
    they choose current parcels) into a dict; InputError naming the one at fault."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in FILTER_KEYS or not value:
            raise InputError(
                f"--filter {pair!r}: write KEY=VALUE with KEY one of {', '.join(FILTER_KEYS)}, "
                "e.g. --filter district=薛城区 --filter category=idle_land"
            )
        if key == "category" and value not in KNOWN:
            raise InputError(f"--filter category={value}: use one of {', '.join(KNOWN)}")
        out[key] = value
    return out


def create_survey(
    store: Store,
    name: str,
    assignee: str,
    by: str,
    codes: list[str] | None = None,
    buildings: list[str] | None = None,
    filters: dict[str, str] | None = None,
    due_on: dt.date | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Gives the parcels ``codes``, the buildings ``buildings`` and the current parcels
    ``filters`` choose to the surveyor ``assignee`` as open tasks of survey ``name``
    (made now, due ``due_on``; a survey already stored gets the tasks added, its due
    date moved when one is given), in one unit. Every target must exist (a parcel not
    retired), lie in the creator's ``districts`` (None: everywhere) and in the
    surveyor's; a target already in the survey is a ConflictError. Returns the survey
    with the tasks added."""
    name, by = (name or "").strip(), (by or "").strip()
    if not name or len(name) > 128:
        raise InputError("NAME: give the survey a name of 1 to 128 characters")
    if not by or len(by) > 128:
        raise InputError("--by: say who makes the survey (1 to 128 characters)")
    codes, buildings = _unique(codes), _unique(buildings)
    if not codes and not buildings and not filters:
        raise InputError("nothing to survey: give --codes, --buildings or --filter")
    taken = f"survey {name}: another user added tasks meanwhile; run it again"
    with codes_taken_meanwhile(taken), store.write(by=by) as uow:
        if filters:
            chosen = rows.parcel_codes(
                uow, filters.get("district"), filters.get("park"), filters.get("category")
            )
            codes = _unique([*codes, *chosen])
        wanted = [("parcel", c) for c in codes] + [("building", c) for c in buildings]
        if not wanted:
            raise InputError("--filter chose no parcel; widen it (see landbank parcels list)")
        if len(wanted) > MAX_TASKS:
            raise InputError(f"{len(wanted)} targets: at most {MAX_TASKS} a run; narrow --filter")
        found = _targets(uow, wanted)
        for kind, code in wanted:  # the creator's districts first, then the surveyor's
            check_district(districts, found[kind][code]["district"], kind, code)
        surveyor = user_rows.user_named(uow, assignee)
        _check_surveyor(assignee, surveyor)
        for kind, code in wanted:
            district = found[kind][code]["district"]
            if not surveyor.may_survey(district):
                raise ForbiddenError(
                    f"{kind} {code} lies in {district or 'no district'}; surveyor {assignee} "
                    f"surveys {', '.join(surveyor.districts)} only: assign another surveyor"
                )
        survey = rows.survey_named(uow, name)
        created = survey is None
        if created:
            values = {"name": name, "due_on": due_on, "by": by, "at": uow.now}
            survey_id = rows.insert_survey(uow, values)
        else:
            survey_id = survey["id"]
            there = {(t["kind"], t["code"]) for t in rows.tasks(uow, survey_id=survey_id)}
            twice = [f"{k} {c}" for k, c in wanted if (k, c) in there]
            if twice:
                raise ConflictError(
                    f"survey {name} has {', '.join(twice[:5])} already; leave them out"
                )
            if due_on is not None:
                rows.set_survey_due(uow, survey_id, due_on)
        rows.insert_tasks(
            uow,
            [
                {"survey_id": survey_id, "kind": kind, "code": code, "assignee": assignee,
                 "district": found[kind][code]["district"], "state": "open"}
                for kind, code in wanted
            ],
        )  # fmt: skip
        added = {(k, c) for k, c in wanted}
        tasks = [t for t in rows.tasks(uow, survey_id=survey_id) if (t["kind"], t["code"]) in added]
        survey = rows.survey_named(uow, name)
    return {
        "survey": name,
        "due_on": _iso(survey["due_on"]),
        "created": created,
        "added": len(tasks),
        "tasks": [_task(t) for t in tasks],
    }


def _unique(codes: list[str] | None) -> list[str]:
    out: list[str] = []
    for code in codes or []:
        for part in str(code).replace("，", ",").split(","):
            if part.strip() and part.strip() not in out:
                out.append(part.strip())
    return out


def _check_surveyor(name: str, user: User | None) -> None:
    if user is None:
        raise NotFoundError(
            f"--assign {name}: no such user; add one with landbank users add {name} "
            "--role surveyor --districts DISTRICT --password-stdin"
        )
    if not user.is_surveyor:
        raise InputError(
            f"--assign {name}: {name} is a {user.role}; assign a surveyor (landbank users "
            "list shows the roles)"
        )


def _targets(uow: Unit, wanted: list[tuple[str, str]]) -> dict[str, dict]:
    """kind → code → target of ``wanted``; NotFoundError for a code not stored,
    InputError for a retired parcel."""
    found = {}
    for kind in sv.KINDS:
        codes = [c for k, c in wanted if k == kind]
        found[kind] = rows.targets(uow, kind, codes) if codes else {}
        missing = [c for c in codes if c not in found[kind]]
        if missing:
            listing = "parcels" if kind == "parcel" else "buildings"
            raise NotFoundError(
                f"{kind} {', '.join(missing[:5])} is not in the database; see landbank "
                f"{listing} list"
            )
        retired = [c for c in codes if found[kind][c]["retired"]]
        if retired:
            raise InputError(
                f"parcel {retired[0]} is retired (split or replaced); survey its successors"
            )
    return found


def list_surveys(store: Store) -> list[dict]:
    """Every survey: name, due date, who made it and when, its tasks by state."""
    with store.read() as uow:
        found = rows.all_surveys(uow)
    return [
        {"survey": s["name"], "due_on": _iso(s["due_on"]), "by": s["by"], "at": _iso(s["at"]),
         "tasks": sum(s["states"].values()), "states": s["states"]}
        for s in found
    ]  # fmt: skip


def show_survey(store: Store, name: str) -> dict:
    """The survey ``name`` with every task (code, kind, assignee, state, note) and its
    records (values, state, versions, photos with distance and flags); NotFoundError
    for an unknown name."""
    with store.read() as uow:
        survey = _survey(uow, name)
        tasks = rows.tasks(uow, survey_id=survey["id"])
        shown = tasks_with_records(uow, tasks)
    return {"survey": name, "due_on": _iso(survey["due_on"]), "by": survey["by"],
            "at": _iso(survey["at"]), "tasks": shown}  # fmt: skip


def _survey(uow: Unit, name: str) -> dict:
    survey = rows.survey_named(uow, name)
    if survey is None:
        raise NotFoundError(f"survey {name!r} does not exist; see landbank survey list")
    return survey


def tasks_with_records(uow: Unit, tasks: list[dict]) -> list[dict]:
    """``tasks`` as shown, each with its records (oldest first) and their photos."""
    records = rows.records(uow, [t["id"] for t in tasks]) if tasks else []
    photos = rows.photos(uow, [r["id"] for r in records])
    shown = []
    for task in tasks:
        item = _task(task)
        item["records"] = [
            record_shown(r, [p for p in photos if p["record_id"] == r["id"]])
            for r in records
            if r["task_id"] == task["id"]
        ]
        shown.append(item)
    return shown


def _task(task: dict) -> dict:
    return {
        "task_id": task["id"], "survey": task.get("survey"), "code": task["code"],
        "kind": task["kind"], "district": task["district"], "assignee": task["assignee"],
        "state": task["state"], "note": task["note"], "reviewed_by": task["reviewed_by"],
        "reviewed_at": _iso(task["reviewed_at"]), "due_on": _iso(task.get("due_on")),
    }  # fmt: skip


def record_shown(record: dict, photos: list[dict]) -> dict:
    """A stored record as the API and the CLI show it, with its ``photos``."""
    return {
        "record_id": record["id"], "task_id": record["task_id"], "state": record["state"],
        "by": record["by"], "at": _iso(record["at"]), "visited_on": _iso(record["visited_on"]),
        "idempotency_key": record["idempotency_key"], "seen_version": record["seen_version"],
        "found_version": record["found_version"], "values": record["values"],
        "reviewed_by": record["reviewed_by"], "reviewed_at": _iso(record["reviewed_at"]),
        "review_note": record["review_note"],
        "photos": [_photo(p) for p in photos],
    }  # fmt: skip


def _photo(p: dict) -> dict:
    return {
        "photo_id": p["id"], "filename": p["filename"], "media_type": p["media_type"],
        "size_bytes": p["size_bytes"], "sha256": p["sha256"], "taken_at": _utc_iso(p["taken_at"]),
        "lon": p["lon"], "lat": p["lat"],
        "distance_m": None if p["distance_m"] is None else round(p["distance_m"], 1),
        "flags": p["flags"], "url": f"/api/v1/photos/{p['id']}",
    }  # fmt: skip


def _utc_iso(value) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def review_queue(store: Store, name: str | None = None) -> list[dict]:
    """The tasks waiting for a review (state submitted), of survey ``name`` or of
    every survey, each with its records (the submitted one last) and photos."""
    with store.read() as uow:
        survey_id = _survey(uow, name)["id"] if name else None
        tasks = [t for t in rows.tasks(uow, survey_id=survey_id) if t["state"] == "submitted"]
        return tasks_with_records(uow, tasks)


def review(
    store: Store,
    name: str,
    code: str,
    decision: str,
    by: str,
    note: str | None = None,
    districts: tuple[str, ...] | None = None,
    profile: str | Profile | None = None,
    today: dt.date | None = None,
) -> dict:
    """Accepts or rejects (``decision``) the submitted record of ``code``'s task in
    survey ``name``, by ``by`` (a reviewer of ``districts``; None: everywhere), in one
    unit. Accept applies the record: a parcel's site status into its history and the
    date it fills (``domain.survey.status_fields``) through ``parcels.set_in_unit``
    (history naming the surveyor and the reviewer, the parcel classified again as of
    ``today``); a building's vacancies replaced by the surveyed floors, its version
    moved and its state derived again. A target changed since the surveyor saw it is
    a ConflictError (reject it so it is surveyed again). Reject marks the record
    rejected and sends the task back (``rejected``, to be surveyed again) with ``note``."""
    if decision not in ("accept", "reject"):
        raise InputError("give --accept CODE or --reject CODE")
    by, note = (by or "").strip(), (note or "").strip() or None
    if not by or len(by) > 128:
        raise InputError("--by: say who reviews (1 to 128 characters)")
    if note and len(note) > sv.MAX_NOTE:
        raise InputError(f"--note: at most {sv.MAX_NOTE} characters; shorten it")
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        survey = _survey(uow, name)
        task = _task_of(uow, survey, code)
        check_district(districts, task["district"], task["kind"], code)
        if task["state"] != "submitted":
            raise ConflictError(
                f"survey {name}, {task['kind']} {code} is {task['state']}: nothing waits for "
                "a review (see landbank survey show)"
            )
        record = next(r for r in rows.records(uow, [task["id"]]) if r["state"] == "submitted")
        done = {"by": by, "at": uow.now}
        if decision == "reject":
            rows.set_records(uow, task["id"], "submitted", _reviewed("rejected", done, note))
            rows.set_task(uow, task["id"], _task_review("rejected", done, note))
            applied = {}
        else:
            target = rows.targets(uow, task["kind"], [code], lock=True).get(code)
            if target is None or target["version"] != record["seen_version"]:
                now = "gone" if target is None else f"at version {target['version']}"
                raise ConflictError(
                    f"{task['kind']} {code} changed since {record['by']} saw it (version "
                    f"{record['seen_version']}, now {now}); nothing was written: reject it "
                    f"so it is surveyed again, e.g. landbank survey review {name} --reject "
                    f'{code} --note "changed meanwhile"'
                )
            reason = (
                f"survey {name}: surveyed by {record['by']} on {_iso(record['visited_on'])}, "
                f"accepted by {by}"
            )
            if task["kind"] == "parcel":
                applied = _apply_parcel(uow, code, record, reason, prof, today)
            else:
                applied = _apply_building(uow, code, record)
            rows.set_records(uow, task["id"], "submitted", _reviewed("accepted", done, note))
            rows.set_task(uow, task["id"], _task_review("accepted", done, note))
    return {"survey": name, "code": code, "kind": task["kind"],
            "state": "accepted" if decision == "accept" else "rejected",
            "decision": decision, "record_id": record["id"], "surveyor": record["by"],
            "reviewer": by, "note": note, "applied": applied}  # fmt: skip


def _task_of(uow: Unit, survey: dict, code: str) -> dict:
    found = rows.tasks(uow, survey_id=survey["id"], code=code, lock=True)
    if not found:
        raise NotFoundError(
            f"survey {survey['name']} has no task for {code}; see landbank survey show "
            f"{survey['name']}"
        )
    if len(found) > 1:  # a parcel and a building of one code: the building is asked apart
        raise InputError(f"{code} is both a parcel and a building of survey {survey['name']}")
    return found[0]


def _reviewed(state: str, done: dict, note: str | None) -> dict:
    return {"state": state, "reviewed_by": done["by"], "reviewed_at": done["at"],
            "review_note": note}  # fmt: skip


def _task_review(state: str, done: dict, note: str | None) -> dict:
    return {"state": state, "reviewed_by": done["by"], "reviewed_at": done["at"], "note": note}


def _apply_parcel(uow: Unit, code: str, record: dict, reason: str, prof, today) -> dict:
    """The accepted site status: an event ``site_status`` in the parcel's history, the
    date the status fills (when the parcel has none), the parcel classified again."""
    from landbank.db import parcels as parcel_rows

    values = record["values"]
    status, status_on = values["site_status"], _day(values.get("status_on"))
    stored = parcel_rows.load_parcel(uow, code)
    typed = {f: pd.Timestamp(day) for f, day in sv.status_fields(status, status_on, stored).items()}
    shown = f"{status} {_iso(status_on)}" if status_on else status
    note = values.get("note")
    events_db.append(
        uow,
        [{"parcel_code": code, "field": "site_status", "old_value": None,
          "new_value": shown, "reason": f"{reason}" + (f"; {note}" if note else "")}],
    )  # fmt: skip
    when = pd.Timestamp(today or dt.date.today())
    done = set_in_unit(uow, code, typed, reason, prof, when)
    return {"site_status": status, "status_on": _iso(status_on), "fields": sorted(typed),
            "category": done["category"], "version": done["version"]}  # fmt: skip


def _apply_building(uow: Unit, code: str, record: dict) -> dict:
    """The accepted floors: the building's vacancies replaced by them (rows of 0 m²
    clear their floor), its version moved, its state derived again."""
    floors = record["values"]["floors"]
    frame = pd.DataFrame(
        [{"building_code": code, "floor": f.get("floor"), "unit": f.get("unit") or None,
          "vacant_area_m2": float(f["vacant_area_m2"]),
          "available_from": pd.Timestamp(f["available_from"]) if f.get("available_from")
          else pd.NaT, "rent_yuan_m2_month": f.get("rent_yuan_m2_month")}
         for f in floors],
        columns=building_rows.VACANCY_COLUMNS,
    )  # fmt: skip
    frame["floor"] = frame["floor"].astype("Int64")
    frame["available_from"] = pd.to_datetime(frame["available_from"]).astype("datetime64[s]")
    frame["rent_yuan_m2_month"] = frame["rent_yuan_m2_month"].astype(float)
    building_rows.replace_vacancies(uow, frame)
    rows.bump_building(uow, code, uow.now)
    stored = building_rows.load_buildings(uow, codes=[code], with_geometry=False)
    totals = vacancy_totals(stored, building_rows.load_vacancies(uow, codes=[code]))
    state = building_state(totals).iloc[0]
    return {"vacant_area_m2": round(float(totals["vacant_area_m2"].iloc[0]), 2),
            "state": state, "version": int(stored["version"].iloc[0])}  # fmt: skip


def _day(text) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
