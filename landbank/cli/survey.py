"""The command line of field surveys (排摸): ``survey create|list|show|review``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperCommand

from landbank.cli.shell import (
    JsonOpt,
    app,
    handled,
    os_user,
    out,
    parse_date,
    print_json,
    state,
)
from landbank.domain import survey as sv
from landbank.errors import InputError

survey_app = typer.Typer(
    no_args_is_help=True,
    help="Field surveys (排摸): tasks for surveyors, their records reviewed before they count.",
)
app.add_typer(survey_app, name="survey")
MANY = ("--codes", "--buildings")


class ManyValues(TyperCommand):
    """A command whose ``--codes`` and ``--buildings`` take several values at once
    (``--codes A B C``): each value up to the next option is given to the option
    before it (as ``--codes A --codes B --codes C``)."""

    def parse_args(self, ctx, args):
        spread, option = [], None
        for arg in args:
            if arg.startswith("-"):
                option = arg if arg in MANY else None
                if option is None or spread[-1:] != [option]:
                    spread.append(arg)
                continue
            if option is not None and spread[-1] != option:
                spread.append(option)
            spread.append(arg)
        return super().parse_args(ctx, spread)


ByOpt = Annotated[str | None, typer.Option("--by", help="Who acts (default: the OS user).")]


@survey_app.command("create", cls=ManyValues)
@handled
def survey_create(
    name: Annotated[str, typer.Argument(help="The survey's name (an existing one gets tasks).")],
    assign: Annotated[str, typer.Option("--assign", help="The surveyor who gets the tasks.")],
    codes: Annotated[
        list[str] | None, typer.Option("--codes", help="Parcel codes: --codes A B C (or A,B).")
    ] = None,
    buildings: Annotated[
        list[str] | None,
        typer.Option("--buildings", help="Building codes: --buildings A B (or A,B)."),
    ] = None,
    filter_: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="KEY=VALUE choosing current parcels (district, park, category); repeatable.",
        ),
    ] = None,
    due: Annotated[str | None, typer.Option("--due", help="Due date, YYYY-MM-DD.")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give parcels and buildings to a surveyor as tasks of survey NAME."""
    from landbank.services.surveys import create_survey, parse_filters

    filters = parse_filters(filter_ or [])
    due_on = parse_date(due, "--due")
    done = create_survey(
        state.store(), name, assign, by or os_user(), codes, buildings, filters, due_on
    )
    if as_json:
        print_json(done)
        return
    verb = "created" if done["created"] else "extended"
    out.print(
        f"survey {done['survey']} {verb}: {done['added']} tasks for {assign}"
        + (f", due {done['due_on']}" if done["due_on"] else ""),
        markup=False,
    )


@survey_app.command("list")
@handled
def survey_list(as_json: JsonOpt = False) -> None:
    """List the surveys: due date, tasks by state."""
    from landbank.services.surveys import list_surveys

    found = list_surveys(state.store())
    if as_json:
        print_json(found)
        return
    table = Table("survey", "due", "tasks", *sv.TASK_STATES)
    for s in found:
        counts = [str(s["states"].get(k, 0)) for k in sv.TASK_STATES]
        table.add_row(s["survey"], s["due_on"] or "", str(s["tasks"]), *counts)
    out.print(table)


@survey_app.command("show")
@handled
def survey_show(
    name: Annotated[str, typer.Argument(help="The survey's name.")], as_json: JsonOpt = False
) -> None:
    """Show a survey's tasks (code, kind, assignee, state) and their records."""
    from landbank.services.surveys import show_survey

    shown = show_survey(state.store(), name)
    if as_json:
        print_json(shown)
        return
    lang = state.lang
    table = Table("code", "kind", "assignee", "state", "records", "note", title=name)
    for t in shown["tasks"]:
        table.add_row(
            t["code"],
            t["kind"],
            t["assignee"],
            sv.label(sv.TASK_STATES, t["state"], lang),
            _records(t["records"], lang),
            t["note"] or "",
        )
    out.print(table)


def _records(records: list[dict], lang: str) -> str:
    lines = []
    for r in records:
        values = r["values"]
        what = (
            sv.label(sv.SITE_STATUSES, values.get("site_status"), lang)
            if "site_status" in values
            else f"{sum(f['vacant_area_m2'] for f in values['floors']):.0f} m² vacant"
        )
        photos = ", ".join(
            f"{p['distance_m']} m" + (f" [{' '.join(p['flags'])}]" if p["flags"] else "")
            if p["distance_m"] is not None
            else "no GPS"
            for p in r["photos"]
        )
        state_ = sv.label(sv.RECORD_STATES, r["state"], lang)
        lines.append(f"#{r['record_id']} {state_} {what}" + (f" ({photos})" if photos else ""))
    return "\n".join(lines)


@survey_app.command("review")
@handled
def survey_review(
    name: Annotated[str, typer.Argument(help="The survey's name.")],
    accept: Annotated[
        str | None, typer.Option("--accept", help="Apply the submitted record of CODE.")
    ] = None,
    reject: Annotated[
        str | None, typer.Option("--reject", help="Send CODE's task back to its surveyor.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note to the surveyor.")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Without --accept or --reject: the review queue. With one: review CODE's record."""
    from landbank.services.surveys import review, review_queue

    if accept and reject:
        raise InputError("give --accept CODE or --reject CODE, not both")
    if not accept and not reject:
        queue = review_queue(state.store(), name)
        if as_json:
            print_json(queue)
            return
        table = Table("code", "kind", "assignee", "records", title=f"{name}: waiting for review")
        for t in queue:
            table.add_row(t["code"], t["kind"], t["assignee"], _records(t["records"], state.lang))
        out.print(table)
        return
    decision, code = ("accept", accept) if accept else ("reject", reject)
    done = review(state.store(), name, code, decision, by or os_user(), note)
    if as_json:
        print_json(done)
        return
    if decision == "accept":
        out.print(f"{done['kind']} {code}: accepted, applied {done['applied']}", markup=False)
    else:
        out.print(f"{done['kind']} {code}: rejected, the task is open again", markup=False)
