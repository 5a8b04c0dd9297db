"""The pages of the idle-land case: the case page (its documents, their service and
deadlines, the evidence, and for a clerk of the district a form for each action its
state allows), what falls due, the documents and the case file for download, and the
one public page of the service: the published list of idle land (art. 14), with its
.xlsx and GeoJSON, shown without signing in and showing nothing but the published
fields. Every post is CSRF-checked and answered by a redirect back to the case page
(post-redirect-get), or by the page again with what went wrong."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from landbank.domain import case as law
from landbank.domain import disposal as wf
from landbank.domain.case_lists import PUBLIC_FIELDS
from landbank.domain.rights import User
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services import case_due
from landbank.services import cases as case_service
from landbank.services import parcels as parcel_service
from landbank.services.case_page import act_place, case_page
from landbank.services.case_public import export_public, public_list
from landbank.services.case_uploads import checked_upload
from landbank.web.api_cases import (
    DOCX,
    PDF,
    act_pdf_bytes,
    attachment_headers,
    case_file_response,
    read_districts,
)
from landbank.web.days import form_day
from landbank.web.deps import Service, service
from landbank.web.pagekit import PageRoute, check_csrf, check_editor, page_lang, page_user, render
from landbank.web.pagekit import url_part as q

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NOTES = ("case_saved",)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the public downloads: suffix → media type; each made on request into a fresh folder
PUBLIC_DOWNLOADS = {".xlsx": XLSX, ".geojson": "application/geo+json"}


def _case_labels(lang: str) -> dict:
    """The case's words in ``lang`` for the templates."""
    return {
        "act_kind_name": lambda k: law.kind_label(k, lang),
        "case_deadline_name": lambda w: law.deadline_label(w, lang),
        "service_name": lambda m: law.SERVICE_METHODS.get(m, {}).get(lang, m) if m else "",
        "public_label": lambda key: next(
            (en if lang == "en" else zh for k, zh, en in PUBLIC_FIELDS if k == key), key
        ),
    }


# ---- the public list (no sign-in) -----------------------------------------------------


@router.get("/public/idle-land")
def public_page(request: Request, svc: Service = Depends(service)):
    """The published list of idle land: location, holder, since when, idle period, and
    the cause when the government caused it. Open to everyone; nothing else shown."""
    rows = public_list(svc.store)
    lang = page_lang(request)
    return render(request, "public.html", rows=rows, fields=PUBLIC_FIELDS, **_case_labels(lang))


def _public_file(svc: Service, suffix: str) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="landbank-public-"))
    path = folder / f"idle_land{suffix}"
    try:
        export_public(svc.store, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=PUBLIC_DOWNLOADS[suffix],
        headers=attachment_headers(f"闲置土地公示{suffix}"),
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/public/idle-land.xlsx")
def public_xlsx(svc: Service = Depends(service)):
    """The published list as an Excel file (Chinese headers)."""
    return _public_file(svc, ".xlsx")


@router.get("/public/idle-land.geojson")
def public_geojson(svc: Service = Depends(service)):
    """The published list as GeoJSON: each parcel's outline and the published fields."""
    return _public_file(svc, ".geojson")


# ---- what falls due -------------------------------------------------------------------


@router.get("/cases/due")
def due_page(
    request: Request,
    within: Annotated[int, Query(ge=0, le=case_due.MAX_DAYS)] = 30,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """What the cases' acts make fall due within ``within`` days, and what is overdue,
    soonest first: a clerk's districts only."""
    items = case_due.due(svc.store, within, read_districts(user))
    lang = page_lang(request)
    return render(
        request,
        "case_due.html",
        user=user,
        items=items,
        within=within,
        state_name=lambda s: wf.state_label(s, lang),
        **_case_labels(lang),
    )


# ---- the case page --------------------------------------------------------------------


def _cause_types(shown: dict, lang: str) -> list[tuple[str, str]]:
    """The government causes (art. 8) a determination or agreement may name, as (key,
    label), when the case (or, before one, the parcel) is government-caused and one of
    those kinds may be issued; else none (the form then has no such field)."""
    from landbank.domain.case_documents import GOVERNMENT_CAUSES

    cause = (shown["case"] or {}).get("cause") or (shown["parcel"] or {}).get("cause")
    if cause != "government" or not {"determination", "agreement"} & set(shown["kinds"]):
        return []
    if lang == "en":
        return [(k, k.replace("_", " ")) for k in GOVERNMENT_CAUSES]
    return [(k, text.split("：")[-1][:28]) for k, text in GOVERNMENT_CAUSES.items()]


def _page(request, svc: Service, user: User, code: str, status=200, note=None, error=None):
    shown = case_page(svc.store, code, user)
    return render(
        request,
        "case.html",
        status,
        user=user,
        here=f"/cases/{q(code)}",
        p=shown["parcel"],
        case=shown["case"],
        kinds=shown["kinds"],
        may_edit=shown["may_edit"],
        today=shown["today"],
        agreement_methods=law.AGREEMENT_METHODS,
        cause_types=_cause_types(shown, page_lang(request)),
        service_methods=law.SERVICE_METHODS,
        note=note if note in NOTES else None,
        error=error,
        **_case_labels(page_lang(request)),
    )


@router.get("/cases/{code}")
def case_view(
    code: str,
    request: Request,
    note: str | None = None,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """A parcel's case: its documents with their service and deadlines, its evidence,
    and the forms of what its state allows (for a clerk of the district)."""
    return _page(request, svc, user, code, note=note)


@router.get("/cases/{code}/file.zip")
def case_file_download(code: str, user: User = Depends(page_user), svc: Service = Depends(service)):
    """The case file (案卷) as a zip."""
    return case_file_response(svc, code)


@router.get("/acts/{number}/document.docx")
def act_docx_download(
    number: str, user: User = Depends(page_user), svc: Service = Depends(service)
):
    """An act's document as issued (.docx)."""
    name, content = case_service.document(svc.store, number)
    return Response(content, media_type=DOCX, headers=attachment_headers(name))


@router.get("/acts/{number}/document.pdf")
def act_pdf_download(number: str, user: User = Depends(page_user), svc: Service = Depends(service)):
    """An act's document as PDF (made by LibreOffice once and kept)."""
    name, content = act_pdf_bytes(svc, number, user)
    return Response(content, media_type=PDF, headers=attachment_headers(name))


# ---- the case page's forms ------------------------------------------------------------


async def form_and_files(request: Request) -> tuple[dict[str, str], dict[str, UploadFile]]:
    """The text fields and the files of a posted form (urlencoded or multipart)."""
    form = await request.form()
    texts = {k: v for k, v in form.items() if isinstance(v, str)}
    files = {k: v for k, v in form.items() if isinstance(v, UploadFile) and v.filename}
    return texts, files


def _text(form: dict[str, str], key: str) -> str | None:
    return form.get(key, "").strip() or None


def _run(request, svc: Service, user: User, form: dict, where, step):
    """CSRF, then rights on the parcel ``where()`` names (``code``, ``district``), then
    ``step``; a refused step shows the case page again with the reason and its status,
    a done one goes back to it."""
    check_csrf(request, svc, form)
    place = where()
    code = place["code"]
    check_editor(request, user, code, place["district"])
    try:
        step()
    except (InputError, ConflictError, NotFoundError) as exc:
        return _page(request, svc, user, code, exc.http_status, error=str(exc))
    return RedirectResponse(f"/cases/{q(code)}?note=case_saved", status_code=303)


def _on_parcel(request, svc: Service, user: User, code: str, form: dict, step):
    def where():
        return {"code": code, "district": parcel_service.show_parcel(svc.store, code)["district"]}

    return _run(request, svc, user, form, where, step)


def _on_act(request, svc: Service, user: User, number: str, form: dict, step):
    return _run(request, svc, user, form, lambda: act_place(svc.store, number), step)


@router.post("/cases/{code}/issue")
async def issue_form(
    code: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Issues an act of the kind chosen; the document is kept with the case."""
    form, _ = await form_and_files(request)

    def step():
        case_service.issue(
            svc.store, code, form.get("kind", ""), user.name, on=form_day(form.get("on"), "on"),
            method=_text(form, "method") if form.get("kind") == "agreement" else None,
            new_start_on=form_day(form.get("new_start_on"), "new_start_on")
            if form.get("kind") == "agreement" else None,
            note=_text(form, "note"), districts=user.write_districts,
            cause_type=_text(form, "cause_type")
            if form.get("kind") in ("determination", "agreement") else None,
        )  # fmt: skip

    return await _threaded(_on_parcel, request, svc, user, code, form, step)


@router.post("/cases/{code}/attach")
async def attach_form(
    code: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Attaches a photo, scan or PDF to the case (or to one of its acts)."""
    from landbank.services import case_files

    form, files = await form_and_files(request)
    upload = files.get("file")
    content = await upload.read() if upload is not None else b""

    def step():
        if upload is None:
            raise InputError("file: choose a file to attach")
        case_files.attach(
            svc.store, code, upload.filename or "", content, user.name,
            act_number=_text(form, "act_number"), note=_text(form, "note"),
            districts=user.write_districts,
        )  # fmt: skip

    return await _threaded(_on_parcel, request, svc, user, code, form, step)


@router.post("/acts/{number}/serve")
async def serve_form(
    number: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Records the service of an act, with its proof file when one is chosen."""
    form, files = await form_and_files(request)
    upload = files.get("proof")
    content = await upload.read() if upload is not None else b""

    def step():
        on = form_day(form.get("on"), "on")
        if on is None:
            raise InputError("on: the date of service is required (YYYY-MM-DD)")
        proof = checked_upload(upload.filename, content) if upload is not None else None
        case_service.serve(
            svc.store, number, on, form.get("method", ""), user.name, to=_text(form, "to"),
            proof=proof, districts=user.write_districts,
        )  # fmt: skip

    return await _threaded(_on_act, request, svc, user, number, form, step)


@router.post("/acts/{number}/hearing")
async def hearing_form(
    number: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Records that a hearing was asked for, or held with its outcome."""
    form, _ = await form_and_files(request)

    def step():
        held = form.get("action") == "held"
        on = form_day(form.get("on"), "on")
        case_service.record_hearing(
            svc.store, number, user.name, requested_on=None if held else on,
            held_on=on if held else None, outcome=_text(form, "outcome"),
            districts=user.write_districts,
        )  # fmt: skip

    return await _threaded(_on_act, request, svc, user, number, form, step)


def _amount(text: str | None) -> float:
    try:
        return float((text or "").strip())
    except ValueError:
        raise InputError(f'amount_wan "{(text or "")[:40]}" is not a number') from None


@router.post("/acts/{number}/pay")
async def pay_form(
    number: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Records the payment of the idle fee."""
    form, _ = await form_and_files(request)

    def step():
        on = form_day(form.get("on"), "on")
        if on is None:
            raise InputError("on: the day of payment is required (YYYY-MM-DD)")
        case_service.record_payment(
            svc.store, number, _amount(form.get("amount_wan")), on, user.name,
            receipt=_text(form, "receipt"), districts=user.write_districts,
        )  # fmt: skip

    return await _threaded(_on_act, request, svc, user, number, form, step)


@router.post("/acts/{number}/deregister")
async def deregister_form(
    number: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Records that the recovery is complete (the land right deregistered)."""
    form, _ = await form_and_files(request)

    def step():
        on = form_day(form.get("on"), "on")
        if on is None:
            raise InputError("on: the day of deregistration is required (YYYY-MM-DD)")
        case_service.record_deregistration(
            svc.store, number, on, user.name, note=_text(form, "note"),
            districts=user.write_districts,
        )  # fmt: skip

    return await _threaded(_on_act, request, svc, user, number, form, step)


@router.post("/acts/{number}/void")
async def void_form(
    number: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Voids an act not yet served; its number stays voided."""
    form, _ = await form_and_files(request)

    def step():
        case_service.void(
            svc.store, number, user.name, form.get("reason", ""), on=form_day(form.get("on"), "on"),
            districts=user.write_districts,
        )  # fmt: skip

    return await _threaded(_on_act, request, svc, user, number, form, step)


async def _threaded(run, *args):
    """``run(*args)`` in the thread pool: the services block on the database."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(run, *args)
