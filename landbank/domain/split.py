"""Cutting a parcel in two along its long axis, for a partial disposal (分割处置)."""

from __future__ import annotations

import math

import shapely
from shapely.affinity import rotate


def long_axis_angle(geom) -> float:
    """The angle (degrees) of the long side of the geometry's minimum rotated rectangle."""
    rect = shapely.minimum_rotated_rectangle(geom)
    xs, ys = rect.exterior.coords.xy
    sides = [((xs[i + 1] - xs[i]), (ys[i + 1] - ys[i])) for i in range(2)]
    dx, dy = max(sides, key=lambda s: s[0] ** 2 + s[1] ** 2)
    return math.degrees(math.atan2(dy, dx))


def cut_by_area(plane_geom, first_share: float, tolerance: float = 1e-6):
    """Cuts a polygon (on a plane in metres) across its long axis so that the first
    piece holds ``first_share`` of the area. Returns (first, rest)."""
    if not 0 < first_share < 1:
        raise ValueError("the share to cut off lies strictly between 0 and 1")
    angle = long_axis_angle(plane_geom)
    centre = plane_geom.centroid
    flat = rotate(plane_geom, -angle, origin=centre)  # long axis along x
    minx, miny, maxx, maxy = flat.bounds
    target = flat.area * first_share
    lo, hi = minx, maxx
    for _ in range(100):
        mid = (lo + hi) / 2
        piece = flat.intersection(shapely.box(minx - 1, miny - 1, mid, maxy + 1))
        if abs(piece.area - target) <= tolerance * flat.area:
            break
        lo, hi = (mid, hi) if piece.area < target else (lo, mid)
    cut = shapely.box(minx - 1, miny - 1, mid, maxy + 1)
    first = rotate(flat.intersection(cut), angle, origin=centre)
    rest = rotate(flat.difference(cut), angle, origin=centre)
    return first, rest
