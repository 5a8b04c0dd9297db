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
