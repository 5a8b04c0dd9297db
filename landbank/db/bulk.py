"""Fast writes of whole frames: executemany on SpatiaLite, COPY on PostGIS (each
engine's load is in ``db.dialects``).

Object-per-row ORM inserts are an order of magnitude slower on a city; these write
inside the caller's transaction, so an error still rolls everything back (an error
raised while a part is made, too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
    # one part: each engine cuts it into blocks itself, and SQLite's rows decide from
    # the whole of a date-time column whether it holds whole days
    return insert_parts(conn, table, [frame], len(frame), geom_column, progress, staging)


def insert_parts(
    conn: Connection,
    table: str,
    parts: Iterable[pd.DataFrame],
    rows: int,
    geom_column: str | None = None,
    progress: Callable[[int], None] | None = None,
    staging: bool = False,
) -> int:
    """Inserts the rows of ``parts`` (frames of the same columns, made one after the
    other: a file read a batch at a time, say) into ``table``, as ``insert_frame``
    does. ``rows``: about how many there will be (a large load lifts the indexes while
    it runs). A date-time column is written as whole days (ISO dates) on SpatiaLite
    where all of a part's values are midnights: parts of one load should agree (a
    parcel's dates are whole days in every part). Each part is taken only when the
    previous one is written or, on PostGIS, on its way to the server: making a part
    overlaps the server's work. Returns the row count."""
    return sql_of(conn).bulk_insert(conn, table, parts, rows, geom_column, progress, staging)
