"""The JSON API of the idle-land case under /api/v1, mirroring ``landbank case``: a
case, issuing an act, its service (with a proof file), the hearing, the payment, the
deregistration, voiding, evidence, the documents and the case file, and what falls due.
Reads need a signed-in user, writes a clerk or an admin; a clerk's districts are
checked inside the services' transactions. Act numbers (文号) hold 〔〕 and Chinese:
send them URL-encoded."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from landbank.domain.case import AGREEMENT_METHODS, KINDS, SERVICE_METHODS
from landbank.domain.rights import User
from landbank.errors import EnvironmentProblem, NotFoundError
from landbank.services import case_due
from landbank.services import cases as case_service
from landbank.services.case_uploads import checked_upload
from landbank.web.api_actions import Day, Text
from landbank.web.days import form_day
from landbank.web.deps import Service, api_user, api_writer, service
from landbank.web.responses import errors

router = APIRouter(responses=errors(401))

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
ZIP = "application/zip"
WRITE_ERRORS = errors(403, 404, 409, 413, 422)


def read_districts(user: User) -> tuple[str, ...] | None:
    """The districts whose cases ``user`` is shown in a list of work: a clerk's own (all
    when none are listed), everything for a viewer or an admin."""
    return user.districts if user.role == "clerk" and user.districts else None


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition of a download named ``filename`` (UTF-8, e.g. a 文号)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return {
        "Content-Disposition": f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    }


def _binary(media_type: str, what: str) -> dict:
    return {
        200: {
            "description": what,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


# ---- reads ----------------------------------------------------------------------------


@router.get("/cases/due", tags=["case"], responses=errors(422))
def cases_due(
    within: Annotated[int, Query(ge=0, le=case_due.MAX_DAYS, description="days ahead")] = 30,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> list[dict[str, Any]]:
    """What the cases' acts make fall due within the coming days, and what is overdue,
    soonest first (a clerk's districts only), as ``landbank case due --json``."""
    return case_due.due(svc.store, within, read_districts(user))


@router.get("/cases/{code}", tags=["case"], responses=errors(404, 422))
def show_case(
    code: str, user: User = Depends(api_user), svc: Service = Depends(service)
) -> dict[str, Any]:
    """The parcel's newest case as ``landbank case show --json``: its state, acts
    (number, kind, issued_on, served_on, deadlines, files) and evidence."""
    return case_service.show(svc.store, code)


@router.get(
    "/acts/{number}/document.docx",
    tags=["case"],
    response_class=Response,
    responses={**_binary(DOCX, "The act's document as issued"), **errors(404, 422)},
)
def act_docx(number: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """The act's document (.docx) as it was issued."""
    name, content = case_service.document(svc.store, number)
    return Response(content, media_type=DOCX, headers=attachment_headers(name))


@router.get(
    "/acts/{number}/document.pdf",
    tags=["case"],
    response_class=Response,
    responses={**_binary(PDF, "The act's document as PDF"), **errors(404, 422, 503)},
)
def act_pdf(number: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """The act's document as PDF: made once by LibreOffice and kept (503 where
    LibreOffice is not installed)."""
    name, content = act_pdf_bytes(svc, number, user)
    return Response(content, media_type=PDF, headers=attachment_headers(name))


def act_pdf_bytes(svc: Service, number: str, user: User) -> tuple[str, bytes]:
    """The file name and bytes of act ``number``'s PDF, made where missing: kept only
    when ``user`` may write the case's district (a GET by a viewer writes nothing)."""
    from landbank.io.documents import soffice
    from landbank.services.case_files import export_document

    try:
        return case_service.document(svc.store, number, "pdf")
    except NotFoundError:
        case_service.document(svc.store, number)  # 404 for a number no act has
    if soffice() is None:
        raise EnvironmentProblem(
            "LibreOffice is not installed on the server: no PDF can be made "
            "(make setup installs it); the .docx is there"
        )
    folder = Path(tempfile.mkdtemp(prefix="landbank-pdf-"))
    try:
        paths = export_document(svc.store, number, folder, pdf=True, districts=user.write_districts)
        return paths[-1].name, paths[-1].read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def case_file_response(svc: Service, code: str) -> FileResponse:
    """The case file (案卷) of parcel ``code`` as a zip download, written into a fresh
    temporary folder removed once sent."""
    from landbank.services import case_files

    case_service.show(svc.store, code)  # 404 before anything is written
    folder = Path(tempfile.mkdtemp(prefix="landbank-casefile-"))
    path = folder / "case.zip"
    try:
        case_files.case_file(svc.store, code, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=ZIP,
        headers=attachment_headers(f"案卷_{code}.zip"),
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(
    "/cases/{code}/file.zip",
    tags=["case"],
    response_class=FileResponse,
    responses={**_binary(ZIP, "The case file (案卷)"), **errors(404, 422, 503)},
)
def case_file(code: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """The case file (案卷) as a zip: its index (卷内目录), every document (docx and
    PDF), proofs of service, evidence and the case's history."""
    return case_file_response(svc, code)


# ---- writes ---------------------------------------------------------------------------


class ActIssue(BaseModel):
    kind: str = Field(max_length=32, description=", ".join(KINDS))
    on: Day = Field(default=None, description="date of the act (default today)")
    method: str | None = Field(
        default=None, max_length=32, description="an agreement's: " + ", ".join(AGREEMENT_METHODS)
    )
    new_start_on: Day = Field(default=None, description="an agreement's new start deadline")
    cause_type: str | None = Field(
        default=None,
        max_length=32,
        description="a government cause's kind (art. 8), for a determination or agreement",
    )
    intend: str | None = Field(
        default=None,
        max_length=16,
        description="a hearing notice's intended decision: fee or recovery",
    )
    note: Text = None


@router.post("/cases/{code}/acts", status_code=201, tags=["case"], responses=WRITE_ERRORS)
def issue_act(
    code: str, body: ActIssue, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """Issue an act on the parcel's case: its number (文号) and document, filled from
    the parcel, the case and the profile; the investigation notice opens a case. Its
    ``warnings`` list the blanks left to fill by hand."""
    return case_service.issue(
        svc.store, code, body.kind, user.name, on=body.on, method=body.method,
        new_start_on=body.new_start_on, note=body.note, districts=user.write_districts,
        cause_type=body.cause_type, intend=body.intend,
    )  # fmt: skip


@router.post("/acts/{number}/service", tags=["case"], responses={**WRITE_ERRORS, **errors(400)})
def serve_act(
    number: str,
    on: Annotated[str, Form(max_length=10, description="date of service, YYYY-MM-DD")],
    method: Annotated[str, Form(max_length=16, description=", ".join(SERVICE_METHODS))],
    to: Annotated[str | None, Form(max_length=200, description="who received it")] = None,
    proof: Annotated[
        UploadFile | None,
        File(description="proof of service (送达回证): PDF, JPEG, PNG, TIFF, .docx"),
    ] = None,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
) -> dict[str, Any]:
    """Record the service (送达) of an act: when, how (direct, left, post, public), to
    whom, with an optional proof file (multipart). Its deadlines run from that day."""
    from landbank.errors import InputError

    day = form_day(on, "on")
    if day is None:
        raise InputError("on: the date of service is required (YYYY-MM-DD)")
    held = None
    if proof is not None and (proof.filename or proof.size):
        held = checked_upload(proof.filename, proof.file.read())
    return case_service.serve(
        svc.store, number, day, method, user.name, to=(to or "").strip() or None, proof=held,
        districts=user.write_districts,
    )  # fmt: skip


class Hearing(BaseModel):
    requested_on: Day = Field(default=None, description="the day the holder asked")
    held_on: Day = Field(default=None, description="the hearing's day")
    outcome: Text = Field(default=None, description="what the hearing concluded")


@router.post("/acts/{number}/hearing", tags=["case"], responses=WRITE_ERRORS)
def hearing(
    number: str, body: Hearing, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """On a hearing notice: the holder asked for a hearing (``requested_on``, inside the
    window), or it was held (``held_on`` with its ``outcome``)."""
    return case_service.record_hearing(
        svc.store, number, user.name, requested_on=body.requested_on, held_on=body.held_on,
        outcome=body.outcome, districts=user.write_districts,
    )  # fmt: skip


class Payment(BaseModel):
    amount_wan: float = Field(gt=0, le=1e9, description="amount paid, 万元")
    on: Day = Field(description="day of payment")
    receipt: Text = Field(default=None, description="the receipt's number")


@router.post("/acts/{number}/payment", tags=["case"], responses=WRITE_ERRORS)
def payment(
    number: str, body: Payment, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """On a fee decision: the whole idle fee paid, the day and the receipt."""
    from landbank.errors import InputError

    if body.on is None:
        raise InputError("on: the day of payment is required (YYYY-MM-DD)")
    return case_service.record_payment(
        svc.store, number, body.amount_wan, body.on, user.name, receipt=body.receipt,
        districts=user.write_districts,
    )  # fmt: skip


class Deregistration(BaseModel):
    on: Day = Field(description="day the land right was deregistered")
    note: Text = None


@router.post("/acts/{number}/deregistration", tags=["case"], responses=WRITE_ERRORS)
def deregistration(
    number: str,
    body: Deregistration,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
) -> dict[str, Any]:
    """On a recovery decision: the recovery complete, the land right deregistered."""
    from landbank.errors import InputError

    if body.on is None:
        raise InputError("on: the day of deregistration is required (YYYY-MM-DD)")
    return case_service.record_deregistration(
        svc.store, number, body.on, user.name, note=body.note, districts=user.write_districts
    )


class Void(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="why the act is voided")
    on: Day = Field(default=None, description="day voided (default today)")


@router.post("/acts/{number}/void", tags=["case"], responses=WRITE_ERRORS)
def void_act(
    number: str, body: Void, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """Void an act not yet served: its number stays voided and listed."""
    return case_service.void(
        svc.store, number, user.name, body.reason, on=body.on, districts=user.write_districts
    )


@router.post(
    "/cases/{code}/attachments", status_code=201, tags=["case"],
    responses={**WRITE_ERRORS, **errors(400, 503)},
)  # fmt: skip
def attach(
    code: str,
    file: Annotated[UploadFile, File(description="evidence: a photo, a scan or a PDF")],
    act_number: Annotated[
        str | None, Form(max_length=128, description="attach to this act of the case")
    ] = None,
    note: Annotated[str | None, Form(max_length=500)] = None,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
) -> dict[str, Any]:
    """Attach evidence to the parcel's case (or to one of its acts): its type read
    from its content, its size within the profile's limit, kept in the database."""
    from landbank.services import case_files

    return case_files.attach(
        svc.store, code, file.filename or "", file.file.read(), user.name,
        act_number=(act_number or "").strip() or None, note=(note or "").strip() or None,
        districts=user.write_districts,
    )  # fmt: skip
