"""Which parcels a low-zoom tile shows, decided ahead for every tile at once (what
tippecanoe does when it drops the densest features): for each tile of a zoom in
OVERVIEW_ZOOMS, the MAX_FEATURES largest parcels whose box meets the tile's buffered
box and whose area reaches the tile's smallest kept one, ties by code. The same choice
``db.tiles`` makes for one tile by sorting what its box holds, made here for a whole
zoom in one sort of arrays; and the rule of when that choice is too old to serve.
Pure arithmetic on arrays."""

from __future__ import annotations

import numpy as np

from landbank.domain import tiles as grid
from landbank.domain.area import M2_PER_MU
from landbank.domain.tiles import BUFFER, EXTENT, HALF_WORLD_M, Tile

# the zooms whose tiles are read from the overview: below them no tile meets a city
# alone (and the map never zooms out past z8), from z12 a tile's box holds few enough
# parcels to sort them when asked (p95 under 40 ms at 10⁶ on PostGIS)
OVERVIEW_ZOOMS = range(8, 12)
# the overview is built again when more parcels than this share of those it was built
# from have a new shape or are new (a parcel retired, or whose category, status or
# other field changed, needs nothing: the tile joins the parcel's live row)
STALE_SHARE = 0.01


def is_stale(built_from: int | None, changed: int) -> bool:
    """Whether an overview built from ``built_from`` current parcels (None: never
    built) is to be built again, ``changed`` parcels having since got a new shape or
    been added."""
    if built_from is None:
        return True
    return changed > int(built_from * STALE_SHARE)


def stale_limit(built_from: int) -> int:
    """The most changed parcels an overview built from ``built_from`` parcels stands:
    a count of changes may stop one beyond it."""
    return int(built_from * STALE_SHARE)


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    lat = np.radians(np.clip(lat, -85.0511287798066, 85.0511287798066))
    return np.log(np.tan(np.pi / 4 + lat / 2)) * 6378137.0


def _lat(my: np.ndarray) -> np.ndarray:
    return np.degrees(2 * np.arctan(np.exp(my / 6378137.0)) - np.pi / 2)


def _float_down(v: np.ndarray) -> np.ndarray:
    f = v.astype(np.float32)
    return np.where(f > v, np.nextafter(f, np.float32(-np.inf)), f).astype(float)


def _float_up(v: np.ndarray) -> np.ndarray:
    f = v.astype(np.float32)
    return np.where(f < v, np.nextafter(f, np.float32(np.inf)), f).astype(float)


def largest_first(area_mu: np.ndarray) -> np.ndarray:
    """The rows of parcels given in code order, largest first and ties in code order:
    the order in which a tile keeps them."""
    return np.lexsort((np.arange(len(area_mu)), -area_mu))


def picks(
    minx: np.ndarray,
    miny: np.ndarray,
    maxx: np.ndarray,
    maxy: np.ndarray,
    area_mu: np.ndarray,
    z: int,
    most: int | None = None,
    float_query: bool = False,
    order: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tiles of zoom ``z`` and the parcels each shows: parcels given by their
    lon/lat boxes and areas, in code order (a tie of areas goes to the earlier;
    ``order``: their ``largest_first``, if known). ``float_query``: the tile's box is
    rounded outwards to float32 before the test (as PostGIS's && rounds it). Returns
    (x, y, row) arrays, one entry per tile and parcel it shows, at most ``most``
    (MAX_FEATURES) per tile, ordered by x, y and then largest first."""
    most = grid.MAX_FEATURES if most is None else most
    order = largest_first(area_mu) if order is None else order
    n = 2**z
    size = 2 * HALF_WORLD_M / n
    pad = size * BUFFER / EXTENT
    # the tiles whose buffered box a parcel's box may meet (widened by a thousandth of
    # a tile for rounding, float32's included; checked exactly below)
    slack = 1e-3

    def span(lo, hi):
        first = np.clip(np.floor(lo / size - slack), 0, n - 1).astype(np.int64)
        return first, np.clip(np.floor(hi / size + slack), 0, n - 1).astype(np.int64)

    x_lo, x_hi = span(
        minx * (HALF_WORLD_M / 180.0) + HALF_WORLD_M - pad,
        maxx * (HALF_WORLD_M / 180.0) + HALF_WORLD_M + pad,
    )
    y_lo, y_hi = span(
        HALF_WORLD_M - pad - _mercator_y(maxy), HALF_WORLD_M + pad - _mercator_y(miny)
    )
    # a tile's smallest parcel depends on its latitude: none below the least of them
    ys = np.arange(y_lo.min(), y_hi.max() + 1) if len(y_lo) else np.zeros(0, np.int64)
    least = np.array([Tile(z, 0, int(t)).min_area_m2() / M2_PER_MU for t in ys])
    if len(ys):
        order = order[area_mu[order] >= least.min()]
    nx, ny = (x_hi - x_lo + 1)[order], (y_hi - y_lo + 1)[order]
    count = nx * ny
    row = np.repeat(order, count)  # largest first
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    x = x_lo[row] + k % np.repeat(nx, count)
    y = y_lo[row] + k // np.repeat(nx, count)
    # the exact test of db.tiles: the parcel's box meets the tile's buffered lon/lat box
    xs = np.arange(x.min(), x.max() + 1) if len(x) else np.zeros(0, np.int64)
    west = -HALF_WORLD_M + xs * size
    b_west, b_east = (west - pad) / HALF_WORLD_M * 180.0, (west + size + pad) / HALF_WORLD_M * 180.0
    north = HALF_WORLD_M - ys * size
    b_south, b_north = _lat(north - size - pad), _lat(north + pad)
    if float_query:
        b_west, b_south = _float_down(b_west), _float_down(b_south)
        b_east, b_north = _float_up(b_east), _float_up(b_north)
    i, j = (x - xs[0], y - ys[0]) if len(x) else (x, y)
    meets = (minx[row] <= b_east[i]) & (maxx[row] >= b_west[i])
    meets &= (miny[row] <= b_north[j]) & (maxy[row] >= b_south[j])
    # and reaches the tile's smallest parcel
    meets &= area_mu[row] >= least[j]
    x, y, row = x[meets], y[meets], row[meets]
    # per tile (stable: largest first within it); the first ``most`` of each tile
    key = x * n + y
    by_tile = np.argsort(key, kind="stable")
    x, y, row, key = x[by_tile], y[by_tile], row[by_tile], key[by_tile]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
    rank = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    kept = rank < most
    return x[kept], y[kept], row[kept]
