"""Fast writes of whole frames: executemany on SpatiaLite, COPY on PostGIS.

Object-per-row ORM inserts are an order of magnitude slower on a city; these write
inside the caller's transaction, so an error still rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from landbank.db.models import SRID

CHUNK = 5000


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


def _plain(frame: pd.DataFrame, sqlite: bool) -> Iterator[list[tuple]]:
    """Yields chunks of row tuples with None for missing values."""
    cols = [_column(frame[name], sqlite).tolist() for name in frame.columns]
    for start in range(0, len(frame), CHUNK):
        yield list(zip(*(c[start : start + CHUNK] for c in cols), strict=True))


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
    if conn.dialect.name == "sqlite":
        _insert_sqlite(conn, table, frame, geom_column, progress, staging)
    else:
        _copy_postgres(conn, table, frame, geom_column, progress, staging)
    return len(frame)


def _insert_sqlite(conn, table, frame, geom_column, progress, staging=False) -> None:
    data = frame.copy()
    if geom_column:
        data[geom_column] = shapely.to_wkb(data[geom_column].to_numpy())
    columns = list(data.columns)
    marks = ", ".join(f"GeomFromWKB(?, {SRID})" if c == geom_column else "?" for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
    large = geom_column and not staging and _is_bulk(conn, table, len(frame))
    if large:
        saved = _suspend_spatial_triggers(conn, table, geom_column)
    cursor = conn.connection.driver_connection.cursor()
    for rows in _plain(data, True):
        cursor.executemany(sql, rows)
        if progress:
            progress(len(rows))
    if large:
        _restore_spatial_triggers(conn, table, geom_column, saved)


def _copy_postgres(conn, table, frame, geom_column, progress, staging=False) -> None:
    """COPY ... FROM STDIN in CSV, the CSV made by Arrow in one vectorised step."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    data = frame.copy()
    if geom_column:
        geoms = shapely.set_srid(data[geom_column].to_numpy(), SRID)
        # bytes.hex is several times faster than GEOS's own hex writer
        ewkb = shapely.to_wkb(geoms, include_srid=True)
        data[geom_column] = np.array([b.hex() for b in ewkb], dtype=object)
    # Only a load into an empty table rebuilds its indexes afterwards: dropping them takes
    # a lock that would block every reader of a shared server until the commit.
    empty = geom_column and not staging and _is_bulk(conn, table, len(frame), only_empty=True)
    index_sql = _drop_indexes(conn, table) if empty else []
    columns = ", ".join(f'"{c}"' for c in data.columns)
    cursor = conn.connection.driver_connection.cursor()
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy:
        for start in range(0, len(data), CHUNK * 10):
            part = data.iloc[start : start + CHUNK * 10]
            sink = pa.BufferOutputStream()
            pacsv.write_csv(pa.Table.from_pandas(part, preserve_index=False), sink, options)
            copy.write(sink.getvalue().to_pybytes())
            if progress:
                progress(len(part))
    for sql in index_sql:
        conn.exec_driver_sql(sql)


def _is_bulk(conn: Connection, table: str, adding: int, only_empty: bool = False) -> bool:
    """A load large enough (and large against the table) to build indexes once after."""
    if adding < 10_000:
        return False
    present = conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
    return present == 0 if only_empty else present <= adding


def _drop_indexes(conn: Connection, table: str) -> list[str]:
    """Drops the table's indexes but its primary key (GiST and B-tree), for a bulk load;
    returns the SQL that recreates them, to run after the load."""
    found = conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %(t)s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        {"t": table},
    ).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _suspend_spatial_triggers(conn: Connection, table: str, column: str) -> list[str]:
    """On SpatiaLite, lifts the per-row work of a bulk insert: the R*Tree, the
    type-check and timestamp triggers (the rows were checked before) and the B-tree
    indexes, all rebuilt once afterwards, several times faster than row by row. Same
    transaction, so a failure rolls all of it back. Returns the SQL that restores them."""
    conn.exec_driver_sql(f"SELECT DisableSpatialIndex('{table}', '{column}')")
    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "idx_{table}_{column}"')
    # the data stamp's triggers stay (migration 0007): matching must see the load
    found = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
        "AND tbl_name = ? AND sql IS NOT NULL AND name NOT LIKE ?",
        (table, f"{table}_restamp_%"),
    ).all()
    for kind, name, _ in found:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in found]


def _restore_spatial_triggers(conn: Connection, table: str, column: str, saved: list[str]) -> None:
    for sql in saved:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f"SELECT CreateSpatialIndex('{table}', '{column}')")
