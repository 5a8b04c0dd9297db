"""OGC API - Features at /ogc on a hand-built layout where every answer is known: the
landing page, conformance and collections; items as GeoJSON in lon/lat, paged by next
links to every feature exactly once; bbox exact (an L-shaped parcel whose box meets the
query but whose shape does not); bad parameters 400; unknown names 404; who may read;
and GDAL's OAPIF driver (what QGIS uses) against a real server. Both engines."""

from __future__ import annotations

import base64
import math
import os
import re
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from landbank.services.split import split_parcel
from landbank.services.users import add_user
from landbank.web.app import create_app
from tests.conftest import Cli, _new_database
from tests.helpers import served, store_of, tool

LON0, LAT0 = 117.30, 34.80
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
READER, PASSWORD = "gis_reader", "reader password"


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """A w × h metre rectangle whose south-west corner is x, y metres from LON0, LAT0."""
    return shapely.box(LON0 + x / KX, LAT0 + y / KY, LON0 + (x + w) / KX, LAT0 + (y + h) / KY)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return LON0 + x / KX, LAT0 + y / KY


def bbox(x0: float, y0: float, x1: float, y1: float) -> str:
    """The bbox parameter of a box given in metres from LON0, LAT0."""
    return ",".join(f"{v:.9f}" for v in (*lonlat(x0, y0), *lonlat(x1, y1)))


# a west cluster of six 100 m squares, an L-shaped parcel, an east cluster 5 km away
WEST = {f"A-{i + 1:02d}": box(200 * (i % 3), 200 * (i // 3), 100, 100) for i in range(6)}
L_SHAPE = shapely.union(box(1000, 0, 100, 400), box(1000, 0, 400, 100))
EAST = {f"B-{i + 1:02d}": box(5000 + 200 * i, 0, 100, 100) for i in range(5)}
# B-05 is split in two: B-05 retired, B-05-1 and B-05-2 current
CURRENT = sorted([*WEST, "L-1", *(c for c in EAST if c != "B-05"), "B-05-1", "B-05-2"])
BUILDINGS = pd.DataFrame(
    {
        "code": ["NB-1", "NB-2", "NB-3"],
        "name": ["一号厂房", "二号楼", "三号库"],
        "park": ["示范园", "示范园", "东园"],
        "building_type": ["standard_factory", "office", "warehouse"],
        "floors": ["2", "5", "1"],
        "total_floor_area_m2": ["4000", "10000", "2500"],
        "lon": [f"{lonlat(x, 50)[0]:.7f}" for x in (50, 250, 5050)],
        "lat": [f"{lonlat(50, 50)[1]:.7f}"] * 3,
    }
)
VACANCIES = pd.DataFrame(
    {
        "building_code": ["NB-1", "NB-1", "NB-2"],
        "floor": ["1", "2", "3"],
        "unit": ["", "", ""],
        "vacant_area_m2": ["2000", "2000", "1500"],
    }
)


def load_layout(cli, db_url: str, folder: Path) -> str:
    """Imports the layout, classifies it as of 2026-06-30, splits B-05, opens a
    disposal on A-01, adds three buildings with vacant floors and a viewer."""
    rows = []
    for code, geom in [*WEST.items(), ("L-1", L_SHAPE), *EAST.items()]:
        supplied = code == "A-01"
        rows.append(
            {
                "code": code,
                "name": f"{code} 地块",
                "district": "西区" if code in WEST or code == "L-1" else "东区",
                "park": "示范园",
                "land_use": "0601",
                "holder": "某公司" if supplied else None,
                "approved_on": "2024-03-01",
                "supplied_on": "2024-06-01" if supplied else None,
                "agreed_start_on": "2024-12-01" if supplied else None,
                "geometry": geom,
            }
        )
    path = folder / "layout.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:4490").to_file(path, engine="pyogrio")
    for args in (
        ("import", "parcels", path),
        ("classify", "--as-of", "2026-06-30"),
        ("disposal", "open", "A-01", "--method", "start_construction", "--by", "王",
         "--planned", "2026-09-01", "--on", "2026-07-01"),
    ):  # fmt: skip
        r = cli(*args, db=db_url)
        assert r.exit_code == 0, r.stderr
    split_parcel(store_of(db_url), "B-05", by="王", reason="分宗", area_mu_first=5.0)
    BUILDINGS.to_csv(folder / "b.csv", index=False)
    VACANCIES.to_csv(folder / "v.csv", index=False)
    for kind, name in (("buildings", "b.csv"), ("vacancies", "v.csv")):
        r = cli("import", kind, folder / name, db=db_url)
        assert r.exit_code == 0, r.stderr
    add_user(store_of(db_url), READER, "viewer", PASSWORD)
    return db_url


@pytest.fixture(scope="module", params=["spatialite", "postgis"])
def layout(request, tmp_path_factory) -> str:
    """The layout in a fresh database of each engine (made as ``db_url`` makes it),
    loaded once for the module: every test here only reads."""
    folder = tmp_path_factory.mktemp("ogc")
    url, drop = _new_database(request, request.param, folder)
    try:
        yield load_layout(Cli(), url, folder)
    finally:
        drop()


def _basic(name: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(scope="module")
def client(layout) -> TestClient:
    """A client signed in as the viewer with HTTP Basic, as QGIS sends it."""
    return TestClient(create_app(layout), headers=_basic(READER, PASSWORD))


def _links(body: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in body["links"]}


def _codes(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def test_landing_page_links_the_api_definition_conformance_and_collections(client):
    r = client.get("/ogc")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["title"] and body["description"]
    links = _links(body)
    assert set(links) >= {"self", "service-desc", "service-doc", "conformance", "data"}
    assert links["service-desc"]["href"] == "http://testserver/ogc/api"
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["conformance"]["href"] == "http://testserver/ogc/conformance"
    assert links["data"]["href"] == "http://testserver/ogc/collections"


def test_the_api_definition_is_openapi_30_rooted_at_the_landing_page(client):
    r = client.get("/ogc/api")
    assert r.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    api = r.json()
    assert api["openapi"].startswith("3.0.")
    assert api["servers"] == [{"url": "http://testserver/ogc"}]
    assert set(api["paths"]) == {
        "/", "/conformance", "/collections", "/collections/{collection_id}",
        "/collections/{collection_id}/items", "/collections/{collection_id}/items/{feature_id}",
    }  # fmt: skip
    items = api["paths"]["/collections/{collection_id}/items"]["get"]
    assert {p["name"] for p in items["parameters"]} >= {"bbox", "limit", "offset"}
    # where QGIS reads the largest page it may ask for
    assert api["components"]["parameters"]["limit"]["schema"]["maximum"] == 10_000


def test_conformance_declares_core_oas30_and_geojson(client):
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    base = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert set(conforms) == {base + "core", base + "oas30", base + "geojson"}


def test_collections_are_parcels_and_buildings_with_their_extent_in_crs84(client):
    body = client.get("/ogc/collections").json()
    assert [c["id"] for c in body["collections"]] == ["parcels", "buildings"]
    parcels = body["collections"][0]
    assert parcels == client.get("/ogc/collections/parcels").json()
    assert parcels["itemType"] == "feature" and parcels["crs"] == [CRS84]
    assert parcels["extent"]["spatial"]["crs"] == CRS84
    [west, south, east, north] = parcels["extent"]["spatial"]["bbox"][0]
    expected = shapely.union_all([*WEST.values(), L_SHAPE, *EAST.values()]).bounds
    assert [west, south, east, north] == pytest.approx(expected, abs=1e-6)
    items = _links(parcels)["items"]
    assert items["type"] == "application/geo+json"
    assert items["href"] == "http://testserver/ogc/collections/parcels/items"
    [_, _, b_east, _] = body["collections"][1]["extent"]["spatial"]["bbox"][0]
    assert b_east == pytest.approx(lonlat(5050, 50)[0], abs=1e-6)


def test_items_are_geojson_features_keyed_by_code_in_lon_lat(client):
    r = client.get("/ogc/collections/parcels/items")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == len(CURRENT)
    assert _codes(body) == CURRENT  # by code, retired B-05 left out
    first = body["features"][0]
    assert first["id"] == "A-01" and first["geometry"]["type"] == "MultiPolygon"
    # lon, lat order (CRS84): the stored CGCS2000 coordinates as they are
    served = shapely.geometry.shape(first["geometry"])
    assert served.bounds == pytest.approx(WEST["A-01"].bounds, abs=1e-7)
    props = first["properties"]
    assert {k: props[k] for k in ("code", "name", "district", "park", "land_use", "holder")} == {
        "code": "A-01", "name": "A-01 地块", "district": "西区", "park": "示范园",
        "land_use": "0601", "holder": "某公司",
    }  # fmt: skip
    assert props["area_mu"] == pytest.approx(15.0, rel=0.01)  # 100 m × 100 m
    assert (props["category"], props["category_zh"]) == ("supplied_not_used", "供而未用")
    assert props["land_use_class"] == "industrial"
    assert props["disposal_method"] == "start_construction"
    assert props["disposal_status"] == "suspected"  # just opened
    other = body["features"][1]["properties"]
    assert (other["category_zh"], other["disposal_status"]) == ("批而未供", None)


def test_one_feature_by_its_code_and_404_for_unknown_names(client):
    r = client.get("/ogc/collections/parcels/items/L-1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feature = r.json()
    assert feature["type"] == "Feature" and feature["id"] == "L-1"
    assert shapely.geometry.shape(feature["geometry"]).equals_exact(
        shapely.MultiPolygon([L_SHAPE]), 1e-7
    )
    assert _links(feature)["collection"]["href"].endswith("/ogc/collections/parcels")
    for url, says in [
        ("/ogc/collections/roads", "collections: parcels, buildings"),
        ("/ogc/collections/roads/items", "collections: parcels, buildings"),
        ("/ogc/collections/parcels/items/NOPE", "NOPE"),
        ("/ogc/collections/parcels/items/B-05", "B-05"),  # retired: split
        ("/ogc/collections/buildings/items/A-01", "A-01"),
    ]:
        r = client.get(url)
        assert r.status_code == 404 and says in r.json()["detail"], url


def test_next_links_lead_through_every_feature_exactly_once(client):
    url = "/ogc/collections/parcels/items?limit=5&f=json&unknown=kept"
    seen, pages = [], 0
    while url:
        body = client.get(url).json()
        pages += 1
        assert body["numberMatched"] == len(CURRENT)
        assert body["numberReturned"] == len(body["features"]) <= 5
        seen += _codes(body)
        links = _links(body)
        assert links["self"]["type"] == "application/geo+json"
        assert ("prev" in links) == (pages > 1)
        url = links.get("next", {}).get("href")
        if url:
            assert "unknown=kept" in url and "f=json" in url and "limit=5" in url
            # by code, not by a growing offset: the code index finds any page at once
            assert "after=" in url and "offset=" not in url
    assert seen == CURRENT and pages == 3  # 5 + 5 + 3, and no next link after the last
    # prev links lead back through the same pages, by code too
    url, back = links["prev"]["href"], []
    while url:
        assert "before=" in url and "after=" not in url
        body = client.get(url).json()
        back = _codes(body) + back
        assert body["numberReturned"] == 5
        url = _links(body).get("prev", {}).get("href")
    assert back == CURRENT[:10]
    by_offset = client.get("/ogc/collections/parcels/items?limit=5&offset=5").json()
    assert _codes(by_offset) == CURRENT[5:10]
    assert _codes(client.get(_links(by_offset)["prev"]["href"]).json()) == CURRENT[:5]
    assert _codes(client.get(_links(by_offset)["next"]["href"]).json()) == CURRENT[10:]
    beyond = client.get("/ogc/collections/parcels/items?offset=100&limit=5").json()
    assert beyond["features"] == [] and beyond["numberMatched"] == len(CURRENT)
    assert "next" not in _links(beyond)
    assert "offset=95" in _links(beyond)["prev"]["href"]


@pytest.mark.parametrize(
    ("query", "fix"),
    [
        ({"before": "A-03", "after": "A-01"}, "before: not with after or offset"),
        ({"after": "x" * 65}, "after: give a code of at most 64 characters, no control"),
        ({"before": "A\n"}, "before: give a code of at most 64 characters, no control"),
    ],
)
def test_a_page_by_code_refuses_what_cannot_be_one(client, query, fix):
    r = client.get("/ogc/collections/parcels/items", params=query)
    assert r.status_code == 400 and fix in r.text


def test_pages_by_code_at_the_edges(client):
    """A code with a space of another script is a cursor like any; an empty cursor is
    none; an empty page after a cursor leads back before it, an empty page before the
    first code leads on to the first page."""
    items = "/ogc/collections/parcels/items"
    odd = client.get(items, params={"after": "A-01\u3000x", "limit": 2}).json()
    assert _codes(odd) == [c for c in CURRENT if c > "A-01\u3000x"][:2]
    assert _codes(client.get(items, params={"after": "", "limit": 3}).json()) == CURRENT[:3]
    assert "prev" not in _links(client.get(items, params={"after": "", "limit": 3}).json())
    past = client.get(items, params={"after": CURRENT[-1], "limit": 3}).json()
    assert past["features"] == [] and "next" not in _links(past)
    back = client.get(_links(past)["prev"]["href"]).json()
    assert _codes(back) == CURRENT[-4:-1]
    below = client.get(items, params={"before": CURRENT[0], "limit": 3}).json()
    assert below["features"] == [] and "prev" not in _links(below)
    assert _codes(client.get(_links(below)["next"]["href"]).json()) == CURRENT[:3]


@pytest.mark.parametrize(
    ("box_m", "codes"),
    [
        # the whole west cluster, not the L beyond it
        ((-50, -50, 550, 350), sorted(WEST)),
        # part of one square only
        ((150, 0, 250, 90), ["A-02"]),
        # inside the L's bounding box, in its empty corner: nothing
        ((1200, 200, 1350, 350), []),
        # on the L's upright
        ((1050, 300, 1060, 310), ["L-1"]),
        # the east cluster, both halves of the split parcel, not the retired whole
        ((4900, -50, 6000, 200), ["B-01", "B-02", "B-03", "B-04", "B-05-1", "B-05-2"]),
        # far away: nothing
        ((-9000, -9000, -8000, -8000), []),
    ],
)
def test_bbox_gives_exactly_the_features_that_intersect_it(client, box_m, codes):
    body = client.get("/ogc/collections/parcels/items", params={"bbox": bbox(*box_m)}).json()
    assert _codes(body) == codes
    assert body["numberMatched"] == body["numberReturned"] == len(codes)


def test_bbox_pages_keep_the_filter_in_their_next_links(client):
    west = bbox(-50, -50, 550, 350)
    body = client.get("/ogc/collections/parcels/items", params={"bbox": west, "limit": 4}).json()
    assert body["numberMatched"] == 6 and _codes(body) == sorted(WEST)[:4]
    following = client.get(_links(body)["next"]["href"]).json()
    assert _codes(following) == sorted(WEST)[4:] and "next" not in _links(following)


def test_buildings_carry_their_state_and_vacant_area(client):
    body = client.get("/ogc/collections/buildings/items").json()
    assert _codes(body) == ["NB-1", "NB-2", "NB-3"] and body["numberMatched"] == 3
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert (props["NB-1"]["state"], props["NB-1"]["state_zh"]) == ("vacant", "空置")
    assert props["NB-1"]["vacant_area_m2"] == 4000 and props["NB-1"]["vacant_floors"] == 2
    assert (props["NB-2"]["state"], props["NB-2"]["vacant_area_m2"]) == ("partly_vacant", 1500)
    assert (props["NB-3"]["state"], props["NB-3"]["vacant_area_m2"]) == ("occupied", 0)
    assert props["NB-1"]["building_type_zh"] == "标准厂房" and "contact" not in props["NB-1"]
    point = body["features"][2]["geometry"]
    assert point["type"] == "Point"
    assert point["coordinates"] == pytest.approx(lonlat(5050, 50), abs=1e-6)
    near = client.get("/ogc/collections/buildings/items", params={"bbox": bbox(0, 0, 300, 100)})
    assert _codes(near.json()) == ["NB-1", "NB-2"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"bbox": "117.1,34.7,117.4"}, "give 4 numbers"),
        ({"bbox": "117.1,34.7,117.4,35,1"}, "give 4 numbers"),
        ({"bbox": "a,b,c,d"}, "not 4 numbers"),
        ({"bbox": "117.1,34.7,117.4,nan"}, "finite"),
        ({"bbox": "117.4,34.7,117.1,35.0"}, "west 117.4 is east of east 117.1"),
        ({"bbox": "117.1,35.0,117.4,34.7"}, "south 35.0 is north of north 34.7"),
        ({"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, "bbox-crs"),
        ({"limit": "0"}, "limit=0: give 1 or more"),
        ({"limit": "ten"}, "limit=ten: not a whole number"),
        ({"offset": "-1"}, "offset=-1: give 0 or more"),
        ({"f": "html"}, "only f=json"),
    ],
)
def test_a_bad_parameter_is_400_with_what_to_send(client, query, says):
    r = client.get("/ogc/collections/parcels/items", params=query)
    assert r.status_code == 400 and says in r.json()["detail"]


def test_a_limit_above_the_maximum_gives_the_maximum(client):
    r = client.get("/ogc/collections/parcels/items", params={"limit": 1_000_000, "offset": 1})
    assert r.status_code == 200 and r.json()["numberReturned"] == len(CURRENT) - 1
    assert "limit=10000" in _links(r.json())["prev"]["href"]


def test_reading_needs_a_signed_in_user(layout):
    anonymous = TestClient(create_app(layout))
    for path in ("", "/api", "/conformance", "/collections", "/collections/parcels",
                 "/collections/parcels/items", "/collections/parcels/items/A-01"):  # fmt: skip
        url = "/ogc" + path
        r = anonymous.get(url)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Basic", url
    wrong = anonymous.get("/ogc/collections", headers=_basic(READER, "not the password"))
    assert wrong.status_code == 401
    signed = anonymous.get("/ogc/collections/parcels/items", headers=_basic(READER, PASSWORD))
    assert signed.status_code == 200 and signed.json()["numberMatched"] == len(CURRENT)
    token = anonymous.post(
        "/api/v1/auth/token", data={"username": READER, "password": PASSWORD}
    ).json()["access_token"]
    bearer = anonymous.get("/ogc/collections", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 200


def test_ogc_public_is_readable_without_credentials(layout):
    public = TestClient(create_app(layout, ogc_public=True))
    r = public.get("/ogc/collections/parcels/items", params={"limit": 2})
    assert r.status_code == 200 and _codes(r.json()) == CURRENT[:2]
    assert public.get("/api/v1/parcels").status_code == 401  # the rest stays closed


# --- a real client: GDAL's OAPIF driver, which QGIS uses, against a real server ------


def ogrinfo(program: str, *args: str) -> str:
    """Runs ogrinfo read-only on the service as the viewer (HTTP Basic); its stdout."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env |= {
        "GDAL_HTTP_AUTH": "BASIC",
        "GDAL_HTTP_USERPWD": f"{READER}:{PASSWORD}",
        "GDAL_HTTP_TIMEOUT": "30",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    r = subprocess.run(
        [program, "-ro", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def _feature_count(text: str) -> int:
    found = re.search(r"Feature Count: (\d+)", text)
    assert found, text
    return int(found.group(1))


def test_gdal_reads_the_layers_as_qgis_would(layout):
    program = tool("ogrinfo")
    with served(create_app(layout)) as url:
        source = f"OAPIF:{url}/ogc"
        summary = ogrinfo(program, "-so", source, "parcels")
        assert _feature_count(summary) == len(CURRENT)
        assert "category_zh" in summary and "area_mu: Real" in summary
        listing = ogrinfo(program, source, "parcels")
        assert "code (String) = L-1" in listing and "category_zh (String) = 供而未用" in listing
        assert len(re.findall(r"^OGRFeature\(parcels\)", listing, re.M)) == len(CURRENT)
        # a spatial filter reaches the server as bbox: the west cluster only
        west = [*lonlat(-50, -50), *lonlat(550, 350)]
        spat = ogrinfo(program, "-so", "-spat", *(f"{v:.9f}" for v in west), source, "parcels")
        assert _feature_count(spat) == len(WEST)
        buildings = ogrinfo(program, source, "buildings")
        assert _feature_count(buildings) == 3
        assert "state_zh (String) = 部分空置" in buildings and "NB-3" in buildings
