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
from dataclasses import dataclass, field
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


def looks_like_boundary_txt(path: Path) -> bool:
    """True when the file holds a ``[地块坐标]`` section, whatever its suffix."""
    try:
        head = Path(path).read_bytes()[:65536]
    except OSError:
        return False
    return SECTION_COORDS.encode("utf-8") in head or SECTION_COORDS.encode("gb18030") in head


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
    points: list[tuple[int, str, float, float]] = field(default_factory=list)  # line, ring, x, y


@dataclass
class BoundaryFile:
    """The parcels of a boundary file: canonical columns, plane geometries, their CRS."""

    frame: pd.DataFrame  # code, name, recorded_area_mu, land_use, geometry
    crs: CRS
    zone: int
    labels: list[str]  # "line N" of each parcel's parcel line
    warnings: list[str]


def read_boundary_txt(path: Path, swap_xy: bool = False) -> BoundaryFile:
    """Reads a boundary coordinate file; raises InputError naming the line and the fix."""
    path = Path(path)
    name = path.name
    text = decode(path.read_bytes(), name)
    header, parcels = _parse(text, name)
    warnings: list[str] = []
    if not parcels:
        raise InputError(
            f"{name}: no parcel lines under {SECTION_COORDS}; the file holds no parcels"
        )
    kept, skipped = [], []
    for p in parcels:
        shape = _field(p.fields, 4)
        (kept if shape in ("面", "") else skipped).append(p)
    if skipped:
        warnings.append(
            f"{len(skipped)} features that are not polygons (点/线) skipped: lines "
            + ", ".join(str(p.line) for p in skipped[:10])
        )
    if not kept:
        raise InputError(f"{name}: no polygon (面) parcels; only 点/线 features")
    for p in kept:
        if not p.points:
            raise InputError(
                f"{name} line {p.line}: parcel line without points; add its J1,1,X,Y lines below it"
            )
    x = np.array([pt[2] for p in kept for pt in p.points])
    y = np.array([pt[3] for p in kept for pt in p.points])
    if swap_xy:
        x, y = y, x
        kept = [_swapped(p) for p in kept]
    _check_axes(x, y, kept, name)
    crs, zone, more = _crs(header, y, name, kept)
    warnings += more
    rows, labels, fallback = [], [], 0
    for seq, p in enumerate(kept, start=1):
        code, name_field = _field(p.fields, 2), _field(p.fields, 3)
        if not code:
            code = name_field or f"{path.stem}-{seq}"
            fallback += 1
        rows.append(
            {
                "code": code,
                "name": name_field or None,
                "recorded_area_mu": _area_mu(p, name),
                "land_use": _field(p.fields, 7) or _field(p.fields, 6) or None,
                "geometry": _geometry(p, name),
            }
        )
        labels.append(f"line {p.line}")
    if fallback:
        warnings.append(
            f"{fallback} parcels have no code: the name (or file name and "
            "sequence) stands in for it"
        )
    return BoundaryFile(pd.DataFrame(rows), crs, zone, labels, warnings)


def _field(fields: list[str], i: int) -> str:
    return fields[i].strip() if i < len(fields) else ""


def _parse(text: str, name: str) -> tuple[dict[str, str], list[_Parcel]]:
    header: dict[str, str] = {}
    parcels: list[_Parcel] = []
    section = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            if line not in (SECTION_ATTRS, SECTION_COORDS):
                raise InputError(
                    f"{name} line {no}: unknown section {line}; a boundary file "
                    f"has {SECTION_ATTRS} and {SECTION_COORDS}"
                )
            section = line
            continue
        bad = FULL_WIDTH.search(line)
        if bad:
            raise InputError(
                f"{name} line {no}: full-width character {bad.group()!r}; "
                "write ASCII commas, digits and points"
            )
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
        elif len(fields) == 4:
            if not parcels:
                raise InputError(
                    f"{name} line {no}: a point before any parcel line; put the "
                    "parcel line (…,@) above its points"
                )
            parcels[-1].points.append(_point(fields, no, name))
        elif len(fields) >= 5:
            raise InputError(f"{name} line {no}: parcel line without @ at its end; end it with ,@")
        else:
            raise InputError(
                f"{name} line {no}: neither a parcel line (…,@) nor a point line "
                "(J1,1,X,Y); check the line"
            )
    return header, parcels


def _point(fields: list[str], no: int, name: str) -> tuple[int, str, float, float]:
    ring = fields[1].strip() or "1"
    try:
        x, y = float(fields[-2]), float(fields[-1])
    except ValueError:
        raise InputError(
            f"{name} line {no}: {fields[-2].strip()!r} or {fields[-1].strip()!r} "
            "is not a coordinate; write numbers such as 3853189.181"
        ) from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise InputError(f"{name} line {no}: coordinate is not finite; write real numbers")
    return no, ring, x, y


def _swapped(p: _Parcel) -> _Parcel:
    return _Parcel(p.line, p.fields, [(n, r, y, x) for n, r, x, y in p.points])


def _check_axes(x: np.ndarray, y: np.ndarray, parcels: list[_Parcel], name: str) -> None:
    """X must be northings (2.0e6–5.9e6) and Y eastings; otherwise they are swapped."""
    x_north = (x >= NORTHING[0] * 0.75) & (x <= NORTHING[1] * 1.05)
    y_north = (y >= NORTHING[0] * 0.75) & (y <= NORTHING[1] * 1.05)
    if not x_north.all() and y_north.all():
        raise InputError(
            f"{name} line {parcels[0].points[0][0]}: X and Y look swapped "
            f"(X {x[0]:.3f} is no northing, Y {y[0]:.3f} is); X is the northing: "
            "pass --swap-xy"
        )
    if not x_north.all():
        i = int(np.flatnonzero(~x_north)[0])
        line = [pt[0] for p in parcels for pt in p.points][i]
        raise InputError(
            f"{name} line {line}: X {x[i]:.3f} is no northing in China "
            "(2,000,000–5,900,000 m); check the coordinate"
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


def _crs(
    header: dict[str, str], eastings: np.ndarray, name: str, parcels
) -> tuple[CRS, int, list[str]]:
    """The CRS from the header and the eastings' zone prefix (which must agree)."""
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
    prefixed = bool((eastings >= 1e7).all())
    if (eastings >= 1e7).any() and not prefixed:
        raise InputError(
            f"{name}: some eastings carry a zone prefix and some do not; "
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
                f"{name} line {parcels[0].points[0][0]}: no zone: 带号 is empty "
                "and the eastings carry no zone prefix; fill in 带号"
            )
        zone = header_zone
    width = int(width_text) if width_text else (6 if zone in ZONES[6] else 3)
    if zone not in ZONES[width]:
        raise InputError(
            f"{name}: zone {zone} is no {width}° Gauss-Krüger zone of China "
            f"({ZONES[width].start}–{ZONES[width].stop - 1}); check 带号 and "
            "几度分带"
        )
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


def _geometry(p: _Parcel, name: str):
    """Polygon parts and holes from the rings: the biggest rings are shells, a ring inside
    a shell is its hole (an island inside a hole is a shell again)."""
    rings: dict[str, list[tuple[int, float, float]]] = {}
    for no, ring, x, y in p.points:
        rings.setdefault(ring, []).append((no, y, x))  # plane order: easting, northing
    polys = []
    for pts in rings.values():
        coords = [(e, n) for _, e, n in pts]
        if len(set(coords)) < 3:
            raise InputError(
                f"{name} line {pts[0][0]}: a ring with fewer than 3 distinct "
                "points; a parcel's boundary needs at least 3"
            )
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        polys.append((shapely.Polygon(coords), pts[0][0]))
    polys.sort(key=lambda item: -abs(item[0].area))
    shells: list[list] = []  # [shell polygon, [hole polygons]]
    for poly, _ in polys:
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
    parts = [
        shapely.Polygon(s[0].exterior.coords, [h.exterior.coords for h in s[1]]) for s in shells
    ]
    return shapely.MultiPolygon(parts)


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
    points = pd.DataFrame(
        {
            "id": np.char.add("J", point_no.astype(str)),
            "ring": ring_no[coord_ring],
            "x": coords[:, 1],
            "y": coords[:, 0] + zone * 1_000_000,
        }
    )
    lines = points.to_csv(
        header=False, index=False, float_format="%.3f", lineterminator="\n"
    ).splitlines()
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
        zones = np.full(len(frame), zone)
    else:
        b = shapely.bounds(frame["geometry"].to_numpy())
        zones = gk3_zone((b[:, 0] + b[:, 2]) / 2)
    written = []
    unique = sorted(set(zones.tolist()))
    for z in unique:
        part = frame[zones == z]
        target = path if len(unique) == 1 else path.with_name(f"{path.stem}_zone{z}{path.suffix}")
        text = boundary_txt_text(part, int(z)).replace("\n", "\r\n")
        target.write_bytes(text.encode(codec))
        written.append((target, int(z), len(part)))
    return written
