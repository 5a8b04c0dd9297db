"""Parcel areas in mu, computed on the plane of the parcel's CGCS2000 3° Gauss-Krüger zone.

Areas are never taken in degrees: each geometry (EPSG:4490 lon/lat) is projected
onto the transverse Mercator of its own 3° zone (central meridian 3 × zone, GRS80,
scale 1), the plane a bureau's surveys are drawn on, and measured there.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

M2_PER_MU = 10000 / 15
MU_PER_HECTARE = 15
AREA_BLOCK = 100_000  # geometries projected at a time


def gk3_zone(lon: np.ndarray) -> np.ndarray:
    """Returns the 3° Gauss-Krüger zone number for each longitude: round(lon / 3)."""
    return np.rint(np.asarray(lon, dtype=float) / 3.0).astype(int)


@lru_cache(maxsize=64)
def _to_gk3(zone: int) -> Transformer:
    proj = f"+proj=tmerc +lat_0=0 +lon_0={3 * zone} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m"
    return Transformer.from_crs("EPSG:4490", proj, always_xy=True)


def project_to_gk3(geoms: np.ndarray, zone: int) -> np.ndarray:
    """Returns the geometries (lon/lat) projected onto the plane of 3° zone ``zone``."""
    tr = _to_gk3(int(zone))

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fwd)


def unproject_from_gk3(geoms: np.ndarray, zone: int) -> np.ndarray:
    """Returns plane geometries of 3° zone ``zone`` back in lon/lat (EPSG:4490)."""
    tr = _to_gk3(int(zone))

    def back(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack([x, y])

    return shapely.transform(geoms, back)


def area_mu(geoms: np.ndarray) -> np.ndarray:
    """Returns the area in mu of each lon/lat (EPSG:4490) geometry, measured in its 3° zone.

    Reads an array of shapely geometries; returns float64, NaN for a missing geometry.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), np.nan)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return out
    # The zone of a parcel is that of its bounding-box centre: cheap and stable.
    bounds = shapely.bounds(geoms[present])
    zones = gk3_zone((bounds[:, 0] + bounds[:, 2]) / 2)
    idx = np.flatnonzero(present)
    for zone in np.unique(zones):
        in_zone = idx[zones == zone]
        # a block at a time: the projected copies of a million parcels would hold ~0.5 GB
        for at in range(0, len(in_zone), AREA_BLOCK):
            sel = in_zone[at : at + AREA_BLOCK]
            out[sel] = shapely.area(project_to_gk3(geoms[sel], zone)) / M2_PER_MU
    return out


def area_mismatch(area: np.ndarray, recorded: np.ndarray, tolerance: float = 0.05) -> np.ndarray:
    """Returns True where the recorded area differs from the computed one by more than
    ``tolerance`` (a share of the computed area); False where either is missing."""
    area = np.asarray(area, dtype=float)
    recorded = np.asarray(recorded, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(recorded - area) / area
    return np.nan_to_num(rel, nan=0.0) > tolerance
