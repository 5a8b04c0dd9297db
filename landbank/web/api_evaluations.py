"""The JSON API of the per-mu evaluation by enterprise under /api/v1, mirroring
``landbank evaluate`` and ``landbank enterprises show``: the runs kept, a year's
current run, an enterprise with its grade history explained, and a new run. Reads
need a signed-in user; a run grades the whole city, so only an admin or a clerk of
every district may make one (``domain.rights.check_citywide``, in the service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from landbank.domain.rights import User
from landbank.services import evaluation as evaluation_service
from landbank.services.evaluation_views import enterprise_view
from landbank.web.deps import Service, api_user, api_writer, service
from landbank.web.responses import errors

router = APIRouter(responses=errors(401), tags=["evaluation"])


@router.get("/evaluations")
def list_evaluations(
    year: int | None = None, user: User = Depends(api_user), svc: Service = Depends(service)
) -> list[dict[str, Any]]:
    """Every run kept (of ``year``), newest first, as ``landbank enterprises
    evaluations --json``: id, year, rule version, data_as_at, who, when, current."""
    return evaluation_service.list_runs(svc.store, year)


@router.get("/evaluations/{year}", responses=errors(404, 422))
def show_evaluation(
    year: int, user: User = Depends(api_user), svc: Service = Depends(service)
) -> dict[str, Any]:
    """The current run of ``year`` as ``landbank evaluate --json`` shows it: rules,
    benchmarks, vintages and per enterprise its land, score, grade, completeness,
    components explained and policies."""
    return evaluation_service.show_run(svc.store, year)


class EvaluationRun(BaseModel):
    year: int = Field(ge=1900, le=9999, description="the year of the figures to grade")


@router.post("/evaluations", responses=errors(403, 422))
def run_evaluation(
    body: EvaluationRun, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """Evaluates ``year`` and keeps the run (an admin or a clerk of every district: the
    grades cover the whole city; 403 otherwise). Answers as ``landbank evaluate
    --json``, with ``kept`` and ``unchanged``."""
    return evaluation_service.run_evaluation(
        svc.store, body.year, by=user.name, districts=user.write_districts
    )


@router.get("/enterprises/{code}", responses=errors(404, 422))
def show_enterprise(
    code: str, user: User = Depends(api_user), svc: Service = Depends(service)
) -> dict[str, Any]:
    """An enterprise as ``landbank enterprises show --json`` (register, parcels, leases
    in and out, land by year, figures with their vintages) with ``grades``, its grade
    in every run kept, each explained, and ``latest``, its newest current grade."""
    return enterprise_view(svc.store, code)
