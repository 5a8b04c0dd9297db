"""The command line of the idle-land case (闲置土地处置, 令53 art. 8–18): ``case
issue|serve|hearing|pay|deregister|void|show|numbers``. Parse arguments, call a
service, print. Registered on the app of ``landbank.cli.shell`` when ``landbank.cli``
imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landbank.cli.shell import (
    JsonOpt,
    app,
    err,
    handled,
    os_user,
    out,
    parse_date,
    print_json,
    state,
)

case_app = typer.Typer(
    no_args_is_help=True,
    help="Carry out the idle-land case (闲置土地): documents, numbers, service, deadlines.",
)
app.add_typer(case_app, name="case")

ByOpt = Annotated[str | None, typer.Option(help="Who acts (default: your login name).")]
ProfileOpt = Annotated[str | None, typer.Option(help="City profile name or TOML file.")]
NumberArg = Annotated[str, typer.Argument(help="The act's number (文号).")]


# the words of the case table, zh and en
WORDS = {
    "case": ("案件", "case"),
    "state": ("状态", "state"),
    "method": ("处置方式", "method"),
    "cause": ("闲置原因", "cause"),
    "number": ("文号", "number"),
    "document": ("文书", "document"),
    "issued_on": ("签发日期", "issued"),
    "served_on": ("送达日期", "served"),
    "deadlines": ("期限", "deadlines"),
    "not_served": ("未送达", "not served"),
    "recorded": ("（纸质，已登记）", "(on paper, recorded)"),
    "voided": ("已作废", "voided"),
    "met": ("已于", "met"),
    "overdue": ("逾期", "overdue"),
    "unknown": ("日期未知", "unknown"),
    "evidence": ("证据", "evidence"),
    "government": ("政府原因", "government"),
    "enterprise": ("企业原因", "enterprise"),
}


def _word(key: str) -> str:
    return WORDS[key][0 if state.lang == "zh" else 1]


def _print_case(result: dict, as_json: bool) -> None:
    """``result`` of a case service: one JSON document with ``--json``, else a header
    and a table of its acts (number, document, issued, served, deadlines) in --lang."""
    from rich.table import Table
    from rich.text import Text

    from landbank.domain.case import deadline_label
    from landbank.domain.disposal import method_label, state_label

    if as_json:
        print_json(result)
        return
    lang = state.lang
    cause = _word(result["cause"]) if result["cause"] in WORDS else result["cause"]
    out.print(
        f"{result['code']} {_word('case')} #{result['case_id']}: "
        f"{_word('state')} {state_label(result['state'], lang)}, "
        f"{_word('method')} {method_label(result['method'], lang)}"
        + (f", {_word('cause')} {cause}" if cause else ""),
        markup=False,
    )
    table = Table(*(_word(k) for k in ("number", "document", "issued_on", "served_on")),
                  _word("deadlines"))  # fmt: skip
    for act in result["acts"]:
        number = act["number"] or _word("recorded")
        if act["status"] == "voided":
            number += f" ({_word('voided')} {act.get('voided_on') or ''})"
        kind = act["kind_zh"] if lang == "zh" else act["kind"]
        lines = []
        for d in act["deadlines"]:
            what = deadline_label(d["what"], lang)
            if d["met_on"]:
                lines.append(
                    f"{what}: {d['due_on'] or _word('unknown')} ({_word('met')} {d['met_on']})"
                )
            elif d["due_on"] is None:
                lines.append(f"{what}: {_word('unknown')} ({d.get('note')})")
            else:
                late = f" ({_word('overdue')})" if d["overdue"] else ""
                lines.append(f"{what}: {d['due_on']}{late}")
        cells = (number, kind, act["issued_on"], act["served_on"] or _word("not_served"),
                 "\n".join(lines))  # fmt: skip
        table.add_row(*(Text(c) for c in cells))  # plain text: a note may hold [brackets]
    out.print(table)
    for f in result["evidence"]:
        out.print(f"{_word('evidence')}: {f['filename']} ({f['size_bytes']} bytes)", markup=False)


def _write(number: str, folder: Path, pdf: bool, problems: list[str] | None = None) -> list[Path]:
    """Writes act ``number``'s document (and its PDF) into ``folder``; returns the paths."""
    from landbank.services.case_files import export_document

    return export_document(state.store(), number, folder, pdf=pdf, problems=problems)


def _again(number: str, folder: Path, pdf: bool) -> str:
    """The command that writes act ``number``'s document again."""
    import shlex

    return f"landbank case document {shlex.quote(number)} --out-dir {shlex.quote(str(folder))}" + (
        "" if pdf else " --no-pdf"
    )


@case_app.command("issue")
@handled
def case_issue(
    code: Annotated[str, typer.Argument(help="Parcel code.")],
    kind: Annotated[
        str,
        typer.Argument(
            help="investigation, determination, hearing_notice, fee, recovery or agreement."
        ),
    ],
    on: Annotated[str | None, typer.Option("--on", help="Date of the act (default today).")] = None,
    by: ByOpt = None,
    method: Annotated[
        str | None, typer.Option(help="An agreement's method: extend_deadline, change_use, …")
    ] = None,
    new_start: Annotated[
        str | None, typer.Option("--new-start", help="An agreement's new start deadline.")
    ] = None,
    cause_type: Annotated[
        str | None,
        typer.Option(
            "--cause-type",
            help="A government cause's kind (art. 8) for a determination or agreement: "
            "late_delivery, plan_change, policy, petition, military_heritage, "
            "other_government, force_majeure.",
        ),
    ] = None,
    intend: Annotated[
        str | None,
        typer.Option("--intend", help="A hearing notice's intended decision: fee or recovery."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder the document is written to.")
    ] = Path("documents"),
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also a PDF, where LibreOffice is installed.")
    ] = True,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue an act's document: its number (文号), filled from the parcel, the case and
    the profile. On a parcel with no open case, the investigation notice opens one."""
    from landbank.errors import LandbankError
    from landbank.io.outputs import check_out_dir
    from landbank.services.cases import issue

    check_out_dir(out_dir)  # before the act is issued: a bad folder issues nothing
    act = issue(
        state.store(), code, kind, by or os_user(), on=parse_date(on, "--on"), profile=profile,
        method=method, new_start_on=parse_date(new_start, "--new-start"), note=note,
        cause_type=cause_type, intend=intend,
    )  # fmt: skip
    # the act is kept from here on: a failure to write its file is a warning, not an error
    problems: list[str] = []
    try:
        paths = _write(act["number"], out_dir, pdf, problems)
    except (LandbankError, OSError) as exc:
        paths = []
        problems.append(f"{act['number']}: its document was not written ({exc})")
    if problems:
        again = _again(act["number"], out_dir, pdf)
        problems[-1] += f"; the act is issued and kept: write it again with {again}"
    if as_json:
        print_json({**act, "paths": [str(p) for p in paths], "problems": problems})
    else:
        out.print(
            f"{act['number']} {act['kind_zh']}: {paths[0] if paths else '(not written)'}",
            markup=False,
        )
        for extra in paths[1:]:
            out.print(f"  {extra}", markup=False)
    for warning in [*act["warnings"], *problems]:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


@case_app.command("serve")
@handled
def case_serve(
    number: NumberArg,
    on: Annotated[str, typer.Option("--on", help="Date of service (送达).")],
    method: Annotated[str, typer.Option(help="direct, left, post or public.")],
    to: Annotated[str | None, typer.Option(help="Who received it (default the holder).")] = None,
    proof: Annotated[
        Path | None, typer.Option(help="Proof of service (送达回证): PDF, JPEG, PNG, TIFF, .docx.")
    ] = None,
    by: ByOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record how and when an act was served; its deadlines run from that day."""
    from landbank.services.case_files import read_attachment
    from landbank.services.cases import serve

    held = read_attachment(proof, profile) if proof is not None else None
    result = serve(
        state.store(), number, parse_date(on, "--on"), method, by or os_user(), to=to,
        profile=profile, proof=held,
    )  # fmt: skip
    _print_case(result, as_json)


@case_app.command("hearing")
@handled
def case_hearing(
    number: Annotated[str, typer.Argument(help="The hearing notice's number.")],
    requested_on: Annotated[
        str | None, typer.Option("--requested-on", help="The day the holder asked.")
    ] = None,
    held_on: Annotated[str | None, typer.Option("--held-on", help="The hearing's day.")] = None,
    outcome: Annotated[str | None, typer.Option(help="What the hearing concluded.")] = None,
    by: ByOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that the holder asked for a hearing, or that it was held."""
    from landbank.services.cases import record_hearing

    result = record_hearing(
        state.store(), number, by or os_user(),
        requested_on=parse_date(requested_on, "--requested-on"),
        held_on=parse_date(held_on, "--held-on"), outcome=outcome, profile=profile,
    )  # fmt: skip
    _print_case(result, as_json)


@case_app.command("pay")
@handled
def case_pay(
    number: Annotated[str, typer.Argument(help="The fee decision's number.")],
    amount_wan: Annotated[float, typer.Option("--amount-wan", help="Amount paid, 万元.")],
    on: Annotated[str, typer.Option("--on", help="Day of payment.")],
    receipt: Annotated[str, typer.Option(help="The receipt's number (required).")] = "",
    by: ByOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the payment of the idle fee."""
    from landbank.services.cases import record_payment

    result = record_payment(
        state.store(), number, amount_wan, parse_date(on, "--on"), by or os_user(),
        receipt=receipt, profile=profile,
    )  # fmt: skip
    _print_case(result, as_json)


@case_app.command("deregister")
@handled
def case_deregister(
    number: Annotated[str, typer.Argument(help="The recovery decision's number.")],
    on: Annotated[str, typer.Option("--on", help="Day the land right was deregistered.")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    by: ByOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that the recovery is complete: the land right deregistered."""
    from landbank.services.cases import record_deregistration

    result = record_deregistration(
        state.store(), number, parse_date(on, "--on"), by or os_user(), note=note,
        profile=profile,
    )  # fmt: skip
    _print_case(result, as_json)


@case_app.command("void")
@handled
def case_void(
    number: NumberArg,
    reason: Annotated[str, typer.Option(help="Why the act is voided.")],
    on: Annotated[str | None, typer.Option("--on", help="Day voided (default today).")] = None,
    by: ByOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Void an act not yet served: its number stays voided and is listed."""
    from landbank.services.cases import void

    result = void(
        state.store(), number, by or os_user(), reason, on=parse_date(on, "--on"), profile=profile
    )
    _print_case(result, as_json)


@case_app.command("show")
@handled
def case_show(
    code: Annotated[str, typer.Argument(help="Parcel code.")],
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A parcel's case: its acts, their service and deadlines, its evidence."""
    from landbank.services.cases import show

    _print_case(show(state.store(), code, profile), as_json)


@case_app.command("numbers")
@handled
def case_numbers(
    year: Annotated[int | None, typer.Option(help="Only this year.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind of act.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The register of document numbers (文号), voided ones included."""
    from landbank.services.cases import numbers

    rows = numbers(state.store(), year, kind)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        voided = f" voided {r['voided_on']}: {r['void_reason']}" if r["status"] == "voided" else ""
        out.print(f"{r['number']}  {r['kind']}  {r['issued_on']}  {r['parcel_code']}{voided}",
                  markup=False)  # fmt: skip


@case_app.command("attach")
@handled
def case_attach(
    code: Annotated[str, typer.Argument(help="Parcel code.")],
    file: Annotated[Path, typer.Argument(help="PDF, JPEG, PNG, TIFF or Word .docx.")],
    act: Annotated[
        str | None, typer.Option("--act", help="The act (文号) the file belongs to.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="What the file shows.")] = None,
    by: ByOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Attach evidence (a photo, a scan, the holder's answer) to the parcel's case or
    to one of its acts; its type is read from its content."""
    from landbank.services.case_files import attach_file

    result = attach_file(
        state.store(), code, file, by or os_user(), act_number=act, note=note, profile=profile
    )
    if as_json:
        print_json(result)
        return
    kept = "kept" if result["new_content"] else "already kept, linked again"
    to = f" ({result['act_number']})" if result["act_number"] else ""
    out.print(
        f"{result['code']} case #{result['case_id']}{to}: {result['filename']} "
        f"{result['media_type']}, {result['size_bytes']} bytes, sha256 {result['sha256']} "
        f"[{kept}]",
        markup=False,
    )


@case_app.command("file")
@handled
def case_file_command(
    code: Annotated[str, typer.Argument(help="Parcel code.")],
    out_file: Annotated[Path, typer.Option("--out", help="The zip to write (CODE.zip).")],
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the case file (案卷) as a zip: index (卷内目录), documents and PDFs,
    proofs of service, evidence, history."""
    from landbank.services.case_files import case_file

    result = case_file(state.store(), code, out_file, profile=profile)
    if as_json:
        print_json(result)
        return
    out.print(
        f"{result['file']}: case #{result['case_id']} of {code}, {result['documents']} "
        f"documents, {result['proofs']} proofs of service, {result['evidence']} evidence, "
        f"{len(result['entries'])} files",
        markup=False,
    )
    for note in result["notes"]:
        err.print(f"note: {note}", markup=False)


@case_app.command("receipt")
@handled
def case_receipt(
    number: NumberArg,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="The .docx to write (default documents/NUMBER_送达回证.docx)."),
    ] = None,
    profile: ProfileOpt = None,
) -> None:
    """Write an act's proof of service (送达回证) to carry, fill and have signed."""
    from landbank.services.case_documents import receipt_filename, write_receipt

    if out_file is None:
        out_file = Path("documents") / receipt_filename(number)
        out_file.parent.mkdir(exist_ok=True)
    out.print(str(write_receipt(state.store(), number, out_file, profile)), markup=False)


@case_app.command("due")
@handled
def case_due(
    within: Annotated[int, typer.Option(help="Days ahead.")] = 30,
    district: Annotated[
        list[str] | None, typer.Option(help="Only this district (repeatable).")
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What the cases' acts make fall due within the coming days, and what is overdue,
    soonest first (deadlines counted on the official calendar from each service)."""
    from rich.table import Table

    from landbank.domain.case import deadline_label, kind_label
    from landbank.domain.disposal import state_label
    from landbank.services.case_due import due

    items = due(state.store(), within, tuple(district) if district else None, profile)
    if as_json:
        print_json(items)
        return
    zh = state.lang == "zh"
    table = Table(*(("到期", "地块", "行政区", "状态", "文号", "事项") if zh else
                    ("due", "code", "district", "state", "number", "what")))  # fmt: skip
    for d in items:
        when = d["due_on"] or ("未知" if zh else "unknown")
        table.add_row(
            when + (" !" if d["overdue"] else ""), d["code"], d["district"] or "",
            state_label(d["state"], state.lang), d["number"] or kind_label(d["kind"], state.lang),
            deadline_label(d["what"], state.lang),
        )  # fmt: skip
    out.print(table)


@case_app.command("public")
@handled
def case_public(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the list: an .xlsx or a .geojson file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The published list of idle land (闲置土地处置办法 art. 14): location, holder, idle
    period, and the cause when the government caused it; a disposed parcel leaves it."""
    from landbank.domain.case_lists import PUBLIC_KEYS, public_label
    from landbank.services.case_public import export_public, public_list

    if out_file is not None:
        written = export_public(state.store(), out_file)
        if as_json:
            print_json(written)
        else:
            out.print(f"{written['count']} parcels: {written['file']}", markup=False)
        return
    rows = public_list(state.store())
    if as_json:
        print_json(rows)
        return
    out.print("\t".join(public_label(k, state.lang) for k in PUBLIC_KEYS), markup=False)
    for r in rows:
        out.print("\t".join(str(r[k] or "") for k in PUBLIC_KEYS), markup=False)


@case_app.command("document")
@handled
def case_document(
    number: NumberArg,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder the document is written to.")
    ] = Path("documents"),
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also a PDF, where LibreOffice is installed.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Write a kept act's document (.docx, and its PDF) again, e.g. when it could not be
    written at its issue."""
    from landbank.io.outputs import check_out_dir

    check_out_dir(out_dir)
    paths = _write(number, out_dir, pdf)
    if as_json:
        print_json({"number": number, "paths": [str(p) for p in paths]})
        return
    for path in paths:
        out.print(str(path), markup=False)
