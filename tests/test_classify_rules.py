"""The five-unused rules of domain.md, one test per rule, on tiny frames with a fixed
as-of date."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from landbank.domain.classify import Rules, classify

AS_OF = "2026-06-30"
DATES = [
    "approved_on",
    "supplied_on",
    "agreed_start_on",
    "started_on",
    "agreed_completion_on",
    "completed_on",
    "operating_on",
    "stopped_on",
]


def parcel(**values) -> pd.DataFrame:
    """One parcel of 30 mu with the given dates and measures; everything else blank."""
    row = {d: None for d in DATES}
    row.update(
        code="T-1",
        area_mu=30.0,
        developed_area_mu=np.nan,
        invested_wan=np.nan,
        total_investment_wan=np.nan,
        land_price_wan=np.nan,
        floor_area_m2=np.nan,
        footprint_m2=np.nan,
        cause=None,
        park=None,
    )
    row.update(values)
    frame = pd.DataFrame([row])
    for d in DATES:
        frame[d] = pd.to_datetime(frame[d]).astype("datetime64[s]")
    return frame


def run(frame, as_of=AS_OF, rules=None, standard=None):
    out = classify(frame, as_of, rules or Rules(), standard)
    first = out.iloc[0]
    return first, [r["rule"] for r in json.loads(first["reasons"])], json.loads(first["reasons"])


SUPPLIED = dict(approved_on="2023-01-10", supplied_on="2023-06-01")


def test_approved_not_supplied():
    got, rules, _ = run(parcel(approved_on="2025-01-01"))
    assert got["category"] == "approved_not_supplied" and not got["is_approval_lapsed"]


@pytest.mark.parametrize("approved, lapsed", [("2024-06-30", True), ("2024-07-01", False)])
def test_approval_lapses_exactly_two_years_after_approval(approved, lapsed):
    got, rules, _ = run(parcel(approved_on=approved))
    assert bool(got["is_approval_lapsed"]) is lapsed
    assert ("approval_lapsed" in rules) is lapsed


def test_supplied_not_used_before_the_agreed_start_is_not_overdue():
    got, rules, _ = run(parcel(**SUPPLIED, agreed_start_on="2026-07-01"))
    assert got["category"] == "supplied_not_used" and not got["is_overdue"]


def test_one_day_past_the_agreed_start_is_overdue_not_idle():
    got, rules, _ = run(parcel(**SUPPLIED, agreed_start_on="2026-06-29"))
    assert got["is_overdue"] and not got["is_idle_land"]


@pytest.mark.parametrize("agreed, idle", [("2025-06-30", True), ("2025-07-01", False)])
def test_idle_land_exactly_one_year_after_agreed_start(agreed, idle):
    got, _, _ = run(parcel(**SUPPLIED, agreed_start_on=agreed, cause="enterprise"))
    assert bool(got["is_idle_land"]) is idle
    assert bool(got["is_idle_fee_due"]) is idle


@pytest.mark.parametrize("as_of, idle", [("2025-02-28", True), ("2025-02-27", False)])
def test_idle_land_one_year_after_29_february_is_28_february(as_of, idle):
    got, _, _ = run(parcel(**SUPPLIED, agreed_start_on="2024-02-29"), as_of=as_of)
    assert bool(got["is_idle_land"]) is idle


def test_idle_reason_names_the_date_and_the_months_overdue():
    got, _, reasons = run(parcel(**SUPPLIED, agreed_start_on="2022-03-01"), as_of="2024-11-15")
    idle = next(r for r in reasons if r["rule"] == "idle_land")
    assert idle["text_en"] == (
        "agreed start 2022-03-01, no start recorded, 32 months overdue: idle land"
    )
    assert idle["text_zh"] == "约定开工2022-03-01，未开工，逾期32个月：闲置土地"


def test_enterprise_caused_idle_fee_is_20_percent_of_the_land_price():
    got, rules, _ = run(
        parcel(**SUPPLIED, agreed_start_on="2025-01-01", cause="enterprise", land_price_wan=1500.0)
    )
    assert got["is_idle_fee_due"] and got["idle_fee_wan"] == pytest.approx(300.0)
    assert not got["is_reclaim_eligible"]


@pytest.mark.parametrize("agreed, reclaim", [("2024-06-30", True), ("2024-07-01", False)])
def test_enterprise_caused_idle_two_years_is_reclaim_eligible(agreed, reclaim):
    got, _, _ = run(parcel(**SUPPLIED, agreed_start_on=agreed, cause="enterprise"))
    assert bool(got["is_reclaim_eligible"]) is reclaim


def test_government_caused_delay_never_gives_a_fee_or_reclaim_but_offers_options():
    got, rules, reasons = run(
        parcel(**SUPPLIED, agreed_start_on="2022-01-01", cause="government", land_price_wan=900.0)
    )
    assert got["is_idle_land"] and not got["is_idle_fee_due"]
    assert not got["is_reclaim_eligible"] and np.isnan(got["idle_fee_wan"])
    text = next(r for r in reasons if r["rule"] == "government_cause")["text_en"]
    assert "extend the start deadline" in text and "no idle fee" in text


def test_undetermined_cause_asks_for_an_investigation():
    got, rules, _ = run(parcel(**SUPPLIED, agreed_start_on="2024-01-01"))
    assert got["is_idle_land"] and not got["is_idle_fee_due"]
    assert "cause_undetermined" in rules


BUILDING = dict(
    **SUPPLIED,
    agreed_start_on="2023-09-01",
    started_on="2023-09-10",
    agreed_completion_on="2027-09-01",
    total_investment_wan=10000.0,
)


@pytest.mark.parametrize("developed, invested", [(9.0, 5000.0), (20.0, 2000.0)])
def test_started_developed_below_a_third_or_invested_below_a_quarter_and_stopped_a_year_is_idle(
    developed, invested
):
    got, rules, _ = run(
        parcel(
            **BUILDING,
            developed_area_mu=developed,
            invested_wan=invested,
            stopped_on="2025-06-30",
            cause="enterprise",
        )
    )
    assert got["category"] == "used_not_completed" and got["is_idle_land"]
    assert got["is_idle_fee_due"]


def test_stopped_one_day_short_of_a_year_is_not_yet_idle():
    got, _, _ = run(
        parcel(**BUILDING, developed_area_mu=5.0, invested_wan=1000.0, stopped_on="2025-07-01")
    )
    assert got["category"] == "compliant" and not got["is_idle_land"]


def test_stopped_a_year_above_the_shares_is_used_not_completed_but_not_idle():
    got, rules, _ = run(
        parcel(**BUILDING, developed_area_mu=20.0, invested_wan=6000.0, stopped_on="2025-01-01")
    )
    assert got["category"] == "used_not_completed" and not got["is_idle_land"]
    assert "stopped" in rules


def test_past_the_agreed_completion_without_completion_is_used_not_completed():
    got, rules, _ = run(
        parcel(
            **{**BUILDING, "agreed_completion_on": "2026-01-31"},
            developed_area_mu=25.0,
            invested_wan=8000.0,
        )
    )
    assert got["category"] == "used_not_completed" and got["is_overdue"]


def test_completed_below_the_contracted_plot_ratio_is_used_not_completed():
    site_m2 = 30 * 10000 / 15
    got, rules, reasons = run(
        parcel(
            **BUILDING,
            completed_on="2025-05-01",
            operating_on="2025-08-01",
            floor_area_m2=0.8 * site_m2,
            plot_ratio_min=1.2,
        )
    )
    assert got["category"] == "used_not_completed"
    assert "plot ratio 0.80 below the contracted minimum 1.20" in reasons[0]["text_en"]


@pytest.mark.parametrize("completed, idle", [("2024-06-30", True), ("2024-07-01", False)])
def test_built_not_operating_after_24_months_without_production(completed, idle):
    got, _, _ = run(parcel(**BUILDING, completed_on=completed))
    assert (got["category"] == "built_not_operating") is idle


def test_production_stopped_24_months_is_built_not_operating():
    got, rules, _ = run(
        parcel(
            **BUILDING,
            completed_on="2023-03-01",
            operating_on="2023-06-01",
            stopped_on="2024-05-01",
        )
    )
    assert got["category"] == "built_not_operating"


def test_the_months_of_built_not_operating_come_from_the_profile():
    rules = Rules.from_profile({"built_not_operating_months": 12, "unknown": 1})
    got, _, _ = run(parcel(**BUILDING, completed_on="2025-06-01"), rules=rules)
    assert got["category"] == "built_not_operating"


OPERATING = dict(**BUILDING, completed_on="2024-12-01", operating_on="2025-01-15")
STANDARD = {
    "tax_wan_per_mu": 30,
    "output_wan_per_mu": 500,
    "investment_wan_per_mu": 400,
    "parks": {"高新区": {"tax_wan_per_mu": 20}},
}


def test_operating_below_the_contract_target_per_mu():
    got, rules, reasons = run(
        parcel(**OPERATING, tax_wan_per_mu=22.0, target_tax_wan_per_mu=25.0), standard=STANDARD
    )
    assert got["category"] == "operating_below_standard" and got["is_below_standard"]
    assert "contract" in reasons[0]["text_en"]


def test_operating_below_the_admission_standard_where_the_contract_has_none():
    got, _, reasons = run(
        parcel(**OPERATING, tax_wan_per_mu=28.0, output_wan_per_mu=600.0), standard=STANDARD
    )
    assert got["category"] == "operating_below_standard"
    assert "admission standard" in reasons[0]["text_en"]


def test_a_park_override_of_the_standard_applies_to_its_parcels():
    got, _, _ = run(parcel(**OPERATING, park="高新区", tax_wan_per_mu=28.0), standard=STANDARD)
    assert got["category"] == "compliant"


def test_graded_d_is_below_standard():
    got, rules, _ = run(parcel(**OPERATING, tax_wan_per_mu=60.0, grade="D"), standard=STANDARD)
    assert got["category"] == "operating_below_standard"


def test_a_parcel_meeting_every_rule_is_compliant_with_no_flags():
    got, rules, _ = run(
        parcel(
            **OPERATING, tax_wan_per_mu=45.0, output_wan_per_mu=700.0, investment_wan_per_mu=450.0
        ),
        standard=STANDARD,
    )
    assert got["category"] == "compliant" and json.loads(got["flags"]) == []


def test_dates_after_as_of_have_not_happened_yet():
    frame = parcel(approved_on="2025-01-01", supplied_on="2026-08-01")
    got, _, _ = run(frame)
    assert got["category"] == "approved_not_supplied"


def test_classify_reads_the_frame_and_leaves_it_unchanged():
    frame = pd.concat(
        [parcel(**SUPPLIED, agreed_start_on="2024-01-01"), parcel(approved_on="2025-01-01")],
        ignore_index=True,
    )
    before = frame.copy()
    out = classify(frame, AS_OF)
    pd.testing.assert_frame_equal(frame, before)
    assert list(out["category"]) == ["supplied_not_used", "approved_not_supplied"]


def test_below_the_standard_plot_ratio_where_the_contract_sets_none():
    site_m2 = 30 * 10000 / 15
    got, rules, reasons = run(
        parcel(**OPERATING, floor_area_m2=0.5 * site_m2, tax_wan_per_mu=45.0),
        standard={**STANDARD, "plot_ratio": 1.5},
    )
    assert got["category"] == "operating_below_standard"
    assert "plot ratio 0.50 below the admission standard 1.50" in reasons[0]["text_en"]


def test_below_standard_is_flagged_even_where_an_earlier_stage_sets_the_category():
    stopped = {
        **OPERATING,
        "completed_on": "2024-01-01",
        "operating_on": "2024-02-01",
        "stopped_on": "2024-03-01",
    }
    got, rules, _ = run(parcel(**stopped, tax_wan_per_mu=5.0), standard=STANDARD)
    assert got["category"] == "built_not_operating" and got["is_below_standard"]


def test_undetermined_cause_idle_two_years_is_reclaim_eligible_but_owes_no_fee_yet():
    got, rules, _ = run(parcel(**SUPPLIED, agreed_start_on="2024-01-01"))
    assert got["is_reclaim_eligible"] and not got["is_idle_fee_due"]


def test_idle_fee_due_without_a_recorded_land_price_says_so():
    got, rules, reasons = run(parcel(**SUPPLIED, agreed_start_on="2025-05-01", cause="enterprise"))
    assert got["is_idle_fee_due"] and np.isnan(got["idle_fee_wan"])
    assert any("land price is not recorded" in r["text_en"] for r in reasons)


def test_29_february_to_28_february_counts_twelve_months():
    got, _, reasons = run(parcel(**SUPPLIED, agreed_start_on="2024-02-29"), as_of="2025-02-28")
    idle = next(r for r in reasons if r["rule"] == "idle_land")
    assert "12 months overdue" in idle["text_en"]


@pytest.mark.parametrize("approved, lapsed", [("2024-02-29", True), ("2024-03-01", False)])
def test_approval_of_29_february_lapses_on_28_february_two_years_on(approved, lapsed):
    got, _, _ = run(parcel(approved_on=approved), as_of="2026-02-28")
    assert bool(got["is_approval_lapsed"]) is lapsed


def test_site_stopped_two_years_government_caused_is_never_reclaimed():
    got, rules, _ = run(
        parcel(
            **BUILDING,
            developed_area_mu=5.0,
            invested_wan=1000.0,
            stopped_on="2024-01-01",
            cause="government",
            land_price_wan=800.0,
        )
    )
    assert got["is_idle_land"] and not got["is_reclaim_eligible"]
    assert not got["is_idle_fee_due"] and "government_cause" in rules
