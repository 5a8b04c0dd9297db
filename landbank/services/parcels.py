"""Reading and editing parcels: ``landbank parcels list|show|set|history``, the parcel
list, the parcel page and the API's parcel routes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from landbank.config import Profile, load_profile
from landbank.db import cases as case_rows
from landbank.db import disposals as disposal_rows
from landbank.db import history as events_db
from landbank.db import parcels as rows
from landbank.db.store import Store, Unit
from landbank.domain import case as law
from landbank.domain import disposal as wf
from landbank.domain.categories import CATEGORIES, KNOWN
from landbank.domain.dates import iso_value
from landbank.domain.fields import DATE_FIELDS, FIELD_BY_NAME, PARCEL_FIELDS, max_chars
from landbank.domain.landuse import land_use_class
from landbank.domain.rights import User, check_district, may_write
from landbank.errors import (
    ConflictError,
    FieldProblems,
    ForbiddenError,
    InputError,
    NotFoundError,
)
from landbank.io import values
from landbank.services.kept import Kept

LIST_COLUMNS = [
    "code",
    "name",
    "district",
    "park",
    "land_use",
    "area_mu",
    "category",
    "category_override",
]


def check_category(category: str | None) -> None:
    """Refuses (InputError) a category filter that names no known category."""
    if category and category not in KNOWN:
        raise InputError(f"--category {category!r} is unknown; use one of {', '.join(KNOWN)}")


def list_parcels(
    store: Store, category: str | None = None, district: str | None = None
) -> list[dict]:
    """Returns the current parcels (not retired; of ``category``, in ``district``) as
    dicts with LIST_COLUMNS (``category_is_override`` instead of the override), by code."""
    check_category(category)
    with store.read() as uow:
        frame = rows.load_parcels(uow, category=category, district=district, with_geometry=False)
    if frame.empty:
        return []
    frame["area_mu"] = frame["area_mu"].round(4)
    items = [_jsonable(r) for r in frame[LIST_COLUMNS].to_dict("records")]
    for item in items:
        item["category_is_override"] = item.pop("category_override") is not None
    return items


MAX_PAGE = 500
MAX_OFFSET = 10**9  # beyond any city's parcels, well inside a 64-bit integer


# the count a filter keeps and the pickers' names, found once per land stamp (a
# count of a million parcels is a scan)
_KEPT = Kept("land")


def page_parcels(
    store: Store,
    category: str | None = None,
    district: str | None = None,
    park: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    with_places: bool = False,
) -> dict:
    """One page of the current parcels, by code: ``{"items", "total", "limit",
    "offset"}``, and with ``with_places`` the ``places`` its pickers offer
    (``db.parcels.place_names``), read in the same unit. ``q`` finds a code, name or
    holder containing it. Every value reaches the database as a bound parameter; a bad
    ``category``, ``limit`` or ``offset`` is an InputError."""
    check_category(category)
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit {limit}: give 1 to {MAX_PAGE}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InputError(f"offset {offset}: give 0 to {MAX_OFFSET}")
    columns = [*LIST_COLUMNS, "version", "holder"]
    with store.read() as uow:
        filters = (category, district, park, q)
        total = _KEPT.get(store, uow, filters, lambda: rows.count(uow, *filters))
        found = rows.page(uow, columns, *filters, limit, offset)
        places = None
        if with_places:
            kept = _KEPT.get(store, uow, "places", lambda: rows.place_names(uow))
            places = {key: list(names) for key, names in kept.items()}
    items = [_jsonable(r) for r in found]
    for item in items:
        item["category_is_override"] = item.pop("category_override") is not None
        item["area_mu"] = round(item["area_mu"], 4)
    result = {"items": items, "total": total, "limit": limit, "offset": offset}
    return result if places is None else {**result, "places": places}


def show_parcel(store: Store, code: str) -> dict:
    """Returns every stored field of one parcel plus ``centroid`` [lon, lat] and the
    geometry's bounds; NotFoundError if the code is unknown."""
    with store.read() as uow:
        record = _stored(uow, code)
    return _shown(record)


def _stored(uow: Unit, code: str) -> dict:
    """The stored record of parcel ``code`` (``db.parcels.load_parcel``); NotFoundError
    when the code is unknown."""
    record = rows.load_parcel(uow, code)
    if record is None:
        raise NotFoundError(f"parcel {code!r} is not in the database; see landbank parcels list")
    return record


def _shown(record: dict) -> dict:
    """A stored record as ``show_parcel`` gives it: plain JSON values, ``centroid`` and
    ``bounds`` for the geometry, ``flags``, ``reasons`` and ``category_is_override``."""
    record = dict(record)
    geom = record.pop("geometry")
    record["centroid"] = [round(geom.centroid.x, 7), round(geom.centroid.y, 7)]
    record["bounds"] = [round(v, 7) for v in geom.bounds]
    record.pop("id", None)
    record["flags"] = record["category_flags"]
    record["reasons"] = record["category_reasons"]
    record["category_is_override"] = record["category_override"] is not None
    return _jsonable(record)


def _jsonable(record: dict) -> dict:
    """A record with plain JSON values: ISO dates, None for NaN and NaT, numpy scalars as
    Python's."""
    out = {}
    for k, v in record.items():
        if isinstance(v, (dt.date, dt.datetime)):
            v = iso_value(v)
        elif isinstance(v, float) and np.isnan(v):
            v = None
        elif isinstance(v, np.generic):
            v = v.item()
        elif v is pd.NaT:
            v = None
        out[k] = v
    return out


def _single_value(field: str, text: str, date_bounds: tuple | None = None):
    """One FIELD=VALUE as the stored type; InputError with the fix when it is not."""
    f = FIELD_BY_NAME[field]
    if f.kind == "text":  # the common edit (holder, name): no frame needed
        value = text.strip()
        if len(value) > max_chars(field):
            raise InputError(
                f"{field}: {len(value)} characters, at most {max_chars(field)}; shorten it"
            )
        return value or None
    series = pd.Series([text if text != "" else None], dtype=object)
    where, label = "parcels set", lambda _i: "value"
    if f.kind == "date":
        return values.parse_dates(series, where, label, field, date_bounds).iloc[0]
    if f.kind == "number":
        return values.parse_numbers(series, where, label, field).iloc[0]
    if f.kind == "cause":
        return values.parse_cause(series, where, label, field).iloc[0]
    return values.parse_text(series).iloc[0]


# fields no classification rule reads: changing one keeps the category as classified
DESCRIPTIVE = frozenset(
    {"name", "holder", "district", "holder_address", "contract_number", "boundaries"}
)
EDITABLE = frozenset({f.name for f in PARCEL_FIELDS if f.name != "code"} | {"category"})
OVERRIDE_CLEARED = ("", "none", "auto")


def typed_fields(
    fields: dict[str, str], date_bounds: tuple | None = None
) -> tuple[dict, dict[str, str]]:
    """Reads FIELD → text values as stored: returns ``(typed, problems)``, typed values
    by column (``category`` becomes ``category_override``, None to clear it) and a
    message per field at fault, naming it and the fix. Dates outside ``date_bounds``
    (by default the profile's ``[dates]``) are at fault."""
    typed, problems = {}, {}
    for field, text in fields.items():
        if field not in EDITABLE:
            problems[field] = f"{field!r} cannot be set; fields: {', '.join(sorted(EDITABLE))}"
        elif field == "category":
            value = None if text.strip().lower() in OVERRIDE_CLEARED else text.strip()
            if value is not None and value not in CATEGORIES:
                problems[field] = (
                    f"category={text}: use one of {', '.join(CATEGORIES)}, or "
                    "none to clear the override"
                )
            typed["category_override"] = value
        else:
            try:
                typed[field] = _single_value(field, text, date_bounds)
            except InputError as exc:
                problems[field] = str(exc)
    return typed, problems


def check_fields(fields: dict[str, str]) -> dict[str, str]:
    """Checks FIELD → text values as ``set_fields`` reads them; returns a message per
    field at fault (empty when all are good)."""
    return typed_fields(fields)[1]


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``FIELD=VALUE`` strings into a dict; the fields must be editable."""
    editable = EDITABLE
    out = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        field = field.strip()
        if not sep or not field:
            raise InputError(f"{pair!r}: write FIELD=VALUE, e.g. started_on=2025-03-01")
        if field not in editable:
            raise InputError(f"{field!r} cannot be set; fields: {', '.join(sorted(editable))}")
        out[field] = value.strip()
    if not out:
        raise InputError("nothing to set; give FIELD=VALUE pairs")
    return out


def set_fields(
    store: Store,
    code: str,
    assignments: dict[str, str],
    by: str,
    reason: str,
    expect_version: int | None = None,
    profile: str | None = None,
    as_of: pd.Timestamp | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Updates fields of one parcel, re-classifies it as of today (not when only name,
    holder or district change: no rule reads them) and writes one event per changed
    field, in one transaction. ``category=ID`` sets a manual override (``category=`` or
    ``category=none`` clears it). A stale ``expect_version``: ConflictError. With
    ``districts`` (a clerk's), a parcel outside them, or a move out of them, is a
    ForbiddenError."""
    from landbank.config import load_profile

    prof = load_profile(profile)  # a wrong --profile is said even when no rule runs
    typed, problems = typed_fields(assignments, prof.date_bounds())
    if problems:
        raise FieldProblems(problems)
    if not by.strip() or not reason.strip():
        raise InputError("--by and --reason are required: say who changes what, and why")
    if len(by) > 128:
        raise InputError("--by: at most 128 characters")
    with store.write(by=by) as uow:
        if set(typed) <= DESCRIPTIVE and as_of is None:
            # no rule reads these: the category stands, and no frame is needed
            return _set_descriptive(uow, code, typed, reason, expect_version, districts)
        when = as_of if as_of is not None else pd.Timestamp(dt.date.today())
        return _set_and_classify(uow, code, typed, reason, expect_version, districts, prof, when)


def _set_and_classify(
    uow: Unit, code: str, typed: dict, reason: str, expect_version, districts, prof, when
) -> dict:
    """``set_fields`` of fields a rule may read: the parcel read locked, the typed
    values written with their history, and the parcel classified again as of ``when``
    under ``prof``. Returns what ``set_fields`` returns."""
    from landbank.services.classify import derive

    frame = rows.load_parcels(
        uow, codes=[code], with_geometry=False, include_retired=True, lock=True
    )
    found = frame.iloc[0].to_dict() if len(frame) else None
    current = _guard(code, found, typed, expect_version, districts)
    before = frame.copy()
    for field, value in typed.items():
        frame[field] = pd.Series(
            [value], dtype=frame[field].dtype if field in DATE_FIELDS else object
        )
        if field in DATE_FIELDS:
            frame[field] = pd.to_datetime(frame[field]).astype("datetime64[s]")
    changed = [f for f in typed if not _equal(before[f].iloc[0], frame[f].iloc[0])]
    events = [
        (f, events_db.as_text(before[f].iloc[0]), events_db.as_text(frame[f].iloc[0]))
        for f in changed
    ]
    # the field events first: an override's reason is read back from them
    _record(uow, code, events, reason)
    if "land_use" in changed:
        frame["land_use_class"] = land_use_class(frame["land_use"], prof.crosswalk)
        if not _equal(before["land_use_class"].iloc[0], frame["land_use_class"].iloc[0]):
            changed.append("land_use_class")
            events.append(
                (
                    "land_use_class",
                    before["land_use_class"].iloc[0],
                    frame["land_use_class"].iloc[0],
                )
            )
            _record(uow, code, events[-1:], reason)
    derived = derive(uow, frame, when, prof)
    new_category = derived["category"].iloc[0]
    moved = not _equal(before["category"].iloc[0], new_category)
    if moved:
        _record(uow, code, [("category", before["category"].iloc[0], new_category)], reason)
    if not changed and not moved:
        return {"code": code, "version": current, "changed": [], "category": new_category}
    derived_columns = ["category", "category_reasons", "category_flags", "classified_as_of"]
    update = frame[["code", *changed]].copy()
    for col in derived_columns:
        update[col] = derived[col].to_numpy()
    rows.update_parcels(
        uow, update, [*changed, *derived_columns], {code: current}, uow.now, bump=bool(changed)
    )
    return {
        "code": code,
        "version": current + (1 if changed else 0),
        "changed": [*changed, *(["category"] if moved else [])],
        "category": new_category,
    }


def set_in_unit(uow: Unit, code: str, typed: dict, reason: str, prof, when) -> dict:
    """``set_fields`` of already typed values inside another action's unit ``uow``
    (e.g. an agreement that moves the agreed start): history written, the parcel
    classified again as of ``when`` under ``prof``."""
    return _set_and_classify(uow, code, typed, reason, None, None, prof, when)


def conflict_version(store: Store, code: str, exc: ConflictError) -> int:
    """The version a refused edit reports: the one the edit saw, else read again."""
    if exc.current_version is not None:
        return exc.current_version
    return show_parcel(store, code)["version"]


def _guard(code: str, row: dict | None, typed: dict, expect_version, districts) -> int:
    """Refuses an edit of a parcel that is not there or retired, outside the clerk's
    ``districts``, or read at another version; returns the current version."""
    if row is None:
        raise NotFoundError(f"parcel {code!r} is not in the database; see landbank parcels list")
    if bool(row["retired"]):
        raise InputError(
            f"parcel {code} is retired (split or replaced); change its successors instead"
        )
    if districts is not None:
        _check_districts(code, row["district"], typed, districts)
    current = int(row["version"])
    if expect_version is not None and expect_version != current:
        raise ConflictError(
            f"conflict: parcel {code} is at version {current}, you "
            f"expected {expect_version}; nothing was written",
            current_version=current,
        )
    return current


def _set_descriptive(
    uow: Unit, code: str, typed: dict, reason: str, expect_version, districts
) -> dict:
    """``set_fields`` of DESCRIPTIVE fields only (name, holder, district, the holder's
    address, contract number, boundaries): one locked read of the row, one UPDATE
    guarded by the version, the history rows; the category stands."""
    found = rows.row_for_edit(uow, code, tuple(typed))
    current = _guard(code, found, typed, expect_version, districts)
    changed = [f for f in typed if not _equal(found[f], typed[f])]
    if not changed:
        return {"code": code, "version": current, "changed": [], "category": found["category"]}
    if not rows.write_fields(uow, code, {f: typed[f] for f in changed}, current, uow.now):
        raise ConflictError(f"conflict: parcel {code} changed meanwhile; nothing was written")
    _record(uow, code, [(f, found[f], typed[f]) for f in changed], reason)
    return {"code": code, "version": current + 1, "changed": changed, "category": found["category"]}


def _check_districts(code: str, district, typed: dict, districts: tuple[str, ...]) -> None:
    """A clerk writes only in their districts, and cannot move a parcel out of them:
    the one district rule, on where the parcel lies and on where the edit puts it."""
    check_district(districts, district, "parcel", code)
    if "district" in typed and not may_write(districts, typed["district"]):
        allowed = ", ".join(districts) or "none"
        raise ForbiddenError(f"district={typed['district']}: you may edit {allowed} only")


def _record(uow: Unit, code: str, events: list[tuple], reason: str) -> None:
    """Appends (field, old, new) events of one parcel to its history, by the unit's
    actor at the unit's moment."""
    events_db.append(
        uow,
        [
            {"parcel_code": code, "field": f, "old_value": events_db.as_text(old),
             "new_value": events_db.as_text(new), "reason": reason}
            for f, old, new in events
        ],
    )  # fmt: skip


def _equal(a, b) -> bool:
    a_na, b_na = a is None or bool(pd.isna(a)), b is None or bool(pd.isna(b))
    if a_na or b_na:
        return a_na and b_na
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-9
    return a == b


def history(store: Store, code: str) -> list[dict]:
    """Every event of a parcel, oldest first: field, old, new, by, at, reason;
    NotFoundError when it has none."""
    with store.read() as uow:
        return _history(uow, code)


def _history(uow: Unit, code: str) -> list[dict]:
    """``history`` inside a unit: the events of ``code``, oldest first."""
    events = events_db.load_events(uow, code)
    if not events:
        raise NotFoundError(f"parcel {code!r} has no history; is the code right?")
    return events


def show_as_of(store: Store, code: str, when: dt.datetime) -> dict:
    """The parcel as the database knew it at ``when``: today's record with every later
    event undone (each event holds the old value), read in one snapshot."""
    with store.read() as uow:
        record = _shown(_stored(uow, code))
        events = _history(uow, code)
    moments = [pd.Timestamp(e["at"]) for e in events]
    when = pd.Timestamp(when)
    if when.tzinfo is None:
        when = when.tz_localize("UTC")
    created = [m for e, m in zip(events, moments, strict=True) if e["field"] == "created"]
    if created and when < _utc(created[0]):
        raise NotFoundError(
            f"parcel {code!r} did not exist yet at {when.isoformat()}; it was created {created[0]}"
        )
    for event, moment in reversed(list(zip(events, moments, strict=True))):
        if _utc(moment) <= when or event["field"] == "created":
            continue
        if event["field"] == "geometry":
            import shapely

            geom = shapely.from_wkt(event["old_value"])
            record["centroid"] = [round(geom.centroid.x, 7), round(geom.centroid.y, 7)]
            record["bounds"] = [round(v, 7) for v in geom.bounds]
        else:
            record[event["field"]] = event["old_value"]
    record["category_is_override"] = record.get("category_override") is not None
    for derived in (
        "flags",
        "reasons",
        "category_flags",
        "category_reasons",
        "version",
        "updated_at",
        "classified_as_of",
    ):
        record.pop(derived, None)  # not kept in the history: today's would mislead
    record["as_of"] = when.isoformat()
    return record


def _utc(moment) -> pd.Timestamp:
    moment = pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment


CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def parse_moment(text: str) -> dt.datetime:
    """``--as-of`` for history: a date (the end of that day) or a date and time, in
    China Standard Time (UTC+8) unless the text gives its own offset."""
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.datetime.fromisoformat(value).replace(
                hour=23, minute=59, second=59, microsecond=999999, tzinfo=CHINA
            )
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f'--as-of "{text}" is not a date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM'
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def parcel_page(
    store: Store,
    code: str,
    user: User,
    today: dt.date | None = None,
    profile: str | Profile | None = None,
) -> dict:
    """Everything the parcel page shows, read in one snapshot: ``parcel`` (as
    ``show_parcel``), ``events`` (its history, newest first), ``disposals`` (newest
    first, as ``disposal show`` describes them, deadlines as of ``today``, the acts'
    periods on ``profile``'s calendar), ``active``
    (the disposal not yet ended, or None), ``next_states`` (the states it may move to),
    ``may_edit`` (whether ``user`` may change this parcel: not retired, in their
    districts) and ``today`` (ISO). NotFoundError when the code is unknown."""
    today = today or dt.date.today()
    prof = load_profile(profile) if not isinstance(profile, Profile) else profile
    with store.read() as uow:
        record = _stored(uow, code)
        events = events_db.load_events(uow, code)
        stored = disposal_rows.disposals_with_steps(uow, code)
        acts = case_rows.acts_of_cases(uow, [d["id"] for d in stored if d["subject"] == "parcel"])
    disposals = [
        wf.describe(
            d,
            d["steps"],
            record["agreed_start_on"],
            record["approved_on"],
            today,
            law.open_deadlines(d["status"], acts.get(d["id"], []), prof.calendar, prof.case),
        )
        for d in stored
    ]
    parcel = _shown(record)
    active = next((d for d in disposals if d["state"] not in wf.ENDED), None)
    return {
        "parcel": parcel,
        "events": list(reversed(events)),
        "disposals": disposals,
        "active": active,
        "next_states": wf.TRANSITIONS[active["state"]] if active else (),
        "may_edit": user.may_edit(parcel["district"]) and not parcel["retired"],
        "today": today.isoformat(),
    }
