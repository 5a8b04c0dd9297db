"""Boundary coordinate files (勘测定界 / 报批 "部标" TXT): read and write.

    [属性描述]
    坐标系=2000国家大地坐标系
    几度分带=3
    带号=39
    ...
    [地块坐标]
    5,1.2345,370402-01-000001,某地块,面,,工业用地,0601,@
    J1,1,3853189.181,39520986.477
    ...

A parcel line (point count, area in 公顷, code, name, shape, map sheet, use, land-class
code, ``@``; provinces add or drop fields) is followed by its points: id, ring, X =
northing, Y = easting with the zone number in front. Ring numbers group the points;
whether a further ring is a hole or another part is decided by containment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from landbank.errors import InputError

SECTION_ATTRS, SECTION_COORDS = "[属性描述]", "[地块坐标]"
HEADER_KEYS = {"坐标系", "几度分带", "投影类型", "计量单位", "带号", "精度", "转换参数"}
NORTHING = (2.0e6, 5.9e6)
FULL_WIDTH = re.compile(r"[，０-９．－]")

# datum -> (3° with prefix, 3° without, 6° with prefix, 6° without): EPSG = base + zone
EPSG_BASES = {
    "CGCS2000": (4488, 4509, 4478, 4489),
    "Xian 1980": (2324, 2345, 2314, 2325),
    "Beijing 1954": (2376, 2397, 21400, 21440),
}
ZONES = {3: range(25, 46), 6: range(13, 24)}
# Zones round the world: 3° zone n has its central meridian at 3n° (n = 1…120, 120 for
# 0°, 95 for 75°W), 6° zone n at 6n − 3° (n = 1…60).
ZONES_WORLD = {3: range(1, 121), 6: range(1, 61)}


def world_zone(zone: int) -> int:
    """The 3° zone number 1…120 of ``zone`` = round(lon / 3), which is negative west of
    Greenwich (−25 for 75°W becomes 95)."""
    return (int(zone) - 1) % 120 + 1


def _meridian(zone: int, width: int) -> int:
    cm = 3 * zone if width == 3 else 6 * zone - 3
    return cm - 360 if cm > 180 else cm


def zone_crs(zone: int, width: int = 3, prefixed: bool = True) -> CRS:
    """CGCS2000 Gauss-Krüger on any zone (EPSG has China's only): transverse Mercator,
    scale 1, false easting 500 km (with the zone number in front when ``prefixed``)."""
    from pyproj.crs import ProjectedCRS
    from pyproj.crs.coordinate_operation import TransverseMercatorConversion

    if width == 3 and zone in ZONES[3]:
        return CRS.from_epsg((4488 if prefixed else 4509) + zone)
    easting = 500_000 + (zone * 1_000_000 if prefixed else 0)
    return ProjectedCRS(
        TransverseMercatorConversion(
            latitude_natural_origin=0,
            longitude_natural_origin=_meridian(zone, width),
            false_easting=easting,
            false_northing=0,
            scale_factor_natural_origin=1,
        ),
        name=f"CGCS2000 {width}-degree Gauss-Kruger zone {zone}"
        + ("" if prefixed else " (no zone prefix)"),
        geodetic_crs=CRS.from_epsg(4490),
    )


def looks_like_boundary_txt(path: Path) -> bool:
    """True when the file holds a ``[地块坐标]`` section, whatever its suffix, or starts
    with ``[属性描述]`` (a boundary file cut before its coordinates)."""
    try:
        with open(path, "rb") as f:  # the head only: a GeoPackage can be gigabytes
            head = f.read(65536)
    except OSError:
        return False
    if any(SECTION_COORDS.encode(enc) in head for enc in ("utf-8", "gb18030")):
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return any(start.startswith(SECTION_ATTRS.encode(enc)) for enc in ("utf-8", "gb18030"))


def decode(data: bytes, name: str) -> str:
    """Text of a boundary file: UTF-8 (with or without BOM) or GBK / GB18030."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: text is neither UTF-8 nor GBK; save it as GBK or UTF-8")


@dataclass
class _Parcel:
    line: int
    fields: list[str]


@dataclass
class _Points:
    """Every point line, as arrays: its line number, ring key, X, Y and parcel."""

    line: np.ndarray
    ring: np.ndarray  # ring numbers as written (text)
    x: np.ndarray
    y: np.ndarray
    parcel: np.ndarray  # index into the parcel list


@dataclass
class BoundaryFile:
    """The parcels of a boundary file: canonical columns, plane geometries, their CRS."""

    frame: pd.DataFrame  # code, name, recorded_area_mu, land_use, geometry
    crs: CRS
    zone: int
    labels: list[str]  # "line N" of each parcel's parcel line
    warnings: list[str]


def read_boundary_txt(
    path: Path, swap_xy: bool = False, accept_short: bool = False
) -> BoundaryFile:
    """Reads a boundary coordinate file; raises InputError naming the line and the fix,
    and saying the file was read as a boundary TXT (and where it looks cut short).

    A parcel with fewer points than its parcel line declares whose area is more than
    5 % off its stated area is refused unless ``accept_short`` (then a warning)."""
    path = Path(path)
    name = path.name
    text = decode(path.read_bytes(), name)
    try:
        return _read(text, path, swap_xy, accept_short)
    except InputError as exc:
        raise InputError(_as_boundary_txt(str(exc), name, text)) from None


def _as_boundary_txt(message: str, name: str, text: str) -> str:
    """The message of a fault in a boundary file: says how the file was read, and that
    it ends in the middle of a line (cut short) where it does."""
    rest = message.removeprefix(name)
    out = f"{name} (read as a boundary coordinate TXT, 勘测定界){rest}"
    if text and not text.endswith(("\n", "\r")):
        last = text.rstrip("\r\n").count("\n") + 1
        out += (
            f"; the file ends in the middle of line {last}: it looks cut short, "
            "export or copy it again"
        )
    return out


def _read(text: str, path: Path, swap_xy: bool, accept_short: bool) -> BoundaryFile:
    name = path.name
    header, parcels, points, sections = _parse(text, name)
    warnings: list[str] = []
    if SECTION_COORDS not in sections:
        last = text.rstrip().count("\n") + 1
        raise InputError(
            f"{name} line {last}: the file ends before its {SECTION_COORDS} section, so it "
            "holds no parcels: it looks cut short, export or copy it again"
        )
    if not parcels:
        raise InputError(
            f"{name}: no parcel lines under {SECTION_COORDS}; the file holds no parcels"
        )
    is_polygon = np.array([_field(p.fields, 4) in ("面", "") for p in parcels])
    if not is_polygon.all():
        skipped = [p.line for p, ok in zip(parcels, is_polygon, strict=True) if not ok]
        warnings.append(
            f"{len(skipped)} features that are not polygons (点/线) skipped: lines "
            + ", ".join(map(str, skipped[:10]))
        )
    if not is_polygon.any():
        raise InputError(f"{name}: no polygon (面) parcels; only 点/线 features")
    counts = np.bincount(points.parcel, minlength=len(parcels))
    empty = np.flatnonzero(is_polygon & (counts == 0))
    if len(empty):
        raise InputError(
            f"{name} line {parcels[empty[0]].line}: parcel line without points; add its "
            "J1,1,X,Y lines below it"
        )
    keep = is_polygon[points.parcel]
    kept_index = np.flatnonzero(is_polygon)
    points = _Points(
        points.line[keep],
        points.ring[keep],
        points.x[keep],
        points.y[keep],
        np.searchsorted(kept_index, points.parcel[keep]),
    )
    kept = [parcels[i] for i in kept_index]
    if swap_xy:
        points.x, points.y = points.y, points.x
    _check_axes(points, name, header)
    crs, zone, more = _crs(header, points, name)
    warnings += more
    codes, fallback = [], 0
    for seq, p in enumerate(kept, start=1):
        code = _field(p.fields, 2) or _field(p.fields, 3)
        if not _field(p.fields, 2):
            code = code or f"{path.stem}-{seq}"
            fallback += 1
        codes.append(code)
    if fallback:
        warnings.append(
            f"{fallback} parcels have no code: the name (or file name and "
            "sequence) stands in for it"
        )
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": [_field(p.fields, 3) or None for p in kept],
            "recorded_area_mu": [_area_mu(p, name) for p in kept],
            "land_use": [_field(p.fields, 7) or _field(p.fields, 6) or None for p in kept],
            "geometry": _geometries(points, len(kept), name),
        }
    )
    read = np.bincount(points.parcel, minlength=len(kept))
    warnings += _short_parcels(kept, read, frame, name, accept_short)
    return BoundaryFile(frame, crs, zone, [f"line {p.line}" for p in kept], warnings)


def _short_parcels(kept, read, frame: pd.DataFrame, name: str, accept: bool) -> list[str]:
    """Parcels with fewer points than their parcel line declares (a file cut short, a
    point lost): refused when the area read is more than 5 % off the stated area (unless
    ``accept``), a warning otherwise."""
    from landbank.domain.area import M2_PER_MU

    out = []
    plane_mu = shapely.area(frame["geometry"].to_numpy()) / M2_PER_MU
    for i, p in enumerate(kept):
        declared = _field(p.fields, 0)
        if not declared.isdigit() or int(declared) <= read[i]:
            continue
        code = frame["code"].iloc[i]
        what = (
            f'{name} line {p.line}: parcel "{code}" declares {declared} points but '
            f"{read[i]} were read"
        )
        stated = frame["recorded_area_mu"].iloc[i]
        if stated is None or pd.isna(stated):
            out.append(f"{what}; it states no area to check the boundary against")
            continue
        diff = abs(plane_mu[i] - stated) / stated * 100 if stated else float("inf")
        figures = (
            f"computed {plane_mu[i]:.4f} mu, stated {stated:.4f} mu "
            f"({stated / 15:.4f} 公顷), {diff:.1f} % off"
        )
        if diff > 5 and not accept:
            raise InputError(
                f"{what}, and its area is {figures}: the file looks cut short; export "
                "or copy it again, or pass --accept-short to import the parcel as read"
            )
        out.append(f"{what}; area {figures}" + (" (--accept-short)" if diff > 5 else ""))
    return out


def _field(fields: list[str], i: int) -> str:
    return fields[i].strip() if i < len(fields) else ""


def _parse(text: str, name: str) -> tuple[dict[str, str], list[_Parcel], _Points, set[str]]:
    """Sorts the lines into header, parcel lines and point lines; the point lines are
    parsed in one go by pandas' C reader, and line by line only to name a fault."""
    bad = FULL_WIDTH.search(text)
    if bad:
        no = text.count("\n", 0, bad.start()) + 1
        raise InputError(
            f"{name} line {no}: full-width character {bad.group()!r}; "
            "write ASCII commas, digits and points"
        )
    header: dict[str, str] = {}
    parcels: list[_Parcel] = []
    point_lines: list[str] = []
    point_no: list[int] = []
    point_parcel: list[int] = []
    section = None
    sections: set[str] = set()
    for no, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if section == SECTION_COORDS and line.count(",") == 3 and not line.endswith("@"):
            if not parcels:
                raise InputError(
                    f"{name} line {no}: a point before any parcel line; put the "
                    "parcel line (…,@) above its points"
                )
            point_lines.append(line)
            point_no.append(no)
            point_parcel.append(len(parcels) - 1)
            continue
        if line.startswith("[") and line.endswith("]"):
            if line not in (SECTION_ATTRS, SECTION_COORDS):
                raise InputError(
                    f"{name} line {no}: unknown section {line}; a boundary file "
                    f"has {SECTION_ATTRS} and {SECTION_COORDS}"
                )
            section = line
            sections.add(line)
            continue
        if section == SECTION_ATTRS or (section is None and "=" in line):
            key, _, value = line.partition("=")
            header[key.strip()] = value.strip()
            continue
        if section != SECTION_COORDS:
            raise InputError(
                f"{name} line {no}: text before any section; start the file with "
                f"{SECTION_ATTRS} or {SECTION_COORDS}"
            )
        fields = [f.strip() for f in line.split(",")]
        if line.endswith("@"):
            fields[-1] = fields[-1].removesuffix("@").strip()
            if fields[-1]:
                fields.append("")
            parcels.append(_Parcel(no, fields))
        elif len(fields) >= 5:
            raise InputError(f"{name} line {no}: parcel line without @ at its end; end it with ,@")
        else:
            raise InputError(
                f"{name} line {no}: neither a parcel line (…,@) nor a point line "
                "(J1,1,X,Y); check the line"
            )
    points = _Points(
        np.array(point_no, dtype=np.int64),
        *_read_points(point_lines, point_no, name),
        np.array(point_parcel, dtype=np.int64),
    )
    return header, parcels, points, sections


def _read_points(lines: list[str], numbers: list[int], name: str):
    """(ring, x, y) arrays from ``id,ring,x,y`` lines."""
    import csv
    import io

    if not lines:
        return np.array([], dtype=object), np.array([]), np.array([])
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(lines)),
            header=None,
            names=["id", "ring", "x", "y"],
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):
        table = pd.DataFrame([ln.split(",") for ln in lines], columns=["id", "ring", "x", "y"])
    if len(table) != len(lines):  # the C reader skips what it takes for blank lines
        table = pd.DataFrame([ln.split(",") for ln in lines], columns=["id", "ring", "x", "y"])
    x = pd.to_numeric(table["x"].str.strip(), errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(table["y"].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        fields = lines[i].split(",")
        raise InputError(
            f"{name} line {numbers[i]}: {fields[2].strip()!r} or {fields[3].strip()!r} "
            "is not a coordinate; write numbers such as 3853189.181"
        )
    ring = table["ring"].str.strip().replace("", "1").to_numpy(dtype=object)
    return ring, x, y


def _check_axes(points: _Points, name: str, header: dict[str, str]) -> None:
    """X must be northings (2.0e6–5.9e6 in China, within ±10,000 km on a zone abroad
    that 带号 names) and Y eastings; otherwise they are swapped."""
    x, y = points.x, points.y
    zone = header.get("带号", "").strip()
    low, high = NORTHING[0] * 0.75, NORTHING[1] * 1.05
    if zone.isdigit() and int(zone) not in ZONES[3] and int(zone) not in ZONES[6]:
        low, high = -1.0e7, 1.0e7
    x_north = (x >= low) & (x <= high)
    y_north = (y >= low) & (y <= high)
    if not x_north.all() and y_north.all():
        raise InputError(
            f"{name} line {points.line[0]}: X and Y look swapped "
            f"(X {x[0]:.3f} is no northing, Y {y[0]:.3f} is); X is the northing: "
            "pass --swap-xy"
        )
    if not x_north.all():
        i = int(np.flatnonzero(~x_north)[0])
        raise InputError(
            f"{name} line {points.line[i]}: X {x[i]:.3f} is no northing "
            + (
                "in China (2,000,000–5,900,000 m)"
                if high < 1e7
                else f"on zone {zone} (within ±10,000,000 m)"
            )
            + "; check the coordinate"
        )


def _datum(value: str, name: str) -> str:
    v = value.replace(" ", "")
    if not v or "2000" in v or "CGCS" in v.upper():
        return "CGCS2000"
    if "80" in v or "西安" in v:
        return "Xian 1980"
    if "54" in v or "北京" in v:
        return "Beijing 1954"
    raise InputError(
        f"{name}: 坐标系={value} is not a datum landbank knows; write "
        "2000国家大地坐标系, 1980西安坐标系 or 1954北京坐标系"
    )


def _crs(header: dict[str, str], points: _Points, name: str) -> tuple[CRS, int, list[str]]:
    """The CRS from the header and the eastings' zone prefix (which must agree)."""
    eastings = points.y
    warnings = []
    unknown = [k for k in header if k not in HEADER_KEYS]
    if unknown:
        warnings.append(f"{name}: header keys not read: {', '.join(unknown)}")
    unit = header.get("计量单位", "米") or "米"
    if unit not in ("米", "m", "M", "metre", "meter"):
        raise InputError(f"{name}: 计量单位={unit}; landbank reads coordinates in 米 (metres)")
    datum = _datum(header.get("坐标系", ""), name)
    width_text = header.get("几度分带", "").strip()
    if width_text not in ("", "3", "6"):
        raise InputError(f"{name}: 几度分带={width_text}; write 3 or 6")
    zone_text = header.get("带号", "").strip()
    if zone_text and not zone_text.isdigit():
        raise InputError(f"{name}: 带号={zone_text} is not a zone number; write e.g. 39")
    header_zone = int(zone_text) if zone_text else None
    prefixes = np.unique((eastings // 1e6).astype(int))
    prefixed = bool((eastings >= 1e7).all()) or (
        # a zone below 10 abroad: its prefix is one digit (Y 5,512,345.678 in zone 5)
        header_zone is not None and header_zone < 10 and (prefixes == header_zone).all()
    )
    if (eastings >= 1e7).any() and not prefixed:
        i = int(np.flatnonzero(eastings < 1e7)[0])
        raise InputError(
            f"{name} line {points.line[i]}: Y {eastings[i]:.3f} carries no zone prefix "
            "while other eastings do; "
            "write every Y with its zone number in front"
        )
    if prefixed:
        if len(prefixes) > 1:
            raise InputError(
                f"{name}: eastings carry several zone prefixes "
                f"({', '.join(map(str, prefixes))}); one file holds one zone"
            )
        zone = int(prefixes[0])
        if header_zone is not None and header_zone != zone:
            raise InputError(
                f"{name}: 带号={header_zone} in the header, but the eastings carry "
                f"zone {zone} in front (Y {eastings[0]:.3f}); make them agree"
            )
    else:
        if header_zone is None:
            raise InputError(
                f"{name} line {points.line[0]}: no zone: 带号 is empty "
                "and the eastings carry no zone prefix; fill in 带号"
            )
        zone = header_zone
    width = int(width_text) if width_text else (6 if zone in ZONES[6] else 3)
    if zone not in ZONES[width]:
        if datum != "CGCS2000" or zone not in ZONES_WORLD[width]:
            raise InputError(
                f"{name}: zone {zone} is no {width}° Gauss-Krüger zone "
                f"(China: {ZONES[width].start}–{ZONES[width].stop - 1}, the world: "
                f"{ZONES_WORLD[width].start}–{ZONES_WORLD[width].stop - 1}); check 带号 and "
                "几度分带"
            )
        crs = zone_crs(zone, width, prefixed)
        meridian = _meridian(zone, width)
        warnings.append(
            f"{name}: {width}° zone {zone} (central meridian {meridian}°) lies outside "
            f"China; read as {crs.name}"
        )
        return crs, zone, warnings
    bases = EPSG_BASES[datum]
    base = {(3, True): bases[0], (3, False): bases[1], (6, True): bases[2], (6, False): bases[3]}[
        (width, prefixed)
    ]
    if datum != "CGCS2000":
        warnings.append(
            f"{name}: {datum} coordinates; without the bureau's transformation "
            "parameters the shift to CGCS2000 is approximate (metres)"
        )
    return CRS.from_epsg(base + zone), zone, warnings


def _area_mu(p: _Parcel, name: str) -> float | None:
    text = _field(p.fields, 1)
    if not text:
        return None
    try:
        ha = float(text)
    except ValueError:
        raise InputError(
            f"{name} line {p.line}: area {text!r} is not a number of 公顷; "
            "write e.g. 1.2345 or leave it empty"
        ) from None
    return ha * 15


def _geometries(points: _Points, n: int, name: str) -> np.ndarray:
    """One MultiPolygon per parcel from its rings (plane order: easting, northing). A
    parcel with one ring is built in bulk; with several, the biggest rings are shells and
    a ring inside a shell is its hole (an island inside a hole is a shell again)."""
    keys = pd.DataFrame({"parcel": points.parcel, "ring": points.ring})
    ring_id = keys.groupby(["parcel", "ring"], sort=False).ngroup().to_numpy()
    distinct = pd.DataFrame({"r": ring_id, "x": points.x, "y": points.y}).drop_duplicates()
    sizes = np.bincount(distinct["r"].to_numpy(), minlength=ring_id.max() + 1)
    if (sizes < 3).any():
        first = int(np.flatnonzero(ring_id == int(np.flatnonzero(sizes < 3)[0]))[0])
        raise InputError(
            f"{name} line {points.line[first]}: a ring with fewer than 3 distinct "
            "points; a parcel's boundary needs at least 3"
        )
    coords = np.column_stack([points.y, points.x])
    rings = shapely.linearrings(coords, indices=ring_id)
    ring_parcel = np.zeros(len(rings), dtype=np.int64)
    ring_parcel[ring_id] = points.parcel
    per_parcel = np.bincount(ring_parcel, minlength=n)
    out = np.empty(n, dtype=object)
    single = per_parcel[ring_parcel] == 1
    polys = shapely.polygons(rings[single])
    out[ring_parcel[single]] = shapely.multipolygons(polys, indices=np.arange(len(polys)))
    for parcel in np.flatnonzero(per_parcel > 1):
        out[parcel] = _assemble(rings[ring_parcel == parcel])
    return out


def _assemble(rings: np.ndarray):
    polys = sorted((shapely.Polygon(r) for r in rings), key=lambda p: -abs(p.area))
    shells: list[list] = []  # [shell polygon, [hole polygons]]
    for poly in polys:
        point = (
            poly.representative_point() if poly.is_valid else shapely.Point(poly.exterior.coords[0])
        )
        host = next(
            (
                s
                for s in shells
                if s[0].contains(point) and not any(h.contains(point) for h in s[1])
            ),
            None,
        )
        if host is not None:
            host[1].append(poly)
        else:
            shells.append([poly, []])
    return shapely.MultiPolygon(
        [shapely.Polygon(s[0].exterior.coords, [h.exterior.coords for h in s[1]]) for s in shells]
    )


HEADER_TEMPLATE = (
    "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n计量单位=米\n"
    "带号={zone}\n精度=0.001\n转换参数=,,,,,,\n[地块坐标]\n"
)


def _clean(value) -> str:
    """A field value safe inside a comma-separated parcel line."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).replace(",", "、").replace("\n", " ").strip()


def boundary_txt_text(frame: pd.DataFrame, zone: int) -> str:
    """The 部标 text of parcels (canonical columns, ``area_mu``, ``geometry`` in EPSG:4490)
    on 3° zone ``zone``: X northing and Y easting with the zone prefix, 3 decimals; each
    ring closed by repeating its first point; rings numbered within each parcel."""
    from landbank.domain.area import project_to_gk3

    plane = project_to_gk3(frame["geometry"].to_numpy(), zone)
    parts, part_of = shapely.get_parts(plane, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    ring_parcel = part_of[ring_part]
    ring_no = pd.Series(ring_parcel).groupby(ring_parcel).cumcount().to_numpy() + 1
    parcel = ring_parcel[coord_ring]
    point_no = pd.Series(parcel).groupby(parcel).cumcount().to_numpy() + 1
    lines = _point_lines(
        point_no, ring_no[coord_ring], coords[:, 1], coords[:, 0] + zone * 1_000_000
    )
    counts = np.bincount(parcel, minlength=len(frame))
    out = [HEADER_TEMPLATE.format(zone=zone)]
    start = 0
    for i, rec in enumerate(frame[["code", "name", "land_use", "area_mu"]].itertuples(index=False)):
        n = int(counts[i])
        out.append(
            f"{n},{rec.area_mu / 15:.4f},{_clean(rec.code)},{_clean(rec.name)},面,,,"
            f"{_clean(rec.land_use)},@\n"
        )
        out.append("\n".join(lines[start : start + n]) + "\n")
        start += n
    return "".join(out)


def _fixed3(values: np.ndarray):
    """Numbers as text with exactly 3 decimals, formatted by Arrow in C (a million
    f-strings take seconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mm = np.round(np.abs(values) * 1000).astype(np.int64)
    whole = pa.array(mm // 1000).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(mm % 1000).cast(pa.string()), 3, "0")
    text = pc.binary_join_element_wise(whole, frac, ".")
    sign = pa.array(np.where(values < 0, "-", ""))
    return pc.binary_join_element_wise(sign, text, "")


def _point_lines(point_no, ring_no, x, y) -> list[str]:
    """``J{n},{ring},{x},{y}`` for every point."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pc.binary_join_element_wise(
        pa.array(np.full(len(point_no), "J")), pa.array(point_no).cast(pa.string()), ""
    )
    line = pc.binary_join_element_wise(
        ids, pa.array(ring_no).cast(pa.string()), _fixed3(x), _fixed3(y), ","
    )
    return line.to_pylist()


def write_boundary_txt(
    frame: pd.DataFrame, path: Path, zone: int | None = None, encoding: str = "gbk"
) -> list[tuple[Path, int, int]]:
    """Writes parcels to boundary coordinate files: one per 3° zone (``zone`` forces one),
    GBK (GB18030) or UTF-8, CRLF. Returns (file, zone, parcels) for each file written."""
    from landbank.domain.area import gk3_zone

    path = Path(path)
    codec = {"gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8", "utf8": "utf-8"}.get(
        encoding.lower()
    )
    if codec is None:
        raise InputError(f"--encoding {encoding}: write gbk or utf-8")
    if zone is not None:
        if not -120 <= zone <= 120 or zone == 0:
            raise InputError(f"--zone {zone}: a 3° zone is 1 to 120 (China: 25 to 45)")
        zones = np.full(len(frame), world_zone(zone))
    else:
        b = shapely.bounds(frame["geometry"].to_numpy())
        zones = np.array([world_zone(z) for z in gk3_zone((b[:, 0] + b[:, 2]) / 2)], dtype=int)
    written = []
    unique = sorted(set(zones.tolist()))
    for z in unique:
        part = frame[zones == z]
        target = path if len(unique) == 1 else path.with_name(f"{path.stem}_zone{z}{path.suffix}")
        text = boundary_txt_text(part, int(z)).replace("\n", "\r\n")
        target.write_bytes(text.encode(codec))
        written.append((target, int(z), len(part)))
    return written
