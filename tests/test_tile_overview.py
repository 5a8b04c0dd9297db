"""The tile overview (migration 0016) on a synthetic city of 400 parcels, a tile holding
at most 20 of them: every tile of z8–11 holds the parcels the way before chose (the
box's parcels sorted by area), read from the overview once the first low-zoom tile
built it; an edit of a parcel's category shows at once and a retired parcel leaves,
without building anything; a moved shape is drawn where it is now; a few new parcels
wait for the next build, and an import of more than 1 % builds it again. Both engines."""

from __future__ import annotations

import subprocess
import threading
import time

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from sqlalchemy import text

from landbank.db import features
from landbank.db import tile_overview as overview_rows
from landbank.db.store import Store
from landbank.domain import tiles as grid
from landbank.domain.tile_overview import OVERVIEW_ZOOMS
from landbank.domain.tiles import tiles_over
from landbank.services import tiles
from landbank.services.parcels import set_fields
from landbank.synth import synthetic_parcels
from tests.edge import LANDBANK, wait_answering
from tests.helpers import store_of, write_vector
from tests.replication import free_port

PARCELS = 400
MOST = 20


@pytest.fixture
def city(cli, db_url, tmp_path, monkeypatch) -> str:
    monkeypatch.setattr(grid, "MAX_FEATURES", MOST)
    monkeypatch.delenv("LANDBANK_TILE_OVERVIEW", raising=False)
    path = write_vector(synthetic_parcels(PARCELS, seed=7), tmp_path / "city.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    return db_url


def _low_tiles(store) -> list:
    with store.read() as uow:
        bounds = features.extent(uow, "parcel")
    return [t for z in OVERVIEW_ZOOMS for t in tiles_over(bounds, z)]


def _features(store, t) -> dict[str, dict]:
    data, _ = tiles.tile(store, "parcels", t.z, t.x, t.y)
    layer = mapbox_vector_tile.decode(data).get("parcels", {}) if data else {}
    return {f["properties"]["code"]: f for f in layer.get("features", [])}


def _built(store) -> dict | None:
    with store.read() as uow:
        return overview_rows.state(uow)


def _crowded(store):
    """The z8 tile over the city (it holds MOST parcels: the cap bites), once the
    overview its first drawing started in the background is built."""
    tile = next(t for t in _low_tiles(store) if t.z == 8 and len(_features(store, t)) == MOST)
    assert tiles.overview_settled(timeout=120)
    return tile


def test_low_zoom_tiles_hold_what_the_way_before_chose(city, monkeypatch):
    store = store_of(city)
    assert _built(store) is None  # an import does not build it
    with store.read() as uow:  # nor do import and classify count a shape as moved
        assert uow.execute(text("SELECT count(*) FROM tile_moved")).scalar() == 0
    low = _low_tiles(store)
    _features(store, low[0])  # the first low-zoom tile starts its build
    assert tiles.overview_settled(timeout=120)
    # built from every current parcel; the tiles now read it
    assert _built(store)["parcels"] == PARCELS
    drawn = {t: set(_features(store, t)) for t in low}
    with store.read() as uow:
        assert tiles.overview_fresh(uow)
    monkeypatch.setenv("LANDBANK_TILE_OVERVIEW", "0")
    before = {t: set(_features(store, t)) for t in low}
    assert drawn == before
    sizes = [len(v) for v in drawn.values()]
    assert max(sizes) == MOST and sum(sizes) > 2 * MOST  # the cap bites, and many tiles


def test_an_edit_shows_at_once_and_a_retired_parcel_leaves_without_a_build(city):
    store = store_of(city)
    tile = _crowded(store)
    before = _features(store, tile)
    code = sorted(before)[0]
    other = next(
        c for c in ("compliant", "supplied_not_used") if c != before[code]["properties"]["category"]
    )
    set_fields(store, code, {"category": other}, by="测试", reason="overview test")
    assert _features(store, tile)[code]["properties"]["category"] == other
    gone = sorted(before)[1]
    with store.write() as uow:
        uow.execute(text("UPDATE parcel SET retired = :t WHERE code = :c"), {"t": True, "c": gone})
    after = _features(store, tile)
    assert gone not in after and set(after) == set(before) - {gone}
    # nothing was built again: the overview stands (a build would bring in the next largest)
    assert tiles.refresh_overview(store) is None


def _translate(db_url: str) -> str:
    z = ", 0" if db_url.startswith("sqlite") else ""
    return f"UPDATE parcel SET geom = ST_Translate(geom, 0.05, 0{z}) WHERE code = :c"


def test_a_moved_shape_is_drawn_where_it_is_now(city):
    store = store_of(city)
    tile = _crowded(store)
    code = sorted(_features(store, tile))[0]

    def mean_x(found: dict) -> float:
        ring = np.asarray(found[code]["geometry"]["coordinates"][0], dtype=float)
        return float(ring[:, 0].mean())

    was = mean_x(_features(store, tile))
    with store.write() as uow:
        uow.execute(text(_translate(city)), {"c": code})
    # 0.05° east at z8 (1.40625° a tile of 4096 units) is some 146 units
    moved = mean_x(_features(store, tile)) - was
    assert moved == pytest.approx(0.05 / (360 / 2**8) * 4096, abs=3)
    assert tiles.refresh_overview(store) is None  # one moved shape: not built again


def test_new_parcels_wait_for_the_next_build_which_an_import_of_more_than_1_percent_brings(
    city, cli, tmp_path
):
    store = store_of(city)
    tile = _crowded(store)
    built = _built(store)
    west, south, east, north = tile.bounds()
    with store.read() as uow:
        box = features.extent(uow, "parcel")
    lon, lat = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    new = synthetic_parcels(11, seed=99)
    new["code"] = [f"370402-99-{i:06d}" for i in range(11)]
    # the first: 3 km square in the city's middle, larger than any parcel there
    new.loc[0, "geometry"] = shapely.box(lon - 0.015, lat - 0.015, lon + 0.015, lat + 0.015)
    assert west <= lon <= east and south <= lat <= north
    path = write_vector(new.iloc[:1], tmp_path / "one.gpkg")
    assert cli("import", "parcels", path, db=city).exit_code == 0
    # one new parcel of 400 (≤ 1 %): the overview stands, the new one is not there yet
    assert new.loc[0, "code"] not in _features(store, tile)
    assert _built(store) == built
    path = write_vector(new.iloc[1:], tmp_path / "more.gpkg")
    assert cli("import", "parcels", path, db=city).exit_code == 0
    # eleven (> 1 %): the next low-zoom tile starts a build (drawn meanwhile the way
    # before), and the large one shows, before the build and after it
    assert new.loc[0, "code"] in _features(store, tile)
    assert tiles.overview_settled(timeout=120)
    assert _built(store)["parcels"] == PARCELS + 11
    assert new.loc[0, "code"] in _features(store, tile)


def test_no_tile_waits_for_a_build_which_runs_in_the_background(city, monkeypatch):
    """A stale overview is built in a thread: the tile asked meanwhile is drawn at once
    the way before (the same parcels), while the build is still held back."""
    store = store_of(city)
    tile = next(t for t in _low_tiles(store) if t.z == 8)
    monkeypatch.setenv("LANDBANK_TILE_OVERVIEW", "0")
    before = set(_features(store, tile))
    monkeypatch.setenv("LANDBANK_TILE_OVERVIEW", "1")
    started, release = threading.Event(), threading.Event()
    build = tiles.build_overview

    def held_back(uow):
        started.set()
        assert release.wait(timeout=120)
        return build(uow)

    monkeypatch.setattr(tiles, "build_overview", held_back)
    try:
        assert set(_features(store, tile)) == before
        assert started.wait(timeout=120)  # the build runs, held back, and the tile came
        assert _built(store) is None
        assert set(_features(store, tile)) == before  # again at once: one build only
    finally:
        release.set()
    assert tiles.overview_settled(timeout=120)
    assert _built(store)["parcels"] == PARCELS
    assert set(_features(store, tile)) == before


def test_two_processes_building_at_once_build_it_once(city):
    """Two builders on their own connections (as two service processes are) asked at
    the same moment: one builds, the other waits for it and finds it fresh."""
    stores = [store_of(city), Store.open(city)]
    together = threading.Barrier(2)
    results = [None, None]

    def build(i):
        together.wait(timeout=60)
        try:
            results[i] = tiles._refresh(stores[i])
        except Exception as exc:  # noqa: BLE001 (the test says which)
            results[i] = exc

    threads = [threading.Thread(target=build, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    stores[1].close()
    assert not any(isinstance(r, Exception) for r in results), results
    built = [r for r in results if r is not None]
    assert len(built) == 1 and built[0]["parcels"] == PARCELS
    assert _built(store_of(city))["parcels"] == PARCELS


def test_serve_builds_a_stale_overview_when_it_starts(city):
    """``landbank serve`` (a process of its own) builds the overview of an imported city
    without any tile asked for, while it already answers."""
    store = store_of(city)
    assert _built(store) is None
    port = free_port()
    proc = subprocess.Popen(
        [LANDBANK, "--db", city, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_answering(f"http://127.0.0.1:{port}/login", proc)
        deadline = time.monotonic() + 120
        while _built(store) is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert _built(store)["parcels"] == PARCELS


def test_a_failed_build_is_not_asked_again_by_every_tile(city, monkeypatch):
    """A build that fails (a locked database, say) is logged, tiles go on drawn the way
    before, and the next stale tiles start no build until RETRY_AFTER_S has passed."""
    store = store_of(city)
    tile = next(t for t in _low_tiles(store) if t.z == 8)
    builds = []

    def failing(uow):
        builds.append(1)
        raise RuntimeError("database is locked")

    monkeypatch.setattr(tiles, "build_overview", failing)
    monkeypatch.setattr(tiles, "_failed_at", {})
    first = set(_features(store, tile))
    assert tiles.overview_settled(timeout=60) and builds == [1]
    for _ in range(3):
        assert set(_features(store, tile)) == first
        assert tiles.overview_settled(timeout=60)
    assert builds == [1] and _built(store) is None
    monkeypatch.setattr(tiles, "RETRY_AFTER_S", 0.0)
    _features(store, tile)
    assert tiles.overview_settled(timeout=60) and builds == [1, 1]
