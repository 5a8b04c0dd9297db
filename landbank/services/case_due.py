"""``landbank case due``: what of the idle-land cases' acts falls due within some days,
and what is overdue, soonest first; a clerk sees their districts. Read in one unit, in
two queries whatever the number of cases."""

from __future__ import annotations

import datetime as dt

from landbank.config import Profile, load_profile
from landbank.db import case_lists
from landbank.db.store import Store, Unit
from landbank.domain import case as law
from landbank.domain import case_lists as lists
from landbank.domain.dates import local_day
from landbank.errors import InputError

MAX_DAYS = 36500


def _check_within(within_days) -> None:
    whole = isinstance(within_days, int) and not isinstance(within_days, bool)
    if not whole or not 0 <= within_days <= MAX_DAYS:
        raise InputError(f"--within {within_days}: write a whole number of days, 0 to {MAX_DAYS}")


def due_in(
    uow: Unit,
    within_days: int,
    today: dt.date,
    prof: Profile,
    districts: tuple[str, ...] | None = None,
) -> list[dict]:
    """The rows of :func:`due` read through ``uow`` (dates as ``datetime.date``)."""
    states = lists.OPEN_STATES
    cases = case_lists.cases_in(uow, states, districts)
    acts = case_lists.acts_of_cases_in(uow, states, districts, statuses=law.LIVE)
    cal, rules = prof.calendar, prof.case
    horizon = today + dt.timedelta(days=within_days)
    items, memo = [], {}
    for case in cases:
        found = acts.get(case["id"])
        if found:
            items += lists.due_items(case, found, cal, rules, today, horizon, memo)
    return lists.soonest_first(items)


def due(
    store: Store,
    within_days: int = 30,
    districts: tuple[str, ...] | None = None,
    profile: str | Profile | None = None,
    today: dt.date | None = None,
) -> list[dict]:
    """Each running deadline of the live acts of open cases (of ``districts``; None:
    all) that ends within ``within_days`` of ``today`` or has ended (overdue), or whose
    end is unknown (a year no calendar covers), soonest first: code, district, state,
    number, kind, kind_zh, served_on, what, what_zh, due_on (ISO; None when unknown),
    overdue, note."""
    _check_within(within_days)
    prof = load_profile(profile)
    with store.read() as uow:
        rows = due_in(uow, within_days, today or local_day(uow.now), prof, districts)
    return [_plain(r) for r in rows]


def _plain(row: dict) -> dict:
    """A row with its dates as ISO text, the note only where there is one."""
    out = dict(row)
    for key in ("served_on", "due_on"):
        if out[key] is not None:
            out[key] = out[key].isoformat()
    if out["note"] is None:
        del out["note"]
    return out
