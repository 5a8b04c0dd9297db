"""In production, below the contract targets or the admission standard (投而未达标).

Steps of ``classify`` (see ``stages``): each reads the working frame and returns it with
the columns its docstring names added or changed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from landbank.domain.classify.reasons import N, T
from landbank.domain.classify.stages import relabel
from landbank.domain.classify.thresholds import Rules
from landbank.domain.classify.working import WorkingFrame


class Check(NamedTuple):
    """A figure compared with the parcel's contract target (``target``; None: the
    contract sets none here) or else the admission standard (``standard_<measure>``)."""

    measure: str
    target: str | None
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    digits: int


CHECKS = (
    Check(
        "tax_wan_per_mu",
        "target_tax_wan_per_mu",
        "亩均税收",
        "tax per mu",
        "万元/亩",
        " wan yuan",
        1,
    ),
    Check(
        "output_wan_per_mu",
        "target_output_wan_per_mu",
        "亩均产出",
        "output per mu",
        "万元/亩",
        " wan yuan",
        1,
    ),
    Check(
        "investment_wan_per_mu",
        "target_investment_wan_per_mu",
        "投资强度",
        "investment per mu",
        "万元/亩",
        " wan yuan",
        1,
    ),
    # the contracted minimums of these two are below_contracted_intensity's
    Check("plot_ratio", None, "容积率", "plot ratio", "", "", 2),
    Check("building_coverage", None, "建筑系数", "building coverage", "", "", 2),
)


def below_standard(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """In production and a figure below its contract target, else below the admission
    standard of the parcel's park or city (``standard_<measure>``), for each check of
    CHECKS; or graded D in the per-mu evaluation (the holding enterprise's, else the
    parcel's own). The flag holds for every parcel in production, whatever its category.

    Reads: operating, grade, grade_enterprise, grade_year, reasons, tax_wan_per_mu,
    target_tax_wan_per_mu, standard_tax_wan_per_mu, output_wan_per_mu, target_output_wan_per_mu,
    standard_output_wan_per_mu, investment_wan_per_mu, target_investment_wan_per_mu,
    standard_investment_wan_per_mu, plot_ratio, standard_plot_ratio, building_coverage,
    standard_building_coverage.
    Adds: is_below_standard. Changes: reasons.
    """
    in_production = w["operating"].notna()
    below = pd.Series(False, index=w.index)
    why = w["reasons"]
    for c in CHECKS:
        value = w[c.measure]
        target = w[c.target] if c.target else pd.Series(np.nan, index=w.index)
        bar = target.fillna(w[f"standard_{c.measure}"])
        low = in_production & value.notna() & (value < bar)
        below |= low
        for by_contract, zh_src, en_src in (
            (True, "约定", "contract"),
            (False, "准入标准", "admission standard"),
        ):
            why = why.add(
                low & target.notna().eq(by_contract),
                "below_standard",
                c.zh + "{v}" + c.unit_zh + "，低于" + zh_src + "{b}" + c.unit_zh,
                c.en + " {v}" + c.unit_en + " below the " + en_src + " {b}",
                v=N(value, c.digits),
                b=N(bar, c.digits),
            )
    graded_d = in_production & w["grade"].eq("D")
    by_firm = w["grade_enterprise"].notna()
    why = why.add(
        graded_d & ~by_firm,
        "below_standard",
        "亩均效益评价为D类",
        "graded D in the per-mu evaluation",
    )
    why = why.add(
        graded_d & by_firm,
        "below_standard",
        "用地企业（{c}）{y}年度亩均效益评价为D类",
        "its enterprise {c} graded D in the per-mu evaluation of {y}",
        c=T(w["grade_enterprise"]),
        y=T(w["grade_year"]),
    )
    return w.assign(is_below_standard=below | graded_d, reasons=why)


def operating_below_standard(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """Below standard is the category only where no earlier stage (built, not
    operating; below the contracted intensity) already applies.

    Reads: is_below_standard, not_operating, thin, category.
    Changes: category.
    """
    applies = w["is_below_standard"] & ~w["not_operating"] & ~w["thin"]
    return w.assign(category=relabel(w["category"], applies, "operating_below_standard"))
