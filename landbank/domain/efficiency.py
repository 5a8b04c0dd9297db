"""Per-mu evaluation (亩均效益评价): per-mu figures, intensity, and A–D grading.

Pure functions on frames; the weights, benchmarks and proportions come from the
profile's ``[grading]`` and are passed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landbank.domain.area import M2_PER_MU

INDICATORS = {
    # indicator: (numerator, denominator)
    "tax_wan_per_mu": ("tax_wan", "area_mu"),
    "value_added_wan_per_mu": ("value_added_wan", "area_mu"),
    "value_added_per_tce": ("value_added_wan", "energy_tce"),
    "value_added_per_t_emissions": ("value_added_wan", "emissions_t"),
    "value_added_per_employee": ("value_added_wan", "employees"),
    "rd_share": ("rd_wan", "revenue_wan"),
}
GRADES = ("A", "B", "C", "D")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype(float)
    return num.astype(float) / den.where(den > 0)


def _efficiency(num: pd.Series, den: pd.Series) -> pd.Series:
    """An output-per-input indicator: output with no input at all is the best there is."""
    ratio = _ratio(num, den)
    free = (den.astype(float) == 0) & (num.astype(float) > 0)
    return ratio.mask(free, np.inf)


def per_mu(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the per-mu figures (万元/亩) and intensities to a copy of ``frame``.

    Reads ``area_mu``, ``tax_wan``, ``output_wan``, ``value_added_wan``,
    ``investment_wan`` (fixed-asset investment incl. land price; where missing, the
    parcel's ``invested_wan`` + ``land_price_wan``), ``floor_area_m2``, ``footprint_m2``.
    Adds ``tax_wan_per_mu``, ``output_wan_per_mu``, ``value_added_wan_per_mu``,
    ``investment_wan_per_mu``, ``plot_ratio``, ``building_coverage``.
    """
    out = frame.copy()
    area = out["area_mu"].astype(float)
    for col in ("tax_wan", "output_wan", "value_added_wan"):
        out[f"{col}_per_mu"] = _ratio(out[col], area) if col in out else np.nan

    def column(name: str, absent: float) -> pd.Series:
        values = out[name].astype(float) if name in out else absent
        return pd.Series(values, index=out.index, dtype=float)

    investment = column("investment_wan", np.nan)
    fallback = column("invested_wan", np.nan) + column("land_price_wan", 0.0)
    out["investment_wan_per_mu"] = _ratio(investment.where(investment.notna(), fallback), area)
    site_m2 = area * M2_PER_MU
    out["plot_ratio"] = _ratio(out["floor_area_m2"], site_m2) if "floor_area_m2" in out else np.nan
    out["building_coverage"] = (
        _ratio(out["footprint_m2"], site_m2) if "footprint_m2" in out else np.nan
    )
    return out


def indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """The grading indicators of each firm (columns of INDICATORS), from one year's rows."""
    return pd.DataFrame(
        {
            name: _efficiency(frame[num], frame[den]) if num in frame and den in frame else np.nan
            for name, (num, den) in INDICATORS.items()
        },
        index=frame.index,
    )


def grade(frame: pd.DataFrame, grading: dict, benchmarks: pd.Series | None = None) -> pd.DataFrame:
    """Scores and grades firms: score = Σ weight × indicator / benchmark, each item
    capped at ``cap`` × its weight; A–D by score percentile among rated firms; T for
    fewer than ``min_years_operating`` years in production (``years_operating``).

    ``benchmarks`` (per indicator) default to ``benchmark_factor`` × this year's mean;
    pass last year's means × factor where they exist. Returns ``score`` and ``grade``.
    """
    weights = grading.get("weights", {})
    cap = float(grading.get("cap", 1.5))
    factor = float(grading.get("benchmark_factor", 2.0))
    shares = grading.get("proportions", {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05})
    ind = indicators(frame)
    if benchmarks is None:
        benchmarks = ind.replace(np.inf, np.nan).mean() * factor
    score = pd.Series(0.0, index=frame.index)
    for name, weight in weights.items():
        if name not in ind:
            continue
        bench = float(benchmarks.get(name, np.nan))
        if not bench or np.isnan(bench):
            continue
        item = (ind[name] / bench).clip(upper=cap).fillna(0.0) * float(weight)
        score += item
    rated = frame.get("years_operating", pd.Series(np.inf, index=frame.index)) >= float(
        grading.get("min_years_operating", 2)
    )
    out = pd.DataFrame({"score": score.round(2), "grade": "T"}, index=frame.index)
    if rated.any():
        # rank 0 = best; grade quotas counted in firms (rounded), not in float shares
        rank = (score[rated].rank(ascending=False, method="min") - 1).to_numpy()  # ties share
        quotas = np.round(np.cumsum([float(shares.get(g, 0)) for g in GRADES]) * rated.sum())
        letters = np.array(GRADES)[
            np.minimum(np.searchsorted(quotas, rank, side="right"), len(GRADES) - 1)
        ]
        out.loc[rated, "grade"] = letters
    return out
