"""Maps: built from the database, opened in real headless Chromium (Debian's, driven by
Playwright), with every network request refused and recorded."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely

from landbank.db import parcels as rows
from landbank.db.engine import make_engine
from landbank.domain.categories import CATEGORIES
from landbank.domain.gcj02 import wgs84_to_gcj02
from landbank.maps.encode import encode_codes, encode_lines, encode_polygons
from tests.conftest import ROOT, Cli, _new_database, make_disposing_city
from tests.helpers import Opened

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module", params=["spatialite", "postgis"])
def map_city(request, tmp_path_factory):
    """The sample city with disposals, built once per engine: maps only read it."""
    url, drop = _new_database(request, request.param, tmp_path_factory.mktemp("city"))
    cli = Cli()
    make_disposing_city(cli, url)
    sample = ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx"
    for what in ("buildings", "vacancies"):
        result = cli("import", what, sample, db=url)
        assert result.exit_code == 0, result.stderr
    yield url
    drop()


def _parcels(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        frame = rows.load_parcels(conn)
    engine.dispose()
    return frame


def test_the_idle_land_map_draws_offline_with_every_parcel_legend_and_popups(
    browser, cli, map_city, tmp_path
):
    path = tmp_path / "idle.html"
    result = cli("map", "--out", path, "--basemap", "none", "--json", db=map_city)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    html = path.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', html)
    assert "cdn" not in html.lower() or "cdn.jsdelivr" not in html
    parcels = _parcels(map_city)
    m = Opened(browser, path)
    try:
        assert m.errors == [] and m.remote == []
        assert m.polygons() == len(parcels) == summary["parcels"]
        idle = parcels[parcels["category"].isin(list(CATEGORIES)[:5])]
        for cat, n in idle["category"].value_counts().items():
            assert m.drawn["layers"][CATEGORIES[cat]["zh"]] == n
        legend = m.page.inner_text(".lb-legend")
        for cat in idle["category"].unique():
            assert CATEGORIES[cat]["zh"] in legend
        assert m.page.locator(".leaflet-control-layers").count() == 1
        assert m.page.locator(".leaflet-control-scale").count() == 1
        assert m.page.locator(".lb-fullscreen").count() == 1
        # a parcel with reasons and a disposal: its popup shows them, found by the search box
        target = idle[idle["category"] == "supplied_not_used"].iloc[0]
        text = m.click_parcel(target["code"])
        assert target["code"] in text and target["name"] in text
        assert CATEGORIES["supplied_not_used"]["zh"] in text
        for reason in target["category_reasons"]:
            assert reason["text_zh"] in text
        assert "处置状态" in text
        # a real click on another parcel's interior opens its popup
        other = idle.iloc[-1]
        m.page.evaluate("() => { landbankMap.closePopup(); }")
        inside = shapely.point_on_surface(other["geometry"])
        m.page.evaluate(
            "([lat, lng]) => { landbankMap.setView([lat, lng], 18, {animate: false}); }",
            [inside.y, inside.x],
        )
        m.page.wait_for_timeout(300)
        xy = m.page.evaluate(
            "([lat, lng]) => { const p = landbankMap.latLngToContainerPoint([lat, lng]);"
            " return [p.x, p.y]; }",
            [inside.y, inside.x],
        )
        # drawn: the parcel's interior is painted in its category's colour, not background
        from io import BytesIO

        from PIL import Image

        shot = Image.open(BytesIO(m.page.screenshot())).convert("RGB")
        assert shot.getpixel((round(xy[0]), round(xy[1]))) != (221, 221, 221)
        m.page.mouse.click(xy[0], xy[1])
        m.page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
        assert other["code"] in m.page.inner_text(".leaflet-popup-content")
        assert m.errors == []
    finally:
        m.close()


def test_idle_buildings_are_circles_listing_their_vacant_floors(browser, cli, map_city, tmp_path):
    path = tmp_path / "b.html"
    assert cli("map", "--out", path, "--basemap", "none", db=map_city).exit_code == 0
    buildings = json.loads(cli("buildings", "list", "--json", db=map_city).stdout)
    m = Opened(browser, path)
    try:
        assert m.errors == []
        circles = sum(n for name, n in m.drawn["layers"].items() if name.startswith("闲置楼宇"))
        assert circles == len(buildings) > 0
        assert "闲置楼宇" in m.page.inner_text(".lb-legend")
        code = buildings[0]["code"]
        shown = json.loads(cli("buildings", "show", code, "--json", db=map_city).stdout)
        m.page.evaluate(
            """code => { landbankMap.eachLayer(l => {
                 if (l instanceof L.CircleMarker && l.lbCode === code) l.fire("click",
                   {latlng: l.getLatLng()}, true); }); }""",
            code,
        )
        m.page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
        text = m.page.inner_text(".leaflet-popup-content")
        assert code in text and "空置楼层" in text
        assert len(m.page.locator(".leaflet-popup-content .lb-rows tr").all()) == 1 + len(
            shown["vacancies"]
        )
    finally:
        m.close()


def test_names_are_shown_as_text_never_run(browser, cli, db_url, tmp_path):
    gpkg = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    assert cli("import", "parcels", gpkg, db=db_url).exit_code == 0
    code = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)[0]["code"]
    name = "<img src=x onerror=alert(1)>{{ 7*7 }}</script><script>alert(2)</script>"
    result = cli("parcels", "set", code, f"name={name}", "--by", "t", "--reason", "t", db=db_url)
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "x.html"
    assert cli("map", "--out", path, "--basemap", "none", db=db_url).exit_code == 0
    m = Opened(browser, path)
    try:
        dialogs = []
        m.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        assert m.errors == [] and m.polygons() > 0
        assert name in m.click_parcel(code)
        assert dialogs == []
    finally:
        m.close()


def test_geometry_survives_the_compact_encoding_in_the_browser(browser, cli, map_city, tmp_path):
    path = tmp_path / "exact.html"
    args = ("map", "--out", path, "--basemap", "none", "--simplify-m", "0")
    assert cli(*args, db=map_city).exit_code == 0
    parcels = _parcels(map_city).set_index("code")
    m = Opened(browser, path)
    try:
        drawn = {code: m.bounds(code) for code in m.page.evaluate("landbank.codes()")}
    finally:
        m.close()
    assert len(drawn) == len(parcels)
    for code, bounds in drawn.items():
        expected = shapely.bounds(parcels.at[code, "geometry"])
        assert np.allclose(bounds, expected, atol=1.5e-6)  # 1e-6 degree grid, ~0.1 m


def test_the_progress_map_colours_districts_by_disposal_rate(browser, cli, map_city, tmp_path):
    path = tmp_path / "progress.html"
    result = cli("--lang", "en", "map", "--progress", "--out", path, "--basemap", "none",
                 db=map_city)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    figures = json.loads(cli("progress", "--json", db=map_city).stdout)
    m = Opened(browser, path, "en")
    try:
        assert m.errors == [] and m.remote == []
        legend = m.page.inner_text(".lb-legend")
        assert "disposal rate by district" in legend and "supplied, not used" in legend
        districts = sum(
            n for name, n in m.drawn["layers"].items() if name.startswith("disposal rate")
        )
        assert districts == len([f for f in figures if f["group"] != "—"])
    finally:
        m.close()


def test_gaode_shifts_geometry_to_gcj02_for_display(browser, cli, map_city, tmp_path):
    path = tmp_path / "gaode.html"
    args = ("map", "--out", path, "--basemap", "gaode", "--simplify-m", "0")
    assert cli(*args, db=map_city).exit_code == 0
    parcels = _parcels(map_city).set_index("code")
    m = Opened(browser, path)
    try:
        assert m.errors == [] or all("ERR_FAILED" in e for e in m.errors)  # tiles refused
        assert m.remote and all("autonavi.com" in u for u in m.remote)
        code = parcels.index[0]
        row = [code, *m.bounds(code)]
    finally:
        m.close()
    minx, miny, *_ = shapely.bounds(parcels.at[row[0], "geometry"])
    gx, gy = wgs84_to_gcj02(np.array([minx]), np.array([miny]))
    assert abs(row[1] - minx) > 1e-4  # moved by hundreds of metres ...
    assert abs(row[1] - gx[0]) < 2e-5 and abs(row[2] - gy[0]) < 2e-5  # ... onto GCJ-02


def test_assets_can_sit_beside_the_map(browser, cli, map_city, tmp_path):
    path = tmp_path / "maps" / "idle.html"
    args = ("map", "--out", path, "--basemap", "none", "--assets-dir", tmp_path / "assets")
    assert cli(*args, db=map_city).exit_code == 0
    assert (tmp_path / "assets" / "leaflet.js").exists()
    assert '<script src="../assets/leaflet.js">' in path.read_text(encoding="utf-8")
    m = Opened(browser, path)
    try:
        assert m.errors == [] and m.remote == [] and m.polygons() > 0
    finally:
        m.close()


def test_a_parcel_map_shows_the_parcel_among_its_neighbours(browser, cli, map_city, tmp_path):
    code = _parcels(map_city)["code"].iloc[5]
    path = tmp_path / "one.html"
    result = cli("parcels", "show", code, "--map", path, "--basemap", "none", db=map_city)
    assert result.exit_code == 0, result.stderr
    m = Opened(browser, path)
    try:
        assert m.errors == [] and m.remote == []
        assert 1 <= m.polygons() < len(_parcels(map_city))
        assert code in m.click_parcel(code)
    finally:
        m.close()


@pytest.mark.parametrize(
    "args, message",
    [
        (("--category", "idle"), "--category idle: use one of"),
        (("--district", "火星区"), "--district 火星区: no parcel there"),
        (("--basemap", "bing"), "--basemap bing: use one of"),
        (("--basemap", "tianditu"), "--basemap tianditu needs a key"),
        (("--out", "m.png"), "a map is an .html file"),
        (("--simplify-m", "-1"), "--simplify-m must be 0 to 50"),
    ],
)
def test_bad_map_options_get_one_line(cli, map_city, tmp_path, monkeypatch, args, message):
    monkeypatch.delenv("LANDBANK_TIANDITU_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = cli("map", *args, db=map_city)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "maps").exists()


def test_tianditu_takes_its_key_from_the_option_or_the_environment(
    cli, map_city, tmp_path, monkeypatch
):
    monkeypatch.setenv("LANDBANK_TIANDITU_KEY", "envkey123")
    path = tmp_path / "t.html"
    assert cli("map", "--out", path, "--basemap", "tianditu", db=map_city).exit_code == 0
    html = path.read_text(encoding="utf-8")
    assert "tk=envkey123" in html and "vec_w" in html and "img_w" in html and "cva_w" in html


def test_gcj02_agrees_with_an_independent_implementation():
    evil = pytest.importorskip("eviltransform")
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(74, 135, 500), rng.uniform(18, 53, 500)
    ours_x, ours_y = wgs84_to_gcj02(lon, lat)
    for i in range(500):
        ey, ex = evil.wgs2gcj(lat[i], lon[i])
        assert abs(ours_x[i] - ex) < 1e-6 and abs(ours_y[i] - ey) < 1e-6  # 0.1 m
    x, y = wgs84_to_gcj02(np.array([2.35]), np.array([48.85]))  # Paris: outside China
    assert x[0] == 2.35 and y[0] == 48.85


def test_compact_columns_decode_to_what_was_encoded():
    codes = ["370402-01-000001", "370402-01-000002", "370402-01-000010", "A", ""]
    flat, prev, out = encode_codes(codes)["f"], "", []
    for k in range(0, len(flat), 2):
        prev = prev[: flat[k]] + flat[k + 1]
        out.append(prev)
    assert out == codes
    texts = ["投资强度300.0万元/亩，低于准入标准400.0万元/亩\n批准于2022-09-23，尚未供地", None] * 5
    enc = encode_lines(texts)
    parts = [t.split("\x01") for t in enc["t"]]
    for text, row in zip(texts, enc["l"], strict=True):
        if text is None:
            assert row is None
            continue
        lines, k = [], 0
        while k < len(row):
            p = parts[row[k]]
            k += 1
            s = p[0]
            for piece in p[1:]:
                s += row[k] + piece
                k += 1
            lines.append(s)
        assert "\n".join(lines) == text
    assert encode_lines([f"unique text {c}" * (i + 1) for i, c in enumerate("abcdefghijkl")])[
        0
    ].startswith("unique")  # no repeating shape: stays plain


def test_rings_keep_holes_and_drop_slivers():
    donut = shapely.box(117, 35, 117.01, 35.01).difference(
        shapely.box(117.004, 35.004, 117.006, 35.006)
    )
    sliver = shapely.box(117.02, 35, 117.03, 35.00000001)
    enc = encode_polygons(np.array([donut, sliver, None], dtype=object))
    assert len(enc[0]) == 1 and len(enc[0][0]) == 2  # one polygon, exterior and hole
    assert enc[1] == [] and enc[2] == []
