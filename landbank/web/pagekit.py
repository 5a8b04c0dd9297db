"""What every page shares: the templates, the language (zh unless ``?lang=en`` or the
language cookie says otherwise), the signed-in user of the session cookie, CSRF checks
of form posts, security headers, and errors shown as pages rather than JSON."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from landbank.domain import disposal as wf
from landbank.domain.buildings import building_type_label, state_label
from landbank.domain.categories import CAUSES, KNOWN, category_label
from landbank.domain.fields import label as field_label
from landbank.domain.matching import COMPONENTS, KINDS
from landbank.domain.progress import figure_label
from landbank.domain.rights import ROLES, User, may_write
from landbank.errors import LandbankError
from landbank.services.parcels import CHINA
from landbank.web.deps import Service, service, session_user, session_user_async
from landbank.web.i18n import (
    DEFAULT_LANG,
    LANGS,
    deadline_label,
    event_field_label,
    flag_label,
    land_use_label,
    translator,
)
from landbank.web.security import CSRF_FIELD, SESSION_COOKIE

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "landbank_lang"
# the pages load nothing but this service's own files: no inline script, no CDN
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# the tiled map: the page's own policy, and MapLibre's workers start from
# blob: URLs; the overview frames it
TILED_POLICY = (
    PAGE_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    + "; worker-src 'self' blob:; child-src 'self' blob:"
)
# a map carries Leaflet inline and may load base-map tiles; it may only be framed here
MAP_POLICY = "frame-ancestors 'self'; base-uri 'none'; object-src 'none'; form-action 'none'"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


class SignInFirst(Exception):
    """A page asked for without a valid session: answered by the sign-in page."""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


def page_lang(request: Request) -> str:
    """``?lang=`` when given, else the language cookie, else Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else DEFAULT_LANG


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/``: a sign-in never sends
    anyone to another site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


async def page_member(request: Request, svc: Service = Depends(service)) -> User:
    """The signed-in user of any role (a surveyor too); without one the page answers
    with the sign-in form."""
    user = await session_user_async(request, svc)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInFirst(here if request.method == "GET" else "/")
    return user


async def page_user(request: Request, user: User = Depends(page_member)) -> User:
    """A signed-in reader of the inventory (viewer, clerk, admin); a surveyor is
    refused (403: they see their own tasks only, at /survey)."""
    if user.is_surveyor:
        raise HTTPException(403, translator(page_lang(request))("surveyor_refused", name=user.name))
    return user


async def form_data(request: Request) -> dict[str, str]:
    """The text fields of a posted form."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def check_csrf(request: Request, svc: Service, form: dict[str, str]) -> None:
    """403 unless the form carries the CSRF token of the request's session."""
    if not svc.signer.csrf_ok(request.cookies.get(SESSION_COOKIE), form.get(CSRF_FIELD)):
        raise HTTPException(403, translator(page_lang(request))("csrf_refused"))


def check_editor(request: Request, user: User, code: str, district: str | None) -> None:
    """403 unless ``user`` may change things in ``district`` (the district rule of
    ``domain.rights.may_write``), with the page's message in its language."""
    t = translator(page_lang(request))
    if not user.can_write:
        raise HTTPException(403, t("viewer_refused", name=user.name))
    if not may_write(user.write_districts, district):
        allowed = ", ".join(user.districts) or "-"
        raise HTTPException(
            403, t("district_refused", code=code, district=district, allowed=allowed)
        )


def number(value, digits: int = 2) -> str:
    """A number as a clerk reads it: grouped thousands, ``digits`` decimals; '' for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{float(value):,.{digits}f}"


def china_time(value) -> str:
    """A stored moment (UTC when it names no zone) as China Standard Time, to the second."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def percent(value) -> str:
    return "" if value is None else f"{float(value):.1%}"


def url_part(value) -> str:
    """One path segment or query value, escaped."""
    return quote(str(value), safe="")


def _labels(lang: str) -> dict:
    """The domain's labels in ``lang``, for the templates."""

    def of(table: dict, key) -> str:
        return table.get(key, {}).get(lang, key) if key else ""

    return {
        "category_name": lambda c: category_label(c, lang),
        "field_name": lambda f: field_label(f, lang),
        "state_name": lambda s: of(wf.STATES, s),
        "method_name": lambda m: of(wf.METHODS, m),
        "blocker_name": lambda b: of(wf.BLOCKERS, b),
        "cause_name": lambda c: of(CAUSES, c),
        "flag_name": lambda f: flag_label(f, lang),
        "btype_name": lambda b: building_type_label(b, lang),
        "bstate_name": lambda s: state_label(s, lang),
        "use_name": lambda u: land_use_label(u, lang),
        "kind_name": lambda k: of(KINDS, k),
        "component_name": lambda c: of(COMPONENTS, c),
        "role_name": lambda r: of(ROLES, r),
        "deadline_name": lambda w: deadline_label(w, lang),
        "event_name": lambda f: event_field_label(f, lang),
        "figure_name": lambda k: figure_label(k, lang),
        "CATEGORIES": KNOWN,  # the list's filter: the five, compliant, unclassified
    }


def _switch_url(request: Request, lang: str, here: str | None) -> str:
    other = "en" if lang == "zh" else "zh"
    if request.method != "GET":  # a page answering a post: switch on the page itself
        return f"{here or '/'}?lang={other}"
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return request.url.path + "?" + urlencode({**params, "lang": other})


def render(
    request: Request,
    name: str,
    status: int = 200,
    user: User | None = None,
    **context,
) -> HTMLResponse:
    """The template ``name`` in the request's language; forms get the session's CSRF
    token. ``here`` names the page's own address when it answers a post."""
    svc: Service = request.app.state.service
    lang = page_lang(request)
    token = request.cookies.get(SESSION_COOKIE)
    values = {
        "lang": lang,
        "t": translator(lang),
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf": svc.signer.csrf(token) if user is not None and token else "",
        "switch_url": _switch_url(request, lang, context.get("here")),
        "number": number,
        "percent": percent,
        "china_time": china_time,
        "q": url_part,
        **_labels(lang),
        **context,
    }
    return templates.TemplateResponse(request, name, values, status_code=status)


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    """The message of an error as a page with the error's status."""
    try:
        user = session_user(request, request.app.state.service)
    except Exception:  # the database itself may be what failed
        user = None
    return render(request, "error.html", status, user=user, message=message, status_code=status)


def _message(detail) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        return "; ".join(
            f"{d.get('field', '')}: {d.get('message', '')}" if isinstance(d, dict) else str(d)
            for d in detail
        )
    return str(detail)


def _finish(request: Request, response) -> None:
    """Security headers, no caching of anyone's data, the language remembered."""
    headers = response.headers
    if "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = PAGE_POLICY
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cache-Control", "no-store")
    asked = request.query_params.get("lang")
    if asked in LANGS and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE, asked, max_age=365 * 86400, path="/", httponly=True, samesite="lax"
        )


class PageRoute(APIRoute):
    """A route whose errors are pages: a missing session leads to the sign-in form,
    a LandbankError or HTTP error to a page with its message and status."""

    def get_route_handler(self):
        handle = super().get_route_handler()

        async def handle_page(request: Request):
            try:
                response = await handle(request)
            except SignInFirst as exc:
                query = urlencode({"next": exc.next_path})
                response = RedirectResponse(f"/login?{query}", status_code=303)
            except LandbankError as exc:
                response = await run_in_threadpool(error_page, request, str(exc), exc.http_status)
            except StarletteHTTPException as exc:
                response = await run_in_threadpool(
                    error_page, request, _message(exc.detail), exc.status_code
                )
                for key, value in (exc.headers or {}).items():
                    response.headers[key] = value
            except RequestValidationError as exc:
                t = translator(page_lang(request))
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
                )
                response = await run_in_threadpool(
                    error_page, request, f"{t('bad_request')}: {problems}", 422
                )
            _finish(request, response)
            return response

        return handle_page
