"""The JSON API under /api/v1: sign in for a token, read and update parcels. The
same service functions as the command line; the rights checked here and in them."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from landbank.domain.fields import FIELD_BY_NAME
from landbank.domain.rights import User
from landbank.errors import ConflictError, FieldProblems
from landbank.services import parcels as parcel_service
from landbank.services.users import authenticate, end_tokens
from landbank.web.deps import Service, api_member, api_user, api_writer, client_address, service
from landbank.web.responses import Me, ParcelPage, body, errors

router = APIRouter(responses=errors(401))


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


@router.post("/auth/token", response_model=Token, tags=["auth"], responses=errors(400, 422, 429))
def sign_in(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    svc: Service = Depends(service),
):
    """Trade a user name and password (form fields) for a bearer token (12 hours).
    Tries are limited per address and per name (a right password gives its try back):
    429 with Retry-After beyond."""
    address = client_address(request)
    wait = svc.limiter.begin(address, username)
    if wait:
        raise HTTPException(
            429, f"too many failed sign-ins; try again in {wait} s", {"Retry-After": str(wait)}
        )
    user = authenticate(svc.store, username, password)
    if user is None:
        raise HTTPException(401, "wrong user name or password", {"WWW-Authenticate": "Bearer"})
    svc.limiter.succeeded(address, username)
    return Token(access_token=svc.signer.token(user.name, user.id, user.token_version))


@router.post("/auth/logout", status_code=204, tags=["auth"])
def sign_out(user: User = Depends(api_member), svc: Service = Depends(service)) -> Response:
    """End the user's tokens and session cookies, on every device, at once."""
    end_tokens(svc.store, user.id)
    return Response(status_code=204)


@router.get("/me", tags=["auth"], response_model=None, responses=body(Me))
def me(user: User = Depends(api_member)) -> dict:
    """The signed-in user: name, role, the districts a clerk may edit."""
    return {"name": user.name, "role": user.role, "districts": list(user.districts)}


@router.get(
    "/parcels",
    tags=["parcels"],
    response_model=None,
    responses={**body(ParcelPage), **errors(422)},
)
def list_parcels(
    request: Request,
    category: str | None = None,
    district: str | None = None,
    park: str | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="part of a code, name or holder")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=parcel_service.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=parcel_service.MAX_OFFSET)] = 0,
    user: User = Depends(api_user),
    svc: Service = Depends(service),
) -> dict:
    """Current parcels, by code, a page at a time, with ``total`` and a ``next`` link."""
    page = parcel_service.page_parcels(svc.store, category, district, park, q, limit, offset)
    if offset + limit < page["total"]:
        page["next"] = str(request.url.include_query_params(offset=offset + limit))
    return page


@router.get("/parcels/{code}", tags=["parcels"], responses=errors(404, 422))
def show_parcel(code: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """Every field of one parcel, its category with reasons, flags and version."""
    # already plain JSON values: answered as is, without FastAPI's encoder walking them
    return JSONResponse(parcel_service.show_parcel(svc.store, code))


@router.get("/parcels/{code}/history", tags=["parcels"], responses=errors(404, 422))
def parcel_history(code: str, user: User = Depends(api_user), svc: Service = Depends(service)):
    """Every change of the parcel: field, old, new, by, at, reason."""
    return parcel_service.history(svc.store, code)


class ParcelPatch(BaseModel):
    fields: dict[str, Any] = Field(description="FIELD → new value; null or '' clears it")
    reason: str = Field(min_length=1, max_length=500)
    expected_version: int | None = Field(
        default=None, description="the version you read; a stale one gives 409"
    )


def _text(field: str, value: Any) -> tuple[str, str | None]:
    """A sent value as ``set_fields`` reads it, and what is wrong with its JSON type:
    text or null everywhere, a number also for a number field; never an object, a list
    or true/false (``{"holder": {"a": 1}}`` is not stored as the text of a dict)."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    kind = FIELD_BY_NAME[field].kind if field in FIELD_BY_NAME else "text"
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value), None
    wanted = "a number or null" if kind == "number" else "text or null"
    return "", f"{field}: send {wanted}, not {type(value).__name__} {json.dumps(value)[:40]}"


@router.patch("/parcels/{code}", tags=["parcels"], responses=errors(400, 403, 404, 409, 422))
def patch_parcel(
    code: str,
    body: ParcelPatch,
    user: User = Depends(api_writer),
    svc: Service = Depends(service),
):
    """Change fields of a parcel: re-classified, every change in its history. 422 with a
    message per bad field; 403 outside a clerk's districts; 409 with the current
    version when ``expected_version`` is stale."""
    sent = {k: _text(k, v) for k, v in body.fields.items()}
    wrong = [{"field": f"fields.{k}", "message": m} for k, (_, m) in sent.items() if m]
    if wrong:
        return JSONResponse({"detail": wrong}, status_code=422)
    fields = {k: text for k, (text, _) in sent.items()}
    if not fields:
        raise HTTPException(422, [{"field": "fields", "message": "nothing to change"}])
    try:
        done = parcel_service.set_fields(
            svc.store,
            code,
            fields,
            by=user.name,
            reason=body.reason,
            expect_version=body.expected_version,
            districts=user.write_districts,
        )
        return JSONResponse(done)
    except FieldProblems as exc:
        detail = [{"field": f"fields.{k}", "message": m} for k, m in exc.problems.items()]
        return JSONResponse({"detail": detail}, status_code=422)
    except ConflictError as exc:
        return JSONResponse(
            {
                "detail": str(exc),
                "current_version": parcel_service.conflict_version(svc.store, code, exc),
            },
            status_code=409,
        )
