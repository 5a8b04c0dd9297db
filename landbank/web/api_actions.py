"""The JSON API's actions under /api/v1, mirroring the command line: disposal, matching,
projects, reservations, buildings, progress and the report downloads. Each route calls
the service function the CLI calls; reads need a signed-in user, writes a clerk or an
admin, and a clerk's districts are checked inside the services' transactions."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel, Field
from starlette.background import BackgroundTask

from landbank.domain.rights import User
from landbank.errors import NotFoundError
from landbank.services import buildings as building_service
from landbank.services import disposal as disposal_service
from landbank.services import disposal_progress
from landbank.services import projects as project_service
from landbank.services import reservations as reservation_service
from landbank.services.matching import match, requirement_from_options
from landbank.web.days import plausible_day
from landbank.web.deps import Service, api_user, api_writer, service
from landbank.web.responses import errors

router = APIRouter(responses=errors(401))


Day = Annotated[dt.date | None, AfterValidator(plausible_day)]
Text = Annotated[str | None, Field(default=None, max_length=500)]
Lang = Annotated[Literal["zh", "en"], Query(description="language of labels and reasons")]


# ---- disposal ---------------------------------------------------------------------


class DisposalOpen(BaseModel):
    method: str = Field(max_length=64, description="supply, reclaim, extend_deadline, ...")
    cause: Literal["government", "enterprise"] | None = None
    planned_on: Day = None
    area_mu: float | None = Field(default=None, gt=0, description="area disposed (default all)")
    reason: Text = None
    on: Day = Field(default=None, description="date of the step (default today)")


class DisposalAdvance(BaseModel):
    to: str = Field(max_length=64, description="the next state")
    on: Day = None
    note: Text = None
    doc: Text = Field(default=None, description="document reference, e.g. a letter number")


class Blocker(BaseModel):
    kind: str = Field(max_length=64, description="mortgage, seizure or dispute")
    note: Text = None
    doc: Text = None
    on: Day = None


@router.get("/parcels/{code}/disposals", tags=["disposal"], responses=errors(404, 422))
def show_disposal(code: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """The disposals of a parcel (or the activations of a building), newest first, each
    with its deadlines and steps."""
    return disposal_service.show_disposal(svc.store, code)


@router.post(
    "/parcels/{code}/disposals",
    status_code=201,
    tags=["disposal"],
    responses=errors(400, 403, 404, 409, 422),
)
def open_disposal(
    code: str,
    body: DisposalOpen,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
):
    """Open the disposal of a parcel, or the activation (盘活) of a vacant building
    (method transfer or other), in state suspected. 409 when one is open already."""
    return disposal_service.open_disposal(
        svc.store,
        code,
        body.method,
        user.name,
        cause=body.cause,
        planned_on=body.planned_on,
        area_mu=body.area_mu,
        reason=body.reason,
        on=body.on,
        districts=user.write_districts,
    )


@router.post(
    "/parcels/{code}/disposals/advance", tags=["disposal"], responses=errors(400, 403, 404, 422)
)
def advance_disposal(
    code: str,
    body: DisposalAdvance,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
):
    """Move the open disposal to its next state; a step the workflow does not allow is
    422 with the allowed next states."""
    return disposal_service.advance(
        svc.store,
        code,
        body.to,
        user.name,
        on=body.on,
        note=body.note,
        doc=body.doc,
        districts=user.write_districts,
    )


def _blocker(code: str, body: Blocker, blocked: bool, user: User, svc: Service) -> dict:
    return disposal_service.set_blocker(
        svc.store,
        code,
        body.kind,
        blocked,
        user.name,
        note=body.note,
        doc=body.doc,
        on=body.on,
        districts=user.write_districts,
    )


@router.post(
    "/parcels/{code}/disposals/block", tags=["disposal"], responses=errors(400, 403, 404, 422)
)
def block_disposal(
    code: str, body: Blocker, user: User = Depends(api_writer), svc: Service = Depends(service)
):
    """Record a mortgage, court seizure or dispute that holds the disposal up."""
    return _blocker(code, body, True, user, svc)


@router.post(
    "/parcels/{code}/disposals/unblock", tags=["disposal"], responses=errors(400, 403, 404, 422)
)
def unblock_disposal(
    code: str, body: Blocker, user: User = Depends(api_writer), svc: Service = Depends(service)
):
    """Clear a blocker."""
    return _blocker(code, body, False, user, svc)


@router.get("/disposals/due", tags=["disposal"], responses=errors(422))
def disposals_due(
    within: Annotated[int, Query(ge=0, le=36500, description="days ahead")] = 30,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> list[dict]:
    """What falls due within the coming days, or is overdue, soonest first."""
    return disposal_service.due(svc.store, within)


# ---- matching, projects, reservations ---------------------------------------------

REQUIREMENT_EXAMPLE = {
    "name": "新能源装备制造项目",
    "industry": "3811",
    "land": {
        "area_mu_min": 30,
        "area_mu_max": 50,
        "land_use": "industrial",
        "districts": ["薛城区"],
        "ready_by": "2027-06-30",
    },
}
Requirement = Annotated[
    dict[str, Any],
    Body(
        description="a requirement as in a requirement file: name, industry and a land or "
        "a floor_space table (see data/projects/)",
        examples=[REQUIREMENT_EXAMPLE],
    ),
]


@router.post("/match", tags=["matching"], responses=errors(400, 422))
def match_requirement(
    requirement: Requirement,
    top: Annotated[int, Query(ge=1, le=100, description="how many candidates")] = 10,
    as_of: Annotated[Day, Query(description="match as of this day")] = None,
    lang: Lang = "zh",
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> list[dict]:
    """The ranked candidates (parcels, assembled sites or vacant floors) for a
    requirement, best first, as ``landbank match --json`` prints them (no geometry).
    A requirement the matcher cannot use is 422 naming the field."""
    req = requirement_from_options(requirement)
    return match(svc.store, req, top=top, lang=lang, today=as_of)["candidates"]


@router.get("/projects", tags=["matching"])
def list_projects(user: User = Depends(api_user), svc: Service = Depends(service)) -> list[dict]:
    """Every stored project: name, industry, kind, who added it, how much is reserved."""
    return project_service.list_projects(svc.store)


@router.get("/projects/{name}", tags=["matching"], responses=errors(404, 422))
def show_project(name: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """A stored project with its requirement as stored."""
    return project_service.show_project(svc.store, name)


@router.post("/projects", status_code=201, tags=["matching"], responses=errors(400, 403, 409, 422))
def add_project(
    requirement: Requirement,
    replace: Annotated[bool, Query(description="replace a stored project of that name")] = False,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
) -> dict:
    """Store a project's requirement, checked field by field (422 naming the field); a
    name already stored is 409 unless ``replace``. A clerk replaces only a project
    they stored (403 otherwise); an admin any."""
    return project_service.add_project_data(
        svc.store,
        requirement,
        user.name,
        replace,
        replace_hint="ask with replace=true",
        owner=None if user.role == "admin" else user.name,
    )


class ReservationRequest(BaseModel):
    codes: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        min_length=1,
        max_length=500,
        description="parcel codes, floor or unit codes (B001:F3, B001:F3:301) or building "
        "codes (each vacant floor and unit)",
    )
    project: str = Field(min_length=1, max_length=200)
    until: Day = Field(default=None, description="last day held; none: until released")
    reason: Text = None


class ReleaseRequest(BaseModel):
    codes: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        min_length=1, max_length=500
    )
    project: str = Field(min_length=1, max_length=200)
    reason: Text = None


@router.post(
    "/reservations", status_code=201, tags=["matching"], responses=errors(400, 403, 404, 409, 422)
)
def reserve(
    body: ReservationRequest, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict:
    """Reserve parcels or floor space for a stored project, all or nothing; what another
    project holds is 409 naming it; a clerk's code outside their districts is 403."""
    return reservation_service.reserve(
        svc.store,
        body.codes,
        body.project,
        body.until,
        user.name,
        reason=body.reason,
        districts=user.write_districts,
    )


@router.post("/reservations/release", tags=["matching"], responses=errors(400, 403, 404, 422))
def release(
    body: ReleaseRequest, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict:
    """Release what is reserved for a project, all or nothing; a clerk's code outside
    their districts is 403."""
    return reservation_service.release(
        svc.store,
        body.codes,
        body.project,
        user.name,
        reason=body.reason,
        districts=user.write_districts,
    )


@router.get("/reservations", tags=["matching"], responses=errors(422))
def list_reservations(
    project: Annotated[str | None, Query(max_length=200, description="only this project's")] = None,
    include_released: Annotated[
        bool, Query(alias="all", description="also released and expired reservations")
    ] = False,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> list[dict]:
    """Reservations, oldest first: by default those holding today."""
    return reservation_service.list_reservations(svc.store, project, include_released)


# ---- buildings and progress -------------------------------------------------------


@router.get("/buildings", tags=["buildings"], responses=errors(422))
def list_buildings(
    park: Annotated[str | None, Query(max_length=200)] = None,
    state: Annotated[
        str | None, Query(max_length=64, description="vacant, partly_vacant or occupied")
    ] = None,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> list[dict]:
    """Idle buildings (of a park, in a state) by code, with vacant area and floors."""
    return building_service.list_buildings(svc.store, park=park, state=state)


@router.get("/buildings/{code}", tags=["buildings"], responses=errors(404, 422))
def show_building(code: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """Every field of one building, its state, location, vacant floors and activation."""
    return building_service.show_building(svc.store, code)


Group = Annotated[
    Literal["district", "park", "category", "method", "month"], Query(description="group by")
]
DateFrom = Annotated[Day, Query(alias="from", description="disposed on or after")]
DateTo = Annotated[Day, Query(alias="to", description="disposed on or before")]


@router.get("/progress", tags=["progress"], responses=errors(422))
def progress(
    by: Group = "district",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> list[dict]:
    """Disposal progress per group: identified and disposed land, rate, states, overdue
    (per district also the supply rate), as ``landbank progress --json``."""
    return disposal_progress.progress(svc.store, by, date_from, date_to)


# ---- downloads --------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ledger(store, path: Path, by: str, date_from, date_to) -> None:
    disposal_progress.progress_ledger(store, path, by, date_from, date_to)


def _report(store, path: Path, by: str, date_from, date_to) -> None:
    disposal_progress.progress_html(store, path, date_from=date_from, date_to=date_to)


# The only files served: each is written on request into a fresh temporary folder under
# its fixed name. A requested name is looked up here, never joined onto a path.
DOWNLOADS = {
    "progress_ledger.xlsx": (_ledger, XLSX, "progress_ledger.xlsx"),
    "progress_report.html": (_report, "text/html; charset=utf-8", "progress_report.html"),
}


@router.get(
    "/downloads/{name}",
    tags=["progress"],
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, as an attachment",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **errors(404, 422),
    },
)
def download(
    name: str,
    by: Group = "district",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
):
    """``progress_ledger.xlsx`` (the Excel ledger 台账, grouped ``by``) or
    ``progress_report.html`` (the HTML report), made from the data of this moment.
    Any other name is 404."""
    if name not in DOWNLOADS:
        raise NotFoundError(f"no such download; there are {', '.join(DOWNLOADS)}")
    write, media_type, filename = DOWNLOADS[name]
    folder = Path(tempfile.mkdtemp(prefix="landbank-download-"))
    path = folder / filename
    try:
        write(svc.store, path, by, date_from, date_to)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
