"""Frames as the rows a database driver binds: None for every kind of missing value,
dates as ISO text, numpy scalars as Python values."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import shapely

CHUNK = 5000  # rows a bulk write sends at a time
BLOCK = CHUNK * 4  # rows turned into Python values at a time (memory: a block, not a frame)


def _is_time(s: pd.Series) -> bool:
    return s.dtype.kind == "M" or isinstance(s.dtype, pd.DatetimeTZDtype)


def _naive(s: pd.Series) -> pd.Series:
    return s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s


def _whole_days(s: pd.Series) -> bool:
    naive = _naive(s).dropna()
    return bool((naive == naive.dt.floor("D")).all())


def _column(s: pd.Series, text_times: bool, whole_days: bool | None = None) -> np.ndarray:
    """One column as an object array with None for missing values. Dates (datetime64
    at midnight; ``whole_days`` says so for the whole column when ``s`` is a block of
    it) become ISO text, which SQLite stores and PostgreSQL's COPY reads; timestamps
    become the text SQLAlchemy's SQLite dialect reads back."""
    if _is_time(s):
        missing = s.isna().to_numpy()
        if text_times or not isinstance(s.dtype, pd.DatetimeTZDtype):
            naive = _naive(s)
            if whole_days is None:
                whole_days = _whole_days(s)
            if whole_days:
                # a city's dates are a few thousand days: each written once, then shared
                codes, days = pd.factorize(naive.to_numpy(dtype="datetime64[D]"))
                arr = np.append(days.astype(str).astype(object), None)[codes]
            else:
                arr = naive.dt.strftime("%Y-%m-%d %H:%M:%S.%f").to_numpy().astype(object)
        else:
            arr = np.array(s.dt.to_pydatetime(), dtype=object)
        arr[missing] = None
        return arr
    arr = np.array(s.to_numpy(dtype=object), dtype=object)
    missing = pd.isna(arr)
    if missing.any():
        arr[missing] = None
    return arr


def plain_rows(
    frame: pd.DataFrame, text_times: bool, wkb: str | None = None
) -> Iterator[list[tuple]]:
    """Yields chunks of ``CHUNK`` row tuples with None for missing values, made a
    block of rows at a time (a frame of a million rows as Python values would take
    gigabytes at once). The column named ``wkb`` (shapely geometries) goes as WKB."""
    whole = {n: _whole_days(frame[n]) for n in frame.columns if _is_time(frame[n])}

    def values(block: pd.DataFrame, name: str) -> list:
        if name == wkb:
            return shapely.to_wkb(block[name].to_numpy()).tolist()
        return _column(block[name], text_times, whole.get(name)).tolist()

    for at in range(0, len(frame), BLOCK):
        block = frame.iloc[at : at + BLOCK]
        cols = [values(block, n) for n in frame.columns]
        for start in range(0, len(block), CHUNK):
            yield list(zip(*(c[start : start + CHUNK] for c in cols), strict=True))


def py_value(value):
    """A numpy scalar as the Python value the database driver binds."""
    return value.item() if isinstance(value, np.generic) else value
