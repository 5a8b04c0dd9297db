"""landbank export: every format out, and back in unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from landbank.domain.fields import PARCEL_FIELDS
from tests.helpers import write_vector

FORMATS = [".gpkg", ".geojson", ".shp", ".fgb", ".csv", ".xlsx"]


def _records(cli, db):
    items = json.loads(cli("parcels", "list", "--json", db=db).stdout)
    return {
        p["code"]: json.loads(cli("parcels", "show", p["code"], "--json", db=db).stdout)
        for p in items
    }


@pytest.fixture
def loaded(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city.head(12), tmp_path / "in.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    return db_url


@pytest.mark.parametrize("suffix", FORMATS)
def test_export_then_import_gives_the_same_codes_areas_and_attributes(
    suffix, cli, loaded, tmp_path, other_db_url
):
    out = tmp_path / f"out{suffix}"
    result = cli("export", out, "--json", db=loaded)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["count"] == 12
    db2 = other_db_url
    result = cli("import", "parcels", out, db=db2)
    assert result.exit_code == 0, result.stderr
    before, after = _records(cli, loaded), _records(cli, db2)
    assert set(before) == set(after)
    for code, rec in before.items():
        other = after[code]
        assert other["area_mu"] == pytest.approx(rec["area_mu"], rel=1e-7)
        for f in PARCEL_FIELDS:
            if f.kind == "number":
                assert other[f.name] == pytest.approx(rec[f.name], nan_ok=True), f.name
            else:
                assert other[f.name] == rec[f.name], (suffix, f.name)


def test_geopackage_opens_in_gdal_with_the_same_count_and_epsg_4490(cli, loaded, tmp_path):
    if shutil.which("ogrinfo") is None:
        pytest.skip("GDAL's ogrinfo is not installed (make setup installs gdal-bin)")
    out = tmp_path / "out.gpkg"
    assert cli("export", out, db=loaded).exit_code == 0
    info = subprocess.run(
        ["ogrinfo", "-so", str(out), "parcels"], capture_output=True, text=True, check=True
    )
    assert "Feature Count: 12" in info.stdout
    assert 'ID["EPSG",4490]' in info.stdout
    assert "Warning" not in info.stderr  # GeoPackage 1.2: no complaint from older GDAL


def test_ledger_has_chinese_headers_and_a_frozen_header_row(cli, loaded, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "ledger.xlsx"
    assert cli("export", out, db=loaded).exit_code == 0
    ws = load_workbook(out).active
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["地块编号", "地块名称", "行政区"]
    assert "计算面积(亩)" in headers
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 13


def test_export_refuses_an_unknown_suffix(cli, loaded, tmp_path):
    result = cli("export", tmp_path / "out.docx", db=loaded)
    assert result.exit_code == 1
    assert "cannot tell the format" in result.stderr and ".gpkg" in result.stderr


def test_export_one_category_or_some_codes(cli, loaded, small_city, tmp_path):
    codes = ",".join(small_city["code"].head(3))
    result = cli("export", tmp_path / "some.geojson", "--codes", codes, "--json", db=loaded)
    assert json.loads(result.stdout)["count"] == 3
    result = cli("export", tmp_path / "none.geojson", "--category", "compliant", db=loaded)
    assert result.exit_code == 1 and "no parcels match" in result.stderr
    result = cli("export", tmp_path / "x.geojson", "--category", "idle", db=loaded)
    assert result.exit_code == 1 and "approved_not_supplied" in result.stderr
