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

from landbank.db import features as rows
from landbank.db.buildings import load_vacancies
from landbank.db.store import Store, Unit
from landbank.domain import buildings as bld
from landbank.domain.categories import category_label
from landbank.errors import InputError, NotFoundError
from landbank.services import tiles

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MAX_LIMIT = 10_000
DECIMALS = 7  # of a degree: about 1 cm

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
    """A collection: its table's name and the properties of its features."""

    id: str
    title: str
    description: str
    table: str
    properties: tuple[str, ...]


LAYERS = {
    "parcels": Layer(
        "parcels",
        "地块 Parcels",
        "Current parcels of the idle and inefficient land inventory (五未土地) with their "
        "category and latest disposal; id is the parcel code (地块编号).",
        "parcel",
        PARCEL_PROPERTIES,
    ),
    "buildings": Layer(
        "buildings",
        "楼宇 Buildings",
        "Idle buildings and standard factories with their state and vacant floor area; "
        "id is the building code.",
        "building",
        BUILDING_PROPERTIES,
    ),
}


def layer(collection_id: str) -> Layer:
    """The layer named ``collection_id``; NotFoundError naming the layers otherwise."""
    if collection_id not in LAYERS:
        raise NotFoundError(
            f"collection {collection_id!r} is unknown; collections: {', '.join(LAYERS)}"
        )
    return LAYERS[collection_id]


def extent(store: Store, collection_id: str) -> list[float] | None:
    """The lon/lat bounds [west, south, east, north] of the layer's features, None when
    it has none: the tiled layer's, kept while the data stamp stays put."""
    layer(collection_id)
    box = tiles.extent(store, collection_id)
    return None if box is None else [round(v, DECIMALS) for v in box]


def page_features(
    store: Store,
    collection_id: str,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 100,
    offset: int = 0,
    after: str | None = None,
    before: str | None = None,
) -> tuple[list[dict], int, bool]:
    """One page of the layer's features by code, those intersecting the lon/lat
    ``bbox`` when given: ``offset`` on from the first code above ``after``, or the
    last ones below ``before``; how many match in all; whether more lie beyond the
    page in its direction (``db.features.page``)."""
    lay = layer(collection_id)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InputError(f"limit {limit}, offset {offset}: give 1 to {MAX_LIMIT}, and 0 or more")
    if before is not None and (after is not None or offset):
        raise InputError("before: not with after or offset; give one way to the page")
    with store.read() as uow:
        found, number_matched, more = rows.page(
            uow, lay.table, lay.properties, DECIMALS, bbox, limit, offset, after, before
        )
        features = _features(uow, lay, found)
    return features, number_matched, more


def one_feature(store: Store, collection_id: str, code: str) -> dict:
    """The feature of one parcel or building code; NotFoundError when it is not served."""
    lay = layer(collection_id)
    with store.read() as uow:
        found = rows.one(uow, lay.table, lay.properties, DECIMALS, code)
        features = _features(uow, lay, [found] if found is not None else [])
    if not features:
        what = "current parcel" if lay.id == "parcels" else "building with a location"
        raise NotFoundError(f"no {what} {code!r} in collection {lay.id}")
    return features[0]


def _features(uow: Unit, lay: Layer, found: list[dict]) -> list[dict]:
    """GeoJSON features of the rows ``found`` (properties and ``geojson``), with the
    fields derived from other tables read through ``uow``."""
    props = [{k: _plain(v) for k, v in r.items()} for r in found]
    codes = [r["code"] for r in props]
    if lay.id == "parcels":
        _add_parcel_fields(uow, props, codes)
    else:
        _add_building_fields(uow, props, codes)
    out = []
    for r in props:
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


def _add_parcel_fields(uow: Unit, found: list[dict], codes: list[str]) -> None:
    """Adds category_zh, and disposal_status and disposal_method of the latest disposal."""
    latest = rows.latest_parcel_disposals(uow, codes)
    for r in found:
        r["area_mu"] = round(r["area_mu"], 4) if r["area_mu"] is not None else None
        r["category_zh"] = category_label(r["category"], "zh") or None
        r["disposal_status"], r["disposal_method"] = latest.get(r["code"], (None, None))


def _add_building_fields(uow: Unit, found: list[dict], codes: list[str]) -> None:
    """Adds building_type_zh, vacant_area_m2, vacant_floors, state and state_zh."""
    if not found:
        return
    frame = pd.DataFrame({"code": codes})
    for c in ("floors", "total_floor_area_m2"):
        frame[c] = pd.Series([r[c] for r in found], dtype=object)
    frame = bld.vacancy_totals(frame, load_vacancies(uow, codes=codes))
    frame["state"] = bld.building_state(frame)
    derived = frame[["vacant_area_m2", "vacant_floors", "state"]].to_dict("records")
    for r, d in zip(found, derived, strict=True):
        r["building_type_zh"] = bld.building_type_label(r["building_type"], "zh") or None
        r["vacant_area_m2"] = round(float(d["vacant_area_m2"]), 2)
        r["vacant_floors"] = int(d["vacant_floors"])
        r["state"] = d["state"]
        r["state_zh"] = bld.state_label(d["state"], "zh")


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
