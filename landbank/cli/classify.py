"""The command line of classification: ``classify`` and ``import performance`` (the
per-parcel figures ``landbank evaluate --unit parcel`` grades).
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import (
    DefaultOpt,
    JsonOpt,
    app,
    handled,
    import_app,
    os_user,
    out,
    print_json,
    state,
)
from landbank.domain.categories import MISSING, UNCLASSIFIED, category_label


def missing_lines(summary: dict, lang: str) -> list[str]:
    """The unclassified parcels apart, and how many lack which field, in ``lang``."""
    zh = lang == "zh"
    lines = []
    n = summary["unclassified"]["count"]
    if n:
        key = "approved_on/supplied_on/started_on"
        lack = summary["missing"].get(key, 0)
        lines.append(
            f"未分类：{n} 宗（{MISSING[key]['zh']}：{lack} 宗）"
            if zh
            else f"unclassified: {n} (no {key}: {lack})"
        )
    late = summary["missing"].get("agreed_start_on", 0)
    if late:
        lines.append(
            f"{MISSING['agreed_start_on']['zh']}：{late} 宗"
            if zh
            else f"{MISSING['agreed_start_on']['en']}: {late}"
        )
    if n:
        lines.append(
            "查看：landbank parcels list --category unclassified"
            if zh
            else "see them: landbank parcels list --category unclassified"
        )
    return lines


@app.command()
@handled
def classify(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (default today).")] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    by: Annotated[str | None, typer.Option(help="Who runs it (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Derive every parcel's five-unused category as of a date, with reasons."""
    from landbank.services.classify import classify_all, parse_as_of

    summary = classify_all(state.store(), parse_as_of(as_of), profile, by=by or os_user())
    if as_json:
        keys = ("as_of", "profile", "by_category", "unclassified", "missing", "changed")
        print_json({k: summary[k] for k in keys})
        return
    districts = sorted({r["district"] or "—" for r in summary["by_district"]})
    table = Table(
        "category",
        *districts,
        "total",
        title=f"as of {summary['as_of']} ({summary['profile']}): count / mu",
    )
    rows = list(summary["by_category"].items())
    if summary["unclassified"]["count"]:
        rows.append((UNCLASSIFIED, summary["unclassified"]))
    for cat, total in rows:
        cells = []
        for d in districts:
            hit = next(
                (
                    r
                    for r in summary["by_district"]
                    if (r["district"] or "—") == d and r["category"] == cat
                ),
                None,
            )
            cells.append(f"{hit['count']} / {hit['area_mu']:.0f}" if hit else "")
        table.add_row(
            category_label(cat, state.lang), *cells, f"{total['count']} / {total['area_mu']:.0f}"
        )
    out.print(table)
    for line in missing_lines(summary, state.lang):
        out.print(line, markup=False, highlight=False)
    out.print(f"{summary['changed']} categories changed")


@import_app.command("performance")
@handled
def import_performance_cmd(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx: one row per parcel and year.")],
    layer: Annotated[str | None, typer.Option(help="Sheet of an .xlsx.")] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="CANONICAL=SOURCE column mapping; repeatable."),
    ] = None,
    default: DefaultOpt = None,
    dry_run: Annotated[bool, typer.Option(help="Check and report; write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import per-mu evaluation figures (tax, output, value added, energy, ...)."""
    from landbank.services.performance import import_performance

    result = import_performance(
        state.store(), file, layer, field, dry_run=dry_run, defaults=default
    )
    if as_json:
        print_json(result)
    else:
        out.print(
            f"{result['file']}: {result['rows']} rows for {result['years']}: "
            f"{result['new']} new, {result['replaced']} replaced"
        )
