"""``landbank export FILE``: parcels out to a file."""

from __future__ import annotations

from pathlib import Path

from landbank.db import parcels as rows
from landbank.db.store import Store
from landbank.errors import InputError
from landbank.io.boundary_txt import write_boundary_txt
from landbank.io.write import write_parcels
from landbank.services.parcels import check_category


def export_parcels(
    store: Store,
    path: Path,
    category: str | None = None,
    codes: list[str] | None = None,
    lang: str = "zh",
    zone: int | None = None,
    encoding: str = "gbk",
) -> dict:
    """Writes the current parcels (optionally one category or some codes) to ``path``;
    returns ``{"file", "count", "files"}``. A ``.txt`` is a boundary coordinate file, one
    per Gauss-Krüger zone (``zone`` forces one), in ``encoding``."""
    check_category(category)
    with store.read() as uow:
        frame = rows.load_parcels(uow, codes=codes, category=category)
    if frame.empty:
        raise InputError("no parcels match; nothing to export (check --category / --codes)")
    if Path(path).suffix.lower() == ".txt":
        written = write_boundary_txt(frame, Path(path), zone=zone, encoding=encoding)
        files = [{"file": str(f), "zone": z, "count": n} for f, z, n in written]
    else:
        write_parcels(frame, Path(path), lang=lang)
        files = [{"file": str(path), "zone": None, "count": len(frame)}]
    return {"file": files[0]["file"], "count": len(frame), "files": files}
