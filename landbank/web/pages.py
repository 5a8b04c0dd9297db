"""The service's pages, rendered on the server (Chinese by default, English switch):
sign in and out, the overview, the parcel list, idle buildings. The parcel page, the
match form and the maps live in ``pages_parcel``, ``pages_match`` and ``pages_maps``;
what they share in ``pagekit``. Every script, style and map asset comes from this
service: the pages work on an intranet without internet."""

from __future__ import annotations

import math
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from landbank.domain.buildings import BUILDING_STATES
from landbank.domain.progress import totals as progress_totals
from landbank.domain.rights import User
from landbank.services import buildings as building_service
from landbank.services.disposal_progress import progress
from landbank.services.parcel_maps import fits_one_file
from landbank.services.parcels import page_parcels
from landbank.services.users import authenticate, end_tokens
from landbank.web import pages_evaluation, pages_maps, pages_match, pages_parcel
from landbank.web.deps import Service, client_address, service, session_user
from landbank.web.i18n import translator
from landbank.web.pagekit import (
    PageRoute,
    check_csrf,
    form_data,
    local_path,
    page_lang,
    page_member,
    page_user,
    render,
)
from landbank.web.security import CSRF_FIELD, SESSION_COOKIE, TOKEN_HOURS

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
# the sign-in form's own CSRF token is bound to this cookie (there is no session yet)
LOGIN_COOKIE = "landbank_login"


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request,
    svc: Service,
    next_path: str,
    status: int = 200,
    error: str | None = None,
    username: str = "",
):
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status,
        here="/login",
        login_csrf=svc.signer.csrf(f"login:{nonce}"),
        next_path=local_path(next_path),
        error=error,
        username=username,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=_https(request),
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/", svc: Service = Depends(service)):
    """The sign-in form; a signed-in user goes straight on to ``next``."""
    if session_user(request, svc) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return _login_page(request, svc, next)


@router.post("/login")
def sign_in(
    request: Request,
    form: dict[str, str] = Depends(form_data),
    svc: Service = Depends(service),
):
    """Checks the name and password (failures limited per address and name) and sets
    the session cookie: HttpOnly, SameSite, Secure over HTTPS."""
    t = translator(page_lang(request))
    name, password = form.get("username", "").strip(), form.get("password", "")
    next_path = local_path(form.get("next"))
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not svc.signer.csrf_ok(f"login:{nonce}", form.get(CSRF_FIELD)):
        return _login_page(request, svc, next_path, 403, t("login_expired"), name)
    address = client_address(request)
    wait = svc.limiter.begin(address, name)
    if wait:
        response = _login_page(request, svc, next_path, 429, t("too_many", s=wait), name)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(svc.store, name, password) if name else None
    if user is None:
        return _login_page(request, svc, next_path, 401, t("wrong_password"), name)
    svc.limiter.succeeded(address, name)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        svc.signer.token(user.name, user.id, user.token_version),
        max_age=TOKEN_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_https(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def sign_out(
    request: Request,
    form: dict[str, str] = Depends(form_data),
    user: User = Depends(page_member),
    svc: Service = Depends(service),
):
    check_csrf(request, svc, form)
    end_tokens(svc.store, user.id)  # the cookie ends here too, should a copy be kept
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_https(request)
    )
    return response


@router.get("/")
def dashboard(request: Request, user: User = Depends(page_member), svc: Service = Depends(service)):
    """Disposal progress per district (the unclassified apart) and the tiled map of the
    parcels (any number of them); the one-file maps are linked where the city is small
    enough for them. A surveyor goes on to their task list."""
    if user.is_surveyor:
        return RedirectResponse("/survey", status_code=303)
    rows = progress(svc.store, "district")
    totals = progress_totals(rows)
    one_file = fits_one_file(svc.store)
    return render(request, "dashboard.html", user=user, rows=rows, totals=totals, one_file=one_file)


@router.get("/parcels")
def parcel_list(
    request: Request,
    category: str | None = None,
    district: str | None = None,
    park: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """The current parcels by code, filtered, a page at a time."""
    filters = {"category": category, "district": district, "park": park, "q": q}
    filters = {k: v.strip() for k, v in filters.items() if v and v.strip()}
    result = page_parcels(
        svc.store,
        filters.get("category"),
        filters.get("district"),
        filters.get("park"),
        filters.get("q"),
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
        with_places=True,
    )
    pages = max(1, math.ceil(result["total"] / PAGE_SIZE))

    def page_url(n: int) -> str:
        return "/parcels?" + urlencode({**filters, "page": n})

    return render(
        request,
        "parcels.html",
        user=user,
        items=result["items"],
        total=result["total"],
        page=page,
        pages=pages,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
        filters=filters,
        places=result["places"],
    )


@router.get("/buildings")
def building_list(
    request: Request,
    park: str | None = None,
    state: str | None = None,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Idle buildings with their vacant area and state."""
    park, state = (park or "").strip() or None, (state or "").strip() or None
    shown = building_service.building_list_page(svc.store, park, state)
    return render(
        request,
        "buildings.html",
        user=user,
        items=shown["items"],
        filters={"park": park, "state": state},
        states=BUILDING_STATES,
        places=shown["places"],
    )


@router.get("/buildings/{code}")
def building_page(
    code: str, request: Request, user: User = Depends(page_user), svc: Service = Depends(service)
):
    """One building: its fields, its vacant floors, its activation (盘活)."""
    from landbank.domain.building_fields import BUILDING_FIELDS, VACANCY_FIELDS

    building = building_service.show_building(svc.store, code)
    return render(
        request,
        "building.html",
        user=user,
        b=building,
        building_fields=BUILDING_FIELDS,
        vacancy_fields=[f for f in VACANCY_FIELDS if f.name != "building_code"],
    )


router.include_router(pages_parcel.router)
router.include_router(pages_match.router)
router.include_router(pages_evaluation.router)
router.include_router(pages_maps.router)
