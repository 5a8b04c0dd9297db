"""Reading parcels: ``landbank parcels list`` and ``landbank parcels show``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from landbank.db import parcels as rows
from landbank.domain.categories import CATEGORIES
from landbank.domain.dates import iso_value
from landbank.errors import InputError, NotFoundError
from landbank.services.database import open_db

LIST_COLUMNS = ["code", "name", "district", "park", "land_use", "area_mu", "category"]


def check_category(category: str | None) -> None:
    if category and category not in CATEGORIES:
        raise InputError(f"--category {category!r} is unknown; use one of {', '.join(CATEGORIES)}")


def list_parcels(
    db_url: str, category: str | None = None, district: str | None = None
) -> list[dict]:
    """Returns the current parcels (not retired) as dicts with LIST_COLUMNS, by code."""
    check_category(category)
    engine = open_db(db_url)
    with engine.connect() as conn:
        frame = rows.load_parcels(conn, category=category, district=district, with_geometry=False)
    engine.dispose()
    if frame.empty:
        return []
    frame["area_mu"] = frame["area_mu"].round(4)
    return [_jsonable(r) for r in frame[LIST_COLUMNS].to_dict("records")]


def show_parcel(db_url: str, code: str) -> dict:
    """Returns every stored field of one parcel plus ``centroid`` [lon, lat] and the
    geometry's bounds; NotFoundError if the code is unknown."""
    engine = open_db(db_url)
    with engine.connect() as conn:
        frame = rows.load_parcels(conn, codes=[code], include_retired=True)
    engine.dispose()
    if frame.empty:
        raise NotFoundError(f"parcel {code!r} is not in the database; see landbank parcels list")
    record = frame.iloc[0].to_dict()
    geom = record.pop("geometry")
    record["centroid"] = [round(geom.centroid.x, 7), round(geom.centroid.y, 7)]
    record["bounds"] = [round(v, 7) for v in geom.bounds]
    record.pop("id", None)
    return _jsonable(record)


def _jsonable(record: dict) -> dict:
    out = {}
    for k, v in record.items():
        if isinstance(v, (dt.date, dt.datetime)):
            v = iso_value(v)
        elif isinstance(v, float) and np.isnan(v):
            v = None
        elif isinstance(v, np.generic):
            v = v.item()
        elif v is pd.NaT:
            v = None
        out[k] = v
    return out
