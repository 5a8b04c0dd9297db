"""Fast writes of whole frames: executemany on SpatiaLite, COPY on PostGIS.

Object-per-row ORM inserts are an order of magnitude slower on a city; these write
inside the caller's transaction, so an error still rolls everything back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from landbank.db.models import SRID

CHUNK = 5000


def _plain(frame: pd.DataFrame, sqlite: bool) -> Iterator[list[tuple]]:
    """Yields chunks of row tuples with None for missing values (dates as ISO text on
    SQLite, which stores them so)."""
    cols = []
    for name in frame.columns:
        s = frame[name]
        if s.dtype.kind == "f":
            arr = s.to_numpy(dtype=object)
            arr[np.isnan(s.to_numpy())] = None
        else:
            arr = s.astype(object).where(s.notna(), None).to_numpy(dtype=object)
            if sqlite:
                arr = np.array([v.isoformat() if isinstance(v, dt.date) else v for v in arr],
                               dtype=object)
        cols.append(arr)
    n = len(frame)
    for start in range(0, n, CHUNK):
        yield list(zip(*(c[start:start + CHUNK] for c in cols), strict=True))


def insert_frame(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    geom_column: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Inserts every row of ``frame`` (columns named as the table's) into ``table``.

    ``geom_column`` names a column of shapely geometries stored with SRID 4490.
    Calls ``progress(rows)`` after each chunk. Returns the number of rows written.
    """
    if frame.empty:
        return 0
    sqlite = conn.dialect.name == "sqlite"
    data = frame.copy()
    if geom_column:
        geoms = data[geom_column].to_numpy()
        if sqlite:
            data[geom_column] = shapely.to_wkb(geoms)
        else:
            data[geom_column] = shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True,
                                               include_srid=True)
    columns = list(data.columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    if sqlite:
        marks = ", ".join(
            f"GeomFromWKB(?, {SRID})" if c == geom_column else "?" for c in columns
        )
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
        for rows in _plain(data, True):
            conn.exec_driver_sql(sql, rows)
            if progress:
                progress(len(rows))
    else:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for rows in _plain(data, False):
                for row in rows:
                    copy.write_row(row)
                if progress:
                    progress(len(rows))
    return len(frame)
