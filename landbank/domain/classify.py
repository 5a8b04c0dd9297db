"""The five "unused" categories, derived from a parcel's dates and measures as of a date.

``classify(frame, as_of, rules, standard)`` works on whole columns. It reads the dates
(datetime64, NaT when unknown; a date after ``as_of`` has not happened yet), the
measures, ``cause``, and, for parcels in production, the per-mu figures of
``landbank.domain.efficiency`` (``tax_wan_per_mu``, ``output_wan_per_mu``,
``investment_wan_per_mu``, ``grade``). It returns a new frame, same index, with
``category``, one boolean column per flag, ``idle_fee_wan``, ``flags`` and ``reasons``
(JSON text: ``[{"rule", "text_zh", "text_en"}]``, the dates and figures that decided).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

FLAGS = (
    "overdue",
    "idle_land",
    "reclaim_eligible",
    "idle_fee_due",
    "approval_lapsed",
    "below_standard",
)
GOVERNMENT_OPTIONS_ZH = "延长动工期限、调整用途或规划条件、临时使用、协议有偿收回、置换"
GOVERNMENT_OPTIONS_EN = (
    "extend the start deadline, change use or planning conditions, "
    "temporary use, negotiated paid recovery, swap"
)


@dataclass(frozen=True)
class Rules:
    """Thresholds of the rules (the profile's ``[rules]``); defaults are the national
    values and common local practice of domain.md."""

    approval_lapse_years: int = 2
    idle_after_years: int = 1
    reclaim_after_years: int = 2
    idle_fee_share: float = 0.20
    idle_developed_share: float = 1 / 3
    idle_invested_share: float = 0.25
    idle_stopped_years: int = 1
    stopped_years: int = 1
    unfinished_past_agreed_completion: bool = True
    built_not_operating_months: int = 24

    @classmethod
    def from_profile(cls, values: dict) -> Rules:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def add_years(dates: pd.Series, years: int) -> pd.Series:
    """The same calendar day ``years`` later; 29 February goes to 28 February."""
    return dates + pd.DateOffset(years=int(years))


def add_months(dates: pd.Series, months: int) -> pd.Series:
    """The same day ``months`` later (or the month's last day when it has none)."""
    return dates + pd.DateOffset(months=int(months))


def whole_months(start: pd.Series, end: pd.Timestamp) -> pd.Series:
    """Whole calendar months from each ``start`` to ``end`` (NaN where start is NaT)."""
    months = (end.year - start.dt.year) * 12 + (end.month - start.dt.month)
    return months - (start.dt.day > end.day).astype(float)


def _iso(dates: pd.Series) -> pd.Series:
    """Dates as YYYY-MM-DD text, "?" where unknown."""
    days = dates.to_numpy(dtype="datetime64[D]")
    text = days.astype(str).astype(object)
    text[np.isnat(days)] = "?"
    return pd.Series(text, index=dates.index, dtype=object)


def _num(values: pd.Series, digits: int = 1) -> pd.Series:
    """Numbers as text with ``digits`` decimals, "?" where unknown."""
    arr = np.asarray(values, dtype=float)
    text = np.char.mod(f"%.{digits}f", np.nan_to_num(arr)).astype(object)
    text[np.isnan(arr)] = "?"
    return pd.Series(text, index=values.index, dtype=object)


class _Reasons:
    """Collects reason fragments per rule, as JSON text built column-wise."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.parts: list[pd.Series] = []

    def add(self, mask: pd.Series, rule: str, zh: pd.Series | str, en: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        zh = zh if isinstance(zh, pd.Series) else pd.Series(zh, index=self.index)
        en = en if isinstance(en, pd.Series) else pd.Series(en, index=self.index)
        text = (
            '{"rule": "'
            + rule
            + '", "text_zh": '
            + zh[mask].map(json.dumps)
            + ', "text_en": '
            + en[mask].map(json.dumps)
            + "}"
        )
        self.parts.append(text.reindex(self.index))

    def json(self) -> pd.Series:
        out = pd.Series("", index=self.index, dtype=object)
        for part in self.parts:
            has = part.notna()
            sep = np.where(out[has] == "", "", ", ")
            out[has] = out[has] + sep + part[has]
        return "[" + out + "]"


def classify(
    frame: pd.DataFrame, as_of, rules: Rules | None = None, standard: dict | None = None
) -> pd.DataFrame:
    """Derives each parcel's category, flags and reasons as of ``as_of`` (see module)."""
    rules = rules or Rules()
    as_of = pd.Timestamp(as_of).normalize()
    f = frame
    idx = f.index

    def happened(col: str) -> pd.Series:
        d = pd.to_datetime(f[col]) if col in f else pd.Series(pd.NaT, index=idx)
        return d.where(d <= as_of)

    approved, supplied = happened("approved_on"), happened("supplied_on")
    started, completed = happened("started_on"), happened("completed_on")
    operating, stopped = happened("operating_on"), happened("stopped_on")
    agreed_start = pd.to_datetime(f["agreed_start_on"])
    agreed_completion = pd.to_datetime(f["agreed_completion_on"])
    completed = completed.fillna(operating.where(operating.notna()))  # producing ⇒ built
    cause = f["cause"].astype(object) if "cause" in f else pd.Series(None, index=idx)
    enterprise, government = cause.eq("enterprise"), cause.eq("government")
    undetermined = cause.isna()

    out = pd.DataFrame(index=idx)
    out["category"] = "compliant"
    for flag in FLAGS:
        out[f"is_{flag}"] = False
    out["idle_fee_wan"] = np.nan
    why = _Reasons(idx)

    # 1. approved, not supplied (批而未供); lapses after 2 years (national)
    ans = approved.notna() & supplied.isna()
    out.loc[ans, "category"] = "approved_not_supplied"
    why.add(
        ans,
        "approved_not_supplied",
        "批准于" + _iso(approved) + "，尚未供地",
        "approved " + _iso(approved) + ", not supplied",
    )
    lapsed = ans & (as_of >= add_years(approved, rules.approval_lapse_years))
    out["is_approval_lapsed"] = lapsed
    why.add(
        lapsed,
        "approval_lapsed",
        f"批准后满{rules.approval_lapse_years}年未供地：批文失效，应撤回或核减",
        f"not supplied {rules.approval_lapse_years} years after approval: approval lapsed,"
        " withdraw or reduce it",
    )

    # 2. supplied, not started (供而未用)
    snu = supplied.notna() & started.isna()
    out.loc[snu, "category"] = "supplied_not_used"
    late_start = whole_months(agreed_start, as_of)
    overdue = snu & agreed_start.notna() & (as_of > agreed_start)
    idle_start = (
        snu & agreed_start.notna() & (as_of >= add_years(agreed_start, rules.idle_after_years))
    )
    reclaim_start = idle_start & (as_of >= add_years(agreed_start, rules.reclaim_after_years))
    why.add(
        snu & ~overdue,
        "supplied_not_used",
        "供地于" + _iso(supplied) + "，尚未开工" + ("，约定开工" + _iso(agreed_start)).fillna(""),
        "supplied "
        + _iso(supplied)
        + ", not started"
        + (", agreed start " + _iso(agreed_start)).fillna(""),
    )
    why.add(
        overdue & ~idle_start,
        "overdue",
        "约定开工" + _iso(agreed_start) + "，未开工，逾期" + _num(late_start, 0) + "个月",
        "agreed start "
        + _iso(agreed_start)
        + ", no start recorded, "
        + _num(late_start, 0)
        + " months overdue",
    )
    why.add(
        idle_start,
        "idle_land",
        "约定开工" + _iso(agreed_start) + "，未开工，逾期" + _num(late_start, 0) + "个月：闲置土地",
        "agreed start "
        + _iso(agreed_start)
        + ", no start recorded, "
        + _num(late_start, 0)
        + " months overdue: idle land",
    )

    # 3. started, not completed (用而未尽)
    building = started.notna() & completed.isna()
    area = f["area_mu"].astype(float)
    developed_share = f["developed_area_mu"].astype(float) / area
    total_inv = f["total_investment_wan"].astype(float)
    invested_share = f["invested_wan"].astype(float) / total_inv.where(total_inv > 0)
    site_stopped = building & stopped.notna() & (stopped >= started)
    stop_months = whole_months(stopped, as_of)
    small = (developed_share < rules.idle_developed_share) | (
        invested_share < rules.idle_invested_share
    )
    idle_stop = site_stopped & small & (as_of >= add_years(stopped, rules.idle_stopped_years))
    long_stop = site_stopped & ~idle_stop & (as_of >= add_years(stopped, rules.stopped_years))
    past_completion = (
        building
        & agreed_completion.notna()
        & (as_of > agreed_completion)
        & rules.unfinished_past_agreed_completion
    )
    unc = idle_stop | long_stop | past_completion
    out.loc[unc, "category"] = "used_not_completed"
    shares_zh = (
        "已开发"
        + _num(developed_share * 100, 0).fillna("?")
        + "%，已投资"
        + _num(invested_share * 100, 0).fillna("?")
        + "%"
    )
    shares_en = (
        "developed " + _num(developed_share * 100, 0).fillna("?") + "% of the area, "
        "invested " + _num(invested_share * 100, 0).fillna("?") + "% of the investment"
    )
    why.add(
        idle_stop,
        "idle_land",
        "开工于"
        + _iso(started)
        + "，"
        + shares_zh
        + "，自"
        + _iso(stopped)
        + "停工"
        + _num(stop_months, 0)
        + "个月：闲置土地",
        "started "
        + _iso(started)
        + ", "
        + shares_en
        + ", stopped since "
        + _iso(stopped)
        + " ("
        + _num(stop_months, 0)
        + " months): idle land",
    )
    why.add(
        long_stop,
        "stopped",
        "开工于"
        + _iso(started)
        + "，"
        + shares_zh
        + "，自"
        + _iso(stopped)
        + "停工"
        + _num(stop_months, 0)
        + "个月",
        "started "
        + _iso(started)
        + ", "
        + shares_en
        + ", stopped since "
        + _iso(stopped)
        + " ("
        + _num(stop_months, 0)
        + " months)",
    )
    late_done = whole_months(agreed_completion, as_of)
    why.add(
        past_completion,
        "overdue",
        "约定竣工" + _iso(agreed_completion) + "，未竣工，逾期" + _num(late_done, 0) + "个月",
        "agreed completion "
        + _iso(agreed_completion)
        + ", not completed, "
        + _num(late_done, 0)
        + " months late",
    )

    # 3c. completed below the contracted intensity (用而未尽)
    site_m2 = area * (10000 / 15)
    plot_ratio = f["floor_area_m2"].astype(float) / site_m2
    coverage = (
        (f["footprint_m2"].astype(float) / site_m2)
        if "footprint_m2" in f
        else pd.Series(np.nan, index=idx)
    )
    pr_min = f["plot_ratio_min"].astype(float) if "plot_ratio_min" in f else np.nan
    cov_min = f["building_coverage_min"].astype(float) if "building_coverage_min" in f else np.nan
    done = completed.notna()
    low_pr = done & (plot_ratio < pr_min)
    low_cov = done & (coverage < cov_min)
    out.loc[low_pr | low_cov, "category"] = "used_not_completed"
    why.add(
        low_pr,
        "below_contracted_intensity",
        "容积率" + _num(plot_ratio, 2) + "，低于约定下限" + _num(pd.Series(pr_min, index=idx), 2),
        "plot ratio "
        + _num(plot_ratio, 2)
        + " below the contracted minimum "
        + _num(pd.Series(pr_min, index=idx), 2),
    )
    why.add(
        low_cov,
        "below_contracted_intensity",
        "建筑密度"
        + _num(coverage * 100, 0)
        + "%，低于约定下限"
        + _num(pd.Series(cov_min, index=idx) * 100, 0)
        + "%",
        "building coverage "
        + _num(coverage * 100, 0)
        + "% below the contracted minimum "
        + _num(pd.Series(cov_min, index=idx) * 100, 0)
        + "%",
    )

    # 4. built, not operating (建而未投), or production stopped, for N months
    n = rules.built_not_operating_months
    waiting = done & ~(low_pr | low_cov) & operating.isna()
    idle_built = waiting & (as_of >= add_months(completed, n))
    prod_stopped = (
        operating.notna()
        & stopped.notna()
        & (stopped >= operating)
        & ~(low_pr | low_cov)
        & (as_of >= add_months(stopped, n))
    )
    bno = idle_built | prod_stopped
    out.loc[bno, "category"] = "built_not_operating"
    why.add(
        idle_built,
        "built_not_operating",
        "竣工于" + _iso(completed) + "，未投产" + _num(whole_months(completed, as_of), 0) + "个月",
        "completed "
        + _iso(completed)
        + ", not in production for "
        + _num(whole_months(completed, as_of), 0)
        + " months",
    )
    why.add(
        prod_stopped,
        "built_not_operating",
        "自" + _iso(stopped) + "停产" + _num(stop_months, 0) + "个月",
        "production stopped since " + _iso(stopped) + " (" + _num(stop_months, 0) + " months)",
    )

    # 5. in production, below standard (投而未达标)
    producing = operating.notna() & ~bno & ~(low_pr | low_cov)
    below = pd.Series(False, index=idx)
    for measure, target_col, std_key, zh, en in (
        ("tax_wan_per_mu", "target_tax_wan_per_mu", "tax_wan_per_mu", "亩均税收", "tax per mu"),
        (
            "output_wan_per_mu",
            "target_output_wan_per_mu",
            "output_wan_per_mu",
            "亩均产出",
            "output per mu",
        ),
        (
            "investment_wan_per_mu",
            "target_investment_wan_per_mu",
            "investment_wan_per_mu",
            "投资强度",
            "investment per mu",
        ),
    ):
        if measure not in f:
            continue
        value = f[measure].astype(float)
        target = f[target_col].astype(float) if target_col in f else pd.Series(np.nan, index=idx)
        default = _standard(f, standard, std_key)
        source_zh = np.where(target.notna(), "约定", "准入标准")
        source_en = np.where(target.notna(), "contract", "admission standard")
        bar = target.fillna(default)
        low = producing & value.notna() & (value < bar)
        below |= low
        why.add(
            low,
            "below_standard",
            zh
            + _num(value)
            + "万元/亩，低于"
            + pd.Series(source_zh, index=idx)
            + _num(bar)
            + "万元/亩",
            en
            + " "
            + _num(value)
            + " wan yuan below the "
            + pd.Series(source_en, index=idx)
            + " "
            + _num(bar),
        )
    if "grade" in f:
        graded_d = producing & f["grade"].eq("D")
        below |= graded_d
        why.add(
            graded_d, "below_standard", "亩均效益评价为D类", "graded D in the per-mu evaluation"
        )
    out.loc[below, "category"] = "operating_below_standard"
    out["is_below_standard"] = below

    # idle land, its cause and what follows (闲置土地处置办法)
    idle = idle_start | idle_stop
    reclaim_stop = idle_stop & (as_of >= add_years(stopped, rules.reclaim_after_years))
    out["is_idle_land"] = idle
    out["is_overdue"] = overdue | past_completion
    out["is_reclaim_eligible"] = (reclaim_start | reclaim_stop) & enterprise
    fee = idle & enterprise
    out["is_idle_fee_due"] = fee
    price = f["land_price_wan"].astype(float)
    out.loc[fee, "idle_fee_wan"] = (price * rules.idle_fee_share)[fee].round(2)
    why.add(
        fee & price.notna(),
        "idle_fee",
        "企业原因闲置满一年：征收土地闲置费 "
        + _num(price)
        + "万元×"
        + f"{rules.idle_fee_share:.0%}="
        + _num(price * rules.idle_fee_share, 2)
        + "万元",
        "enterprise-caused, idle 1 year: idle fee "
        + f"{rules.idle_fee_share:.0%}"
        + " of the land price "
        + _num(price)
        + " = "
        + _num(price * rules.idle_fee_share, 2)
        + " wan yuan",
    )
    why.add(
        out["is_reclaim_eligible"],
        "reclaim",
        "企业原因闲置满两年：可无偿收回土地使用权",
        "enterprise-caused, idle 2 years: the land use right may be reclaimed without compensation",
    )
    why.add(
        idle & government,
        "government_cause",
        "政府原因造成：可" + GOVERNMENT_OPTIONS_ZH + "，不征收闲置费、不无偿收回",
        "government-caused: " + GOVERNMENT_OPTIONS_EN + "; no idle fee, no reclaim",
    )
    why.add(
        idle & undetermined,
        "cause_undetermined",
        "闲置原因未认定：调查后企业原因满一年征闲置费、满两年无偿收回",
        "cause not determined: investigate (enterprise-caused: idle fee at 1 year, reclaim at 2)",
    )

    flag_cols = [f"is_{flag}" for flag in FLAGS]
    out["flags"] = _flags_json(out[flag_cols])
    out["reasons"] = why.json()
    return out


def _standard(f: pd.DataFrame, standard: dict | None, key: str) -> pd.Series:
    """The admission standard per parcel: the park's override, else the city's."""
    standard = standard or {}
    base = standard.get(key, np.nan)
    values = pd.Series(float(base), index=f.index)
    for park, over in (standard.get("parks") or {}).items():
        if key in over and "park" in f:
            values[f["park"].eq(park)] = float(over[key])
    return values


def _flags_json(flags: pd.DataFrame) -> pd.Series:
    out = pd.Series("", index=flags.index, dtype=object)
    for flag in FLAGS:
        has = flags[f"is_{flag}"].to_numpy()
        sep = np.where(out[has] == "", "", ", ")
        out[has] = out[has] + sep + f'"{flag}"'
    return "[" + out + "]"
