"""The maps as vector tiles: one tile of a layer (``/tiles/{layer}/{z}/{x}/{y}.mvt``),
kept in a bounded cache while the layer's data stamp stays put, and the whole map as a
PMTiles archive with its offline viewer (``landbank map --pmtiles FOLDER``).

A tile is encoded by the database where it can (PostGIS's ST_AsMVT, ``db.tiles.mvt``)
and otherwise from the rows it reads through the spatial index
(``maps.vector_tiles``); both keep the same features, generalised by zoom.

A parcels tile of the low zooms (``domain.tile_overview.OVERVIEW_ZOOMS``) reads the
tile overview (migration 0016): which parcels each such tile shows, chosen ahead for
every tile at once and kept with shapes simplified for the zoom. It is built in the
background when ``landbank serve`` starts and when a low-zoom tile finds it stale (see
``overview_fresh``; a province's takes half a minute, which no request waits for), and
by ``landbank map --pmtiles`` before it draws; never by an import. Meanwhile tiles are
drawn the way before (the box's parcels sorted by area: the same parcels, slower).
``LANDBANK_TILE_OVERVIEW=0`` draws every tile that way (the bench's baseline)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from cachetools import LRUCache
from pmtiles.tile import zxy_to_tileid

from landbank.db import features as feature_rows
from landbank.db import tile_overview as overview_rows
from landbank.db import tiles as rows
from landbank.db.store import Store, Unit
from landbank.domain import tile_overview as overview_rule
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


def render(uow: Unit, collection_id: str, tile: Tile, overview: bool = False) -> bytes:
    """The tile of the layer as MVT bytes (b"" when empty), read through ``uow``;
    ``overview``: its parcels as the tile overview chose them (a parcels tile of the
    overview's zooms, the overview fresh in ``uow``'s snapshot)."""
    overview = overview and collection_id == "parcels" and tile.z in overview_rule.OVERVIEW_ZOOMS
    if uow.sql.mvt_in_sql:
        return rows.mvt(uow, collection_id, tile, overview)
    return encode(collection_id, rows.tile_rows(uow, collection_id, tile, overview), tile)


def overview_enabled() -> bool:
    """Whether low-zoom tiles may read the tile overview (``LANDBANK_TILE_OVERVIEW=0``:
    never, every tile drawn by sorting its box's parcels)."""
    return os.environ.get("LANDBANK_TILE_OVERVIEW", "1") != "0"


def _wants_overview(collection_id: str, tile: Tile) -> bool:
    return (
        overview_enabled() and collection_id == "parcels" and tile.z in overview_rule.OVERVIEW_ZOOMS
    )


def overview_fresh(uow: Unit) -> bool:
    """Whether the tile overview, as ``uow`` sees it, may be served: it was built and
    since then at most STALE_SHARE of the parcels it was built from got a new shape or
    were added (``domain.tile_overview.is_stale``). A parcel retired since is dropped
    by the tile's join; a new one is missing from the low zooms until the overview is
    built again; a changed shape is drawn from the live parcel."""
    built = overview_rows.state(uow)
    if built is None:
        return False
    limit = overview_rule.stale_limit(built["parcels"])
    return not overview_rule.is_stale(built["parcels"], overview_rows.changed(uow, built, limit))


def build_overview(uow: Unit) -> dict:
    """Builds the tile overview afresh in the write unit ``uow``: every current
    parcel's box and area read in code order, the choice of every tile of each
    OVERVIEW_ZOOMS made on them (``domain.tile_overview.picks``), written with shapes
    simplified by zoom. Returns {parcels, rows}."""
    boxes = overview_rows.boxes(uow)
    last = overview_rows.last_parcel_id(uow)
    ids = boxes["id"].to_numpy(dtype=np.int64)
    arrays = [boxes[c].to_numpy(dtype=float) for c in ("minx", "miny", "maxx", "maxy")]
    area = boxes["area_mu"].to_numpy(dtype=float)
    parts = []
    order = overview_rule.largest_first(area)
    for z in overview_rule.OVERVIEW_ZOOMS:
        x, y, row = overview_rule.picks(
            *arrays, area, z, float_query=overview_rows.float_boxes(uow), order=order
        )
        parts.append(pd.DataFrame({"z": z, "x": x, "y": y, "parcel_id": ids[row]}))
    picked = pd.concat(parts, ignore_index=True)
    written = overview_rows.write(uow, picked, len(boxes), int(last))
    return {"parcels": len(boxes), "rows": written}


_BUILDING = threading.Lock()  # one build at a time in a process
_STARTING = threading.Lock()
_builder: threading.Thread | None = None
_failed_at: dict[str, float] = {}  # database URL → when its last build here failed
RETRY_AFTER_S = 60.0  # a failed build is not started again sooner by a stale tile
log = logging.getLogger(__name__)


def refresh_overview(store: Store, wait: bool = True) -> dict | None:
    """Builds the tile overview if it is not fresh (one write unit). ``wait=False``:
    not when this process builds it already. Another process building it at the same
    time is waited for (``_refresh``). Returns build_overview's figures, None when
    nothing was built."""
    if not _BUILDING.acquire(blocking=wait):
        return None
    try:
        return _refresh(store)
    finally:
        _BUILDING.release()


def _refresh(store: Store) -> dict | None:
    """``refresh_overview`` as any process runs it: one write unit that first holds the
    overview's state table, so that of two processes building at once the second
    waits and then finds the overview fresh (on SpatiaLite the file's one writer waits
    for the other at most its busy timeout, 10 s, then the build fails and is asked
    again by the next stale tile)."""
    with store.write() as uow:
        uow.sql.lock_table(uow.conn, "tile_overview_state")
        if overview_fresh(uow):
            return None
        return build_overview(uow)


def refresh_overview_soon(store: Store) -> None:
    """Starts ``refresh_overview`` in a thread of this process, unless one runs already
    or the last one failed less than RETRY_AFTER_S ago (a locked or failing database
    is not asked again by every tile), and returns at once. A failure is logged."""
    global _builder
    with _STARTING:
        if _builder is not None and _builder.is_alive():
            return
        failed = _failed_at.get(store.url)
        if failed is not None and time.monotonic() - failed < RETRY_AFTER_S:
            return
        _builder = threading.Thread(
            target=_refresh_quietly, args=(store,), name="tile-overview", daemon=True
        )
        _builder.start()


def _refresh_quietly(store: Store) -> None:
    try:
        built = refresh_overview(store)
        _failed_at.pop(store.url, None)
        if built:
            log.info("tile overview built: %(parcels)s parcels, %(rows)s rows", built)
    except Exception:  # a thread of its own: nobody else would hear of it
        _failed_at[store.url] = time.monotonic()
        log.exception(
            "the tile overview could not be built (asked again in %.0f s at the earliest); "
            "tiles are drawn without it",
            RETRY_AFTER_S,
        )


def overview_settled(timeout: float | None = None) -> bool:
    """Waits for a build ``refresh_overview_soon`` started (at most ``timeout``
    seconds); whether none runs now."""
    builder = _builder
    if builder is not None:
        builder.join(timeout)
    return builder is None or not builder.is_alive()


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
    wants = _wants_overview(lay.id, t)
    data = None
    while data is None:
        with store.read() as uow:  # the stamp and the tile from one snapshot
            drawn_at = rows.data_stamp(uow, lay.id)
            overview = wants and overview_fresh(uow)
            if overview or not wants:
                data = render(uow, lay.id, t, overview)
        if data is None:
            # stale: built in the background; this tile, and any meanwhile, the way before
            refresh_overview_soon(store)
            wants = False
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
    if overview_enabled():
        refresh_overview(store)
    with store.read() as uow:
        overview = overview_enabled() and overview_fresh(uow)
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
                    data = _archive_tile(uow, t, overview)
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


def _archive_tile(uow: Unit, t: Tile, overview: bool) -> bytes:
    """The parcels and buildings of tile ``t`` as one MVT (two layers)."""
    return b"".join(render(uow, name, t, overview) for name in LAYERS)
