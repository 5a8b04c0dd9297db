"""``landbank init``, and opening a database for a run."""

from __future__ import annotations

from landbank.db import seen  # noqa: F401 (web: read-your-writes with a replica)
from landbank.db.store import DeferredStore, InitResult, Store  # noqa: F401 (Store: web)
from landbank.db.urls import hint_url, init_hint, safe_url, sqlite_file  # noqa: F401 (cli, web)


def init_db(url: str) -> InitResult:
    """Creates or upgrades the schema to the newest migration (idempotent)."""
    store, result = Store.create(url)
    store.close()
    return result


def open_store(url: str) -> DeferredStore:
    """The store of ``url`` for one command, opened and checked once (exists, answers,
    newest schema) when a service first uses it; the caller closes it."""
    return DeferredStore(url)
