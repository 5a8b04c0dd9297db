"""The five "unused" categories, derived from a parcel's dates and measures as of a date.

``classify(frame, as_of, rules, standard)`` works on whole columns. It reads the dates
(datetime64, NaT when unknown; a date after ``as_of`` has not happened yet), the
measures, ``cause``, and, for parcels in production, the per-mu figures of
``landbank.domain.efficiency`` (``tax_wan_per_mu``, ``output_wan_per_mu``,
``investment_wan_per_mu``, ``grade``). It returns a new frame, same index, with
``category``, one boolean column per flag, ``idle_fee_wan``, ``flags``, ``reasons``
(JSON text: ``[{"rule", "text_zh", "text_en"}]``, the dates and figures that decided)
and ``missing`` (a key of ``categories.MISSING``: the field a parcel lacks, or None). A
parcel with no approval, supply, start, completion or production date is
``unclassified`` (未分类), not compliant.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from landbank.domain.categories import UNCLASSIFIED

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
    """Whole calendar months from each ``start`` to ``end`` (NaN where start is NaT). A
    month ends on the same day, or on the month's last day when it has no such day
    (29 February to 28 February is twelve months)."""
    months = (end.year - start.dt.year) * 12 + (end.month - start.dt.month)
    short = (start.dt.day > end.day) & (end.day != end.days_in_month)
    return months - short.astype(float)


class D:
    """A date column shown as YYYY-MM-DD in a reason ("?" where unknown)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype="datetime64[D]")

    def take(self, rows: np.ndarray) -> np.ndarray:
        v = self.values[rows]
        text = np.datetime_as_string(v).astype(object)
        text[np.isnat(v)] = "?"
        return text


class N:
    """A number column shown with ``digits`` decimals in a reason ("?" where unknown)."""

    def __init__(self, values, digits: int = 1):
        self.values = np.asarray(values, dtype=float)
        self.digits = digits

    def take(self, rows: np.ndarray) -> np.ndarray:
        v = self.values[rows]
        unknown = np.isnan(v)
        if self.digits == 0:  # whole numbers: one vectorised cast
            text = np.round(np.nan_to_num(v)).astype(np.int64).astype(str).astype(object)
        else:
            d = self.digits
            text = np.array([f"{x:.{d}f}" for x in np.nan_to_num(v)], dtype=object)
        text[unknown] = "?"
        return text


class _Reasons:
    """Collects each parcel's reasons as JSON text, built only for the parcels a rule
    fires on: a template's literal parts and its fields are joined column-wise."""

    def __init__(self, n: int):
        self.acc = np.full(n, "", dtype=object)

    @staticmethod
    def _render(template: str, fields: dict, rows: np.ndarray) -> np.ndarray | str:
        out: np.ndarray | str = ""
        for literal, name, _spec, _conv in string.Formatter().parse(template):
            out = out + literal
            if name is not None:
                out = out + fields[name].take(rows)
        return out

    def add(self, mask, rule: str, zh: str, en: str, **fields) -> None:
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(rows):
            return
        # templates and fields (dates, numbers) hold no quote or backslash: no escaping
        frag = (
            '{"rule": "'
            + rule
            + '", "text_zh": "'
            + self._render(zh, fields, rows)
            + '", "text_en": "'
            + self._render(en, fields, rows)
            + '"}'
        )
        current = self.acc[rows]
        self.acc[rows] = np.where(current == "", frag, current + ", " + frag)

    def json(self) -> np.ndarray:
        return "[" + self.acc + "]"


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

    def column(name: str) -> pd.Series:
        return f[name].astype(float) if name in f else pd.Series(np.nan, index=idx)

    approved, supplied = happened("approved_on"), happened("supplied_on")
    started, completed = happened("started_on"), happened("completed_on")
    operating, stopped = happened("operating_on"), happened("stopped_on")
    agreed_start = pd.to_datetime(f["agreed_start_on"])
    agreed_completion = pd.to_datetime(f["agreed_completion_on"])
    completed = completed.fillna(operating)  # in production means built
    cause = f["cause"].astype(object) if "cause" in f else pd.Series(None, index=idx)
    enterprise, government = cause.eq("enterprise"), cause.eq("government")
    undetermined = cause.isna()

    out = pd.DataFrame(index=idx)
    out["category"] = "compliant"
    out["idle_fee_wan"] = np.nan
    why = _Reasons(len(f))

    # 1. approved, not supplied (批而未供); the approval lapses after 2 years (national)
    ans = approved.notna() & supplied.isna()
    out.loc[ans, "category"] = "approved_not_supplied"
    why.add(
        ans,
        "approved_not_supplied",
        "批准于{a}，尚未供地",
        "approved {a}, not supplied",
        a=D(approved),
    )
    years = rules.approval_lapse_years
    lapsed = ans & (as_of >= add_years(approved, years))
    why.add(
        lapsed,
        "approval_lapsed",
        f"批准后满{years}年未供地：批文失效，应撤回或核减",
        f"not supplied {years} years after approval: approval lapsed, withdraw or reduce it",
    )

    # 2. supplied, not started (供而未用): overdue, idle at 1 year, reclaim at 2
    snu = supplied.notna() & started.isna()
    out.loc[snu, "category"] = "supplied_not_used"
    late = N(whole_months(agreed_start, as_of), 0)
    overdue_start = snu & agreed_start.notna() & (as_of > agreed_start)
    idle_start = overdue_start & (as_of >= add_years(agreed_start, rules.idle_after_years))
    reclaim_start = idle_start & (as_of >= add_years(agreed_start, rules.reclaim_after_years))
    no_agreed_start = snu & agreed_start.isna()
    why.add(
        snu & ~overdue_start & ~no_agreed_start,
        "supplied_not_used",
        "供地于{s}，尚未开工，约定开工{a}",
        "supplied {s}, not started, agreed start {a}",
        s=D(supplied),
        a=D(agreed_start),
    )
    why.add(
        no_agreed_start,
        "supplied_not_used",
        "供地于{s}，尚未开工，未登记约定开工日期：逾期和闲置期限无法计算",
        "supplied {s}, not started, no agreed start recorded: overdue and idle periods unknown",
        s=D(supplied),
    )
    why.add(
        overdue_start & ~idle_start,
        "overdue",
        "约定开工{a}，未开工，逾期{m}个月",
        "agreed start {a}, no start recorded, {m} months overdue",
        a=D(agreed_start),
        m=late,
    )
    why.add(
        idle_start,
        "idle_land",
        "约定开工{a}，未开工，逾期{m}个月：闲置土地",
        "agreed start {a}, no start recorded, {m} months overdue: idle land",
        a=D(agreed_start),
        m=late,
    )

    # 3. started, not completed (用而未尽)
    area = column("area_mu")
    developed_share = column("developed_area_mu") / area
    total_inv = column("total_investment_wan")
    invested_share = column("invested_wan") / total_inv.where(total_inv > 0)
    building = started.notna() & completed.isna()
    site_stopped = building & stopped.notna() & (stopped >= started)
    small = (developed_share < rules.idle_developed_share) | (
        invested_share < rules.idle_invested_share
    )
    idle_stop = site_stopped & small & (as_of >= add_years(stopped, rules.idle_stopped_years))
    long_stop = site_stopped & ~idle_stop & (as_of >= add_years(stopped, rules.stopped_years))
    past_completion = (
        building
        & agreed_completion.notna()
        & (as_of > agreed_completion)
        & bool(rules.unfinished_past_agreed_completion)
    )
    out.loc[idle_stop | long_stop | past_completion, "category"] = "used_not_completed"
    stop_fields = dict(
        s=D(started),
        d=N(developed_share * 100, 0),
        i=N(invested_share * 100, 0),
        t=D(stopped),
        m=N(whole_months(stopped, as_of), 0),
    )
    stop_zh = "开工于{s}，已开发{d}%，已投资{i}%，自{t}停工{m}个月"
    stop_en = (
        "started {s}, developed {d}% of the area, invested {i}% of the investment, "
        "stopped since {t} ({m} months)"
    )
    why.add(idle_stop, "idle_land", stop_zh + "：闲置土地", stop_en + ": idle land", **stop_fields)
    why.add(long_stop, "stopped", stop_zh, stop_en, **stop_fields)
    why.add(
        past_completion,
        "overdue",
        "约定竣工{a}，未竣工，逾期{m}个月",
        "agreed completion {a}, not completed, {m} months late",
        a=D(agreed_completion),
        m=N(whole_months(agreed_completion, as_of), 0),
    )

    # 3c. completed, below the contracted plot ratio or building coverage (用而未尽)
    site_m2 = area * (10000 / 15)
    plot_ratio, coverage = column("floor_area_m2") / site_m2, column("footprint_m2") / site_m2
    pr_min, cov_min = column("plot_ratio_min"), column("building_coverage_min")
    done = completed.notna()
    low_pr, low_cov = done & (plot_ratio < pr_min), done & (coverage < cov_min)
    thin = low_pr | low_cov
    out.loc[thin, "category"] = "used_not_completed"
    why.add(
        low_pr,
        "below_contracted_intensity",
        "容积率{v}，低于约定下限{m}",
        "plot ratio {v} below the contracted minimum {m}",
        v=N(plot_ratio, 2),
        m=N(pr_min, 2),
    )
    why.add(
        low_cov,
        "below_contracted_intensity",
        "建筑密度{v}%，低于约定下限{m}%",
        "building coverage {v}% below the contracted minimum {m}%",
        v=N(coverage * 100, 0),
        m=N(cov_min * 100, 0),
    )

    # 4. built, not operating (建而未投), or production stopped, for N months
    months = rules.built_not_operating_months
    idle_built = done & ~thin & operating.isna() & (as_of >= add_months(completed, months))
    prod_stopped = (
        operating.notna()
        & stopped.notna()
        & (stopped >= operating)
        & ~thin
        & (as_of >= add_months(stopped, months))
    )
    bno = idle_built | prod_stopped
    out.loc[bno, "category"] = "built_not_operating"
    why.add(
        idle_built,
        "built_not_operating",
        "竣工于{c}，未投产{m}个月",
        "completed {c}, not in production for {m} months",
        c=D(completed),
        m=N(whole_months(completed, as_of), 0),
    )
    why.add(
        prod_stopped,
        "built_not_operating",
        "自{t}停产{m}个月",
        "production stopped since {t} ({m} months)",
        t=D(stopped),
        m=N(whole_months(stopped, as_of), 0),
    )

    # 5. in production, below the contract targets or the admission standard (投而未达标).
    # The flag holds for every parcel in production; the category only where no earlier
    # stage (建而未投, 用而未尽) already applies.
    in_production = operating.notna()
    below = pd.Series(False, index=idx)
    checks = (
        (
            "tax_wan_per_mu",
            "target_tax_wan_per_mu",
            "tax_wan_per_mu",
            "亩均税收",
            "tax per mu",
            "万元/亩",
            " wan yuan",
            1,
        ),
        (
            "output_wan_per_mu",
            "target_output_wan_per_mu",
            "output_wan_per_mu",
            "亩均产出",
            "output per mu",
            "万元/亩",
            " wan yuan",
            1,
        ),
        (
            "investment_wan_per_mu",
            "target_investment_wan_per_mu",
            "investment_wan_per_mu",
            "投资强度",
            "investment per mu",
            "万元/亩",
            " wan yuan",
            1,
        ),
        ("plot_ratio", "plot_ratio_min", "plot_ratio", "容积率", "plot ratio", "", "", 2),
        (
            "building_coverage",
            "building_coverage_min",
            "building_coverage",
            "建筑系数",
            "building coverage",
            "",
            "",
            2,
        ),
    )
    derived_measures = {"plot_ratio": plot_ratio, "building_coverage": coverage}
    for measure, target_col, std_key, zh, en, unit_zh, unit_en, digits in checks:
        if measure in derived_measures:
            value = derived_measures[measure]
            target = pd.Series(np.nan, index=idx)  # contract minimums: rule 3c above
        elif measure in f:
            value, target = column(measure), column(target_col)
        else:
            continue
        bar = target.fillna(_standard(f, standard, std_key))
        low = in_production & value.notna() & (value < bar)
        below |= low
        for by_contract, zh_src, en_src in (
            (True, "约定", "contract"),
            (False, "准入标准", "admission standard"),
        ):
            why.add(
                low & target.notna().eq(by_contract),
                "below_standard",
                zh + "{v}" + unit_zh + "，低于" + zh_src + "{b}" + unit_zh,
                en + " {v}" + unit_en + " below the " + en_src + " {b}",
                v=N(value, digits),
                b=N(bar, digits),
            )
    if "grade" in f:
        graded_d = in_production & f["grade"].eq("D")
        below |= graded_d
        why.add(
            graded_d, "below_standard", "亩均效益评价为D类", "graded D in the per-mu evaluation"
        )
    out.loc[below & ~bno & ~thin, "category"] = "operating_below_standard"

    # idle land, its cause and what follows (闲置土地处置办法)
    idle = idle_start | idle_stop
    reclaim_stop = idle_stop & (as_of >= add_years(stopped, rules.reclaim_after_years))
    # 2 years idle: reclaim without compensation unless the delay is government-caused
    reclaim = (reclaim_start | reclaim_stop) & ~government
    fee = idle & enterprise
    price = column("land_price_wan")
    out.loc[fee, "idle_fee_wan"] = (price * rules.idle_fee_share)[fee].round(2)
    share = f"{rules.idle_fee_share:.0%}"
    idle_years, reclaim_years = rules.idle_after_years, rules.reclaim_after_years
    idle_en = f"{idle_years} year" + ("" if idle_years == 1 else "s")
    why.add(
        fee & price.notna(),
        "idle_fee",
        f"企业原因闲置满{idle_years}年：征收土地闲置费 {{p}}万元×" + share + "={x}万元",
        f"enterprise-caused, idle {idle_en}: idle fee " + share + " of the land "
        "price {p} = {x} wan yuan",
        p=N(price),
        x=N(price * rules.idle_fee_share, 2),
    )
    why.add(
        reclaim,
        "reclaim",
        f"闲置满{reclaim_years}年（非政府原因）：可无偿收回土地使用权",
        f"idle {reclaim_years} years, not government-caused: the land use right may be "
        "reclaimed without compensation",
    )
    why.add(
        fee & price.isna(),
        "idle_fee",
        f"企业原因闲置满{idle_years}年：应征收土地闲置费（土地价款" + share + "），土地价款未登记",
        f"enterprise-caused, idle {idle_en}: idle fee " + share + " of the land "
        "price is due; the land price is not recorded",
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
        f"闲置原因未认定：调查后企业原因满{idle_years}年征闲置费、满{reclaim_years}年无偿收回",
        "cause not determined: investigate (enterprise-caused: idle fee at "
        f"{idle_en}, reclaim at {reclaim_years} years)",
    )

    # no approval, supply, start, completion or production date recorded at all: the
    # parcel fits none of the five, and is not compliant either (未分类)
    recorded = pd.Series(False, index=idx)
    for col in ("approved_on", "supplied_on", "started_on", "completed_on", "operating_on"):
        if col in f:
            recorded |= pd.to_datetime(f[col]).notna()
    unclassified = ~recorded
    out.loc[unclassified, "category"] = UNCLASSIFIED
    why.add(
        unclassified,
        UNCLASSIFIED,
        "未登记批准、供地、开工日期：无法认定类别，请补录",
        "no approval, supply or start date recorded: the category cannot be derived; record them",
    )
    out["missing"] = None
    out.loc[no_agreed_start.to_numpy(), "missing"] = "agreed_start_on"
    out.loc[unclassified.to_numpy(), "missing"] = "approved_on/supplied_on/started_on"

    flags = {
        "overdue": overdue_start | past_completion,
        "idle_land": idle,
        "reclaim_eligible": reclaim,
        "idle_fee_due": fee,
        "approval_lapsed": lapsed,
        "below_standard": below,
    }
    for flag in FLAGS:
        out[f"is_{flag}"] = flags[flag].fillna(False).to_numpy(dtype=bool)
    out["flags"] = _flags_json(out)
    out["reasons"] = why.json()
    return out


def _standard(f: pd.DataFrame, standard: dict | None, key: str) -> pd.Series:
    """The admission standard per parcel: the park's override, else the city's."""
    standard = standard or {}
    values = pd.Series(float(standard.get(key, np.nan)), index=f.index)
    for park, over in (standard.get("parks") or {}).items():
        if key in over and "park" in f:
            values[f["park"].eq(park).to_numpy()] = float(over[key])
    return values


def _flags_json(out: pd.DataFrame) -> np.ndarray:
    acc = np.full(len(out), "", dtype=object)
    for flag in FLAGS:
        rows = np.flatnonzero(out[f"is_{flag}"].to_numpy())
        current = acc[rows]
        acc[rows] = np.where(current == "", f'"{flag}"', current + f', "{flag}"')
    return "[" + acc + "]"
