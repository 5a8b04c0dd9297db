"""Reading idle buildings: ``landbank buildings list`` and ``landbank buildings show``."""

from __future__ import annotations

import pandas as pd

from landbank.db import buildings as rows
from landbank.db import disposals
from landbank.db import parcels as parcel_rows
from landbank.db.store import Store
from landbank.domain.buildings import BUILDING_STATES, building_state, vacancy_totals
from landbank.errors import InputError, NotFoundError
from landbank.services.parcels import _jsonable

LIST_COLUMNS = [
    "code",
    "name",
    "district",
    "park",
    "building_type",
    "floors",
    "total_floor_area_m2",
    "vacant_area_m2",
    "vacant_floors",
    "rent_yuan_m2_month",
    "state",
    "activation_state",
]


def _with_state(buildings: pd.DataFrame, vacancies: pd.DataFrame) -> pd.DataFrame:
    """Adds vacant_area_m2, vacant_floors and state to stored buildings."""
    frame = vacancy_totals(buildings, vacancies)
    frame["state"] = building_state(frame)
    return frame


def list_buildings(store: Store, park: str | None = None, state: str | None = None) -> list[dict]:
    """Returns the buildings (of ``park``, in ``state``) as dicts with LIST_COLUMNS, by
    code; an unknown ``state`` is an InputError."""
    return building_list_page(store, park, state)["items"]


def building_list_page(store: Store, park: str | None = None, state: str | None = None) -> dict:
    """What the buildings page shows, read in one unit: ``items`` as ``list_buildings``
    gives them and ``places``, the districts and parks its pickers offer."""
    if state and state not in BUILDING_STATES:
        raise InputError(f"--state {state!r} is unknown; use one of {', '.join(BUILDING_STATES)}")
    with store.read() as uow:
        buildings = rows.load_buildings(uow, park=park, with_geometry=False)
        vacancies = rows.load_vacancies(uow, codes=buildings["code"].tolist())
        activation = disposals.activations(uow)
        places = parcel_rows.place_names(uow)
    return {"items": _listed(buildings, vacancies, activation, state), "places": places}


def _listed(buildings, vacancies, activation: dict, state: str | None) -> list[dict]:
    """The LIST_COLUMNS of stored ``buildings`` with their vacancies and activations, of
    ``state`` when given."""
    if buildings.empty:
        return []
    frame = _with_state(buildings, vacancies)
    frame["activation_state"] = frame["code"].map(lambda c: activation.get(c, {}).get("state"))
    if state:
        frame = frame[frame["state"] == state]
    frame["vacant_area_m2"] = frame["vacant_area_m2"].round(2)
    return [_json(r) for r in frame[LIST_COLUMNS].astype(object).to_dict("records")]


def show_building(store: Store, code: str) -> dict:
    """Returns every stored field of one building, its ``state``, its location (``lon``,
    ``lat`` of the point or footprint centroid, ``geometry_type``) and ``vacancies``
    (floor, unit, vacant_area_m2, available_from, rent_yuan_m2_month) by floor;
    NotFoundError if the code is unknown."""
    with store.read() as uow:
        buildings = rows.load_buildings(uow, codes=[code])
        vacancies = rows.load_vacancies(uow, codes=[code])
        activation = disposals.activations(uow, code)
    if buildings.empty:
        raise NotFoundError(
            f"building {code!r} is not in the database; see landbank buildings list"
        )
    frame = _with_state(buildings, vacancies)
    record = frame.iloc[0].to_dict()
    geom = record.pop("geometry")
    record.pop("id", None)
    record["vacant_area_m2"] = round(record["vacant_area_m2"], 2)
    record["geometry_type"] = geom.geom_type if geom is not None else None
    centre = geom.centroid if geom is not None else None
    record["lon"] = round(centre.x, 7) if centre is not None else None
    record["lat"] = round(centre.y, 7) if centre is not None else None
    listed = vacancies.drop(columns=["building_code"]).astype(object)
    record["vacancies"] = [_json(v) for v in listed.to_dict("records")]
    record["activation"] = activation.get(code)
    return _json(record)


def _json(record: dict) -> dict:
    """A record with plain JSON values: ISO dates, None for every kind of blank."""
    return _jsonable({k: (None if v is pd.NA else v) for k, v in record.items()})
