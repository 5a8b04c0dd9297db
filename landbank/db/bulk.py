"""Fast writes of whole frames: executemany on SpatiaLite, COPY on PostGIS (each
engine's load is in ``db.dialects``).

Object-per-row ORM inserts are an order of magnitude slower on a city; these write
inside the caller's transaction, so an error still rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from landbank.db.dialects import CHUNK, sql_of


def _column(s: pd.Series, sqlite: bool) -> np.ndarray:
    """One column as an object array with None for missing values. Dates (datetime64
    at midnight) become ISO text, which SQLite stores and PostgreSQL's COPY reads;
    timestamps become the text SQLAlchemy's SQLite dialect reads back."""
    if s.dtype.kind == "M" or isinstance(s.dtype, pd.DatetimeTZDtype):
        missing = s.isna().to_numpy()
        if sqlite or not isinstance(s.dtype, pd.DatetimeTZDtype):
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


def plain_rows(frame: pd.DataFrame, sqlite: bool) -> Iterator[list[tuple]]:
    """Yields chunks of row tuples with None for missing values."""
    cols = [_column(frame[name], sqlite).tolist() for name in frame.columns]
    for start in range(0, len(frame), CHUNK):
        yield list(zip(*(c[start : start + CHUNK] for c in cols), strict=True))


def py_value(value):
    """A numpy scalar as the Python value the database driver binds."""
    return value.item() if isinstance(value, np.generic) else value


def insert_frame(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    geom_column: str | None = None,
    progress: Callable[[int], None] | None = None,
    staging: bool = False,
) -> int:
    """Inserts every row of ``frame`` (columns named as the table's) into ``table``.

    ``geom_column`` names a column of shapely geometries stored with SRID 4490, already
    checked (type, validity, SRID) by the caller. Calls ``progress(rows)`` after each
    chunk. ``staging``: a temporary table, no index juggling. Returns the row count.
    """
    if frame.empty:
        return 0
    # a column with no value at all is left to the table's default (NULL): fewer binds
    empty = [c for c in frame.columns if c != geom_column and frame[c].isna().all()]
    frame = frame.drop(columns=empty)
    sql_of(conn).bulk_insert(conn, table, frame, geom_column, progress, staging)
    return len(frame)
