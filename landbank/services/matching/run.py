"""``landbank match``: a project's requirement against the parcels that can be supplied
and the vacant floor space, read in one short transaction; with a map and an Excel
site-selection pack on request."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pandas as pd
import shapely
from sqlalchemy import Connection, func, or_, select

from landbank.config import load_profile
from landbank.db import buildings as building_rows
from landbank.db.models import Building, Disposal, Parcel, Project, Vacancy
from landbank.db.rows import frame_of
from landbank.domain import matching as m
from landbank.domain.matching.floor import match_floor_space
from landbank.domain.matching.land import LandIndex, index_land, match_land
from landbank.domain.matching.requirements import Requirement, RequirementError, read_requirement
from landbank.errors import InputError, NotFoundError
from landbank.services.database import open_db
from landbank.services.matching import prepared
from landbank.services.projects import read_requirement_file, requirement_of_row
from landbank.services.reservations import active_reserved

P, D, PR = Parcel.__table__, Disposal.__table__, Project.__table__
B, V = Building.__table__, Vacancy.__table__
POOL_COLUMNS = (
    "code",
    "name",
    "district",
    "park",
    "land_use",
    "land_use_class",
    "holder",
    "category",
    "area_mu",
    "land_price_wan",
    "parent_code",
    "developed_area_mu",
    "retired",
)

# what floor-space matching reads of a building (besides its geometry)
FLOOR_SPACE_COLUMNS = [
    "code", "name", "district", "park", "building_type", "floor_load_kn_m2",
    "clear_height_m", "power_kva", "rent_yuan_m2_month",
]  # fmt: skip


def resolve_requirement(db_url: str, project: str, profile=None) -> Requirement:
    """The requirement of a stored project by name, or of a .toml / .json file."""
    path = Path(project)
    if path.suffix.lower() in (".toml", ".json"):
        return read_requirement_file(path, profile)
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(PR).where(PR.c.name == project)).mappings().first()
    finally:
        engine.dispose()
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


def load_land_pool(conn: Connection, today: dt.date, s: m.MatchSettings) -> pd.DataFrame:
    """The parcels that may be supplied (``land_pool``'s frame): those approved and not
    supplied, split from a parent, under a recovery disposal or held by the reserve,
    with their latest recovery disposal and geometry, by code."""
    later = D.alias("later")  # a later disposal of the same parcel supersedes this one
    superseded = (
        select(later.c.id)
        .where(later.c.parcel_code == D.c.parcel_code, later.c.id > D.c.id)
        .exists()
    )
    recovery = select(D.c.parcel_code, D.c.method, D.c.status, D.c.planned_on, D.c.done_on)
    recovery = recovery.where(
        D.c.subject == "parcel", D.c.method.in_(s.recovery_methods), ~superseded
    )
    disposals = frame_of(conn.execute(recovery))
    maybe = [P.c.category == "approved_not_supplied", P.c.parent_code.is_not(None)]
    if len(disposals):
        maybe.append(P.c.code.in_(select(recovery.subquery().c.parcel_code)))
    maybe += [P.c.holder.contains(h, autoescape=True) for h in s.reserve_holders]
    stmt = select(*[P.c[c] for c in POOL_COLUMNS], func.ST_AsBinary(P.c.geom).label("wkb"))
    stmt = stmt.where(P.c.retired.is_(False), or_(*maybe)).order_by(P.c.code)
    parcels = frame_of(conn.execute(stmt))
    if parcels.empty:
        return parcels
    parcels["geometry"] = shapely.from_wkb([bytes(b) for b in parcels.pop("wkb")])
    return m.land_pool(parcels, disposals, today, s)


def land_index(conn: Connection, today: dt.date, s: m.MatchSettings) -> LandIndex:
    """The suppliable parcels prepared for matching: kept by the process while the
    database's land stamp stays put (see services.matching.prepared)."""
    key = (today, s.recovery_methods, s.reserve_holders, s.gap_m)
    return prepared.kept(
        conn, "land", key, lambda: index_land(load_land_pool(conn, today, s), s.gap_m)
    )


def floor_space(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every building with a geometry and a vacancy: FLOOR_SPACE_COLUMNS, geometry and
    lon, lat of a point on it; every vacancy), kept by the process while the database's
    floor stamp stays put (see services.matching.prepared). Text columns are plain objects: the
    matcher reads them as arrays, request after request."""

    def build():
        has_vacancy = select(V.c.id).where(V.c.building_code == B.c.code).exists()
        buildings = building_rows.load_buildings(
            conn, where=[B.c.geom.is_not(None), has_vacancy], columns=FLOOR_SPACE_COLUMNS
        )
        m.add_points(buildings)
        vacancies = building_rows.load_vacancies(conn)
        for frame in (buildings, vacancies):
            for column in frame.columns:
                if pd.api.types.is_string_dtype(frame[column].dtype):
                    frame[column] = frame[column].astype(object)
        return buildings, vacancies

    return prepared.kept(conn, "floor", (), build)


def run_match(
    conn: Connection,
    req: Requirement,
    today: dt.date,
    s: m.MatchSettings,
    lang: str = "zh",
    top: int = 10,
) -> list[dict]:
    """The ranked candidates for ``req`` on an open connection (geometry included)."""
    # A city-wide request makes some hundred thousand short-lived objects (rows,
    # geometries, frames) that reference counting frees; the cyclic collector would
    # walk them all again and again, a quarter of the time. It is back on after.
    paused = gc.isenabled()
    gc.disable()
    try:
        reserved = active_reserved(conn, today)
        if req.land is not None:
            return match_land(land_index(conn, today, s), req, today, s, reserved, lang, top)
        buildings, vacancies = floor_space(conn)
        return match_floor_space(buildings, vacancies, req, today, s, reserved, lang, top)
    finally:
        if paused:
            gc.enable()


def match(
    db_url: str,
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
    """Matches ``req`` and returns ``{"project", "kind", "candidates"}`` (candidates as
    JSON-ready dicts, best first); writes the map and the Excel pack when asked."""
    if top < 1:
        raise InputError(f"--top {top}: give 1 or more")
    today = today or dt.date.today()
    s = m.settings_from_profile(load_profile(profile).data)
    for out in (map_file, xlsx_file):
        if out is not None and not Path(out).parent.exists():
            raise InputError(f"{out}: the folder does not exist; create it or pick another")
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            candidates = run_match(conn, req, today, s, lang, top)
    finally:
        engine.dispose()
    result = {
        "project": req.name,
        "kind": req.kind,
        "as_of": today.isoformat(),
        "candidates": [{k: v for k, v in c.items() if k != "geometry"} for c in candidates],
    }
    if map_file is not None:
        from landbank.services.maps import load_map_parcels
        from landbank.services.matching.outputs import match_extent, write_match_map

        extent = match_extent(req, candidates)
        context = None
        if extent is not None:
            engine = open_db(db_url)
            try:
                with engine.connect() as conn:
                    context = load_map_parcels(
                        conn, lang=lang, today=today, bbox=shapely.bounds(extent).tolist()
                    )
            finally:
                engine.dispose()
        result["map"] = write_match_map(
            map_file, req, candidates, lang, basemap, tianditu_key, context
        )
    if xlsx_file is not None:
        from landbank.services.matching.outputs import write_match_xlsx

        result["xlsx"] = write_match_xlsx(xlsx_file, req, result["candidates"], lang)
    return result
