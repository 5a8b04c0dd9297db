"""Units of work of the Store: a read never holds the write lock, even on a pooled
connection that served a write before."""

from __future__ import annotations

from landbank.db.dialects import sqlite_module
from landbank.db.urls import sqlite_file
from tests.helpers import store_of


def test_a_read_after_a_write_leaves_the_file_free_for_a_writer(db_url):
    store = store_of(db_url)
    with store.write(by="test") as uow:
        uow.exec_driver_sql("SELECT count(*) FROM parcel").scalar()
    with store.read() as uow:
        uow.exec_driver_sql("SELECT count(*) FROM parcel").scalar()
        path = sqlite_file(db_url)
        if path is not None:  # SpatiaLite: another writer takes the lock at once
            # the engine's own SQLite library: a second copy would not see its locks
            other = sqlite_module().connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()
