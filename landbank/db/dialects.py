"""What differs between SpatiaLite and PostGIS, in one place.

``EngineSql`` holds the SQL both databases share; ``SpatiaLiteSql`` and ``PostGISSql``
override only what differs (in the manner of pygeoapi's SQL providers): the engine and
its connection set-up, row locks, the month bucket, the extent, the bounding-box filter,
the upsert, the bulk load, timestamps in raw SQL, "the rows this transaction wrote" and
the connection a store keeps for one-statement reads.
Everything else in ``db/`` is written once, for both. ``sql_of(conn)`` gives the one for
a connection; a ``Unit`` of the ``Store`` carries it as ``unit.sql``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sqlite3

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, column, create_engine, event, func, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL

from landbank.db.binds import CHUNK, plain_rows
from landbank.db.models import SRID
from landbank.errors import EnvironmentProblem

SPATIALITE_HINT = (
    "SpatiaLite (mod_spatialite) cannot be loaded; install it: "
    "apt-get install libsqlite3-mod-spatialite (Debian/Ubuntu), brew install libspatialite (macOS)"
)


def sqlite_module():
    """Returns a DB-API sqlite module able to load extensions."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        return importlib.import_module("pysqlite3.dbapi2")
    except ImportError:
        raise EnvironmentProblem(
            "this Python's sqlite3 cannot load extensions; pip install pysqlite3-binary"
        ) from None


class EngineSql:
    """The SQL of one database engine; the base holds what both share."""

    name = ""

    def create_engine(self, url: URL) -> Engine:
        """An Engine for ``url`` with this database's connection set-up."""
        raise NotImplementedError

    def prepare(self, conn: Connection, shown_url: str) -> None:
        """What ``landbank init`` needs before the migrations (nothing by default)."""

    read_options: dict = {}  # execution options of a read unit's connection
    # dates and times bound as text (``db.binds.plain_rows``): SQLite stores them so
    text_times = False
    # execution options of the connection a store keeps for reads of one statement
    # (``Store.glance``), each ended at once; SQLite begins and ends one in-process
    glance_options: dict = {}
    # encodes a vector tile in SQL (ST_AsMVT: ``db.tiles.mvt``); else the rows are read
    # and ``maps.vector_tiles`` encodes them
    mvt_in_sql = False

    def lock(self, stmt, of=None, skip_locked: bool = False):
        """``stmt`` (a SELECT) made to lock the rows it reads until the transaction
        ends, so that writers of those rows wait for it."""
        return stmt

    def lock_table(self, conn: Connection, name: str) -> None:
        """Keeps every row of table ``name`` from changing until the transaction ends;
        readers go on reading."""

    def month(self, col):
        """The ``YYYY-MM`` text of a date column."""
        raise NotImplementedError

    def extent(self, conn: Connection, geom, where: list) -> list[float] | None:
        """[xmin, ymin, xmax, ymax] of the ``geom`` column over the rows ``where``
        keeps; None when there are none."""
        box = select(self._extent(geom).label("box")).where(*where).subquery()
        row = conn.execute(select(*(f(box.c.box) for f in self._corners()))).one()
        return None if row[0] is None else [float(v) for v in row]

    def bbox_filter(self, conn: Connection, tbl, rtree: str, bbox, exact: bool = True) -> list:
        """What keeps the rows of ``tbl`` whose ``geom`` intersects ``bbox`` (lon/lat),
        answered from the spatial index first and then (``exact``) exactly."""
        raise NotImplementedError

    def insert(self, tbl):
        """An INSERT into ``tbl`` that knows ``on_conflict_do_update``."""
        raise NotImplementedError

    def stamp(self, moment: dt.datetime):
        """A timestamp as raw SQL (``text()``) binds it into a timestamp column."""
        return moment

    def rows_written_here(self, conn: Connection, tbl):
        """A clause keeping the rows of ``tbl`` that this transaction inserts from now
        on (call it before the insert)."""
        raise NotImplementedError

    def land_seq(self, conn: Connection) -> int:
        """The land change counter: grows with every committed write that touches the
        land pool's parcels (migration 0014); 0 before any."""
        raise NotImplementedError

    def land_changes(self, conn: Connection, since: int, limit: int) -> set[str] | None:
        """The parcel codes touched by writes counted after ``since`` (migration 0014);
        None when they cannot be told (more than ``limit``, a bulk change, a counter
        behind ``since`` or its rows pruned): the caller reads everything again."""
        raise NotImplementedError

    staging_geometry = ""  # the column type of a geometry in a temporary table

    def bulk_insert(self, conn, name, frame, geom_column, progress, staging) -> None:
        """Writes every row of ``frame`` into table ``name`` in bulk (see
        ``db.bulk.insert_frame``)."""
        raise NotImplementedError

    @staticmethod
    def _count(conn: Connection, name: str) -> int:
        return conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar()

    def _is_bulk(self, conn, name: str, adding: int, only_empty: bool = False) -> bool:
        """A load large enough (and large against the table) to build indexes once after."""
        if adding < 10_000:
            return False
        present = self._count(conn, name)
        return present == 0 if only_empty else present <= adding


class SpatiaLiteSql(EngineSql):
    """A SpatiaLite file: one writer at a time holds the whole file."""

    name = "sqlite"
    staging_geometry = "BLOB"
    text_times = True

    def create_engine(self, url: URL) -> Engine:
        if url.drivername not in ("sqlite", "sqlite+pysqlite"):
            url = url.set(drivername="sqlite")
        engine = create_engine(url, module=sqlite_module())
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_begin)
        return engine

    def month(self, col):
        return func.strftime("%Y-%m", col)

    def _extent(self, geom):
        return func.Extent(geom)

    def _corners(self):
        return (func.MbrMinX, func.MbrMinY, func.MbrMaxX, func.MbrMaxY)

    def bbox_filter(self, conn, tbl, rtree, bbox, exact=True):
        minx, miny, maxx, maxy = bbox
        geom = tbl.c.geom
        envelope = func.BuildMbr(minx, miny, maxx, maxy, SRID)
        has_rtree = conn.execute(
            select(func.count())
            .select_from(table("sqlite_master"))
            .where(column("type") == "table", column("name") == rtree)
        ).scalar_one()
        if has_rtree:
            # the R*Tree keeps each geometry's box in float32 rounded outwards: a superset
            idx = table(rtree, *(column(c) for c in ("pkid", "xmin", "xmax", "ymin", "ymax")))
            candidates = select(idx.c.pkid).where(
                idx.c.xmin <= maxx, idx.c.xmax >= minx, idx.c.ymin <= maxy, idx.c.ymax >= miny
            )
            first = tbl.c.id.in_(candidates)
        else:
            first = func.MbrIntersects(geom, envelope) == 1
        return [first, func.ST_Intersects(geom, envelope) == 1] if exact else [first]

    def land_seq(self, conn):
        return conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM land_change").scalar()

    def land_changes(self, conn, since, limit):
        # one writer at a time: a row's seq, taken when written, is in commit order
        first = conn.exec_driver_sql("SELECT min(seq) FROM land_change").scalar()
        if first is not None and first > since + 1:
            return None  # pruned (migration 0014 keeps the last rows)
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT code FROM land_change WHERE seq > ? LIMIT ?", (since, limit + 1)
        ).scalars()
        return _codes(list(rows), limit)

    def insert(self, tbl):
        return sqlite.insert(tbl)

    def stamp(self, moment):
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    def rows_written_here(self, conn, tbl):
        # one writer at a time holds the file: the rows above the current last id are ours
        last_id = conn.execute(select(func.coalesce(func.max(tbl.c.id), 0))).scalar()
        return tbl.c.id > last_id

    def bulk_insert(self, conn, name, frame, geom_column, progress, staging):

        data = frame.copy()
        if geom_column:
            data[geom_column] = shapely.to_wkb(data[geom_column].to_numpy())
        columns = list(data.columns)
        marks = ", ".join(f"GeomFromWKB(?, {SRID})" if c == geom_column else "?" for c in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})'
        large = geom_column and not staging and self._is_bulk(conn, name, len(frame))
        if large:
            saved = self._suspend_spatial_triggers(conn, name, geom_column)
        cursor = conn.connection.driver_connection.cursor()
        for rows in plain_rows(data, self.text_times):
            cursor.executemany(sql, rows)
            if progress:
                progress(len(rows))
        if large:
            self._restore_spatial_triggers(conn, name, geom_column, saved)

    @staticmethod
    def _suspend_spatial_triggers(conn: Connection, name: str, col: str) -> list[str]:
        """Lifts the per-row work of a bulk insert: the R*Tree, the type-check and
        timestamp triggers (the rows were checked before) and the B-tree indexes, all
        rebuilt once afterwards, several times faster than row by row. Same transaction,
        so a failure rolls all of it back. Returns the SQL that restores them."""
        conn.exec_driver_sql(f"SELECT DisableSpatialIndex('{name}', '{col}')")
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "idx_{name}_{col}"')
        # the data stamp's triggers stay (migration 0007): matching must see the load
        found = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
            "AND tbl_name = ? AND sql IS NOT NULL AND name NOT LIKE ?",
            (name, f"{name}_restamp_%"),
        ).all()
        for kind, found_name, _ in found:
            conn.exec_driver_sql(f'DROP {kind.upper()} "{found_name}"')
        return [sql for _, _, sql in found]

    @staticmethod
    def _restore_spatial_triggers(conn: Connection, name: str, col: str, saved) -> None:
        for sql in saved:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(f"SELECT CreateSpatialIndex('{name}', '{col}')")


class PostGISSql(EngineSql):
    """PostgreSQL with PostGIS: many writers, rows locked where they are read."""

    name = "postgresql"
    staging_geometry = "geometry(MULTIPOLYGON, 4490)"
    mvt_in_sql = True

    def create_engine(self, url: URL) -> Engine:
        url = url.set(drivername="postgresql+psycopg")
        # The service answers many requests at once: the default pool of 5 closed and
        # reopened connections on every burst (several ms each). At most 20 a process
        # keeps `serve --workers 4` under PostgreSQL's default 100 connections.
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

    def prepare(self, conn, shown_url):
        has = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname='postgis'")).first()
        if has:
            return
        try:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        except Exception:
            raise EnvironmentProblem(
                f"database {shown_url}: PostGIS is not installed; install "
                "postgresql-15-postgis-3 (or your server's version) or run make setup"
            ) from None

    # a read unit is one snapshot (READ COMMITTED would let each statement see the
    # commits made meanwhile); read-only, so it never waits for or blocks a writer
    read_options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    # a glance runs outside a transaction: BEGIN and ROLLBACK would be two more round
    # trips a read, and a rollback makes psycopg forget the statements it prepared
    glance_options = {"isolation_level": "AUTOCOMMIT"}

    def land_seq(self, conn):
        return conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM land_commit").scalar()

    def land_changes(self, conn, since, limit):
        # the rows carry their transaction; land_commit numbers transactions at commit
        txs = conn.exec_driver_sql(
            "SELECT tx FROM land_commit WHERE seq > %(s)s LIMIT %(n)s",
            {"s": since, "n": limit + 1},
        ).scalars()
        txs = list(txs)
        if len(txs) > limit:
            return None
        if not txs:
            return set()
        rows = conn.exec_driver_sql(
            "SELECT code FROM parcel WHERE land_tx = ANY(%(t)s) "
            "UNION SELECT parcel_code FROM disposal WHERE land_tx = ANY(%(t)s) "
            "UNION SELECT code FROM land_gone WHERE tx = ANY(%(t)s) LIMIT %(n)s",
            {"t": txs, "n": limit + 1},
        ).scalars()
        return _codes(list(rows), limit)

    def lock(self, stmt, of=None, skip_locked=False):
        return stmt.with_for_update(of=of, skip_locked=skip_locked)

    def lock_table(self, conn, name):
        conn.exec_driver_sql(f'LOCK TABLE "{name}" IN SHARE ROW EXCLUSIVE MODE')

    def month(self, col):
        return func.to_char(col, "YYYY-MM")

    def _extent(self, geom):
        return func.ST_Extent(geom)

    def _corners(self):
        return (func.ST_XMin, func.ST_YMin, func.ST_XMax, func.ST_YMax)

    def bbox_filter(self, conn, tbl, rtree, bbox, exact=True):
        minx, miny, maxx, maxy = bbox
        # ST_Intersects holds the index-backed && of the bounding boxes (GiST) first
        envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID)
        geom = tbl.c.geom
        return [func.ST_Intersects(geom, envelope) if exact else geom.op("&&")(envelope)]

    def insert(self, tbl):
        return postgresql.insert(tbl)

    def rows_written_here(self, conn, tbl):
        # rows written by this very transaction (other imports may run too)
        return text(f"{tbl.name}.xmin = pg_current_xact_id()::xid")

    def bulk_insert(self, conn, name, frame, geom_column, progress, staging):
        """COPY ... FROM STDIN in CSV, the CSV made by Arrow in one vectorised step."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        data = frame.copy()
        if geom_column:
            geoms = shapely.set_srid(data[geom_column].to_numpy(), SRID)
            # bytes.hex is several times faster than GEOS's own hex writer
            ewkb = shapely.to_wkb(geoms, include_srid=True)
            data[geom_column] = np.array([b.hex() for b in ewkb], dtype=object)
        # Only a load into an empty table rebuilds its indexes afterwards: dropping them
        # takes a lock that would block every reader of a shared server until the commit.
        empty = geom_column and not staging and self._is_bulk(conn, name, len(frame), True)
        index_sql = self._drop_indexes(conn, name) if empty else []
        columns = ", ".join(f'"{c}"' for c in data.columns)
        cursor = conn.connection.driver_connection.cursor()
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy:
            for start in range(0, len(data), CHUNK * 10):
                part = data.iloc[start : start + CHUNK * 10]
                sink = pa.BufferOutputStream()
                pacsv.write_csv(pa.Table.from_pandas(part, preserve_index=False), sink, options)
                copy.write(sink.getvalue().to_pybytes())
                if progress:
                    progress(len(part))
        for sql in index_sql:
            conn.exec_driver_sql(sql)

    @staticmethod
    def _drop_indexes(conn: Connection, name: str) -> list[str]:
        """Drops the table's indexes but its primary key (GiST and B-tree), for a bulk
        load; returns the SQL that recreates them, to run after the load."""
        found = conn.exec_driver_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %(t)s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            {"t": name},
        ).all()
        for index_name, _ in found:
            conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
        return [sql for _, sql in found]


ENGINES: dict[str, EngineSql] = {e.name: e for e in (SpatiaLiteSql(), PostGISSql())}


def _codes(rows: list, limit: int) -> set[str] | None:
    """The codes ``rows`` as a set; None for more than ``limit`` or a NULL (everything)."""
    if len(rows) > limit or any(code is None for code in rows):
        return None
    return set(rows)


def sql_of(conn: Connection | Engine) -> EngineSql:
    """The SQL of the engine behind ``conn`` (a Connection, an Engine or a Unit)."""
    return ENGINES[conn.dialect.name]


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun explicitly (see _on_begin)
    # pyproj's own PROJ and pyogrio's own GDAL (with its SQLite) must be loaded before
    # mod_spatialite brings the system's: loaded the other way round, PROJ's two copies
    # free each other's memory when the process ends (a crash at exit, "double free or
    # corruption", after an edit that re-classifies in a process that had not read a
    # file yet), and GDAL's GeoPackage writer crashes (segmentation fault) in
    # `landbank export x.gpkg` from a SpatiaLite database
    import pyogrio  # noqa: F401
    import pyproj  # noqa: F401
    from geoalchemy2.admin.dialects.sqlite import init_spatialite

    # SPATIALITE_LIBRARY_PATH (GeoAlchemy2's name) points at a module outside the
    # loader's search path; by default the OS's mod_spatialite is found by name.
    library = os.environ.get("SPATIALITE_LIBRARY_PATH") or "mod_spatialite"
    try:
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(library)
        dbapi_conn.enable_load_extension(False)
    except Exception:
        raise EnvironmentProblem(SPATIALITE_HINT) from None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 10000")
    # Reads map the file instead of copying it a page at a time: a city-wide match
    # scans the parcel table (geometries inline), a quarter faster mapped. On a network
    # share an I/O error would end the process instead: LANDBANK_SQLITE_MMAP=0 there.
    mmap = os.environ.get("LANDBANK_SQLITE_MMAP", "1") != "0"
    cur.execute(f"PRAGMA mmap_size = {1 << 30 if mmap else 0}")
    has_meta = cur.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='spatial_ref_sys'"
    ).fetchone()[0]
    if not has_meta:
        init_spatialite(dbapi_conn, transaction=True, init_mode="EMPTY")
        cur.execute("SELECT InsertEpsgSrid(4490)")
        cur.execute("SELECT InsertEpsgSrid(4326)")
    cur.close()


def _on_begin(conn) -> None:
    # A writing transaction takes SQLite's write lock at once (BEGIN IMMEDIATE): two
    # writers then queue (busy_timeout) instead of failing on a late lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("writes") else "BEGIN")
