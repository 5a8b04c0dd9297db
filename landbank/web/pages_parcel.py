"""The parcel page: fields, category with reasons, history, disposals and the map; for
those who may edit the parcel, the edit form (carrying the version it was read at) and
the disposal actions. Every post is CSRF-checked and answered by a redirect back
(post-redirect-get), or by the page again with what went wrong."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from landbank.domain import disposal as wf
from landbank.domain.categories import CATEGORIES, CAUSES
from landbank.domain.fields import FIELD_BY_NAME, PARCEL_FIELDS
from landbank.domain.rights import User
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services import disposal as disposal_service
from landbank.services import parcels as parcel_service
from landbank.web.days import form_day
from landbank.web.deps import Service, service
from landbank.web.i18n import translator
from landbank.web.pagekit import (
    PageRoute,
    check_csrf,
    check_editor,
    form_data,
    page_lang,
    page_user,
    render,
    url_part,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# the fields a clerk most often updates, offered as inputs; any other through a picker
EDIT_FIELDS = (
    "holder",
    "started_on",
    "completed_on",
    "operating_on",
    "stopped_on",
    "developed_area_mu",
    "invested_wan",
    "total_investment_wan",
    "floor_area_m2",
    "cause",
)
OTHER_FIELDS = tuple(
    sorted(f for f in parcel_service.EDITABLE if f not in EDIT_FIELDS and f != "category")
)
NOTES = ("saved", "disposal_saved")


def _text(value) -> str:
    """A stored value as the edit form shows it (and compares it)."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)  # every digit kept, no exponent for everyday figures
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _edit_rows(parcel: dict, form: dict[str, str] | None) -> list[dict]:
    """The edit form's inputs: each field's label, kind, value shown and the value it
    was read with (sent back hidden, so only what the clerk changed is written)."""
    rows = []
    for name in (*EDIT_FIELDS, "category"):
        stored = parcel["category_override"] if name == "category" else parcel[name]
        orig = form.get(f"o_{name}", "") if form is not None else _text(stored)
        value = form.get(f"f_{name}", orig) if form is not None else orig
        kind = "category" if name == "category" else FIELD_BY_NAME[name].kind
        rows.append({"name": name, "kind": kind, "value": value, "orig": orig})
    return rows


def _field_rows(parcel: dict) -> list[tuple[str, object]]:
    names = [f.name for f in PARCEL_FIELDS]
    names.insert(names.index("recorded_area_mu"), "area_mu")
    return [(n, parcel.get(n)) for n in names]


def _page(
    request: Request,
    svc: Service,
    user: User,
    code: str,
    status: int = 200,
    note: str | None = None,
    error: str | None = None,
    problems: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
):
    shown = parcel_service.parcel_page(svc.store, code, user)
    parcel, may_edit = shown["parcel"], shown["may_edit"]
    return render(
        request,
        "parcel.html",
        status,
        user=user,
        here=f"/parcels/{url_part(code)}",
        p=parcel,
        field_rows=_field_rows(parcel),
        events=shown["events"],
        disposals=shown["disposals"],
        active=shown["active"],
        next_states=shown["next_states"],
        may_edit=may_edit,
        edit_rows=_edit_rows(parcel, form) if may_edit else [],
        other_fields=OTHER_FIELDS,
        form=form or {},
        problems=problems or {},
        note=note if note in NOTES else None,
        error=error,
        categories=CATEGORIES,
        causes=CAUSES,
        methods=wf.METHODS,
        blockers=wf.BLOCKERS,
        today=shown["today"],
    )


@router.get("/parcels/{code}")
def parcel_page(
    code: str,
    request: Request,
    note: str | None = None,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Every field of a parcel, its category and reasons, history, disposals, map."""
    return _page(request, svc, user, code, note=note)


def _back(code: str, note: str) -> RedirectResponse:
    return RedirectResponse(f"/parcels/{url_part(code)}?note={note}", status_code=303)


def _editor_post(request: Request, svc: Service, user: User, code: str, form) -> dict:
    """The checks every post makes before anything is written: CSRF, then rights."""
    check_csrf(request, svc, form)
    parcel = parcel_service.show_parcel(svc.store, code)
    check_editor(request, user, code, parcel["district"])
    return parcel


@router.post("/parcels/{code}/edit")
def edit_parcel(
    code: str,
    request: Request,
    form: dict[str, str] = Depends(form_data),
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Writes the fields the clerk changed, at the version the form was read at."""
    _editor_post(request, svc, user, code, form)
    t = translator(page_lang(request))
    changes = {}
    for name in (*EDIT_FIELDS, "category"):
        sent = form.get(f"f_{name}")
        if sent is not None and sent.strip() != form.get(f"o_{name}", "").strip():
            changes[name] = sent.strip()
    other = form.get("other_field", "").strip()
    if other:
        changes[other] = form.get("other_value", "").strip()
    problems = parcel_service.check_fields(changes)
    reason = form.get("reason", "").strip()
    if not reason:
        problems["reason"] = t("reason_required")
    try:
        version = int(form.get("version", ""))
    except ValueError:
        problems["version"] = t("bad_version")
        version = None
    if not changes and not problems:
        problems["form"] = t("nothing_changed")
    if problems:
        return _page(request, svc, user, code, 422, problems=problems, form=form)
    try:
        parcel_service.set_fields(
            svc.store,
            code,
            changes,
            by=user.name,
            reason=reason,
            expect_version=version,
            districts=user.write_districts,
        )
    except ConflictError as exc:
        current = parcel_service.conflict_version(svc.store, code, exc)
        tried = "; ".join(f"{k}={v}" for k, v in changes.items())
        return _page(
            request, svc, user, code, 409, error=f"{t('conflict', version=current)} {tried}"
        )
    except InputError as exc:
        return _page(request, svc, user, code, 422, error=str(exc), form=form)
    return _back(code, "saved")


def _disposal_step(request, svc, user, code, form, step):
    """Runs one disposal step; a refused step shows the page again with the reason."""
    _editor_post(request, svc, user, code, form)
    try:
        step()
    except (InputError, ConflictError, NotFoundError) as exc:
        return _page(request, svc, user, code, exc.http_status, error=str(exc))
    return _back(code, "disposal_saved")


@router.post("/parcels/{code}/disposal/open")
def open_disposal(
    code: str,
    request: Request,
    form: dict[str, str] = Depends(form_data),
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Opens a disposal (state suspected) with a method, cause and planned date."""

    def step():
        disposal_service.open_disposal(
            svc.store,
            code,
            form.get("method", ""),
            by=user.name,
            cause=form.get("cause") or None,
            planned_on=form_day(form.get("planned_on"), "planned_on"),
            reason=form.get("note", "").strip() or None,
            districts=user.write_districts,
        )

    return _disposal_step(request, svc, user, code, form, step)


@router.post("/parcels/{code}/disposal/advance")
def advance_disposal(
    code: str,
    request: Request,
    form: dict[str, str] = Depends(form_data),
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Moves the open disposal to the next state the workflow allows."""

    def step():
        disposal_service.advance(
            svc.store,
            code,
            form.get("to", ""),
            by=user.name,
            on=form_day(form.get("on"), "on"),
            note=form.get("note", "").strip() or None,
            doc=form.get("doc", "").strip() or None,
            districts=user.write_districts,
        )

    return _disposal_step(request, svc, user, code, form, step)


@router.post("/parcels/{code}/disposal/blocker")
def disposal_blocker(
    code: str,
    request: Request,
    form: dict[str, str] = Depends(form_data),
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Records or clears a mortgage, court seizure or dispute on the open disposal."""

    def step():
        disposal_service.set_blocker(
            svc.store,
            code,
            form.get("kind", ""),
            blocked=form.get("action") != "unblock",
            by=user.name,
            note=form.get("note", "").strip() or None,
            districts=user.write_districts,
        )

    return _disposal_step(request, svc, user, code, form, step)
