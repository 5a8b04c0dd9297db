"""Field survey (排摸): the site statuses a surveyor records on a parcel, the states of
a survey task and of a record, what a parcel record fills in when it is accepted, the
checks of a building's floors, and a photo's distance and flags. Pure: plain values
in, plain values out (the clock and the profile's figures are passed in)."""

from __future__ import annotations

import datetime as dt
import math

from pyproj import Geod

SITE_STATUSES: dict[str, dict[str, str]] = {
    "not_started": {"zh": "未动工", "en": "not started"},
    "under_construction": {"zh": "在建", "en": "under construction"},
    "stopped": {"zh": "停工", "en": "stopped"},
    "completed": {"zh": "已竣工", "en": "completed"},
    "operating": {"zh": "已投产", "en": "in production"},
    "other": {"zh": "其他", "en": "other"},
}
# what a surveyor may write for a status, mapped to the canonical ids
SITE_STATUS_VALUES: dict[str, str] = {
    **{k: k for k in SITE_STATUSES},
    **{v["zh"]: k for k, v in SITE_STATUSES.items()},
    "其它": "other",
    "投产": "operating",
    "竣工": "completed",
}
# the parcel date a status fills in when the record is accepted (only when empty)
STATUS_FIELD: dict[str, str] = {
    "under_construction": "started_on",
    "stopped": "stopped_on",
    "completed": "completed_on",
    "operating": "operating_on",
}

TASK_STATES: dict[str, dict[str, str]] = {
    "open": {"zh": "待排摸", "en": "open"},
    "submitted": {"zh": "待审核", "en": "submitted"},
    "accepted": {"zh": "已采纳", "en": "accepted"},
    "rejected": {"zh": "已退回，待重新排摸", "en": "rejected: to survey again"},
}
# a rejected record sends its task back (``rejected``, with the reviewer's note): the
# surveyor records it again, as an open one
RECORD_STATES: dict[str, dict[str, str]] = {
    "submitted": {"zh": "待审核", "en": "submitted"},
    "conflict": {"zh": "冲突", "en": "conflict"},
    "superseded": {"zh": "已被替代", "en": "superseded"},
    "accepted": {"zh": "已采纳", "en": "accepted"},
    "rejected": {"zh": "已退回", "en": "rejected"},
}
KINDS = ("parcel", "building")
PHOTO_FLAGS: dict[str, dict[str, str]] = {
    "far": {"zh": "拍摄地点过远", "en": "taken far away"},
    "old": {"zh": "拍摄时间过早", "en": "taken long before the visit"},
    "no_gps": {"zh": "无GPS位置", "en": "no GPS position"},
    "no_time": {"zh": "无拍摄时间", "en": "no time taken"},
}
MAX_NOTE = 500
MAX_ROWS = 200
_GEOD = Geod(ellps="WGS84")


def label(table: dict[str, dict[str, str]], key: str | None, lang: str = "zh") -> str:
    """The ``lang`` label of ``key`` in one of the tables above; '' for none."""
    if not key:
        return ""
    return table.get(key, {}).get(lang, key)


def site_status(text: str | None) -> str | None:
    """The canonical id of a written site status (id, zh label); None when unknown."""
    return SITE_STATUS_VALUES.get((text or "").strip().lower()) or SITE_STATUS_VALUES.get(
        (text or "").strip()
    )


def status_fields(status: str, status_on: dt.date | None, stored: dict) -> dict[str, dt.date]:
    """The parcel dates an accepted site status fills in: the status's field
    (``STATUS_FIELD``) set to ``status_on`` when the parcel has none there yet. A date
    already stored stays (the reviewer sees both and edits the parcel if the survey
    is right); not started and other fill nothing. ``stored`` holds the parcel's
    fields."""
    field = STATUS_FIELD.get(status)
    if field is None or status_on is None:
        return {}
    have = stored.get(field)
    if have is not None and not (isinstance(have, float) and math.isnan(have)) and str(have):
        return {}
    return {field: status_on}


def parcel_problems(record: dict, bounds: tuple[dt.date, dt.date]) -> dict[str, str]:
    """What is wrong with a parcel record (site_status, status_on, visited_on, note), a
    message per field naming it and the fix; dates outside ``bounds`` or after the
    visit are wrong, and a status that fills a date needs its date."""
    problems: dict[str, str] = {}
    status = record.get("site_status")
    if status not in SITE_STATUSES:
        problems["site_status"] = (
            f"site_status {status!r}: use one of {', '.join(SITE_STATUSES)} (or 未动工 在建 停工 "
            "已竣工 已投产 其他)"
        )
    visited, status_on = record.get("visited_on"), record.get("status_on")
    for field, day in (("visited_on", visited), ("status_on", status_on)):
        if day is not None and not bounds[0] <= day <= bounds[1]:
            problems[field] = f"{field} {day}: give a date from {bounds[0]} to {bounds[1]}"
    if status_on and visited and status_on > visited and "status_on" not in problems:
        problems["status_on"] = f"status_on {status_on} is after the visit ({visited}); correct it"
    if status in STATUS_FIELD and status_on is None:
        problems["status_on"] = (
            f"status_on: give the day the site became {SITE_STATUSES[status]['en']} (YYYY-MM-DD)"
        )
    if len(record.get("note") or "") > MAX_NOTE:
        problems["note"] = f"note: at most {MAX_NOTE} characters; shorten it"
    return problems


def floor_problems(rows: list[dict], floors: int | None) -> dict[str, str]:
    """What is wrong with a building record's rows (floor, unit, vacant_area_m2,
    available_from, rent_yuan_m2_month), a message per field as ``floors[i].field``:
    at least one row, an area of 0 or more, a floor within the building's ``floors``,
    a rent of 0 or more, each floor or unit once."""
    problems: dict[str, str] = {}
    if not rows:
        problems["floors"] = "floors: give each floor or unit's vacant area (0 when in use)"
    if len(rows) > MAX_ROWS:
        problems["floors"] = f"floors: at most {MAX_ROWS} rows; split the building's survey"
    seen = set()
    for i, row in enumerate(rows[:MAX_ROWS]):
        where = f"floors[{i}]"
        floor, unit = row.get("floor"), row.get("unit")
        if floor is None and not unit:
            problems[f"{where}.floor"] = f"{where}.floor: give the floor, or the unit"
        if floor is not None and floors and not -5 <= floor <= floors:
            problems[f"{where}.floor"] = (
                f"{where}.floor {floor}: the building has {floors} floors; correct the floor"
            )
        area = row.get("vacant_area_m2")
        if area is None or not math.isfinite(area) or area < 0:
            problems[f"{where}.vacant_area_m2"] = (
                f"{where}.vacant_area_m2: give the vacant area in m² (0 or more)"
            )
        rent = row.get("rent_yuan_m2_month")
        if rent is not None and (not math.isfinite(rent) or rent < 0):
            problems[f"{where}.rent_yuan_m2_month"] = (
                f"{where}.rent_yuan_m2_month: give the asking rent in yuan/m²/month (0 or more)"
            )
        key = (floor, unit or None)
        if key in seen:
            problems[f"{where}.floor"] = f"{where}: floor {floor} unit {unit or '-'} twice; merge"
        seen.add(key)
    return problems


def distance_m(lon: float, lat: float, geometry) -> float:
    """Metres on the WGS84 ellipsoid from (``lon``, ``lat``) to the nearest point of
    ``geometry`` (a shapely geometry in EPSG:4490, whose datum differs from WGS84 by
    centimetres); 0 inside a polygon."""
    import shapely
    from shapely.ops import nearest_points

    point = shapely.Point(lon, lat)
    if geometry.covers(point):
        return 0.0
    near = nearest_points(geometry, point)[0]
    return float(_GEOD.inv(lon, lat, near.x, near.y)[2])


def photo_flags(
    distance: float | None,
    taken_at: dt.datetime | None,
    visited: dt.datetime,
    max_distance_m: float,
    max_age_days: float,
) -> list[str]:
    """The flags of a photo: ``no_gps`` (no position), ``far`` (farther than
    ``max_distance_m`` from its target), ``no_time`` (no time taken) and ``old``
    (taken more than ``max_age_days`` before ``visited``, the record's moment)."""
    flags = []
    if distance is None:
        flags.append("no_gps")
    elif distance > max_distance_m:
        flags.append("far")
    if taken_at is None:
        flags.append("no_time")
    elif (visited - taken_at).total_seconds() > max_age_days * 86400:
        flags.append("old")
    return flags
