"""``landbank map --grades`` and the maps of the evaluation and enterprise pages:
parcels coloured by their holding enterprise's grade in the current evaluation of a
year (``landbank.maps.grades``). Reads the database, hands frames to the builder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import shapely

from landbank.db import enterprises as erows
from landbank.db import evaluations as runs
from landbank.db import maps as rows
from landbank.db.store import Store, Unit
from landbank.errors import InputError, NotFoundError
from landbank.maps.builder import MapBuilder
from landbank.maps.grades import add_grade_layers
from landbank.services.enterprises import checked_code
from landbank.services.parcel_maps import check_map_out, load_map_parcels

DEFAULT_GRADES_OUT = Path("maps/grades.html")


def _with_grades(uow: Unit, parcels: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int]:
    """``parcels`` with ``holder_credit_code``, ``enterprise`` (its registered name) and
    ``grade`` in the current evaluation of ``year`` (None: the latest year evaluated),
    and that year. InputError when no year up to it has been evaluated."""
    grades = runs.latest_grades(uow, year if year is not None else dt.date.today().year)
    if grades.empty or (year is not None and int(grades["year"].iloc[0]) != year):
        asked = year if year is not None else "any year"
        raise InputError(
            f"--year {asked}: no evaluation kept; run landbank evaluate --year "
            f"{year if year is not None else 'YYYY'} first"
        )
    holders = erows.parcel_holders(uow)[["code", "holder_credit_code"]]
    names = erows.register_names(uow)
    out = parcels.merge(holders, on="code", how="left")
    out["enterprise"] = out["holder_credit_code"].map(names)
    graded = grades[["credit_code", "grade"]].rename(columns={"credit_code": "holder_credit_code"})
    out = out.merge(graded, on="holder_credit_code", how="left")
    return out, int(grades["year"].iloc[0])


def _builder(store, year, districts, basemap, tianditu_key, lang, simplify_m):
    builder = MapBuilder(
        lang=lang, basemap=basemap, tianditu_key=tianditu_key, simplify_m=simplify_m,
        title="企业亩均评价等级" if lang == "zh" else "Per-mu grades of the enterprises",
    )  # fmt: skip
    with store.read() as uow:
        parcels = load_map_parcels(uow, districts=districts, lang=lang)
        if parcels.empty:
            raise InputError("no parcel to map: import parcels first, or widen the filters")
        parcels, year = _with_grades(uow, parcels, year)
    add_grade_layers(builder, parcels, year)
    return builder, parcels, year


def grade_map(
    store: Store,
    out: str | Path | None = None,
    year: int | None = None,
    districts: list[str] | None = None,
    basemap: str = "osm",
    tianditu_key: str | None = None,
    lang: str = "zh",
    assets_dir: str | Path | None = None,
    simplify_m: float = 0.5,
) -> dict:
    """Writes the map of parcels coloured by their enterprise's grade in ``year`` (the
    latest evaluated if None) and returns ``{"file", "year", "parcels", "layers",
    "bytes"}`` (``layers``: parcels per class, by its label)."""
    out = Path(out) if out else DEFAULT_GRADES_OUT
    check_map_out(out)
    builder, parcels, year = _builder(
        store, year, districts, basemap, tianditu_key, lang, simplify_m
    )
    path = builder.save(out, assets_dir)
    return {
        "file": str(path),
        "year": year,
        "parcels": len(parcels),
        "layers": {layer["label"]: len(layer.get("rows", [])) for layer in builder.layers},
        "bytes": path.stat().st_size,
    }


def grade_map_html(
    store: Store,
    year: int | None = None,
    districts: list[str] | None = None,
    basemap: str = "none",
    lang: str = "zh",
) -> str:
    """The map of ``grade_map`` as one HTML document, for the web service."""
    builder, _, _ = _builder(store, year, districts, basemap, None, lang, 0.5)
    return builder.html()


def enterprise_map_html(store: Store, code: str, basemap: str = "none", lang: str = "zh") -> str:
    """The parcels enterprise ``code`` holds and those it rents in or out, coloured by
    their holders' latest grade, fitted to them. NotFoundError when it has none."""
    code = checked_code(code)
    builder = MapBuilder(lang=lang, basemap=basemap, title=code)
    with store.read() as uow:
        held = erows.held_parcels(uow, code)
        leases = erows.leases_in_force(uow, enterprise=code)
        codes = sorted(set(held["code"]) | set(leases["parcel_code"]))
        shapes = [s for s in (rows.current_parcel_shape(uow, c) for c in codes) if s is not None]
        if not shapes:
            raise NotFoundError(f"enterprise {code} holds and rents no current parcel")
        box = shapely.total_bounds(shapes)
        parcels = load_map_parcels(uow, lang=lang, bbox=tuple(box))
        parcels = parcels[parcels["code"].isin(codes)].reset_index(drop=True)
        try:
            parcels, year = _with_grades(uow, parcels, None)
        except InputError:  # never evaluated: the parcels still show, not graded
            parcels = parcels.merge(erows.parcel_holders(uow)[["code", "holder_credit_code"]],
                                    on="code", how="left")  # fmt: skip
            parcels["enterprise"] = parcels["holder_credit_code"].map(erows.register_names(uow))
            parcels["grade"], year = None, None
    add_grade_layers(builder, parcels, year)
    builder.fit(shapely.box(*box))
    return builder.html()
