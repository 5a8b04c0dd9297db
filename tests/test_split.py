"""landbank parcels split: partial disposal by area along the long axis, or by a polygon."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from tests.helpers import table_counts, write_vector


@pytest.fixture
def stored(cli, db_url, small_city, tmp_path):
    assert (
        cli(
            "import", "parcels", write_vector(small_city.head(3), tmp_path / "p.gpkg"), db=db_url
        ).exit_code
        == 0
    )
    return db_url, small_city.head(3)


def _show(cli, db, code):
    return json.loads(cli("parcels", "show", code, "--json", db=db).stdout)


def test_split_by_area_cuts_that_many_mu_and_retires_the_parent(cli, stored):
    db, frame = stored
    code = frame["code"].iloc[0]
    parent = _show(cli, db, code)
    result = cli(
        "parcels",
        "split",
        code,
        "--area-mu",
        "5",
        "--by",
        "李明",
        "--reason",
        "部分收回",
        "--json",
        db=db,
    )
    assert result.exit_code == 0, result.stderr
    first, rest = (_show(cli, db, f"{code}-{i}") for i in (1, 2))
    assert first["area_mu"] == pytest.approx(5.0, abs=1e-3)
    assert first["area_mu"] + rest["area_mu"] == pytest.approx(parent["area_mu"], rel=1e-6)
    assert first["parent_code"] == rest["parent_code"] == code
    assert (
        first["district"] == parent["district"] and first["approved_on"] == (parent["approved_on"])
    )
    listed = {p["code"] for p in json.loads(cli("parcels", "list", "--json", db=db).stdout)}
    assert code not in listed and {f"{code}-1", f"{code}-2"} <= listed
    assert _show(cli, db, code)["retired"] is True
    history = json.loads(cli("parcels", "history", code, "--json", db=db).stdout)
    assert history[-1]["field"] == "retired" and history[-1]["by"] == "李明"
    child = json.loads(cli("parcels", "history", f"{code}-1", "--json", db=db).stdout)
    assert child[0]["field"] == "created" and code in child[0]["reason"]


def test_split_by_a_polygon_from_a_file(cli, stored, tmp_path):
    db, frame = stored
    code, geom = frame["code"].iloc[1], frame["geometry"].iloc[1]
    half = shapely.box(geom.bounds[0], geom.bounds[1], geom.centroid.x, geom.bounds[3])
    path = tmp_path / "cut.geojson"
    gpd.GeoDataFrame({"n": [1]}, geometry=[half], crs=4490).to_file(path)
    result = cli("parcels", "split", code, "--geometry", path, "--by", "a", "--reason", "r", db=db)
    assert result.exit_code == 0, result.stderr
    first = _show(cli, db, f"{code}-1")
    assert 0 < first["area_mu"] < _show(cli, db, code)["area_mu"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--area-mu", "99999"], "must lie between 0"),
        ([], "either --area-mu X or --geometry FILE"),
    ],
)
def test_bad_splits_are_one_line_and_change_nothing(cli, stored, args, words):
    db, frame = stored
    before = table_counts(db)
    result = cli(
        "parcels", "split", frame["code"].iloc[2], *args, "--by", "a", "--reason", "r", db=db
    )
    assert result.exit_code == 1 and words in result.stderr
    assert table_counts(db) == before


def test_a_retired_parcel_takes_no_new_disposal_or_split(cli, stored):
    db, frame = stored
    code = frame["code"].iloc[0]
    assert (
        cli(
            "parcels", "split", code, "--area-mu", "3", "--by", "a", "--reason", "r", db=db
        ).exit_code
        == 0
    )
    result = cli("disposal", "open", code, "--method", "supply", "--by", "a", db=db)
    assert result.exit_code == 1 and "retired" in result.stderr
    result = cli("parcels", "split", code, "--area-mu", "1", "--by", "a", "--reason", "r", db=db)
    assert result.exit_code == 1 and "already retired" in result.stderr


def test_the_pieces_of_a_split_are_classified_as_classify_would(cli, stored):
    db, frame = stored
    codes = list(frame["code"])
    assert cli("classify", db=db).exit_code == 0
    for code in codes:
        cut = ["parcels", "split", code, "--area-mu", "3", "--by", "李明", "--reason", "部分收回"]
        done = cli(*cut, db=db)
        assert done.exit_code == 0, done.stderr
    pieces = [f"{c}-{i}" for c in codes for i in (1, 2)]
    after_split = {c: _show(cli, db, c) for c in pieces}
    assert all(p["category"] and p["classified_as_of"] for p in after_split.values())
    for piece in pieces:
        events = json.loads(cli("parcels", "history", piece, "--json", db=db).stdout)
        said = [e["new_value"] for e in events if e["field"] == "category"]
        assert said == [after_split[piece]["category"]]
    assert cli("classify", db=db).exit_code == 0
    again = {c: _show(cli, db, c)["category"] for c in pieces}
    assert {c: p["category"] for c, p in after_split.items()} == again
