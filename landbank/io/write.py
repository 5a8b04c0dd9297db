"""Parcels out to a file, the format chosen by the suffix: ``write_parcels``.

.gpkg, .geojson, .fgb and .shp (UTF-8 with a .cpg, short field names) through
pyogrio; .csv with a WKT column; .xlsx as a ledger (台账) with Chinese headers, area
in mu and a WKT column, so that every format can be imported again.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from landbank.domain.categories import category_label
from landbank.domain.dates import iso_dates
from landbank.domain.fields import PARCEL_FIELDS, label, short_name
from landbank.errors import InputError

VECTOR = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".shp": "ESRI Shapefile",
}
TABLE = {".csv", ".xlsx"}
COLUMNS = [f.name for f in PARCEL_FIELDS] + ["area_mu", "category"]
DATE_COLUMNS = [f.name for f in PARCEL_FIELDS if f.kind == "date"]


def export_formats() -> list[str]:
    return sorted([*VECTOR, *TABLE, ".txt"])


def write_parcels(frame: pd.DataFrame, path: Path, lang: str = "zh") -> Path:
    """Writes parcels (canonical columns + ``geometry`` in EPSG:4490) to ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VECTOR and suffix not in TABLE:  # .txt: see io.boundary_txt
        raise InputError(
            f"{path.name}: cannot tell the format from {suffix or 'no suffix'!r}; "
            f"use one of {', '.join(export_formats())}"
        )
    if not path.parent.exists():
        raise InputError(f"{path}: folder {path.parent} does not exist; create it first")
    data = frame[COLUMNS].copy()
    data["area_mu"] = data["area_mu"].round(6)
    geoms = frame["geometry"].to_numpy()
    if suffix in VECTOR:
        for c in DATE_COLUMNS:
            data[c] = iso_dates(data[c])
        if suffix == ".shp":
            data = data.rename(columns=short_name)
        gdf = gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4490")
        if path.exists():
            _remove(path)
        gdf.to_file(path, driver=VECTOR[suffix], engine="pyogrio", **_options(suffix))
    elif suffix == ".csv":
        data["wkt"] = shapely.to_wkt(geoms, rounding_precision=-1)
        data.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        _write_ledger(data, geoms, path, lang)
    return path


def _options(suffix: str) -> dict:
    if suffix == ".shp":
        return {"encoding": "UTF-8"}  # and a .cpg saying so
    if suffix == ".gpkg":
        # GeoPackage 1.2: read without complaint by the older GDAL of a bureau's QGIS.
        return {"layer": "parcels", "dataset_options": {"VERSION": "1.2"}}
    return {}


def _remove(path: Path) -> None:
    if path.suffix.lower() == ".shp":
        for side in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            path.with_suffix(side).unlink(missing_ok=True)
    else:
        path.unlink()


def _write_ledger(data: pd.DataFrame, geoms, path: Path, lang: str) -> None:
    from openpyxl.utils import get_column_letter

    data = data.copy()
    data["category"] = data["category"].map(lambda c: category_label(c, lang) or None)
    data["wkt"] = shapely.to_wkt(geoms, rounding_precision=-1)
    headers = [label(c, lang) if c != "wkt" else "wkt" for c in data.columns]
    data.columns = headers
    sheet = "地块台账" if lang == "zh" else "parcels"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        data.to_excel(writer, index=False, sheet_name=sheet)
        ws = writer.sheets[sheet]
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for i, name in enumerate(headers, start=1):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = 40 if name == "wkt" else max(10, len(name) * 2)
            src = data.columns[i - 1]
            fmt = None
            if "(亩)" in src or "(mu)" in src:
                fmt = "0.00"
            elif src in {label(c, lang) for c in DATE_COLUMNS}:
                fmt = "yyyy-mm-dd"
            if fmt:
                for cell in ws[letter][1:]:
                    cell.number_format = fmt
