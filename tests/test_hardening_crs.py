"""Issue 15 items 2, 3, 7: what landbank exports comes back wherever the parcels lie;
outside the jurisdiction is a warning; advice never repeats what was passed; a cut
boundary TXT is refused with the figures; one rule for buildings as points or shapes."""

from __future__ import annotations

import pytest
from pyproj import CRS

from landbank.errors import InputError
from landbank.io.crs import _fix, resolve_crs

CZ_DEG = (15.10, 49.60, 15.64, 50.09)  # cadastral plots in Bohemia, lon/lat
KASTORIA_2100 = (268_000, 4_480_000, 270_000, 4_482_000)  # Greek Grid, metres
ZZ_DEG = (117.30, 34.80, 117.32, 34.82)


def test_degrees_abroad_labelled_cgcs2000_are_read_with_a_warning():
    crs, warnings = resolve_crs("cz.gpkg", CRS.from_epsg(4490), None, CZ_DEG)
    assert crs.to_epsg() == 4490
    assert any("outside the area of use" in w for w in warnings)


def test_crs_option_naming_the_label_is_accepted_not_advised_again():
    crs, warnings = resolve_crs("cz.gpkg", CRS.from_epsg(4490), "EPSG:4490", CZ_DEG)
    assert crs.to_epsg() == 4490
    assert not any("--crs EPSG:4490" in w for w in warnings)


def test_a_plane_grid_abroad_is_not_refused_for_a_zone_without_prefix_reading():
    # With a profile zone (39) the Greek Grid numbers could also be Gauss-Krüger
    # without the zone prefix, landing in China: a hint, not a refusal.
    crs, warnings = resolve_crs("cad.shp", CRS.from_epsg(2100), None, KASTORIA_2100, 39)
    assert crs.to_epsg() == 2100
    assert any("pass --crs EPSG:4548" in w for w in warnings)


def test_degrees_labelled_web_mercator_are_still_refused():
    with pytest.raises(InputError, match=r"far from the jurisdiction.*--crs EPSG:4490"):
        resolve_crs("d.gpkg", CRS.from_epsg(3857), None, ZZ_DEG)


def test_advice_never_names_the_crs_just_passed():
    guesses = [(4490, "degrees of longitude/latitude (CGCS2000, EPSG:4490)", False)]
    assert "--crs EPSG:4490" not in _fix(guesses, CRS.from_epsg(4490))
    assert "--crs EPSG:4490" in _fix(guesses)


def test_advice_to_swap_after_swap_xy_says_leave_it_out():
    swapped_gk = (3_851_000, 39_527_000, 3_853_000, 39_529_000)
    with pytest.raises(InputError) as err:
        resolve_crs("s.csv", None, None, swapped_gk, swap_passed=True)
    assert "leave out --swap-xy" in str(err.value)
    assert "pass --swap-xy" not in str(err.value)


def placed(lon: float, lat: float, n: int = 6, seed: int = 3):
    """Synthetic parcels moved, shapes and sizes kept, to (lon, lat): their plane
    coordinates on zone 39 laid out around a local transverse Mercator there."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from landbank.domain.area import area_mu
    from landbank.synth import synthetic_parcels

    frame = synthetic_parcels(n, seed=seed)
    to = Transformer.from_crs(4490, 4527, always_xy=True)
    geoms = frame["geometry"].to_numpy()
    plane = shapely.transform(geoms, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))
    b = shapely.total_bounds(plane)
    local = f"+proj=tmerc +lon_0={lon} +lat_0={lat} +x_0=0 +y_0=0 +ellps=GRS80"
    back = Transformer.from_crs(local, 4490, always_xy=True)
    moved = shapely.transform(
        plane, lambda xy: np.column_stack(back.transform(xy[:, 0] - b[0], xy[:, 1] - b[1]))
    )
    frame = frame.assign(geometry=moved)
    frame["area_mu"] = area_mu(moved)
    frame["recorded_area_mu"] = frame["area_mu"]
    return frame


@pytest.mark.parametrize(
    "lon, lat, zone",
    [(15.1, 49.6, 5), (21.27, 40.52, 7), (-75.13, 39.97, 95), (151.2, -33.9, 50)],
)
def test_boundary_txt_abroad_comes_back_with_the_same_areas(tmp_path, lon, lat, zone):
    import numpy as np

    from landbank.domain.area import area_mu
    from landbank.io.boundary_txt import read_boundary_txt, write_boundary_txt
    from landbank.io.parcels import _to_storage

    frame = placed(lon, lat)
    written = write_boundary_txt(frame, tmp_path / "out.txt", zone=None)
    assert [z for _, z, _ in written][0] == zone
    codes, areas = [], []
    for path, _, _ in written:
        txt = read_boundary_txt(path)
        assert any("lies outside China" in w for w in txt.warnings)
        codes += txt.frame["code"].tolist()
        areas += list(area_mu(_to_storage(txt.frame["geometry"].to_numpy(), txt.crs)))
    expected = dict(zip(frame["code"], frame["area_mu"], strict=True))
    # coordinates are written to the millimetre: ~1e-5 of a parcel of a few hectares
    got = dict(zip(codes, areas, strict=True))
    assert got.keys() == expected.keys()
    for code, area in expected.items():
        assert got[code] == pytest.approx(area, rel=1e-4)
    assert np.isfinite(areas).all()


def _foshan(tmp_path, name: str, with_area: bool = True) -> str:
    """The text of a real Foshan boundary file; ``with_area`` writes its own area (公顷)
    into the parcel line, as most bureau files have it (these copies leave it empty)."""
    import shapely

    from landbank.io.boundary_txt import read_boundary_txt
    from tests.conftest import require_realdata

    src = require_realdata("boundary_txt", name)
    text = src.read_text(encoding="utf-8")
    if with_area:
        ha = shapely.area(read_boundary_txt(src).frame["geometry"].iloc[0]) / 10000
        head, _, rest = text.partition("[地块坐标]\n")
        count, _, tail = rest.partition(",,")
        text = f"{head}[地块坐标]\n{count},{ha:.4f},{tail}"
    return text


@pytest.mark.parametrize(
    "name, keep, declared, read",
    [("foshan_plot_002.txt", 40, 55, 30), ("foshan_plot_002.txt", 48, 55, 38)],
)
def test_boundary_txt_cut_at_a_line_end_is_refused_with_the_figures(
    cli, db_url, tmp_path, name, keep, declared, read
):
    from tests.helpers import table_counts

    lines = _foshan(tmp_path, name).split("\n")
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(lines[:keep]) + "\n", encoding="utf-8")
    before = table_counts(db_url)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    err = result.stderr
    assert "Traceback" not in err
    for part in (
        "cut.txt",
        "line 10",
        'parcel "FID_0"',
        f"declares {declared} points but {read} were read",
        "computed",
        "stated",
        "% off",
        "--accept-short",
    ):
        assert part in " ".join(err.split()), part
    assert table_counts(db_url) == before
    result = cli("import", "parcels", path, "--accept-short", db=db_url)
    assert result.exit_code == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert f"declares {declared} points but {read} were read" in err
    # the area warning quotes its figures and names the parcel in quotes
    assert 'parcel "FID_0": computed' in err and "recorded" in err and "difference -" in err


def test_boundary_txt_short_but_area_right_or_unstated_is_a_warning(
    cli, db_url, other_db_url, tmp_path
):
    # No stated area (the real file as it is): nothing to check against, a warning.
    lines = _foshan(tmp_path, "foshan_plot_002.txt", with_area=False).split("\n")
    path = tmp_path / "short.txt"
    path.write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 0, result.stderr
    assert "declares 55 points but 30 were read" in " ".join(result.stderr.split())
    # Only the closing point lost (5 of 6, the area right): a warning with the figures.
    lines = _foshan(tmp_path, "foshan_plot_000.txt").split("\n")
    path = tmp_path / "closing.txt"
    path.write_text("\n".join(lines[:15]) + "\n", encoding="utf-8")
    result = cli("import", "parcels", path, db=other_db_url)
    assert result.exit_code == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert "declares 6 points but 5 were read; area computed" in err and "0.0 % off" in err


@pytest.mark.parametrize(
    "cut, line",
    [
        (lambda t: t[: t.index("带号") + 3], 6),  # before [地块坐标], mid-line
        (lambda t: t[: t.index("[地块坐标]")], 8),  # before [地块坐标], at a line end
        (lambda t: t[: t.index("J30,1,") + 10], 40),  # mid-number: "J30,1,2582"
        (lambda t: t[: t.index("J30,1,") + 30], 40),  # mid-number: Y lost its zone prefix
    ],
)
def test_boundary_txt_cut_elsewhere_says_it_was_read_as_one_and_names_the_line(
    cli, db_url, tmp_path, cut, line
):
    path = tmp_path / "cut.txt"
    path.write_text(cut(_foshan(tmp_path, "foshan_plot_002.txt")), encoding="utf-8")
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    err = " ".join(result.stderr.split())
    assert "Traceback" not in err
    assert "read as a boundary coordinate TXT" in err
    assert f"line {line}" in err and "cut short" in err


def test_buildings_abroad_one_rule_for_lon_lat_and_footprints(cli, db_url, other_db_url, tmp_path):
    import geopandas as gpd
    import shapely

    from tests.test_buildings import BUILDINGS

    table = BUILDINGS.assign(lon=["15.10", "15.12", "15.30"], lat=["49.60", "49.61", "49.70"])
    csv = tmp_path / "cz_buildings.csv"
    table.to_csv(csv, index=False)
    points = shapely.points(table["lon"].astype(float), table["lat"].astype(float))
    shapes = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]),
        geometry=shapely.buffer(points, 0.0002, quad_segs=2),
        crs="EPSG:4490",
    )
    gpkg = tmp_path / "cz_footprints.gpkg"
    shapes.to_file(gpkg, engine="pyogrio")
    for path, url in ((csv, db_url), (gpkg, other_db_url)):
        result = cli("import", "buildings", path, db=url)
        assert result.exit_code == 0, result.stderr
        err = " ".join(result.stderr.split())
        assert "3 buildings lie outside the profile's jurisdiction" in err, err
    # a latitude that lost a digit (3.48): the same warning, not a refusal either
    typo = tmp_path / "typo.csv"
    BUILDINGS.assign(lat=["35.07", "35.08", "3.48"]).to_csv(typo, index=False)
    result = cli("import", "buildings", typo, "--upsert", db=db_url)
    assert result.exit_code == 0, result.stderr
    assert "1 buildings lie outside" in " ".join(result.stderr.split())
