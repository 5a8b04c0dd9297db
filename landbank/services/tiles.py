"""The maps as vector tiles: one tile of a layer (``/tiles/{layer}/{z}/{x}/{y}.mvt``),
kept in a bounded cache while the layer's data stamp stays put, and the whole map as a
PMTiles archive with its offline viewer (``landbank map --pmtiles FOLDER``).

A tile is encoded by the database where it can (PostGIS's ST_AsMVT, ``db.tiles.mvt``)
and otherwise from the rows it reads through the spatial index
(``maps.vector_tiles``); both keep the same features, generalised by zoom."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cachetools import LRUCache
from pmtiles.tile import zxy_to_tileid

from landbank.db import features as feature_rows
from landbank.db import tiles as rows
from landbank.db.store import Store, Unit
from landbank.domain.tiles import ARCHIVE_ZOOMS, MAX_ZOOM, Tile, check_tile, tiles_over
from landbank.errors import InputError, NotFoundError
from landbank.io.pmtiles import write_archive
from landbank.maps import tiled
from landbank.maps.vector_tiles import encode, gzipped

CACHE_BYTES = 64 * 1024 * 1024  # of tiles kept per process


@dataclass(frozen=True)
class TileLayer:
    """A layer served as tiles: its id (the MVT layer's name too), titles, the fields
    of its features and the table its extent is read from."""

    id: str
    title: str
    description: str
    fields: dict[str, str]
    table: str


LAYERS = {
    "parcels": TileLayer(
        "parcels",
        "地块 Parcels",
        "Current parcels by category (五未) with their latest disposal's status; "
        "small parcels are left out of low zooms (under half a pixel).",
        {
            "code": "String",
            "name": "String",
            "district": "String",
            "park": "String",
            "category": "String",
            "area_mu": "Number",
            "disposal": "String",
        },
        "parcel",
    ),
    "buildings": TileLayer(
        "buildings",
        "楼宇 Buildings",
        "Buildings with a location (idle buildings and standard factories).",
        {"code": "String", "name": "String", "park": "String", "building_type": "String"},
        "building",
    ),
}


def layer(collection_id: str) -> TileLayer:
    """The tile layer ``collection_id``; NotFoundError naming the layers otherwise."""
    if collection_id not in LAYERS:
        raise NotFoundError(f"tile layer {collection_id!r} is unknown; layers: {', '.join(LAYERS)}")
    return LAYERS[collection_id]


class TileCache:
    """Tiles kept by (layer, data stamp, z, x, y), the least recently used dropped
    beyond ``max_bytes``: an edit moves the stamp, so a tile of the old data is never
    served again (and ages out). Safe across the service's threads."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self._tiles: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda b: len(b) + 1)
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            return self._tiles.get(key)

    def put(self, key: tuple, data: bytes) -> None:
        with self._lock:
            self._tiles[key] = data

    def __len__(self) -> int:
        return len(self._tiles)


_NONE = object()  # no bounds kept
_EXTENTS: LRUCache = LRUCache(maxsize=64)  # bounds by (database, layer, data stamp)
_EXTENTS_LOCK = threading.Lock()


def stamp(store: Store, collection_id: str) -> int:
    """The layer's current data stamp (one statement on the store's kept connection):
    the tiles' version, for ETags. Read where the tile would be read (a replica that
    has replayed this client's writes), so a tile kept under it is what it shows."""
    lay = layer(collection_id)
    return store.glance(rows.data_stamp, lay.id, as_read=True)


def tile_at(z: int, x: int, y: int) -> Tile:
    """The tile z/x/y; NotFoundError saying the grid's ranges when there is none."""
    tile = check_tile(z, x, y)
    if tile is None:
        raise NotFoundError(f"no tile {z}/{x}/{y}: z is 0 to {MAX_ZOOM}, x and y 0 to 2^z - 1")
    return tile


def render(uow: Unit, collection_id: str, tile: Tile) -> bytes:
    """The tile of the layer as MVT bytes (b"" when empty), read through ``uow``."""
    if uow.sql.mvt_in_sql:
        return rows.mvt(uow, collection_id, tile)
    return encode(collection_id, rows.tile_rows(uow, collection_id, tile), tile)


def tile(
    store: Store, collection_id: str, z: int, x: int, y: int, cache: TileCache | None = None
) -> tuple[bytes, int]:
    """(the tile z/x/y of the layer as MVT bytes, b"" when it holds nothing; the data
    stamp it was drawn at). From ``cache`` while the stamp stays put."""
    lay = layer(collection_id)
    t = tile_at(z, x, y)
    if cache is not None:
        now = stamp(store, lay.id)
        kept = cache.get((lay.id, now, z, x, y))
        if kept is not None:
            return kept, now
    with store.read() as uow:  # the stamp and the tile from one snapshot
        drawn_at = rows.data_stamp(uow, lay.id)
        data = render(uow, lay.id, t)
    if cache is not None:
        cache.put((lay.id, drawn_at, z, x, y), data)
    return data, drawn_at


def extent(store: Store, collection_id: str) -> list[float] | None:
    """The lon/lat bounds [west, south, east, north] of the layer's features, None
    when it has none. Kept while the layer's data stamp stays put (at 10⁶ parcels the
    bounds take seconds to read, and every /map and TileJSON asks for them)."""
    lay = layer(collection_id)
    now = stamp(store, lay.id)
    with _EXTENTS_LOCK:
        kept = _EXTENTS.get((str(store.url), lay.id, now), _NONE)
    if kept is not _NONE:
        return kept
    with store.read() as uow:  # the stamp and the bounds from one snapshot
        drawn_at = rows.data_stamp(uow, lay.id)
        bounds = feature_rows.extent(uow, lay.table)
    with _EXTENTS_LOCK:
        _EXTENTS[(str(store.url), lay.id, drawn_at)] = bounds
    return bounds


def tilejson(store: Store, collection_id: str, tiles_url: str) -> dict:
    """The layer's TileJSON 3.0: its tile URL template, zooms, bounds and fields."""
    lay = layer(collection_id)
    bounds = extent(store, collection_id)
    body = {
        "tilejson": "3.0.0",
        "name": lay.title,
        "description": lay.description,
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "vector_layers": [{"id": lay.id, "description": lay.description, "fields": lay.fields}],
    }
    if bounds is not None:
        body["bounds"] = bounds
    return body


def map_page(store: Store, lang: str, sources: dict, parcel_link: str) -> str:
    """The service's tiled map page: MapLibre (served at /static/web/vendor) drawing
    ``sources`` (MapLibre vector sources by layer), fitted to the parcels."""
    cfg = tiled.config(lang, extent(store, "parcels"), sources, parcel_link)
    return tiled.page_html(cfg, tiled.service_assets())


def write_pmtiles(
    store: Store,
    folder: Path,
    lang: str = "zh",
    zooms: tuple[int, int] = ARCHIVE_ZOOMS,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Writes ``folder``/parcels.pmtiles (parcels and buildings, gzipped MVT tiles of
    zooms ``zooms``, drawn from one snapshot) and the viewer beside it (index.html
    with MapLibre and the pmtiles protocol copied in). ``progress(zoom, tiles)`` is
    told after each zoom. Returns {archive, page, tiles, bytes, bounds}."""
    low, high = zooms
    if not 0 <= low <= high <= MAX_ZOOM:
        raise InputError(f"zooms {low}–{high}: give 0 <= min <= max <= {MAX_ZOOM}")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--pmtiles {folder}: is a file; give a folder to write the map into")
    with store.read() as uow:
        bounds = feature_rows.extent(uow, "parcel")
        if bounds is None:
            raise InputError(
                "no current parcel to map: import parcels first (landbank import parcels FILE)"
            )
        counted = {"tiles": 0}

        def tiles():
            todo = sorted(tiles_over(bounds, low), key=_order)
            for z in range(low, high + 1):
                below = []
                for t in todo:
                    data = _archive_tile(uow, t)
                    if data:
                        counted["tiles"] += 1
                        yield t, gzipped(data)
                    if z < high and rows.any_feature(uow, "parcels", t):
                        below.extend(t.children())
                if progress:
                    progress(z, counted["tiles"])
                todo = sorted(below, key=_order)

        folder.mkdir(parents=True, exist_ok=True)
        archive = folder / "parcels.pmtiles"
        meta = tiled.archive_metadata(LAYERS, lang)
        size = write_archive(archive, tiles(), bounds, zooms, meta)
    page = tiled.write_viewer(folder, archive.name, bounds, zooms, lang)
    return {
        "archive": archive,
        "page": page,
        "tiles": counted["tiles"],
        "bytes": size,
        "bounds": bounds,
    }


def _order(t: Tile) -> int:
    return zxy_to_tileid(t.z, t.x, t.y)


def _archive_tile(uow: Unit, t: Tile) -> bytes:
    """The parcels and buildings of tile ``t`` as one MVT (two layers)."""
    return b"".join(render(uow, name, t) for name in LAYERS)
