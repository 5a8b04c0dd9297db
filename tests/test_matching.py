"""Matching on hand-built layouts where the right answer is known: the single best
parcel, a site only assembly can make, a road gap inside and outside the limit, a
reserved parcel left out, floors combined, a project below the park standard flagged;
the requirement files, the map and the Excel pack. Both engines."""

from __future__ import annotations

import importlib.util
import json
import math
import threading
import uuid
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import psycopg
import pytest
import shapely
from sqlalchemy import text

from landbank.db.engine import make_engine
from tests.conftest import ROOT
from tests.helpers import Opened, table_counts, write_vector

LON0, LAT0 = 117.30, 34.80
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """A w × h metre rectangle whose south-west corner is x, y metres from LON0, LAT0."""
    return shapely.box(LON0 + x / KX, LAT0 + y / KY, LON0 + (x + w) / KX, LAT0 + (y + h) / KY)


# (code, district, geometry): every parcel approved, not supplied, industrial (0601)
LAYOUT = [
    # one parcel of 60 mu (200 m × 200 m) near the point; one of 51 mu 3 km away
    ("BIG", "单块区", box(0, 0, 200, 200)),
    ("FAR", "单块区", box(3000, 0, 180, 190)),
    # two 22.5 mu parcels sharing an edge: only together do they reach 40 mu
    ("S1", "组合区", box(0, 5000, 150, 100)),
    ("S2", "组合区", box(150, 5000, 150, 100)),
    # the same across a 20 m road (inside the 30 m limit) ...
    ("G1", "路隔区", box(0, 10000, 150, 100)),
    ("G2", "路隔区", box(170, 10000, 150, 100)),
    # ... and across a 50 m road (outside it)
    ("H1", "远隔区", box(0, 15000, 150, 100)),
    ("H2", "远隔区", box(200, 15000, 150, 100)),
    # a supplied, operating parcel right beside BIG: not available
    ("USED", "单块区", box(200, 0, 200, 200)),
]


def _mu(geom) -> float:
    return shapely.area(shapely.transform(geom, lambda xy: xy * [KX, KY])) / (10_000 / 15)


@pytest.fixture
def layout(cli, db_url, tmp_path) -> str:
    rows = []
    for code, district, geom in LAYOUT:
        used = code == "USED"
        rows.append(
            {
                "code": code,
                "district": district,
                "park": "示范园",
                "land_use": "0601",
                "holder": "某公司" if used else None,
                "approved_on": "2025-03-01",
                "supplied_on": "2025-06-01" if used else None,
                "agreed_start_on": "2025-09-01" if used else None,
                "started_on": "2025-09-01" if used else None,
                "completed_on": "2026-01-01" if used else None,
                "operating_on": "2026-02-01" if used else None,
                "land_price_wan": 900.0 if code == "FAR" else None,
                "geometry": geom,
            }
        )
    path = tmp_path / "layout.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:4490").to_file(path, engine="pyogrio")
    r = cli("import", "parcels", str(path), db=db_url)
    assert r.exit_code == 0, r.stderr
    r = cli("classify", "--as-of", "2026-06-30", db=db_url)
    assert r.exit_code == 0, r.stderr
    return db_url


def match(cli, db, *args) -> list[dict]:
    r = cli("match", *args, "--as-of", "2026-06-30", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_the_single_best_parcel_comes_first_with_its_reasons(cli, layout):
    found = match(
        cli, layout, "--area-mu", "50:70", "--use", "industrial", "--district", "单块区",
        "--near", f"{LON0},{LAT0}", "--within-km", "10",
    )  # fmt: skip
    assert [c["codes"] for c in found] == [["BIG"], ["FAR"]]
    best = found[0]
    assert best["kind"] == "parcel"
    assert best["area_mu"] == pytest.approx(_mu(box(0, 0, 200, 200)), rel=0.01)
    assert set(best["components"]) >= {"area_fit", "readiness", "shape", "distance"}
    assert best["components"]["distance"] > found[1]["components"]["distance"]
    assert best["score"] > found[1]["score"]
    assert any("批而未供" in r for r in best["reasons"])
    # the radius is a hard filter: 2 km leaves the far parcel out
    near = match(
        cli, layout, "--area-mu", "50:70", "--district", "单块区",
        "--near", f"{LON0},{LAT0}", "--within-km", "2",
    )  # fmt: skip
    assert [c["codes"] for c in near] == [["BIG"]]
    # and so is the price: FAR's 900 万元 is over 800
    cheap = match(cli, layout, "--area-mu", "50:70", "--district", "单块区",
                  "--max-price-wan", "800")  # fmt: skip
    assert [c["codes"] for c in cheap] == [["BIG"]]


def test_a_site_only_assembly_can_make(cli, layout):
    found = match(cli, layout, "--area-mu", "40:50", "--district", "组合区")
    assert len(found) == 1
    site = found[0]
    assert site["kind"] == "site"
    assert sorted(site["codes"]) == ["S1", "S2"]
    assert site["area_mu"] == pytest.approx(2 * _mu(box(0, 0, 150, 100)), rel=0.01)
    assert site["components"]["assembly"] < 1


def test_a_road_gap_inside_the_limit_joins_and_outside_it_does_not(cli, layout):
    inside = match(cli, layout, "--area-mu", "40:50", "--district", "路隔区")
    assert [sorted(c["codes"]) for c in inside] == [["G1", "G2"]]
    assert not match(cli, layout, "--area-mu", "40:50", "--district", "远隔区")


def test_a_reserved_parcel_leaves_other_projects_matches(cli, layout, tmp_path):
    project = tmp_path / "p.toml"
    project.write_text(
        'name = "甲项目"\n[land]\narea_mu_min = 50\narea_mu_max = 70\ndistricts = ["单块区"]\n',
        encoding="utf-8",
    )
    other = tmp_path / "q.toml"
    other.write_text(project.read_text(encoding="utf-8").replace("甲项目", "乙项目"), "utf-8")
    for f in (project, other):
        assert cli("projects", "add", str(f), db=layout).exit_code == 0
    r = cli(
        "reserve", "BIG", "--project", "甲项目", "--until", "2099-01-01", "--by", "王", db=layout
    )
    assert r.exit_code == 0, r.stderr
    assert [c["codes"] for c in match(cli, layout, "--project", "乙项目")] == [["FAR"]]
    # the project holding it still sees it
    assert ["BIG"] in [c["codes"] for c in match(cli, layout, "--project", "甲项目")]
    # and so does everybody once it is released
    assert cli("release", "BIG", "--project", "甲项目", "--by", "王", db=layout).exit_code == 0
    assert ["BIG"] in [c["codes"] for c in match(cli, layout, "--project", "乙项目")]


def test_a_project_below_the_park_standard_is_flagged_not_hidden(cli, layout, tmp_path):
    low = tmp_path / "low.toml"
    # 60 mu × the default 30 万元/亩 tax would be 1,800; 600 is far below
    low.write_text(
        'name = "低效项目"\nindustry = "3811"\n[land]\narea_mu_min = 50\narea_mu_max = 70\n'
        'districts = ["单块区"]\ninvestment_wan = 30000\nannual_output_wan = 40000\n'
        "annual_tax_wan = 600\n",
        encoding="utf-8",
    )
    found = match(cli, layout, "--project", str(low))
    assert [c["codes"] for c in found] == [["BIG"], ["FAR"]]
    assert all("below_standard" in c["flags"] for c in found)
    assert all(c["components"]["standard"] < 1 for c in found)
    assert any("亩均税收" in r for r in found[0]["reasons"])
    good = low.read_text(encoding="utf-8").replace("annual_tax_wan = 600", "annual_tax_wan = 3000")
    low.write_text(good, encoding="utf-8")
    assert not any(c["flags"] for c in match(cli, layout, "--project", str(low)))


BUILDINGS = pd.DataFrame(
    {
        "code": ["TF-1", "TF-2", "TF-3"],
        "name": ["一号厂房", "二号厂房", "三号写字楼"],
        "park": ["示范园"] * 3,
        "building_type": ["standard_factory", "standard_factory", "office"],
        "floors": [3, 1, 10],
        "total_floor_area_m2": [3000, 2000, 20000],
        "floor_load_kn_m2": [10, 5, 3],
        "clear_height_m": [8, 8, 3.5],
        "power_kva": [800, 800, 400],
        "lon": [LON0, LON0 + 0.01, LON0 + 0.02],
        "lat": [LAT0, LAT0, LAT0],
    }
)
VACANCIES = pd.DataFrame(
    {
        "building_code": ["TF-1", "TF-1", "TF-1", "TF-2", "TF-3"],
        "floor": [1, 2, 3, 1, 5],
        "vacant_area_m2": [800, 900, 700, 1800, 1800],
        "available_from": ["2026-08-01", "", "", "", ""],
        "rent_yuan_m2_month": [12, 12, 11, 9, 40],
    }
)


@pytest.fixture
def factories(cli, db_url, tmp_path) -> str:
    BUILDINGS.to_csv(tmp_path / "b.csv", index=False)
    VACANCIES.to_csv(tmp_path / "v.csv", index=False)
    for kind, name in (("buildings", "b.csv"), ("vacancies", "v.csv")):
        r = cli("import", kind, str(tmp_path / name), db=db_url)
        assert r.exit_code == 0, r.stderr
    return db_url


def test_floors_of_one_building_are_combined_when_one_is_too_small(cli, factories):
    found = match(
        cli, factories, "--floor-m2", "1500:2000", "--building-type", "standard_factory",
        "--min-load", "8",
    )  # fmt: skip
    # TF-2's 1,800 m² fails the load; TF-1's floors are each too small: 1 + 2 make 1,700
    assert len(found) == 1
    combined = found[0]
    assert combined["kind"] == "floor_space"
    assert combined["codes"] == ["TF-1:F1", "TF-1:F2"]
    assert combined["area_m2"] == 1700
    assert combined["components"]["floors"] < 1
    assert combined["ready_on"] == "2026-08-01"  # the later of the two floors
    # without the load the single floor of TF-2 is offered too, and ranks first
    found = match(cli, factories, "--floor-m2", "1500:2000", "--building-type", "standard_factory")
    assert [c["codes"] for c in found] == [["TF-2:F1"], ["TF-1:F1", "TF-1:F2"]]
    # a date before floor 1 is free leaves only what is ready
    early = match(cli, factories, "--floor-m2", "1500:2000", "--min-load", "8",
                  "--ready-by", "2026-07-15")  # fmt: skip
    assert [c["codes"] for c in early] == [["TF-1:F2", "TF-1:F3"]]
    # a reserved floor leaves the combination to the floors still free
    add = cli("projects", "add", str(ROOT / "data/projects/precision_parts_workshop.toml"),
              db=factories)  # fmt: skip
    assert add.exit_code == 0, add.stderr
    r = cli("reserve", "TF-1:F2", "--project", "精密零部件加工车间", "--by", "王", db=factories)
    assert r.exit_code == 0, r.stderr
    left = match(cli, factories, "--floor-m2", "1500:2000", "--min-load", "8")
    assert [c["codes"] for c in left] == [["TF-1:F1", "TF-1:F3"]]


def test_the_sample_projects_match_the_sample_city(cli, disposing_city, tmp_path):
    db = disposing_city
    r = cli("import", "buildings", str(ROOT / "data/buildings/zaozhuang_buildings.xlsx"), db=db)
    assert r.exit_code == 0, r.stderr
    r = cli("import", "vacancies", str(ROOT / "data/buildings/zaozhuang_buildings.xlsx"), db=db)
    assert r.exit_code == 0, r.stderr
    for name in ("new_energy_equipment.toml", "precision_parts_workshop.toml"):
        assert cli("projects", "add", str(ROOT / "data/projects" / name), db=db).exit_code == 0
    land = match(cli, db, "--project", "新能源装备制造项目", "--profile", "zaozhuang")
    assert land, "the sample land project finds candidates"
    for c in land:
        assert 30 <= c["area_mu"] <= 50
        assert c["park"] == "枣庄高新技术产业开发区"
        assert c["distance_km"] <= 10
    floor = match(cli, db, "--project", "精密零部件加工车间")
    assert floor and all(2000 <= c["area_m2"] <= 3500 for c in floor)
    listed = json.loads(cli("projects", "list", "--json", db=db).stdout)
    assert {p["name"] for p in listed} == {"新能源装备制造项目", "精密零部件加工车间"}


def test_the_match_map_labels_the_candidates_and_the_pack_lists_them(
    cli, layout, browser, tmp_path
):
    out, xlsx = tmp_path / "m.html", tmp_path / "m.xlsx"
    r = cli(
        "match", "--area-mu", "40:70", "--near", f"{LON0},{LAT0}", "--within-km", "30",
        "--as-of", "2026-06-30", "--map", str(out), "--xlsx", str(xlsx), "--json",
        "--basemap", "none", db=layout,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    found = json.loads(r.stdout)
    # BIG, FAR, S1+S2 and G1+G2; H1 and H2 stay apart, USED is not available
    assert sorted(sorted(c["codes"]) for c in found) == [
        ["BIG"],
        ["FAR"],
        ["G1", "G2"],
        ["S1", "S2"],
    ]
    opened = Opened(browser, out)
    try:
        assert not opened.errors and not opened.remote
        labels = opened.page.locator(".lb-rank span").all_inner_texts()
        assert labels == [str(i) for i in range(1, len(found) + 1)]
        opened.page.locator(".lb-rank").first.click()
        opened.page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
        popup = opened.page.inner_text(".leaflet-popup-content")
        assert "、".join(found[0]["codes"]) in popup
        assert opened.page.locator(".lb-pin").count() == 1  # the project's point
    finally:
        opened.close()
    sheet = openpyxl.load_workbook(xlsx)["候选"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("排名", "类型", "编号", "得分")
    assert [row[0] for row in rows[1:]] == list(range(1, len(found) + 1))
    assert [row[3] for row in rows[1:]] == [c["score"] for c in found]


BAD_REQUIREMENTS = [
    ("name = 'x'\n", "exactly one of"),
    ("name = 'x'\n[land]\narea_mu_min = 'sixty'\narea_mu_max = 80\n", "area_mu_min"),
    ("name = 'x'\n[land]\narea_mu_min = 90\narea_mu_max = 80\n", "area_mu_max"),
    ("name = 'x'\n[land]\narea_mu_min = 60\narea_mu_max = 80\nland_use = 'farm'\n", "land_use"),
    ("name = 'x'\n[land]\narea_mu_min = 60\narea_mu_max = 80\nnear = [1000, 2]\n", "near"),
    ("name = 'x'\n[land]\narea_mu_min = 60\narea_mu_max = 80\nready_by = 'soon'\n", "ready_by"),
    ("name = 'x'\n[land]\narea_mu_min = 60\narea_mu_max = 80\nareas = 3\n", "areas"),
    (
        "name = 'x'\n[floor_space]\narea_m2_min = 10\narea_m2_max = 20\nbuilding_type = 'barn'\n",
        "building_type",
    ),  # fmt: skip
    ("[land]\narea_mu_min = 60\narea_mu_max = 80\n", "name is required"),
    ("name = 'x'\n[land\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "names"), BAD_REQUIREMENTS)
def test_a_bad_requirement_file_gets_one_line_and_changes_nothing(
    cli, db_url, tmp_path, text, names
):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = table_counts(db_url)
    r = cli("projects", "add", str(path), db=db_url)
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and names in lines[0], r.stderr
    assert "Traceback" not in r.output
    assert table_counts(db_url) == before


def test_bad_match_options_get_one_line(cli, db_url, tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"name": "x", "land": {"area_mu_min": 1,}}', encoding="utf-8")
    for args, says in (
        ((), "give one of"),
        (("--area-mu", "sixty"), "--area-mu"),
        (("--area-mu", "60:80", "--near", "117"), "--near"),
        (("--area-mu", "60:80", "--within-km", "5"), "within_km needs near"),
        (("--project", "无此项目"), "projects add"),
        (("--project", str(bad_json)), "line 1"),
        (("--area-mu", "60:80", "--top", "0"), "--top"),
        (("--floor-m2", "1:2", "--ready-by", "tomorrow"), "--ready-by"),
    ):
        r = cli("match", *args, db=db_url)
        assert r.exit_code == 1, (args, r.output)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], (args, r.stderr)


def test_a_project_name_is_added_once_unless_replaced(cli, db_url):
    path = ROOT / "data/projects/new_energy_equipment.toml"
    assert cli("projects", "add", str(path), db=db_url).exit_code == 0
    again = cli("projects", "add", str(path), db=db_url)
    assert again.exit_code == 1 and "--replace" in again.stderr
    assert cli("projects", "add", str(path), "--replace", db=db_url).exit_code == 0
    shown = json.loads(cli("projects", "show", "新能源装备制造项目", "--json", db=db_url).stdout)
    assert shown["kind"] == "land" and shown["requirement"]["land"]["area_mu_min"] == 30


def test_requirement_files_read_the_same_from_toml_and_json(tmp_path):
    from landbank.services.projects import read_requirement_file

    toml_req = read_requirement_file(ROOT / "data/projects/new_energy_equipment.toml")
    import tomllib

    data = tomllib.loads((ROOT / "data/projects/new_energy_equipment.toml").read_text("utf-8"))
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    assert read_requirement_file(Path(path)) == toml_req
    assert toml_req.land.land_use == "industrial"
    assert toml_req.place.near == (117.285, 34.805)


def _stamps(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT name, stamp FROM data_stamp")).all())
    finally:
        engine.dispose()


def _execute(db_url: str, sql: str) -> None:
    """``sql`` written straight to the database, as a GIS client editing it would."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def test_the_land_stamp_moves_on_what_matching_reads_and_only_then(layout, factories):
    before = _stamps(layout)
    _execute(layout, "UPDATE parcel SET invested_wan = 1 WHERE code = 'BIG'")
    assert _stamps(layout) == before  # not a column matching reads
    for sql in (
        "UPDATE parcel SET holder = '某储备中心' WHERE code = 'BIG'",
        "UPDATE parcel SET retired = true WHERE code = 'FAR'",
        "INSERT INTO disposal (parcel_code, subject, method, status, area_mu, blockers, "
        "version) VALUES ('USED', 'parcel', 'reclaim', 'plan_approved', 60, '[]', 1)",
        "DELETE FROM disposal",
    ):
        _execute(layout, sql)
        after = _stamps(layout)
        assert after["land"] != before["land"], sql
        assert after["floor"] == before["floor"], sql
        before = after
    _execute(layout, "UPDATE vacancy SET rent_yuan_m2_month = 10")
    after = _stamps(layout)
    assert after["floor"] != before["floor"] and after["land"] == before["land"]


def test_a_match_sees_a_change_made_behind_landbanks_back(cli, layout):
    # the CLI runs in this process: the second match may answer from what the first kept
    area = ("--area-mu", "50:70", "--near", f"{LON0},{LAT0}", "--within-km", "4")
    assert [c["codes"] for c in match(cli, layout, *area)] == [["BIG"], ["FAR"]]
    _execute(layout, "UPDATE parcel SET category = 'compliant' WHERE code = 'BIG'")
    assert [c["codes"] for c in match(cli, layout, *area)] == [["FAR"]]
    _execute(layout, "UPDATE parcel SET category = 'approved_not_supplied' WHERE code = 'BIG'")
    _execute(layout, "UPDATE parcel SET geom = (SELECT geom FROM parcel WHERE code = 'S1') "
                     "WHERE code = 'FAR'")  # fmt: skip
    assert [c["codes"] for c in match(cli, layout, *area)] == [["BIG"]]  # FAR is 5 km off now


def test_a_floor_match_sees_a_vacancy_changed_behind_landbanks_back(cli, factories):
    wanted = ("--floor-m2", "1500:2000", "--building-type", "standard_factory")
    assert [c["codes"] for c in match(cli, factories, *wanted)][0] == ["TF-2:F1"]
    _execute(factories, "UPDATE vacancy SET vacant_area_m2 = 100 WHERE building_code = 'TF-2'")
    assert [c["codes"] for c in match(cli, factories, *wanted)] == [["TF-1:F1", "TF-1:F2"]]


def test_two_writers_on_postgis_do_not_deadlock_on_the_stamp(db_url, layout):
    if not db_url.startswith("postgresql"):
        pytest.skip("SpatiaLite has one writer at a time")
    first, second = (psycopg.connect(db_url) for _ in range(2))
    with first, second:
        for conn in (first, second):
            conn.execute("SET lock_timeout = '5s'")
        first.execute("UPDATE parcel SET holder = 'a' WHERE code = 'BIG'")
        second.execute("UPDATE parcel SET holder = 'b' WHERE code = 'FAR'")
        # the first now waits for the second's row; the second must still commit (a
        # stamp moved at once, not at commit, would have the two wait on each other)
        waiting = threading.Thread(
            target=first.execute, args=("UPDATE parcel SET holder = 'a' WHERE code = 'FAR'",)
        )
        waiting.start()
        second.commit()
        waiting.join(10)
        assert not waiting.is_alive()
        first.commit()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        holders = dict(conn.execute(text("SELECT code, holder FROM parcel WHERE code IN "
                                         "('BIG', 'FAR')")).all())  # fmt: skip
    engine.dispose()
    assert holders == {"BIG": "a", "FAR": "a"}


def _stamp_migration():
    from landbank.db.migrations.versions import __path__ as versions

    spec = importlib.util.spec_from_file_location(
        "stamps", Path(versions[0]) / "0007_data_stamps.py"
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_land_stamp_watches_every_column_the_pool_reads():
    from landbank.db.matching import POOL_COLUMNS

    assert {*POOL_COLUMNS, "geom"} <= set(_stamp_migration().WATCHED["parcel"][1])


def test_every_stamp_trigger_is_there_at_head(db_url):
    # a later migration rebuilding a watched table (SQLite) would drop them silently
    watched = _stamp_migration().WATCHED
    logged = ("parcel", "disposal")  # migration 0014: what changed in the land pool
    events = ("insert", "delete", "update")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        if db_url.startswith("sqlite"):
            sql = (
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                "(name LIKE '%restamp%' OR name LIKE 'land_change%')"
            )
            expected = {f"{t}_restamp_{e}" for t in watched for e in events}
            expected |= {f"{t}_restamp_log_{e}" for t in logged for e in events}
            expected |= {"land_change_prune"}
        else:
            sql = (
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%restamp%' "
                "OR tgname LIKE '%land%'"
            )
            expected = {f"{t}_restamp" for t in watched} | {"data_stamp_pending_restamp"}
            expected |= {f"{t}_land_{e}" for t in logged for e in ("touch", "gone", "truncated")}
        found = set(conn.execute(text(sql)).scalars())
    engine.dispose()
    assert found == expected


def test_nothing_to_supply_matches_nothing(cli, db_url):
    assert match(cli, db_url, "--area-mu", "10:20") == []
    assert match(cli, db_url, "--floor-m2", "100:200") == []


def test_a_gis_editor_allowed_parcels_only_still_moves_the_stamp(db_url, layout):
    if not db_url.startswith("postgresql"):
        pytest.skip("SpatiaLite has no roles")
    role = f"lb_editor_{uuid.uuid4().hex[:8]}"
    before = _stamps(db_url)
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}"')
        try:
            admin.execute(f'GRANT SELECT, UPDATE ON parcel TO "{role}"')
            with psycopg.connect(db_url) as editor:
                editor.execute(f'SET ROLE "{role}"')
                editor.execute("UPDATE parcel SET holder = '某储备中心' WHERE code = 'BIG'")
                editor.commit()
        finally:
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE "{role}"')
    assert _stamps(db_url)["land"] != before["land"]


def test_a_bulk_load_that_rebuilds_the_indexes_moves_the_land_stamp(cli, db_url, tmp_path):
    # 10,000 parcels into an empty table: the loader drops the indexes and builds them
    # again after the COPY, in the same transaction as the stamp's note
    from landbank.synth import synthetic_parcels

    before = _stamps(db_url)
    path = write_vector(synthetic_parcels(10_000, seed=3), tmp_path / "city.gpkg")
    r = cli("import", "parcels", str(path), "-q", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert _stamps(db_url)["land"] != before["land"]
    assert table_counts(db_url)["parcel"] == 10_000
