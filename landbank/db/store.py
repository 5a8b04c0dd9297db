"""The Store: one database, opened once, handing out units of work.

A ``Store`` is made once per database URL (``Store.open``): it makes the engine, checks
that the database exists, answers and is at the newest schema, once. Services take a
store and do each user action in one unit of work:

    with store.read() as uow:               # one snapshot
        ...
    with store.write(by="clerk") as uow:    # one transaction; knows ``now`` and ``by``
        ...

A unit runs SQL like a Connection (``uow.execute``) and carries the engine's SQL
(``uow.sql``, see ``db.dialects``). A command opens one store for its run; the web
service keeps one per process (``Store.shared``).

A store on PostgreSQL may have a streaming replica (``Store.open(url, read_url)``):
read units go to the replica, write units to the primary, and a client reads its own
writes (``db.seen``): a read goes to the replica only once it has replayed the
client's last write, else to the primary; to the primary too while the replica does
not answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from landbank.db import migrate, seen
from landbank.db.dialects import EngineSql, sql_of, sqlite_module
from landbank.db.engine import make_engine, safe_url, sql_for_url
from landbank.db.urls import folder_must_exist, init_hint, missing_pg_database, must_exist
from landbank.errors import ConflictError, EnvironmentProblem, InputError

T = TypeVar("T")


@dataclass
class Unit:
    """One unit of work: a connection inside one transaction, the engine's SQL, and,
    for a write, the moment (``now``, UTC) and who acts (``by``). Anything a Connection
    offers is reached through it (``execute``, ``exec_driver_sql``, ``connection``)."""

    conn: Connection
    sql: EngineSql
    now: dt.datetime
    by: str | None = None
    writes: bool = False

    def execute(self, *args, **kwargs):
        return self.conn.execute(*args, **kwargs)

    @property
    def dialect(self):
        return self.conn.dialect

    def __getattr__(self, name: str):
        return getattr(self.conn, name)


@dataclass
class InitResult:
    database: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


class Store:
    """One database: its engine, checked once, and its units of work."""

    _shared: dict[str, Store] = {}
    _shared_lock = threading.Lock()

    def __init__(self, url: str, engine: Engine, replica: Store | None = None):
        self.url = url
        self.engine = engine
        self.sql = sql_of(engine)
        # the streaming replica that answers reads, and how far it is known to have
        # replayed (it only moves on: a client waiting for less needs no question)
        self.replica = replica
        self._replayed = -1
        self._replayed_lock = threading.Lock()
        # the connection kept for glances (see ``glance``), and the pool it came from
        self._kept: Connection | None = None
        self._kept_pool = None
        self._kept_lock = threading.Lock()

    @property
    def shown_url(self) -> str:
        """The URL with its password masked, for messages."""
        return safe_url(self.url)

    @classmethod
    def open(cls, url: str, read_url: str | None = None) -> Store:
        """The store of a database already at the newest schema; an EnvironmentProblem
        saying to run ``landbank init`` otherwise, an InputError for a file that does
        not exist (only ``init`` and ``demo`` create one). ``read_url``: a streaming
        replica of it that answers the read units (PostgreSQL only), checked alike."""
        if read_url:
            return cls._with_replica(url, read_url)
        must_exist(url)
        engine = make_engine(url)
        try:
            _reachable(url, engine)
            current = migrate.current_revision(engine)
        except BaseException:
            engine.dispose()
            raise
        if current != migrate.head_revision():
            engine.dispose()
            state = "has no landbank schema" if current is None else f"is at schema {current}"
            raise EnvironmentProblem(f"database {safe_url(url)} {state}; run: {init_hint(url)}")
        return cls(url, engine)

    @classmethod
    def _with_replica(cls, url: str, read_url: str) -> Store:
        sql = sql_for_url(url)
        if not sql.replicas or sql_for_url(read_url) is not sql:
            raise InputError(
                f"--read-db {safe_url(read_url)}: a replica for reads needs PostgreSQL, "
                f"for --db and --read-db both (a streaming replica of {safe_url(url)})"
            )
        store = cls.open(url)
        try:
            store.replica = cls.open(read_url)
        except BaseException:
            store._dispose()
            raise
        return store

    @classmethod
    def create(cls, url: str) -> tuple[Store, InitResult]:
        """Creates or upgrades the schema of ``url`` to the newest migration
        (idempotent) and returns the store on it with what changed."""
        folder_must_exist(url)
        engine = make_engine(url)
        try:
            _reachable(url, engine)
            sql = sql_of(engine)
            with engine.begin() as conn:
                sql.prepare(conn, safe_url(url))
            before, after = migrate.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(url, engine), InitResult(safe_url(url), before, after)

    @classmethod
    def shared(cls, url: str, read_url: str | None = None) -> Store:
        """The one store of ``url`` (with its replica ``read_url``) in this process
        (the web service's): opened on first use, kept until ``close_shared``."""
        key = _shared_key(url, read_url)
        with cls._shared_lock:
            store = cls._shared.get(key)
            if store is None:
                store = cls._shared[key] = cls.open(url, read_url)
            return store

    @classmethod
    def close_shared(cls) -> None:
        """Closes every shared store (tests, the end of a process)."""
        with cls._shared_lock:
            for store in cls._shared.values():
                store._dispose()
            cls._shared.clear()

    @contextmanager
    def read(self) -> Iterator[Unit]:
        """A unit that reads: one transaction, one snapshot (REPEATABLE READ, read-only
        on PostgreSQL; SQLite's read transaction holds its snapshot). On the replica
        when there is one and it has replayed what this client wrote."""
        with self._read_connection() as conn:
            # conn.info lives with the pooled connection: one that served a write must
            # not begin this read as a write (on SQLite: BEGIN IMMEDIATE, the write lock)
            conn.info["writes"] = False
            if self.sql.read_options:
                conn = conn.execution_options(**self.sql.read_options)
            with conn.begin():
                yield Unit(conn, self.sql, dt.datetime.now(dt.UTC))

    @contextmanager
    def write(self, by: str | None = None, now: dt.datetime | None = None) -> Iterator[Unit]:
        """A unit that writes, committed when the block ends and rolled back on an
        error: on SQLite it holds the write lock from its start (writers queue); on
        PostgreSQL rows are locked where they are read."""
        with self.engine.connect() as conn:
            conn.info["writes"] = True
            with conn.begin():
                yield Unit(conn, self.sql, now or dt.datetime.now(dt.UTC), by, writes=True)
        if self.replica is not None:
            # committed: this client's next reads wait for the replica to get this far
            seen.current().written(self.glance(self.sql.written_position))

    def _reader(self) -> Store:
        """Where this client's reads go: the replica, unless it has not yet replayed
        the client's last write (one cheap question, asked only then), or cannot say."""
        replica = self.replica
        if replica is None:
            return self
        must = seen.current().must_see
        if must is None or must <= self._replayed:
            return replica
        try:
            at = replica.glance(self.sql.replayed_position)
        except DBAPIError:
            return self  # the replica does not answer: the primary does
        if at is None:
            return self
        with self._replayed_lock:
            self._replayed = max(self._replayed, at)
        return replica if at >= must else self

    def _read_connection(self) -> Connection:
        side = self._reader()
        if side is not self:
            try:
                return side.engine.connect()
            except OperationalError:
                pass  # the replica is down: the primary answers
        return self.engine.connect()

    def tidy(self, table: str) -> None:
        """After a unit rewrote most of ``table``'s rows: the engine's upkeep, outside
        any transaction (PostgreSQL: a VACUUM of the table's pages, see
        ``EngineSql.tidy``)."""
        self.sql.tidy(self.engine, table)

    def glance(self, read: Callable[..., T], *args, as_read: bool = False) -> T:
        """``read(unit, *args)``, a read of one statement made on every request (the
        token check), on the one connection the store keeps for it: no pool checkout
        and no ping, and on PostgreSQL no transaction (the statement sees what is
        committed when it starts, in one round trip, and the server keeps it
        prepared). One glance at a time per store; a connection that fails is
        replaced and a read that found it gone is tried once more on a new one.

        On the primary, which sees every commit at once (a sign-out ends a token at
        once); ``as_read``: where a read unit would go, for a stamp of the data that
        unit reads (the replica when it has replayed this client's writes)."""
        if as_read:
            side = self._reader()
            if side is not self:
                try:
                    return side.glance(read, *args)
                except OperationalError:
                    pass  # the replica is down: the primary answers
        with self._kept_lock:
            try:
                return self._glance_once(read, args)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
            return self._glance_once(read, args)  # the connection was gone: on a new one

    def _glance_once(self, read, args):
        conn = self._kept_connection()
        try:
            result = read(Unit(conn, self.sql, dt.datetime.now(dt.UTC)), *args)
            conn.rollback()  # ends SQLite's read; nothing to end on PostgreSQL
        except BaseException:
            self._drop_kept()
            raise
        return result

    def _kept_connection(self) -> Connection:
        if self._kept is not None and self._kept_pool is not self.engine.pool:
            self._drop_kept()  # the engine was disposed: its connections go, this one too
        if self._kept is None:
            pool = self.engine.pool
            conn = self.engine.connect()
            conn.info["writes"] = False
            self._kept = conn.execution_options(**self.sql.glance_options)
            self._kept_pool = pool
        return self._kept

    def _drop_kept(self) -> None:
        kept, self._kept, self._kept_pool = self._kept, None, None
        if kept is not None:
            try:
                kept.close()
            except DBAPIError:
                pass  # already broken: the pool discards it

    def _dispose(self) -> None:
        with self._kept_lock:
            self._drop_kept()
        self.engine.dispose()
        if self.replica is not None:
            self.replica._dispose()

    def close(self) -> None:
        """Closes the engine's connections (a shared store stays open)."""
        with Store._shared_lock:
            shared = self in Store._shared.values()
        if not shared:
            self._dispose()


class DeferredStore:
    """The store of ``url``, opened and checked on its first use: a command's, so that
    what a service checks of its input (before its unit of work) is said before anything
    about the database. Everything a Store offers is reached through it."""

    def __init__(self, url: str):
        self.url = url
        self._store: Store | None = None

    def __getattr__(self, name: str):
        if self._store is None:
            self._store = Store.open(self.url)
        return getattr(self._store, name)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _shared_key(url: str, read_url: str | None) -> str:
    return url if not read_url else f"{url} reads:{read_url}"


@contextmanager
def codes_taken_meanwhile(message: str) -> Iterator[None]:
    """Turns a key another writer stored first (the database refusing a duplicate code,
    on an insert or at the commit) into a ConflictError saying ``message``; wrap a
    write unit in it."""
    try:
        yield
    except Exception as exc:
        if not duplicate_key(exc):
            raise
        raise ConflictError(message) from None


def duplicate_key(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing a duplicate key (a unique index), as
    SQLAlchemy raises it or, where a bulk load writes through the driver's own cursor
    (executemany, COPY), as the driver does; not another constraint (NOT NULL, CHECK)."""
    import psycopg

    if isinstance(exc, IntegrityError):
        exc = exc.orig
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return True
    return isinstance(exc, sqlite_module().IntegrityError) and str(exc).startswith(
        "UNIQUE constraint failed"
    )


def _reachable(url: str, engine: Engine) -> None:
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        missing = missing_pg_database(url, reason)
        if missing is not None:
            raise missing from None
        raise EnvironmentProblem(
            f"database {safe_url(url)}: {reason}; check --db / LANDBANK_DB and that the server runs"
        ) from None
