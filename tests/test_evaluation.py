"""The per-mu evaluation by enterprise, its rules on small frames (no database): land
by the rule, cohorts graded apart, caps and ties, completeness, benchmarks, policies,
the rule version and the profile's checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbank.config import load_profile
from landbank.domain import credit_codes
from landbank.domain import evaluation as ev
from landbank.domain.enterprises import FIGURE_NAMES, land_by_rule

A = credit_codes.with_check("91370402MA3C00001")
B = credit_codes.with_check("91370402MA3C00002")
C = credit_codes.with_check("91370403MA3C00003")

LARGE = {
    "tax_wan_per_mu": 30,
    "value_added_wan_per_mu": 20,
    "value_added_per_tce": 20,
    "value_added_per_t_emissions": 10,
    "value_added_per_employee": 10,
    "rd_share": 10,
}


def rules(**over) -> ev.Rules:
    """Rules of a large cohort (the six indicators) and a small one (tax per mu, land
    floor 3 mu), cap 1.5; ``over`` replaces keys of the section."""
    section = {
        "cap": 1.5,
        "benchmark_factor": 2.0,
        "min_completeness": 0.5,
        "cohorts": {
            "large": {
                "weights": LARGE,
                "proportions": {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05},
            },
            "small": {
                "weights": {"tax_wan_per_mu": 100},
                "min_land_mu": 3,
                "proportions": {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05},
            },
        },
        "policies": [
            {"grade": "D", "id": "electricity_surcharge", "basis": "power_kwh",
             "yuan_per_unit": 0.10},
            {"grade": "D", "id": "water_surcharge", "basis": "water_t", "yuan_per_unit": 1.0},
            {"grade": "D", "id": "no_new_land"},
            {"grade": "A", "id": "priority"},
        ],
    }  # fmt: skip
    section.update(over)
    return ev.Rules.from_profile("test", section)


def firms(rows: list[dict]) -> pd.DataFrame:
    """One row per enterprise: ``credit_code`` (made up when absent), ``registered``
    (True), ``cohort``, ``land_mu`` and the figures given (the rest missing)."""
    frame = pd.DataFrame(rows)
    if "credit_code" not in frame:
        frame["credit_code"] = [f"E{i:05d}" for i in range(len(frame))]
    frame["registered"] = frame.get("registered", pd.Series(True, index=frame.index))
    frame["registered"] = frame["registered"].fillna(True).astype(bool)
    for f in FIGURE_NAMES:
        if f not in frame:
            frame[f] = np.nan
    return frame


def full(tax: float, land: float = 10.0, cohort: str = "large", **figures) -> dict:
    """A firm with every figure of the large cohort; ``tax`` varies its standing."""
    row = {
        "cohort": cohort,
        "land_mu": land,
        "tax_wan": tax,
        "value_added_wan": 500.0,
        "energy_tce": 100.0,
        "emissions_t": 10.0,
        "employees": 50.0,
        "rd_wan": 30.0,
        "revenue_wan": 1000.0,
        "power_kwh": 1e6,
    }
    return row | figures


def run(frame: pd.DataFrame, r: ev.Rules, last_year: pd.DataFrame | None = None):
    bench = ev.benchmarks(frame, last_year, r)
    return ev.evaluate(frame, r, bench), bench


# --- land by the rule -----------------------------------------------------------------


def _lease(lessor, lessee, parcel, area, start, end) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lessor_code": [lessor],
            "lessee_code": [lessee],
            "parcel_code": [parcel],
            "area_mu": [area],
            "from_on": [pd.Timestamp(start)],
            "to_on": [pd.Timestamp(end)],
        }
    )


@settings(max_examples=150, deadline=None)
@given(
    parcel=st.floats(1.0, 500.0),
    share=st.floats(0.0, 1.0),
    start=st.integers(0, 364),
    length=st.integers(1, 800),
    whole=st.booleans(),
)
def test_a_lease_moves_its_area_for_the_share_of_the_year_it_runs(
    parcel, share, start, length, whole
):
    first = dt.date(2025, 1, 1) + dt.timedelta(days=start)
    last = first + dt.timedelta(days=length - 1)
    area = None if whole else parcel * share
    parcels = pd.DataFrame({"code": ["p"], "holder_credit_code": [A], "area_mu": [parcel]})
    land = land_by_rule(parcels, _lease(A, B, "p", area, first, last), 2025)
    land = land.set_index("credit_code")
    days = (min(last, dt.date(2025, 12, 31)) - first).days + 1
    moved = (parcel if whole else parcel * share) * days / 365
    assert land.loc[B, "rented_in_mu"] == pytest.approx(moved)
    assert land.loc[A, "rented_out_mu"] == pytest.approx(moved)
    assert land.loc[A, "land_mu"] == pytest.approx(parcel - moved)
    # the land moves, none is made or lost
    assert land["land_mu"].sum() == pytest.approx(parcel)


def test_a_lease_of_half_the_year_moves_half_its_area_in_and_out():
    parcels = pd.DataFrame(
        {"code": ["p1", "p2"], "holder_credit_code": [A, B], "area_mu": [40.0, 10.0]}
    )
    # 2024 has 366 days: 1 Jan to 30 Jun is 182, 1 Jul to 31 Dec 184
    leases = pd.concat(
        [
            _lease(A, B, "p1", 20.0, "2024-01-01", "2024-06-30"),
            _lease(B, C, "p2", None, "2024-07-01", "2026-06-30"),
        ],
        ignore_index=True,
    )
    land = land_by_rule(parcels, leases, 2024).set_index("credit_code")
    assert land.loc[A, "land_mu"] == pytest.approx(40.0 - 20.0 * 182 / 366)
    assert land.loc[B, "rented_in_mu"] == pytest.approx(20.0 * 182 / 366)
    assert land.loc[B, "rented_out_mu"] == pytest.approx(10.0 * 184 / 366)
    assert land.loc[B, "land_mu"] == pytest.approx(10.0 + 20.0 * 182 / 366 - 10.0 * 184 / 366)
    assert land.loc[C, "land_mu"] == pytest.approx(10.0 * 184 / 366)
    # the next year the first lease is over and the second runs all year
    land = land_by_rule(parcels, leases, 2025).set_index("credit_code")
    assert (land.loc[A, "land_mu"], land.loc[B, "land_mu"], land.loc[C, "land_mu"]) == (
        40.0,
        0.0,
        10.0,
    )


# --- cohorts --------------------------------------------------------------------------


def test_a_small_firm_never_ranks_among_the_large_ones():
    large = [full(tax) for tax in (100.0, 200.0, 300.0, 400.0, 500.0)]
    # a small firm paying far more tax per mu than any large one
    small = [
        {"cohort": "small", "land_mu": 10.0, "tax_wan": t} for t in (9000.0, 5.0, 10.0, 20.0, 40.0)
    ]
    graded, _ = run(firms(large + small), rules())
    big = graded[graded["cohort"] == "large"]
    little = graded[graded["cohort"] == "small"]
    assert sorted(big["rank"]) == [1, 2, 3, 4, 5] and set(big["cohort_rated"]) == {5}
    assert sorted(little["rank"]) == [1, 2, 3, 4, 5] and set(little["cohort_rated"]) == {5}
    assert little.loc[little["tax_wan"] == 9000.0, "rank"].item() == 1
    assert big.loc[big["tax_wan"] == 500.0, "rank"].item() == 1
    # the small cohort is scored on its own indicator only
    assert set(little["components"].iloc[0]) == {"tax_wan_per_mu"}
    assert set(big["components"].iloc[0]) == set(LARGE)


def test_each_cohort_takes_its_own_proportions():
    r = rules()
    section = {**r.as_dict(), "policies": []}
    section["cohorts"]["small"]["proportions"] = {"A": 0.5, "B": 0.0, "C": 0.0, "D": 0.5}
    r = ev.Rules.from_profile("test", section)
    large = [full(100.0 + 10 * i) for i in range(20)]
    small = [{"cohort": "small", "land_mu": 10.0, "tax_wan": 5.0 + i} for i in range(10)]
    graded, _ = run(firms(large + small), r)
    counts = graded.groupby("cohort")["grade"].value_counts().unstack(fill_value=0)
    assert counts.loc["large"].to_dict() == {"A": 4, "B": 8, "C": 7, "D": 1}
    assert counts.loc["small"].to_dict() == {"A": 5, "B": 0, "C": 0, "D": 5}


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e4), min_size=1, max_size=25),
    st.lists(st.floats(0.0, 1e4), min_size=1, max_size=25),
)
def test_a_cohort_is_graded_alike_with_or_without_the_other(large_tax, small_tax):
    r = rules()
    large = firms([full(t) for t in large_tax])
    small = firms([{"cohort": "small", "land_mu": 8.0, "tax_wan": t} for t in small_tax])
    small["credit_code"] = [f"S{i:05d}" for i in range(len(small))]
    both = pd.concat([large, small], ignore_index=True)
    bench = ev.benchmarks(both, None, r)
    together = ev.evaluate(both, r, bench).set_index("credit_code")
    for alone in (large, small):
        apart = ev.evaluate(alone, r, bench).set_index("credit_code")
        mine = together.loc[apart.index]
        assert mine["grade"].tolist() == apart["grade"].tolist()
        assert mine["rank"].tolist() == apart["rank"].tolist()
        assert mine["score"].tolist() == apart["score"].tolist()


def test_a_firm_of_no_cohort_or_below_the_land_floor_is_not_graded():
    rows = [
        {"cohort": "small", "land_mu": 2.0, "tax_wan": 50.0},
        {"cohort": "small", "land_mu": 5.0, "tax_wan": 50.0},
        {"cohort": None, "land_mu": 5.0, "tax_wan": 50.0},
        {"cohort": "large", "land_mu": 0.0, "tax_wan": 50.0},
        {"cohort": "large", "land_mu": 5.0, "tax_wan": 50.0, "registered": False},
    ]
    graded, _ = run(firms(rows), rules())
    assert graded["status"].tolist() == [
        "below_land_floor",
        "graded",
        "no_cohort",
        "no_land",
        "unregistered",
    ]
    # one firm graded: 0.2 of one firm rounds to no A, so it takes B
    assert graded["grade"].tolist() == [None, "B", None, None, None]
    assert graded["score"].isna().tolist() == [True, False, True, True, True]


# --- caps and ties --------------------------------------------------------------------


def test_an_indicator_far_above_its_benchmark_counts_cap_times_its_weight():
    r = rules(cohorts={"small": {"weights": {"tax_wan_per_mu": 100},
                                 "benchmarks": {"tax_wan_per_mu": 10.0}}})  # fmt: skip
    rows = [{"cohort": "small", "land_mu": 10.0, "tax_wan": t} for t in (1e6, 150.0, 50.0)]
    graded, bench = run(firms(rows), r)
    assert bench["small"]["tax_wan_per_mu"] == {"value": 10.0, "basis": "profile"}
    # 100 000 and 15 per mu: both capped at 1.5 x 100; 5 per mu: half the benchmark
    assert graded["score"].tolist() == [150.0, 150.0, 50.0]
    assert [c["tax_wan_per_mu"][1] for c in graded["components"]] == [150.0, 150.0, 50.0]
    explained = ev.explain(graded["components"].iloc[0], "small", r.as_dict(), bench)
    assert explained[0]["capped"] and explained[0]["most"] == 150.0
    assert not ev.explain(graded["components"].iloc[2], "small", r.as_dict(), bench)[0]["capped"]


def test_output_with_no_emissions_at_all_counts_at_the_cap():
    r = rules()
    rows = [full(100.0), full(100.0, emissions_t=0.0), full(100.0, emissions_t=0.0,
            value_added_wan=0.0)]  # fmt: skip
    graded, bench = run(firms(rows), r)
    comp = graded["components"].tolist()
    assert comp[1]["value_added_per_t_emissions"] == ["inf", 1.5 * 10]
    # nothing made and nothing emitted: no figure to divide, the indicator is missing
    assert comp[2]["value_added_per_t_emissions"][0] is None
    assert "value_added_per_t_emissions" in graded["missing"].iloc[2]
    explained = ev.explain(comp[1], "large", r.as_dict(), bench)
    emissions = next(c for c in explained if c["indicator"] == "value_added_per_t_emissions")
    assert emissions["unbounded"] and emissions["capped"] and emissions["value"] is None
    # the benchmark is the mean over the firms whose indicator is finite
    assert bench["large"]["value_added_per_t_emissions"]["value"] == pytest.approx(2 * 500 / 10)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.1, 1e3),  # land
            st.one_of(st.none(), st.floats(0.0, 1e7)),  # tax
            st.one_of(st.none(), st.floats(0.0, 1e7)),  # value added
            st.one_of(st.none(), st.floats(0.0, 1e4)),  # emissions
            st.one_of(st.none(), st.floats(0.0, 1e4)),  # energy
        ),
        min_size=1,
        max_size=30,
    )
)
def test_no_indicator_ever_counts_more_than_cap_times_its_weight(drawn):
    r = rules()
    rows = [
        {"cohort": "large", "land_mu": land, "tax_wan": tax, "value_added_wan": va,
         "emissions_t": em, "energy_tce": en, "employees": 10.0}
        for land, tax, va, em, en in drawn
    ]  # fmt: skip
    graded, _ = run(firms(rows), r)
    for comp, score in zip(graded["components"], graded["score"], strict=True):
        assert all(0.0 <= comp[k][1] <= r.cap * w + 1e-9 for k, w in LARGE.items())
        if pd.notna(score):
            assert score <= r.cap * sum(LARGE.values()) + 1e-6


def test_equal_scores_share_the_better_grade():
    scores = pd.Series([90.0, 80.0, 80.0, 70.0, 60.0, 50.0, 40.0, 40.0, 30.0, 20.0])
    letters, rank = ev.grade(scores, {"A": 0.1, "B": 0.2, "C": 0.5, "D": 0.2})
    # A: 1 firm; B: 2 (ranks 2-3); C: 5 (ranks 4-8); D: the last 2. 40.0 twice straddles
    # nothing, 80.0 twice fits in B.
    assert letters.tolist() == ["A", "B", "B", "C", "C", "C", "C", "C", "D", "D"]
    assert rank.tolist() == [1, 2, 2, 4, 5, 6, 7, 7, 9, 10]
    # a tie across the A/B line: both take A
    shares = {"A": 0.2, "B": 0.4, "C": 0.2, "D": 0.2}
    letters, _ = ev.grade(pd.Series([90.0, 90.0, 50.0, 40.0, 10.0]), shares)
    assert letters.tolist() == ["A", "A", "B", "C", "D"]
    # all equal: all A
    assert set(ev.grade(pd.Series([5.0] * 7), {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05})[0]) == {
        "A"
    }


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=60))
def test_a_better_score_never_gets_a_worse_grade(values):
    scores = pd.Series(values, dtype=float)
    letters, rank = ev.grade(scores, {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05})
    order = {g: i for i, g in enumerate(ev.GRADES)}
    for i in range(len(values)):
        for j in range(len(values)):
            if values[i] > values[j]:
                assert order[letters[i]] <= order[letters[j]] and rank[i] < rank[j]
            if values[i] == values[j]:
                assert letters[i] == letters[j]
    if len(set(values)) == len(values):  # no ties: the shares are as the profile says
        n = len(values)
        a = int(np.round(0.2 * n))
        assert (letters == "A").sum() == a


# --- completeness ---------------------------------------------------------------------


def test_a_firm_missing_half_its_data_is_marked_incomplete_and_not_graded():
    rows = [full(100.0 + i) for i in range(4)]
    # tax and R&D only: 30 + 10 of 100 of the weight
    rows.append({"cohort": "large", "land_mu": 10.0, "tax_wan": 900.0, "rd_wan": 9.0,
                 "revenue_wan": 100.0})  # fmt: skip
    # no energy, emissions nor employees: 60 of 100, graded, marked
    rows.append(full(110.0, energy_tce=None, emissions_t=None, employees=None))
    graded, _ = run(firms(rows), rules())
    short, partial = graded.iloc[4], graded.iloc[5]
    assert short["status"] == "incomplete" and short["grade"] is None
    assert pd.isna(short["rank"]) and short["completeness"] == 0.4
    assert short["missing"] == [
        "value_added_wan_per_mu",
        "value_added_per_tce",
        "value_added_per_t_emissions",
        "value_added_per_employee",
    ]
    assert partial["status"] == "graded" and partial["completeness"] == 0.6
    assert partial["missing"] == [
        "value_added_per_tce",
        "value_added_per_t_emissions",
        "value_added_per_employee",
    ]
    # the incomplete firm takes no place among the graded: five graded, ranks 1-5
    assert set(graded["cohort_rated"].dropna()) == {5}
    assert sorted(graded["rank"].dropna()) == [1, 2, 3, 4, 5]
    # at exactly the least completeness a firm is graded; below it, not
    strict = rules(min_completeness=0.61)
    assert run(firms(rows), strict)[0]["status"].iloc[5] == "incomplete"


# --- benchmarks -----------------------------------------------------------------------


def test_benchmarks_come_from_the_year_before_else_this_year_else_the_profile():
    this = firms([full(100.0), full(300.0)])  # tax per mu 10 and 30: mean 20
    before = firms([full(50.0), full(150.0, energy_tce=None)])  # 5 and 15: mean 10
    r = rules()
    bench = ev.benchmarks(this, before, r)["large"]
    assert bench["tax_wan_per_mu"] == {"value": 20.0, "basis": "2 × mean of the year before"}
    # energy of the year before only for one firm: its mean
    assert bench["value_added_per_tce"]["value"] == pytest.approx(2 * 5.0)
    no_energy = firms([full(50.0, energy_tce=None)])
    bench = ev.benchmarks(this, no_energy, r)["large"]
    assert bench["tax_wan_per_mu"]["value"] == 10.0
    assert bench["value_added_per_tce"] == {"value": 10.0, "basis": "2 × mean of this year"}
    bench = ev.benchmarks(this, None, r)["large"]
    assert bench["tax_wan_per_mu"] == {"value": 40.0, "basis": "2 × mean of this year"}
    fixed = rules(cohorts={"large": {"weights": LARGE, "benchmarks": {"tax_wan_per_mu": 33.0}}})
    bench = ev.benchmarks(this, before, fixed)["large"]
    assert bench["tax_wan_per_mu"] == {"value": 33.0, "basis": "profile"}
    assert bench["value_added_wan_per_mu"]["basis"] == "2 × mean of the year before"


def test_the_benchmark_is_taken_over_the_cohorts_graded_firms_only():
    this = firms(
        [
            full(100.0),
            full(100.0, cohort="small"),  # another cohort
            full(9e5, registered=False),  # not in the register
            full(9e5, land=0.0),  # no land: no indicator
        ]
    )
    bench = ev.benchmarks(this, None, rules())
    assert bench["large"]["tax_wan_per_mu"]["value"] == 20.0


# --- policies -------------------------------------------------------------------------


def test_a_surcharge_is_its_rate_times_the_firms_figure_and_a_missing_one_is_noted():
    frame = firms([
        full(1.0, power_kwh=2_345_678.0, water_t=None),
        full(1.0, power_kwh=None, water_t=300.0),
        full(1.0),
    ])  # fmt: skip
    frame["grade"] = ["D", "D", "A"]
    d_first, d_second, a = ev.policies(frame, rules())
    power = d_first[0]
    assert power["id"] == "electricity_surcharge"
    assert (power["basis"], power["basis_value"], power["yuan_per_unit"]) == (
        "power_kwh",
        2_345_678.0,
        0.1,
    )
    assert power["amount_yuan"] == 234_567.8 and "note" not in power
    water = d_first[1]
    assert water["amount_yuan"] is None and water["basis_value"] is None
    assert water["note"] == "no water_t (用水量) figure: amount not known"
    assert d_first[2] == {"id": "no_new_land", "zh": "no_new_land", "en": "no_new_land"}
    assert d_second[0]["amount_yuan"] is None and "power_kwh" in d_second[0]["note"]
    assert d_second[1]["amount_yuan"] == 300.0
    assert [p["id"] for p in a] == ["priority"] and "amount_yuan" not in a[0]
    frame["grade"] = [None, "B", "C"]
    assert ev.policies(frame, rules()) == [[], [], []]


def test_the_default_profile_charges_a_d_firm_ten_fen_per_kwh():
    r = load_profile("default").evaluation
    frame = firms([full(1.0, power_kwh=1_000_000.0)])
    frame["grade"] = "D"
    (found,) = ev.policies(frame, r)
    by_id = {p["id"]: p for p in found}
    assert by_id["electricity_surcharge"]["amount_yuan"] == 100_000.0
    assert "no_new_land" in by_id


# --- the rule version -----------------------------------------------------------------


def _profile(path, body: str):
    path.write_text(body, encoding="utf-8")
    return load_profile(str(path))


def test_the_rule_version_changes_with_a_weight_and_not_otherwise(tmp_path):
    base = load_profile("default").evaluation
    same = _profile(tmp_path / "same.toml", '[case]\nphone = "0632-1234567"\n').evaluation
    assert same.sha256 == base.sha256
    assert same.version == f"{same.profile}@{base.sha256[:12]}"
    written_again = _profile(
        tmp_path / "again.toml", "[evaluation.cohorts.large.weights]\ntax_wan_per_mu = 30\n"
    ).evaluation
    assert written_again.sha256 == base.sha256
    heavier = _profile(
        tmp_path / "heavier.toml", "[evaluation.cohorts.large.weights]\ntax_wan_per_mu = 35\n"
    ).evaluation
    assert heavier.sha256 != base.sha256
    cheaper = _profile(tmp_path / "cap.toml", "[evaluation]\ncap = 1.2\n").evaluation
    assert cheaper.sha256 not in (base.sha256, heavier.sha256)


# --- the profile's checks -------------------------------------------------------------

BAD_SECTIONS = [
    (
        "unknown indicator",
        {"cohorts": {"large": {"weights": {"tax_per_hectare": 10}}}},
        "[evaluation.cohorts.large.weights] tax_per_hectare",
        "not an indicator; use one of tax_wan_per_mu",
    ),
    (
        "proportions",
        {"cohorts": {"small": {"proportions": {"A": 0.3, "B": 0.4, "C": 0.35, "D": 0.05}}}},
        "[evaluation.cohorts.small] proportions",
        "must add up to 1",
    ),
    (
        "basis",
        {"policies": [{"grade": "D", "id": "gas", "basis": "gas_m3", "yuan_per_unit": 0.2}]},
        "[[evaluation.policies]] 1 basis = 'gas_m3'",
        "use a figure: tax_wan, power_kwh",
    ),
    ("cap", {"cap": 0}, "[evaluation] cap = 0", "write a number above 0"),
    ("cohort", {"cohorts": {"medium": {}}}, "[evaluation.cohorts.medium]", "not a cohort"),
    (
        "grade",
        {"policies": [{"grade": "E", "id": "x"}]},
        "[[evaluation.policies]] 1",
        'grade = "A" to "D"',
    ),
]


@pytest.mark.parametrize(
    "section, where, fix", [b[1:] for b in BAD_SECTIONS], ids=[b[0] for b in BAD_SECTIONS]
)
def test_what_the_evaluation_cannot_use_is_named_with_its_fix(section, where, fix):
    found = ev.problems(section)
    assert len(found) == 1, found
    assert found[0][0] == where and fix in found[0][1]


def test_the_default_profiles_evaluation_is_sound():
    for name in ("default", "zaozhuang"):
        data = load_profile(name).data.get("evaluation", {})
        assert ev.problems(data) == []
