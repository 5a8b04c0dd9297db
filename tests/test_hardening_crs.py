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
