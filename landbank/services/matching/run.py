"""``landbank match``: a project's requirement against the parcels that can be supplied
and the vacant floor space, read in one unit of work; with a map and an Excel
site-selection pack on request."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pandas as pd
import shapely

from landbank.config import load_profile
from landbank.db import matching as rows
from landbank.db import parcels as parcel_rows
from landbank.db.store import Store, Unit
from landbank.domain import matching as m
from landbank.domain.matching.common import MatchSettings
from landbank.domain.matching.floor import match_floor_space
from landbank.domain.matching.land import LandIndex, index_land, match_land
from landbank.domain.matching.land_patch import patch_land, patch_limit
from landbank.domain.matching.requirements import Requirement, RequirementError, read_requirement
from landbank.errors import InputError, NotFoundError
from landbank.services.matching import prepared
from landbank.services.projects import read_requirement_file, requirement_of_row
from landbank.services.reservations import active_reserved


def resolve_requirement(store: Store, project: str, profile=None) -> Requirement:
    """The requirement of a stored project by name, or of a .toml / .json file."""
    path = Path(project)
    if path.suffix.lower() in (".toml", ".json"):
        return read_requirement_file(path, profile)
    with store.read() as uow:
        row = rows.stored_requirement(uow, project)
    if row is None:
        raise NotFoundError(
            f"project {project!r} is not in the database; add it with landbank projects add "
            "FILE.toml, or give the file itself"
        )
    return requirement_of_row(row, profile)


def requirement_from_options(data: dict, profile=None) -> Requirement:
    """A requirement from command-line options laid out as a requirement file's dict."""
    try:
        return read_requirement(data, load_profile(profile).crosswalk)
    except RequirementError as exc:
        raise InputError(f"requirement: {exc}") from None


def load_land_pool(uow: Unit, today: dt.date, s: MatchSettings) -> pd.DataFrame:
    """The parcels that may be supplied (``land_pool``'s frame): those approved and not
    supplied, split from a parent, under a recovery disposal or held by the reserve,
    with their latest recovery disposal and geometry, by code."""
    parcels, disposals = rows.pool_rows(uow, s.recovery_methods, s.reserve_holders)
    if parcels.empty:
        return parcels
    return m.land_pool(parcels, disposals, today, s)


def land_index(store: Store, uow: Unit, today: dt.date, s: MatchSettings) -> LandIndex:
    """The suppliable parcels prepared for matching: kept by the process while the
    database's land stamp stays put, patched with the parcels written since when it
    moves (see services.matching.prepared)."""
    key = (today, s.recovery_methods, s.reserve_holders, s.gap_m)

    def patch(index: LandIndex, since: int) -> LandIndex | None:
        codes = rows.land_changes(uow, since, patch_limit(index))
        if not codes:
            return None if codes is None else index
        parcels, disposals = rows.pool_rows(uow, s.recovery_methods, s.reserve_holders, codes)
        pool = m.land_pool(parcels, disposals, today, s) if len(parcels) else parcels
        return patch_land(index, codes, pool)

    return prepared.kept(
        store,
        uow,
        "land",
        key,
        lambda: index_land(load_land_pool(uow, today, s), s.gap_m),
        counter=lambda: rows.land_seq(uow),
        patch=patch,
    )


def floor_space(store: Store, uow: Unit) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every building with a geometry and a vacancy: db.matching.FLOOR_SPACE_COLUMNS,
    geometry and lon, lat of a point on it; every vacancy), kept by the process while
    the database's floor stamp stays put (see services.matching.prepared). Text columns
    are plain objects: the matcher reads them as arrays, request after request."""

    def build():
        buildings, vacancies = rows.floor_space_rows(uow)
        m.add_points(buildings)
        for frame in (buildings, vacancies):
            for column in frame.columns:
                if pd.api.types.is_string_dtype(frame[column].dtype):
                    frame[column] = frame[column].astype(object)
        return buildings, vacancies

    return prepared.kept(store, uow, "floor", (), build)


def candidates_in(
    store: Store,
    uow: Unit,
    req: Requirement,
    today: dt.date,
    s: MatchSettings,
    lang: str = "zh",
    top: int = 10,
) -> list[dict]:
    """The ranked candidates for ``req`` read through ``uow``, a unit of ``store``
    (geometry included)."""
    # A city-wide request makes some hundred thousand short-lived objects (rows,
    # geometries, frames) that reference counting frees; the cyclic collector would
    # walk them all again and again, a quarter of the time. It is back on after.
    paused = gc.isenabled()
    gc.disable()
    try:
        reserved = active_reserved(uow, today)
        if req.land is not None:
            index = land_index(store, uow, today, s)
            return match_land(index, req, today, s, reserved, lang, top)
        buildings, vacancies = floor_space(store, uow)
        return match_floor_space(buildings, vacancies, req, today, s, reserved, lang, top)
    finally:
        if paused:
            gc.enable()


def run_match(
    store: Store,
    req: Requirement,
    today: dt.date,
    s: MatchSettings,
    lang: str = "zh",
    top: int = 10,
) -> list[dict]:
    """The ranked candidates for ``req`` (geometry included), read in one unit."""
    with store.read() as uow:
        return candidates_in(store, uow, req, today, s, lang, top)


def match(
    store: Store,
    req: Requirement,
    top: int = 10,
    lang: str = "zh",
    today: dt.date | None = None,
    profile: str | None = None,
    map_file: str | Path | None = None,
    xlsx_file: str | Path | None = None,
    basemap: str = "osm",
    tianditu_key: str | None = None,
) -> dict:
    """Matches ``req`` and returns ``{"project", "kind", "as_of", "candidates"}``
    (candidates as JSON-ready dicts, best first); writes the map (the candidates over
    the parcels around them, read in the same unit) and the Excel pack when asked."""
    today, s = _setup(top, today, profile)
    for out in (map_file, xlsx_file):
        if out is not None and not Path(out).parent.exists():
            raise InputError(f"{out}: the folder does not exist; create it or pick another")
    context = None
    with store.read() as uow:
        candidates = candidates_in(store, uow, req, today, s, lang, top)
        if map_file is not None:
            from landbank.services.matching.outputs import match_extent
            from landbank.services.parcel_maps import load_map_parcels

            extent = match_extent(req, candidates)
            if extent is not None:
                box = shapely.bounds(extent).tolist()
                context = load_map_parcels(uow, lang=lang, today=today, bbox=box)
    result = _answer(req, today, candidates)
    if map_file is not None:
        from landbank.services.matching.outputs import write_match_map

        result["map"] = write_match_map(
            map_file, req, candidates, lang, basemap, tianditu_key, context
        )
    if xlsx_file is not None:
        from landbank.services.matching.outputs import write_match_xlsx

        result["xlsx"] = write_match_xlsx(xlsx_file, req, result["candidates"], lang)
    return result


def _setup(top: int, today: dt.date | None, profile: str | None) -> tuple:
    """A match's day (``today``, else the local date) and its settings (of ``profile``);
    an InputError for a ``top`` below 1."""
    if top < 1:
        raise InputError(f"--top {top}: give 1 or more")
    return today or dt.date.today(), m.settings_from_profile(load_profile(profile).data)


def _answer(req: Requirement, today: dt.date, candidates: list[dict]) -> dict:
    """``{"project", "kind", "as_of", "candidates"}``, the candidates without geometry."""
    return {
        "project": req.name,
        "kind": req.kind,
        "as_of": today.isoformat(),
        "candidates": [{k: v for k, v in c.items() if k != "geometry"} for c in candidates],
    }


def match_page(store: Store, req: Requirement | None, top: int = 10, lang: str = "zh") -> dict:
    """What the match page shows, read in one unit: ``result`` (``match``'s answer for
    ``req``; None for the form alone) and ``places``, the districts and parks its
    pickers offer."""
    today, s = _setup(top, None, None)
    with store.read() as uow:
        places = parcel_rows.place_names(uow)
        if req is None:
            return {"result": None, "places": places}
        candidates = candidates_in(store, uow, req, today, s, lang, top)
    return {"result": _answer(req, today, candidates), "places": places}
