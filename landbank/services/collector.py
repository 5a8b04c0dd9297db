"""Python's cyclic garbage collector paused while a bulk import runs.

Reading and writing 50,000 rows makes and drops hundreds of thousands of small
containers (a workbook's rows as lists, the driver's rows as tuples, the register's
rows); each of the many collections they trigger walks every live object again, a
quarter of an .xlsx figure import's CPU time. Reference counting still frees them at
once; only reference cycles wait until the import ends. Imports may run in several
threads of the web service at once: the collector is paused by the first and resumed
by the last, and left as it was found.
"""

from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_state = {"running": 0, "paused_here": False}


@contextlib.contextmanager
def collector_paused():
    """Within: no cyclic collection (as a ``with`` block or a function decorator)."""
    with _lock:
        if _state["running"] == 0:
            _state["paused_here"] = gc.isenabled()
            gc.disable()
        _state["running"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["running"] -= 1
            if _state["running"] == 0 and _state["paused_here"]:
                gc.enable()
