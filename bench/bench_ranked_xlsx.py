"""The ranked lists of one year's evaluation as .xlsx (``landbank evaluate --xlsx``)
for 50,000 enterprises: ``write_ranked_xlsx`` (six sheets: two cohorts, by district,
by park, the not graded, the rules; formats, widths, frozen headers, filters) beside
the baseline in the same run: pandas ``to_excel`` (openpyxl) of the same rows and
columns into the same sheets, no formats. The run's dict is synthetic (drawn with a
fixed seed in the shape ``run_evaluation`` returns), so no database is involved.

    .venv/bin/python bench/bench_ranked_xlsx.py [--enterprises 50000] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.config import load_profile
from landbank.domain import evaluation as ev
from landbank.services import evaluation_outputs as outputs

sys.path.insert(0, str(Path(__file__).resolve().parent))


def synthetic_run(n: int, seed: int = 7) -> dict:
    """A run of ``n`` enterprises as ``describe`` shows it: 70 % 规上, 25 % 规下, the
    rest not graded; grades by rank within the cohort."""
    rng = np.random.default_rng(seed)
    rules = load_profile("default").evaluation
    data = rules.as_dict()
    bench = {c: {i: {"value": 10.0, "basis": "2 × mean of the year before"}
                 for i in spec["weights"]} for c, spec in data["cohorts"].items()}  # fmt: skip
    cohorts = rng.choice(["large", "small", "none"], n, p=[0.7, 0.25, 0.05])
    scores = rng.gamma(4, 15, n).round(2)
    out = []
    for cohort in ("large", "small"):
        idx = np.flatnonzero(cohorts == cohort)
        letters, ranks = ev.grade(pd.Series(scores[idx]), rules.cohorts[cohort].proportions)
        for i, g, r in zip(idx, letters, ranks, strict=True):
            comps = {k: [float(rng.gamma(2, 5)), float(rng.uniform(0, 15))]
                     for k in data["cohorts"][cohort]["weights"]}  # fmt: skip
            out.append((i, cohort, g, int(r), int(len(idx)), comps))
    enterprises = []
    for i, cohort, g, r, m, comps in out:
        land = float(rng.gamma(2, 10))
        enterprises.append(
            {
                "credit_code": f"91370400{i:010d}", "name": f"枣庄第{i}号企业有限公司",
                "cohort": cohort, "district": f"区{i % 6}", "park": f"园区{i % 40}",
                "held_mu": land, "rented_in_mu": 0.0, "rented_out_mu": 0.0, "land_mu": land,
                "score": float(scores[i]), "grade": g, "status": "graded", "rank": r,
                "cohort_rated": m, "completeness": 1.0, "missing": [],
                "components": ev.explain(comps, cohort, data, bench), "figures": {},
                "rule_version": rules.version,
                "policies": [{"id": "electricity_surcharge", "zh": "差别化电价", "en": "e",
                              "basis": "power_kwh", "basis_value": 1e6, "yuan_per_unit": 0.1,
                              "amount_yuan": 1e5}] if g == "D" else [],
            }
        )  # fmt: skip
    for i in np.flatnonzero(cohorts == "none"):
        enterprises.append(
            {"credit_code": f"91370400{i:010d}", "name": None, "cohort": None,
             "district": None, "park": None, "held_mu": 0.0, "rented_in_mu": 0.0,
             "rented_out_mu": 0.0, "land_mu": 0.0, "score": None, "grade": None,
             "status": "no_cohort", "rank": None, "cohort_rated": None, "completeness": 0.0,
             "missing": [], "components": [], "figures": {}, "rule_version": rules.version,
             "policies": []}
        )  # fmt: skip
    return {
        "evaluation_id": 1, "year": 2025, "rule_version": rules.version, "profile": "default",
        "data_as_at": dt.datetime(2026, 11, 30).isoformat(), "rules": data, "benchmarks": bench,
        "vintages": {"year": [], "year_before": []}, "enterprises": enterprises,
    }  # fmt: skip


def baseline(run: dict, path: Path) -> None:
    """The same sheets and columns with pandas, no formats."""
    records = [outputs._record(e) for e in run["enterprises"]]
    graded = [r for r in records if r["status"] == "graded"]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for cohort, spec in run["rules"]["cohorts"].items():
            cols = outputs.HEAD_COLUMNS + outputs.indicator_columns(spec["weights"])
            cols += outputs.TAIL_COLUMNS
            frame = pd.DataFrame([r for r in graded if r["cohort"] == cohort])
            frame = frame[[c[0] for c in cols]].set_axis([c[1] for c in cols], axis=1)
            frame.sort_values("排名").to_excel(xw, sheet_name=cohort, index=False)
        for group in ("district", "park"):
            frame = pd.DataFrame(outputs._group_ranked(graded, group))
            frame.to_excel(xw, sheet_name=group, index=False)
        rest = pd.DataFrame([r for r in records if r["status"] != "graded"])
        rest[["credit_code", "status_zh"]].to_excel(xw, sheet_name="rest", index=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    run = synthetic_run(args.enterprises)
    times = {"baseline": [], "landbank": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(3):
            t = time.perf_counter()
            baseline(run, Path(folder) / "baseline.xlsx")
            times["baseline"].append(time.perf_counter() - t)
            t = time.perf_counter()
            outputs.write_ranked_xlsx(run, Path(folder) / "ranked.xlsx")
            times["landbank"].append(time.perf_counter() - t)
        size = (Path(folder) / "ranked.xlsx").stat().st_size / 1e6
    lines = [
        f"### ranked lists .xlsx, {args.enterprises:,} enterprises, {dt.date.today()}, 2 cores",
        "",
        "Baseline: pandas to_excel (openpyxl) of the same sheets' rows and columns, no "
        "formats. Best of 3.",
        "",
        "| figure | baseline s | landbank s |",
        "|---|---|---|",
        f"| write_ranked_xlsx ({size:.1f} MB) | {min(times['baseline']):.2f} | "
        f"{min(times['landbank']):.2f} |",
        "",
        "Reproduce: `.venv/bin/python bench/bench_ranked_xlsx.py --record`.",
    ]
    report("\n".join(lines) + "\n", args.record)


if __name__ == "__main__":
    main()
