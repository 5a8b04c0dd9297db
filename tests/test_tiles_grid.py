"""The tile grid of domain/tiles.py: WebMercatorQuad's boxes, the tile of a point, the
generalisation by zoom. Pure arithmetic, checked against known tiles and by property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbank.domain.tiles import (
    HALF_WORLD_M,
    MAX_LAT,
    Tile,
    check_tile,
    tile_of,
    tiles_over,
    to_lonlat,
)


def test_the_world_tile_and_a_known_tile():
    assert Tile(0, 0, 0).bounds() == pytest.approx((-180, -MAX_LAT, 180, MAX_LAT))
    assert Tile(0, 0, 0).mercator_bounds() == pytest.approx(
        (-HALF_WORLD_M, -HALF_WORLD_M, HALF_WORLD_M, HALF_WORLD_M)
    )
    # Zaozhuang's 市中区 at z10 (as every slippy map numbers it)
    assert tile_of(117.55, 34.86, 10) == Tile(10, 846, 406)
    assert Tile(1, 1, 0).bounds()[:2] == pytest.approx((0.0, 0.0))


@given(
    st.floats(-179.999, 179.999),
    st.floats(-85.0, 85.0),
    st.integers(0, 22),
)
def test_a_point_lies_in_its_tile_and_the_tile_in_its_parent(lon, lat, z):
    t = tile_of(lon, lat, z)
    west, south, east, north = t.bounds()
    assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
    mx0, my0, mx1, my1 = t.mercator_bounds()
    assert to_lonlat(mx0, my0) == pytest.approx((west, south), abs=1e-9)
    assert to_lonlat(mx1, my1) == pytest.approx((east, north), abs=1e-9)
    if z < 22:
        assert tile_of(lon, lat, z + 1) in t.children()


def test_no_tile_outside_the_grid():
    assert check_tile(3, 7, 7) == Tile(3, 7, 7)
    for z, x, y in ((-1, 0, 0), (23, 0, 0), (3, 8, 0), (3, 0, 8), (3, -1, 0)):
        assert check_tile(z, x, y) is None


def test_low_zooms_generalise_more():
    t8, t14 = tile_of(117.5, 34.8, 8), tile_of(117.5, 34.8, 14)
    assert t8.min_area_m2() > 15_000 > 10_000 > 10 > t14.min_area_m2()
    assert t8.tolerance_deg() == pytest.approx(t14.tolerance_deg() * 64)
    assert not t8.detailed and t14.detailed


def test_the_tiles_over_a_box_cover_it_once():
    box = (117.1, 34.6, 117.8, 35.1)
    found = list(tiles_over(box, 11))
    assert len(found) == len(set(found))
    xs, ys = {t.x for t in found}, {t.y for t in found}
    assert len(found) == len(xs) * len(ys)
    corners = [tile_of(117.1, 35.1, 11), tile_of(117.8, 34.6, 11)]
    assert all(c in found for c in corners)
