"""The names of the places the current parcels lie in, for the pickers of the web pages."""

from __future__ import annotations

from sqlalchemy import select

from landbank.db.models import Parcel
from landbank.services.database import open_db

P = Parcel.__table__


def place_names(db_url: str) -> dict[str, list[str]]:
    """``{"districts": [...], "parks": [...]}``: the distinct districts and parks of the
    current (not retired) parcels, sorted."""
    current = P.c.retired.is_(False)
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            out = {}
            for key, column in (("districts", P.c.district), ("parks", P.c.park)):
                names = conn.execute(select(column).where(current, column.is_not(None)).distinct())
                out[key] = sorted(n for n in names.scalars() if n)
    finally:
        engine.dispose()
    return out
