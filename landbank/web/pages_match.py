"""The match form: a project's need for land or floor space, and the ranked candidates
with the reasons for each. A GET form: matching changes nothing, and a result can be
bookmarked or sent to a colleague."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from landbank.domain.buildings import BUILDING_TYPES
from landbank.domain.landuse import CLASSES
from landbank.domain.matching import Requirement
from landbank.domain.rights import User
from landbank.errors import InputError
from landbank.services import matching as match_service
from landbank.services.matching import requirement_from_options
from landbank.web.deps import Service, service
from landbank.web.i18n import translator
from landbank.web.pagekit import PageRoute, page_lang, page_user, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# form field → (requirement key, kind of value), per kind of need
LAND_INPUTS = {
    "area_min": ("area_mu_min", "number"),
    "area_max": ("area_mu_max", "number"),
    "use": ("land_use", "text"),
    "max_price_wan": ("max_price_wan", "number"),
}
FLOOR_INPUTS = {
    "floor_min": ("area_m2_min", "number"),
    "floor_max": ("area_m2_max", "number"),
    "building_type": ("building_type", "text"),
    "min_load": ("min_floor_load_kn_m2", "number"),
    "max_rent": ("max_rent", "number"),
}
PLACE_INPUTS = {
    "ready_by": ("ready_by", "date"),
    "within_km": ("within_km", "number"),
}
FORM_KEYS = (
    "kind", *LAND_INPUTS, *FLOOR_INPUTS, *PLACE_INPUTS,
    "district", "park", "near_lon", "near_lat", "industry", "top",
)  # fmt: skip
MAX_TOP = 50


def requirement_of(params: dict[str, str], lang: str) -> tuple[Requirement | None, int, dict]:
    """The requirement a filled-in form asks for, how many candidates to show, and a
    message per field at fault (then no requirement)."""
    t = translator(lang)
    kind = "floor_space" if params.get("kind") == "floor_space" else "land"
    inputs = {**(LAND_INPUTS if kind == "land" else FLOOR_INPUTS), **PLACE_INPUTS}
    need, problems = {}, {}
    for name, (key, what) in inputs.items():
        text = params.get(name, "").strip()
        if not text:
            continue
        if what == "number":
            try:
                need[key] = float(text)
            except ValueError:
                problems[name] = t("not_a_number")
        elif what == "date":
            try:
                need[key] = dt.date.fromisoformat(text)
            except ValueError:
                problems[name] = t("not_a_date")
        else:
            need[key] = text
    near = [params.get(k, "").strip() for k in ("near_lon", "near_lat")]
    if any(near):
        try:
            need["near"] = [float(v) for v in near]
        except ValueError:
            problems["near_lon"] = t("not_a_number")
    if any(near) != ("within_km" in need):
        problems["within_km"] = t("need_both")
    for name, key in (("district", "districts"), ("park", "parks")):
        if params.get(name, "").strip():
            need[key] = [params[name].strip()]
    try:
        top = int(params.get("top") or 10)
    except ValueError:
        problems["top"] = t("not_a_number")
        top = 10
    top = max(1, min(top, MAX_TOP))
    if problems:
        return None, top, problems
    data = {kind: need}
    if params.get("industry", "").strip():
        data["industry"] = params["industry"].strip()
    return requirement_from_options(data), top, {}


@router.get("/match")
def match_page(request: Request, user: User = Depends(page_user), svc: Service = Depends(service)):
    """The form, and with ``run`` the ranked candidates for what it asks."""
    lang = page_lang(request)
    params = {k: v for k, v in request.query_params.items() if k in FORM_KEYS}
    req, top, problems, error, status = None, 10, {}, None, 200
    if "run" in request.query_params:
        try:
            req, top, problems = requirement_of(params, lang)
        except InputError as exc:
            error = str(exc)
    try:
        shown = match_service.match_page(svc.store, req, top=top, lang=lang)
    except InputError as exc:
        error, shown = str(exc), match_service.match_page(svc.store, None)
    if problems or error:
        status = 422
    return render(
        request,
        "match.html",
        status,
        user=user,
        params=params,
        kind="floor_space" if params.get("kind") == "floor_space" else "land",
        problems=problems,
        error=error,
        result=shown["result"],
        map_query=urlencode({**params, "lang": lang}),
        classes=CLASSES,
        building_types=BUILDING_TYPES,
        places=shown["places"],
    )
