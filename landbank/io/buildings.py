"""Building and vacancy files in, as canonical frames: ``read_buildings``,
``read_vacancies``. Pure reading: nothing is written anywhere.

Buildings come as points or footprints from any vector file, or as a .csv / .xlsx
with ``lon`` and ``lat`` columns (经度, 纬度; or a ``wkt`` column). A workbook without
``--layer`` is read from its sheet named 楼宇 (buildings) or 空置楼层 (vacancies) when it
has one, else from its first sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine
import shapely
from pyproj import CRS

from landbank.domain.building_fields import BUILDING_FIELDS, LOCATION_FIELDS, VACANCY_FIELDS
from landbank.domain.buildings import BUILDING_TYPE_VALUES, BUILDING_TYPES
from landbank.domain.fields import Field, max_chars
from landbank.errors import InputError
from landbank.io import values
from landbank.io.columns import apply_defaults, map_columns
from landbank.io.crs import describe, parse_crs, resolve_crs
from landbank.io.geometry import check_geometries
from landbank.io.guard import guarded
from landbank.io.parcels import _to_storage
from landbank.io.read import TABLE_SUFFIXES, RawTable, read_table

CODE_MAX = 64  # the width of building.code
BUILDING_SHEETS = ("楼宇", "buildings", "building", "楼宇台账")
TYPES_ZH = ", ".join(v["zh"] for v in BUILDING_TYPES.values())
VACANCY_SHEETS = ("空置楼层", "vacancies", "vacancy", "空置", "空置房源")


@dataclass
class BuildingFile:
    """The canonical buildings of one file and what was noticed on the way."""

    frame: pd.DataFrame  # canonical columns + geometry (Point or MultiPolygon, EPSG:4490)
    source_crs: str
    fields: list[str]  # canonical fields the file holds
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@guarded
def read_buildings(
    path: Path,
    layer: str | None = None,
    crs: str | None = None,
    fields: dict[str, str] | None = None,
    repair: bool = False,
    gk_zone: int | None = None,
    jurisdiction_bbox=None,
    defaults: dict[str, str] | None = None,
) -> BuildingFile:
    """Reads a building file into canonical columns with geometries in EPSG:4490;
    raises InputError naming the file, row, field and fix on bad input."""
    path = Path(path)
    raw = read_table(path, layer or _default_sheet(path, BUILDING_SHEETS), repair=repair)
    name = path.name
    columns = [c for c in raw.frame.columns if c != "geometry"]
    known = BUILDING_FIELDS + (() if raw.has_geometry else LOCATION_FIELDS)
    mapping = map_columns(columns, known, fields or {}, name)
    raw.frame = apply_defaults(raw.frame, mapping, defaults or {}, known)
    _require(mapping, "code", name, columns, "楼宇编号")
    points = None if raw.has_geometry else _lon_lat_columns(raw, mapping, columns)
    frame = _typed(raw.frame, mapping, BUILDING_FIELDS, name, raw.row_label)
    _check_codes(frame["code"], "code", name, raw.row_label)
    dup = frame["code"][frame["code"].duplicated()].unique().tolist()
    if dup:
        raise InputError(
            f"{name}, code: {', '.join(dup[:5])} appear more than once; "
            "one row per building: make the codes unique"
        )
    if points is not None:
        geoms, source = _points(raw, points, crs)
    else:
        geoms, source = _shapes(raw, repair), raw.crs
    stored, warnings = _storage(name, geoms, source, crs, gk_zone, jurisdiction_bbox)
    frame["geometry"] = stored[0]
    return BuildingFile(
        frame,
        stored[1],
        [f.name for f in BUILDING_FIELDS if f.name in mapping.values()],
        list(raw.warnings) + warnings,
        [c for c in columns if c not in mapping],
    )


@guarded
def read_vacancies(
    path: Path,
    layer: str | None = None,
    fields: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, RawTable]:
    """Reads a vacancy table (one row per vacant floor or unit) into canonical columns;
    returns (frame, the raw table for row labels). InputError on bad input."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{path.name}: vacancies come as .csv or .xlsx, one row per floor")
    raw = read_table(path, layer or _default_sheet(path, VACANCY_SHEETS))
    name = path.name
    columns = [c for c in raw.frame.columns if c != "geometry"]
    mapping = map_columns(columns, VACANCY_FIELDS, fields or {}, name)
    raw.frame = apply_defaults(raw.frame, mapping, defaults or {}, VACANCY_FIELDS)
    _require(mapping, "building_code", name, columns, "楼宇编号")
    _require(mapping, "vacant_area_m2", name, columns, "空置面积")
    frame = _typed(raw.frame, mapping, VACANCY_FIELDS, name, raw.row_label)
    _check_codes(frame["building_code"], "building_code", name, raw.row_label)
    blank = frame["vacant_area_m2"].isna().to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise InputError(
            f"{name} {raw.row_label(i)}, vacant_area_m2: empty; write the vacant area in m², "
            "or 0 to say the building has no vacancy left"
        )
    key = (
        frame[["building_code", "floor", "unit"]]
        .astype(object)
        .where(frame[["building_code", "floor", "unit"]].notna(), None)
    )
    twice = key.astype(str).duplicated().to_numpy()
    if twice.any():
        i = int(np.flatnonzero(twice)[0])
        row = frame.iloc[i]
        raise InputError(
            f"{name} {raw.row_label(i)}: building {row['building_code']} floor "
            f"{_shown(row['floor'])} unit {_shown(row['unit'])} is listed twice; "
            "one row per vacant floor or unit"
        )
    return frame, raw


def _shown(value) -> str:
    return "—" if value is None or pd.isna(value) else str(value)


def _default_sheet(path: Path, preferred: tuple[str, ...]) -> str | None:
    """The sheet to read from a workbook when none is named: the first whose name is one
    of ``preferred``; None (the first sheet) otherwise or for other files."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return None
    try:
        with python_calamine.load_workbook(path) as book:
            names = list(book.sheet_names)
    except Exception:  # read_table explains a damaged workbook
        return None
    wanted = {p.lower() for p in preferred}
    return next((n for n in names if n.strip().lower() in wanted), None)


def _require(mapping: dict[str, str], canonical: str, name: str, columns, zh: str) -> None:
    if canonical not in mapping.values():
        raise InputError(
            f"{name}: no {canonical} column ({zh}); columns are {', '.join(columns)}; "
            f"name it with --field {canonical}=COLUMN"
        )


def _typed(src, mapping, fields: tuple[Field, ...], name: str, label) -> pd.DataFrame:
    """Each canonical field as its typed column; absent fields are blank."""
    out = pd.DataFrame(index=src.index)
    for f in fields:
        column = next((s for s, c in mapping.items() if c == f.name), None)
        series = src[column] if column else pd.Series([None] * len(src), index=src.index)
        shown = f.name if column in (None, f.name) else f"{f.name} ({column})"
        if f.kind == "date":
            out[f.name] = values.parse_dates(series, name, label, shown)
        elif f.kind == "number":
            out[f.name] = values.parse_numbers(series, name, label, shown)
        elif f.kind == "integer":
            out[f.name] = values.parse_integers(
                series, name, label, shown, None if f.name == "floor" else 0.0
            )
        elif f.kind == "building_type":
            out[f.name] = values.parse_choice(
                series,
                name,
                label,
                shown,
                BUILDING_TYPE_VALUES,
                f"write one of {', '.join(BUILDING_TYPES)} (or {TYPES_ZH}); or leave the "
                "column out with --field building_type= (and add --default "
                "building_type=other to fill it)",
            )
        else:
            if f.name != "code":  # codes: their own check, with the database's limit
                out[f.name] = values.parse_text_within(
                    series, name, label, shown, max_chars(f.name)
                )
            else:
                out[f.name] = values.parse_text(series)
    return out


def _check_codes(codes: pd.Series, field: str, name: str, label) -> None:
    blank = codes.isna().to_numpy()
    if blank.any():
        idx = np.flatnonzero(blank)
        more = f" (and {len(idx) - 1} more rows)" if len(idx) > 1 else ""
        raise InputError(
            f"{name} {label(int(idx[0]))}, {field}: empty{more}; every row needs the "
            "building's code (楼宇编号): fill it in"
        )
    long = codes.str.len().gt(CODE_MAX).to_numpy()
    if long.any():
        i = int(np.flatnonzero(long)[0])
        raise InputError(
            f"{name} {label(i)}, {field}: longer than {CODE_MAX} characters; shorten the code"
        )


def _lon_lat_columns(raw: RawTable, mapping: dict[str, str], columns) -> tuple[str, str]:
    """The (lon, lat) source columns of a table without geometry; InputError if absent."""
    lon = next((s for s, c in mapping.items() if c == "lon"), None)
    lat = next((s for s, c in mapping.items() if c == "lat"), None)
    if lon is None or lat is None:
        raise InputError(
            f"{raw.path.name}: no location; add lon and lat columns (经度, 纬度) in decimal "
            f"degrees, or a wkt column; columns are {', '.join(columns)}"
        )
    return lon, lat


def _points(raw: RawTable, columns: tuple[str, str], crs: str | None):
    """Points from the lon/lat columns; InputError naming the row for a blank, a
    non-number or degrees out of range (when the coordinates are degrees)."""
    name, label = raw.path.name, raw.row_label
    lon_col, lat_col = columns
    geographic = crs is None or parse_crs(crs).is_geographic
    minimum = None
    shown = {c: w if c == w else f"{w} ({c})" for c, w in ((lon_col, "lon"), (lat_col, "lat"))}
    lon = values.parse_numbers(raw.frame[lon_col], name, label, shown[lon_col], minimum)
    lat = values.parse_numbers(raw.frame[lat_col], name, label, shown[lat_col], minimum)
    for series, col in ((lon, lon_col), (lat, lat_col)):
        blank = series.isna().to_numpy()
        if blank.any():
            i = int(np.flatnonzero(blank)[0])
            raise InputError(
                f"{name} {label(i)}, {shown[col]}: empty; every building needs its "
                "location in decimal degrees"
            )
    if geographic:
        # Only what is no degree at all is refused here; a place outside China is a
        # warning, by the same rule as footprints (io.crs.resolve_crs, _storage).
        _degrees(name, label, lon, shown[lon_col], 180)
        _degrees(name, label, lat, shown[lat_col], 90)
    geoms = shapely.points(lon.to_numpy(), lat.to_numpy())
    return geoms, None if crs else CRS.from_epsg(4490)


def _degrees(name, label, series: pd.Series, shown: str, limit) -> None:
    """InputError for the first value that is no degree at all."""
    v = series.to_numpy()
    bad = np.abs(v) > limit
    why = f"is not a {'longitude' if limit == 180 else 'latitude'}"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        more = f" (and {int(bad.sum()) - 1} more rows)" if bad.sum() > 1 else ""
        raise InputError(
            f'{name} {label(i)}, {shown}: "{v[i]:g}" {why}{more}; write decimal '
            "degrees (e.g. lon 117.32, lat 34.81); are lon and lat swapped?"
        )


def _shapes(raw: RawTable, repair: bool) -> np.ndarray:
    """Points stay points; polygons are checked like parcels (valid, 2-D, multi)."""
    geoms = np.asarray(raw.frame["geometry"].to_numpy(), dtype=object)
    name = raw.path.name
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"{name} {raw.row_label(i)}, geometry: is missing or empty; every building "
            "needs a point or a footprint"
        )
    geoms = shapely.force_2d(geoms)
    types = shapely.get_type_id(geoms)
    single = (types == 4) & (shapely.get_num_geometries(geoms) == 1)
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    types = shapely.get_type_id(geoms)
    wrong = ~np.isin(types, [0, 3, 6])
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(
            f"{name} {raw.row_label(i)}, geometry: is a {geoms[i].geom_type}; a building is "
            "a Point or a Polygon / MultiPolygon footprint"
        )
    shapes = np.isin(types, [3, 6])
    if shapes.any():
        idx = np.flatnonzero(shapes)
        fixed, _ = check_geometries(geoms[idx], name, lambda j: raw.row_label(int(idx[j])), repair)
        geoms[idx] = fixed
    return geoms


def _storage(name, geoms, declared, override, gk_zone, home):
    """Returns ((geometries in EPSG:4490, the source CRS described), warnings)."""
    crs, warnings = resolve_crs(
        name, declared, override, shapely.total_bounds(geoms), gk_zone, home, can_swap=False
    )
    stored = _to_storage(geoms, crs)
    if home:
        b = shapely.bounds(stored)
        out = (b[:, 0] < home[0]) | (b[:, 1] < home[1]) | (b[:, 2] > home[2]) | (b[:, 3] > home[3])
        if out.any():
            warnings.append(
                f"{int(out.sum())} buildings lie outside the profile's jurisdiction "
                f"{list(home)}; check the data"
            )
    return (stored, describe(crs)), warnings
