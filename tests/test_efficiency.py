"""Per-mu figures and A–D grading (亩均论英雄)."""

import numpy as np
import pandas as pd
import pytest

from landbank.domain.efficiency import grade, per_mu

GRADING = {
    "weights": {"tax_wan_per_mu": 100},
    "cap": 1.5,
    "benchmark_factor": 2.0,
    "min_years_operating": 2,
    "proportions": {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05},
}


def test_per_mu_figures_divide_by_the_land_area_in_mu():
    f = per_mu(
        pd.DataFrame(
            {
                "area_mu": [20.0],
                "tax_wan": [600.0],
                "output_wan": [10000.0],
                "value_added_wan": [2500.0],
                "investment_wan": [np.nan],
                "invested_wan": [7000.0],
                "land_price_wan": [1000.0],
                "floor_area_m2": [20000.0],
                "footprint_m2": [6000.0],
            }
        )
    )
    assert f["tax_wan_per_mu"].iloc[0] == 30.0 and f["output_wan_per_mu"].iloc[0] == 500.0
    assert f["investment_wan_per_mu"].iloc[0] == 400.0  # incl. the land price
    assert f["plot_ratio"].iloc[0] == pytest.approx(20000 / (20 * 10000 / 15))
    assert f["building_coverage"].iloc[0] == pytest.approx(6000 / (20 * 10000 / 15))


def test_each_item_is_capped_at_one_and_a_half_times_its_weight():
    f = pd.DataFrame({"area_mu": [1.0, 1.0], "tax_wan": [1000.0, 1.0], "years_operating": 5})
    got = grade(f, GRADING, benchmarks=pd.Series({"tax_wan_per_mu": 10.0}))
    assert got["score"].iloc[0] == 150.0 and got["score"].iloc[1] == 10.0


def test_grades_follow_the_proportions_and_young_firms_are_not_rated():
    n = 20
    f = pd.DataFrame(
        {"area_mu": 1.0, "tax_wan": np.arange(n, 0, -1, dtype=float), "years_operating": [5.0] * n}
    )
    f.loc[n] = {"area_mu": 1.0, "tax_wan": 100.0, "years_operating": 1.0}
    got = grade(f, GRADING)
    assert list(got["grade"].iloc[:n]) == ["A"] * 4 + ["B"] * 8 + ["C"] * 7 + ["D"]
    assert got["grade"].iloc[n] == "T"


def test_equal_scores_share_a_grade():
    f = pd.DataFrame({"area_mu": 1.0, "tax_wan": [5.0] * 4, "years_operating": 5.0})
    assert set(grade(f, GRADING)["grade"]) == {"A"}


def test_output_with_no_energy_used_scores_the_cap():
    f = pd.DataFrame(
        {
            "area_mu": 1.0,
            "value_added_wan": [10.0, 10.0],
            "energy_tce": [0.0, 5.0],
            "years_operating": 5.0,
        }
    )
    rules = {**GRADING, "weights": {"value_added_per_tce": 10}}
    got = grade(f, rules, benchmarks=pd.Series({"value_added_per_tce": 4.0}))
    assert got["score"].tolist() == [15.0, 5.0]
