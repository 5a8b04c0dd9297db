"""``landbank init``, and opening a database for a run."""

from __future__ import annotations

from landbank.db.store import InitResult, Store  # noqa: F401 (Store: for cli and web)
from landbank.db.urls import hint_url, init_hint, sqlite_file  # noqa: F401 (for cli and web)


def init_db(url: str) -> InitResult:
    """Creates or upgrades the schema to the newest migration (idempotent)."""
    store, result = Store.create(url)
    store.close()
    return result


def open_store(url: str) -> Store:
    """The store of ``url`` for one command: checked once (exists, answers, newest
    schema); the caller closes it."""
    return Store.open(url)


# --- transitional (issue 16): removed when every service takes a Store -------------
_shared: set[str] = set()


def share_engine(url: str) -> None:
    _shared.add(url)


class _Kept:
    def __init__(self, engine):
        self._engine = engine

    def dispose(self, *args, **kwargs) -> None:
        pass

    def __getattr__(self, name):
        return getattr(self._engine, name)


def open_db(url):
    """Returns an engine for a database already at the newest schema (transitional)."""
    if isinstance(url, Store):
        return _Kept(url.engine)
    if url in _shared:
        return _Kept(Store.shared(url).engine)
    return Store.open(url).engine
