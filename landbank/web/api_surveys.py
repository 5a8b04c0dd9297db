"""The JSON API of field surveys under /api/v1, mirroring ``landbank survey``:

- ``/surveys``: create (a clerk or admin, the district rule on every target), list,
  show, the review queue and a review (accept or reject), for readers of the
  inventory (a surveyor is refused: 403);
- ``/tasks``: a surveyor's own tasks (with what the phone keeps offline) and the
  records they submit (an idempotency key and the version seen in each);
- ``/records/{id}/photos``: a record's photos (a surveyor's upload), ``/photos/{id}``
  a photo's bytes (its surveyor or a reader of the inventory)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, Field

from landbank.domain.rights import User
from landbank.errors import FieldProblems
from landbank.services import survey_records as records
from landbank.services import surveys
from landbank.web.days import plausible_day
from landbank.web.deps import Service, api_member, api_surveyor, api_user, api_writer, service
from landbank.web.responses import errors

router = APIRouter(responses=errors(401))
Day = Annotated[dt.date | None, AfterValidator(plausible_day)]
WRITE_ERRORS = errors(403, 404, 409, 422)


class SurveyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    assign: str = Field(min_length=1, max_length=128, description="the surveyor")
    codes: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=5000)
    buildings: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=5000)
    filter: dict[str, Annotated[str, Field(max_length=128)]] = Field(
        default={}, description="district, park, category: current parcels chosen"
    )
    due_on: Day = None


@router.post("/surveys", status_code=201, tags=["survey"], responses=WRITE_ERRORS)
def create_survey(
    body: SurveyCreate, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """Give parcels and buildings to a surveyor as open tasks of a survey (made, or
    added to): every target in your districts and in the surveyor's."""
    filters = surveys.parse_filters([f"{k}={v}" for k, v in body.filter.items()])
    return surveys.create_survey(
        svc.store, body.name, body.assign, user.name, body.codes, body.buildings, filters,
        body.due_on, districts=user.write_districts,
    )  # fmt: skip


@router.get("/surveys", tags=["survey"])
def list_surveys(user: User = Depends(api_user), svc: Service = Depends(service)) -> list:
    """Every survey with its tasks counted by state."""
    return surveys.list_surveys(svc.store)


@router.get("/surveys/{name}", tags=["survey"], responses=errors(403, 404))
def show_survey(name: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """A survey's tasks (code, kind, assignee, state, note) with records and photos."""
    return JSONResponse(surveys.show_survey(svc.store, name))


@router.get("/surveys/{name}/review", tags=["survey"], responses=errors(403, 404))
def review_queue(name: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """The tasks of the survey waiting for a review, with records, photos, distances."""
    return JSONResponse(surveys.review_queue(svc.store, name))


class Review(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    decision: str = Field(pattern="^(accept|reject)$")
    note: str | None = Field(default=None, max_length=500)


@router.post("/surveys/{name}/review", tags=["survey"], responses=WRITE_ERRORS)
def review(
    name: str, body: Review, user: User = Depends(api_writer), svc: Service = Depends(service)
) -> dict[str, Any]:
    """Accept (applied as every edit is: history with surveyor and reviewer,
    re-classification, vacancies and state) or reject (the task open again, with
    the note) the submitted record of ``code``; 409 when the target changed since
    it was surveyed."""
    return surveys.review(
        svc.store, name, body.code, body.decision, user.name, body.note,
        districts=user.write_districts,
    )  # fmt: skip


# ---- the surveyor's side ----------------------------------------------------------------


@router.get("/tasks", tags=["survey"], responses=errors(403))
def my_tasks(user: User = Depends(api_member), svc: Service = Depends(service)):
    """Your tasks (a surveyor's), with each target's version, geometry and values."""
    return JSONResponse(records.my_tasks(svc.store, user))


@router.get("/tasks/{task_id}", tags=["survey"], responses=errors(403, 404))
def show_task(task_id: int, user: User = Depends(api_member), svc: Service = Depends(service)):
    """One task: yours (a surveyor), any (a reader of the inventory)."""
    return JSONResponse(records.task_detail(svc.store, user, task_id))


class RecordIn(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=128)
    seen_version: int = Field(ge=0, description="the target's version you saw")
    visited_on: Day = None
    values: dict[str, Any] = Field(
        description="a parcel: site_status, status_on, note; a building: floors [{floor, "
        "unit, vacant_area_m2, available_from, rent_yuan_m2_month}], note"
    )


@router.post("/tasks/{task_id}/records", status_code=201, tags=["survey"], responses=WRITE_ERRORS)
def submit_record(
    task_id: int,
    body: RecordIn,
    user: User = Depends(api_surveyor),
    svc: Service = Depends(service),
):
    """Submit what you found: 201 stored; 200 the same idempotency key again (the first
    result, nothing stored); 409 the target changed since ``seen_version`` (stored as
    a conflict: the record with ``current_version``)."""
    try:
        done = records.submit_record(
            svc.store, user, task_id, body.idempotency_key, body.seen_version, body.values,
            body.visited_on,
        )  # fmt: skip
    except FieldProblems as exc:
        detail = [{"field": f"values.{k}", "message": m} for k, m in exc.problems.items()]
        return JSONResponse({"detail": detail}, status_code=422)
    if done["state"] == "conflict":
        message = (
            f"conflict: {done['kind']} {done['code']} is at version {done['current_version']}, "
            f"you saw {done['seen_version']}; kept as a conflict, nothing applied: look again"
        )
        return JSONResponse({"detail": message, **done}, status_code=409)
    return JSONResponse(done, status_code=200 if done["replayed"] else 201)


@router.post(
    "/records/{record_id}/photos", status_code=201, tags=["survey"],
    responses={**WRITE_ERRORS, **errors(413)},
)  # fmt: skip
def add_photo(
    record_id: int,
    file: Annotated[UploadFile, File(description="a JPEG or PNG photo")],
    user: User = Depends(api_surveyor),
    svc: Service = Depends(service),
):
    """A photo of your record: checked by content, kept once, its EXIF time and GPS read,
    its distance to the target and its flags (far, old, no_gps, no_time)."""
    done = records.add_photo(svc.store, user, record_id, file.filename or "", file.file.read())
    return JSONResponse(done, status_code=200 if done["replayed"] else 201)


@router.get("/photos/{photo_id}", tags=["survey"], responses=errors(403, 404))
def photo(photo_id: int, user: User = Depends(api_member), svc: Service = Depends(service)):
    """A survey photo's bytes: for its surveyor or a reader of the inventory."""
    name, media, content = records.photo_content(svc.store, user, photo_id)
    return Response(content, media_type=media, headers={"Cache-Control": "private, no-store"})
