"""What a process keeps between requests: data prepared from a database (the land pool
with its neighbours, the vacant floor space), kept while the database's stamp for that
data stays put. Triggers move a stamp on every write that changes the data (migration
0007), so whoever writes, the next request reads the data again: all of it, or, for a
value that can be patched (the land pool, migration 0014), only what changed since.

A long-lived process (``landbank serve``) answers from what it kept; a command answers
once, so it builds every time. ``LANDBANK_KEEP=0`` turns keeping off;
``LANDBANK_PATCH=0`` keeps but builds afresh whenever the stamp moves (the baseline of
the bench)."""

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
# where -> (stamp, change counter or None, value)
_kept: OrderedDict[tuple, tuple[int, int | None, object]] = OrderedDict()


def kept(
    store: Store,
    uow: Unit,
    name: str,
    key: tuple,
    build: Callable[[], T],
    counter: Callable[[], int] | None = None,
    patch: Callable[[T, int], T | None] | None = None,
) -> T:
    """What ``build()`` (reading through ``uow``, a unit of ``store``) makes of the data
    stamped ``name``, for ``key`` (what else the value depends on): the value kept for
    the store (its URL) from an earlier call while the stamp has not moved, else built
    now and kept.

    With ``counter`` (the data's change counter, read through ``uow``) and ``patch``:
    when the stamp has moved, ``patch(value, counter_then)`` brings the kept value up
    to date from what changed since; None from it (too much changed, or what changed
    cannot be patched in) builds afresh. A stamp moved with the counter standing still
    was moved by a writer the counter does not see: built afresh too.

    The stamp (and counter) are read before ``build`` or ``patch`` read the data: a
    write committed in between leaves newer data under the older stamp, which the next
    call finds moved and reads again. Kept data is never older than its stamp."""
    if os.environ.get("LANDBANK_KEEP", "1") == "0":
        return build()
    now = stamp(uow, name)
    where = (store.url, name, key)
    with _lock:
        hit = _kept.get(where)
        if hit is not None and hit[0] == now:
            _kept.move_to_end(where)
            return hit[2]  # type: ignore[return-value]
    patching = counter is not None and patch is not None
    count = counter() if patching else None
    value = None
    if (
        patching
        and hit is not None
        and hit[1] is not None
        and count is not None
        and count > hit[1]
        and os.environ.get("LANDBANK_PATCH", "1") != "0"
    ):
        value = patch(hit[2], hit[1])  # type: ignore[misc, arg-type]
    if value is None:
        value = build()
    with _lock:
        _kept[where] = (now, count, value)
        _kept.move_to_end(where)
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return value


def forget() -> None:
    """Drops everything kept (the bench's cold requests; tests)."""
    with _lock:
        _kept.clear()
