"""Idle buildings and their vacant floors: import (sample workbook, Chinese headers,
vector files in a projected CRS, upsert), the derived state, list and show, and bad
input refused with one clear line and the database unchanged. On both engines."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from landbank.domain.buildings import building_state, state_label, vacancy_totals
from tests.conftest import ROOT
from tests.helpers import table_counts

SAMPLE = ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx"

BUILDINGS = pd.DataFrame(
    {
        "code": ["NB-1", "NB-2", "NB-3"],
        "name": ["一号厂房", "二号楼", "三号库"],
        "park": ["滕州经济开发区", "滕州经济开发区", "峄城经济开发区"],
        "building_type": ["standard_factory", "office", "warehouse"],
        "floors": ["2", "5", "1"],
        "total_floor_area_m2": ["4000", "10000", "2500"],
        "lon": ["117.17", "117.18", "117.61"],
        "lat": ["35.07", "35.08", "34.78"],
    }
)
VACANCIES = pd.DataFrame(
    {
        "building_code": ["NB-1", "NB-1", "NB-2"],
        "floor": ["1", "2", "3"],
        "unit": ["", "", ""],
        "vacant_area_m2": ["2000", "2000", "1500"],
        "available_from": ["2026-09-01", "2026-10-01", ""],
        "rent_yuan_m2_month": ["12", "12", "30"],
    }
)


def _csv(tmp: Path, frame: pd.DataFrame, name: str, edits=None, drop=()) -> Path:
    """Writes ``frame`` as a CSV with some cells ((row, column) → text) replaced."""
    data = frame.copy()
    for (row, col), value in (edits or {}).items():
        data.loc[row, col] = value
    path = tmp / name
    data.drop(columns=list(drop)).to_csv(path, index=False)
    return path


def _json(result) -> dict | list:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---- the state rule, on hand-made frames -------------------------------------------

STATE_CASES = {
    # name: (floors, total m², vacancies [(floor, unit, m²)], state)
    "vacant_area_reaches_total_floor_area": (
        2,
        4000.0,
        [(1, None, 2000), (2, None, 2000)],
        "vacant",
    ),
    "every_floor_vacant_where_total_unknown": (2, None, [(1, None, 900), (2, None, 800)], "vacant"),
    "every_floor_listed_but_area_short_of_total": (
        2,
        4000.0,
        [(1, None, 900), (2, None, 800)],
        "partly_vacant",
    ),
    "units_are_not_whole_floors": (1, None, [(1, "101", 100)], "partly_vacant"),
    "some_space_vacant": (5, 10000.0, [(3, None, 1500)], "partly_vacant"),
    "no_vacancy": (3, 6000.0, [], "occupied"),
}


@pytest.mark.parametrize("case", sorted(STATE_CASES))
def test_building_state_follows_its_vacancies(case):
    floors, total, rows, expected = STATE_CASES[case]
    buildings = pd.DataFrame({"code": ["B"], "floors": [floors], "total_floor_area_m2": [total]})
    vacancies = pd.DataFrame(
        [("B", f, u, a) for f, u, a in rows],
        columns=["building_code", "floor", "unit", "vacant_area_m2"],
    )
    frame = vacancy_totals(buildings, vacancies)
    assert building_state(frame).tolist() == [expected]
    assert buildings.columns.tolist() == ["code", "floors", "total_floor_area_m2"]  # unchanged


def test_state_labels_in_zh_and_en():
    assert state_label("partly_vacant", "zh") == "部分空置"
    assert state_label("partly_vacant", "en") == "partly vacant"
    assert state_label(None) == ""


# ---- import, list, show on both engines ---------------------------------------------


def test_the_sample_workbook_imports_buildings_and_vacant_floors(cli, db_url):
    summary = _json(cli("import", "buildings", SAMPLE, "--json", db=db_url))
    assert (summary["rows"], summary["imported"]) == (12, 12)
    assert summary["source_crs"].startswith("EPSG:4490")
    vac = _json(cli("import", "vacancies", SAMPLE, "--json", db=db_url))
    assert (vac["rows"], vac["buildings"], vac["inserted"]) == (33, 12, 33)
    items = _json(cli("buildings", "list", "--json", db=db_url))
    assert len(items) == 12 and {b["state"] for b in items} <= {
        "vacant",
        "partly_vacant",
        "occupied",
    }
    shown = _json(cli("buildings", "show", "LY-0001", "--json", db=db_url))
    assert shown["building_type"] == "standard_factory" and shown["floors"] == 3
    assert shown["geometry_type"] == "Point"
    assert shown["lon"] == pytest.approx(117.179246) and shown["lat"] == pytest.approx(35.074929)
    assert [(v["floor"], v["vacant_area_m2"]) for v in shown["vacancies"]] == [
        (2, 1182.0),
        (3, 1836.0),
    ]
    assert shown["vacancies"][0]["available_from"] == "2026-09-21"
    assert shown["vacant_area_m2"] == 3018.0 and shown["state"] == "partly_vacant"


def test_chinese_headers_and_values_are_read(cli, db_url, tmp_path):
    zh = BUILDINGS.rename(
        columns={
            "code": "楼宇编号",
            "name": "楼宇名称",
            "park": "所属园区",
            "building_type": "楼宇类型",
            "floors": "层数",
            "total_floor_area_m2": "总建筑面积(㎡)",
            "lon": "经度",
            "lat": "纬度",
        }
    ).assign(楼宇类型=["标准厂房", "写字楼", "仓库"], 联系电话=["1", "2", "3"])
    path = tmp_path / "楼宇.xlsx"
    zh.to_excel(path, index=False, sheet_name="楼宇")
    assert _json(cli("import", "buildings", path, "--json", db=db_url))["imported"] == 3
    vac = VACANCIES.rename(
        columns={
            "building_code": "楼宇编号",
            "floor": "楼层",
            "unit": "单元",
            "vacant_area_m2": "空置面积(㎡)",
            "available_from": "可入驻日期",
            "rent_yuan_m2_month": "租金",
        }
    ).assign(可入驻日期=["2026年9月1日", "2026/10/1", ""])
    assert _json(cli("import", "vacancies", _csv(tmp_path, vac, "空置.csv"), "--json", db=db_url))
    shown = _json(cli("buildings", "show", "NB-1", "--json", db=db_url))
    assert shown["building_type"] == "standard_factory" and shown["contact"] == "1"
    assert shown["state"] == "vacant"  # 2000 + 2000 of 4000 m²
    assert [v["available_from"] for v in shown["vacancies"]] == ["2026-09-01", "2026-10-01"]


def test_footprints_and_points_in_a_gauss_kruger_geopackage(cli, db_url, tmp_path):
    to_gk = Transformer.from_crs(4490, 4527, always_xy=True)  # CGCS2000 3° zone 39
    x, y = to_gk.transform(117.17, 35.07)
    data = gpd.GeoDataFrame(
        {"code": ["G-1", "G-2"], "building_type": ["warehouse", "other"]},
        geometry=[shapely.box(x, y, x + 60, y + 40), shapely.Point(x + 500, y)],
        crs="EPSG:4527",
    )
    path = tmp_path / "b.gpkg"
    data.to_file(path, layer="楼宇")
    summary = _json(cli("import", "buildings", path, "--json", db=db_url))
    assert summary["source_crs"].startswith("EPSG:4527")
    footprint = _json(cli("buildings", "show", "G-1", "--json", db=db_url))
    assert footprint["geometry_type"] == "MultiPolygon"
    assert footprint["lon"] == pytest.approx(117.1703, abs=1e-3)
    assert footprint["lat"] == pytest.approx(35.0702, abs=1e-3)
    point = _json(cli("buildings", "show", "G-2", "--json", db=db_url))
    assert point["geometry_type"] == "Point" and point["state"] == "occupied"


def test_upsert_updates_changed_buildings_and_keeps_their_vacancies(cli, db_url, tmp_path):
    cli("import", "buildings", _csv(tmp_path, BUILDINGS, "b.csv"), db=db_url)
    cli("import", "vacancies", _csv(tmp_path, VACANCIES, "v.csv"), db=db_url)
    changed = _csv(tmp_path, BUILDINGS, "b2.csv", {(1, "name"): "新二号楼", (2, "lon"): "117.62"})
    again = cli("import", "buildings", changed, db=db_url)
    assert again.exit_code == 1 and "pass --upsert" in again.stderr
    summary = _json(cli("import", "buildings", changed, "--upsert", "--json", db=db_url))
    assert (summary["updated"], summary["unchanged"]) == (2, 1)
    two = _json(cli("buildings", "show", "NB-2", "--json", db=db_url))
    assert two["name"] == "新二号楼" and two["version"] == 2
    assert [v["floor"] for v in two["vacancies"]] == [3]
    assert _json(cli("buildings", "show", "NB-3", "--json", db=db_url))["lon"] == 117.62
    assert _json(cli("buildings", "show", "NB-1", "--json", db=db_url))["version"] == 1


def test_vacancies_reimported_replace_only_the_buildings_named(cli, db_url, tmp_path):
    cli("import", "buildings", _csv(tmp_path, BUILDINGS, "b.csv"), db=db_url)
    cli("import", "vacancies", _csv(tmp_path, VACANCIES, "v.csv"), db=db_url)
    update = pd.DataFrame({"building_code": ["NB-1"], "floor": ["2"], "vacant_area_m2": ["500"]})
    summary = _json(
        cli("import", "vacancies", _csv(tmp_path, update, "v2.csv"), "--json", db=db_url)
    )
    assert (summary["replaced"], summary["inserted"]) == (2, 1)
    one = _json(cli("buildings", "show", "NB-1", "--json", db=db_url))
    assert [(v["floor"], v["vacant_area_m2"]) for v in one["vacancies"]] == [(2, 500.0)]
    assert one["state"] == "partly_vacant"
    assert len(_json(cli("buildings", "show", "NB-2", "--json", db=db_url))["vacancies"]) == 1
    let = pd.DataFrame({"building_code": ["NB-2"], "vacant_area_m2": ["0"]})
    cli("import", "vacancies", _csv(tmp_path, let, "v3.csv"), db=db_url)
    two = _json(cli("buildings", "show", "NB-2", "--json", db=db_url))
    assert two["vacancies"] == [] and two["state"] == "occupied"


def test_list_filters_by_park_and_state_and_show_prints_the_vacant_floors(cli, db_url, tmp_path):
    cli("import", "buildings", _csv(tmp_path, BUILDINGS, "b.csv"), db=db_url)
    cli("import", "vacancies", _csv(tmp_path, VACANCIES, "v.csv"), db=db_url)
    items = _json(cli("buildings", "list", "--json", db=db_url))
    assert {b["code"]: b["state"] for b in items} == {
        "NB-1": "vacant",
        "NB-2": "partly_vacant",
        "NB-3": "occupied",
    }
    assert items[0]["vacant_area_m2"] == 4000.0 and items[0]["vacant_floors"] == 2
    park = _json(cli("buildings", "list", "--park", "滕州经济开发区", "--json", db=db_url))
    assert [b["code"] for b in park] == ["NB-1", "NB-2"]
    partly = _json(cli("buildings", "list", "--state", "partly_vacant", "--json", db=db_url))
    assert [b["code"] for b in partly] == ["NB-2"]
    table = cli("--lang", "en", "buildings", "list", db=db_url)
    assert (
        table.exit_code == 0 and "partly vacant" in table.stdout and "3 buildings" in table.stdout
    )
    shown = cli("buildings", "show", "NB-1", db=db_url)
    assert shown.exit_code == 0
    assert "空置 (vacant)" in shown.stdout and "2026-10-01" in shown.stdout


def test_a_vacant_building_is_activated_with_the_disposal_workflow(cli, db_url, tmp_path):
    cli("import", "buildings", _csv(tmp_path, BUILDINGS, "b.csv"), db=db_url)
    cli("import", "vacancies", _csv(tmp_path, VACANCIES, "v.csv"), db=db_url)
    before = table_counts(db_url)
    for args, says in (
        (("--method", "reclaim"), "transfer or other"),
        (("--method", "transfer", "--area-mu", "3"), "--area-mu"),
        (("--method", "transfer", "--cause", "enterprise"), "--cause"),
    ):
        r = cli("disposal", "open", "NB-1", *args, "--by", "王", db=db_url)
        assert r.exit_code == 1 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert table_counts(db_url) == before
    opened = cli(
        "disposal", "open", "NB-1", "--method", "transfer", "--by", "王", "--planned",
        "2026-12-31", "--on", "2026-06-01", "--json", db=db_url,
    )  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    assert json.loads(opened.stdout)["disposals"][0]["subject"] == "building"
    for to, on in (("investigating", "2026-06-02"), ("determined", "2026-06-03")):
        r = cli("disposal", "advance", "NB-1", "--to", to, "--by", "王", "--on", on, db=db_url)
        assert r.exit_code == 0, r.stderr
    shown = _json(cli("buildings", "show", "NB-1", "--json", db=db_url))
    assert shown["activation"]["state"] == "determined"
    assert shown["activation"]["method"] == "transfer"
    listed = {
        b["code"]: b["activation_state"]
        for b in _json(cli("buildings", "list", "--json", db=db_url))
    }
    assert listed == {"NB-1": "determined", "NB-2": None, "NB-3": None}
    # the steps are the building's history; no parcel history is written, no land progress
    after = table_counts(db_url)
    assert after["disposal"] == before["disposal"] + 1
    assert after["parcel_event"] == before["parcel_event"]
    due = _json(cli("disposal", "due", "--within", "3650", "--json", db=db_url))
    assert [d["what"] for d in due if d["code"] == "NB-1"] == ["planned transfer"]
    # a second activation while one is open is refused
    again = cli("disposal", "open", "NB-1", "--method", "other", "--by", "王", db=db_url)
    assert again.exit_code == 1 and "already has an open disposal" in again.stderr


def test_unknown_state_and_unknown_code_are_one_line(cli, db_url):
    bad = cli("buildings", "list", "--state", "empty", db=db_url)
    assert bad.exit_code == 1 and "--state 'empty' is unknown; use one of vacant" in bad.stderr
    missing = cli("buildings", "show", "NOPE", db=db_url)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        f"error: building 'NOPE' is not in the database; see landbank --db {db_url} buildings list"
    )


def test_dry_run_writes_nothing(cli, db_url, tmp_path):
    before = table_counts(db_url)
    summary = _json(
        cli(
            "import",
            "buildings",
            _csv(tmp_path, BUILDINGS, "b.csv"),
            "--dry-run",
            "--json",
            db=db_url,
        )
    )
    assert summary["imported"] == 3 and table_counts(db_url) == before


# ---- bad input: one line, exit 1, database unchanged --------------------------------


def _line_file(tmp: Path) -> Path:
    data = gpd.GeoDataFrame(
        {"code": ["L-1"]}, geometry=[shapely.LineString([(117.1, 35.0), (117.2, 35.1)])], crs=4490
    )
    path = tmp / "line.gpkg"
    data.to_file(path)
    return path


B = BUILDINGS
V = VACANCIES.replace({"building_code": {"NB-1": "LY-0001", "NB-2": "LY-0002"}})  # the sample's
# name: (command, make the file from tmp_path, words the line must hold)
CASES = {
    "duplicate_codes": (
        "buildings",
        lambda t: _csv(t, B, "d.csv", {(1, "code"): "NB-1"}),
        ["code", "NB-1", "more than once"],
    ),
    "no_code_column": (
        "buildings",
        lambda t: _csv(t, B, "n.csv", drop=["code"]),
        ["no code column", "--field code="],
    ),
    "blank_code": (
        "buildings",
        lambda t: _csv(t, B, "e.csv", {(2, "code"): ""}),
        ["row 4", "code", "empty"],
    ),
    "negative_area": (
        "buildings",
        lambda t: _csv(t, B, "g.csv", {(0, "total_floor_area_m2"): "-5"}),
        ["row 2", "total_floor_area_m2", "below 0"],
    ),
    "area_with_unit": (
        "buildings",
        lambda t: _csv(t, B, "u.csv", {(1, "total_floor_area_m2"): "1万"}),
        ["row 3", "total_floor_area_m2", "not a number"],
    ),
    "fractional_floors": (
        "buildings",
        lambda t: _csv(t, B, "f.csv", {(0, "floors"): "2.5"}),
        ["row 2", "floors", "not a whole number"],
    ),
    "lon_out_of_range": (
        "buildings",
        lambda t: _csv(t, B, "lo.csv", {(1, "lon"): "217.2"}),
        ["row 3", "lon", "not a longitude"],
    ),
    "lon_lat_swapped": (
        "buildings",
        lambda t: _csv(t, B, "sw.csv", {(0, "lon"): "35.07", (0, "lat"): "117.17"}),
        ["row 2", "swapped"],
    ),
    "blank_location": (
        "buildings",
        lambda t: _csv(t, B, "bl.csv", {(0, "lat"): ""}),
        ["row 2", "lat", "empty"],
    ),
    "no_location": (
        "buildings",
        lambda t: _csv(t, B, "nl.csv", drop=["lon", "lat"]),
        ["no location", "lon and lat"],
    ),
    "unknown_type": (
        "buildings",
        lambda t: _csv(t, B, "ty.csv", {(0, "building_type"): "castle"}),
        ["row 2", "building_type", "standard_factory"],
    ),
    "line_geometry": ("buildings", _line_file, ["feature 1", "geometry", "LineString"]),
    "already_stored": (
        "buildings",
        lambda t: _csv(t, B.assign(code=["LY-0001", "X-1", "X-2"]), "s.csv"),
        ["LY-0001", "already in the database", "--upsert"],
    ),
    "unknown_building": (
        "vacancies",
        lambda t: _csv(t, V, "ub.csv", {(2, "building_code"): "NOPE-9"}),
        ["row 4", "building_code", "NOPE-9", "not in the database"],
    ),
    "bad_date": (
        "vacancies",
        lambda t: _csv(t, V, "bd.csv", {(1, "available_from"): "2026-02-30"}),
        ["row 3", "available_from", "YYYY-MM-DD"],
    ),
    "negative_vacant_area": (
        "vacancies",
        lambda t: _csv(t, V, "nv.csv", {(0, "vacant_area_m2"): "-10"}),
        ["row 2", "vacant_area_m2", "below 0"],
    ),
    "text_vacant_area": (
        "vacancies",
        lambda t: _csv(t, V, "tv.csv", {(0, "vacant_area_m2"): "半层"}),
        ["row 2", "vacant_area_m2", "not a number"],
    ),
    "blank_vacant_area": (
        "vacancies",
        lambda t: _csv(t, V, "bv.csv", {(2, "vacant_area_m2"): ""}),
        ["row 4", "vacant_area_m2", "empty"],
    ),
    "floor_above_building": (
        "vacancies",
        lambda t: _csv(t, V, "fa.csv", {(0, "floor"): "9"}),
        ["row 2", "floor", "above the 3 floors", "LY-0001"],
    ),
    "floor_twice": (
        "vacancies",
        lambda t: _csv(t, V, "ft.csv", {(1, "floor"): "1"}),
        ["row 3", "listed twice"],
    ),
    "no_building_code_column": (
        "vacancies",
        lambda t: _csv(t, V, "nc.csv", drop=["building_code"]),
        ["no building_code column"],
    ),
    "vacancies_not_a_table": ("vacancies", _line_file, [".csv or .xlsx"]),
}


@pytest.fixture
def sample_db(cli, db_url):
    """A database holding the sample buildings and vacancies."""
    assert cli("import", "buildings", SAMPLE, db=db_url).exit_code == 0
    assert cli("import", "vacancies", SAMPLE, db=db_url).exit_code == 0
    return db_url


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_building_input_gets_one_clear_line_and_leaves_the_database_unchanged(
    case, cli, sample_db, tmp_path
):
    command, make, words = CASES[case]
    path = make(tmp_path)
    before = table_counts(sample_db)
    result = cli("import", command, path, db=sample_db)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("error: "), line
    assert "Traceback" not in result.stderr
    assert path.name in line, line
    for word in words:
        assert word in line, (word, line)
    assert table_counts(sample_db) == before
