"""``landbank evaluate --year YYYY``: the per-mu evaluation by enterprise
(亩均效益综合评价). One run reads, for the year and the year before, the figure
vintages and leases current at one moment, the parcels as they stand and the register;
grades every enterprise within its cohort; and keeps the run (one unit of work). A
run of the same data under the same rules is not kept twice. ``--as-at`` recomputes
what the data known at a past moment give (kept nowhere): a past run checked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from landbank.config import Profile, load_profile
from landbank.db import enterprises as erows
from landbank.db import evaluations as runs
from landbank.db.store import Store, Unit
from landbank.domain import evaluation as ev
from landbank.domain.enterprises import (
    FIGURE_NAMES,
    cohort_label,
    land_by_rule,
    year_days,
    year_figures,
)
from landbank.domain.rights import check_citywide
from landbank.errors import InputError, NotFoundError

LAND = ["held_mu", "rented_in_mu", "rented_out_mu", "land_mu"]


def parse_as_at(text: str | None) -> dt.datetime | None:
    """``--as-at`` (a date, or an ISO moment as a run shows it) as a UTC moment; a date
    means its end (the data known that day). InputError for anything else."""
    if text is None:
        return None
    try:
        if len(text.strip()) == 10:
            day = dt.date.fromisoformat(text.strip())
            return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f'--as-at "{text}" is neither a date nor a moment; write YYYY-MM-DD or the '
            "data_as_at a run shows (landbank enterprises evaluations)"
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _as_objects(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` with the key ``columns`` as Python strings (object dtype): the joins,
    reindexes and lookups on codes run on numpy's object hash tables, where pandas'
    arrow-backed strings convert themselves to numpy at every call."""
    return frame.astype({c: object for c in columns if c in frame})


def _year_frame(uow: Unit, year: int, as_at, register: pd.DataFrame, parcels: pd.DataFrame):
    """One row per enterprise known for ``year`` (registered, holding or leasing land,
    or with figures): register fields, land by the rule, figures (with their vintage),
    ``registered``. Returns (frame, the vintages read)."""
    first, last = year_days(year)
    leases = _as_objects(
        erows.leases_in_force(uow, between=(first, last), as_at=as_at),
        ["lessor_code", "lessee_code", "parcel_code"],
    )
    # sets of .tolist(): iterating an arrow-backed column is one Python call per value
    missing = sorted(set(leases["parcel_code"].tolist()) - set(parcels["code"].tolist()))
    if missing:
        more = erows.parcels_for_leases(uow, missing).assign(holder_credit_code=None)
        parcels = pd.concat([parcels, more[["code", "holder_credit_code", "area_mu"]]])
    land = land_by_rule(parcels, leases, year)
    rows = _as_objects(runs.year_figures(uow, year, as_at), ["credit_code"])
    figures = year_figures(rows)
    known = set(register["credit_code"].tolist()) | set(land["credit_code"].tolist())
    codes = pd.Index(sorted(known | set(figures["credit_code"].tolist())))
    frame = pd.DataFrame({"credit_code": codes})
    frame = frame.merge(register, on="credit_code", how="left")
    registered = set(register["credit_code"].tolist())  # a set: no arrow scalar per code
    frame["registered"] = [c in registered for c in frame["credit_code"].tolist()]
    frame = frame.merge(land, on="credit_code", how="left").merge(
        figures, on="credit_code", how="left"
    )
    frame[LAND] = frame[LAND].fillna(0.0)
    vintages = (
        rows.drop_duplicates("vintage_id")[["vintage_id", "source", "year", "file_name"]]
        .sort_values("vintage_id")
        .to_dict("records")
        if len(rows)
        else []
    )
    digest = {
        "leases": int(pd.util.hash_pandas_object(leases[["id"]], index=False).sum())
        if len(leases)
        else 0,
    }
    return frame, vintages, digest


def _digest(rules: ev.Rules, parcels, register, years: list) -> str:
    """What a run rests on, as one string: the rules, the vintages and leases of both
    years, the holdings and the register's cohorts. Two runs with the same digest
    would grade alike."""
    import hashlib

    held = int(pd.util.hash_pandas_object(parcels, index=False).sum()) if len(parcels) else 0
    reg = register[["credit_code", "cohort", "district", "park"]]
    cohorts = int(pd.util.hash_pandas_object(reg.fillna(""), index=False).sum()) if len(reg) else 0
    text = repr((rules.sha256, held, cohorts, years))
    return hashlib.sha256(text.encode()).hexdigest()


def compute(uow: Unit, year: int, rules: ev.Rules, as_at: dt.datetime, asked: bool = False) -> dict:
    """The evaluation of ``year`` from the data current at ``as_at`` (``asked``: a
    moment the user gave): the graded frame (``ev.evaluate`` plus ``policies``), the
    benchmarks, the vintages read and the digest of the inputs."""
    register = _as_objects(erows.load_register(uow), ["credit_code"])
    held = _as_objects(runs.held_land(uow), ["code", "holder_credit_code"])
    frame, vintages, d_this = _year_frame(uow, year, as_at, register, held)
    if not vintages and asked:
        raise InputError(
            f"--as-at {as_at:%Y-%m-%d %H:%M:%S}: no figures of {year} were imported by "
            "then; give a later moment (landbank enterprises vintages lists when each came)"
        )
    if not vintages:
        raise InputError(
            f"--year {year}: no figures of {year}; import them first with "
            f"landbank import figures FILE --source tax --year {year}"
        )
    before, vintages_before, d_before = _year_frame(uow, year - 1, as_at, register, held)
    bench = ev.benchmarks(frame, before if vintages_before else None, rules)
    graded = ev.evaluate(frame, rules, bench)
    graded["policies"] = ev.policies(graded, rules)
    years = [
        [v["vintage_id"] for v in vintages],
        [v["vintage_id"] for v in vintages_before],
        d_this,
        d_before,
    ]
    return {
        "frame": graded,
        "benchmarks": bench,
        "vintages": {"year": vintages, "year_before": vintages_before},
        "digest": _digest(rules, held, register, years),
    }


def _summary(frame: pd.DataFrame) -> dict:
    """Counts per status, and per cohort and grade."""
    by_cohort = {}
    for cohort, group in frame[frame["status"] == "graded"].groupby("cohort"):
        counts = group["grade"].value_counts()
        by_cohort[cohort] = {g: int(counts.get(g, 0)) for g in ev.GRADES}
    return {
        "enterprises": len(frame),
        "by_status": {k: int(v) for k, v in frame["status"].value_counts().items()},
        "by_cohort": by_cohort,
    }


def run_evaluation(
    store: Store,
    year: int,
    *,
    profile: str | Profile | None = None,
    by: str = "landbank",
    districts: tuple[str, ...] | None = None,
    as_at: dt.datetime | None = None,
    keep: bool = True,
    today: dt.date | None = None,
) -> dict:
    """Evaluates ``year`` and, with ``keep`` (and no ``as_at``), keeps the run as the
    year's current one, the run it replaces kept too; a run whose inputs and rules
    equal the current run's is not kept again (``unchanged``). Grades cover the whole
    city: only a writer of every district keeps a run. Returns the run (see
    ``describe``) with ``kept`` and ``unchanged``."""
    today = today or dt.date.today()
    if year > today.year:
        raise InputError(f"--year {year}: a year in the future (today is {today:%Y-%m-%d})")
    keep = keep and as_at is None
    if keep:
        check_citywide(districts, f"the per-mu grades of {year}")
    prof = load_profile(profile)
    rules = prof.evaluation
    unit = store.write(by=by) if keep else store.read()
    with unit as uow:
        now = uow.now if keep else dt.datetime.now(dt.UTC)
        moment = as_at or now
        current = runs.current_run(uow, year, lock=keep)
        result = compute(uow, year, rules, moment, asked=as_at is not None)
        frame = result["frame"]
        run = {
            "year": year,
            "data_as_at": moment,
            "rule_version": rules.version,
            "profile_name": prof.name,
            "profile_sha256": rules.sha256,
            "rules": rules.as_dict(),
            "vintages": result["vintages"],
            "summary": _summary(frame)
            | {"benchmarks": result["benchmarks"], "digest": result["digest"]},
            "by": by,
            "at": now,
        }
        unchanged = current is not None and current["summary"].get("digest") == result["digest"]
        grades = _grade_rows(frame)
        if keep and not unchanged:
            if current is not None:
                runs.replace_run(uow, current["id"], now)
            run["id"] = runs.insert_run(uow, run, grades)
        elif unchanged:
            run = current
    out = describe(run, grades, frame)
    out["kept"] = keep and not unchanged
    out["unchanged"] = unchanged
    return out


def _grade_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The stored columns of a graded frame."""
    out = frame[
        ["credit_code", "cohort", "district", "park", *LAND, "score", "grade", "status",
         "rank", "cohort_rated", "completeness", "components", "policies"]
    ].copy()  # fmt: skip
    out["components"] = [
        {"values": c, "figures": f}
        for c, f in zip(out["components"], _figures_used(frame), strict=True)
    ]
    for col in LAND:
        out[col] = out[col].astype(float).round(4)
    out["grade"] = out["grade"].astype(object).where(out["grade"].notna(), None)
    return out


def _figures_used(frame: pd.DataFrame) -> list[dict]:
    """Per row, each figure present with its vintage: {figure: [value, vintage_id]}."""
    cols = [f for f in FIGURE_NAMES if f in frame]
    values = np.round(frame[cols].to_numpy(dtype=float), 6)
    vint = (
        frame[[f"{f}_vintage" for f in cols]]
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )
    out: list[dict] = [{} for _ in range(len(frame))]
    for c, vs, ids in zip(cols, values.T, vint.T, strict=True):  # in the order of FIGURE_NAMES
        rows = np.flatnonzero(~np.isnan(vs))
        kept = ids[rows].astype(np.int64).tolist()  # Python ints, no int() per value
        for i, v, k in zip(rows.tolist(), vs[rows].tolist(), kept, strict=True):
            out[i][c] = [v, k]
    return out


def describe(run: dict, grades: pd.DataFrame, register: pd.DataFrame | None = None) -> dict:
    """A run as ``landbank evaluate --json`` shows it: the run's fields and, per
    enterprise, ``credit_code``, ``name``, ``cohort``, land by the rule, ``score``,
    ``grade``, ``status``, ``rank``, ``completeness``, ``missing``, ``components``
    (explained), ``figures``, ``rule_version``, ``policies``."""
    bench = run["summary"].get("benchmarks", {})
    names = {}
    if register is not None and "name" in register:
        names = dict(zip(register["credit_code"], _plain_column(register["name"]), strict=True))
    # column-wise: plain Python values of each column, then one dict per row
    col = {
        c: _plain_column(grades[c])
        for c in ("cohort", "district", "park", "score", "grade", "rank", "cohort_rated")
    }
    land = {k: grades[k].astype(float).tolist() for k in LAND}
    completeness = grades["completeness"].astype(float).tolist()
    enterprises = []
    for i, (code, status, comp, policies) in enumerate(
        zip(grades["credit_code"].tolist(), grades["status"].tolist(),
            grades["components"].tolist(), grades["policies"].tolist(), strict=True)
    ):  # fmt: skip
        cohort = col["cohort"][i]
        explained = ev.explain(comp["values"], cohort, run["rules"], bench)
        enterprises.append(
            {
                "credit_code": code,
                "name": names.get(code),
                "cohort": cohort,
                "cohort_zh": cohort_label(cohort, "zh") or None,
                "district": col["district"][i],
                "park": col["park"][i],
                **{k: land[k][i] for k in LAND},
                "score": col["score"][i],
                "grade": col["grade"][i],
                "status": status,
                "status_zh": ev.STATUSES[status]["zh"],
                "rank": col["rank"][i],
                "cohort_rated": col["cohort_rated"][i],
                "completeness": completeness[i],
                "missing": [c["indicator"] for c in explained if not c["present"]],
                "components": explained,
                "figures": comp["figures"],
                "rule_version": run["rule_version"],
                "policies": policies,
            }
        )
    return {
        "evaluation_id": run.get("id"),
        "year": run["year"],
        "rule_version": run["rule_version"],
        "profile": run["profile_name"],
        "data_as_at": _iso(run["data_as_at"]),
        "by": run["by"],
        "at": _iso(run["at"]),
        "replaced_at": _iso(run.get("replaced_at")),
        "vintages": run["vintages"],
        "rules": run["rules"],
        "benchmarks": bench,
        "summary": {k: v for k, v in run["summary"].items() if k not in ("benchmarks", "digest")},
        "enterprises": enterprises,
    }


def show_run(store: Store, year: int | None = None, run_id: int | None = None) -> dict:
    """A kept run: ``run_id``, else the current run of ``year``, as ``describe`` shows
    it. NotFoundError naming the command that makes one."""
    with store.read() as uow:
        if run_id is not None:
            run = runs.run_by_id(uow, run_id)
        else:
            run = runs.current_run(uow, year)
        if run is None:
            what = f"evaluation #{run_id}" if run_id is not None else f"no evaluation of {year}"
            raise NotFoundError(
                f"{what} is not kept; run landbank evaluate --year {year or 'YYYY'}"
            )
        grades = runs.grades_of(uow, run["id"])
        register = erows.load_register(uow)
    return describe(run, grades, register)


def list_runs(store: Store, year: int | None = None) -> list[dict]:
    """Every kept run (of ``year``), newest first: id, year, rule version, the moment
    of its data, who and when, whether current, its counts."""
    with store.read() as uow:
        found = runs.runs(uow, year)
    return [
        {
            "id": r["id"],
            "year": r["year"],
            "rule_version": r["rule_version"],
            "data_as_at": _iso(r["data_as_at"]),
            "by": r["by"],
            "at": _iso(r["at"]),
            "current": r["replaced_at"] is None,
            "replaced_at": _iso(r["replaced_at"]),
            "enterprises": r["summary"].get("enterprises"),
            "by_cohort": r["summary"].get("by_cohort"),
        }
        for r in found
    ]


def _plain_column(series: pd.Series) -> list:
    """A column as plain Python values, None where missing."""
    return series.astype(object).where(series.notna(), None).tolist()


def _plain(value):
    if value is None or (not isinstance(value, str | dict | list) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else pd.Timestamp(value).isoformat()


def figure_years(store: Store) -> list[int]:
    """The years with a current figure vintage, oldest first."""
    with store.read() as uow:
        return sorted({int(v["year"]) for v in erows.vintages(uow) if v["replaced_at"] is None})
