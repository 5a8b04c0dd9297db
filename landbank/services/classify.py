"""``landbank classify`` and ``landbank evaluate``: the five categories and the per-mu
grades of every parcel, written back in one transaction with history."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from landbank.config import Profile, load_profile
from landbank.db import history
from landbank.db import parcels as rows
from landbank.db.evaluations import latest_grades
from landbank.db.performance import latest_year, load_performance
from landbank.db.store import Store, Unit
from landbank.domain.categories import CATEGORIES, MISSING, UNCLASSIFIED
from landbank.domain.classify import Rules, classify
from landbank.domain.efficiency import grade, indicators, per_mu
from landbank.errors import InputError

DERIVED = ["category", "category_reasons", "category_flags", "classified_as_of"]


def parse_as_of(text: str | None, today: dt.date | None = None) -> pd.Timestamp:
    """``--as-of`` as a date (default: today); InputError for anything else."""
    if text is None:
        return pd.Timestamp(today or dt.date.today())
    try:
        return pd.Timestamp(dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise InputError(f'--as-of "{text}" is not a date; write YYYY-MM-DD') from None


FEW_PARCELS = 1000  # parcels whose figures are read by their codes


def evaluated(uow: Unit, parcels: pd.DataFrame, year: int, profile: Profile) -> pd.DataFrame:
    """Parcels joined with their latest figures up to ``year``: per-mu figures,
    intensity, score and grade. The grades are those of the latest year with figures
    (on or before ``year``), among the firms with figures for that year, benchmarked on
    the year before where it has figures."""
    # a few parcels (one edited) read their own figures, not every parcel's: only
    # the year graded is the whole table's
    few = len(parcels) <= FEW_PARCELS
    perf = load_performance(uow, codes=parcels["code"].tolist() if few else None)
    perf = perf[perf["year"] <= year]
    latest = perf.sort_values("year").drop_duplicates("code", keep="last")
    frame = parcels.merge(latest, on="code", how="left", suffixes=("", "_perf"))
    frame = per_mu(frame)
    frame["score"] = np.nan
    frame["grade"] = None
    top = latest_year(uow, year) if few else (None if perf.empty else perf["year"].max())
    if top is None:
        return frame
    graded_year = int(top)
    year_end = pd.Timestamp(year=graded_year, month=12, day=31)
    frame["years_operating"] = (year_end - pd.to_datetime(frame["operating_on"])).dt.days / 365.25
    this_year = frame["year"].eq(graded_year).to_numpy()
    last = perf[perf["year"] == graded_year - 1].merge(parcels[["code", "area_mu"]], on="code")
    factor = float(profile.grading.get("benchmark_factor", 2.0))
    bench = indicators(last).replace(np.inf, np.nan).mean() * factor if len(last) else None
    graded = grade(frame[this_year], profile.grading, bench)
    frame.loc[this_year, "score"] = graded["score"].to_numpy()
    frame.loc[this_year, "grade"] = graded["grade"].to_numpy()
    return frame


def with_enterprise_grades(uow: Unit, frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """``frame`` (parcels) with the grade of each parcel's holding enterprise in the
    current evaluation of the latest year up to ``year`` in place of the parcel's own
    (``grade``), and ``grade_enterprise`` and ``grade_year`` where it is an
    enterprise's. A parcel whose holder has no grade keeps its own."""
    firms = latest_grades(uow, year)
    frame = frame.assign(grade_enterprise=None, grade_year=None)
    if firms.empty or "holder_credit_code" not in frame:
        return frame
    grades = firms.set_index("credit_code")["grade"]
    found = frame["holder_credit_code"].map(grades)
    has = found.notna().to_numpy()
    frame["grade"] = frame["grade"].astype(object)
    frame.loc[has, "grade"] = found[has]
    frame.loc[has, "grade_enterprise"] = frame.loc[has, "holder_credit_code"]
    frame.loc[has, "grade_year"] = str(int(firms["year"].iloc[0]))
    return frame


def _override_reasons(uow: Unit, codes: list[str]) -> dict[str, dict]:
    """The latest override event of each overridden parcel, as a reason."""
    if not codes:
        return {}
    out = {}
    for code, value, by, at, reason in history.overrides(uow, codes):
        when = str(at)[:10]
        out[code] = {
            "rule": "override",
            "text_zh": f"人工认定为{CATEGORIES.get(value, {}).get('zh', value)}"
            f"（{by}，{when}）：{reason or ''}",
            "text_en": f"manual override to {value} by {by} on {when}: {reason or ''}",
        }
    return out


def derive(uow: Unit, parcels: pd.DataFrame, as_of: pd.Timestamp, profile: Profile) -> pd.DataFrame:
    """The derived columns (category, reasons, flags, as-of) of ``parcels``, overrides
    applied (their reasons read from the history), plus the flag columns and
    ``idle_fee_wan``."""
    frame = evaluated(uow, parcels, as_of.year, profile)
    frame = with_enterprise_grades(uow, frame, as_of.year)
    result = classify(frame, as_of, Rules.from_profile(profile.rules), profile.standard)
    result.index = parcels.index
    override = parcels["category_override"]
    overridden = override.notna()
    result["derived_category"] = result["category"]
    result.loc[overridden, "category"] = override[overridden]
    reasons = _override_reasons(uow, parcels.loc[overridden, "code"].tolist())
    for i in np.flatnonzero(overridden.to_numpy()):
        code = parcels["code"].iloc[i]
        extra = json.dumps(
            reasons.get(
                code, {"rule": "override", "text_zh": "人工认定", "text_en": "manual override"}
            ),
            ensure_ascii=False,
        )
        current = result["reasons"].iloc[i]
        result.iloc[i, result.columns.get_loc("reasons")] = (
            "[" + extra + (", " + current[1:] if current != "[]" else "]")
        )
    result["category_reasons"] = result["reasons"]
    result["category_flags"] = result["flags"]
    result["classified_as_of"] = as_of.normalize()
    result["grade"] = frame["grade"].to_numpy()
    return result


def classify_all(
    store: Store, as_of: pd.Timestamp, profile: str | None = None, by: str = "landbank"
) -> dict:
    """Classifies every current parcel as of ``as_of`` in one unit of work; each changed
    category is a ``parcel_event`` by ``by``. Returns the summary of ``landbank
    classify``."""
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        # no parcel may change between reading it and writing its category back
        rows.hold_all(uow)
        parcels = rows.load_parcels(uow, with_geometry=False, reasons=False)
        if parcels.empty:
            return _summary(parcels, as_of, prof, 0)
        result = derive(uow, parcels, as_of, prof)
        old = parcels["category"].astype(object)
        new = result["category"].astype(object)
        changed = (old.fillna("") != new).to_numpy()
        update = parcels[["code"]].copy()
        for col in DERIVED:
            update[col] = result[col].to_numpy()
        # a row is rewritten only where something derived differs: rewriting a million
        # unchanged rows is most of a re-run's time on PostgreSQL
        written = rows.rewrite_derived(uow, update[_differs(parcels, update)], DERIVED, uow.now)
        if changed.any():
            events = pd.DataFrame(
                {
                    "parcel_code": parcels["code"][changed].to_numpy(),
                    "field": "category",
                    "old_value": old[changed].to_numpy(),
                    "new_value": new[changed].to_numpy(),
                    "by": uow.by,
                    "reason": f"classify as of {as_of.date()} ({prof.name})",
                }
            )
            events["at"] = pd.Series([uow.now] * len(events), dtype="datetime64[us, UTC]")
            history.append_frame(uow, events)
    if written > rows.MANY:
        store.tidy("parcel")  # the table's upkeep after the rewrite, once committed
    parcels["category"] = new.to_numpy()
    derived = parcels["category_override"].isna().to_numpy()
    missing = result["missing"][derived].value_counts().to_dict()
    return _summary(parcels, as_of, prof, int(changed.sum()), missing)


def _differs(stored: pd.DataFrame, derived: pd.DataFrame) -> np.ndarray:
    """Per row, whether any of ``DERIVED`` in ``derived`` differs from ``stored`` (read
    with the reasons and flags as JSON text)."""
    out = np.zeros(len(stored), dtype=bool)
    for col in DERIVED:
        if col == "classified_as_of":
            old = pd.to_datetime(stored[col]).to_numpy(dtype="datetime64[s]")
            new = pd.to_datetime(derived[col]).to_numpy(dtype="datetime64[s]")
            out |= ~((old == new) | (np.isnat(old) & np.isnat(new)))
        else:
            old = stored[col].astype(str).fillna("\0").to_numpy()
            new = derived[col].astype(str).fillna("\0").to_numpy()
            out |= old != new
    return out


def _summary(
    parcels: pd.DataFrame, as_of, prof: Profile, changed: int, missing: dict | None = None
) -> dict:
    """Counts and areas per category (the five and compliant), the unclassified apart,
    how many parcels lack each field of ``categories.MISSING``, and per district."""
    by_category = {c: {"count": 0, "area_mu": 0.0} for c in CATEGORIES}
    unclassified = {"count": 0, "area_mu": 0.0}
    table = []
    if len(parcels):
        g = parcels.groupby("category")["area_mu"].agg(["count", "sum"])
        for cat, r in g.iterrows():
            figures = {"count": int(r["count"]), "area_mu": round(float(r["sum"]), 2)}
            if cat == UNCLASSIFIED:
                unclassified = figures
            else:
                by_category[cat] = figures
        d = (
            parcels.assign(district=parcels["district"].fillna(""))
            .groupby(["district", "category"])["area_mu"]
            .agg(["count", "sum"])
            .reset_index()
        )
        table = [
            {
                "district": r.district or None,
                "category": r.category,
                "count": int(r["count"]),
                "area_mu": round(float(r["sum"]), 2),
            }
            for _, r in d.iterrows()
        ]
    return {
        "as_of": str(pd.Timestamp(as_of).date()),
        "profile": prof.name,
        "by_category": by_category,
        "unclassified": unclassified,
        "missing": {k: int((missing or {}).get(k, 0)) for k in MISSING},
        "changed": changed,
        "by_district": table,
    }


def evaluate(store: Store, year: int | None = None, profile: str | None = None) -> dict:
    """Per-mu figures and A–D grades for ``year`` (default: the latest with figures),
    and the parcels below their contract targets or the admission standard; InputError
    when there are no figures (for ``year``)."""
    prof = load_profile(profile)
    with store.read() as uow:
        years = sorted(set(load_performance(uow)["year"].tolist()))
        if not years:
            raise InputError(
                "no performance figures; import them first with landbank import performance FILE"
            )
        year = years[-1] if year is None else year
        if year not in years:
            raise InputError(
                f"--year {year}: no figures; years with figures: {', '.join(map(str, years))}"
            )
        parcels = rows.load_parcels(uow, with_geometry=False)
        frame = evaluated(uow, parcels, year, prof)
    result = classify(
        frame,
        pd.Timestamp(year=year, month=12, day=31),
        Rules.from_profile(prof.rules),
        prof.standard,
    )
    rated = frame["year"].eq(year)
    out = []
    for i in np.flatnonzero(rated.to_numpy()):
        r = frame.iloc[i]
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "district": r["district"],
                "park": r["park"],
                "grade": r["grade"],
                "score": _f(r["score"]),
                "tax_wan_per_mu": _f(r["tax_wan_per_mu"]),
                "output_wan_per_mu": _f(r["output_wan_per_mu"]),
                "value_added_wan_per_mu": _f(r["value_added_wan_per_mu"]),
                "investment_wan_per_mu": _f(r["investment_wan_per_mu"]),
                "plot_ratio": _f(r["plot_ratio"]),
                "building_coverage": _f(r["building_coverage"]),
                "below_standard": bool(result["is_below_standard"].iloc[i]),
                "reasons": [
                    x
                    for x in json.loads(result["reasons"].iloc[i])
                    if x["rule"] == "below_standard"
                ],
            }
        )
    grades = pd.Series([r["grade"] for r in out]).value_counts().to_dict()
    return {
        "year": year,
        "profile": prof.name,
        "rated": len(out),
        "grades": {g: int(grades.get(g, 0)) for g in ("A", "B", "C", "D", "T")},
        "below_standard": [r["code"] for r in out if r["below_standard"]],
        "parcels": out,
    }


def _f(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)
