"""Bad input: one clear line on stderr naming the file, the row or field and the fix;
exit code 1; no traceback; the database exactly as before. On both engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely

from tests.helpers import table_counts, write_table, write_vector

BOWTIE = "POLYGON ((117.30 34.80, 117.31 34.81, 117.31 34.80, 117.30 34.81, 117.30 34.80))"


def _csv(tmp, frame, edits, name="bad.csv", drop=()):
    """Writes four parcels as a bureau's CSV (Chinese headers, wkt), with some cells
    (row, header) replaced and some columns dropped."""
    path = write_table(frame.head(4).reset_index(drop=True), tmp / name)
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (row, col), value in edits.items():
        data.loc[row, col] = value
    data.drop(columns=list(drop)).to_csv(path, index=False)
    return path


def _geojson_text(tmp, text, name="bad.geojson"):
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _with_geoms(tmp, frame, geoms, name, crs="EPSG:4490"):
    data = frame.head(len(geoms)).copy()
    data["geometry"] = geoms
    return write_vector(data, tmp / name, crs=crs)


def _xlsx_with_number_wkt(tmp, frame):
    path = write_table(frame.head(2), tmp / "num.xlsx")
    data = pd.read_excel(path, dtype=object)
    data.loc[0, "wkt"] = 12345
    data.to_excel(path, index=False)
    return path


def _attribute_layer(tmp, frame):
    path = tmp / "attrs.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"地块编号": frame["code"].head(2)}), path)
    return path


# name: (make the file from (tmp_path, frame), extra CLI options, words the line must hold)
CASES = {
    "missing_file": (lambda t, f: t / "nowhere.gpkg", [], ["no such file"]),
    "empty_file": (lambda t, f: _geojson_text(t, ""), [], ["empty"]),
    "no_features": (
        lambda t, f: _geojson_text(t, '{"type": "FeatureCollection", "features": []}'),
        [],
        ["no rows"],
    ),
    "not_vector": (
        lambda t, f: _geojson_text(t, "PK\x03\x04 garbage", "bad.gpkg"),
        [],
        ["not a readable vector file"],
    ),
    "csv_without_wkt": (
        lambda t, f: (
            (t / "nowkt.csv").write_text("地块编号,行政区\nA1,市中区\n", encoding="utf-8")
            and t / "nowkt.csv"
        ),
        [],
        ["no geometry column", "wkt"],
    ),
    "bad_wkt": (
        lambda t, f: _csv(t, f, {(2, "wkt"): "POLYGON ((1 2, 3"}),
        ["--crs", "4490"],
        ["row 4", "wkt", "not WKT"],
    ),
    "no_code_column": (
        lambda t, f: _csv(t, f, {}, "nocode.csv", drop=["地块编号"]),
        ["--crs", "4490"],
        ["no parcel code column", "--field code="],
    ),
    "blank_code": (
        lambda t, f: _csv(t, f, {(1, "地块编号"): ""}),
        ["--crs", "4490"],
        ["row 3", "code", "empty", "--skip-uncoded"],
    ),
    "impossible_date": (
        lambda t, f: _csv(t, f, {(2, "批准日期"): "2031-02-30"}),
        ["--crs", "4490"],
        ["row 4", "approved_on", "2031-02-30", "YYYY-MM-DD"],
    ),
    "number_with_unit": (
        lambda t, f: _csv(t, f, {(0, "土地价款(万元)"): "300万"}),
        ["--crs", "4490"],
        ["row 2", "land_price_wan", "not a number"],
    ),
    "negative_area": (
        lambda t, f: _csv(t, f, {(1, "登记面积(亩)"): "-3"}),
        ["--crs", "4490"],
        ["row 3", "recorded_area_mu", "below 0"],
    ),
    "unknown_cause": (
        lambda t, f: _csv(t, f, {(0, "闲置原因"): "weather"}),
        ["--crs", "4490"],
        ["row 2", "cause", "government"],
    ),
    "duplicate_codes": (
        lambda t, f: _csv(t, f, {(1, "地块编号"): f["code"].iloc[0]}),
        ["--crs", "4490"],
        ["appear more than once", "--dissolve-duplicates"],
    ),
    "self_intersection": (
        lambda t, f: _with_geoms(t, f, [shapely.from_wkt(BOWTIE)], "bowtie.gpkg"),
        [],
        ["feature 1", "geometry", "Self-intersection", "--repair"],
    ),
    "point_not_polygon": (
        lambda t, f: _with_geoms(t, f, [shapely.Point(117.3, 34.8)], "point.gpkg"),
        [],
        ["feature 1", "geometry", "is a Point", "Polygon"],
    ),
    "null_geometry": (
        lambda t, f: _csv(t, f, {(3, "wkt"): ""}),
        ["--crs", "4490"],
        ["row 5", "geometry", "missing"],
    ),
    "crs_label_contradicted": (
        lambda t, f: _geojson_text(
            t,
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"code": "G1"},
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [
                                    [
                                        [39527000, 3851000],
                                        [39527100, 3851000],
                                        [39527100, 3851100],
                                        [39527000, 3851000],
                                    ]
                                ],
                            },
                        }
                    ],
                }
            ),
        ),
        [],
        ["EPSG:4326", "outside its area of use", "zone 39", "--crs EPSG:4527"],
    ),
    "unrecognisable_numbers": (
        lambda t, f: (
            (t / "odd.csv").write_text(
                'code,wkt\nX1,"POLYGON ((5e9 5e9, 5.1e9 5e9, 5.1e9 5.1e9, 5e9 5e9))"\n',
                encoding="utf-8",
            )
            and t / "odd.csv"
        ),
        [],
        ["no CRS", "--crs EPSG:NNNN"],
    ),
    "swapped_axes": (
        lambda t, f: (
            (t / "swap.csv").write_text(
                'code,wkt\nS1,"POLYGON ((3851000 39527000, 3851000 39527100, 3851100 39527100, '
                '3851000 39527000))"\n',
                encoding="utf-8",
            )
            and t / "swap.csv"
        ),
        [],
        ["swapped", "--swap-xy"],
    ),
    "wrong_encoding": (
        lambda t, f: (
            (t / "u16.csv").write_bytes("地块编号,wkt\nA,POINT (1 2)\n".encode("utf-16"))
            and t / "u16.csv"
        ),
        [],
        ["neither UTF-8 nor GBK", "save it as UTF-8"],
    ),
    "corrupt_xlsx": (
        lambda t, f: (t / "bad.xlsx").write_bytes(b"PK\x03\x04broken") and t / "bad.xlsx",
        [],
        ["not a readable .xlsx", "save it again"],
    ),
    "wrong_layer": (
        lambda t, f: write_vector(f.head(2), t / "l.gpkg", layer="地块"),
        ["--layer", "parcels"],
        ["no layer 'parcels'", "地块"],
    ),
    "field_column_absent": (
        lambda t, f: write_vector(f.head(2), t / "x.gpkg"),
        ["--field", "code=DKBH"],
        ["no column 'DKBH'", "columns are"],
    ),
    "field_unknown_name": (
        lambda t, f: write_vector(f.head(2), t / "y.gpkg"),
        ["--field", "parcel_no=地块编号"],
        ["'parcel_no' is not a field"],
    ),
    "bad_mapping_file": (
        lambda t, f: write_vector(f.head(2), t / "z.gpkg"),
        ["--mapping", "MAPPING"],
        ["map.toml", "not valid UTF-8 TOML"],
    ),
    "gk_without_prefix_no_zone": (
        lambda t, f: (
            (t / "np.csv").write_text(
                'code,wkt\nN1,"POLYGON ((527000 3851000, 527100 3851000, 527100 3851100, '
                '527000 3851000))"\n',
                encoding="utf-8",
            )
            and t / "np.csv"
        ),
        [],
        ["without the zone prefix", "--crs"],
    ),
    "blank_csv": (
        lambda t, f: (t / "blank.csv").write_text("\n\n\n", encoding="utf-8") and t / "blank.csv",
        [],
        ["blank"],
    ),
    "number_in_wkt_cell": (
        lambda t, f: _xlsx_with_number_wkt(t, f),
        ["--crs", "4490"],
        ["row 2", "wkt", "not WKT"],
    ),
    "layer_without_geometry": (lambda t, f: _attribute_layer(t, f), [], ["has no geometry"]),
    "code_too_long": (
        lambda t, f: _csv(t, f, {(0, "地块编号"): "X" * 65}),
        ["--crs", "4490"],
        ["row 2", "longer than 64"],
    ),
    "infinite_number": (
        lambda t, f: _csv(t, f, {(1, "土地价款(万元)"): "1e400"}),
        ["--crs", "4490"],
        ["row 3", "not a finite number"],
    ),
    "no_geometry_without_upsert": (
        lambda t, f: _csv(t, f, {}, "attrs.csv", drop=["wkt"]),
        [],
        ["no geometry column", "--upsert"],
    ),
    "degrees_labelled_web_mercator": (
        lambda t, f: write_vector(f.head(2), t / "d.gpkg", crs="EPSG:3857"),
        [],
        ["EPSG:3857", "far from the jurisdiction", "degrees", "--crs EPSG:4490"],
    ),
    "degrees_called_utm_by_option": (
        lambda t, f: write_vector(f.head(2), t / "u.gpkg"),
        ["--crs", "32650"],
        ["--crs says", "EPSG:32650"],
    ),
    "full_width_digits": (
        lambda t, f: _csv(t, f, {(0, "总投资额(万元)"): "１２，０００"}),
        ["--crs", "4490"],
        ["row 2", "total_investment_wan", "not a number"],
    ),
}


@pytest.fixture
def loaded_db(cli, db_url, small_city, tmp_path):
    """A database holding the small city, so that 'unchanged' means something."""
    path = write_vector(small_city.iloc[10:], tmp_path / "base.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    return db_url


def test_there_are_at_least_twenty_distinct_bad_files():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_one_clear_line_and_leaves_the_database_unchanged(
    case, cli, loaded_db, small_city, tmp_path
):
    make, options, words = CASES[case]
    frame = small_city.copy()
    frame = frame.assign(code=[f"NEW-{i}" for i in range(len(frame))])
    path = Path(make(tmp_path, frame))
    if "MAPPING" in options:
        mapping = tmp_path / "map.toml"
        mapping.write_text("[fields\ncode = ", encoding="utf-8")
        options = [str(mapping) if o == "MAPPING" else o for o in options]
    before = table_counts(loaded_db)
    result = cli("import", "parcels", path, *options, db=loaded_db)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert "\n" not in line, line
    assert line.startswith("error: ")
    assert "Traceback" not in result.stderr
    at_fault = {"field_unknown_name": "--field", "bad_mapping_file": "map.toml"}
    assert at_fault.get(case, path.name) in line, line  # the file (or option) at fault
    for word in words:
        assert word in line, (word, line)
    assert table_counts(loaded_db) == before


def test_a_real_process_exits_1_with_one_line_and_no_traceback(tmp_path, small_city):
    """The same, through the installed command rather than in-process."""
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    exe = str(Path(sys.executable).with_name("landbank"))
    assert subprocess.run([exe, "--db", db, "init"], capture_output=True).returncode == 0
    path = _csv(tmp_path, small_city, {(2, "批准日期"): "2031-02-30"})
    proc = subprocess.run(
        [exe, "--db", db, "import", "parcels", str(path), "--crs", "4490"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "bad.csv row 4, approved_on" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_database_url_with_a_password_is_never_printed(cli, tmp_path, small_city):
    path = write_vector(small_city.head(2), tmp_path / "p.gpkg")
    result = cli("import", "parcels", path, db="postgresql://clerk:s3cret@127.0.0.1:1/nowhere")
    assert result.exit_code == 1
    assert "s3cret" not in result.stderr and "***" in result.stderr


def test_gbk_csv_is_read(cli, db_url, small_city, tmp_path):
    path = write_table(small_city.head(3), tmp_path / "gbk.csv", encoding="gbk")
    result = cli("import", "parcels", path, "--crs", "4490", db=db_url)
    assert result.exit_code == 0, result.stderr


def test_repair_fixes_invalid_geometry_and_says_how_many(cli, db_url, small_city, tmp_path):
    data = small_city.head(2).copy()
    data["geometry"] = [shapely.from_wkt(BOWTIE), data["geometry"].iloc[1]]
    path = write_vector(data, tmp_path / "fix.gpkg")
    result = cli("import", "parcels", path, "--repair", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["repaired"] == 1
    assert any("1 invalid geometries repaired" in w for w in summary["warnings"])


def test_swap_xy_reads_a_swapped_file(cli, db_url, tmp_path):
    path = tmp_path / "swap.csv"
    pd.DataFrame(
        {
            "code": ["S1"],
            "wkt": [
                "POLYGON ((3851000 39527000, 3851000 39527100, 3851100 39527100, 3851000 39527000))"
            ],
        }
    ).to_csv(path, index=False)
    result = cli("import", "parcels", path, "--swap-xy", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("parcels", "show", "S1", "--json", db=db_url).stdout)
    assert 117 < shown["centroid"][0] < 118 and 34 < shown["centroid"][1] < 35
    assert shown["area_mu"] == pytest.approx(5000 / (10000 / 15), rel=1e-3)


def test_row_numbers_stay_those_of_the_file_after_blank_rows(cli, db_url, small_city, tmp_path):
    path = write_table(small_city.head(3), tmp_path / "gap.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, ",,,,,,,,,,,,,,,,,,,,,")  # an empty row 3 in the spreadsheet
    bad = lines[3].rsplit('"', 2)
    lines[3] = bad[0] + '"POLYGON ((1 2, 3"' + bad[2]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("import", "parcels", path, "--crs", "4490", db=db_url)
    assert result.exit_code == 1
    assert "gap.csv row 4, wkt" in result.stderr


def test_semicolon_separated_csv_is_read(cli, db_url, small_city, tmp_path):
    path = write_table(small_city.head(3), tmp_path / "semi.csv")
    pd.read_csv(path, dtype=str).to_csv(path, sep=";", index=False)
    result = cli("import", "parcels", path, "--crs", "4490", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == 3


def test_a_file_that_is_not_a_database_is_one_line(cli, tmp_path):
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("this is not a database", encoding="utf-8")
    result = cli("parcels", "list", db=f"sqlite:///{bogus}")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "not a database" in result.stderr


def test_a_malformed_profile_is_one_line(cli, db_url, small_city, tmp_path):
    profile = tmp_path / "city.toml"
    profile.write_text('[jurisdiction]\nbbox = [1, 2, "x"]\n', encoding="utf-8")
    path = write_vector(small_city.head(2), tmp_path / "p.gpkg")
    result = cli("import", "parcels", path, "--profile", profile, db=db_url)
    assert result.exit_code == 1
    assert "bbox must be [west, south, east, north]" in result.stderr


def test_a_long_by_name_is_refused_before_anything_is_written(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city.head(2), tmp_path / "p.gpkg")
    before = table_counts(db_url)
    result = cli("import", "parcels", path, "--by", "x" * 129, db=db_url)
    assert result.exit_code == 1 and "--by: at most 128" in result.stderr
    assert table_counts(db_url) == before
