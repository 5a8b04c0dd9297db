"""``domain.tile_overview.picks`` against the plain way, tile by tile: for every tile of
a zoom, the parcels whose box meets its buffered box and reach its smallest area, the
largest first (ties in the order given), at most a few. Random boxes over a city, some
on tile edges; and the rule of when the overview is stale. No database."""

from __future__ import annotations

import numpy as np
import pytest

from landbank.domain.area import M2_PER_MU
from landbank.domain.tile_overview import is_stale, picks
from landbank.domain.tiles import Tile, tiles_over


def _plain(minx, miny, maxx, maxy, area, z, most):
    chosen = {}
    # a tile beside the parcels' bounds may still catch some in its buffer
    pad = 360 / 2**z
    bounds = (minx.min() - pad, miny.min() - pad, maxx.max() + pad, maxy.max() + pad)
    for t in tiles_over(bounds, z):
        w, s, e, n = t.buffered_bounds()
        least = t.min_area_m2() / M2_PER_MU
        hits = [
            i
            for i in range(len(minx))
            if minx[i] <= e and maxx[i] >= w and miny[i] <= n and maxy[i] >= s and area[i] >= least
        ]
        hits.sort(key=lambda i: (-area[i], i))
        if hits:
            chosen[(t.x, t.y)] = hits[:most]
    return chosen


@pytest.mark.parametrize("z", [8, 9, 10, 11])
def test_the_choice_of_every_tile_is_the_plain_ways(z):
    rng = np.random.default_rng(z)
    n = 3000
    lon = rng.uniform(116.9, 118.1, n)
    lat = rng.uniform(34.4, 35.4, n)
    # some boxes start exactly on a tile's buffered edge
    w, s, e, nn = Tile(10, 843, 406).buffered_bounds()
    lon[:20], lat[20:40] = w, s
    size = rng.uniform(0.0005, 0.01, n)
    area = np.round(rng.uniform(1, 400, n), 1)  # ties
    minx, miny, maxx, maxy = lon, lat, lon + size, lat + size * 0.8
    x, y, row = picks(minx, miny, maxx, maxy, area, z, most=7)
    got: dict = {}
    for xi, yi, r in zip(x.tolist(), y.tolist(), row.tolist(), strict=True):
        got.setdefault((xi, yi), []).append(r)
    assert got == _plain(minx, miny, maxx, maxy, area, z, 7)


def test_stale_past_one_percent_of_the_parcels_it_was_built_from():
    assert is_stale(None, 0)
    assert not is_stale(1000, 10) and is_stale(1000, 11)
    assert not is_stale(40, 0) and is_stale(40, 1)
