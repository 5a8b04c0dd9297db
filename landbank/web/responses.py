"""The error answers of the JSON API and /ogc as the OpenAPI description documents them:
the bodies the service really sends (``{"detail": ...}``), for the routes'
``responses=``. ``errors(404, 409)`` gives the entries of those codes.

Every error body has ``detail``: a message (what, where and the fix), or for a 422 of
bad fields a list of ``{"field", "message"}``; a 409 of a stale version also gives the
``current_version``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldMessage(BaseModel):
    field: str = Field(description="the field, e.g. fields.area_mu or limit")
    message: str = Field(description="what is wrong with it")


class Problem(BaseModel):
    detail: str = Field(description="what is wrong and the fix")


class BadInput(BaseModel):
    detail: str | list[FieldMessage] = Field(
        description="a message, or one per bad field (request fields and parameters)"
    )


class Conflict(BaseModel):
    detail: str = Field(description="what conflicts and the fix")
    current_version: int | None = Field(
        default=None, description="the record's version now, after a stale expected_version"
    )


# ---- bodies of answers that are not errors, where a route returns a plain dict ------


class Me(BaseModel):
    name: str
    role: str = Field(description="admin, clerk or viewer")
    districts: list[str] = Field(description="the districts a clerk may edit")


class ParcelPage(BaseModel):
    items: list[dict[str, Any]] = Field(description="the parcels of this page, by code")
    total: int = Field(description="how many parcels match in all")
    limit: int
    offset: int
    next: str = Field(default=None, description="the next page; absent after the last")


class Link(BaseModel):
    href: str
    rel: str
    type: str
    title: str = Field(default=None, description="absent on some links")


class Landing(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]


class Collection(BaseModel):
    id: str
    title: str
    description: str
    itemType: str
    crs: list[str]
    links: list[Link]
    extent: dict[str, Any] = Field(default=None, description="absent when the layer is empty")


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


class FeatureCollection(BaseModel):
    type: str = Field(description="FeatureCollection")
    features: list[dict[str, Any]] = Field(description="GeoJSON Features, lon/lat")
    numberMatched: int
    numberReturned: int
    timeStamp: str
    links: list[Link]


def body(model: type[BaseModel], media_type: str = "application/json") -> dict[str, Any]:
    """A 200 entry of ``responses=`` documenting ``model`` as the body of ``media_type``
    (the route itself answers a plain dict)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {200: {"model": model, "content": {media_type: {"schema": ref}}}}


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


RESPONSES: dict[int, dict[str, Any]] = {
    400: {
        "model": Problem,
        "description": "A body that cannot be read (not JSON), or on /ogc a bad parameter",
    },
    401: {
        "model": Problem,
        "description": "Not signed in, or a wrong user name or password",
        "headers": {"WWW-Authenticate": _header("Bearer, or Basic on /ogc")},
    },
    403: {"model": Problem, "description": "A viewer writing, or a clerk outside their districts"},
    404: {"model": Problem, "description": "No such parcel, building, project or file"},
    409: {"model": Conflict, "description": "A stale version, or a duplicate"},
    422: {"model": BadInput, "description": "Bad fields or parameters, each named"},
    413: {"model": Problem, "description": "A body over the limit (an upload over its size)"},
    429: {
        "model": Problem,
        "description": "Too many failed sign-ins from this address or for this name",
        "headers": {"Retry-After": _header("seconds to wait")},
    },
    503: {
        "model": Problem,
        "description": "Something the service needs is missing here (e.g. LibreOffice for "
        "a PDF), or the database is not available",
    },
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries of the given status codes."""
    return {code: RESPONSES[code] for code in codes}
