"""Read-your-writes with a streaming replica: what one client must see.

A store with a replica (``Store.open(url, read_url)``) sends read units to the replica
and write units to the primary. A client who has just written must see the write on
their next read although the replica replays it a moment later: after a write unit
commits, the store notes the primary's WAL position in the current ``Seen``; a read
goes to the replica only once the replica has replayed up to the position its ``Seen``
asks for, else to the primary.

A ``Seen`` is one client's: the web service opens one per request (``client``) from
the position the browser's cookie carries, and writes the position of the request's
last write back into it (``web.seen``). Outside a request (a command, a test calling
services) each thread has its own, so a thread reads what it wrote.

Positions are WAL byte positions as integers; ``show`` and ``parse`` turn them into
PostgreSQL's text form (``16/B374D848``) and back.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

_POSITION = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


@dataclass
class Seen:
    """What one client must see: ``need``, the WAL position of the client's last
    write before this request (from its cookie), and ``wrote``, the position after a
    write made now."""

    need: int | None = None
    wrote: int | None = None

    @property
    def must_see(self) -> int | None:
        """The position a replica must have replayed to answer this client's reads;
        None when any replica will do."""
        known = [p for p in (self.need, self.wrote) if p is not None]
        return max(known) if known else None

    def written(self, position: int | None) -> None:
        """Notes a write committed at or before WAL ``position``."""
        if position is not None:
            self.wrote = position if self.wrote is None else max(self.wrote, position)


_current: ContextVar[Seen | None] = ContextVar("landbank_seen", default=None)
_threads = threading.local()


def current() -> Seen:
    """The ``Seen`` of the request being answered, else this thread's own."""
    seen = _current.get()
    if seen is None:
        seen = getattr(_threads, "seen", None)
        if seen is None:
            seen = _threads.seen = Seen()
    return seen


@contextmanager
def client(need: int | None) -> Iterator[Seen]:
    """The ``Seen`` of one request, which must see WAL position ``need`` (None: no
    write of its client is pending); the store's units in the block (in any thread
    the request's work runs in) read and note it."""
    seen = Seen(need)
    token = _current.set(seen)
    try:
        yield seen
    finally:
        _current.reset(token)


def show(position: int) -> str:
    """A WAL position in PostgreSQL's text form (``16/B374D848``)."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def parse(text: str | None) -> int | None:
    """The WAL position of PostgreSQL's text form, None for anything else (a cookie
    is what a client sends: never trusted to be well formed)."""
    found = _POSITION.match(text or "")
    if found is None:
        return None
    return (int(found[1], 16) << 32) | int(found[2], 16)
