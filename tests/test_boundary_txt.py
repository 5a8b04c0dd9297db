"""Boundary coordinate files (勘测定界 / 报批 TXT), read and written as surveyors do."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landbank.domain.area import M2_PER_MU
from landbank.errors import InputError
from landbank.io.boundary_txt import read_boundary_txt
from tests.conftest import require_realdata
from tests.helpers import table_counts, write_vector

HEADER = """[属性描述]
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号={zone}
精度=0.001
转换参数=,,,,,,
[地块坐标]
"""


def square(n0, e0, side, ring=1, start=1, close=True, prefix=39):
    """Point lines of a square from northing n0, easting e0 (without prefix): X northing,
    Y easting with the zone prefix."""
    pts = [(n0, e0), (n0, e0 + side), (n0 + side, e0 + side), (n0 + side, e0)]
    if close:
        pts.append(pts[0])
    east = prefix * 1_000_000 if prefix else 0
    return "".join(f"J{start + i},{ring},{n:.3f},{e + east:.3f}\n" for i, (n, e) in enumerate(pts))


def txt(tmp_path, body, name="plot.txt", zone="39", encoding="utf-8", newline="\n", header=None):
    text = (header if header is not None else HEADER.format(zone=zone)) + body
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


@pytest.mark.parametrize(
    "name, area_m2", [("foshan_plot_000.txt", 12_247), ("foshan_plot_002.txt", 5_242)]
)
def test_real_foshan_files_give_their_expected_areas(cli, db_url, name, area_m2):
    src = require_realdata("boundary_txt", name)
    result = cli("import", "parcels", src, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["source_crs"].startswith("EPSG:4526")
    shown = json.loads(cli("parcels", "show", "FID_0", "--json", db=db_url).stdout)
    assert shown["area_mu"] * M2_PER_MU == pytest.approx(area_m2, abs=1.0)
    assert 112.5 < shown["centroid"][0] < 114.5  # Foshan, zone 38 (central meridian 114°E)


def test_gbk_with_crlf_two_parcels_hole_and_multipart(tmp_path):
    body = (
        "10,,A-1,甲地块,面,,工业用地,0601,@\n"
        + square(3_850_000, 500_000, 100)
        + square(3_850_040, 500_040, 20, ring=2, start=6)
        + "10,0.0800,A-2,乙地块,面,,,0601,@\n"
        + square(3_851_000, 501_000, 20)
        + square(3_851_100, 501_100, 20, ring=2, start=6)
    )
    path = txt(tmp_path, body, encoding="gbk", newline="\r\n")
    got = read_boundary_txt(path)
    assert list(got.frame["code"]) == ["A-1", "A-2"]
    assert list(got.frame["name"]) == ["甲地块", "乙地块"]
    a1, a2 = got.frame["geometry"]
    assert len(a1.geoms) == 1 and len(a1.geoms[0].interiors) == 1  # ring 2 inside: a hole
    assert a1.area == pytest.approx(100 * 100 - 20 * 20)
    assert len(a2.geoms) == 2  # ring 2 outside: a second part
    assert got.frame["recorded_area_mu"].iloc[1] == pytest.approx(0.08 * 15)
    assert got.crs.to_epsg() == 4527 and got.zone == 39
    assert got.labels == ["line 10", "line 21"]


def test_utf8_bom_unclosed_rings_odd_ring_numbers_wrong_point_count(tmp_path):
    body = (
        "99,,B-1,丙,面,,,,@\n"
        + square(3_850_000, 500_000, 50, ring=7, close=False)
        + square(3_850_010, 500_010, 10, ring=3, close=False)
    )
    path = txt(tmp_path, body, encoding="utf-8-sig")
    geom = read_boundary_txt(path).frame["geometry"].iloc[0]
    assert geom.area == pytest.approx(50 * 50 - 10 * 10)


def test_six_degree_zone_and_no_prefix_with_header_zone(tmp_path):
    six = HEADER.replace("几度分带=3", "几度分带=6").format(zone="20")
    path = txt(
        tmp_path, "5,,C-1,,面,,,,@\n" + square(3_850_000, 500_000, 30, prefix=20), header=six
    )
    assert read_boundary_txt(path).crs.to_epsg() == 4498
    path = txt(
        tmp_path,
        "5,,C-2,,面,,,,@\n" + square(3_850_000, 500_000, 30, prefix=None),
        name="noprefix.txt",
    )
    assert read_boundary_txt(path).crs.to_epsg() == 4548  # zone 39 without prefix


def test_variants_of_the_parcel_line_and_code_fallbacks(tmp_path):
    body = (
        "5,1.0,,只有名称,面,@\n"
        + square(3_850_000, 500_000, 30)
        + "5, , , ,面, , , ,@\n"
        + square(3_851_000, 500_000, 30)
        + "5,,L-1,线状,线,,,,@\n"
        + square(3_852_000, 500_000, 30)
        + "5,,P-9,@\n"
        + square(3_853_000, 500_000, 30)
    )
    got = read_boundary_txt(txt(tmp_path, body, name="批文.txt"))
    assert list(got.frame["code"]) == ["只有名称", "批文-2", "P-9"]
    assert any("not polygons" in w for w in got.warnings)
    assert any("no code" in w for w in got.warnings)


def test_xian_1980_warns_that_the_shift_is_approximate(tmp_path):
    header = HEADER.replace("2000国家大地坐标系", "1980西安坐标系").format(zone="39")
    got = read_boundary_txt(
        txt(tmp_path, "5,,X-1,,面,,,,@\n" + square(3_850_000, 500_000, 30), header=header)
    )
    assert got.crs.to_epsg() == 2363
    assert any("approximate" in w for w in got.warnings)


GOOD = "5,,E-1,,面,,,,@\n" + square(3_850_000, 500_000, 30)
ERRORS = {
    "full_width_comma": (GOOD.replace("J2,1,", "J2，1，"), "line 12", "full-width"),
    "full_width_digit": (GOOD.replace("J3,1,3850030", "J3,1,３850030"), "line 13", "full-width"),
    "not_a_number": (
        GOOD.replace("J2,1,3850000.000", "J2,1,38500O0.000"),
        "line 12",
        "not a coordinate",
    ),
    "ring_too_small": (
        "5,,E-1,,面,,,,@\nJ1,1,3850000,39500000\nJ2,1,3850010,39500000\nJ3,1,3850000,39500000\n",
        "line 11",
        "fewer than 3 distinct",
    ),
    "point_before_parcel": ("J1,1,3850000,39500000\n" + GOOD, "line 10", "before any parcel"),
    "no_at": (GOOD.replace(",@", ","), "line 10", "without @"),
    "unknown_section": ("[其他]\n" + GOOD, "line 10", "unknown section"),
    "zone_contradiction": (GOOD.replace("395", "405"), "带号=39", "zone 40"),
    "swapped": (
        "5,,E-1,,面,,,,@\n"
        + "".join(
            f"J{i},1,{e},{n}\n"
            for i, (n, e) in enumerate(
                [
                    (3850000, 39500000),
                    (3850000, 39500030),
                    (3850030, 39500030),
                    (3850000, 39500000),
                ],
                1,
            )
        ),
        "line 11",
        "--swap-xy",
    ),
    "self_intersection": (
        "5,,E-1,,面,,,,@\nJ1,1,3850000,39500000\nJ2,1,3850030,39500030\n"
        "J3,1,3850000,39500030\nJ4,1,3850030,39500000\n",
        "line 10",
        "Self-intersection",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_boundary_file_names_the_line_and_the_fix(case, cli, db_url, tmp_path):
    body, where, words = ERRORS[case]
    path = txt(tmp_path, body, name="bad.txt", encoding="gbk", newline="\r\n")
    before = table_counts(db_url)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1, result.stdout
    line = result.stderr.strip()
    assert "\n" not in line and "bad.txt" in line
    assert where in line and words in line, line
    assert table_counts(db_url) == before


def test_swap_xy_and_repair_get_such_files_in(cli, db_url, tmp_path):
    body, _, _ = ERRORS["swapped"]
    path = txt(tmp_path, body, name="s.txt")
    assert cli("import", "parcels", path, "--swap-xy", db=db_url).exit_code == 0
    body, _, _ = ERRORS["self_intersection"]
    path = txt(tmp_path, body.replace("E-1", "E-2"), name="r.txt")
    result = cli("import", "parcels", path, "--repair", "--json", db=db_url)
    assert json.loads(result.stdout)["repaired"] == 1


def test_dry_run_lists_code_name_areas_zone_and_epsg(cli, db_url, tmp_path):
    path = txt(tmp_path, "5,0.0900,D-1,丁,面,,,,@\n" + square(3_850_000, 500_000, 30))
    result = cli("import", "parcels", path, "--dry-run", "--json", db=db_url)
    [parcel] = json.loads(result.stdout)["parcels"]
    assert parcel["code"] == "D-1" and parcel["name"] == "丁"
    assert parcel["area_mu"] == pytest.approx(900 / M2_PER_MU, rel=1e-6)
    assert parcel["recorded_area_mu"] == pytest.approx(1.35)
    assert (parcel["zone"], parcel["source_epsg"]) == (39, 4527)
    assert table_counts(db_url)["parcel"] == 0


def test_export_then_import_gives_the_same_parcels(
    cli, db_url, small_city, tmp_path, spatialite_template
):
    assert (
        cli("import", "parcels", write_vector(small_city, tmp_path / "c.gpkg"), db=db_url).exit_code
        == 0
    )
    out = tmp_path / "out.txt"
    result = cli("export", out, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert b"\r\n" in data and "[地块坐标]".encode("gbk") in data  # GBK with CRLF
    again = tmp_path / "again.sqlite"
    shutil.copy(spatialite_template, again)
    assert cli("import", "parcels", out, db=f"sqlite:///{again}").exit_code == 0
    before = {p["code"]: p for p in json.loads(cli("parcels", "list", "--json", db=db_url).stdout)}
    after = {
        p["code"]: p
        for p in json.loads(cli("parcels", "list", "--json", db=f"sqlite:///{again}").stdout)
    }
    assert set(before) == set(after)
    for code, p in before.items():
        assert after[code]["name"] == p["name"]
        assert after[code]["area_mu"] == pytest.approx(p["area_mu"], rel=1e-4)


def test_parcels_in_two_zones_are_written_one_file_per_zone(cli, db_url, tmp_path):
    west = shapely.box(116.40, 35.0, 116.41, 35.01)  # zone 39 (central meridian 117)
    east = shapely.box(118.60, 35.0, 118.61, 35.01)  # zone 40 (central meridian 120)
    import geopandas as gpd

    path = tmp_path / "two.geojson"
    gpd.GeoDataFrame({"code": ["W", "E"]}, geometry=[west, east], crs=4490).to_file(path)
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    result = cli("export", tmp_path / "two.txt", "--json", db=db_url)
    files = json.loads(result.stdout)["files"]
    assert sorted(f["zone"] for f in files) == [39, 40]
    for f in files:
        assert read_boundary_txt(f["file"]).zone == f["zone"]
    result = cli(
        "export",
        tmp_path / "forced.txt",
        "--zone",
        "39",
        "--encoding",
        "utf-8",
        "--json",
        db=db_url,
    )
    [only] = json.loads(result.stdout)["files"]
    assert only["count"] == 2
    (tmp_path / "forced.txt").read_bytes().decode("utf-8")


VALID = (
    HEADER.format(zone="39")
    + "10,,H-1,,面,,,,@\n"
    + square(3_850_000, 500_000, 100)
    + square(3_850_040, 500_040, 20, ring=2, start=6)
)


@settings(
    max_examples=int(os.environ.get("LANDBANK_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.text(max_size=400),
        st.tuples(st.integers(0, len(VALID)), st.integers(0, 40), st.text(max_size=12)).map(
            lambda t: VALID[: t[0]] + t[2] + VALID[t[0] + t[1] :]
        ),
    )
)
def test_any_text_gives_parcels_or_the_tools_own_input_error(tmp_path, text):
    path = tmp_path / "fuzz.txt"
    path.write_text("[地块坐标]\n" + text if "[地块坐标]" not in text else text, encoding="utf-8")
    try:
        got = read_boundary_txt(path)
    except InputError:
        return
    assert len(got.frame) >= 1
