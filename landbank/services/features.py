"""The layers OGC API - Features serves (``landbank.web.ogc``): current parcels and
located buildings as GeoJSON features, a page at a time by code, filtered by a
lon/lat box in the database, every value a bound parameter.

Geometries are stored in EPSG:4490 (CGCS2000), which lies within centimetres of WGS 84,
and their x, y are longitude, latitude: they are served as stored, in the axis order of
OGC CRS84 (lon, lat), rounded to 7 decimals (about 1 cm)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Table, func, select

from landbank.db.buildings import load_vacancies
from landbank.db.dialects import sql_of
from landbank.db.models import Building, Disposal, Parcel
from landbank.domain import buildings as bld
from landbank.domain.categories import category_label
from landbank.errors import InputError, NotFoundError
from landbank.services.database import open_db

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MAX_LIMIT = 10_000
DECIMALS = 7  # of a degree: about 1 cm

P, B, D = Parcel.__table__, Building.__table__, Disposal.__table__

PARCEL_PROPERTIES = (
    "code", "name", "district", "park", "land_use", "land_use_class", "holder", "area_mu",
    "category",
)  # fmt: skip
# every stored field of a building but its contact (a person's telephone)
BUILDING_PROPERTIES = (
    "code", "name", "address", "district", "park", "building_type", "floors",
    "total_floor_area_m2", "structure", "floor_load_kn_m2", "clear_height_m", "power_kva",
    "owner", "rent_yuan_m2_month", "price_wan",
)  # fmt: skip


@dataclass(frozen=True)
class Layer:
    """A collection: its table, the properties of its features and SpatiaLite's R*Tree
    of its geometry column (GeoAlchemy2's ``idx_TABLE_geom``)."""

    id: str
    title: str
    description: str
    table: Table
    properties: tuple[str, ...]
    rtree: str


LAYERS = {
    "parcels": Layer(
        "parcels",
        "地块 Parcels",
        "Current parcels of the idle and inefficient land inventory (五未土地) with their "
        "category and latest disposal; id is the parcel code (地块编号).",
        P,
        PARCEL_PROPERTIES,
        "idx_parcel_geom",
    ),
    "buildings": Layer(
        "buildings",
        "楼宇 Buildings",
        "Idle buildings and standard factories with their state and vacant floor area; "
        "id is the building code.",
        B,
        BUILDING_PROPERTIES,
        "idx_building_geom",
    ),
}


def layer(collection_id: str) -> Layer:
    """The layer named ``collection_id``; NotFoundError naming the layers otherwise."""
    if collection_id not in LAYERS:
        raise NotFoundError(
            f"collection {collection_id!r} is unknown; collections: {', '.join(LAYERS)}"
        )
    return LAYERS[collection_id]


def _served(lay: Layer) -> list:
    """The rows a layer serves: current parcels (not retired), buildings with a place."""
    t = lay.table
    return [t.c.retired.is_(False)] if lay.id == "parcels" else [t.c.geom.is_not(None)]


def extent(db_url: str, collection_id: str) -> list[float] | None:
    """The lon/lat bounds [west, south, east, north] of the layer's features, None when
    it has none."""
    lay = layer(collection_id)
    t = lay.table
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            box = sql_of(conn).extent(conn, t.c.geom, _served(lay))
    finally:
        engine.dispose()
    return None if box is None else [round(v, DECIMALS) for v in box]


def bbox_filter(
    conn: Connection, lay: Layer, bbox: tuple[float, float, float, float], exact: bool = True
) -> list:
    """What keeps the features whose geometry intersects ``bbox`` (lon/lat), answered
    from the spatial index first and then (``exact``) exactly."""
    return sql_of(conn).bbox_filter(conn, lay.table, lay.rtree, bbox, exact)


def page_features(
    db_url: str,
    collection_id: str,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """One page of the layer's features by code, those intersecting the lon/lat
    ``bbox`` when given, and how many match in all."""
    lay = layer(collection_id)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InputError(f"limit {limit}, offset {offset}: give 1 to {MAX_LIMIT}, and 0 or more")
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            where = _served(lay) + (bbox_filter(conn, lay, bbox) if bbox else [])
            t = lay.table
            matched = conn.execute(select(func.count()).select_from(t).where(*where))
            number_matched = matched.scalar_one()
            stmt = _select(lay).where(*where).order_by(t.c.code).limit(limit).offset(offset)
            features = _features(conn, lay, stmt)
    finally:
        engine.dispose()
    return features, number_matched


def one_feature(db_url: str, collection_id: str, code: str) -> dict:
    """The feature of one parcel or building code; NotFoundError when it is not served."""
    lay = layer(collection_id)
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            stmt = _select(lay).where(*_served(lay), lay.table.c.code == code)
            features = _features(conn, lay, stmt)
    finally:
        engine.dispose()
    if not features:
        what = "current parcel" if lay.id == "parcels" else "building with a location"
        raise NotFoundError(f"no {what} {code!r} in collection {lay.id}")
    return features[0]


def _select(lay: Layer):
    t = lay.table
    # EPSG:4490's x, y are lon, lat: GeoJSON's (CRS84) axis order, served as stored.
    # options 0: no "crs" member (PostGIS adds one for any SRID but 4326 by default).
    geojson = func.ST_AsGeoJSON(t.c.geom, DECIMALS, 0).label("geojson")
    return select(*(t.c[c] for c in lay.properties), geojson)


def _features(conn: Connection, lay: Layer, stmt) -> list[dict]:
    result = conn.execute(stmt).mappings().all()
    rows = [{k: _plain(v) for k, v in r.items()} for r in result]
    codes = [r["code"] for r in rows]
    if lay.id == "parcels":
        _add_parcel_fields(conn, rows, codes)
    else:
        _add_building_fields(conn, rows, codes)
    out = []
    for r in rows:
        geojson = r.pop("geojson")
        out.append(
            {
                "type": "Feature",
                "id": r["code"],
                "geometry": json.loads(geojson) if geojson else None,
                "properties": r,
            }
        )
    return out


def _add_parcel_fields(conn: Connection, rows: list[dict], codes: list[str]) -> None:
    """Adds category_zh, and disposal_status and disposal_method of the latest disposal."""
    latest: dict[str, tuple[str, str]] = {}
    if codes:
        found = conn.execute(
            select(D.c.parcel_code, D.c.status, D.c.method)
            .where(D.c.subject == "parcel", D.c.parcel_code.in_(codes))
            .order_by(D.c.id)
        )
        latest = {code: (status, method) for code, status, method in found}
    for r in rows:
        r["area_mu"] = round(r["area_mu"], 4) if r["area_mu"] is not None else None
        r["category_zh"] = category_label(r["category"], "zh") or None
        r["disposal_status"], r["disposal_method"] = latest.get(r["code"], (None, None))


def _add_building_fields(conn: Connection, rows: list[dict], codes: list[str]) -> None:
    """Adds building_type_zh, vacant_area_m2, vacant_floors, state and state_zh."""
    if not rows:
        return
    frame = pd.DataFrame({"code": codes})
    for c in ("floors", "total_floor_area_m2"):
        frame[c] = pd.Series([r[c] for r in rows], dtype=object)
    frame = bld.vacancy_totals(frame, load_vacancies(conn, codes=codes))
    frame["state"] = bld.building_state(frame)
    derived = frame[["vacant_area_m2", "vacant_floors", "state"]].to_dict("records")
    for r, d in zip(rows, derived, strict=True):
        r["building_type_zh"] = bld.building_type_label(r["building_type"], "zh") or None
        r["vacant_area_m2"] = round(float(d["vacant_area_m2"]), 2)
        r["vacant_floors"] = int(d["vacant_floors"])
        r["state"] = d["state"]
        r["state_zh"] = bld.state_label(d["state"], "zh")


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
