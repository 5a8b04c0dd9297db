"""Dates in frames are datetime64 at midnight (NaT when unknown); these turn them into
the ISO text that files, JSON and history show; and the one check that a date given
by hand is plausible (within the profile's ``[dates]`` range)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from landbank.errors import InputError


def date_problem(day: dt.date, bounds: tuple[dt.date, dt.date]) -> str | None:
    """What is wrong with ``day`` given the plausible ``bounds`` (earliest, latest, as
    the profile's ``date_bounds()`` gives them), or None."""
    earliest, latest = bounds
    if earliest <= day <= latest:
        return None
    return f"{day} is not between {earliest} and {latest}; check the year"


def check_plausible(
    day: dt.date | None, bounds: tuple[dt.date, dt.date], what: str
) -> dt.date | None:
    """``day`` (None stays None) when within ``bounds``; else an InputError naming
    ``what`` (the field)."""
    problem = None if day is None else date_problem(day, bounds)
    if problem:
        raise InputError(f"{what} {problem}")
    return day


def iso_dates(series: pd.Series) -> pd.Series:
    """Returns 'YYYY-MM-DD' text for each date, None where missing."""
    days = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    out = days.astype(str).astype(object)
    out[np.isnat(days)] = None
    return pd.Series(out, index=series.index, dtype=object)


def iso_value(value) -> str | None:
    """One date or timestamp as ISO text: just the date when it falls at midnight."""
    if value is None or value is pd.NaT:
        return None
    ts = pd.Timestamp(value)
    if ts.hour == ts.minute == ts.second == ts.microsecond == 0 and ts.tzinfo is None:
        return ts.strftime("%Y-%m-%d")
    return ts.isoformat()


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in this machine's time zone: what
    ``dt.date.today()`` answers at that moment (a naive ``moment`` is taken as local)."""
    return moment.astimezone().date()
