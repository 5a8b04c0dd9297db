"""The pages of the per-mu evaluation by enterprise: a year's evaluation (counts per
cohort and grade, the ranked list filtered by district, park and cohort, the .xlsx,
the map of the grades) and an enterprise (register, figures by year and source with
their vintage, grade history, the latest grade explained, policies, its parcels and
leases on a map). Any signed-in user reads them; nothing here writes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.background import BackgroundTask

from landbank.domain.enterprises import FIGURE_BY_NAME, SOURCES, cohort_label
from landbank.domain.evaluation import STATUSES
from landbank.domain.rights import User
from landbank.errors import NotFoundError
from landbank.services import evaluation as evaluation_service
from landbank.services.evaluation_outputs import write_ranked_xlsx
from landbank.services.evaluation_views import enterprise_view, evaluation_view
from landbank.services.grade_maps import enterprise_map_html, grade_map_html
from landbank.web.api_cases import attachment_headers
from landbank.web.deps import Service, service
from landbank.web.pagekit import PageRoute, page_lang, page_user, render
from landbank.web.pages_maps import Basemap, map_response

router = APIRouter(route_class=PageRoute, include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _words(lang: str) -> dict:
    """The labels of cohorts, statuses, sources and figures in ``lang``."""
    return {
        "cohort_name": lambda c: cohort_label(c, lang) or (c or ""),
        "status_name": lambda s: STATUSES.get(s, {}).get(lang, s),
        "source_name": lambda s: SOURCES.get(s, {}).get(lang, s),
        "fig_name": lambda f: getattr(FIGURE_BY_NAME.get(f), lang, f),
    }


def _blank(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@router.get("/evaluations")
def latest_evaluation(user: User = Depends(page_user), svc: Service = Depends(service)):
    """The newest year evaluated."""
    current = [r for r in evaluation_service.list_runs(svc.store) if r["current"]]
    if not current:
        raise NotFoundError("no evaluation kept; run landbank evaluate --year YYYY")
    return RedirectResponse(f"/evaluations/{current[0]['year']}", status_code=303)


@router.get("/evaluations/{year}")
def evaluation_page(
    year: int,
    request: Request,
    district: str | None = None,
    park: str | None = None,
    cohort: str | None = None,
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """A year's current run: counts per cohort and grade, the ranked list (filtered),
    the not graded, the download and the map of the grades."""
    run = evaluation_view(svc.store, year, _blank(district), _blank(park), _blank(cohort))
    lang = page_lang(request)
    return render(request, "evaluation.html", user=user, run=run, **_words(lang))


@router.get("/evaluations/{year}/ranked.xlsx")
def evaluation_xlsx(year: int, user: User = Depends(page_user), svc: Service = Depends(service)):
    """The ranked lists of the year's current run as ``landbank evaluate --xlsx``."""
    run = evaluation_service.show_run(svc.store, year)
    folder = Path(tempfile.mkdtemp(prefix="landbank-ranked-"))
    try:
        path = write_ranked_xlsx(run, folder / "ranked.xlsx")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=XLSX,
        headers=attachment_headers(f"亩均评价_{year}.xlsx"),
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/enterprises/{code}")
def enterprise_page(
    code: str, request: Request, user: User = Depends(page_user), svc: Service = Depends(service)
):
    """An enterprise: register, figures, grade history, the latest grade explained,
    policies, parcels and leases on a map."""
    shown = enterprise_view(svc.store, code)
    lang = page_lang(request)
    years = sorted({f["year"] for f in shown["figures"]}, reverse=True)
    return render(request, "enterprise.html", user=user, e=shown, years=years, **_words(lang))


@router.get("/maps/grades")
def grades_map(
    request: Request,
    year: int | None = None,
    district: Annotated[list[str] | None, Query()] = None,
    basemap: Basemap = "none",
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """Parcels coloured by their enterprise's grade in ``year`` (the latest if none)."""
    return map_response(
        grade_map_html(svc.store, year, district or None, basemap, page_lang(request))
    )


@router.get("/maps/enterprise/{code}")
def enterprise_map(
    code: str,
    request: Request,
    basemap: Basemap = "none",
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """The parcels an enterprise holds and rents in or out, coloured by grade."""
    return map_response(enterprise_map_html(svc.store, code, basemap, page_lang(request)))
