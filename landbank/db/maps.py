"""What the maps read: current parcels with their popups' fields, their latest
disposals, located buildings with their vacancies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, func, select

from landbank.db.models import SRID, Building, Disposal, Parcel, Vacancy

P, D = Parcel.__table__, Disposal.__table__
B, V = Building.__table__, Vacancy.__table__

MAP_COLUMNS = (
    "code", "name", "holder", "district", "park", "area_mu", "category",
    "category_reasons", "agreed_start_on", "approved_on",
)  # fmt: skip
VACANCY_COLUMNS = (
    "building_code", "floor", "unit", "vacant_area_m2", "available_from", "rent_yuan_m2_month",
)  # fmt: skip
_CURRENT = P.c.retired.is_(False)


def map_parcels(
    conn: Connection,
    categories: list[str] | None = None,
    districts: list[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> pd.DataFrame:
    """The current parcels (of ``categories``, in ``districts``, intersecting the
    lon/lat ``bbox`` (west, south, east, north)) by code: MAP_COLUMNS as stored
    (``category_reasons`` as JSON text) and ``geometry`` (shapely)."""
    stmt = select(*(P.c[c] for c in MAP_COLUMNS), func.ST_AsBinary(P.c.geom)).where(_CURRENT)
    if categories:
        stmt = stmt.where(P.c.category.in_(categories))
    if districts:
        stmt = stmt.where(P.c.district.in_(districts))
    if bbox is not None:
        box = shapely.box(*bbox).wkt
        stmt = stmt.where(func.ST_Intersects(P.c.geom, func.ST_GeomFromText(box, SRID)))
    result = conn.execute(stmt.order_by(P.c.code)).all()
    columns = list(zip(*result, strict=True)) if result else [()] * (len(MAP_COLUMNS) + 1)
    parcels = pd.DataFrame(dict(zip([*MAP_COLUMNS, "wkb"], columns, strict=True)))
    parcels["geometry"] = shapely.from_wkb(
        np.array([bytes(b) for b in parcels.pop("wkb")], dtype=object)
    )
    return parcels


def disposal_status(conn: Connection, codes: pd.Series) -> pd.DataFrame:
    """Per parcel code, in the order given: its latest disposal's id, status, method,
    cause and planned date (all None without one)."""
    names = ["id", "code", "status", "method", "cause", "planned_on"]
    disposals = pd.DataFrame(
        conn.execute(
            select(
                D.c.id, D.c.parcel_code, D.c.status, D.c.method, D.c.cause, D.c.planned_on
            ).order_by(D.c.id)
        ).all(),
        columns=names,
    ).drop_duplicates("code", keep="last")
    return pd.DataFrame({"code": codes.to_numpy()}).merge(disposals, on="code", how="left")


def located_buildings(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the buildings with a location by code: every stored field and ``geometry``
    (shapely), an empty frame when there is none; every vacancy: VACANCY_COLUMNS as
    stored, none read when there is no such building)."""
    cols = [c for c in B.c if c.name != "geom"] + [func.ST_AsBinary(B.c.geom).label("wkb")]
    result = conn.execute(select(*cols).where(B.c.geom.is_not(None)).order_by(B.c.code))
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return frame, pd.DataFrame(columns=list(VACANCY_COLUMNS))
    frame["geometry"] = shapely.from_wkb([bytes(b) for b in frame.pop("wkb")])
    result = conn.execute(select(*(V.c[c] for c in VACANCY_COLUMNS)))
    return frame, pd.DataFrame(result.all(), columns=list(result.keys()))


def current_parcel_shape(conn: Connection, code: str):
    """The geometry (shapely) of the current parcel ``code``; None when there is none."""
    wkb = conn.execute(
        select(func.ST_AsBinary(P.c.geom)).where(P.c.code == code, P.c.retired.is_(False))
    ).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def has_more_parcels_than(conn: Connection, most: int) -> bool:
    """Whether more than ``most`` current parcels are stored (reads ``most`` + 1 rows
    at most, not the whole table)."""
    found = select(Parcel.id).where(Parcel.retired.is_(False)).limit(most + 1).subquery()
    return conn.execute(select(func.count()).select_from(found)).scalar() > most
