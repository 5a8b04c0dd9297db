"""Figures kept in the process while a data stamp stays put: what takes a scan of a
million parcels to find (how many a filter keeps, the names the pickers offer) is found
once per stamp. The stamp moves in the transaction of every write that could change
them (migration 0007), and is read in the same unit as what it keeps, so a kept value
is the one that unit would have read."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from cachetools import LRUCache

from landbank.db.matching import stamp
from landbank.db.store import Store, Unit


class Kept:
    """Values by (database, data stamp, key), the last ``most`` of them."""

    def __init__(self, stamp_name: str, most: int = 256):
        self.stamp_name = stamp_name
        self._values: LRUCache = LRUCache(maxsize=most)
        self._lock = threading.Lock()

    def get(self, store: Store, uow: Unit, key: Hashable, compute: Callable[[], object]):
        """The value kept for ``key`` under the stamp ``uow`` reads, else ``compute()``
        (run in ``uow``), kept and returned."""
        at = (str(store.url), stamp(uow, self.stamp_name), key)
        with self._lock:
            if at in self._values:
                return self._values[at]
        value = compute()
        with self._lock:
            self._values[at] = value
        return value
