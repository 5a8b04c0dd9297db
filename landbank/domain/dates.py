"""Dates in frames are datetime64 at midnight (NaT when unknown); these turn them into
the ISO text that files, JSON and history show."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
