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

import contextlib
import datetime as dt
import importlib
import io
import itertools
import os
import re
import sqlite3

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, column, create_engine, event, func, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL

from landbank.db.binds import CHUNK, plain_rows
from landbank.db.models import SRID
from landbank.errors import EnvironmentProblem

BINARY_BLOCK = 10_000  # rows a binary COPY makes at a time (its scatter indexes: ~60 MB)
INDEX_MEMORY = "256MB"  # PostgreSQL's memory for building the indexes after a bulk load
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
    # a streaming replica of the database can answer reads (``Store.open``'s read URL)
    replicas = False

    def written_position(self, conn: Connection) -> int | None:
        """Where the database's log of changes stands now (after a commit: at or past
        it); None where there is no replica to compare it with."""
        return None

    def replayed_position(self, conn: Connection) -> int | None:
        """How far a replica has replayed the primary's log (a primary: its own
        position); a read there sees every commit up to it. None where unknown."""
        return None

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

    # whether the spatial index tests a query box rounded outwards to float32 (PostGIS's
    # &&) rather than as it is (SpatiaLite's R*Tree query): the tile overview's choice
    float_query_boxes = False

    def index_boxes(self, conn: Connection, tbl, rtree: str):
        """A SELECT of ``tbl``'s ``id`` with the box the spatial index tests for each row
        (``minx``, ``miny``, ``maxx``, ``maxy``, lon/lat), for more to be added to."""
        raise NotImplementedError

    def simplified(self, geom, tolerance: float):
        """``geom`` simplified by ``tolerance`` degrees, a polygon kept from collapsing
        (as ``maps.vector_tiles`` and ``db.tiles.mvt`` simplify a tile's shapes)."""
        raise NotImplementedError

    def analyze(self, conn: Connection, name: str) -> None:
        """Fresh planner statistics of table ``name`` after it was filled anew."""

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

    def loading(self, conn: Connection):
        """A context for a load of many rows in ``conn``'s transaction (its writes and
        the reads of what it wrote): what the engine does differently meanwhile."""
        return contextlib.nullcontext()

    def tidy(self, engine: Engine, table: str) -> None:
        """Upkeep of ``table`` after most of its rows were rewritten (``Store.tidy``)."""

    def rewriting(self, conn: Connection):
        """A context for an UPDATE of many parcels' derived columns in ``conn``'s
        transaction (a whole-city classify): the change log's row-by-row work for the
        land pool is lifted meanwhile and one "everything" mark is logged after it
        (migrations 0014, 0015): whoever keeps the pool reads it afresh."""
        raise NotImplementedError

    def bulk_insert(self, conn, name, parts, rows, geom_column, progress, staging) -> int:
        """Writes every row of the frames ``parts`` (about ``rows`` in all) into table
        ``name`` in bulk (see ``db.bulk.insert_parts``); returns the count written."""
        raise NotImplementedError

    def read_frame(self, conn: Connection, stmt):
        """The rows of the SELECT ``stmt`` as a frame by a way faster than the driver's
        rows (``db.rows.read_frame``), or None where the engine has none."""
        return None

    @staticmethod
    def _count(conn: Connection, name: str) -> int:
        return conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar()

    def _is_bulk(self, conn, name: str, adding: int, only_empty: bool = False) -> bool:
        """A load large enough (and large against the table) to build indexes once after."""
        if adding < 10_000:
            return False
        if only_empty:  # not a count of a million rows to learn there are some
            return not conn.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{name}")').scalar()
        return self._count(conn, name) <= adding


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

    def index_boxes(self, conn, tbl, rtree):
        names = ("minx", "miny", "maxx", "maxy")
        has_rtree = conn.execute(
            select(func.count())
            .select_from(table("sqlite_master"))
            .where(column("type") == "table", column("name") == rtree)
        ).scalar_one()
        if not has_rtree:
            g = tbl.c.geom
            box = [func.MbrMinX(g), func.MbrMinY(g), func.MbrMaxX(g), func.MbrMaxY(g)]
            return select(tbl.c.id, *(b.label(n) for b, n in zip(box, names, strict=True)))
        # the R*Tree's box: float32, rounded outwards
        idx = table(rtree, *(column(c) for c in ("pkid", "xmin", "xmax", "ymin", "ymax")))
        box = [idx.c.xmin, idx.c.ymin, idx.c.xmax, idx.c.ymax]
        stmt = select(tbl.c.id, *(b.label(n) for b, n in zip(box, names, strict=True)))
        return stmt.join_from(tbl, idx, idx.c.pkid == tbl.c.id)

    def simplified(self, geom, tolerance):
        return func.coalesce(func.ST_SimplifyPreserveTopology(geom, tolerance), geom)

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

    def bulk_insert(self, conn, name, parts, rows, geom_column, progress, staging):
        first, parts = _peeked(parts)
        if first is None:
            return 0
        large = geom_column and not staging and self._is_bulk(conn, name, rows)
        cursor = conn.connection.driver_connection.cursor()
        sql = self._insert_sql(name, list(first.columns), geom_column)
        written = 0
        with self.loading(conn) if large else contextlib.nullcontext():
            if large:
                saved = self._suspend_spatial_triggers(conn, name, geom_column)
            # made here, not in a thread while SQLite writes: the driver lets go of the
            # GIL at every row, and a thread waiting for it made the load a sixth slower
            for part in parts:
                for chunk in plain_rows(part, self.text_times, wkb=geom_column):
                    cursor.executemany(sql, chunk)
                    if progress:
                        progress(len(chunk))
                written += len(part)
            if large:
                self._restore_spatial_triggers(conn, name, geom_column, saved)
        return written

    @staticmethod
    def _insert_sql(name: str, columns: list[str], geom_column: str | None) -> str:
        marks = ", ".join(f"GeomFromWKB(?, {SRID})" if c == geom_column else "?" for c in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        return f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})'

    # the parcel's row triggers an UPDATE of derived columns fires: the data stamp's
    # (0007), the change log's (0014) and SpatiaLite's time of the last update
    REWRITE_LIFTED = ("parcel_restamp_update", "parcel_restamp_log_update", "tmu_parcel_geom")

    @contextlib.contextmanager
    def rewriting(self, conn):
        # one writer holds the file: the triggers are gone for this transaction only,
        # and what they do per row is done once after (the log: one "everything" mark)
        names = self.REWRITE_LIFTED
        saved = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND name IN ({', '.join('?' * len(names))})",
            names,
        ).all()
        for name, _ in saved:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for name, sql in saved:
            self._put_back(conn, name, sql, once=True)

    @contextlib.contextmanager
    def loading(self, conn):
        # the index builds and the history read the whole table: mapped, its pages
        # would count in this process's memory (0.6 GB at a million parcels); read,
        # SQLite's page cache holds a few megabytes of it
        cursor = conn.connection.driver_connection.cursor()
        mapped = cursor.execute("PRAGMA mmap_size").fetchone()[0]
        cursor.execute("PRAGMA mmap_size = 0")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA mmap_size = {int(mapped)}")

    @staticmethod
    def _suspend_spatial_triggers(conn: Connection, name: str, col: str) -> list[tuple[str, str]]:
        """Lifts the per-row work of a bulk insert: the R*Tree, the type-check and
        timestamp triggers (the rows were checked before) and the B-tree indexes, all
        rebuilt once afterwards, several times faster than row by row. Same transaction,
        so a failure rolls all of it back. Returns (name, SQL) of each, to restore them."""
        conn.exec_driver_sql(f"SELECT DisableSpatialIndex('{name}', '{col}')")
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "idx_{name}_{col}"')
        # of the data stamp's triggers (migration 0007) only the insert's goes, its
        # statement run once after the load (``_restore_spatial_triggers``): the stamp
        # moves in this transaction all the same, and matching sees the load; so does
        # the change log's insert trigger (0014), one "everything" mark logged instead
        # of a row per row
        found = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
            "AND tbl_name = ? AND sql IS NOT NULL AND (name NOT LIKE ? OR name IN (?, ?))",
            (name, f"{name}_restamp_%", f"{name}_restamp_insert", f"{name}_restamp_log_insert"),
        ).all()
        for kind, found_name, _ in found:
            conn.exec_driver_sql(f'DROP {kind.upper()} "{found_name}"')
        return [(found_name, sql) for _, found_name, sql in found]

    @staticmethod
    def _put_back(conn: Connection, name: str, sql: str, once: bool) -> None:
        """Recreates the lifted trigger or index ``name`` from its ``sql``; with
        ``once``, does once what the trigger did per row: a change log's trigger
        (``*_restamp_log_*``) logs one NULL, "everything" (the rows are not listed,
        whoever patches reads afresh), any other runs its statement."""
        conn.exec_driver_sql(sql)
        if not once:
            return
        if "_restamp_log_" in name:
            conn.exec_driver_sql("INSERT INTO land_change (code) VALUES (NULL)")
        else:
            body = re.search(r"\bBEGIN\b(.*?);?\s*END\s*$", sql, re.S | re.I)
            conn.exec_driver_sql(body.group(1).strip())

    @classmethod
    def _restore_spatial_triggers(cls, conn: Connection, name: str, col: str, saved) -> None:
        # of the lifted ones, the data stamp's and the change log's insert triggers
        # act once for the load (``_suspend_spatial_triggers``)
        once = {f"{name}_restamp_insert", f"{name}_restamp_log_insert"}
        for found_name, sql in saved:
            cls._put_back(conn, found_name, sql, once=found_name in once)
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
    replicas = True

    def written_position(self, conn):
        # the WAL written so far: a commit returns once its record is flushed
        # (synchronous_commit on, the default), so this is at or past it
        sql = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
        return conn.exec_driver_sql(sql).scalar()

    def replayed_position(self, conn):
        # NULL while a standby has replayed nothing yet; a primary answers its own
        return conn.exec_driver_sql(
            "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
            "ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::bigint"
        ).scalar()

    float_query_boxes = True

    def index_boxes(self, conn, tbl, rtree):
        # the float box a geometry carries, rounded outwards, which && and the GiST test
        cached = func.postgis_getbbox(tbl.c.geom)
        box = [
            func.ST_XMin(cached),
            func.ST_YMin(cached),
            func.ST_XMax(cached),
            func.ST_YMax(cached),
        ]
        names = ("minx", "miny", "maxx", "maxy")
        return select(tbl.c.id, *(b.label(n) for b, n in zip(box, names, strict=True)))

    def simplified(self, geom, tolerance):
        return func.ST_Simplify(geom, tolerance, True)

    def analyze(self, conn, name):
        conn.exec_driver_sql(f'ANALYZE "{name}"')

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

    def tidy(self, engine, table):
        # the old versions pruned, hint bits and the visibility map set now, not by the
        # next reader (the first progress after a whole-city classify took 4.5 s, the
        # next 2.1 s at 10⁶) nor left for the next rewrite, whose rows then find room
        # on their pages (HOT: 99.7 % of a classify after it, 88 % without); the
        # indexes are left alone (heap-only versions have no entries to clean)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'VACUUM (INDEX_CLEANUP OFF) "{table}"')

    @contextlib.contextmanager
    def rewriting(self, conn):
        # the setting lasts to the transaction's end at most (set_config's is_local):
        # parcel_land_touch's condition reads it (0015), and a row keeping its land_tx
        # and every indexed column stays on its page without new index entries
        conn.exec_driver_sql("SELECT set_config('landbank.land_bulk', 'on', true)")
        yield
        conn.exec_driver_sql("SELECT set_config('landbank.land_bulk', 'off', true)")
        conn.exec_driver_sql("INSERT INTO land_gone (tx, code) VALUES (txid_current(), NULL)")
        # the planner's figures of the categories follow at once (autovacuum's come a
        # minute or more later): the land pool's read plans by them
        conn.exec_driver_sql("ANALYZE parcel")

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

    def bulk_insert(self, conn, name, parts, rows, geom_column, progress, staging):
        """COPY ... FROM STDIN in PostgreSQL's binary format where every column's type
        allows (``db.pg_binary``), else in CSV; psycopg's writer thread sends a part to
        the server while the next one is made (and, for the binary COPY, encoded)."""
        first, parts = _peeked(parts)
        if first is None:
            return 0
        # Only a load into an empty table rebuilds its indexes afterwards: dropping them
        # takes a lock that would block every reader of a shared server until the commit.
        empty = geom_column and not staging and self._is_bulk(conn, name, rows, True)
        index_sql = self._drop_indexes(conn, name) if empty else []
        cursor = conn.connection.driver_connection.cursor()
        types = self._column_types(conn, name)
        names = list(first.columns)
        schema = _arrow_schema(first, geom_column, types)
        if self._binary_ok(types, schema, geom_column):
            written = self._copy_binary(
                cursor, name, names, types, schema, parts, geom_column, progress
            )
        else:
            written = self._copy_csv(cursor, name, names, parts, geom_column, progress)
        if index_sql:
            # the default 64 MB sorts a million rows' index on disk; for this transaction only
            conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
        for sql in index_sql:
            conn.exec_driver_sql(sql)
        return written

    @staticmethod
    def _column_types(conn: Connection, name: str) -> dict[str, str]:
        """Each column of table ``name`` and its type's name (pg_type.typname)."""
        return dict(
            conn.exec_driver_sql(
                "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t "
                "ON t.oid = a.atttypid WHERE a.attrelid = %(t)s::regclass AND a.attnum > 0 "
                "AND NOT a.attisdropped",
                {"t": f'"{name}"'},
            ).all()
        )

    @staticmethod
    def _binary_ok(types: dict[str, str], schema, geom_column) -> bool:
        """Whether ``db.pg_binary`` encodes every column of ``schema`` (the parts' Arrow
        schema, ``_arrow_schema``) and the geometry."""
        from landbank.db import pg_binary

        if geom_column and types.get(geom_column) != "geometry":
            return False
        return all(pg_binary.encoder_for(types.get(f.name, ""), f.type) for f in schema)

    @staticmethod
    def _copy_binary(cursor, name, names, types, schema, parts, geom_column, progress) -> int:
        """COPY of the columns ``names`` in PostgreSQL's binary format (``db.pg_binary``),
        each part encoded column-wise by ``schema`` (the first part's Arrow types: a
        column of none but NULLs there takes its table type's) while psycopg's writer
        thread sends the previous one. Returns the rows sent."""
        import pyarrow as pa
        from psycopg.copy import QueuedLibpqWriter

        from landbank.db import pg_binary

        encoders = {f.name: pg_binary.encoder_for(types[f.name], f.type) for f in schema}
        columns = ", ".join(f'"{c}"' for c in names)
        sql = f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT binary)'
        written = 0
        with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
            copy.write(pg_binary.SIGNATURE)
            for whole in parts:
                for start in range(0, len(whole), BINARY_BLOCK):
                    part = whole.iloc[start : start + BINARY_BLOCK]
                    table = pa.Table.from_pandas(
                        part.drop(columns=[geom_column]) if geom_column else part,
                        schema=schema,
                        preserve_index=False,
                    )
                    fields = []
                    for c in names:
                        if c == geom_column:
                            fields.append(pg_binary.geometry(part[c].to_numpy(), SRID))
                        else:
                            fields.append(encoders[c](table.column(c).combine_chunks()))
                    copy.write(pg_binary.rows(fields, len(part)))
                    written += len(part)
                    if progress:
                        progress(len(part))
            copy.write(pg_binary.TRAILER)
        return written

    @staticmethod
    def _copy_csv(cursor, name, names, parts, geom_column, progress) -> int:
        """COPY of the columns ``names`` in CSV, each chunk made by Arrow in one
        vectorised step (the geometry as hex EWKB, ``db.ewkb``). Returns the rows sent."""
        import pyarrow as pa
        import pyarrow.csv as pacsv
        from psycopg.copy import QueuedLibpqWriter

        from landbank.db.ewkb import hex_ewkb

        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        columns = ", ".join(f'"{c}"' for c in names)
        sql = f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
        written = 0
        with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
            for whole in parts:
                for start in range(0, len(whole), CHUNK * 10):
                    part = whole.iloc[start : start + CHUNK * 10]
                    plain = part.drop(columns=[geom_column]) if geom_column else part
                    table = pa.Table.from_pandas(plain, preserve_index=False)
                    if geom_column:
                        geoms = part[geom_column].to_numpy()
                        at = list(part.columns).index(geom_column)
                        table = table.add_column(at, geom_column, hex_ewkb(geoms, SRID))
                    sink = pa.BufferOutputStream()
                    pacsv.write_csv(table, sink, options)
                    copy.write(memoryview(sink.getvalue()))
                    written += len(part)
                    if progress:
                        progress(len(part))
        return written

    def read_frame(self, conn, stmt):
        """``COPY (stmt) TO STDOUT`` in CSV, parsed by Arrow with the columns' types: no
        Python object per value (a million parcels' rows as driver tuples took most of
        classify's time and gigabytes). Text stays text ("" apart from NULL), a bytea
        comes as its hex text (``\\x…``, which ``shapely.from_wkb`` reads without the
        prefix) or, for a column typed LargeBinary, as bytes (decoded in Arrow: GEOS
        reads hex WKB at a tenth of the speed of bytes), a timestamp as datetime64 in
        UTC, like the driver's rows in a frame."""
        import pyarrow as pa

        # IN lists of values rendered as one bind each (a COPY takes no expanding binds)
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        types, stamps, binary = {}, [], []
        for col in stmt.selected_columns:
            kind = _arrow_type(col.type)
            if kind in ("timestamp", "bytea"):
                (stamps if kind == "timestamp" else binary).append(col.name)
                kind = pa.string()
            types[col.name] = kind
        cursor = conn.connection.driver_connection.cursor()
        query = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE *)"
        # room for the bitmap of a scan through indexes to stay exact (4 MB made it lossy
        # at 10⁵ matches: every row of those pages checked again), and no JIT compile
        # (tens of ms) for a plan whose cost is its pages: for this read only
        prior = cursor.execute(READ_SETTINGS_NOW).fetchone()
        cursor.execute(SET_READ_SETTINGS, (READ_MEMORY, "off"))
        try:
            with cursor.copy(query, compiled.params) as copy:
                table = _read_csv(copy, types)
        finally:
            cursor.execute(SET_READ_SETTINGS, prior)
        for name in binary:
            at = table.schema.get_field_index(name)
            table = table.set_column(at, name, unhex(table.column(name)))
        frame = table.to_pandas(date_as_object=True, self_destruct=True)
        del table
        for name, kind in types.items():
            if kind == pa.string() and frame[name].isna().all():
                frame[name] = np.full(len(frame), None, dtype=object)  # as the driver's
        for name in stamps:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601", utc=True)
        return frame

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


READ_MEMORY = "64MB"  # work_mem of a whole-table read (PostgreSQL's default is 4MB)
READ_SETTINGS_NOW = "SELECT current_setting('work_mem'), current_setting('jit')"
SET_READ_SETTINGS = "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)"


# the Arrow type a column of none but NULLs is sent as, by its table type's name
_NULL_AS = {
    "text": "string",
    "varchar": "string",
    "float8": "float64",
    "int2": "int64",
    "int4": "int64",
    "int8": "int64",
    "bool": "bool_",
    "date": "date32",
}


def _peeked(parts):
    """(the first of the frames ``parts``, all of them again from the first): the first
    part names the columns before any is written; (None, …) when there is none."""
    parts = iter(parts)
    first = next(parts, None)
    return first, itertools.chain([first], parts) if first is not None else parts


def _arrow_schema(part: pd.DataFrame, geom_column: str | None, types: dict[str, str]):
    """The Arrow schema of ``part``'s columns but the geometry: as Arrow reads them,
    a column of none but NULLs (no type to read) typed after its table column."""
    import pyarrow as pa

    plain = part.drop(columns=[geom_column]) if geom_column else part
    schema = pa.Schema.from_pandas(plain, preserve_index=False)
    for i, f in enumerate(schema):
        kind = _NULL_AS.get(types.get(f.name, ""))
        if pa.types.is_null(f.type) and kind:
            schema = schema.set(i, pa.field(f.name, getattr(pa, kind)()))
    return schema


class _CopyReader(io.RawIOBase):
    """A COPY's rows as a stream Arrow's CSV reader pulls from, so the whole text is
    never held at once (a million parcels' rows are most of a gigabyte)."""

    def __init__(self, copy):
        self._rows = iter(copy)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size, filled = len(buffer), 0
        while filled < size:
            if not self._left:
                block = next(self._rows, None)
                if block is None:
                    break
                self._left = memoryview(block)
            n = min(size - filled, len(self._left))
            buffer[filled : filled + n] = self._left[:n]
            self._left, filled = self._left[n:], filled + n
        return filled


def _read_csv(copy, types: dict):
    """The CSV text of a COPY … TO STDOUT (header, every value quoted) as an Arrow table
    of the given column types: "" stays text, unquoted emptiness is NULL."""
    import pyarrow.csv as pacsv

    return pacsv.read_csv(
        io.BufferedReader(_CopyReader(copy), buffer_size=1 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def unhex(column):
    """A string column (Arrow) of PostgreSQL's hex bytea text (``\\x0102…``, or NULL)
    as a binary column of those bytes: the prefixes cut by Arrow, the digits of every
    value decoded by one ``binascii.unhexlify`` of the whole buffer."""
    import binascii

    import pyarrow as pa
    import pyarrow.compute as pc

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(arr)
    if n == 0:
        return pa.array([], pa.binary())
    digits = pc.utf8_slice_codeunits(arr, 2)  # each value without its "\\x"
    at = digits.offset
    offsets = np.frombuffer(digits.buffers()[1], dtype=np.int32)[at : at + n + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    data = binascii.unhexlify(memoryview(digits.buffers()[2])[start:end]) if end > start else b""
    validity = None
    if digits.null_count:  # a bitmap of its own, at offset 0 like the new buffers
        validity = pa.array(digits.is_valid().to_numpy(zero_copy_only=False)).buffers()[1]
    starts = ((offsets - start) // 2).astype(np.int32)
    return pa.Array.from_buffers(
        pa.binary(), n, [validity, pa.py_buffer(starts), pa.py_buffer(data)], digits.null_count
    )


def _arrow_type(kind):
    """The Arrow type a CSV column of SQLAlchemy type ``kind`` is read as ("timestamp":
    read as text, converted by pandas, which takes PostgreSQL's ``+00`` offsets;
    "bytea": read as text, decoded by ``unhex``)."""
    import pyarrow as pa
    from sqlalchemy import types as t

    if isinstance(kind, t.Boolean):
        return pa.bool_()
    if isinstance(kind, t.Integer):
        return pa.int64()
    if isinstance(kind, t.Float | t.Numeric):
        return pa.float64()
    if isinstance(kind, t.DateTime):
        return "timestamp"
    if isinstance(kind, t.Date):
        return pa.date32()
    if isinstance(kind, t.LargeBinary):
        return "bytea"
    return pa.string()


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
