"""What the service's evaluation pages and API show: an enterprise with its grade
history and its latest grade explained, and a year's run filtered by district, park
and cohort. Reads only; each view in one unit of work."""

from __future__ import annotations

import pandas as pd

from landbank.db import evaluations as runs
from landbank.db.store import Store
from landbank.domain import evaluation as ev
from landbank.domain.enterprises import cohort_label
from landbank.services.enterprises import checked_code, show_enterprise
from landbank.services.evaluation import show_run


def _plain(value):
    if value is None or (not isinstance(value, str | dict | list) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else pd.Timestamp(value).isoformat()


def grade_history(store: Store, code: str) -> list[dict]:
    """Every kept grade of enterprise ``code``, newest year (and run) first: ``year``,
    ``evaluation_id``, ``current``, ``grade``, ``score``, ``rank``, ``cohort_rated``,
    ``completeness``, ``status``, ``cohort``, land by the rule, ``rule_version``,
    ``at``, ``policies``, and ``components`` explained under the run's own rules and
    benchmarks (``missing``: the indicators it lacked)."""
    code = checked_code(code)
    out = []
    with store.read() as uow:
        rows = runs.history_of(uow, code)
        kept = {i: runs.run_by_id(uow, int(i)) for i in set(rows["evaluation_id"])}
    for r in rows.to_dict("records"):
        run = kept[r["evaluation_id"]]
        bench = run["summary"].get("benchmarks", {})
        explained = ev.explain(r["components"]["values"], r["cohort"], run["rules"], bench)
        out.append(
            {
                "year": int(r["year"]),
                "evaluation_id": int(r["evaluation_id"]),
                "current": _iso(r["replaced_at"]) is None,
                "at": _iso(r["at"]),
                "rule_version": r["rule_version"],
                "status": r["status"],
                "status_zh": ev.STATUSES[r["status"]]["zh"],
                "status_en": ev.STATUSES[r["status"]]["en"],
                "cohort": _plain(r["cohort"]),
                "cohort_zh": cohort_label(_plain(r["cohort"]), "zh") or None,
                **{k: float(r[k]) for k in ("held_mu", "rented_in_mu", "rented_out_mu", "land_mu")},
                "score": _plain(r["score"]),
                "grade": _plain(r["grade"]),
                "rank": _plain(r["rank"]),
                "cohort_rated": _plain(r["cohort_rated"]),
                "completeness": float(r["completeness"]),
                "missing": [c["indicator"] for c in explained if not c["present"]],
                "components": explained,
                "figures": r["components"].get("figures", {}),
                "policies": r["policies"],
            }
        )
    return out


def enterprise_view(store: Store, code: str) -> dict:
    """``show_enterprise`` (register, parcels, leases, land by year, figures with their
    vintages) with ``grades`` (``grade_history``) and ``latest``: the newest current
    grade, explained (None when it was never evaluated)."""
    shown = show_enterprise(store, code)
    shown["grades"] = grade_history(store, shown["credit_code"])
    current = [g for g in shown["grades"] if g["current"]]
    shown["latest"] = current[0] if current else None
    return shown


def evaluation_view(
    store: Store,
    year: int,
    district: str | None = None,
    park: str | None = None,
    cohort: str | None = None,
) -> dict:
    """The current run of ``year`` (``show_run``) with ``listed``: its graded
    enterprises in ``district``, ``park`` and ``cohort`` (each None for all), best
    first within each cohort; ``not_graded``: the others so filtered; ``counts``:
    per cohort the graded per grade (of the filtered), and the names to filter by."""
    run = show_run(store, year)
    every = run["enterprises"]

    def kept(e: dict) -> bool:
        return (
            (district is None or e["district"] == district)
            and (park is None or e["park"] == park)
            and (cohort is None or e["cohort"] == cohort)
        )

    chosen = [e for e in every if kept(e)]
    graded = sorted(
        (e for e in chosen if e["status"] == "graded"),
        key=lambda e: (e["cohort"] or "", e["rank"] or 0, e["credit_code"]),
    )
    counts: dict[str, dict[str, int]] = {}
    for e in graded:
        counts.setdefault(e["cohort"], {g: 0 for g in ev.GRADES})[e["grade"]] += 1
    run["listed"] = graded
    run["not_graded"] = [e for e in chosen if e["status"] != "graded"]
    run["counts"] = counts
    run["filters"] = {
        "district": district,
        "park": park,
        "cohort": cohort,
        "districts": sorted({e["district"] for e in every if e["district"]}),
        "parks": sorted({e["park"] for e in every if e["park"]}),
        "cohorts": sorted({e["cohort"] for e in every if e["cohort"]}),
    }
    return run
