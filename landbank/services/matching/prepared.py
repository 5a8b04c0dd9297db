"""What a process keeps between requests: data prepared from a database (the land pool
with its neighbours, the vacant floor space), kept while the database's stamp for that
data stays put. Triggers move a stamp on every write that changes the data (migration
0007), so whoever writes, the next request reads the data again.

A long-lived process (``landbank serve``) answers from what it kept; a command answers
once, so it builds every time. ``LANDBANK_KEEP=0`` turns keeping off."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from landbank.db.matching import stamp
from landbank.db.store import Store, Unit

T = TypeVar("T")
KEEP = 8  # prepared values kept a process (each a city's pool or floor space at most)
_lock = threading.Lock()
_kept: OrderedDict[tuple, tuple[int, object]] = OrderedDict()


def kept(store: Store, uow: Unit, name: str, key: tuple, build: Callable[[], T]) -> T:
    """What ``build()`` (reading through ``uow``, a unit of ``store``) makes of the data
    stamped ``name``, for ``key`` (what else the value depends on): the value kept for
    the store (its URL) from an earlier call while the stamp has not moved, else built
    now and kept.

    The stamp is read before ``build`` reads the data: a write committed in between
    leaves newer data under the older stamp, which the next call finds moved and builds
    again. Kept data is never older than its stamp."""
    if os.environ.get("LANDBANK_KEEP", "1") == "0":
        return build()
    now = stamp(uow, name)
    where = (store.url, name, key)
    with _lock:
        hit = _kept.get(where)
        if hit is not None and hit[0] == now:
            _kept.move_to_end(where)
            return hit[1]  # type: ignore[return-value]
    value = build()
    with _lock:
        _kept[where] = (now, value)
        _kept.move_to_end(where)
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return value


def forget() -> None:
    """Drops everything kept (the bench's cold requests; tests)."""
    with _lock:
        _kept.clear()
