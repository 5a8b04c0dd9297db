"""Reservations (预留): what a reservation holds, its state on a day, and the labels
of both in zh and en. A reservation is active from its making until it is released or
its ``until`` date has passed."""

from __future__ import annotations

import datetime as dt

RESERVATION_KINDS: dict[str, dict[str, str]] = {
    "parcel": {"zh": "地块", "en": "parcel"},
    "floor_space": {"zh": "楼层空间", "en": "floor space"},
}

RESERVATION_STATES: dict[str, dict[str, str]] = {
    "active": {"zh": "预留中", "en": "active"},
    "expired": {"zh": "已到期", "en": "expired"},
    "released": {"zh": "已释放", "en": "released"},
}


def reservation_state(
    until: dt.date | None, released_at: dt.datetime | None, today: dt.date
) -> str:
    """Returns ``released`` once released, ``expired`` when ``until`` is before
    ``today``, else ``active`` (a reservation without ``until`` holds until released)."""
    if released_at is not None:
        return "released"
    if until is not None and until < today:
        return "expired"
    return "active"


def reservation_label(value: str | None, lang: str = "zh") -> str:
    """Returns the label of a reservation kind or state id in ``lang``; '' for none."""
    if not value:
        return ""
    labels = RESERVATION_KINDS.get(value) or RESERVATION_STATES.get(value) or {}
    return labels.get(lang, value)


def held_until(until: dt.date | None) -> str:
    """``until 2027-03-31``, or ``until released`` for a reservation without an end."""
    return f"until {until.isoformat()}" if until is not None else "until released"
