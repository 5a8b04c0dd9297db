"""Vector tiles on the hand-built layout of test_web_ogc, where every answer is known:
a tile decodes to exactly the features that meet it (shapes where they are, fields as
the OGC features route gives them), small parcels leave low zooms, an edit changes the
tile (the cache keyed by the data stamp lets it go), who may read, the TileJSON, and
the PMTiles archive read back with the pmtiles reader. Both engines."""

from __future__ import annotations

import gzip
import math

import mapbox_vector_tile
import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType
from sqlalchemy import text

from landbank.domain import tiles as grid
from landbank.domain.tiles import EXTENT, HALF_WORLD_M, Tile, tile_of
from landbank.web.app import create_app
from tests.helpers import store_of
from tests.test_web_ogc import (
    BUILDINGS,
    CURRENT,
    EAST,
    PASSWORD,
    READER,
    WEST,
    _basic,
    layout,  # noqa: F401  (the module-scoped layout on each engine)
    load_layout,
    lonlat,
)

MVT = "application/vnd.mapbox-vector-tile"
HOME = tile_of(*lonlat(50, 50), 14)  # the tile of the west cluster (and L-1)
SPLIT = tile_of(*lonlat(50, 50), 15)  # its tiles of z15 cut the cluster in two


@pytest.fixture(scope="module")
def client(layout) -> TestClient:  # noqa: F811
    return TestClient(create_app(layout), headers=_basic(READER, PASSWORD))


@pytest.fixture(scope="module")
def shapes(client) -> dict:
    """The current parcels' stored shapes by code, as the OGC features route gives
    them (B-05 split in load_layout into B-05-1 and B-05-2)."""
    body = client.get("/ogc/collections/parcels/items", params={"limit": 100}).json()
    found = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in body["features"]}
    assert sorted(found) == CURRENT
    return found


def _url(t: Tile, layer: str = "parcels") -> str:
    return f"/tiles/{layer}/{t.z}/{t.x}/{t.y}.mvt"


def _decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data) if data else {}


def _features(data: bytes, layer: str = "parcels") -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in _decode(data).get(layer, {}).get("features", [])}


def _meeting(t: Tile, shapes: dict) -> set[str]:
    return {c for c, g in shapes.items() if g.intersects(shapely.box(*t.buffered_bounds()))}


def _lonlat_of(t: Tile, x: float, y: float) -> tuple[float, float]:
    """A decoded tile point (x east, y north, 0..EXTENT) as lon, lat."""
    west, south, east, _ = t.mercator_bounds()
    mx = west + x / EXTENT * (east - west)
    my = south + y / EXTENT * (east - west)
    lat = math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)
    return mx / HALF_WORLD_M * 180.0, lat


def test_a_tile_holds_the_parcels_that_meet_it_with_their_fields_and_nothing_else(client, shapes):
    r = client.get(_url(HOME))
    assert r.status_code == 200 and r.headers["content-type"] == MVT
    found = _features(r.content)
    expected = _meeting(HOME, shapes)
    assert set(WEST) <= expected and not expected & set(EAST)  # the layout's own check
    assert set(found) == expected
    # the fields are what the OGC features route says of the same parcels
    box = ",".join(f"{v:.9f}" for v in HOME.bounds())
    ogc = client.get("/ogc/collections/parcels/items", params={"bbox": box, "limit": 100})
    props = {f["id"]: f["properties"] for f in ogc.json()["features"]}
    for code, feature in found.items():
        got, want = feature["properties"], props[code]
        for key in ("name", "district", "park", "category"):
            assert got.get(key) == want[key], (code, key)
        assert got["area_mu"] == pytest.approx(want["area_mu"], abs=1e-3)
        assert got.get("disposal") == want["disposal_status"]
    assert found["A-01"]["properties"]["disposal"] == props["A-01"]["disposal_status"] is not None
    # a tile through the cluster holds the parcels of its side (and its buffer) only
    part = _features(client.get(_url(SPLIT)).content)
    assert set(part) == _meeting(SPLIT, shapes) and set(part) < set(WEST)
    assert "disposal" not in found["A-02"]["properties"]  # no disposal, no value


def test_a_tile_draws_each_shape_where_it_lies(client, shapes):
    found = _features(client.get(_url(HOME)).content)
    unit_deg = 360 / 2**HOME.z / EXTENT
    for code in WEST:
        ring = found[code]["geometry"]["coordinates"][0]
        xy = [_lonlat_of(HOME, x, y) for x, y in ring]
        drawn = shapely.Polygon(xy).bounds
        assert drawn == pytest.approx(shapes[code].bounds, abs=1.5 * unit_deg), code


def test_small_parcels_leave_low_zooms_and_come_back_nearer(client):
    # 100 m squares (15 mu) are below a square half a pixel wide (~125 m) at z8, L-1
    # (105 mu) is not
    far = tile_of(*lonlat(50, 50), 8)
    assert set(_features(client.get(_url(far)).content)) == {"L-1"}
    near = tile_of(*lonlat(50, 50), 12)
    found = _features(client.get(_url(near)).content)
    assert set(WEST) | {"L-1"} <= set(found)
    # below z14 a parcel carries what colours it and its code, not every field
    assert set(found["A-01"]["properties"]) == {"code", "category", "disposal"}
    assert set(found["A-02"]["properties"]) == {"code", "category"}


def test_a_crowded_tile_keeps_its_largest_parcels(layout, client, shapes, monkeypatch):  # noqa: F811
    box = ",".join(f"{v:.9f}" for v in HOME.bounds())
    ogc = client.get("/ogc/collections/parcels/items", params={"bbox": box, "limit": 100})
    meeting = _meeting(HOME, shapes)
    areas = {f["id"]: f["properties"]["area_mu"] for f in ogc.json()["features"]}
    monkeypatch.setattr(grid, "MAX_FEATURES", 3)
    monkeypatch.setattr(grid, "DETAIL_ZOOM", 15)  # the cap holds below it: HOME is z14
    fresh = TestClient(create_app(layout), headers=_basic(READER, PASSWORD))  # no cache yet
    kept = set(_features(fresh.get(_url(HOME)).content))
    assert len(kept) == 3 and kept <= meeting and "L-1" in kept  # 105 mu; squares 15
    # none left out is larger than one kept (the OGC areas are rounded to 1e-4 mu)
    assert min(areas[c] for c in kept) >= max(areas[c] for c in meeting - kept) - 1e-4
    # from DETAIL_ZOOM on, a tile holds every parcel that meets it
    monkeypatch.setattr(grid, "DETAIL_ZOOM", 14)
    again = TestClient(create_app(layout), headers=_basic(READER, PASSWORD))
    assert set(_features(again.get(_url(HOME)).content)) == meeting


def test_buildings_are_a_layer_of_points(client):
    found = _features(client.get(_url(HOME, "buildings")).content, "buildings")
    near = {c for c, x in zip(BUILDINGS["code"], (50, 250, 5050), strict=True) if x < 1000}
    assert set(found) == near
    assert found["NB-1"]["geometry"]["type"] == "Point"
    assert found["NB-1"]["properties"]["building_type"] == "standard_factory"


def test_a_tile_with_nothing_is_empty_and_no_tile_is_404(client):
    sea = tile_of(150.0, -30.0, 14)
    r = client.get(_url(sea))
    assert r.status_code == 200 and r.content == b""
    for path in ("/tiles/parcels/23/0/0.mvt", "/tiles/parcels/3/8/0.mvt", "/tiles/roads/3/1/1.mvt"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["detail"], path


def test_tilejson_and_the_list_of_tilesets(client, shapes):
    body = client.get("/tiles").json()
    assert [t["id"] for t in body["tilesets"]] == ["parcels", "buildings"]
    tj = client.get("/tiles/parcels").json()
    assert tj["tilejson"] == "3.0.0"
    assert tj["tiles"] == ["http://testserver/tiles/parcels/{z}/{x}/{y}.mvt"]
    expected = shapely.union_all(list(shapes.values())).bounds
    assert tj["bounds"] == pytest.approx(expected, abs=1e-6)
    assert set(tj["vector_layers"][0]["fields"]) >= {"code", "category", "district"}


def test_tiles_need_a_signed_in_reader_unless_published(layout, shapes):  # noqa: F811
    anonymous = TestClient(create_app(layout))
    for path in ("/tiles", "/tiles/parcels", _url(HOME)):
        assert anonymous.get(path).status_code == 401, path
    wrong = TestClient(create_app(layout), headers=_basic(READER, "not the password"))
    assert wrong.get(_url(HOME)).status_code == 401
    public = TestClient(create_app(layout, ogc_public=True))
    assert set(_features(public.get(_url(HOME)).content)) == _meeting(HOME, shapes)


def test_the_map_page_needs_a_session_and_loads_only_this_site(layout, shapes):  # noqa: F811
    client = TestClient(create_app(layout))
    r = client.get("/map", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login",
        data={"username": READER, "password": PASSWORD, "csrf_token": token, "next": "/map"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.get("/map")
    assert r.status_code == 200
    assert "worker-src 'self' blob:" in r.headers["content-security-policy"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "/static/web/vendor/maplibre-gl/maplibre-gl.js" in r.text
    assert "http://testserver/tiles/parcels/{z}/{x}/{y}.mvt" in r.text
    assert "https://" not in r.text
    for asset in ("vendor/maplibre-gl/maplibre-gl.js", "landbank-tiles.js"):
        assert client.get(f"/static/web/{asset}").status_code == 200
    # the session cookie reads the tiles, as the page's MapLibre does
    assert set(_features(client.get(_url(HOME)).content)) == _meeting(HOME, shapes)


def test_an_edit_changes_the_tile_and_its_etag(cli, db_url, tmp_path):
    load_layout(cli, db_url, tmp_path)
    client = TestClient(create_app(db_url), headers=_basic(READER, PASSWORD))
    first = client.get(_url(HOME))
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    assert "disposal" not in _features(first.content)["A-02"]["properties"]
    again = client.get(_url(HOME), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    r = cli(
        "disposal", "open", "A-02", "--method", "start_construction", "--by", "王",
        "--planned", "2026-09-01", "--on", "2026-07-01", db=db_url,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    after = client.get(_url(HOME), headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert _features(after.content)["A-02"]["properties"]["disposal"] == "suspected"
    # the same tile asked once more is the cached one of the new stamp
    assert client.get(_url(HOME)).content == after.content


def test_the_pmtiles_archive_reads_back_with_the_tiles_of_the_service(
    cli,
    layout,  # noqa: F811
    shapes,
    tmp_path,
):
    folder = tmp_path / "map"
    r = cli("map", "--pmtiles", folder, db=layout)
    assert r.exit_code == 0, r.stderr
    assert "python -m http.server -d" in r.stdout
    names = {p.name for p in folder.iterdir()}
    assert {"parcels.pmtiles", "index.html", "maplibre-gl.js", "pmtiles.js"} <= names
    with open(folder / "parcels.pmtiles", "rb") as f:
        reader = Reader(MmapSource(f))
        header = reader.header()
        assert header["tile_type"] == TileType.MVT
        assert header["tile_compression"] == Compression.GZIP
        assert 8 <= header["min_zoom"] and header["max_zoom"] == 14
        assert reader.metadata()["vector_layers"][0]["id"] == "parcels"
        stored = {
            Tile(*zxy): _decode(gzip.decompress(data)) for zxy, data in all_tiles(reader.get_bytes)
        }
        home = reader.get(HOME.z, HOME.x, HOME.y)
    assert set(_features(gzip.decompress(home))) == _meeting(HOME, shapes)
    at_14 = set()
    for t, layers in stored.items():
        codes = {f["properties"]["code"] for f in layers.get("parcels", {}).get("features", [])}
        assert codes <= _meeting(t, shapes), t  # nothing outside its tile
        at_14 |= codes if t.z == 14 else set()
    assert at_14 == set(CURRENT)
    assert any("buildings" in layers for layers in stored.values())
    client = TestClient(create_app(layout), headers=_basic(READER, PASSWORD))
    assert set(_features(gzip.decompress(home))) == set(_features(client.get(_url(HOME)).content))


def test_pmtiles_refuses_the_options_of_the_single_file_map(cli, layout, tmp_path):  # noqa: F811
    r = cli("map", "--pmtiles", tmp_path / "m", "--category", "supplied_not_used", db=layout)
    assert r.exit_code == 1 and "--category" in r.stderr
    assert not (tmp_path / "m").exists()


def test_the_layers_bounds_are_kept_until_an_edit_moves_them(cli, db_url, tmp_path):
    load_layout(cli, db_url, tmp_path)
    client = TestClient(create_app(db_url), headers=_basic(READER, PASSWORD))
    before = client.get("/tiles/parcels").json()["bounds"]
    shift = (
        "ST_Translate(geom, 0.5, 0)"
        if db_url.startswith("postgresql")
        else ("ShiftCoords(geom, 0.5, 0)")
    )
    with store_of(db_url).write(by="test") as uow:
        uow.execute(text(f"UPDATE parcel SET geom = {shift} WHERE code = 'A-02'"))
    after = client.get("/tiles/parcels").json()["bounds"]
    assert after[2] > before[2] + 0.3 and after[0] == pytest.approx(before[0])
    assert client.get("/tiles/parcels").json()["bounds"] == after
