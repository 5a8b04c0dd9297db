"""``landbank synth``: write a synthetic city as a bureau's files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from landbank.domain.dates import iso_dates
from landbank.domain.fields import PARCEL_FIELDS
from landbank.errors import InputError
from landbank.synth import (
    CITY_MOST,
    synthetic_buildings,
    synthetic_parcels,
    synthetic_performance,
    synthetic_province,
)

VECTOR_DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".shp": "ESRI Shapefile",
}


def _as_bureau_layer(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Canonical columns renamed to the Chinese headers a bureau's layer carries."""
    cols = {f.name: f.zh for f in PARCEL_FIELDS}
    data = frame[[f.name for f in PARCEL_FIELDS]].rename(columns=cols)
    for f in PARCEL_FIELDS:
        if f.kind == "date":
            data[f.zh] = iso_dates(data[f.zh])
    return gpd.GeoDataFrame(data, geometry=frame["geometry"].to_numpy(), crs="EPSG:4490")


def write_synthetic_city(path: Path, parcels: int, seed: int) -> dict:
    """Writes ``parcels`` synthetic parcels to ``path`` (format from the suffix)."""
    path = Path(path)
    driver = VECTOR_DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise InputError(f"--out {path.name}: use one of {', '.join(VECTOR_DRIVERS)}")
    if parcels < 1:
        raise InputError("--parcels must be at least 1")
    if path.exists():
        path.unlink()
    written = 0
    # a province is written a city at a time, appended to the file (a million parcels
    # take ~4 GB in memory while made)
    for frame in synthetic_province(parcels, seed=seed, city_most=CITY_MOST):
        extra = {"layer": "parcels"} if driver == "GPKG" else {}
        if written:
            extra["append"] = True
        elif driver == "GPKG":
            extra["dataset_options"] = {"VERSION": "1.2"}
        _as_bureau_layer(frame).to_file(path, driver=driver, engine="pyogrio", **extra)
        written += len(frame)
    return {"file": str(path), "parcels": written, "seed": seed}


GIS_FIELDS = ["code", "name", "district", "park", "land_use"]


def write_sample_city(folder: Path, parcels: int = 400, seed: int = 2026) -> list[Path]:
    """Writes the bundled sample city into ``folder`` (data/) as a bureau keeps it: the
    GIS layer of parcels (GeoPackage: code, name, district, park, use, polygon), the
    parcel ledger (台账, .xlsx: holder, dates and measures by code), idle buildings and
    vacancies (.xlsx), a year of performance figures (.xlsx)."""
    folder = Path(folder)
    frame = synthetic_parcels(parcels, seed=seed)
    written = []
    layer = _as_bureau_layer(frame)
    gis = [f.zh for f in PARCEL_FIELDS if f.name in GIS_FIELDS]
    gpkg = folder / "parcels" / "zaozhuang_parcels.gpkg"
    gpkg.unlink(missing_ok=True)
    layer[[*gis, "geometry"]].to_file(
        gpkg, driver="GPKG", engine="pyogrio", layer="地块", dataset_options={"VERSION": "1.2"}
    )
    written.append(gpkg)
    ledger = pd.DataFrame(layer.drop(columns=["geometry", *gis[1:]]))
    for f in PARCEL_FIELDS:
        if f.kind == "date":
            ledger[f.zh] = pd.to_datetime(ledger[f.zh]).dt.date
    xlsx = folder / "parcels" / "zaozhuang_ledger.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as w:
        ledger.to_excel(w, sheet_name="地块台账", index=False)
        w.sheets["地块台账"].freeze_panes = "A2"
    written.append(xlsx)
    buildings, vacancies = synthetic_buildings(frame, 12, seed=seed)
    xlsx = folder / "buildings" / "zaozhuang_buildings.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as w:
        buildings.to_excel(w, sheet_name="楼宇", index=False)
        vacancies.to_excel(w, sheet_name="空置楼层", index=False)
    written.append(xlsx)
    perf = synthetic_performance(frame, 2025, seed=seed)
    xlsx = folder / "performance" / "zaozhuang_performance_2025.xlsx"
    perf.to_excel(xlsx, sheet_name="2025", index=False)
    written.append(xlsx)
    return written
