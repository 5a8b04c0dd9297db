"""A PMTiles v3 archive of vector tiles, written by the ``pmtiles`` package's writer:
one file a static web server hands out by HTTP range requests (MapLibre reads it with
the pmtiles protocol), written atomically."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from landbank.domain.tiles import Tile
from landbank.io.files import atomic_path


def write_archive(
    path: Path,
    tiles: Iterable[tuple[Tile, bytes]],
    bounds: list[float],
    zooms: tuple[int, int],
    metadata: dict,
) -> int:
    """Writes ``tiles`` (gzipped MVT, in tile-id order: zoom by zoom, each zoom along
    its Hilbert curve) into the archive ``path`` with the lon/lat ``bounds`` and
    ``metadata`` (TileJSON-like: vector_layers, name...); returns its size in bytes."""
    west, south, east, north = bounds
    header = {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_lon_e7": int(west * 1e7),
        "min_lat_e7": int(south * 1e7),
        "max_lon_e7": int(east * 1e7),
        "max_lat_e7": int(north * 1e7),
        "center_zoom": zooms[0],
        "center_lon_e7": int((west + east) / 2 * 1e7),
        "center_lat_e7": int((south + north) / 2 * 1e7),
    }
    with atomic_path(path, ".pmtiles.tmp") as tmp:
        with open(tmp, "wb") as f:
            writer = Writer(f)
            wrote = 0
            for t, data in tiles:
                writer.write_tile(zxy_to_tileid(t.z, t.x, t.y), data)
                wrote += 1
            if not wrote:  # the writer needs a tile to size its directory
                raise ValueError("no tile to write")
            writer.finalize(header, metadata)
        size = tmp.stat().st_size
    return size
