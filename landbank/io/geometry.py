"""Checks and normalises parcel geometries: present, polygonal, valid, 2-D, multi."""

from __future__ import annotations

import struct

import numpy as np
import shapely
import shapely.errors

from landbank.errors import InputError


def to_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Returns each geometry's polygons as one 2-D MultiPolygon (None where it has none)."""
    geoms = np.asarray(geoms, dtype=object)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    types = shapely.get_type_id(geoms)
    if (types == 6).all():
        return geoms
    if (types == 3).all():
        return shapely.multipolygons(geoms, indices=np.arange(len(geoms)))
    parts, idx = shapely.get_parts(geoms, return_index=True)
    # make_valid may return a collection: flatten once more, keep the polygons.
    sub, sub_idx = shapely.get_parts(parts, return_index=True)
    idx = idx[sub_idx]
    keep = shapely.get_type_id(sub) == 3
    out = np.full(len(geoms), None, dtype=object)
    has = np.bincount(idx[keep], minlength=len(geoms)) > 0
    if has.any():
        rows = np.flatnonzero(has)
        compact = np.searchsorted(rows, idx[keep])
        out[rows] = shapely.multipolygons(sub[keep], indices=compact)
    return out


def check_geometries(geoms: np.ndarray, where: str, label, repair: bool) -> tuple[np.ndarray, int]:
    """Returns (MultiPolygons, number repaired).

    Raises InputError for a missing or empty geometry, a point or line, and an invalid
    polygon (with GEOS's reason) unless ``repair``, which applies make_valid and keeps
    the polygonal parts.
    """
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _first(missing, where, label, "is missing or empty", "every parcel needs a polygon")
    types = shapely.get_type_id(geoms)
    wrong = ~np.isin(types, [3, 6])
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        _first(
            wrong,
            where,
            label,
            f"is a {geoms[i].geom_type}",
            "parcels must be Polygon or MultiPolygon",
        )
    valid = shapely.is_valid(geoms)
    repaired = 0
    if not valid.all():
        bad = np.flatnonzero(~valid)
        if not repair:
            i = int(bad[0])
            reason = shapely.is_valid_reason(geoms[i])
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise InputError(
                f"{where} {label(i)}, geometry: invalid ({reason}){more}; "
                "fix it in GIS, or pass --repair to apply make_valid"
            )
        fixed = shapely.make_valid(geoms[bad])
        geoms = geoms.copy()
        geoms[bad] = fixed
        repaired = len(bad)
    multi = to_multipolygons(geoms)
    empty = shapely.is_missing(multi) | shapely.is_empty(multi) | (shapely.area(multi) <= 0)
    _first(empty, where, label, "has no area", "draw the parcel as a polygon")
    return multi, repaired


def _first(mask: np.ndarray, where: str, label, what: str, fix: str) -> None:
    idx = np.flatnonzero(mask)
    if len(idx):
        more = f" (and {len(idx) - 1} more)" if len(idx) > 1 else ""
        raise InputError(f"{where} {label(int(idx[0]))}, geometry: {what}{more}; {fix}")


# Geometries GEOS refuses to build from WKB (a ring of fewer than 3 distinct points,
# e.g. OSM footprints exported by ogr2ogr): read ring by ring, mend by dropping such
# rings. WKB layout per OGC SFA / ISO 13249-3; EWKB flags as PostGIS writes them.
NO_RING = "ring with fewer than 3 distinct points"


def from_wkb(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (geometries, degenerate, unreadable) for an array of WKB (None allowed).

    ``degenerate`` marks rows GEOS refused for a ring of fewer than 3 distinct points:
    their geometry is the mended one (such rings dropped; empty when nothing is left).
    ``unreadable`` marks WKB that cannot be decoded at all (geometry None).
    """
    wkb = np.asarray(wkb, dtype=object)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    present = np.array([b is not None for b in wkb], dtype=bool)
    refused = np.flatnonzero(present & shapely.is_missing(geoms))
    degenerate = np.zeros(len(wkb), dtype=bool)
    unreadable = np.zeros(len(wkb), dtype=bool)
    for i in refused:
        try:
            mended, dropped = _mend(bytes(wkb[i]))
        except (ValueError, struct.error, shapely.errors.ShapelyError):  # damaged bytes
            mended, dropped = None, 0
        if mended is None:
            unreadable[i] = True
        else:  # no ring dropped: only unclosed rings, closed as GDAL would
            geoms[i] = mended
            degenerate[i] = dropped > 0
    return geoms, degenerate, unreadable


def _mend(data: bytes) -> tuple[object, int]:
    """(the polygonal geometry of ``data`` without degenerate rings, rings dropped)."""
    reader = _Wkb(data)
    polygons, dropped = reader.polygons()
    if reader.pos != len(data):
        raise ValueError("trailing bytes")
    kept = [p for p in polygons if p is not None]
    if not kept:
        return shapely.MultiPolygon(), dropped
    return (kept[0] if len(polygons) == 1 else shapely.MultiPolygon(kept)), dropped


class _Wkb:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def _take(self, fmt: str):
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def _header(self) -> tuple[str, int, int]:
        (order,) = self._take("B")
        if order not in (0, 1):
            raise ValueError("bad byte order")
        end = "<" if order == 1 else ">"
        (code,) = self._take(end + "I")
        dims = 2 + bool(code & 0x80000000) + bool(code & 0x40000000)
        if code & 0x20000000:  # EWKB SRID
            self._take(end + "I")
        code &= 0x0FFFFFFF
        if code // 1000 > 3:
            raise ValueError(f"geometry type {code} is not known")
        dims += (0, 1, 1, 2)[code // 1000]
        return end, code % 1000, dims

    def polygons(self, depth: int = 0) -> tuple[list, int]:
        if depth > 8:
            raise ValueError("collections nested too deep")
        end, kind, dims = self._header()
        if kind == 3:
            polygon, dropped = self._polygon(end, dims)
            return [polygon], dropped
        if kind in (6, 7):
            (n,) = self._take(end + "I")
            out, dropped = [], 0
            for _ in range(n):
                parts, d = self.polygons(depth + 1)
                out += parts
                dropped += d
            return out, dropped
        raise ValueError(f"geometry type {kind} is not polygonal")

    def _polygon(self, end: str, dims: int):
        (n_rings,) = self._take(end + "I")
        rings, dropped = [], 0
        for _ in range(n_rings):
            (n,) = self._take(end + "I")
            if n * dims * 8 > len(self.data) - self.pos:
                raise ValueError("ring longer than the data")
            xy = np.frombuffer(self.data, end + "f8", n * dims, self.pos).reshape(n, dims)[:, :2]
            self.pos += n * dims * 8
            if len(np.unique(xy, axis=0)) < 3 or not np.isfinite(xy).all():
                dropped += 1
                rings.append(None)
            else:
                rings.append(xy if (xy[0] == xy[-1]).all() else np.vstack([xy, xy[:1]]))
        if not rings or rings[0] is None:  # no outer ring left: the polygon goes
            return None, dropped
        return shapely.Polygon(rings[0], [r for r in rings[1:] if r is not None]), dropped
