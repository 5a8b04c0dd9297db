"""A Mapbox Vector Tile of one layer from rows with lon/lat geometries, encoded by
mapbox-vector-tile: what PostGIS's ST_AsMVT does in SQL, for SpatiaLite and for the
pmtiles archive.

The shapes are clipped to the tile's buffered box, simplified by one tile unit (for
polygons), moved onto the tile's 4096-unit grid and rounded to whole units (a polygon
that collapses there is left out, as ST_AsMVTGeom leaves it), and their rings turned
the way the MVT spec wants: all vectorised in shapely and numpy, so the encoder's
own per-shape checks are switched off (they cost more than the rest together)."""

from __future__ import annotations

import gzip

import mapbox_vector_tile
import numpy as np
import shapely

from landbank.domain.tiles import EXTENT, HALF_WORLD_M, Tile

OPTIONS = {
    "extents": EXTENT,
    "quantize_bounds": None,
    "y_coord_down": False,
    "check_winding_order": False,  # done below for every shape at once
}


def _tile_units(geoms: np.ndarray, tile: Tile) -> np.ndarray:
    """Lon/lat geometries → the tile's grid (x east, y north, 0..EXTENT inside)."""
    west, south, east, north = tile.mercator_bounds()
    scale = EXTENT / (east - west)

    def to_units(xy: np.ndarray) -> np.ndarray:
        mx = xy[:, 0] * (HALF_WORLD_M / 180.0)
        lat = np.radians(np.clip(xy[:, 1], -85.0511287798066, 85.0511287798066))
        my = np.log(np.tan(np.pi / 4 + lat / 2)) * 6378137.0
        return np.rint(np.column_stack([(mx - west) * scale, (my - south) * scale]))

    return shapely.transform(geoms, to_units)


def encode(layer: str, rows: list[dict], tile: Tile, geometry: str = "wkb") -> bytes:
    """The tile ``tile`` of ``layer`` holding ``rows`` (each a dict of properties and
    its lon/lat shape under ``geometry``: WKB bytes or a shapely geometry); None values
    are left out of a feature's properties. b"" when no shape is left in the tile."""
    if not rows:
        return b""
    shapes = [r[geometry] for r in rows]
    geoms = (
        shapely.from_wkb([bytes(s) for s in shapes])
        if shapes and isinstance(shapes[0], bytes | memoryview)
        else np.asarray(shapes, dtype=object)
    )
    geoms = shapely.clip_by_rect(geoms, *tile.buffered_bounds())
    polygons = shapely.get_type_id(geoms) >= 3
    geoms[polygons] = shapely.simplify(geoms[polygons], tile.tolerance_deg())
    geoms = _tile_units(geoms, tile)
    polygons = shapely.get_type_id(geoms) >= 3
    geoms[polygons & (shapely.area(geoms) == 0)] = None  # collapsed on the grid
    # exteriors clockwise with y up (counter-clockwise on the y-down grid of the spec)
    geoms[polygons] = shapely.orient_polygons(geoms[polygons], exterior_cw=True)
    features = []
    for row, shape in zip(rows, geoms, strict=True):
        if shape is None or shape.is_empty:
            continue
        props = {k: v for k, v in row.items() if k != geometry and v is not None}
        features.append({"geometry": shape, "properties": props})
    if not features:
        return b""
    return mapbox_vector_tile.encode(
        [{"name": layer, "features": features}], default_options=OPTIONS
    )


def gzipped(data: bytes) -> bytes:
    """``data`` gzipped as a .pmtiles archive holds its tiles (no time stamp inside:
    one tile gives one archive byte for byte)."""
    return gzip.compress(data, compresslevel=6, mtime=0)
