"""Fast writes of whole frames: executemany on SpatiaLite, COPY on PostGIS (each
engine's load is in ``db.dialects``).

Object-per-row ORM inserts are an order of magnitude slower on a city; these write
inside the caller's transaction, so an error still rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import Connection

from landbank.db.dialects import sql_of


def insert_frame(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    geom_column: str | None = None,
    progress: Callable[[int], None] | None = None,
    staging: bool = False,
    derive: Callable[[pd.DataFrame, int], pd.DataFrame] | None = None,
) -> int:
    """Inserts every row of ``frame`` (columns named as the table's) into ``table``.

    ``geom_column`` names a column of shapely geometries stored with SRID 4490, already
    checked (type, validity, SRID) by the caller. Calls ``progress(rows)`` after each
    chunk. ``staging``: a temporary table, no index juggling. ``derive(part, start)``
    returns ``part`` (the rows from position ``start``) with more columns to store: on
    PostGIS called block by block while the server loads the previous block, elsewhere
    once with the whole frame. Returns the row count.
    """
    if frame.empty:
        return 0
    # a column with no value at all is left to the table's default (NULL): fewer binds
    empty = [c for c in frame.columns if c != geom_column and frame[c].isna().all()]
    frame = frame.drop(columns=empty)
    sql_of(conn).bulk_insert(conn, table, frame, geom_column, progress, staging, derive)
    return len(frame)
