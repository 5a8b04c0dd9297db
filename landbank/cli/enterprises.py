"""The command line of enterprises (亩均效益评价 by enterprise): ``import enterprises``,
``import leases``, ``import figures`` and ``enterprises show|vintages``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import (
    JsonOpt,
    app,
    err,
    handled,
    import_app,
    os_user,
    out,
    print_json,
    state,
)

enterprises_app = typer.Typer(
    no_args_is_help=True,
    help="Enterprises of the per-mu evaluation (亩均论英雄): register, leases, figures.",
)
app.add_typer(enterprises_app, name="enterprises")

SheetOpt = Annotated[str | None, typer.Option("--layer", "--sheet", help="Sheet of an .xlsx.")]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option("--field", help="CANONICAL=SOURCE column mapping; repeatable."),
]
ByOpt = Annotated[str | None, typer.Option(help="Who imports (default: the OS user).")]
DryRunOpt = Annotated[bool, typer.Option(help="Check and report; write nothing.")]


def _notes(summary: dict) -> None:
    for w in summary.get("warnings", []):
        err.print(f"warning: {w}", markup=False, highlight=False)
    if summary.get("ignored_columns"):
        err.print(
            "note: columns not imported: " + ", ".join(map(str, summary["ignored_columns"])),
            markup=False,
            highlight=False,
        )


@import_app.command("enterprises")
@handled
def import_enterprises_cmd(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx: one row per enterprise.")],
    layer: SheetOpt = None,
    field: FieldOpt = None,
    by: ByOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import the enterprise register (统一社会信用代码, 企业名称, 规上/规下, 行业代码,
    行政区, 园区), then match the parcels' holders to it by name."""
    from landbank.services.enterprises import field_options, import_enterprises

    summary = import_enterprises(
        state.store(),
        file,
        sheet=layer,
        fields=field_options(field),
        by=by or os_user(),
        dry_run=dry_run,
    )
    if as_json:
        print_json(summary)
        return
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{summary['file']}: {summary['rows']} enterprises read, {verb} "
        f"{summary['inserted']}, updated {summary['updated']}, unchanged {summary['unchanged']}",
        markup=False,
    )
    _print_holders(summary["holders"])
    _notes(summary)


def _print_holders(h: dict) -> None:
    out.print(
        f"holders: {h['linked_now']} parcels linked now, {h['relinked']} linked to a new "
        f"holder, {h['already_linked']} linked before, "
        f"{h['unmatched_count']} with a holder no enterprise matches, "
        f"{h['without_holder']} without holder",
        markup=False,
    )
    if h["unmatched"]:
        table = Table("holder 土地使用权人", "parcels", title="holders not in the register")
        for u in h["unmatched"]:
            table.add_row(u["holder"], ", ".join(u["parcels"]))
        out.print(table)
    for d in h["linked_name_differs"]:
        err.print(
            f"note: parcel {d['parcel']}: holder {d['holder']} is not the register's name of "
            f"{d['credit_code']} ({d['name_registered']}); still linked to it: check which",
            markup=False,
            highlight=False,
        )
    for a in h["ambiguous"]:
        err.print(
            f"warning: {a['name']} is the name of {', '.join(a['credit_codes'])}: "
            "its parcels are not linked",
            markup=False,
            highlight=False,
        )


@enterprises_app.command("match-holders")
@handled
def match_holders_cmd(by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Link parcels whose holder (土地使用权人) is a registered enterprise's name (width
    and spaces folded) to its credit code; list the holders that match none."""
    from landbank.services.enterprises import link_holders

    found = link_holders(state.store(), by=by or os_user())
    if as_json:
        print_json(found)
        return
    _print_holders(found)


@import_app.command("leases")
@handled
def import_leases_cmd(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx: one row per lease.")],
    layer: SheetOpt = None,
    field: FieldOpt = None,
    by: ByOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import leases of land between enterprises (出租方, 承租方, 地块编号, 租赁面积,
    起租日期, 到期日期)."""
    from landbank.services.enterprises import field_options, import_leases

    summary = import_leases(
        state.store(),
        file,
        sheet=layer,
        fields=field_options(field),
        by=by or os_user(),
        dry_run=dry_run,
    )
    if as_json:
        print_json(summary)
        return
    verb = "would store" if dry_run else "stored"
    out.print(
        f"{summary['file']}: {summary['rows']} leases read, {verb} {summary['inserted']} new, "
        f"{summary['replaced']} replaced, {summary['unchanged']} unchanged",
        markup=False,
    )
    if summary["not_registered_count"]:
        err.print(
            f"note: {summary['not_registered_count']} credit codes are not in the register: "
            + ", ".join(summary["not_registered"][:10]),
            markup=False,
            highlight=False,
        )
    _notes(summary)


@import_app.command("figures")
@handled
def import_figures_cmd(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx: one row per enterprise.")],
    source: Annotated[
        str, typer.Option(help="The office: tax, power, statistics, ecology, energy, water.")
    ],
    year: Annotated[int, typer.Option(help="The year the figures are of.")],
    layer: SheetOpt = None,
    field: FieldOpt = None,
    by: ByOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import one office's figures of a year (units in the headers: 税收（元）,
    用电量（千瓦时）, ...), kept as a vintage; an earlier import of the same source and
    year is replaced and kept."""
    from landbank.services.enterprises import field_options
    from landbank.services.figures import import_figures

    summary = import_figures(
        state.store(),
        file,
        source,
        year,
        sheet=layer,
        fields=field_options(field),
        by=by or os_user(),
        dry_run=dry_run,
    )
    if as_json:
        print_json(summary)
        return
    units = ", ".join(f"{k} from {v}" for k, v in summary["units"].items())
    verb = "checked" if dry_run else f"stored as vintage {summary['vintage_id']}"
    out.print(
        f"{summary['file']}: {source} {year}, {summary['rows']} rows {verb} ({units})",
        markup=False,
    )
    old = summary["replaced_vintage"]
    if old:
        same = ", same content" if old["same_content"] else ""
        out.print(f"replaced vintage {old['id']} ({old['file']}{same}), kept", markup=False)
    if summary["unmatched_count"]:
        out.print(
            f"{summary['unmatched_count']} codes match no enterprise of the register (kept): "
            + ", ".join(f"{u['row']} {u['credit_code']}" for u in summary["unmatched"][:10]),
            markup=False,
        )
    if summary["names_differ_count"]:
        out.print(
            f"{summary['names_differ_count']} names differ from the register: "
            + "; ".join(
                f"{d['row']} {d['name_given']} (register: {d['name_registered']})"
                for d in summary["names_differ"][:10]
            ),
            markup=False,
        )
    _notes(summary)


@enterprises_app.command("show")
@handled
def show_cmd(
    code: Annotated[str, typer.Argument(help="The unified social credit code.")],
    as_json: JsonOpt = False,
) -> None:
    """One enterprise: register, parcels held, leases in and out, land by the rule,
    figures by year and source with their vintage (replaced ones too), its grade in
    every evaluation kept, the latest explained."""
    from landbank.services.evaluation_views import enterprise_view

    found = enterprise_view(state.store(), code)
    if as_json:
        print_json(found)
        return
    cohort = found["cohort_zh"] if state.lang == "zh" else found["cohort"]
    registered = "" if found["registered"] else " (not in the register)"
    out.print(
        f"{found['credit_code']} {found['name'] or ''}{registered}: {cohort or '—'}, "
        f"industry {found['industry'] or '—'}, {found['district'] or '—'} "
        f"{found['park'] or ''}",
        markup=False,
    )
    out.print(
        f"parcels held: {len(found['parcels'])} ({found['held_mu']:.2f} mu): "
        + ", ".join(p["code"] for p in found["parcels"]),
        markup=False,
    )
    for way, leases in found["leases"].items():
        for lease in leases:
            area = "whole" if lease["area_mu"] is None else f"{lease['area_mu']:.2f} mu"
            other = lease["lessor_code"] if way == "rented_in" else lease["lessee_code"]
            out.print(
                f"{way.replace('_', ' ')}: {lease['parcel_code']} {area} "
                f"{lease['from_on']}–{lease['to_on']} ({other})",
                markup=False,
            )
    if found["land_by_year"]:
        table = Table("year", "held mu", "rented in", "rented out", "land mu", title="land")
        for y in found["land_by_year"]:
            table.add_row(
                str(y["year"]),
                *(f"{y[k]:.2f}" for k in ("held_mu", "rented_in_mu", "rented_out_mu", "land_mu")),
            )
        out.print(table)
    table = Table("year", "source", "vintage", "file", "figures", title="figures")
    for f in found["figures"]:
        status = "" if f["current"] else " (replaced)"
        table.add_row(
            str(f["year"]),
            f["source"],
            f"{f['vintage_id']}{status}",
            f["file"],
            ", ".join(f"{k} {v:g}" for k, v in f["figures"].items()),
        )
    out.print(table)
    _print_grades(found)


def _print_grades(found: dict) -> None:
    """The grade history, then the latest grade explained and its policies."""
    if not found["grades"]:
        out.print("not evaluated yet: landbank evaluate --year YYYY", markup=False)
        return
    zh = state.lang == "zh"
    table = Table("year", "run", "grade", "score", "rank", "completeness", "rules", title="grades")
    for g in found["grades"]:
        rank = f"{g['rank']}/{g['cohort_rated']}" if g["rank"] is not None else ""
        table.add_row(
            str(g["year"]), f"#{g['evaluation_id']}" + ("" if g["current"] else " (replaced)"),
            g["grade"] or g[f"status_{'zh' if zh else 'en'}"],
            "" if g["score"] is None else f"{g['score']:.2f}", rank,
            f"{g['completeness']:.0%}", g["rule_version"],
        )  # fmt: skip
    out.print(table)
    latest = found["latest"]
    if latest is None:
        return
    table = Table("indicator", "value", "benchmark", "weight", "score", "most",
                  title=f"{latest['year']}: why {latest['grade'] or latest['status']}")  # fmt: skip
    for c in latest["components"]:
        value = "missing" if c["value"] is None else f"{c['value']:.2f}"
        value = "∞" if c["unbounded"] else value
        bench = "" if c["benchmark"] is None else f"{c['benchmark']:.2f}"
        capped = " (capped)" if c["capped"] else ""
        table.add_row(
            f"{c['zh' if zh else 'en']} ({c['unit']})", value, bench, f"{c['weight']:g}",
            f"{c['contribution']:.2f}{capped}", f"{c['most']:g}",
        )  # fmt: skip
    out.print(table)
    for p in latest["policies"]:
        amount = "" if p.get("amount_yuan") is None else f": {p['amount_yuan']:,.2f} yuan"
        note = f" ({p['note']})" if p.get("note") else ""
        out.print(f"policy: {p['zh' if zh else 'en']}{amount}{note}", markup=False)


@enterprises_app.command("vintages")
@handled
def vintages_cmd(as_json: JsonOpt = False) -> None:
    """Every import of figures (vintage): source, year, file, rows, who, when, and
    whether a later import replaced it."""
    from landbank.services.enterprises import vintage_list

    found = vintage_list(state.store())
    if as_json:
        print_json(found)
        return
    table = Table("id", "source", "year", "file", "rows", "by", "at", "replaced")
    for v in found:
        table.add_row(
            str(v["id"]),
            v["source"],
            str(v["year"]),
            v["file"],
            str(v["rows"]),
            v["by"],
            v["at"] or "",
            v["replaced_at"] or "",
        )
    out.print(table)
