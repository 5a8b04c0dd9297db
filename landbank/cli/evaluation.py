"""The command line of the per-mu evaluation: ``evaluate`` (by enterprise, from the
figures of several offices; by parcel, from one performance file, for a city that has
nothing else) and ``enterprises evaluations`` (the runs kept).
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.enterprises import enterprises_app
from landbank.cli.shell import JsonOpt, app, err, handled, os_user, out, print_json, state

UNITS = ("enterprise", "parcel")


@app.command()
@handled
def evaluate(
    year: Annotated[
        int | None, typer.Option(help="Year (default: the latest with figures).")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            help="enterprise (亩均 by credit code) or parcel (one performance file); "
            "default: enterprise once figures are imported."
        ),
    ] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    as_at: Annotated[
        str | None,
        typer.Option(
            "--as-at",
            help="Recompute from the data known then (a date or a run's data_as_at); "
            "nothing is kept.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Compute and show; keep nothing.")] = False,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Also write the ranked lists to this .xlsx.")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who runs it (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per-mu evaluation (亩均论英雄): grades A–D within each cohort, with reasons."""
    from landbank.services import evaluation as service

    if unit is not None and unit not in UNITS:
        raise typer.BadParameter(f"--unit {unit}: use enterprise or parcel")
    years = service.figure_years(state.store()) if unit != "parcel" else []
    if unit == "parcel" or (unit is None and not years):
        if as_at or dry_run or xlsx:
            raise typer.BadParameter("--as-at, --dry-run and --xlsx are for --unit enterprise")
        _by_parcel(year, profile, as_json)
        return
    if year is None:
        if not years:
            raise typer.BadParameter(
                "no figures; import them first with "
                "landbank import figures FILE --source tax --year YYYY"
            )
        year = years[-1]
    if xlsx is not None:
        from landbank.services.evaluation_outputs import check_xlsx_path

        check_xlsx_path(xlsx)  # before a run is kept: a bad path keeps nothing
    result = service.run_evaluation(
        state.store(),
        year,
        profile=profile,
        by=by or os_user(),
        as_at=service.parse_as_at(as_at),
        keep=not dry_run,
    )
    if xlsx is not None:
        from landbank.services.evaluation_outputs import write_ranked_xlsx

        write_ranked_xlsx(result, xlsx)
    if as_json:
        print_json(result)
        return
    _print_run(result, xlsx)


def _print_run(result: dict, xlsx: Path | None) -> None:
    zh = state.lang == "zh"
    if result["kept"]:
        fate = f"kept as evaluation #{result['evaluation_id']}"
    elif result["unchanged"]:
        fate = f"same data and rules as evaluation #{result['evaluation_id']}: not kept again"
    else:
        fate = "not kept"
    out.print(
        f"{result['year']} by enterprise, rules {result['rule_version']}, data as at "
        f"{result['data_as_at'][:19]}: {fate}",
        markup=False,
        highlight=False,
    )
    summary = result["summary"]
    table = Table("cohort", "A", "B", "C", "D", title="graded")
    for cohort, counts in summary["by_cohort"].items():
        table.add_row(cohort, *(str(counts[g]) for g in "ABCD"))
    out.print(table)
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_status"].items()))
    out.print(f"{summary['enterprises']} enterprises: {statuses}", markup=False, highlight=False)
    listed = [e for e in result["enterprises"] if e["grade"] == "D" or e["status"] == "incomplete"]
    if listed:
        table = Table("credit code", "name", "cohort", "land mu", "score", "grade", "why")
        for e in listed[:50]:
            if e["grade"] == "D":
                low = sorted(e["components"], key=lambda c: c["contribution"] - c["weight"])[:2]
                why = "; ".join(
                    f"{c['zh' if zh else 'en']} {_num(c['value'])} / {_num(c['benchmark'])}"
                    for c in low
                )
            else:
                why = ("缺数据：" if zh else "missing: ") + ", ".join(e["missing"])
            table.add_row(
                e["credit_code"], e["name"] or "", e["cohort_zh"] if zh else e["cohort"] or "",
                f"{e['land_mu']:.2f}", _num(e["score"]), e["grade"] or e["status"], why,
            )  # fmt: skip
        out.print(table)
    if xlsx is not None:
        out.print(f"ranked lists: {xlsx}", markup=False, highlight=False)
    if result["kept"]:
        err.print(
            "parcels of D firms become operating_below_standard at the next: landbank classify",
            markup=False,
            highlight=False,
        )


def _num(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def _by_parcel(year: int | None, profile: str | None, as_json: bool) -> None:
    """The per-parcel evaluation from the performance file."""
    from landbank.services.classify import evaluate as run

    result = run(state.store(), year, profile)
    if as_json:
        print_json(result)
        return
    grades = ", ".join(f"{g} {n}" for g, n in result["grades"].items())
    out.print(f"{result['year']} ({result['profile']}): {result['rated']} firms; {grades}")
    table = Table(
        "code", "name", "grade", "tax/mu", "output/mu", "invest/mu", "below standard",
        title="below standard",
    )  # fmt: skip
    for p in result["parcels"]:
        if p["below_standard"]:
            why = "; ".join(r[f"text_{state.lang}"] for r in p["reasons"])
            table.add_row(
                p["code"], p["name"] or "", p["grade"] or "", _fmt(p["tax_wan_per_mu"]),
                _fmt(p["output_wan_per_mu"]), _fmt(p["investment_wan_per_mu"]), why,
            )  # fmt: skip
    out.print(table)


def _fmt(value) -> str:
    return "" if value is None else f"{value:.1f}"


@enterprises_app.command("evaluations")
@handled
def evaluations_cmd(
    year: Annotated[int | None, typer.Option(help="Only this year's runs.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The evaluation runs kept: year, rules, the moment of their data, who, whether current."""
    from landbank.services.evaluation import list_runs

    found = list_runs(state.store(), year)
    if as_json:
        print_json(found)
        return
    table = Table("id", "year", "rules", "data as at", "by", "at", "current", "graded")
    for r in found:
        graded = sum(sum(c.values()) for c in (r["by_cohort"] or {}).values())
        table.add_row(
            str(r["id"]), str(r["year"]), r["rule_version"], r["data_as_at"][:19], r["by"],
            r["at"][:19], "yes" if r["current"] else f"replaced {r['replaced_at'][:19]}",
            str(graded),
        )  # fmt: skip
    out.print(table)
