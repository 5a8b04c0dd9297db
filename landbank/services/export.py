"""``landbank export FILE``: parcels out to a file."""

from __future__ import annotations

from pathlib import Path

from landbank.db import parcels as rows
from landbank.errors import InputError
from landbank.io.write import write_parcels
from landbank.services.database import open_db
from landbank.services.parcels import _check_category


def export_parcels(
    db_url: str,
    path: Path,
    category: str | None = None,
    codes: list[str] | None = None,
    lang: str = "zh",
) -> dict:
    """Writes the current parcels (optionally one category or some codes) to ``path``;
    returns ``{"file", "count"}``."""
    _check_category(category)
    engine = open_db(db_url)
    with engine.connect() as conn:
        frame = rows.load_parcels(conn, codes=codes, category=category)
    engine.dispose()
    if frame.empty:
        raise InputError("no parcels match; nothing to export (check --category / --codes)")
    write_parcels(frame, Path(path), lang=lang)
    return {"file": str(path), "count": len(frame)}
