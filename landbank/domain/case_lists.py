"""Lists over idle-land cases, as pure rules on plain values: what of a case's acts
falls due (within some days, or overdue), and the published list of idle land
(闲置土地处置办法 art. 14: location, holder, idle period, and the cause when the
government caused it; nothing else).

A case is a dict of its disposal's columns and its parcel's (``db.case_lists``); an
act a dict of the columns of ``case_act``."""

from __future__ import annotations

import datetime as dt
import json

from landbank.domain import case as law
from landbank.domain.categories import CAUSES
from landbank.domain.periods import Calendar

# the states of a case whose acts may still fall due
OPEN_STATES = ("suspected", "investigating", "determined", "plan_approved", "disposing")


# what an act's deadlines are computed from (``domain.case.deadlines``)
_DEADLINE_KEYS = (
    "kind",
    "status",
    "served_on",
    "hearing_requested_on",
    "hearing_held_on",
    "paid_on",
    "deregistered_on",
    "new_start_on",
)


def act_deadlines(act: dict, cal, rules: dict, memo: dict | None = None) -> list:
    """``domain.case.deadlines`` of ``act``, remembered in ``memo`` for the next act with
    the same kind, status and dates (a list over many cases computes each once)."""
    if memo is None:
        return law.deadlines(act, cal, rules)
    key = tuple(act[k] for k in _DEADLINE_KEYS)
    found = memo.get(key)
    if found is None:
        found = memo[key] = law.deadlines(act, cal, rules)
    return found


def due_items(
    case: dict,
    acts: list[dict],
    cal: Calendar,
    rules: dict,
    today: dt.date,
    horizon: dt.date,
    memo: dict | None = None,
) -> list[dict]:
    """The deadlines of ``case``'s live acts that still run (``domain.case.still_running``,
    not met, not settled by a later act) and end by ``horizon``, or whose end is not
    known (a year no calendar covers: ``due_on`` None, with the ``note``). Each: code,
    district, state, number, kind, kind_zh, served_on, what, what_zh, due_on (a date or
    None), overdue (ended before ``today``), note."""
    state = case["status"]
    out = []
    for act in acts:
        if act["status"] not in law.LIVE:
            continue
        for d in act_deadlines(act, cal, rules, memo):
            if d.met_on is not None or not law.still_running(d.what, state):
                continue
            if law.settled(d.what, acts):
                continue
            if d.due_on is not None and d.due_on > horizon:
                continue
            out.append(
                {
                    "code": case["parcel_code"],
                    "district": case["district"],
                    "state": state,
                    "number": act["number"],
                    "kind": act["kind"],
                    "kind_zh": law.kind_label(act["kind"]),
                    "served_on": act["served_on"],
                    "what": d.what,
                    "what_zh": law.deadline_label(d.what, "zh"),
                    "due_on": d.due_on,
                    "overdue": d.due_on is not None and d.due_on < today,
                    "note": d.note,
                }
            )
    return out


def soonest_first(items: list[dict]) -> list[dict]:
    """``items`` of :func:`due_items` by due day (unknown ones last), code, number."""
    far = dt.date.max
    return sorted(items, key=lambda d: (d["due_on"] or far, d["code"], d["number"] or ""))


def count_by_district(items: list[dict]) -> dict[str | None, dict[str, int]]:
    """Per district: ``due_soon`` (not yet overdue) and ``overdue`` counts of ``items``."""
    out: dict[str | None, dict[str, int]] = {}
    for d in items:
        counts = out.setdefault(d["district"], {"due_soon": 0, "overdue": 0})
        counts["overdue" if d["overdue"] else "due_soon"] += 1
    return out


# ---- publication (art. 14) -----------------------------------------------------------

# the published fields, in order: key, zh, en. Nothing else of a case is published.
PUBLIC_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("code", "宗地编号", "Parcel code"),
    ("district", "行政区", "District"),
    ("park", "园区", "Park"),
    ("name", "地块名称（坐落）", "Location"),
    ("holder", "土地使用权人", "Land-use right holder"),
    ("determined_on", "认定日期", "Determined on"),
    ("idle_since", "闲置起算日期", "Idle since"),
    ("idle_period", "闲置时长", "Idle for"),
    ("cause", "闲置原因", "Cause"),
)
PUBLIC_KEYS = tuple(key for key, _, _ in PUBLIC_FIELDS)


def public_label(key: str, lang: str = "zh") -> str:
    """A published field's label in ``lang`` (zh or en)."""
    for k, zh, en in PUBLIC_FIELDS:
        if k == key:
            return en if lang == "en" else zh
    return key


def idle_since(agreed_start_on: dt.date | None, delivered_on: dt.date | None) -> dt.date | None:
    """The day the idle period runs from: the agreed start, or the day the land was
    handed over where that was later (the start clock runs from a late delivery)."""
    return law.idle_start({"agreed_start_on": agreed_start_on, "delivered_on": delivered_on})


def whole_months(since: dt.date, today: dt.date) -> int:
    """Whole months from ``since`` to ``today`` (0 when ``today`` is not after it)."""
    months = (today.year - since.year) * 12 + today.month - since.month
    if today.day < since.day:
        months -= 1
    return max(months, 0)


def idle_period(since: dt.date | None, today: dt.date, lang: str = "zh") -> str | None:
    """The time from ``since`` to ``today`` as the list states it: 2年3个月 (en: 2 years
    3 months); None without a start."""
    if since is None:
        return None
    years, months = divmod(whole_months(since, today), 12)
    if lang == "en":
        parts = [f"{years} year{'s' * (years != 1)}"] if years else []
        if months or not years:
            parts.append(f"{months} month{'s' * (months != 1)}")
        return " ".join(parts)
    text = f"{years}年" if years else ""
    return text + (f"{months}个月" if months or not years else "")


def _determined_since(determination: dict | None) -> dt.date | None:
    """The idle start as it stood at the determination (its fields' ``_idle_since``):
    an agreement served later moves the agreed start, not the published idle start."""
    raw = (determination or {}).get("fields")
    value = json.loads(raw).get("_idle_since") if raw else None
    return dt.date.fromisoformat(value) if value else None


def public_row(case: dict, acts: list[dict], today: dt.date) -> dict:
    """The published row of a determined ``case`` (with its ``acts``): exactly
    :data:`PUBLIC_KEYS`. ``determined_on`` is the service of its live determination;
    ``cause`` is stated only when the government caused the idleness (else None)."""
    determination = law.live(acts, "determination")
    since = _determined_since(determination)
    if since is None:
        since = idle_since(case["agreed_start_on"], case.get("delivered_on"))
    government = case["cause"] == "government"
    return {
        "code": case["parcel_code"],
        "district": case["district"],
        "park": case["park"],
        "name": case["name"],
        "holder": case["holder"],
        "determined_on": determination["served_on"] if determination else None,
        "idle_since": since,
        "idle_period": idle_period(since, today),
        "cause": CAUSES["government"]["zh"] if government else None,
    }
