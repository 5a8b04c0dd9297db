"""Issue 15, items 1 and 5: readers never end in a traceback.

A footprint whose ring has fewer than 3 distinct points (OSM multipolygons through
ogr2ogr) is a reported row, mended by --repair; a GeoPackage cut short is one line; a
GeoPackage of several layers is refused with their list unless one alone holds
polygons; no Python warning reaches the terminal. Then a property: real files of every
supported format, cut, flipped or with a shapefile member emptied, end in exit 0 or 1,
one line, no traceback, the database unchanged."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyogrio.raw import write as write_raw
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.io.geometry import from_wkb
from tests.conftest import REALDATA, ROOT
from tests.helpers import table_counts

EXE = str(Path(sys.executable).with_name("landbank"))
FUZZ = int(os.environ.get("LANDBANK_FUZZ_EXAMPLES", "30"))  # SpatiaLite; PostGIS a quarter


def _ring(points, dims=2, end="<"):
    return struct.pack(end + "I", len(points)) + b"".join(
        struct.pack(end + "d" * dims, *p, *([5.0] * (dims - 2))) for p in points
    )


def polygon_wkb(rings, dims=2, end="<"):
    code = 3 if dims == 2 else 1003
    head = struct.pack("B", 1 if end == "<" else 0) + struct.pack(end + "II", code, len(rings))
    return head + b"".join(_ring(r, dims, end) for r in rings)


def multipolygon_wkb(polygons, dims=2, end="<"):
    code = 6 if dims == 2 else 1006
    head = struct.pack("B", 1 if end == "<" else 0) + struct.pack(end + "II", code, len(polygons))
    return head + b"".join(polygon_wkb(p, dims, end) for p in polygons)


def square(x, y, d=0.001):
    return [(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)]


GOOD = multipolygon_wkb([[square(117.300, 34.800)]])
HOLE_OF_TWO = multipolygon_wkb(  # a good shell with a hole of 2 points: what OSM gives
    [[square(117.310, 34.800, 0.002), [(117.3105, 34.8005), (117.3105, 34.8005)]]]
)
ONLY_TWO = multipolygon_wkb([[[(117.320, 34.800), (117.320, 34.800)]]])


def footprints(path: Path, wkbs) -> Path:
    """A GeoPackage like ogr2ogr makes from an .osm.pbf: layer multipolygons."""
    codes = np.array([f"OSM{i + 1}" for i in range(len(wkbs))], dtype=object)
    write_raw(
        path,
        np.array(wkbs, dtype=object),
        [codes],
        ["code"],
        layer="multipolygons",
        driver="GPKG",
        geometry_type="MultiPolygon",
        crs="EPSG:4490",
    )
    return path


def fingerprint(db_url: str) -> tuple:
    """Row counts and data stamps: 'the database unchanged'."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stamps = dict(conn.execute(text("SELECT name, stamp FROM data_stamp")).all())
    engine.dispose()
    return table_counts(db_url), stamps


def test_the_two_point_ring_is_what_geos_refuses():
    """The fault of the issue, as shapely meets it (so the tests below test that)."""
    with pytest.raises(shapely.errors.GEOSException, match="LinearRing found 2"):
        shapely.from_wkb(HOLE_OF_TWO)


def test_from_wkb_mends_rings_in_any_byte_order_and_dimension():
    shell = square(0, 0, 10)
    for dims, end in ((2, "<"), (3, ">"), (3, "<")):
        wkb = polygon_wkb([shell, [(1, 1), (1, 1)], square(2, 2, 1)], dims, end)
        geoms, degenerate, unreadable = from_wkb(np.array([wkb, GOOD, None], dtype=object))
        assert degenerate.tolist() == [True, False, False]
        assert unreadable.tolist() == [False, False, False]
        assert len(geoms[0].interiors) == 1 and geoms[0].area == pytest.approx(99)
    geoms, degenerate, unreadable = from_wkb(np.array([GOOD[:30]], dtype=object))
    assert unreadable.tolist() == [True] and geoms[0] is None


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.sampled_from([GOOD, HOLE_OF_TWO, ONLY_TWO]),
    st.lists(st.tuples(st.integers(0, 200), st.integers(1, 255)), max_size=4),
    st.integers(0, 200),
)
def test_from_wkb_never_raises_on_damaged_wkb(wkb, flips, cut):
    data = bytearray(wkb)
    for at, x in flips:
        data[at % len(data)] ^= x
    geoms, degenerate, unreadable = from_wkb(np.array([bytes(data[: max(cut, 1)])], dtype=object))
    assert not (degenerate & unreadable).any()
    assert unreadable[0] == (geoms[0] is None)


@pytest.mark.parametrize("what", ["buildings", "parcels"])
def test_a_ring_of_two_points_is_a_reported_row_then_repaired(what, cli, db_url, tmp_path):
    path = footprints(
        tmp_path / "osm.gpkg", [GOOD, HOLE_OF_TWO, multipolygon_wkb([[square(117.33, 34.8)]])]
    )
    before = fingerprint(db_url)
    result = cli("import", what, path, db=db_url)
    assert result.exit_code == 1, result.stdout
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in result.stderr
    assert line.startswith("error: osm.gpkg feature 2, geometry: ring with fewer than 3")
    assert "--repair" in line
    assert fingerprint(db_url) == before
    result = cli("import", what, path, "--repair", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 3
    assert any("fewer than 3 distinct points" in w for w in summary["warnings"])
    engine = make_engine(db_url)
    table = "building" if what == "buildings" else "parcel"
    with engine.connect() as conn:
        codes = conn.execute(text(f"SELECT code FROM {table} ORDER BY code")).scalars().all()
    engine.dispose()
    assert codes == ["OSM1", "OSM2", "OSM3"]


def test_a_footprint_left_with_nothing_after_repair_is_reported(cli, db_url, tmp_path):
    path = footprints(tmp_path / "osm.gpkg", [GOOD, ONLY_TWO])
    before = fingerprint(db_url)
    result = cli("import", "buildings", path, "--repair", db=db_url)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "osm.gpkg feature 2, geometry: every ring" in line
    assert "nothing is left after --repair" in line
    assert fingerprint(db_url) == before


def test_a_wkt_ring_of_two_points_is_named_as_such(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    assert cli("init", db=db).exit_code == 0
    path = tmp_path / "w.csv"
    path.write_text(
        'code,wkt\nW1,"POLYGON ((117.3 34.8, 117.31 34.8, 117.31 34.81, 117.3 34.8), '
        '(117.305 34.805, 117.305 34.805))"\n',
        encoding="utf-8",
    )
    result = cli("import", "parcels", path, db=db)
    assert result.exit_code == 1
    assert "w.csv row 2, wkt" in result.stderr and "fewer than 3 distinct points" in result.stderr


@pytest.mark.parametrize("size", [700_000, 120_000, 30_000, 4_000])
def test_a_geopackage_cut_short_is_one_line(size, cli, tmp_path):
    """The issue's file was cut at 700 KB; the sample city's GeoPackage is smaller, so
    it is padded with a second copy of its polygons first."""
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert cli("init", db=db).exit_code == 0
    src = tmp_path / "whole.gpkg"
    gdf = gpd.read_file(ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg")
    gdf = pd.concat([gdf] * 16, ignore_index=True)
    gdf.to_file(src, engine="pyogrio")
    assert src.stat().st_size > size
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(src.read_bytes()[:size])
    before = fingerprint(db)
    result = cli("import", "parcels", cut, db=db)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert line.startswith("error: cut.gpkg") and "export it again" in line
    assert fingerprint(db) == before


def _two_layers(path: Path, second_geometry) -> Path:
    gdf = gpd.read_file(ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg").head(5)
    gdf.to_file(path, layer="地块", engine="pyogrio")
    other = gdf.head(2).copy()
    if second_geometry == "point":
        other["geometry"] = shapely.points(other.geometry.bounds[["minx", "miny"]].to_numpy())
    other.to_file(path, layer="其他", engine="pyogrio")
    return path


def test_several_layers_without_layer_are_refused_with_their_list(cli, db_url, tmp_path):
    path = _two_layers(tmp_path / "two.gpkg", "polygon")
    before = fingerprint(db_url)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "Warning" not in result.stderr
    assert "two.gpkg: 2 layers and no --layer" in line
    assert "地块 (MultiPolygon)" in line and "其他 (MultiPolygon)" in line
    assert fingerprint(db_url) == before
    result = cli("import", "parcels", path, "--layer", "其他", "--json", db=db_url)
    assert result.exit_code == 0 and json.loads(result.stdout)["imported"] == 2


def test_the_only_polygon_layer_is_read_and_said(cli, db_url, tmp_path):
    path = _two_layers(tmp_path / "mixed.gpkg", "point")
    result = cli("import", "parcels", path, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 5
    assert any("read '地块', the only one with polygons" in w for w in summary["warnings"])


def test_no_python_warning_reaches_the_terminal(tmp_path):
    """A real process on a GeoPackage of several layers, which pyogrio warns about."""
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert subprocess.run([EXE, "--db", db, "init"], capture_output=True).returncode == 0
    mixed = _two_layers(tmp_path / "mixed.gpkg", "point")
    two = _two_layers(tmp_path / "two.gpkg", "polygon")
    for path, code in ((mixed, 0), (two, 1)):
        proc = subprocess.run(
            [EXE, "--db", db, "import", "parcels", str(path), "--dry-run", "-q"],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == code, proc.stderr
        assert "Warning" not in proc.stderr and "warnings.warn" not in proc.stderr
        assert "Traceback" not in proc.stderr


# --- the property: corrupt real files of every format ---------------------------------


def _sample_parcels(n: int = 25) -> gpd.GeoDataFrame:
    return gpd.read_file(ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg").head(n)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[tuple[str, Path, list[str]]]:
    """(command, file, options): small files of every format, each importing cleanly."""
    out = tmp_path_factory.mktemp("corpus")
    city = _sample_parcels()
    files: list[tuple[str, Path, list[str]]] = []

    def add(command, path, *options):
        files.append((command, path, list(options)))

    parcels = ("--upsert", "-q")
    city.to_file(out / "city.gpkg", engine="pyogrio")
    add("parcels", out / "city.gpkg", *parcels)
    city.to_file(out / "city.fgb", driver="FlatGeobuf", engine="pyogrio")
    add("parcels", out / "city.fgb", *parcels)
    table = city.drop(columns="geometry").assign(wkt=city.geometry.to_wkt())
    table.to_csv(out / "city.csv", index=False)
    add("parcels", out / "city.csv", "--crs", "4490", *parcels)
    table.to_excel(out / "city.xlsx", index=False)
    add("parcels", out / "city.xlsx", "--crs", "4490", *parcels)
    figures = pd.read_excel(ROOT / "data" / "performance" / "zaozhuang_performance_2025.xlsx")
    code = next(c for c in city.columns if "编号" in c or c == "code")
    figures = figures[figures["code"].isin(city[code])]
    figures.to_excel(out / "figures.xlsx", index=False)
    add("performance", out / "figures.xlsx")
    figures.to_csv(out / "figures.csv", index=False)
    add("performance", out / "figures.csv")
    buildings = out / "buildings.xlsx"
    shutil.copy(ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx", buildings)
    add("buildings", buildings, "--upsert")
    add("vacancies", buildings)
    if REALDATA.exists():
        with warnings.catch_warnings():  # its height column mixes numbers and "NA"
            warnings.simplefilter("ignore", UserWarning)
            philly = pyogrio.read_dataframe(REALDATA / "philly_fishtown_parcels.geojson")
        philly = philly.head(25)
        philly.insert(0, "pid", [f"PHL-{i}" for i in range(len(philly))])
        philly.to_file(out / "philly.geojson", driver="GeoJSON", engine="pyogrio")
        add("parcels", out / "philly.geojson", "--field", "code=pid", "--repair", *parcels)
        kastoria = pyogrio.read_dataframe(REALDATA / "kastoria_cad1925" / "cad1925.shp")
        kastoria = kastoria[kastoria["KAK"].notna()].drop_duplicates("KAK").head(25)
        kastoria.to_file(out / "kastoria.shp", engine="pyogrio", encoding="UTF-8")
        add("parcels", out / "kastoria.shp", "--field", "code=KAK", *parcels)
        wuhan = REALDATA / "wuhan_cug_buildings_mislabelled_crs.geojson"
        shutil.copy(wuhan, out / "wuhan.geojson")
        add(
            "buildings",
            out / "wuhan.geojson",
            "--field",
            "code=id",
            "--crs",
            "EPSG:3857",
            "--upsert",
        )
        shutil.copy(REALDATA / "boundary_txt" / "foshan_plot_002.txt", out / "foshan.txt")
        add("parcels", out / "foshan.txt", *parcels)
    return files


def _members(path: Path) -> list[Path]:
    if path.suffix == ".shp":
        return sorted(p for p in path.parent.glob(path.stem + ".*"))
    return [path]


def _copy(path: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    for member in _members(path):
        shutil.copy(member, into / member.name)
    return into / path.name


@st.composite
def corruptions(draw, count: int):
    """(file index, member index, kind, details): what to do to which file."""
    index = draw(st.integers(0, count - 1))
    kind = draw(st.sampled_from(["cut", "flip", "empty"]))
    member = draw(st.integers(0, 5))
    where = draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=8))
    xor = draw(st.lists(st.integers(1, 255), min_size=len(where), max_size=len(where)))
    return index, member, kind, where, xor


def _corrupt(path: Path, member: int, kind: str, where, xor) -> str:
    target = _members(path)[member % len(_members(path))]
    data = bytearray(target.read_bytes())
    if kind == "empty" and path.suffix != ".shp":
        kind = "cut"
    if kind == "empty":
        data = bytearray()
    elif kind == "cut":
        data = data[: int(where[0] * len(data))]
    else:
        for at, x in zip(where, xor, strict=True):
            data[int(at * len(data))] ^= x
    target.write_bytes(bytes(data))
    return f"{kind} {target.name}"


def _fuzz(cli, db_url, corpus, tmp_path, examples: int) -> None:
    for command, path, options in corpus:  # each file imports cleanly before corruption
        result = cli("import", command, path, *options, db=db_url)
        assert result.exit_code == 0, (path.name, result.stderr)
    seen = {"n": 0}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(corruptions(len(corpus)))
    def check(corruption):
        index, member, kind, where, xor = corruption
        command, path, options = corpus[index]
        seen["n"] += 1
        copy = _copy(path, tmp_path / f"ex{seen['n']}")
        what = _corrupt(copy, member, kind, where, xor)
        before = fingerprint(db_url)
        result = cli("import", command, copy, *options, db=db_url)
        assert result.exit_code in (0, 1), (what, result.exit_code, result.stderr)
        assert "Traceback" not in result.stderr, (what, result.stderr)
        if result.exit_code == 1:
            line = result.stderr.strip()
            assert line.startswith("error: ") and "\n" not in line, (what, result.stderr)
            assert fingerprint(db_url) == before, what
        shutil.rmtree(copy.parent)

    check()


def test_corrupted_files_of_every_format_end_in_one_line(cli, db_url, corpus, tmp_path):
    examples = FUZZ if db_url.startswith("sqlite") else max(FUZZ // 4, 5)
    _fuzz(cli, db_url, corpus, tmp_path, examples)


def test_a_corrupted_file_in_a_real_process_is_one_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert subprocess.run([EXE, "--db", db, "init"], capture_output=True).returncode == 0
    path = tmp_path / "city.gpkg"
    _sample_parcels().to_file(path, engine="pyogrio")
    data = bytearray(path.read_bytes())
    for at in range(4096, len(data), 997):  # flip bytes throughout, past the header page
        data[at] ^= 0x5A
    path.write_bytes(bytes(data))
    proc = subprocess.run(
        [EXE, "--db", db, "import", "parcels", str(path), "-q"], capture_output=True, text=True
    )
    assert proc.returncode in (0, 1)
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    if proc.returncode == 1:
        assert proc.stderr.strip().count("\n") == 0, proc.stderr
