"""classify as the fold of its steps: each step reads and adds what its docstring says
and changes nothing it reads; and the fold agrees with a plain per-row reading of the
rules of domain.md on generated parcels."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landbank.domain.area import M2_PER_MU
from landbank.domain.classify import FLAGS, STEPS, Rules, classify
from landbank.domain.classify.reasons import Reasons
from landbank.domain.classify.working import WorkingFrame, working_frame
from landbank.synth import synthetic_parcels
from tests.test_classify_rules import DATES
from tests.test_hardening_classify import _generated

STANDARD = {
    "tax_wan_per_mu": 30,
    "output_wan_per_mu": 500,
    "investment_wan_per_mu": 400,
    "plot_ratio": 1.5,
    "building_coverage": 0.30,
    "parks": {"P1": {"tax_wan_per_mu": 20, "plot_ratio": 1.2}},
}
LOCAL = Rules(idle_after_years=2, reclaim_after_years=3, idle_fee_share=0.15)


def contract(step) -> dict[str, set[str]]:
    """The column names after Reads:, Adds: and Changes: in the step's docstring."""
    text = re.sub(r"\([^)]*\)", "", step.__doc__ or "")
    out = {}
    for key in ("Reads", "Adds", "Changes"):
        found = re.search(rf"{key}:\s*([a-z0-9_,\s]+)\.", text)
        out[key] = {n.strip() for n in found.group(1).split(",")} if found else set()
    return out


def same(a, b) -> None:
    if isinstance(a, Reasons):
        pd.testing.assert_series_equal(a.json(), b.json())
    else:
        pd.testing.assert_series_equal(a, b, check_names=False)


def _frames():
    city = synthetic_parcels(300, seed=3).drop(columns="geometry")
    city["area_mu"] = city["recorded_area_mu"]
    gen = _generated(400, seed=8)
    gen["park"] = np.where(np.arange(len(gen)) % 2, "P1", None)
    gen["output_wan_per_mu"] = np.random.default_rng(2).uniform(100, 900, len(gen))
    return [city, gen]


def test_each_column_a_step_adds_is_read_by_a_later_step_or_returned():
    returned = {"category", "idle_fee_wan", "missing", "reasons"} | {f"is_{f}" for f in FLAGS}
    for i, step in enumerate(STEPS):
        later = set().union(*(contract(s)["Reads"] for s in STEPS[i + 1 :]))
        assert contract(step)["Adds"] <= later | returned, step.__name__


@pytest.mark.parametrize("rules", [Rules(), LOCAL], ids=["national", "local"])
def test_each_step_reads_and_adds_only_what_its_docstring_says(rules):
    for frame in _frames():
        for as_of in (pd.Timestamp("2024-02-29"), pd.Timestamp("2026-06-30")):
            w = working_frame(frame, STANDARD)
            for step in STEPS:
                says = contract(step)
                name = step.__name__
                assert says["Reads"] and (says["Adds"] or says["Changes"]), name
                assert says["Changes"] <= says["Reads"], name
                assert says["Reads"] <= set(w), (name, says["Reads"] - set(w))
                given_ = WorkingFrame(w.index, {k: w[k] for k in says["Reads"]})
                kept = {k: v.copy(deep=True) for k, v in given_.items() if k != "reasons"}
                out = step(given_, as_of, rules)  # a KeyError: a read the docstring misses
                assert set(out) - set(given_) == says["Adds"], name
                changed = {k for k in given_ if out[k] is not given_[k]}
                assert changed <= says["Changes"], name
                for k, v in kept.items():  # what it read is as it was
                    pd.testing.assert_series_equal(given_[k], v)
                full = step(w, as_of, rules)
                for k in says["Adds"] | changed:
                    same(out[k], full[k])
                w = full
            assert {f"is_{flag}" for flag in FLAGS} <= set(w)


# --- a plain per-row reading of the rules --------------------------------------------


def plus_years(day: dt.date, years: int) -> dt.date:
    """Same day ``years`` later; 29 February goes to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def plus_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, or that month's last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reference(p: dict, as_of: dt.date, r: Rules, standard: dict) -> dict:
    """One parcel's category, flags, idle fee, missing field and the rules of its
    reasons in order, read straight from domain.md one parcel at a time."""

    def on(name):
        day = p.get(name)
        return day if day is not None and day <= as_of else None

    def num(name):
        v = p.get(name)
        return math.nan if v is None else float(v)

    approved, supplied, started = on("approved_on"), on("supplied_on"), on("started_on")
    operating, stopped = on("operating_on"), on("stopped_on")
    completed = on("completed_on") or operating
    agreed_start, agreed_completion = p.get("agreed_start_on"), p.get("agreed_completion_on")
    cause, why, category = p.get("cause"), [], "compliant"

    ans = approved is not None and supplied is None
    lapsed = ans and as_of >= plus_years(approved, r.approval_lapse_years)
    if ans:
        category = "approved_not_supplied"
        why.append("approved_not_supplied")
    if lapsed:
        why.append("approval_lapsed")

    snu = supplied is not None and started is None
    late = snu and agreed_start is not None and as_of > agreed_start
    idle_start = late and as_of >= plus_years(agreed_start, r.idle_after_years)
    reclaim_start = idle_start and as_of >= plus_years(agreed_start, r.reclaim_after_years)
    if snu:
        category = "supplied_not_used"
    if snu and not late:  # not yet due, or no agreed start recorded
        why.append("supplied_not_used")
    if late:
        why.append("idle_land" if idle_start else "overdue")

    building = started is not None and completed is None
    total = num("total_investment_wan")
    developed = num("developed_area_mu") / num("area_mu")
    invested = num("invested_wan") / total if total > 0 else math.nan
    small = developed < r.idle_developed_share or invested < r.idle_invested_share
    site_stopped = building and stopped is not None and stopped >= started
    idle_stop = site_stopped and small and as_of >= plus_years(stopped, r.idle_stopped_years)
    long_stop = site_stopped and not idle_stop and as_of >= plus_years(stopped, r.stopped_years)
    past = (
        building
        and agreed_completion is not None
        and as_of > agreed_completion
        and r.unfinished_past_agreed_completion
    )
    why += ["idle_land"] * idle_stop + ["stopped"] * long_stop + ["overdue"] * past
    if idle_stop or long_stop or past:
        category = "used_not_completed"

    site_m2 = num("area_mu") * M2_PER_MU
    plot_ratio, coverage = num("floor_area_m2") / site_m2, num("footprint_m2") / site_m2
    low_pr = completed is not None and plot_ratio < num("plot_ratio_min")
    low_cov = completed is not None and coverage < num("building_coverage_min")
    thin = low_pr or low_cov
    why += ["below_contracted_intensity"] * (low_pr + low_cov)
    if thin:
        category = "used_not_completed"

    months = r.built_not_operating_months
    idle_built = (
        completed is not None
        and not thin
        and operating is None
        and as_of >= plus_months(completed, months)
    )
    prod_stopped = (
        operating is not None
        and stopped is not None
        and stopped >= operating
        and not thin
        and as_of >= plus_months(stopped, months)
    )
    why += ["built_not_operating"] * (idle_built + prod_stopped)
    if idle_built or prod_stopped:
        category = "built_not_operating"

    park = (standard.get("parks") or {}).get(p.get("park"), {})
    below = False
    for measure, value, target in (
        ("tax_wan_per_mu", num("tax_wan_per_mu"), num("target_tax_wan_per_mu")),
        ("output_wan_per_mu", num("output_wan_per_mu"), num("target_output_wan_per_mu")),
        (
            "investment_wan_per_mu",
            num("investment_wan_per_mu"),
            num("target_investment_wan_per_mu"),
        ),
        ("plot_ratio", plot_ratio, math.nan),  # the contract's minimum: thin above
        ("building_coverage", coverage, math.nan),
    ):
        bar = target if not math.isnan(target) else park.get(measure, standard.get(measure))
        if operating is not None and bar is not None and value < bar:
            below = True
            why.append("below_standard")
    if operating is not None and p.get("grade") == "D":
        below = True
        why.append("below_standard")
    if below and not (idle_built or prod_stopped) and not thin:
        category = "operating_below_standard"

    idle = idle_start or idle_stop
    reclaim_stop = idle_stop and as_of >= plus_years(stopped, r.reclaim_after_years)
    reclaim = (reclaim_start or reclaim_stop) and cause != "government"
    fee = idle and cause == "enterprise"
    price = num("land_price_wan")
    why += ["idle_fee"] * (fee and not math.isnan(price)) + ["reclaim"] * reclaim
    why += ["idle_fee"] * (fee and math.isnan(price))
    why += ["government_cause"] * (idle and cause == "government")
    why += ["cause_undetermined"] * (idle and cause is None)

    recorded = ("approved_on", "supplied_on", "started_on", "completed_on", "operating_on")
    missing = "agreed_start_on" if snu and agreed_start is None else None
    if all(p.get(d) is None for d in recorded):
        category, why, missing = (
            "unclassified",
            ["unclassified"],
            "approved_on/supplied_on/started_on",
        )
    return {
        "category": category,
        "is_overdue": bool(late or past),
        "is_idle_land": bool(idle),
        "is_reclaim_eligible": bool(reclaim),
        "is_idle_fee_due": bool(fee),
        "is_approval_lapsed": bool(lapsed),
        "is_below_standard": below,
        "idle_fee_wan": float(np.round(price * r.idle_fee_share, 2)) if fee else math.nan,
        "missing": missing,
        "rules": why,
    }


AS_OF = [dt.date(2026, 6, 30), dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2023, 3, 1)]


def a_date(as_of: dt.date):
    """None, any day of some six years around ``as_of``, or a whole number of years or
    months before it, give or take a day: the edges of the rules' periods."""
    edge = st.builds(
        lambda back, shift: back + dt.timedelta(days=shift),
        st.one_of(
            st.integers(0, 3).map(lambda n: plus_years(as_of, -n)),
            st.sampled_from([6, 12, 24, 36]).map(lambda n: plus_months(as_of, -n)),
        ),
        st.sampled_from([-1, 0, 1]),
    )
    around = st.integers(-1800, 500).map(lambda n: as_of + dt.timedelta(days=n))
    return st.one_of(st.none(), around, edge, edge)


def a_number(lo: float, hi: float):
    return st.one_of(st.none(), st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 2)))


def a_parcel(as_of: dt.date):
    return st.fixed_dictionaries(
        {
            **{d: a_date(as_of) for d in DATES},
            "area_mu": st.floats(1, 100).map(lambda x: round(x, 2)),
            "developed_area_mu": a_number(0, 100),
            "invested_wan": a_number(0, 5000),
            "total_investment_wan": a_number(0, 5000),
            "land_price_wan": a_number(10, 3000),
            "floor_area_m2": a_number(0, 100_000),
            "footprint_m2": a_number(0, 40_000),
            "plot_ratio_min": st.sampled_from([None, 1.0, 1.2]),
            "building_coverage_min": st.sampled_from([None, 0.3]),
            "tax_wan_per_mu": a_number(0, 60),
            "target_tax_wan_per_mu": st.sampled_from([None, 25.0]),
            "investment_wan_per_mu": a_number(0, 600),
            "grade": st.sampled_from([None, "A", "C", "D"]),
            "cause": st.sampled_from([None, "enterprise", "government"]),
            "park": st.sampled_from([None, "P1", "P2"]),
        }
    )


@st.composite
def cases(draw):
    """An as-of date and up to twelve parcels whose dates crowd the rules' edges."""
    as_of = draw(st.sampled_from(AS_OF))
    return as_of, draw(st.lists(a_parcel(as_of), min_size=1, max_size=12))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(),
    rules=st.sampled_from(
        [Rules(), LOCAL, Rules(built_not_operating_months=12, approval_lapse_years=3)]
        + [Rules(unfinished_past_agreed_completion=False, stopped_years=2)]
    ),
    standard=st.sampled_from([{}, STANDARD]),
)
def test_classify_agrees_with_a_per_row_reading_of_the_rules(case, rules, standard):
    as_of, rows = case
    frame = pd.DataFrame(rows)
    for d in DATES:
        frame[d] = pd.to_datetime(frame[d]).astype("datetime64[s]")
    out = classify(frame, as_of, rules, standard)
    for i, p in enumerate(rows):
        want = reference(p, as_of, rules, standard)
        got = out.iloc[i]
        assert [r["rule"] for r in json.loads(got["reasons"])] == want.pop("rules"), (p, got)
        assert json.loads(got["flags"]) == [f for f in FLAGS if want[f"is_{f}"]]
        fee = want.pop("idle_fee_wan")
        assert (math.isnan(fee) and math.isnan(got["idle_fee_wan"])) or fee == got[
            "idle_fee_wan"
        ], (p, got)
        assert {k: got[k] for k in want} == want, (p, got)
