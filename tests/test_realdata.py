"""Real third-party files with the mess real data has (../shared/realdata)."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest

from tests.conftest import require_realdata


def test_philadelphia_needs_repair_and_its_vacant_lots_are_found(cli, db_url, tmp_path):
    src = require_realdata("philly_fishtown_parcels.geojson")
    # The city's file has no parcel id (ADDRESS repeats 915 times and is blank once):
    # a clerk numbers the rows first, as they would in a spreadsheet.
    gdf = pyogrio.read_dataframe(src)
    gdf.insert(0, "pid", [f"PHL-{i + 1:05d}" for i in range(len(gdf))])
    path = tmp_path / "philly.gpkg"
    gdf.to_file(path, engine="pyogrio")
    args = [
        "import",
        "parcels",
        path,
        "--field",
        "code=pid",
        "--field",
        "land_use=BC_LANDUSE",
        "--field",
        "holder=OWNER1",
    ]
    result = cli(*args, db=db_url)
    assert result.exit_code == 1
    assert "feature 55, geometry: invalid (Self-intersection" in result.stderr
    assert "(and 4 more)" in result.stderr and "--repair" in result.stderr
    result = cli(*args, "--repair", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 6528 and summary["repaired"] == 5
    assert any("outside the profile's jurisdiction" in w for w in summary["warnings"])
    items = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    vacant = [p for p in items if p["land_use"] == "Lot"]
    assert len(vacant) == 506


def test_kastoria_repeated_ids_are_refused_then_dissolved(cli, db_url):
    src = require_realdata("kastoria_cad1925", "cad1925.shp")
    args = ["import", "parcels", src, "--field", "code=KAK"]
    result = cli(*args, db=db_url)
    assert result.exit_code == 1  # 101 polygons carry no id at all
    assert "feature 392, code: empty (and 100 more rows)" in result.stderr
    assert "--skip-uncoded" in result.stderr
    result = cli(*args, "--skip-uncoded", db=db_url)
    assert result.exit_code == 1
    assert "5 codes appear more than once" in result.stderr
    result = cli(*args, "--skip-uncoded", "--dissolve-duplicates", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 387 and summary["dissolved"] == 5
    assert summary["skipped_uncoded"] == 101
    assert summary["source_crs"].startswith("EPSG:2100")
    total = sum(
        p["area_mu"] for p in json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    )
    src_gdf = gpd.read_file(src)
    coded = src_gdf[src_gdf["KAK"].notna()]
    # Greek Grid's plane against our Gauss-Krüger plane: within 0.5 %
    assert total * 10000 / 15 == pytest.approx(coded.geometry.area.sum(), rel=5e-3)


def test_wuhan_mislabelled_crs_is_caught_and_explained(cli, db_url):
    src = require_realdata("wuhan_cug_buildings_mislabelled_crs.geojson")
    result = cli("import", "parcels", src, "--field", "code=id", db=db_url)
    assert result.exit_code == 1
    line = result.stderr
    assert "EPSG:32649" in line and "outside its area of use" in line
    assert "Web Mercator (EPSG:3857)" in line and "--crs EPSG:3857" in line
    result = cli(
        "import", "parcels", src, "--field", "code=id", "--crs", "EPSG:3857", "--json", db=db_url
    )
    assert result.exit_code == 0, result.stderr
    items = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    assert len(items) == 39
    shown = json.loads(cli("parcels", "show", items[0]["code"], "--json", db=db_url).stdout)
    lon, lat = shown["centroid"]
    assert 114.2 < lon < 114.7 and 30.3 < lat < 30.7  # the campus, in Wuhan
