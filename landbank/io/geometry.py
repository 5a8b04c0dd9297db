"""Checks and normalises parcel geometries: present, polygonal, valid, 2-D, multi."""

from __future__ import annotations

import numpy as np
import shapely

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
