"""The stages of a parcel's life that set its category, earliest first: approved, not
supplied (批而未供); supplied, not used (供而未用); used, not completed (用而未尽);
built, not operating (建而未投); and, for a parcel with no recorded dates at all,
unclassified (未分类). Where more than one stage applies the later one's category
stands; every stage that applies gives its reasons. In production, below standard
(投而未达标) is in ``production``.

Each function is a step of ``classify``: it reads the working frame, ``as_of`` and the
thresholds, and returns the frame with the columns its docstring names added or
changed (``category`` where its stage applies, ``reasons`` appended).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landbank.domain.area import M2_PER_MU
from landbank.domain.categories import UNCLASSIFIED
from landbank.domain.classify.calendar import add_months, add_years, whole_months
from landbank.domain.classify.reasons import D, N
from landbank.domain.classify.thresholds import Rules
from landbank.domain.classify.working import WorkingFrame


def relabel(category: pd.Series, where: pd.Series, name: str) -> pd.Series:
    """``category`` with ``name`` where ``where`` holds (a new column)."""
    out = category.to_numpy(dtype=object, copy=True)
    out[np.asarray(where, dtype=bool)] = name
    return pd.Series(out, index=category.index, dtype=object, copy=False)


def approved_not_supplied(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Approved and not supplied by ``as_of`` (批而未供).

    Reads: approved, supplied, category, reasons.
    Adds: not_supplied. Changes: category, reasons.
    """
    ans = w["approved"].notna() & w["supplied"].isna()
    return w.assign(
        not_supplied=ans,
        category=relabel(w["category"], ans, "approved_not_supplied"),
        reasons=w["reasons"].add(
            ans,
            "approved_not_supplied",
            "批准于{a}，尚未供地",
            "approved {a}, not supplied",
            a=D(w["approved"]),
        ),
    )


def approval_lapsed(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """The approval of a parcel still not supplied lapses ``approval_lapse_years`` after
    it was given (national: 2 years).

    Reads: not_supplied, approved, reasons.
    Adds: is_approval_lapsed. Changes: reasons.
    """
    years = rules.approval_lapse_years
    lapsed = w["not_supplied"] & (as_of >= add_years(w["approved"], years))
    return w.assign(
        is_approval_lapsed=lapsed,
        reasons=w["reasons"].add(
            lapsed,
            "approval_lapsed",
            f"批准后满{years}年未供地：批文失效，应撤回或核减",
            f"not supplied {years} years after approval: approval lapsed, withdraw or reduce it",
        ),
    )


def supplied_not_used(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Supplied and not started by ``as_of`` (供而未用); late once past the agreed start.

    Reads: supplied, started, agreed_start_on, category, reasons.
    Adds: late_start (past the agreed start), no_agreed_start.
    Changes: category, reasons.
    """
    agreed = w["agreed_start_on"]
    snu = w["supplied"].notna() & w["started"].isna()
    late = snu & agreed.notna() & (as_of > agreed)
    unknown = snu & agreed.isna()
    why = w["reasons"].add(
        snu & ~late & ~unknown,
        "supplied_not_used",
        "供地于{s}，尚未开工，约定开工{a}",
        "supplied {s}, not started, agreed start {a}",
        s=D(w["supplied"]),
        a=D(agreed),
    )
    why = why.add(
        unknown,
        "supplied_not_used",
        "供地于{s}，尚未开工，未登记约定开工日期：逾期和闲置期限无法计算",
        "supplied {s}, not started, no agreed start recorded: overdue and idle periods unknown",
        s=D(w["supplied"]),
    )
    return w.assign(
        late_start=late,
        no_agreed_start=unknown,
        category=relabel(w["category"], snu, "supplied_not_used"),
        reasons=why,
    )


def idle_before_start(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """A late start is overdue; ``idle_after_years`` past the agreed start it is idle land,
    ``reclaim_after_years`` past it reclaimable (闲置土地处置办法, national: 1 and 2).

    Reads: late_start, agreed_start_on, reasons.
    Adds: idle_start, reclaim_start. Changes: reasons.
    """
    agreed = w["agreed_start_on"]
    idle = w["late_start"] & (as_of >= add_years(agreed, rules.idle_after_years))
    reclaim = idle & (as_of >= add_years(agreed, rules.reclaim_after_years))
    late = N(whole_months(agreed, as_of), 0)
    why = w["reasons"].add(
        w["late_start"] & ~idle,
        "overdue",
        "约定开工{a}，未开工，逾期{m}个月",
        "agreed start {a}, no start recorded, {m} months overdue",
        a=D(agreed),
        m=late,
    )
    why = why.add(
        idle,
        "idle_land",
        "约定开工{a}，未开工，逾期{m}个月：闲置土地",
        "agreed start {a}, no start recorded, {m} months overdue: idle land",
        a=D(agreed),
        m=late,
    )
    return w.assign(idle_start=idle, reclaim_start=reclaim, reasons=why)


def stopped_building(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Started, not completed, and the site stopped (用而未尽): idle land when less than
    ``idle_developed_share`` of the area is developed or less than
    ``idle_invested_share`` of the investment invested and it has stopped
    ``idle_stopped_years``; otherwise used, not completed after ``stopped_years``.

    Reads: started, completed, stopped, area_mu, developed_area_mu, invested_wan,
    total_investment_wan, category, reasons.
    Adds: building, idle_stop. Changes: category, reasons.
    """
    started, stopped = w["started"], w["stopped"]
    building = started.notna() & w["completed"].isna()
    developed_share = w["developed_area_mu"] / w["area_mu"]
    total = w["total_investment_wan"]
    invested_share = w["invested_wan"] / total.where(total > 0)
    site_stopped = building & stopped.notna() & (stopped >= started)
    small = (developed_share < rules.idle_developed_share) | (
        invested_share < rules.idle_invested_share
    )
    idle = site_stopped & small & (as_of >= add_years(stopped, rules.idle_stopped_years))
    long = site_stopped & ~idle & (as_of >= add_years(stopped, rules.stopped_years))
    fields = dict(
        s=D(started),
        d=N(developed_share * 100, 0),
        i=N(invested_share * 100, 0),
        t=D(stopped),
        m=N(whole_months(stopped, as_of), 0),
    )
    zh = "开工于{s}，已开发{d}%，已投资{i}%，自{t}停工{m}个月"
    en = (
        "started {s}, developed {d}% of the area, invested {i}% of the investment, "
        "stopped since {t} ({m} months)"
    )
    why = w["reasons"].add(idle, "idle_land", zh + "：闲置土地", en + ": idle land", **fields)
    why = why.add(long, "stopped", zh, en, **fields)
    return w.assign(
        building=building,
        idle_stop=idle,
        category=relabel(w["category"], idle | long, "used_not_completed"),
        reasons=why,
    )


def past_agreed_completion(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Started, not completed and past the agreed completion date: used, not completed
    (用而未尽), overdue; only where ``unfinished_past_agreed_completion`` is set.

    Reads: building, agreed_completion_on, category, reasons.
    Adds: past_completion. Changes: category, reasons.
    """
    agreed = w["agreed_completion_on"]
    past = (
        w["building"]
        & agreed.notna()
        & (as_of > agreed)
        & bool(rules.unfinished_past_agreed_completion)
    )
    return w.assign(
        past_completion=past,
        category=relabel(w["category"], past, "used_not_completed"),
        reasons=w["reasons"].add(
            past,
            "overdue",
            "约定竣工{a}，未竣工，逾期{m}个月",
            "agreed completion {a}, not completed, {m} months late",
            a=D(agreed),
            m=N(whole_months(agreed, as_of), 0),
        ),
    )


def below_contracted_intensity(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Completed below the contracted plot ratio or building coverage: used, not
    completed (用而未尽).

    Reads: completed, area_mu, floor_area_m2, footprint_m2, plot_ratio_min,
    building_coverage_min, category, reasons.
    Adds: plot_ratio, building_coverage, thin (below either minimum).
    Changes: category, reasons.
    """
    site_m2 = w["area_mu"] * M2_PER_MU
    plot_ratio, coverage = w["floor_area_m2"] / site_m2, w["footprint_m2"] / site_m2
    pr_min, cov_min = w["plot_ratio_min"], w["building_coverage_min"]
    done = w["completed"].notna()
    low_pr, low_cov = done & (plot_ratio < pr_min), done & (coverage < cov_min)
    why = w["reasons"].add(
        low_pr,
        "below_contracted_intensity",
        "容积率{v}，低于约定下限{m}",
        "plot ratio {v} below the contracted minimum {m}",
        v=N(plot_ratio, 2),
        m=N(pr_min, 2),
    )
    why = why.add(
        low_cov,
        "below_contracted_intensity",
        "建筑密度{v}%，低于约定下限{m}%",
        "building coverage {v}% below the contracted minimum {m}%",
        v=N(coverage * 100, 0),
        m=N(cov_min * 100, 0),
    )
    thin = low_pr | low_cov
    return w.assign(
        plot_ratio=plot_ratio,
        building_coverage=coverage,
        thin=thin,
        category=relabel(w["category"], thin, "used_not_completed"),
        reasons=why,
    )


def built_not_operating(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Completed and not in production, or production stopped, for
    ``built_not_operating_months``: built, not operating (建而未投), unless below its
    contracted intensity.

    Reads: completed, operating, stopped, thin, category, reasons.
    Adds: not_operating. Changes: category, reasons.
    """
    months = rules.built_not_operating_months
    completed, operating, stopped = w["completed"], w["operating"], w["stopped"]
    thin = w["thin"]
    idle_built = (
        completed.notna() & ~thin & operating.isna() & (as_of >= add_months(completed, months))
    )
    prod_stopped = (
        operating.notna()
        & stopped.notna()
        & (stopped >= operating)
        & ~thin
        & (as_of >= add_months(stopped, months))
    )
    why = w["reasons"].add(
        idle_built,
        "built_not_operating",
        "竣工于{c}，未投产{m}个月",
        "completed {c}, not in production for {m} months",
        c=D(completed),
        m=N(whole_months(completed, as_of), 0),
    )
    why = why.add(
        prod_stopped,
        "built_not_operating",
        "自{t}停产{m}个月",
        "production stopped since {t} ({m} months)",
        t=D(stopped),
        m=N(whole_months(stopped, as_of), 0),
    )
    bno = idle_built | prod_stopped
    return w.assign(
        not_operating=bno,
        category=relabel(w["category"], bno, "built_not_operating"),
        reasons=why,
    )


def unclassified(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """No approval, supply, start, completion or production date recorded at all (on
    any day, before or after ``as_of``): the parcel fits none of the five, and is not
    compliant either (未分类). No other rule fires without a date, so its reason is the
    parcel's only one.

    Reads: approved_on, supplied_on, started_on, completed_on, operating_on, category,
    reasons.
    Adds: unclassified. Changes: category, reasons.
    """
    recorded = pd.Series(False, index=w.index)
    for name in ("approved_on", "supplied_on", "started_on", "completed_on", "operating_on"):
        recorded |= w[name].notna()
    none = ~recorded
    return w.assign(
        unclassified=none,
        category=relabel(w["category"], none, UNCLASSIFIED),
        reasons=w["reasons"].add(
            none,
            UNCLASSIFIED,
            "未登记批准、供地、开工日期：无法认定类别，请补录",
            "no approval, supply or start date recorded: the category cannot be derived; "
            "record them",
        ),
    )


def missing(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """The field a parcel lacks (a key of ``categories.MISSING``), or None: the dates of
    an unclassified parcel, else the agreed start of one supplied and not started.

    Reads: no_agreed_start, unclassified.
    Adds: missing.
    """
    out = np.full(len(w.index), None, dtype=object)
    out[w["no_agreed_start"].to_numpy(dtype=bool)] = "agreed_start_on"
    out[w["unclassified"].to_numpy(dtype=bool)] = "approved_on/supplied_on/started_on"
    return w.assign(missing=pd.Series(out, index=w.index, dtype=object, copy=False))
