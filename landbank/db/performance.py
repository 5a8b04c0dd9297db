"""Per-year performance rows (亩均效益评价 figures) in and out."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, delete, func, select, tuple_

from landbank.db.bulk import insert_frame
from landbank.db.models import Performance
from landbank.db.rows import frame_of

T = Performance.__table__
COLUMNS = [c.name for c in T.c if c.name not in ("id",)]


def load_performance(
    conn: Connection, years: list[int] | None = None, codes: list[str] | None = None
) -> pd.DataFrame:
    """Returns performance rows (all, or of ``years``, or of the parcels ``codes``) with
    ``code`` for parcel_code."""
    stmt = select(*[T.c[c] for c in COLUMNS])
    if years is not None:
        stmt = stmt.where(T.c.year.in_(years))
    if codes is not None:
        stmt = stmt.where(T.c.parcel_code.in_(codes))
    result = conn.execute(stmt)
    frame = frame_of(result)
    return frame.rename(columns={"parcel_code": "code"})


def replace_performance(conn: Connection, frame: pd.DataFrame) -> tuple[int, int]:
    """Writes rows (``code``, ``year``, figures), replacing rows of the same parcel and
    year. Returns (new, replaced)."""
    keys = list(zip(frame["code"], frame["year"].astype(int), strict=True))
    replaced = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        replaced += conn.execute(
            delete(T).where(tuple_(T.c.parcel_code, T.c.year).in_(chunk))
        ).rowcount
    data = frame.rename(columns={"code": "parcel_code"})[COLUMNS]
    insert_frame(conn, "performance", data)
    return len(frame) - replaced, replaced


def latest_year(conn: Connection, up_to: int) -> int | None:
    """The latest year up to ``up_to`` that any parcel has figures for; None if none."""
    return conn.execute(select(func.max(T.c.year)).where(T.c.year <= up_to)).scalar()
