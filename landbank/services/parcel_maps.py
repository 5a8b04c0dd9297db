"""``landbank map`` and ``parcels show --map``: read the database, hand frames to the
map builders (``landbank/maps``), write one HTML file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from landbank.db import maps as rows
from landbank.db import parcels as parcel_rows
from landbank.db.store import Store, Unit
from landbank.domain import disposal as wf
from landbank.domain.categories import KNOWN
from landbank.errors import InputError, NotFoundError
from landbank.maps.builder import MapBuilder
from landbank.services.disposal_progress import progress_in

DEFAULT_OUT = Path("maps/idle_land.html")
DEFAULT_PROGRESS_OUT = Path("maps/disposal_progress.html")
# the most current parcels the service draws as one HTML map (a city: at 10⁵ such a
# map is 12 MB, built in 13–19 s); beyond, its pages draw the tiled map (``/map``)
ONE_FILE_MOST = 50_000


def fits_one_file(store: Store) -> bool:
    """Whether the current parcels are few enough (ONE_FILE_MOST) for the service to
    draw them as one HTML map; one statement reading that many rows at most."""
    return not store.glance(rows.has_more_parcels_than, ONE_FILE_MOST)


def check_map_out(out: Path) -> None:
    """InputError unless ``out`` names an .html file (not a folder)."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--out {out}: a map is an .html file")
    if out.exists() and out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name ending in .html")


def _next_deadline(frame: pd.DataFrame, today: dt.date, lang: str) -> list[str | None]:
    overdue = "逾期" if lang == "zh" else "overdue"
    out = []
    for r in frame.itertuples(index=False):
        if not isinstance(r.status, str):
            out.append(None)
            continue
        due = wf.deadlines(
            r.status,
            r.method,
            r.cause,
            _date(r.planned_on),
            _date(r.agreed_start_on),
            _date(r.approved_on),
        )
        ahead = [d for d in due if d.due_on >= today]
        pick = ahead[0] if ahead else (due[-1] if due else None)
        if pick is None:
            out.append(None)
        else:
            late = f" ({overdue})" if pick.due_on < today else ""
            out.append(f"{pick.due_on.isoformat()} {wf.deadline_label(pick.what, lang)}{late}")
    return out


def _date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def load_map_parcels(
    uow: Unit,
    categories: list[str] | None = None,
    districts: list[str] | None = None,
    lang: str = "zh",
    today: dt.date | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> pd.DataFrame:
    """The current parcels read through ``uow`` with what their popups show
    (MAP_COLUMNS of ``db.maps``, geometry, disposal_state, next_deadline), filtered by
    category, district and a lon/lat ``bbox`` (west, south, east, north) in the
    database (unknown names are refused with the names there are)."""
    today = today or dt.date.today()
    for c in categories or []:
        if c not in KNOWN:
            raise InputError(f"--category {c}: use one of {', '.join(KNOWN)}")
    if districts:
        known = parcel_rows.place_names(uow)["districts"]
        for d in districts:
            if d not in known:
                names = ", ".join(known)
                raise InputError(f"--district {d}: no parcel there; districts are {names}")
    parcels = rows.map_parcels(uow, categories, districts, bbox)
    # one parse for every parcel's reasons, not one per parcel
    texts = parcels["category_reasons"].tolist()
    parcels["category_reasons"] = json.loads(
        "[" + ",".join(t if isinstance(t, str) and t else "[]" for t in texts) + "]"
    )
    status = rows.disposal_status(uow, parcels["code"])
    status["agreed_start_on"] = parcels["agreed_start_on"].to_numpy()
    status["approved_on"] = parcels["approved_on"].to_numpy()
    parcels["disposal_state"] = status["status"].to_numpy()
    parcels["next_deadline"] = _next_deadline(status, today, lang)
    return parcels


def load_map_buildings(uow: Unit) -> pd.DataFrame:
    """Buildings with a location, read through ``uow``: their fields, vacant floors
    (list of dicts), vacant area and derived state."""
    from landbank.domain.buildings import building_state, vacancy_totals

    frame, vacancies = rows.located_buildings(uow)
    if frame.empty:
        return frame
    frame = vacancy_totals(frame, vacancies)
    frame["state"] = building_state(frame)
    listed: dict[str, list[dict]] = {}
    for v in vacancies.to_dict("records"):
        if v["available_from"] is not None:
            v["available_from"] = _date(v["available_from"]).isoformat()
        listed.setdefault(v.pop("building_code"), []).append(v)
    frame["vacancies"] = frame["code"].map(lambda c: listed.get(c, []))
    return frame


def district_rates(uow: Unit, parcels: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Per district: the disposal rate (progress figures read through ``uow``) and an
    outline drawn around its parcels (a concave hull of their vertices: the database
    holds no district boundary)."""
    figures = {r["group"]: r for r in progress_in(uow, "district", None, None, today)}
    out = []
    for district, group in parcels.groupby("district", sort=True):
        pts = shapely.multipoints(shapely.get_coordinates(group["geometry"].to_numpy()))
        hull = shapely.concave_hull(pts, ratio=0.15)
        hull = shapely.buffer(hull, 0.001, quad_segs=2)  # ~100 m: a margin around edge parcels
        f = figures.get(district, {})
        out.append(
            {
                "district": district,
                "rate": f.get("rate") if f.get("rate") is not None else np.nan,
                "identified_count": f.get("identified_count", 0),
                "disposed_count": f.get("disposed_count", 0),
                "geometry": hull,
            }
        )
    return pd.DataFrame(out)


def _idle_land_builder(
    store: Store,
    categories: list[str] | None,
    districts: list[str] | None,
    basemap: str,
    tianditu_key: str | None,
    lang: str,
    progress: bool,
    simplify_m: float,
    today: dt.date | None,
) -> tuple[MapBuilder, int, int]:
    """The idle-land (or progress) map's builder, the parcels and buildings on it, read
    in one unit."""
    builder = MapBuilder(
        lang=lang, basemap=basemap, tianditu_key=tianditu_key, simplify_m=simplify_m
    )
    today = today or dt.date.today()
    with store.read() as uow:
        parcels = load_map_parcels(uow, categories, districts, lang, today)
        if parcels.empty:
            raise InputError("no parcel to map: import parcels first, or widen the filters")
        buildings = load_map_buildings(uow)
        districts_drawn = district_rates(uow, parcels, today) if progress else None
    if districts_drawn is not None:
        builder.add_districts(districts_drawn)
    builder.add_parcels(parcels, dim=progress)
    if not buildings.empty and not progress:
        if districts:
            buildings = buildings[buildings["district"].isin(districts)]
        builder.add_buildings(buildings)
    return builder, len(parcels), len(buildings) if not progress else 0


def idle_land_map(
    store: Store,
    out: str | Path | None = None,
    categories: list[str] | None = None,
    districts: list[str] | None = None,
    basemap: str = "osm",
    tianditu_key: str | None = None,
    lang: str = "zh",
    progress: bool = False,
    assets_dir: str | Path | None = None,
    simplify_m: float = 0.5,
    today: dt.date | None = None,
) -> dict:
    """Writes the idle-land map (or, with ``progress``, the disposal-progress map) and
    returns ``{"file", "parcels", "buildings", "layers", "bytes"}``."""
    out = Path(out) if out else (DEFAULT_PROGRESS_OUT if progress else DEFAULT_OUT)
    check_map_out(out)
    builder, n_parcels, n_buildings = _idle_land_builder(
        store, categories, districts, basemap, tianditu_key, lang, progress, simplify_m, today
    )
    path = builder.save(out, assets_dir)
    return {
        "file": str(path),
        "parcels": n_parcels,
        "buildings": n_buildings,
        "layers": {layer["label"]: len(layer.get("rows", [])) for layer in builder.layers},
        "bytes": path.stat().st_size,
    }


def idle_land_html(
    store: Store,
    categories: list[str] | None = None,
    districts: list[str] | None = None,
    basemap: str = "none",
    tianditu_key: str | None = None,
    lang: str = "zh",
    progress: bool = False,
    simplify_m: float = 0.5,
    today: dt.date | None = None,
) -> str:
    """The map of ``idle_land_map`` as one HTML document (Leaflet inline), for the web
    service to send instead of writing a file; no base map unless asked."""
    builder, _, _ = _idle_land_builder(
        store, categories, districts, basemap, tianditu_key, lang, progress, simplify_m, today
    )
    return builder.html()


def _parcel_builder(
    store: Store,
    code: str,
    basemap: str,
    tianditu_key: str | None,
    lang: str,
    around_m: float,
    today: dt.date | None,
) -> tuple[MapBuilder, int]:
    """The builder of one parcel's map (its neighbours within ``around_m``, fitted to
    it) and how many parcels it shows. Only the parcels in the box around it are read,
    in one unit."""
    builder = MapBuilder(lang=lang, basemap=basemap, tianditu_key=tianditu_key)
    reach = around_m / 111_320.0
    with store.read() as uow:
        shape = rows.current_parcel_shape(uow, code)
        if shape is None:
            raise NotFoundError(f"no current parcel {code}; see landbank parcels list")
        west, south, east, north = shape.bounds
        box = (west - reach, south - reach, east + reach, north + reach)
        parcels = load_map_parcels(uow, lang=lang, today=today, bbox=box)
    hit = parcels.index[parcels["code"] == code]
    if not len(hit):
        raise NotFoundError(f"no current parcel {code}; see landbank parcels list")
    target = parcels.at[hit[0], "geometry"]
    near = shapely.dwithin(parcels["geometry"].to_numpy(), target, reach)
    parcels = parcels[near].reset_index(drop=True)
    builder.add_parcels(parcels)
    builder.fit(target)
    return builder, len(parcels)


def parcel_map(
    store: Store,
    code: str,
    out: str | Path,
    basemap: str = "osm",
    tianditu_key: str | None = None,
    lang: str = "zh",
    around_m: float = 500.0,
    today: dt.date | None = None,
) -> dict:
    """Writes a map of one parcel among its neighbours within ``around_m``, fitted to
    the parcel, and returns ``{"file", "parcels"}``."""
    out = Path(out)
    check_map_out(out)
    builder, n = _parcel_builder(store, code, basemap, tianditu_key, lang, around_m, today)
    path = builder.save(out)
    return {"file": str(path), "parcels": n, "code": code}


def parcel_map_html(
    store: Store,
    code: str,
    basemap: str = "none",
    tianditu_key: str | None = None,
    lang: str = "zh",
    around_m: float = 500.0,
    today: dt.date | None = None,
) -> str:
    """The map of ``parcel_map`` as one HTML document, for the web service."""
    builder, _ = _parcel_builder(store, code, basemap, tianditu_key, lang, around_m, today)
    return builder.html()
