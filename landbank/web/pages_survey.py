"""The pages of field surveys, rendered on the server: a surveyor's task list
(``/survey``, where a surveyor lands after signing in: the phone page, working
offline through its service worker ``/survey-sw.js`` and ``static/survey.js``), the
surveys (``/surveys``) and a survey's review queue with records, photos and distances,
where a clerk accepts or rejects (``/surveys/{name}/review``); a photo's bytes for the
signed-in (``/survey/photos/{id}``). The phone page talks to the JSON API with a
bearer token it asks ``/survey/token`` for with its session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from landbank.domain import survey as sv
from landbank.domain.rights import User
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.maps.assets import leaflet_css, scripts
from landbank.services import survey_records as records
from landbank.services import surveys
from landbank.web.deps import Service, service
from landbank.web.pagekit import (
    PageRoute,
    check_csrf,
    check_editor,
    form_data,
    page_lang,
    page_member,
    page_user,
    render,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
assets = APIRouter(include_in_schema=False)  # files anyone may load, the page offline too
STATIC = Path(__file__).parent / "static"
JS = "application/javascript; charset=utf-8"


def _labels(lang: str) -> dict:
    return {
        "task_state": lambda s: sv.label(sv.TASK_STATES, s, lang),
        "record_state": lambda s: sv.label(sv.RECORD_STATES, s, lang),
        "site_status": lambda s: sv.label(sv.SITE_STATUSES, s, lang),
        "photo_flag": lambda s: sv.label(sv.PHOTO_FLAGS, s, lang),
    }


@router.get("/survey")
def task_list(request: Request, user: User = Depends(page_member), svc: Service = Depends(service)):
    """A surveyor's own tasks, each named by its code; anyone else goes to /surveys."""
    if not user.is_surveyor:
        return RedirectResponse("/surveys", status_code=303)
    tasks = records.my_tasks(svc.store, user)
    lang = page_lang(request)
    words = {
        "site_statuses": {k: v[lang] for k, v in sv.SITE_STATUSES.items()},
        "task_states": {k: v[lang] for k, v in sv.TASK_STATES.items()},
        "record_states": {k: v[lang] for k, v in sv.RECORD_STATES.items()},
    }
    # the token and the tasks ride in the page: on a slow link two round trips fewer
    token = svc.signer.token(user.name, user.id, user.token_version)
    kept = {"at": dt.datetime.now(dt.UTC).isoformat(), "tasks": tasks}
    return render(
        request, "survey_tasks.html", user=user, tasks=tasks, words=words, token=token,
        kept=kept, **_labels(lang),
    )  # fmt: skip


@router.get("/survey/token")
def survey_token(user: User = Depends(page_member), svc: Service = Depends(service)):
    """A bearer token for the phone page's calls to /api/v1 (a surveyor's session)."""
    if not user.is_surveyor:
        raise HTTPException(403, f"{user.name} is a {user.role}: the survey page is a surveyor's")
    token = svc.signer.token(user.name, user.id, user.token_version)
    return JSONResponse({"token": token, "name": user.name})


@assets.get("/survey-sw.js")
def service_worker():
    """The phone page's service worker: at the root, so it may serve ``/survey``."""
    return Response((STATIC / "survey-sw.js").read_text("utf-8"), media_type=JS,
                    headers={"Cache-Control": "no-cache"})  # fmt: skip


@assets.get("/survey/assets/leaflet.js")
def leaflet_js():
    """Leaflet (XStatic-Leaflet), served by the service: no CDN."""
    return Response(scripts()["leaflet.js"], media_type=JS)


@assets.get("/survey/assets/leaflet.css")
def leaflet_style():
    """Leaflet's stylesheet, its images inline."""
    return Response(leaflet_css(), media_type="text/css; charset=utf-8")


@router.get("/surveys")
def survey_list(request: Request, user: User = Depends(page_user), svc: Service = Depends(service)):
    """Every survey with its tasks by state."""
    found = surveys.list_surveys(svc.store)
    return render(
        request, "surveys.html", user=user, surveys=found, states=sv.TASK_STATES,
        **_labels(page_lang(request)),
    )  # fmt: skip


@router.get("/surveys/{name}/review")
def review_page(
    name: str,
    request: Request,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
    error: str | None = None,
):
    """The records of survey ``name`` waiting for a review, with photos and distances."""
    return _review(request, svc, user, name)


def _review(request, svc, user, name: str, status: int = 200, error: str | None = None):
    queue = surveys.review_queue(svc.store, name)
    return render(
        request, "survey_review.html", status, user=user, survey=name, queue=queue,
        error=error, done=request.query_params.get("done"), **_labels(page_lang(request)),
    )  # fmt: skip


@router.post("/surveys/{name}/review")
def review_post(
    name: str,
    request: Request,
    form: dict[str, str] = Depends(form_data),
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Accepts or rejects one record (a clerk of its district, or an admin)."""
    check_csrf(request, svc, form)
    code, decision = form.get("code", "").strip(), form.get("decision", "")
    task = next((t for t in surveys.review_queue(svc.store, name) if t["code"] == code), None)
    check_editor(request, user, code, task["district"] if task else None)
    try:
        surveys.review(
            svc.store, name, code, decision, user.name, form.get("note"),
            districts=user.write_districts,
        )  # fmt: skip
    except (ConflictError, InputError, NotFoundError) as exc:
        return _review(request, svc, user, name, exc.http_status, str(exc))
    return RedirectResponse(f"/surveys/{quote(name)}/review?done={quote(code)}", status_code=303)


@router.get("/survey/photos/{photo_id}")
def photo(photo_id: int, user: User = Depends(page_member), svc: Service = Depends(service)):
    """A survey photo: for its surveyor or a reader of the inventory."""
    _, media, content = records.photo_content(svc.store, user, photo_id)
    return Response(content, media_type=media, headers={"Cache-Control": "private, no-store"})
