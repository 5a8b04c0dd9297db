"""Reservations (预留): what a reservation holds, its state on a day, and the labels
of both in zh and en. A reservation is active from its making until it is released or
its ``until`` date has passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RESERVATION_KINDS: dict[str, dict[str, str]] = {
    "parcel": {"zh": "地块", "en": "parcel"},
    "floor_space": {"zh": "楼层空间", "en": "floor space"},
}

RESERVATION_STATES: dict[str, dict[str, str]] = {
    "active": {"zh": "预留中", "en": "active"},
    "expired": {"zh": "已到期", "en": "expired"},
    "released": {"zh": "已释放", "en": "released"},
}


@dataclass(frozen=True)
class Held:
    """What one reservation row holds: a parcel, or a floor or unit (``vacancy_key``,
    e.g. ``F3`` or ``F3:301``) of a building; ``code`` is how it was named."""

    code: str
    parcel_code: str | None = None
    building_code: str | None = None
    vacancy_key: str | None = None

    @classmethod
    def parcel(cls, code: str) -> Held:
        """The parcel ``code``."""
        return cls(code, parcel_code=code)

    @classmethod
    def space(cls, code: str) -> Held:
        """The floor or unit of a canonical space code (``BUILDING:KEY``)."""
        building, key = code.split(":", 1)
        return cls(code, building_code=building, vacancy_key=key)

    @property
    def kind(self) -> str:
        return "parcel" if self.parcel_code is not None else "floor_space"

    @property
    def noun(self) -> str:
        return "parcel" if self.parcel_code is not None else "floor space"


def reservation_code(
    parcel_code: str | None, building_code: str | None, vacancy_key: str | None
) -> str:
    """The code a reservation row holds: the parcel code, or the floor or unit code
    (``space_code``'s ``BUILDING:KEY``, e.g. ``B001:F3``); a building code for a row
    without a floor."""
    if parcel_code is not None:
        return parcel_code
    return f"{building_code}:{vacancy_key}" if vacancy_key is not None else building_code


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
