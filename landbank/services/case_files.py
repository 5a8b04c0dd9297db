"""The files of idle-land cases: attachments read, checked and kept (evidence of a case
or of one of its acts), documents written out (with their PDF), the case file (案卷) as
a zip."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from landbank.config import Profile, load_profile
from landbank.db import attachments, cases, disposals, history
from landbank.db.store import Store, Unit
from landbank.domain import case as law
from landbank.domain.dates import local_day
from landbank.domain.rights import check_district, may_write
from landbank.errors import EnvironmentProblem, InputError, NotFoundError
from landbank.io.attachments import (
    PDF,
    TIFF,
    check_attachment,
    pdf_pages,
    plain_name,
    read_file,
)
from landbank.io.documents import pdfs_of, soffice, to_pdf

NOTE_MAX = 2000
# folders of the case file
DOCUMENTS, PROOFS, EVIDENCE = "01_文书", "02_送达回证", "03_证据"


def attachment_limit_bytes(profile: str | Profile | None = None) -> int:
    """The largest attachment the profile takes (``[case] attachment_max_mb``), in bytes."""
    return load_profile(profile).attachment_limit_bytes


def read_attachment(path: Path, profile: str | Profile | None = None) -> tuple[str, bytes, str]:
    """Reads and checks the file at ``path`` as an attachment: (file name, content,
    media type). Its type is read from its content (PDF, JPEG, PNG, TIFF, Word .docx),
    must match its name and open whole; at most the profile's ``attachment_max_mb``."""
    limit = attachment_limit_bytes(profile)
    content = read_file(Path(path), limit)
    return Path(path).name, content, check_attachment(Path(path).name, content, limit)


def attach(
    store: Store,
    code: str,
    filename: str,
    content: bytes,
    by: str,
    act_number: str | None = None,
    note: str | None = None,
    districts: tuple[str, ...] | None = None,
    profile: str | Profile | None = None,
) -> dict:
    """Keeps ``content`` (named ``filename``) as evidence of parcel ``code``'s newest
    case, or of its act numbered ``act_number`` (then of that act's case). The content
    is checked first (``check_attachment``); the same content twice is stored once and
    linked twice. The parcel's history records it. Returns the link: code, case_id,
    act_number, filename, media_type, sha256, size_bytes, link_id, and ``new_content``
    (False when the same bytes were kept already)."""
    if not by or not by.strip():
        raise InputError("--by is required: say who attaches the file")
    if len(by) > 128:
        raise InputError("--by: at most 128 characters")
    if note is not None and len(note) > NOTE_MAX:
        raise InputError(f"--note: at most {NOTE_MAX} characters")
    name = plain_name(filename)  # the one rule of names, as for an upload
    media = check_attachment(name, content, attachment_limit_bytes(profile))
    sha = hashlib.sha256(content).hexdigest()
    with store.write(by=by) as uow:
        parcel = disposals.subject(uow, code)
        if parcel is None or parcel["subject"] != "parcel":
            raise NotFoundError(
                f"parcel {code!r} is not in the database (see landbank parcels list)"
            )
        check_district(districts, parcel["district"], "parcel", code)
        act = None
        if act_number is not None:
            act = cases.act_by_number(uow, act_number)
            if act is None:
                raise NotFoundError(
                    f"--act {act_number}: no act has this number; see landbank case show {code}"
                )
            if act["parcel_code"] != code:
                raise InputError(
                    f"--act {act_number} is an act of parcel {act['parcel_code']}, not of {code}"
                )
            case_id = act["disposal_id"]
        else:
            case = cases.latest_case(uow, code)
            if case is None:
                raise NotFoundError(
                    f"parcel {code} has no case to attach to; open one with landbank case "
                    f"issue {code} investigation --by NAME"
                )
            case_id = case["id"]
        file_id, new = attachments.put_new(uow, sha, media, content)
        link_id = attachments.link(
            uow,
            {
                "attachment_id": file_id, "parcel_code": code, "disposal_id": case_id,
                "act_id": act["id"] if act else None, "role": "evidence", "filename": name,
                "note": note, "by": by, "at": uow.now,
            },
        )  # fmt: skip
        to = f" to {act_number}" if act_number else ""
        what = f"evidence {name} attached{to} ({len(content)} bytes, sha256 {sha[:12]})"
        history.append(uow, [{"parcel_code": code, "field": "case", "new_value": what,
                              "reason": note}])  # fmt: skip
    return {
        "code": code,
        "case_id": case_id,
        "act_number": act_number,
        "filename": name,
        "media_type": media,
        "sha256": sha,
        "size_bytes": len(content),
        "link_id": link_id,
        "new_content": new,
    }


def attach_file(
    store: Store,
    code: str,
    path: Path,
    by: str,
    act_number: str | None = None,
    note: str | None = None,
    districts: tuple[str, ...] | None = None,
    profile: str | Profile | None = None,
) -> dict:
    """``attach`` of the file at ``path`` (its size checked before it is read)."""
    content = read_file(Path(path), attachment_limit_bytes(profile))
    return attach(
        store, code, Path(path).name, content, by, act_number=act_number, note=note,
        districts=districts, profile=profile,
    )  # fmt: skip


def export_document(
    store: Store,
    number: str,
    folder: Path,
    pdf: bool = True,
    problems: list[str] | None = None,
    districts: tuple[str, ...] | None = None,
) -> list[Path]:
    """Writes act ``number``'s document into ``folder`` (made if missing) and, with
    ``pdf`` where LibreOffice is installed, its PDF: made once and kept in the case file
    when who asks may write the parcel's district (``districts``: a clerk's; None: every
    district; a viewer's empty tuple keeps nothing, the PDF is made for them alone).
    Returns the paths written. A PDF LibreOffice fails to make is an
    EnvironmentProblem, or, given a ``problems`` list, a line appended to it (the
    .docx stays written)."""
    from landbank.io.outputs import check_out_dir, write_error
    from landbank.services.cases import document, keep_file, safe_filename

    name, docx = document(store, number)
    check_out_dir(folder, make=True)
    paths = [folder / name]
    try:
        paths[0].write_bytes(docx)
    except OSError as exc:
        raise write_error(paths[0], exc, "--out-dir") from None
    if pdf and soffice() is not None:
        try:
            _, made = document(store, number, "pdf")
        except NotFoundError:
            try:
                made = to_pdf(docx)
            except EnvironmentProblem as exc:
                if problems is None:
                    raise
                problems.append(f"{number}: no PDF written ({exc})")
                return paths
            with store.write(by="landbank") as uow:
                act = cases.act_by_number(uow, number)
                parcel = disposals.subject(uow, act["parcel_code"]) or {}
                if may_write(districts, parcel.get("district")) and not attachments.links(
                    uow, act_id=act["id"], role="pdf"
                ):
                    keep_file(uow, made, PDF, f"{safe_filename(number)}.pdf", "pdf",
                              act["disposal_id"], act["id"], act["parcel_code"])  # fmt: skip
        paths.append(folder / f"{safe_filename(number)}.pdf")
        try:
            paths[1].write_bytes(made)
        except OSError as exc:
            raise write_error(paths[1], exc, "--out-dir") from None
    return paths


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def case_file(
    store: Store,
    code: str,
    out: Path | BinaryIO,
    profile: str | Profile | None = None,
    today: dt.date | None = None,
) -> dict:
    """Writes parcel ``code``'s newest case as a case file (案卷), a zip, to ``out`` (a
    path ending .zip, written whole or not at all, or a binary stream): every act's
    document and its PDF (made by LibreOffice where missing, and kept), the proofs of
    service, the evidence, ``00_卷内目录.xlsx`` and ``.html`` (序号, 文书名称, 文号, 日期,
    页数, 文件), ``history.csv`` (the parcel's events and the case's steps) and
    ``case.json`` (the case as ``landbank case show`` gives it). Returns code, case_id,
    file, entries, documents, pdfs_made, proofs, evidence, pages_known, notes."""
    prof = load_profile(profile)
    if isinstance(out, str | Path):
        out = Path(out)
        if out.suffix.lower() != ".zip":
            raise InputError(f"--out {out}: a case file is a zip; name it CODE.zip")
        from landbank.io.outputs import check_out_file

        check_out_file(out)  # before any PDF is made and kept
    with store.read() as uow:
        _case_of(uow, code)  # refuses a parcel without a case before any PDF is made
    made = _keep_missing_pdfs(store, code)
    notes = []
    if made is None:
        notes.append(
            "页数：LibreOffice 未安装，文书未生成 PDF，页数空缺 (pages: LibreOffice is not "
            "installed, so documents without a PDF have no page count; make setup installs it)"
        )
    if isinstance(out, Path):
        from landbank.io.files import atomic_path
        from landbank.io.outputs import write_error

        try:
            with atomic_path(out, suffix=".zip") as tmp:
                summary = _write_case_file(store, code, tmp, prof, today, notes)
        except OSError as exc:  # the folder refused the file meanwhile (full, read-only)
            raise write_error(out, exc) from None
    else:
        summary = _write_case_file(store, code, out, prof, today, notes)
    return {
        **summary,
        "file": str(out) if isinstance(out, Path) else None,
        "pdfs_made": made or 0,
        "pages_known": made is not None,
    }


def _case_of(uow: Unit, code: str) -> dict:
    """Parcel ``code``'s newest case; NotFoundError without one (or without the parcel)."""
    case = cases.latest_case(uow, code)
    if case is not None:
        return case
    if disposals.subject(uow, code) is None:
        raise NotFoundError(f"parcel {code!r} is not in the database (see landbank parcels list)")
    raise NotFoundError(
        f"parcel {code} has no case; open one with landbank case issue {code} investigation "
        "--by NAME"
    )


def _keep_missing_pdfs(store: Store, code: str) -> int | None:
    """Makes the PDF of each document of the case that has none (one LibreOffice run)
    and keeps it; returns how many were made, None where LibreOffice is not installed."""
    from landbank.services.cases import keep_file, safe_filename

    command = soffice()
    if command is None:
        return None
    with store.read() as uow:
        case = _case_of(uow, code)
        links = attachments.links(uow, disposal_id=case["id"])
        with_pdf = {f["act_id"] for f in links if f["role"] == "pdf"}
        latest = {f["act_id"]: f for f in links if f["role"] == "document" and f["act_id"]}
        missing = [f for act_id, f in latest.items() if act_id not in with_pdf]
        documents = [attachments.content(uow, f["attachment_id"]) for f in missing]
    if not missing:
        return 0
    pdfs = pdfs_of(documents, command)  # seconds: outside any transaction
    with store.write(by="landbank") as uow:
        acts = {a["id"]: a for a in cases.acts_of(uow, missing[0]["disposal_id"])}
        for f, pdf in zip(missing, pdfs, strict=True):
            if attachments.links(uow, act_id=f["act_id"], role="pdf"):
                continue  # another run kept one meanwhile
            act = acts[f["act_id"]]
            keep_file(uow, pdf, PDF, f"{safe_filename(act['number'] or str(act['id']))}.pdf", "pdf",
                  act["disposal_id"], act["id"], act["parcel_code"])  # fmt: skip
    return len(missing)


def _write_case_file(store: Store, code: str, out, prof: Profile, today, notes: list) -> dict:
    """Writes the zip in one read unit (one snapshot), each stored file fetched and
    written in turn, so at most one is held at a time; ``notes`` go under the index."""
    from landbank.io.case_file import CaseZip, history_csv, index_html, index_xlsx
    from landbank.services.cases import _show_case

    with store.read() as uow:
        case = _case_of(uow, code)
        acts = cases.acts_of(uow, case["id"])
        links = attachments.links(uow, disposal_id=case["id"])
        plan = _plan(acts, links)
        width = max(2, len(str(len(plan))))
        box = CaseZip(out, uow.now)
        try:
            rows = []
            for seq, (row, files) in enumerate(plan, start=1):
                row.seq = seq
                for folder, link in files:
                    content = attachments.content(uow, link["attachment_id"])
                    entry = box.name(folder, seq, width, link["filename"])
                    box.add(entry, content, link["media_type"])
                    row.files.append(entry)
                    if row.pages is None:
                        row.pages = _pages(content, link["media_type"])
                    del content
                rows.append(row)
            shown = _show_case(uow, code, prof, today or local_day(uow.now))
            steps = disposals.steps(uow, case["id"])
            events = history.load_events(uow, code)
            title = f"卷内目录 {code} 案件 #{case['id']}"
            notes = [*notes, *_notes(rows)]
            box.add("00_卷内目录.xlsx", index_xlsx(rows, title, notes))
            box.add("00_卷内目录.html", index_html(rows, title, notes))
            box.add("history.csv", history_csv(_history_rows(events, steps)))
            box.add("case.json", json.dumps(shown, ensure_ascii=False, indent=2).encode())
        finally:
            box.close()
    return {
        "code": code,
        "case_id": case["id"],
        "entries": box.names,
        "documents": sum(1 for a in acts if a["status"] != "recorded"),
        "proofs": sum(1 for f in links if f["role"] == "proof"),
        "evidence": sum(1 for f in links if f["role"] not in ("document", "pdf", "proof")),
        "notes": notes,
    }


def _plan(acts: list[dict], links: list[dict]):
    """The index rows in order, each with the (folder, link) of its files: per act its
    document (the newest .docx and PDF kept), then its proofs of service; then the
    evidence, oldest first."""
    from landbank.io.case_file import IndexRow

    plan = []
    for act in acts:
        own = [f for f in links if f["act_id"] == act["id"]]
        kept = [f for f in own if f["role"] in ("document", "pdf")]
        newest = {f["role"]: f for f in kept}  # links come oldest first
        title = law.kind_label(act["kind"])
        if act["status"] == "voided":
            title += "（已作废 voided）"
        elif not newest:
            title += "（纸质，未入库 on paper, not in landbank）"
        files = [(DOCUMENTS, newest[r]) for r in ("document", "pdf") if r in newest]
        plan.append((IndexRow(0, title, act["number"], act["issued_on"]), files))
        for proof in (f for f in own if f["role"] == "proof"):
            plan.append(
                (
                    IndexRow(0, f"送达回证 proof of service：{law.kind_label(act['kind'])}",
                             act["number"], act["served_on"]),
                    [(PROOFS, proof)],
                )
            )  # fmt: skip
    numbers = {a["id"]: a["number"] for a in acts}
    for f in links:
        if f["role"] in ("document", "pdf", "proof"):
            continue
        title = f"证据 evidence：{f['filename']}" + (f"（{f['note']}）" if f["note"] else "")
        on = local_day(f["at"]) if f["at"] is not None else None
        plan.append((IndexRow(0, title, numbers.get(f["act_id"]), on), [(EVIDENCE, f)]))
    return plan


def _pages(content: bytes, media_type: str) -> int | None:
    """Pages of a stored file: a PDF's from pypdf, a TIFF's frames, 1 for another
    image, None for a Word file (its pages are known only once it is laid out)."""
    if media_type == PDF:
        try:
            return pdf_pages(content)
        except Exception:  # kept before the checks, or damaged since: no count
            return None
    if media_type == TIFF:
        import io

        from PIL import Image

        try:
            with Image.open(io.BytesIO(content)) as im:
                return getattr(im, "n_frames", 1)
        except Exception:
            return None
    if media_type.startswith("image/"):
        return 1
    return None


def _notes(rows) -> list[str]:
    unknown = [str(r.seq) for r in rows if r.pages is None and r.files]
    if not unknown:
        return []
    return [f"页数空缺 (pages unknown): 序号 {', '.join(unknown)}: no PDF of the file"]


def _utc(moment) -> pd.Timestamp | None:
    """A stored moment in UTC (a naive one is UTC: SpatiaLite keeps times as text)."""
    if moment is None:
        return None
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _history_rows(events: list[dict], steps) -> list[dict]:
    """The parcel's events and the case's steps as one history, by the moment each was
    recorded (a step before the events its unit of work wrote beside it)."""
    rows = [
        (_utc(s["at"]), 0, {
            "on": s["on"].isoformat() if s["on"] else None, "source": "disposal_step",
            "what": s["action"], "old_value": s["from_state"], "new_value": s["to_state"],
            "by": s["by"], "note": s["note"], "number": s["doc"],
        })
        for s in steps
    ]  # fmt: skip
    rows += [
        (_utc(e["at"]), 1, {
            "on": None, "source": "parcel_event", "what": e["field"],
            "old_value": e["old_value"], "new_value": e["new_value"], "by": e["by"],
            "note": e["reason"], "number": None,
        })
        for e in events
    ]  # fmt: skip
    least = pd.Timestamp.min.tz_localize("UTC")
    rows.sort(key=lambda r: (r[0] if r[0] is not None else least, r[1]))
    return [
        {"at": at.isoformat(timespec="seconds") if at is not None else None, **row}
        for at, _, row in rows
    ]
