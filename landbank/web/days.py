"""Dates sent to the web service, checked one way for the pages and the API: a form
field's YYYY-MM-DD (``form_day``) and a JSON date (``plausible_day``, the ``Day`` of
the API models), each within the profile's ``[dates]`` range."""

from __future__ import annotations

import datetime as dt

from landbank.config import load_profile
from landbank.domain.dates import check_plausible, date_problem
from landbank.errors import InputError


def plausible_day(day: dt.date | None) -> dt.date | None:
    """A date within the profile's ``[dates]`` range (not year 1, not 9999): a
    ValueError otherwise, which pydantic reports naming the field."""
    problem = None if day is None else date_problem(day, load_profile().date_bounds())
    if problem:
        raise ValueError(problem)
    return day


def form_day(text: str | None, what: str) -> dt.date | None:
    """A date sent as form field ``what`` (YYYY-MM-DD; empty: None), within the
    profile's range: else an InputError naming the field."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f'{what} "{text[:40]}" is not a date; write YYYY-MM-DD') from None
    return check_plausible(day, load_profile().date_bounds(), what)
