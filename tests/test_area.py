"""Areas in mu, measured on the parcel's CGCS2000 3° Gauss-Krüger plane."""

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from landbank.domain.area import M2_PER_MU, area_mismatch, area_mu, gk3_zone


def _from_plane(geom, epsg):
    tr = Transformer.from_crs(epsg, 4490, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def test_one_mu_is_ten_thousand_fifteenths_of_a_square_metre():
    assert M2_PER_MU == pytest.approx(666.6667, abs=1e-4)


@pytest.mark.parametrize(
    "lon, zone", [(117.4, 39), (118.49, 39), (118.51, 40), (73.6, 25), (134.9, 45)]
)
def test_zone_is_longitude_over_three_rounded(lon, zone):
    assert gk3_zone(np.array([lon]))[0] == zone


@pytest.mark.parametrize(
    "epsg, x0", [(4527, 39_500_000.0), (4527, 39_380_000.0), (4528, 40_610_000.0)]
)
def test_area_matches_the_survey_plane_within_a_thousandth(epsg, x0):
    # An irregular 7-vertex parcel drawn on the bureau's survey plane (zone prefix on X).
    ring = [(0, 0), (312.4, 0), (340.1, 120.7), (298.2, 251.3), (120.5, 270.9), (12.2, 180), (0, 0)]
    plane = shapely.Polygon([(x0 + x, 3_860_000 + y) for x, y in ring])
    survey_mu = plane.area / M2_PER_MU
    lonlat = _from_plane(plane, epsg)
    got = area_mu(np.array([lonlat], dtype=object))[0]
    assert abs(got - survey_mu) / survey_mu < 1e-3
    # and in fact far closer: the projection is the survey's own
    assert got == pytest.approx(survey_mu, rel=1e-6)


def test_area_of_a_missing_geometry_is_nan():
    got = area_mu(np.array([None, shapely.box(117.0, 35.0, 117.001, 35.001)], dtype=object))
    assert np.isnan(got[0]) and got[1] > 0


def test_recorded_area_more_than_five_percent_off_is_flagged():
    area = np.array([100.0, 100.0, 100.0, 100.0])
    recorded = np.array([105.0, 105.1, 94.8, np.nan])
    assert area_mismatch(area, recorded).tolist() == [False, True, True, False]
