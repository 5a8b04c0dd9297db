"""The command line of reservations: ``reserve``, ``release`` and ``reservations``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import JsonOpt, app, err, handled, out, parse_date, print_json, state
from landbank.domain.reservations import reservation_label

CodesArg = Annotated[
    list[str],
    typer.Argument(
        help="Parcel codes (地块编号), floor or unit codes (BUILDING:F3, BUILDING:F3:301, "
        "BUILDING::301), or building codes (each vacant floor and unit of the building)."
    ),
]
ProjectOpt = Annotated[str, typer.Option(help="The project's name (landbank projects add).")]
ByOpt = Annotated[str, typer.Option(help="Who makes the change (kept in the history).")]
ReasonOpt = Annotated[str | None, typer.Option(help="Why (kept in the parcel's history).")]

HEADERS = {
    "zh": ("编号", "类型", "项目", "预留至", "经办人", "预留时间", "释放时间", "状态"),
    "en": ("code", "kind", "project", "until", "by", "at", "released", "state"),
}


@app.command("reserve")
@handled
def reserve_cmd(
    codes: CodesArg,
    project: ProjectOpt,
    by: ByOpt,
    until: Annotated[
        str | None,
        typer.Option(help="Last day held (YYYY-MM-DD); default: until released."),
    ] = None,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reserve parcels or floor space for a project: all or nothing. What is reserved
    leaves every other project's matches; what another project holds is refused."""
    from landbank.services.reservations import reserve

    result = reserve(state.store(), codes, project, parse_date(until, "--until"), by, reason=reason)
    if as_json:
        print_json(result)
        return
    for code in result["lapsed"]:
        err.print(f"note: the expired reservation of {code} was released", markup=False)
    held = "until released" if result["until"] is None else f"until {result['until']}"
    if state.lang == "zh":
        held = "直至释放" if result["until"] is None else f"至 {result['until']}"
        out.print(f"已为 {project} 预留 {len(result['reserved'])} 处（{held}）：", end="")
    else:
        out.print(f"reserved {len(result['reserved'])} for {project} {held}: ", end="")
    out.print(", ".join(result["reserved"]), markup=False, highlight=False)


@app.command("release")
@handled
def release_cmd(
    codes: CodesArg,
    project: ProjectOpt,
    by: ByOpt,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release what is reserved for a project: all or nothing."""
    from landbank.services.reservations import release

    result = release(state.store(), codes, project, by, reason=reason)
    if as_json:
        print_json(result)
        return
    if state.lang == "zh":
        out.print(f"已释放 {project} 预留的 {len(result['released'])} 处：", end="")
    else:
        out.print(f"released {len(result['released'])} held for {project}: ", end="")
    out.print(", ".join(result["released"]), markup=False, highlight=False)


@app.command("reservations")
@handled
def reservations_cmd(
    project: Annotated[str | None, typer.Option(help="Only this project's.")] = None,
    include_all: Annotated[
        bool, typer.Option("--all", help="Also released and expired reservations.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List reservations: by default those holding today."""
    from landbank.services.reservations import list_reservations

    items = list_reservations(state.store(), project=project, include_released=include_all)
    if as_json:
        print_json(items)
        return
    table = Table(*HEADERS[state.lang])
    for r in items:
        table.add_row(
            r["code"],
            reservation_label(r["kind"], state.lang),
            r["project"],
            r["until"] or "",
            r["by"],
            (r["at"] or "")[:19],
            (r["released_at"] or "")[:19],
            reservation_label(r["state"], state.lang),
        )
    out.print(table)
    out.print(f"{len(items)} 条预留" if state.lang == "zh" else f"{len(items)} reservations")
