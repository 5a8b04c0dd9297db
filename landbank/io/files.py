"""Writing an output file atomically with the mode any new file gets: ``atomic_path``.

Maps, match packs and reports are written to a temporary file beside the target and
renamed onto it, so a reader never sees half a file. ``tempfile.mkstemp`` makes that
file 0600 whatever the umask; these files are made to be mailed and put on an
intranet, so before the rename the file gets ``0o666 & ~umask`` like a file opened
the ordinary way (0644 under the usual umask 022, 0600 under 077).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_lock = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the OS tells it
    (/proc/self/status on Linux); elsewhere set and restored under a lock."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0o666 less the umask."""
    return 0o666 & ~current_umask()


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yields a temporary path beside ``path`` to write to; when the block ends without
    an error the file gets the mode of a new file (umask honoured) and replaces
    ``path`` in one rename; on an error it is removed and ``path`` is left as it was."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
