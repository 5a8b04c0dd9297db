"""The tile grid of the tiled maps: OGC's WebMercatorQuad (the z/x/y of web maps),
each tile's box in lon/lat and in Web Mercator metres, and how much a tile of zoom z
generalises: the simplification tolerance and the smallest parcel it keeps, both from
the size of one of its pixels. Pure arithmetic on numbers.

Stored geometries are EPSG:4490 (CGCS2000), within centimetres of WGS 84: their lon/lat
are taken as WGS 84's, as every web map does."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

EXTENT = 4096  # units across a tile, as ST_AsMVT and mapbox-vector-tile default
DISPLAY_PX = 512  # MapLibre's width of a vector tile on screen
BUFFER = 64  # units around a tile that its features still cover (no seams at edges)
MAX_ZOOM = 22  # the deepest tile served; beyond, a client overzooms
MAX_LAT = 85.0511287798066  # Web Mercator's edge
HALF_WORLD_M = 20037508.342789244  # pi * 6378137: half the world's width in Web Mercator
# the most features a tile below DETAIL_ZOOM holds: where more meet it (a low zoom over
# a city), the largest are kept. A tile is then drawn in tens of milliseconds and weighs some
# hundred KB, and the smaller parcels come back as one zooms in
MAX_FEATURES = 1500
# from this zoom a parcel's tile carries every field its popup shows; below, only its
# code, category and disposal status (what colours it): a tile of z10 holds tens of
# thousands of parcels, and each zoom below would repeat every name
DETAIL_ZOOM = 14
# the pmtiles archive's zooms: z8 shows a prefecture; beyond z14 (a grid of half a
# metre) MapLibre overzooms
ARCHIVE_ZOOMS = (8, 14)


@dataclass(frozen=True)
class Tile:
    """One tile of WebMercatorQuad: x from the west, y from the north."""

    z: int
    x: int
    y: int

    def mercator_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in Web Mercator metres (EPSG:3857)."""
        size = 2 * HALF_WORLD_M / 2**self.z
        west = -HALF_WORLD_M + self.x * size
        north = HALF_WORLD_M - self.y * size
        return west, north - size, west + size, north

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of longitude and latitude."""
        n = 2**self.z
        return (
            self.x / n * 360.0 - 180.0,
            _lat(self.y + 1, n),
            (self.x + 1) / n * 360.0 - 180.0,
            _lat(self.y, n),
        )

    def buffered_bounds(self) -> tuple[float, float, float, float]:
        """``bounds`` widened by BUFFER units on every side (what the tile covers)."""
        w, s, e, n = self.mercator_bounds()
        pad = (e - w) * BUFFER / EXTENT
        return (*to_lonlat(w - pad, s - pad), *to_lonlat(e + pad, n + pad))

    def pixel_m(self) -> float:
        """The ground size of one of its display pixels at its centre, in metres
        (MapLibre draws a vector tile DISPLAY_PX wide)."""
        lat = math.radians((self.bounds()[1] + self.bounds()[3]) / 2)
        return 2 * HALF_WORLD_M * math.cos(lat) / 2**self.z / DISPLAY_PX

    def tolerance_deg(self) -> float:
        """How far a vertex may move when the tile is simplified: one tile unit, in
        degrees of longitude (what the tile's grid could not show anyway)."""
        return 360.0 / 2**self.z / EXTENT

    def min_area_m2(self) -> float:
        """The smallest parcel the tile keeps: a square half a display pixel wide (a
        smaller one would draw as a speck; at z8, about 16,000 m², 24 mu)."""
        return (self.pixel_m() / 2) ** 2

    @property
    def detailed(self) -> bool:
        """Whether it holds every feature meeting it, with every field (DETAIL_ZOOM and
        beyond)."""
        return self.z >= DETAIL_ZOOM

    def children(self) -> list[Tile]:
        """The four tiles of zoom z + 1 inside it."""
        x, y, z = 2 * self.x, 2 * self.y, self.z + 1
        return [Tile(z, x, y), Tile(z, x + 1, y), Tile(z, x, y + 1), Tile(z, x + 1, y + 1)]


def _lat(y: float, n: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def to_lonlat(mx: float, my: float) -> tuple[float, float]:
    """Web Mercator metres → (lon, lat) degrees."""
    lon = mx / HALF_WORLD_M * 180.0
    lat = math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)
    return lon, lat


def check_tile(z: int, x: int, y: int) -> Tile | None:
    """The tile z/x/y, or None when there is no such tile (z beyond 0..MAX_ZOOM, x or y
    beyond 0..2^z - 1)."""
    if not 0 <= z <= MAX_ZOOM:
        return None
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        return None
    return Tile(z, x, y)


def tile_of(lon: float, lat: float, z: int) -> Tile:
    """The tile of zoom ``z`` that holds the point lon, lat."""
    n = 2**z
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return Tile(z, min(max(x, 0), n - 1), min(max(y, 0), n - 1))


def tiles_over(bbox: tuple[float, float, float, float], z: int) -> Iterator[Tile]:
    """Every tile of zoom ``z`` that meets the lon/lat box (west, south, east, north)."""
    west, south, east, north = bbox
    top_left, bottom_right = tile_of(west, north, z), tile_of(east, south, z)
    for x in range(top_left.x, bottom_right.x + 1):
        for y in range(top_left.y, bottom_right.y + 1):
            yield Tile(z, x, y)
