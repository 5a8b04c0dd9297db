"""The per-mu evaluation by enterprise (亩均效益综合评价): each enterprise's
indicators over the land it uses, its score against its cohort's benchmarks, its grade
by percentile within the cohort, how complete its data were, and the policies that
follow from the grade. Pure: frames and the profile's rules in, frames out.

The rules (``Rules``) come from the profile's ``[evaluation]``; every figure a grade
rests on is kept beside it (``components``), so a grade can be explained and checked.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landbank.domain.enterprises import FIGURE_BY_NAME

GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Indicator:
    """An indicator: ``numerator`` over ``denominator`` (a figure, or ``land_mu``)
    times ``scale``; its zh and en names and unit."""

    name: str
    numerator: str
    denominator: str
    zh: str
    en: str
    unit: str
    scale: float = 1.0


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("tax_wan_per_mu", "tax_wan", "land_mu", "亩均税收", "tax per mu", "万元/亩"),
        Indicator(
            "value_added_wan_per_mu", "value_added_wan", "land_mu", "亩均工业增加值",
            "value added per mu", "万元/亩",
        ),
        Indicator(
            "output_wan_per_mu", "output_wan", "land_mu", "亩均产值", "output per mu", "万元/亩"
        ),
        Indicator(
            "value_added_per_tce", "value_added_wan", "energy_tce", "单位能耗工业增加值",
            "value added per tonne of standard coal", "万元/吨标准煤",
        ),
        Indicator(
            "value_added_per_t_emissions", "value_added_wan", "emissions_t",
            "单位排放工业增加值", "value added per tonne of emissions", "万元/吨",
        ),
        Indicator(
            "value_added_per_employee", "value_added_wan", "employees", "全员劳动生产率",
            "value added per employee", "万元/人",
        ),
        Indicator("rd_share", "rd_wan", "revenue_wan", "研发经费投入强度", "R&D share of revenue",
                  "%", 100.0),
        Indicator(
            "tax_wan_per_10k_kwh", "tax_wan", "power_kwh", "单位电耗税收", "tax per 10,000 kWh",
            "万元/万千瓦时", 1e4,
        ),
    )
}  # fmt: skip

STATUSES: dict[str, dict[str, str]] = {
    "graded": {"zh": "已评价", "en": "graded"},
    "incomplete": {"zh": "数据不全，暂不评级", "en": "data incomplete, not graded"},
    "below_land_floor": {"zh": "用地面积低于评价门槛", "en": "land below the floor"},
    "no_land": {"zh": "无用地", "en": "no land"},
    "no_cohort": {"zh": "未标明规上/规下", "en": "cohort not given"},
    "unregistered": {"zh": "未在企业名录中", "en": "not in the register"},
}


@dataclass(frozen=True)
class Cohort:
    """How one cohort is evaluated: indicator weights, fixed benchmarks (others are
    ``benchmark_factor`` × the cohort's mean of the year before), the land floor and
    the share of each grade."""

    weights: dict[str, float]
    benchmarks: dict[str, float]
    min_land_mu: float
    proportions: dict[str, float]


@dataclass(frozen=True)
class Policy:
    """What follows from ``grade``: a surcharge of ``yuan_per_unit`` on the enterprise's
    figure ``basis`` (e.g. 0.1 yuan per kWh), or, without a basis, a measure in words
    (no new land; priority for land and finance)."""

    grade: str
    id: str
    zh: str
    en: str
    basis: str | None = None
    yuan_per_unit: float | None = None


@dataclass(frozen=True)
class Rules:
    """The profile's ``[evaluation]``, read: cohorts, the cap (an item counts at most
    ``cap`` × its weight), the benchmark factor, the least completeness graded, the
    policies, and the name of the profile they came from."""

    profile: str
    cohorts: dict[str, Cohort]
    cap: float
    benchmark_factor: float
    min_completeness: float
    policies: tuple[Policy, ...]

    @classmethod
    def from_profile(cls, name: str, section: dict) -> Rules:
        """Reads ``[evaluation]`` (checked when the profile was read)."""
        cohorts = {
            key: Cohort(
                # a city drops an indicator of the default profile by weighting it 0
                weights={k: float(v) for k, v in spec.get("weights", {}).items() if v > 0},
                benchmarks={k: float(v) for k, v in spec.get("benchmarks", {}).items()},
                min_land_mu=float(spec.get("min_land_mu", 0.0)),
                proportions={
                    g: float(spec.get("proportions", {}).get(g, d))
                    for g, d in zip(GRADES, (0.2, 0.4, 0.35, 0.05), strict=True)
                },
            )
            for key, spec in section.get("cohorts", {}).items()
        }
        policies = tuple(
            Policy(
                grade=p["grade"],
                id=p["id"],
                zh=p.get("zh", p["id"]),
                en=p.get("en", p["id"]),
                basis=p.get("basis"),
                yuan_per_unit=float(p["yuan_per_unit"]) if "yuan_per_unit" in p else None,
            )
            for p in section.get("policies", [])
        )
        return cls(
            profile=name,
            cohorts=cohorts,
            cap=float(section.get("cap", 1.5)),
            benchmark_factor=float(section.get("benchmark_factor", 2.0)),
            min_completeness=float(section.get("min_completeness", 0.5)),
            policies=policies,
        )

    def as_dict(self) -> dict:
        """The rules as plain data (what a run keeps, what its hash is taken of)."""
        return {
            "cap": self.cap,
            "benchmark_factor": self.benchmark_factor,
            "min_completeness": self.min_completeness,
            "cohorts": {
                k: {
                    "weights": c.weights,
                    "benchmarks": c.benchmarks,
                    "min_land_mu": c.min_land_mu,
                    "proportions": c.proportions,
                }
                for k, c in sorted(self.cohorts.items())
            },
            "policies": [
                {k: v for k, v in p.__dict__.items() if v is not None} for p in self.policies
            ],
        }

    @property
    def sha256(self) -> str:
        text = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def version(self) -> str:
        """The rule version a grade keeps: the profile's name and the hash of its rules."""
        return f"{self.profile}@{self.sha256[:12]}"


def problems(section: dict) -> list[tuple[str, str]]:
    """What in a profile's ``[evaluation]`` the evaluation cannot use: (where, fix)
    pairs, empty when it is sound."""
    from landbank.domain.enterprises import COHORTS, FIGURE_NAMES

    out = []

    def number(where, value, low=0.0, high=None, above=False):
        bad = isinstance(value, bool) or not isinstance(value, int | float)
        if not bad:
            bad = value <= low if above else value < low
            bad = bad or (high is not None and value > high)
        if bad:
            span = f"above {low:g}" if above else f"of at least {low:g}"
            out.append((f"{where} = {value!r}", f"write a number {span}"
                        + (f", at most {high:g}" if high is not None else "")))  # fmt: skip

    for key in ("cap", "benchmark_factor"):
        if key in section:
            number(f"[evaluation] {key}", section[key], above=True)
    if "min_completeness" in section:
        number("[evaluation] min_completeness", section["min_completeness"], high=1.0)
    for key, spec in section.get("cohorts", {}).items():
        where = f"[evaluation.cohorts.{key}]"
        if key not in COHORTS:
            out.append((where, f"not a cohort; use {' or '.join(COHORTS)}"))
            continue
        for name, weight in spec.get("weights", {}).items():
            if name not in INDICATORS:
                out.append((f"{where[:-1]}.weights] {name}",
                            f"not an indicator; use one of {', '.join(INDICATORS)}"))  # fmt: skip
            number(f"{where[:-1]}.weights] {name}", weight)
        for name, value in spec.get("benchmarks", {}).items():
            if name not in INDICATORS:
                out.append((f"{where[:-1]}.benchmarks] {name}",
                            f"not an indicator; use one of {', '.join(INDICATORS)}"))  # fmt: skip
            number(f"{where[:-1]}.benchmarks] {name}", value, above=True)
        if "min_land_mu" in spec:
            number(f"{where} min_land_mu", spec["min_land_mu"])
        shares = spec.get("proportions", {})
        for g, v in shares.items():
            if g not in GRADES:
                out.append((f"{where} proportions {g}", "grades are A, B, C and D"))
            number(f"{where} proportions {g}", v, high=1.0)
        if shares and abs(sum(v for v in shares.values() if isinstance(v, int | float)) - 1) > 1e-6:
            out.append((f"{where} proportions", "the shares of A, B, C and D must add up to 1"))
    for n, p in enumerate(section.get("policies", []), start=1):
        where = f"[[evaluation.policies]] {n}"
        if not isinstance(p, dict) or p.get("grade") not in GRADES or not p.get("id"):
            out.append((where, 'each policy has grade = "A" to "D" and an id'))
            continue
        basis = p.get("basis")
        if basis is not None and basis not in FIGURE_NAMES:
            out.append((f"{where} basis = {basis!r}", f"use a figure: {', '.join(FIGURE_NAMES)}"))
        if basis is not None and "yuan_per_unit" not in p:
            out.append((where, "a policy with a basis needs yuan_per_unit"))
        if "yuan_per_unit" in p:
            number(f"{where} yuan_per_unit", p["yuan_per_unit"])
    return out


def indicator_values(frame: pd.DataFrame, names) -> pd.DataFrame:
    """The indicators ``names`` of each row of ``frame`` (figures and ``land_mu``):
    NaN where a figure is missing or the denominator is 0 with nothing over it;
    +inf where there is output and no input (no emissions at all: the best there is,
    capped when scored)."""
    out = {}
    for name in names:
        ind = INDICATORS[name]
        num = frame[ind.numerator].astype(float) if ind.numerator in frame else np.nan
        den = frame[ind.denominator].astype(float) if ind.denominator in frame else np.nan
        num = pd.Series(num, index=frame.index, dtype=float)
        den = pd.Series(den, index=frame.index, dtype=float)
        value = num / den.where(den > 0) * ind.scale
        free = (den == 0) & (num > 0) & (ind.denominator != "land_mu")
        out[name] = value.mask(free, np.inf)
    return pd.DataFrame(out, index=frame.index)


def statuses(frame: pd.DataFrame, rules: Rules) -> pd.Series:
    """Why each enterprise is or is not graded, before completeness: ``unregistered``
    (figures, no register entry), ``no_cohort``, ``no_land``, ``below_land_floor``
    (under its cohort's ``min_land_mu``), else ``graded``. Reads ``registered``,
    ``cohort``, ``land_mu``."""
    floor = frame["cohort"].map({k: c.min_land_mu for k, c in rules.cohorts.items()})
    status = pd.Series("graded", index=frame.index, dtype=object)
    status[frame["land_mu"] < floor.fillna(0.0)] = "below_land_floor"
    status[frame["land_mu"] <= 0] = "no_land"
    status[~frame["cohort"].isin(list(rules.cohorts))] = "no_cohort"
    status[~frame["registered"].astype(bool)] = "unregistered"
    return status


def benchmarks(
    this_year: pd.DataFrame, last_year: pd.DataFrame | None, rules: Rules
) -> dict[str, dict[str, dict]]:
    """Each cohort's benchmark per indicator: the profile's fixed one, else
    ``benchmark_factor`` × the mean over the cohort's enterprises of the year before
    (those above the land floor with the indicator finite), else of this year. Reads
    frames of ``cohort``, ``land_mu``, ``registered`` and the figures. Returns
    {cohort: {indicator: {"value", "basis"}}}; ``basis`` says where it came from."""
    out: dict[str, dict[str, dict]] = {}
    for key, cohort in rules.cohorts.items():
        out[key] = {}
        means = {}
        for label, frame in (("the year before", last_year), ("this year", this_year)):
            if frame is None or frame.empty:
                continue
            mine = frame[(frame["cohort"] == key) & (statuses(frame, rules) == "graded")]
            values = indicator_values(mine, cohort.weights).replace(np.inf, np.nan)
            means[label] = values.mean()
        for name in cohort.weights:
            if name in cohort.benchmarks:
                out[key][name] = {"value": cohort.benchmarks[name], "basis": "profile"}
                continue
            found = None
            for label in ("the year before", "this year"):
                mean = means.get(label, pd.Series(dtype=float)).get(name, np.nan)
                if pd.notna(mean) and mean > 0:
                    found = {
                        "value": float(mean) * rules.benchmark_factor,
                        "basis": f"{rules.benchmark_factor:g} × mean of {label}",
                    }
                    break
            out[key][name] = found or {"value": None, "basis": "no data"}
    return out


def score(frame: pd.DataFrame, rules: Rules, bench: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """Scores each enterprise against its cohort: per indicator of the cohort, the
    value, the ratio to the benchmark and the contribution weight × ratio, between 0
    and ``cap`` × weight; ``completeness`` is the share of the cohort's weight whose
    indicator could be computed. Reads ``cohort``, ``land_mu`` and the figures.

    Returns ``score``, ``completeness``, ``missing`` (indicator names, a list) and
    ``components`` ({indicator: [value, contribution]}, value None when missing) per
    row; rows of no known cohort score None with completeness 0."""
    n = len(frame)
    total = np.full(n, np.nan)
    present_weight = np.zeros(n)
    components: list[dict] = [{} for _ in range(n)]
    missing: list[list[str]] = [[] for _ in range(n)]
    completeness = np.zeros(n)
    for key, cohort in rules.cohorts.items():
        rows = np.flatnonzero((frame["cohort"] == key).to_numpy())
        if not len(rows) or not cohort.weights:
            continue
        mine = frame.iloc[rows]
        values = indicator_values(mine, cohort.weights)
        sums = np.zeros(len(rows))
        weight_all = sum(cohort.weights.values())
        names = list(cohort.weights)
        shown, absent = [], []
        for name, weight in cohort.weights.items():
            value = values[name].to_numpy()
            have = ~np.isnan(value)
            b = bench[key][name]["value"]
            ratio = value / b if b else np.full(len(rows), np.nan)
            contribution = np.clip(np.nan_to_num(ratio, nan=0.0, posinf=rules.cap), 0, rules.cap)
            contribution = np.where(have, contribution * weight, 0.0)
            sums += contribution
            present_weight[rows] += np.where(have, weight, 0.0)
            # what a row keeps, column-wise: rounded by numpy, None where missing,
            # "inf" where unbounded (output and no input)
            kept = np.round(value, 6).astype(object)
            kept[~have] = None
            kept[np.isinf(value)] = "inf"
            shown.append(
                [
                    [v, c]
                    for v, c in zip(kept.tolist(), np.round(contribution, 4).tolist(), strict=True)
                ]
            )
            absent.append((~have).tolist())
        for j, i in enumerate(rows.tolist()):
            components[i] = {n: col[j] for n, col in zip(names, shown, strict=True)}
            missing[i] = [n for n, col in zip(names, absent, strict=True) if col[j]]
        total[rows] = np.round(sums, 2)
        completeness[rows] = present_weight[rows] / weight_all if weight_all else 0.0
    return pd.DataFrame(
        {
            "score": total,
            "completeness": np.round(completeness, 4),
            "missing": missing,
            "components": components,
        },
        index=frame.index,
    )


def grade(scores: pd.Series, proportions: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Grades A–D by rank of ``scores`` (best first): the first ``A`` share of the
    firms (counted in firms, rounded) A, and so on; firms with equal scores share the
    better grade. Returns (grades, ranks from 1)."""
    n = len(scores)
    if not n:
        return np.array([], dtype=object), np.array([], dtype=int)
    rank = scores.rank(ascending=False, method="min").to_numpy().astype(int)
    quotas = np.round(np.cumsum([proportions.get(g, 0.0) for g in GRADES]) * n)
    letters = np.array(GRADES, dtype=object)[
        np.minimum(np.searchsorted(quotas, rank - 1, side="right"), len(GRADES) - 1)
    ]
    return letters, rank


def evaluate(frame: pd.DataFrame, rules: Rules, bench: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """The evaluation of one year: ``frame`` holds one row per enterprise with
    ``credit_code``, ``registered``, ``cohort``, ``land_mu`` and the figures. Adds
    ``status`` (see STATUSES; ``incomplete`` where completeness is below the rules'
    least), ``score``, ``completeness``, ``missing``, ``components``, ``grade`` (None
    unless graded), ``rank`` and ``cohort_rated`` (among the graded of the cohort)."""
    out = frame.copy()
    scored = score(out, rules, bench)
    status = statuses(out, rules)
    status[(status == "graded") & (scored["completeness"] < rules.min_completeness)] = "incomplete"
    out = out.assign(status=status, **{c: scored[c] for c in scored})
    out["grade"] = None
    out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["cohort_rated"] = pd.array([pd.NA] * len(out), dtype="Int64")
    for key, cohort in rules.cohorts.items():
        rated = ((out["cohort"] == key) & (out["status"] == "graded")).to_numpy()
        letters, rank = grade(out.loc[rated, "score"], cohort.proportions)
        out.loc[rated, "grade"] = letters
        out.loc[rated, "rank"] = rank
        out.loc[rated, "cohort_rated"] = int(rated.sum())
    # an incomplete firm's score is shown beside its status; others have none
    out.loc[~out["status"].isin(["graded", "incomplete"]), "score"] = np.nan
    return out


def policies(frame: pd.DataFrame, rules: Rules) -> list[list[dict]]:
    """What follows from each row's ``grade``: the policies of that grade, a surcharge
    with its basis figure and amount in yuan (None, with a note, where the figure is
    missing). Reads ``grade`` and the figures."""
    by_grade: dict[str, list[Policy]] = {}
    for p in rules.policies:
        by_grade.setdefault(p.grade, []).append(p)
    grades = frame["grade"].to_numpy(dtype=object)
    out: list[list[dict]] = [[] for _ in range(len(frame))]
    for g, listed in by_grade.items():
        rows = np.flatnonzero(grades == g).tolist()
        if not rows:
            continue
        for p in listed:
            basis = None
            if p.basis is not None:
                column = frame[p.basis] if p.basis in frame else pd.Series(np.nan, frame.index)
                basis = column.to_numpy(dtype=float, na_value=np.nan)
            for i in rows:
                out[i].append(_policy(p, None if basis is None else float(basis[i])))
    return out


def _policy(p: Policy, basis: float | None) -> dict:
    """Policy ``p`` as it applies to one enterprise whose basis figure is ``basis``
    (NaN: missing; None: the policy has no basis)."""
    item = {"id": p.id, "zh": p.zh, "en": p.en}
    if p.basis is None:
        return item
    known = not math.isnan(basis)
    item |= {
        "basis": p.basis,
        "basis_value": basis if known else None,
        "yuan_per_unit": p.yuan_per_unit,
        "amount_yuan": round(basis * p.yuan_per_unit, 2)
        if known and p.yuan_per_unit is not None
        else None,
    }
    if not known:
        name = FIGURE_BY_NAME[p.basis].zh if p.basis in FIGURE_BY_NAME else p.basis
        item["note"] = f"no {p.basis} ({name}) figure: amount not known"
    return item


def explain(components: dict, cohort: str | None, rules_data: dict, bench: dict) -> list[dict]:
    """A grade's components in words and figures: per indicator of the cohort its
    value, unit, benchmark (and where it came from), weight, ratio, contribution, the
    most it could give and whether it was capped or missing. Reads a stored row's
    ``components`` ({indicator: [value, contribution]}) and the run's rules and
    benchmarks (as kept)."""
    spec = rules_data.get("cohorts", {}).get(cohort or "", {})
    cap = float(rules_data.get("cap", 1.5))
    out = []
    weights = spec.get("weights", {})
    # in the order of INDICATORS: a kept run's rules come back with their keys sorted
    for name in sorted(weights, key=list(INDICATORS).index):
        weight = weights[name]
        ind = INDICATORS[name]
        value, contribution = components.get(name, [None, 0.0])
        b = bench.get(cohort or "", {}).get(name, {})
        top = cap * float(weight)
        out.append(
            {
                "indicator": name,
                "zh": ind.zh,
                "en": ind.en,
                "unit": ind.unit,
                "value": None if value == "inf" else value,
                "unbounded": value == "inf",
                "benchmark": b.get("value"),
                "benchmark_basis": b.get("basis"),
                "weight": float(weight),
                "contribution": contribution,
                "most": top,
                "capped": value is not None and top > 0 and contribution >= top - 1e-9,
                "present": value is not None,
            }
        )
    return out
