"""Checks of where a command writes, made before it acts: a folder that is a folder
and can take a file, a file name that is not a folder and whose folder takes it.
Each refusal is one InputError naming the option and the fix."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from landbank.errors import InputError


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _probe(folder: Path, option: str, path: Path) -> None:
    """Makes and removes a file in ``folder``: InputError when it cannot."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".landbank-probe-")
    except OSError as exc:
        raise InputError(
            f"{option} {path}: folder {folder} takes no file ({_reason(exc)}); choose "
            "another folder"
        ) from None
    os.close(fd)
    Path(name).unlink(missing_ok=True)


def check_out_dir(folder: Path, option: str = "--out-dir", make: bool = False) -> Path:
    """``folder`` once it is known to be a folder a file can be written into, or one
    that can be made (made with ``make``): else InputError naming ``option``. Nothing
    is made without ``make``."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{option} {folder}: a file, not a folder; give a folder")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(
            f"{option} {folder}: the folder cannot be made ({existing} is a file); give another"
        )
    _probe(existing, option, folder)
    if make:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"{option} {folder}: the folder cannot be made ({_reason(exc)}); give another"
            ) from None
    return folder


def check_out_file(path: Path, option: str = "--out") -> Path:
    """``path`` once it is known to be a file name (not a folder) in an existing
    folder a file can be written into: else InputError naming ``option``."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {path}: a folder; give a file name (e.g. {path}/NAME)")
    if not path.parent.is_dir():
        raise InputError(f"{option} {path}: folder {path.parent} does not exist; make it first")
    _probe(path.parent, option, path)
    return path


def write_error(path: Path, exc: OSError, option: str = "--out") -> InputError:
    """An OSError met writing ``path`` as one InputError naming ``option``."""
    return InputError(f"{option} {path}: cannot be written ({_reason(exc)}); choose another path")
