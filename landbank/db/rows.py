"""Query results as frames."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, CursorResult, Select

from landbank.db.dialects import sql_of


def frame_of(result: CursorResult) -> pd.DataFrame:
    """A query's rows as a frame with the query's column names, read by column: pandas
    reads lists far faster than row objects (it probes each row for namedtuple fields,
    an exception per probe)."""
    names, rows = list(result.keys()), result.all()
    if not rows:
        return pd.DataFrame(columns=names)
    return pd.DataFrame(dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)))


def read_frame(conn: Connection, stmt: Select) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, the columns named as it names them, read the
    fastest way the engine has (``EngineSql.read_frame``): for whole tables."""
    fast = sql_of(conn).read_frame(conn, stmt)
    return fast if fast is not None else frame_of(conn.execute(stmt))


def raw_frame_of(result: CursorResult) -> pd.DataFrame:
    """``frame_of`` for a query whose columns need no conversion by SQLAlchemy (text,
    numbers, bytes; not dates or booleans on SQLite): the driver's tuples read as they
    are and laid out by pandas in C, several times faster for many rows."""
    names = list(result.keys())
    rows = result.cursor.fetchall()
    result.close()
    if not rows:
        return pd.DataFrame(columns=names)
    return pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
