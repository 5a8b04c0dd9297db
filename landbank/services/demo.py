"""``landbank demo``: the bundled sample city through every step that exists."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from landbank.domain.categories import category_label
from landbank.domain.enterprises import cohort_label
from landbank.services.classify import classify_all, evaluate
from landbank.services.database import Store
from landbank.services.import_parcels import import_parcels, read_options
from landbank.services.performance import import_performance
from landbank.synth import REFERENCE

SAMPLE = Path(__file__).resolve().parents[2] / "data"


def sample_folder() -> Path:
    """Returns the folder of the bundled sample city (``data/`` of the source tree)."""
    if not (SAMPLE / "parcels").is_dir():
        from landbank.errors import EnvironmentProblem

        raise EnvironmentProblem(
            f"the sample city is not at {SAMPLE}; run landbank demo from a source checkout"
        )
    return SAMPLE


def run_demo(db_url: str, progress=None, out: Path | None = None) -> list[str]:
    """Initialises ``db_url`` and opens it once for the whole run; loads the sample
    city's GIS layer and then its ledger (attributes by code), both as upserts so that a
    second run changes nothing, and returns the lines to print. Maps go to ``OUT/maps``
    and reports to ``OUT/reports``, ``out`` being the working directory unless given
    (never the package's folder)."""
    folder = sample_folder()
    base = Path.cwd() if out is None else Path(out)
    if base.exists() and not base.is_dir():
        from landbank.errors import InputError

        raise InputError(f"--out {base}: not a folder; name a folder (it is made if missing)")
    maps, reports = base / "maps", base / "reports"
    store, init = Store.create(db_url)
    try:
        return _run(store, init, folder, maps, reports, progress)
    finally:
        store.close()


def _run(store: Store, init, folder: Path, maps: Path, reports: Path, progress) -> list[str]:
    """Every step of the demo on ``store``; returns the lines to print."""
    opts = read_options(profile="zaozhuang")
    lines = [f"database: {init.database} (schema {init.after})"]
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        path = folder / "parcels" / name
        summary = import_parcels(store, path, opts, upsert=True, by="demo", progress=progress)
        lines.append(
            f"{path.relative_to(folder.parent)} → {summary.imported} new, {summary.updated} "
            f"updated, {summary.unchanged} unchanged ({summary.source_crs})"
        )
        for row in summary.by_district:
            lines.append(f"  {row['district']}: {row['count']} parcels, {row['area_mu']:.1f} mu")
        lines += [f"  warning: {w}" for w in summary.warnings]
    perf = folder / "performance" / "zaozhuang_performance_2025.xlsx"
    figures = import_performance(store, perf)
    lines.append(
        f"{perf.relative_to(folder.parent)} → {figures['new']} new, "
        f"{figures['replaced']} replaced rows of per-mu figures"
    )
    # the sample's dates are drawn relative to this day: classify as of it, reproducibly
    summary = classify_all(store, pd.Timestamp(REFERENCE), "zaozhuang", by="demo")
    lines.append(
        f"classified as of {summary['as_of']} ({summary['profile']}), "
        f"{summary['changed']} categories changed:"
    )
    for cat, n in summary["by_category"].items():
        lines.append(f"  {category_label(cat)} {cat}: {n['count']} parcels, {n['area_mu']:.1f} mu")
    graded = evaluate(store, 2025, "zaozhuang")
    lines.append(
        f"per-mu evaluation 2025: {graded['grades']}, "
        f"{len(graded['below_standard'])} below standard"
    )
    lines += _sample_enterprises(store, folder, reports)
    lines += _sample_buildings(store, folder)
    lines += _sample_disposals(store, reports)
    lines += _maps(store, maps)
    lines += _sample_projects(store, folder, maps, reports)
    lines.append(
        "next: landbank parcels list --category supplied_not_used; "
        "landbank parcels show CODE; landbank match --project 新能源装备制造项目; "
        "landbank export 台账.xlsx"
    )
    return lines


# the sample's figure files: (file, source) for each year
SAMPLE_FIGURES = (("tax", "xlsx"), ("power", "csv"), ("statistics", "xlsx"),
                  ("ecology", "csv"), ("energy", "xlsx"), ("water", "csv"))  # fmt: skip
EVALUATED_YEAR = 2025


def _sample_enterprises(store: Store, folder: Path, reports: Path) -> list[str]:
    """Imports the sample's enterprises, leases and six offices' figures of 2024 and
    2025 (a vintage already current from the same file is not imported again, so a
    second run changes nothing), evaluates 2025 by enterprise (not kept twice), writes
    its ranked lists under reports/ and classifies again, so that the parcels in
    production of D firms are operating_below_standard with the firm in the reasons."""
    from landbank.db.enterprises import held_parcels
    from landbank.services.enterprises import import_enterprises, import_leases, vintage_list
    from landbank.services.evaluation import run_evaluation
    from landbank.services.evaluation_outputs import write_ranked_xlsx
    from landbank.services.figures import import_figures

    data = folder / "enterprises"
    firms = import_enterprises(store, data / "enterprises.xlsx", by="demo")
    leases = import_leases(store, data / "leases.xlsx", by="demo")
    lines = [
        f"enterprises: {firms['inserted']} new, {firms['updated']} updated; "
        f"{firms['holders']['linked_now']} parcels linked to their holder's credit code, "
        f"{len(firms['holders']['unmatched'])} holders not in the register; "
        f"leases: {leases['inserted']} new"
    ]
    current = {(v["source"], v["year"], v["file"]) for v in vintage_list(store) if v["current"]}
    imported = []
    for year in (EVALUATED_YEAR - 1, EVALUATED_YEAR):
        for source, suffix in SAMPLE_FIGURES:
            name = f"{source}_{year}.{suffix}"
            if (source, year, name) not in current:
                done = import_figures(store, data / name, source, year, by="demo")
                imported.append(f"{name} {done['rows']}")
    lines.append(f"figures (synthetic): {', '.join(imported) or 'all current already'}")
    run = run_evaluation(store, EVALUATED_YEAR, profile="zaozhuang", by="demo")
    reports.mkdir(parents=True, exist_ok=True)
    ranked = write_ranked_xlsx(run, reports / f"evaluation_{EVALUATED_YEAR}.xlsx")
    counts = "; ".join(
        f"{cohort_label(c)} " + " ".join(f"{g} {n}" for g, n in grades.items())
        for c, grades in run["summary"]["by_cohort"].items()
    )
    lines.append(
        f"per-mu evaluation {EVALUATED_YEAR} by enterprise ({run['rule_version']}): {counts}; "
        f"ranked lists: {ranked}"
    )
    classify_all(store, pd.Timestamp(REFERENCE), "zaozhuang", by="demo")
    d_firms = {e["credit_code"] for e in run["enterprises"] if e["grade"] == "D"}
    with store.read() as uow:
        held = held_parcels(uow)
    of_d = held[held["holder_credit_code"].isin(d_firms)]
    of_d = of_d[of_d["category"] == "operating_below_standard"]
    lines.append(
        f"  {len(d_firms)} firms graded D; {len(of_d)} of their parcels in production are "
        "operating_below_standard with the firm's grade in the reasons "
        "(landbank enterprises show CODE; landbank map --grades)"
    )
    return lines


def _sample_buildings(store: Store, folder: Path) -> list[str]:
    """Imports the sample idle buildings (an upsert) and their vacant floors (which
    replace the stored ones), so that a second run changes nothing; returns the lines."""
    from landbank.domain.buildings import BUILDING_STATES, state_label
    from landbank.services.buildings import list_buildings
    from landbank.services.import_buildings import import_buildings, import_vacancies

    path = folder / "buildings" / "zaozhuang_buildings.xlsx"
    built = import_buildings(store, path, profile="zaozhuang", upsert=True)
    vacant = import_vacancies(store, path)
    states = [b["state"] for b in list_buildings(store)]
    counts = ", ".join(f"{state_label(s)} {s}: {states.count(s)}" for s in BUILDING_STATES)
    return [
        f"{path.relative_to(folder.parent)} → {built['imported']} new, {built['updated']} "
        f"updated, {built['unchanged']} unchanged buildings; {vacant['inserted']} vacant "
        f"floors or units",
        f"  buildings: {counts}",
    ]


def _maps(store: Store, maps: Path) -> list[str]:
    """Writes the idle-land map and the disposal-progress map under maps/ (OpenStreetMap
    tiles where there is internet; the parcels draw without)."""
    from landbank.services.grade_maps import grade_map
    from landbank.services.parcel_maps import idle_land_map

    idle = idle_land_map(store, maps / "idle_land.html")
    progress = idle_land_map(store, maps / "disposal_progress.html", progress=True)
    grades = grade_map(store, maps / "grades.html")
    return [
        f"maps: {idle['file']}, {progress['file']}, {grades['file']} "
        "(open in a browser; work offline)"
    ]


SAMPLE_PROJECTS = {
    "new_energy_equipment.toml": "match_new_energy_equipment",
    "precision_parts_workshop.toml": "match_precision_parts_workshop",
}


def _sample_projects(store: Store, folder: Path, maps: Path, reports: Path) -> list[str]:
    """Stores the two sample projects (replacing them, so a second run changes nothing)
    and matches each as of the sample's day, writing its map and its Excel pack."""
    from landbank.services.matching import match
    from landbank.services.projects import add_project, read_requirement_file

    lines = []
    for name, stem in SAMPLE_PROJECTS.items():
        path = folder / "projects" / name
        add_project(store, path, by="demo", replace=True, profile="zaozhuang")
        req = read_requirement_file(path, "zaozhuang")
        found = match(
            store,
            req,
            top=5,
            today=REFERENCE,
            profile="zaozhuang",
            map_file=maps / f"{stem}.html",
            xlsx_file=reports / f"{stem}.xlsx",
        )
        best = found["candidates"][0] if found["candidates"] else None
        head = f"match {req.name}: {len(found['candidates'])} candidates"
        if best:
            area = (
                f"{best['area_mu']:.1f} mu" if "area_mu" in best else f"{best['area_m2']:,.0f} m²"
            )
            head += f", best {best['kind']} {'+'.join(best['codes'])} ({area}, {best['score']})"
        lines += [head, f"  map: {found['map']}; pack: {found['xlsx']}"]
    return lines


DEMO_STEPS = ["investigating", "determined", "plan_approved", "disposing", "disposed", "closed"]
# the act whose service moves a case into a state
ACT_OF_STATE = {"investigating": "investigation", "determined": "determination"}


# the day the demo's first determination is dated: its parcels are idle a year by then
DEMO_DETERMINED_ON = "2026-07-21"


def _lawful_sample(store: Store, parcels: list[dict], show_parcel) -> list[tuple[dict, bool]]:
    """Up to eight of ``parcels`` a case may be carried out on (each with whether the
    government caused it): the cause recorded, idle a full year by the demo's
    determination (and a land price for an enterprise-caused case's fee)."""
    import datetime as dt

    from landbank.domain.case import idle_start
    from landbank.domain.disposal import add_years

    day = dt.date.fromisoformat(DEMO_DETERMINED_ON)
    out = []
    for row in parcels:
        parcel = show_parcel(store, row["code"])
        dates = {k: _day(parcel.get(k)) for k in
                 ("agreed_start_on", "delivered_on", "started_on", "stopped_on")}  # fmt: skip
        since = idle_start(dates)
        cause = parcel.get("cause")
        if since is None or add_years(since, 1) > day or cause not in ("enterprise", "government"):
            continue
        if cause == "enterprise" and parcel.get("land_price_wan") is None:
            continue
        out.append((row, cause == "government"))
        if len(out) == 8:
            break
    return out


def _day(value):
    import datetime as dt

    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _serve_fee(store: Store, code: str, on, profile: str):
    """Serves the hearing notice announcing the fee on ``on`` and, the day after its
    request window passed with no request, issues and serves the fee decision; returns
    the decision and its day."""
    import datetime as dt

    from landbank.config import load_profile
    from landbank.domain.case import hearing_window_end
    from landbank.services.cases import issue, serve

    notice = issue(store, code, "hearing_notice", "demo", on=on, profile=profile, intend="fee")
    serve(store, notice["number"], on, "direct", "demo", profile=profile)
    prof = load_profile(profile)
    day = hearing_window_end({"served_on": on}, prof.calendar, prof.case) + dt.timedelta(days=1)
    fee = issue(store, code, "fee", "demo", on=day, profile=profile)
    serve(store, fee["number"], day, "direct", "demo", profile=profile)
    return fee, day


def _sample_disposals(store: Store, reports: Path) -> list[str]:
    """Opens disposals of a few idle parcels in various states (once: a parcel that
    already has one is left alone) and writes the progress ledger under reports/."""
    import datetime as dt

    profile = "zaozhuang"

    from landbank.errors import NotFoundError
    from landbank.services.cases import issue, record_payment, serve
    from landbank.services.disposal import advance, open_disposal, show_disposal
    from landbank.services.disposal_progress import progress_html, progress_ledger
    from landbank.services.parcels import list_parcels, show_parcel

    idle = _lawful_sample(store, list_parcels(store, category="supplied_not_used"), show_parcel)
    opened = 0
    for i, (parcel, government) in enumerate(idle):
        code = parcel["code"]
        try:
            show_disposal(store, code)
            continue
        except NotFoundError:
            pass
        open_disposal(
            store,
            code,
            "start_construction",
            "demo",
            planned_on=dt.date(2026, 9, 30),
            reason="sample disposal",
            on=dt.date(2026, 7, 1),
        )
        # the sample's government-caused cases: the plan changed (art. 8 item 2)
        cause_type = "plan_change" if government else None
        fee = None
        for j, to in enumerate(DEMO_STEPS[: i % 7]):
            on = dt.date(2026, 7, 1) + dt.timedelta(days=20 * j)
            if to in ACT_OF_STATE:  # the act served moves the case (令53 art. 5–10)
                kind = ACT_OF_STATE[to]
                act = issue(store, code, kind, "demo", on=on, profile=profile,
                            cause_type=cause_type if kind == "determination" else None)  # fmt: skip
                serve(store, act["number"], on, "direct", "demo", profile=profile)
                continue
            if to == "disposing" and government:
                later = on + dt.timedelta(days=180)
                act = issue(store, code, "agreement", "demo", on=on, profile=profile,
                            method="extend_deadline", new_start_on=later,
                            cause_type=cause_type)  # fmt: skip
                serve(store, act["number"], on, "direct", "demo", profile=profile)
            elif to == "disposing":  # the hearing notice, its window, the fee (art. 14–17)
                fee, on = _serve_fee(store, code, on, profile)
            if to == "closed" and fee is not None:
                record_payment(store, fee["number"], fee["amount_wan"], on, "demo",
                               receipt=f"DEMO-{i:03d}", profile=profile)  # fmt: skip
            advance(store, code, to, "demo", on=on)
        opened += 1
    reports.mkdir(parents=True, exist_ok=True)
    ledger = progress_ledger(store, reports / "progress_ledger.xlsx")
    page = progress_html(store, reports / "progress_report.html")
    return [
        f"disposals: {opened} opened in various states (landbank disposal due)",
        f"progress ledger: {ledger['file']}",
        f"progress report: {page['file']}",
    ]
