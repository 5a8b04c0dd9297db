"""Calendar arithmetic on date columns (datetime64, NaT stays NaT) for the rules'
periods: years and months are calendar ones, not multiples of days."""

from __future__ import annotations

import pandas as pd


def add_years(dates: pd.Series, years: int) -> pd.Series:
    """The same calendar day ``years`` later; 29 February goes to 28 February."""
    return dates + pd.DateOffset(years=int(years))


def add_months(dates: pd.Series, months: int) -> pd.Series:
    """The same day ``months`` later (or the month's last day when it has none)."""
    return dates + pd.DateOffset(months=int(months))


def whole_months(start: pd.Series, end: pd.Timestamp) -> pd.Series:
    """Whole calendar months from each ``start`` to ``end`` (NaN where start is NaT). A
    month ends on the same day, or on the month's last day when it has no such day
    (29 February to 28 February is twelve months)."""
    months = (end.year - start.dt.year) * 12 + (end.month - start.dt.month)
    short = (start.dt.day > end.day) & (end.day != end.days_in_month)
    return months - short.astype(float)
