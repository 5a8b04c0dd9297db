"""Frames as the rows a database driver binds: None for every kind of missing value,
dates as ISO text, numpy scalars as Python values."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

CHUNK = 5000  # rows a bulk write sends at a time


def _column(s: pd.Series, text_times: bool) -> np.ndarray:
    """One column as an object array with None for missing values. Dates (datetime64
    at midnight) become ISO text, which SQLite stores and PostgreSQL's COPY reads;
    timestamps become the text SQLAlchemy's SQLite dialect reads back."""
    if s.dtype.kind == "M" or isinstance(s.dtype, pd.DatetimeTZDtype):
        missing = s.isna().to_numpy()
        if text_times or not isinstance(s.dtype, pd.DatetimeTZDtype):
            naive = s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
            whole_days = bool((naive.dropna() == naive.dropna().dt.floor("D")).all())
            arr = (
                naive.to_numpy(dtype="datetime64[D]").astype(str)
                if whole_days
                else naive.dt.strftime("%Y-%m-%d %H:%M:%S.%f").to_numpy()
            ).astype(object)
        else:
            arr = np.array(s.dt.to_pydatetime(), dtype=object)
        arr[missing] = None
        return arr
    arr = np.array(s.to_numpy(dtype=object), dtype=object)
    missing = pd.isna(arr)
    if missing.any():
        arr[missing] = None
    return arr


def plain_rows(frame: pd.DataFrame, text_times: bool) -> Iterator[list[tuple]]:
    """Yields chunks of row tuples with None for missing values."""
    cols = [_column(frame[name], text_times).tolist() for name in frame.columns]
    for start in range(0, len(frame), CHUNK):
        yield list(zip(*(c[start : start + CHUNK] for c in cols), strict=True))


def py_value(value):
    """A numpy scalar as the Python value the database driver binds."""
    return value.item() if isinstance(value, np.generic) else value
