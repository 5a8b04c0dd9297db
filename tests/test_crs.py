"""What CRS a file's numbers are in, and labels that the numbers contradict."""

import pytest
from pyproj import CRS

from landbank.errors import InputError
from landbank.io.crs import guess_crs, resolve_crs

ZZ_DEG = (117.30, 34.80, 117.32, 34.82)
ZZ_GK39 = (39_527_000, 3_851_000, 39_529_000, 3_853_000)
ZZ_GK39_NOPREFIX = (527_000, 3_851_000, 529_000, 3_853_000)
ZZ_GK6_20 = (20_527_000, 3_851_000, 20_529_000, 3_853_000)
ZZ_WEBMERC = (13_058_000, 4_136_000, 13_060_000, 4_138_000)


@pytest.mark.parametrize(
    "bounds, zone, epsg, swapped",
    [
        (ZZ_DEG, None, 4490, False),
        ((34.80, 117.30, 34.82, 117.32), None, 4490, True),
        (ZZ_GK39, None, 4527, False),
        ((3_851_000, 39_527_000, 3_853_000, 39_529_000), None, 4527, True),
        (ZZ_GK39_NOPREFIX, 39, 4548, False),
        (ZZ_GK39_NOPREFIX, None, None, False),
        (ZZ_GK6_20, None, 4498, False),
        (ZZ_WEBMERC, None, 3857, False),
    ],
)
def test_numbers_are_recognised(bounds, zone, epsg, swapped):
    first = guess_crs(bounds, zone)[0]
    assert (first[0], first[2]) == (epsg, swapped)


def test_no_crs_and_gauss_kruger_numbers_are_read_with_a_warning():
    crs, warnings = resolve_crs("a.csv", None, None, ZZ_GK39)
    assert crs.to_epsg() == 4527
    assert "zone 39" in warnings[0]


def test_no_crs_and_no_zone_prefix_asks_for_the_crs():
    with pytest.raises(InputError, match=r"without the zone prefix .*pass --crs EPSG:NNNN"):
        resolve_crs("a.csv", None, None, ZZ_GK39_NOPREFIX)


def test_swapped_axes_are_an_error_that_offers_swap_xy():
    with pytest.raises(InputError, match=r"X and Y are swapped.*pass --swap-xy --crs EPSG:4527"):
        resolve_crs("a.csv", None, None, (3_851_000, 39_527_000, 3_853_000, 39_529_000))


def test_import_refuses_crs_label_the_coordinates_contradict():
    with pytest.raises(InputError) as err:
        resolve_crs("b.geojson", CRS.from_epsg(4490), None, ZZ_GK39)
    msg = str(err.value)
    assert "EPSG:4490" in msg and "outside its area of use" in msg
    assert "CGCS2000 3° Gauss-Krüger zone 39 (EPSG:4527)" in msg
    assert "pass --crs EPSG:4527" in msg


def test_a_crs_option_that_fits_the_numbers_wins_over_the_label():
    crs, _ = resolve_crs("b.geojson", CRS.from_epsg(4326), "EPSG:4527", ZZ_GK39)
    assert crs.to_epsg() == 4527


def test_an_unknown_crs_option_is_a_clear_error():
    with pytest.raises(InputError, match="--crs 'EPSG:99999': not a known CRS"):
        resolve_crs("b.geojson", None, "EPSG:99999", ZZ_DEG)


def test_old_datums_warn_that_the_shift_is_approximate():
    _, warnings = resolve_crs(
        "c.shp",
        CRS.from_epsg(2363),
        None,  # Xian 1980 3° zone 39
        (39_527_000, 3_851_000, 39_529_000, 3_853_000),
    )
    assert any("older datum" in w for w in warnings)
