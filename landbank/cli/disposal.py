"""The command line of disposal (处置): ``disposal open|advance|block|unblock|show|due``
and ``progress``.
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
    disposal_app,
    err,
    handled,
    out,
    parse_date,
    print_json,
    state,
)

ByOpt = Annotated[str, typer.Option(help="Who records the step.")]
DocOpt = Annotated[str | None, typer.Option(help="Document reference, e.g. a letter number.")]
OnOpt = Annotated[str | None, typer.Option("--on", help="Date of the step (default today).")]


def _print_disposal(result: dict, as_json: bool) -> None:
    from landbank.domain.disposal import deadline_label

    if as_json:
        print_json(result)
        return
    for d in result["disposals"]:
        zh = state.lang == "zh"
        out.print(
            f"{result['code']} #{d['id']}: {d['state_zh'] if zh else d['state']}, "
            f"{d['method_zh'] if zh else d['method']}"
            + (", building activation (盘活)" if d["subject"] == "building" else "")
            + (f", cause {d['cause']}" if d["cause"] else "")
            + (f", {d['area_mu']:.2f} mu" if d["area_mu"] is not None else "")
            + (f", idle fee {d['idle_fee_wan']} 万元" if d["idle_fee_wan"] is not None else "")
            + (f", blocked by {', '.join(d['blockers'])}" if d["blockers"] else "")
        )
        for dl in d["deadlines"]:
            out.print(
                f"  due {dl['due_on'] or '?'}: {deadline_label(dl['what'], state.lang)}"
                + (f" [{dl['act']}]" if dl.get("act") else "")
                + (" (overdue)" if dl["overdue"] else "")
                + (f" ({dl['note']})" if dl.get("note") else ""),
                markup=False,
            )
        for st in d["steps"]:
            out.print(
                f"  {st['on']} {st['action']} {st['from'] or ''}→{st['to'] or ''} "
                f"by {st['by']}"
                + (f" [{st['doc']}]" if st["doc"] else "")
                + (f": {st['note']}" if st["note"] else "")
            )


@disposal_app.command("open")
@handled
def disposal_open(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    method: Annotated[str, typer.Option(help="supply, reclaim, extend_deadline, ...")],
    by: ByOpt,
    cause: Annotated[str | None, typer.Option(help="government or enterprise.")] = None,
    planned: Annotated[str | None, typer.Option(help="Planned date (YYYY-MM-DD).")] = None,
    area_mu: Annotated[float | None, typer.Option(help="Area disposed (default all).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open the disposal of a parcel, or the activation of a vacant building (method
    transfer or other), in state suspected."""
    from landbank.services.disposal import open_disposal

    result = open_disposal(
        state.store(),
        code,
        method,
        by,
        cause=cause,
        planned_on=parse_date(planned, "--planned"),
        area_mu=area_mu,
        reason=reason,
        on=parse_date(on, "--on"),
    )
    _print_disposal(result, as_json)


@disposal_app.command("advance")
@handled
def disposal_advance(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    to: Annotated[str, typer.Option("--to", help="Next state.")],
    by: ByOpt,
    on: OnOpt = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a parcel's open disposal to its next state."""
    from landbank.services.disposal import advance

    _print_disposal(
        advance(state.store(), code, to, by, on=parse_date(on, "--on"), note=note, doc=doc), as_json
    )


def _blocker(code: str, kind: str, blocked: bool, by: str, note, doc, on, as_json) -> None:
    from landbank.services.disposal import set_blocker

    _print_disposal(
        set_blocker(
            state.store(), code, kind, blocked, by, note=note, doc=doc, on=parse_date(on, "--on")
        ),
        as_json,
    )


KindOpt = Annotated[str, typer.Option(help="mortgage, seizure or dispute.")]
NoteOpt = Annotated[str | None, typer.Option(help="A note for the record.")]


@disposal_app.command("block")
@handled
def disposal_block(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    kind: KindOpt,
    by: ByOpt,
    note: NoteOpt = None,
    doc: DocOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a mortgage, court seizure or dispute that holds the disposal up."""
    _blocker(code, kind, True, by, note, doc, on, as_json)


@disposal_app.command("unblock")
@handled
def disposal_unblock(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    kind: KindOpt,
    by: ByOpt,
    note: NoteOpt = None,
    doc: DocOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Clear a blocker."""
    _blocker(code, kind, False, by, note, doc, on, as_json)


@disposal_app.command("show")
@handled
def disposal_show(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    as_json: JsonOpt = False,
) -> None:
    """A parcel's disposals: state, method, cause, deadlines, idle fee, blockers, steps."""
    from landbank.services.disposal import show_disposal

    _print_disposal(show_disposal(state.store(), code), as_json)


@disposal_app.command("due")
@handled
def disposal_due(
    within: Annotated[int, typer.Option(help="Days ahead.")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """What falls due within the coming days, or is overdue, soonest first."""
    from landbank.domain import disposal as wf
    from landbank.services.disposal import due

    items = due(state.store(), within)
    if as_json:
        print_json(items)
        return
    table = Table("due", "code", "state", "method", "what")
    for d in items:
        table.add_row(
            d["due_on"] + (" !" if d["overdue"] else ""),
            d["code"],
            wf.state_label(d["state"], state.lang),
            wf.method_label(d["method"], state.lang),
            wf.deadline_label(d["what"], state.lang),
        )
    out.print(table)


@app.command()
@handled
def progress(
    by: Annotated[str, typer.Option(help="district, park, category, method or month.")] = (
        "district"
    ),
    date_from: Annotated[str | None, typer.Option("--from", help="Disposed on or after.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Disposed on or before.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the Excel ledger (台账).")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Disposal progress per group: identified and disposed land, rate, states, overdue."""
    from landbank.services.disposal_progress import progress as run
    from landbank.services.disposal_progress import progress_ledger

    rows = run(state.store(), by, parse_date(date_from, "--from"), parse_date(date_to, "--to"))
    if xlsx is not None:
        written = progress_ledger(
            state.store(),
            xlsx,
            by,
            parse_date(date_from, "--from"),
            parse_date(date_to, "--to"),
            state.lang,
        )
        err.print(f"ledger: {written['file']}", markup=False, highlight=False)
    if html is not None:
        from landbank.services.disposal_progress import progress_html

        written = progress_html(
            state.store(),
            html,
            None,
            parse_date(date_from, "--from"),
            parse_date(date_to, "--to"),
            state.lang,
        )
        err.print(f"report: {written['file']}", markup=False, highlight=False)
    if as_json:
        print_json(rows)
        return
    table = Table(
        by,
        "identified",
        "mu",
        "disposed",
        "mu",
        "rate",
        "overdue",
        *(["supply rate"] if by == "district" else []),
        "unclassified",
    )
    for r in rows:
        rate = "" if r["rate"] is None else f"{r['rate']:.1%}"
        extra = []
        if by == "district":
            extra = ["" if r.get("supply_rate") is None else f"{r['supply_rate']:.1%}"]
        table.add_row(
            str(r["group"]),
            str(r["identified_count"]),
            f"{r['identified_area_mu']:.1f}",
            str(r["disposed_count"]),
            f"{r['disposed_area_mu']:.1f}",
            rate,
            str(r["overdue"]),
            *extra,
            str(r["unclassified_count"]),
        )
    out.print(table)
