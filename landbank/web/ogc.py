"""OGC API - Features (read): landing page, conformance, collections parcels and
buildings, items with bbox, limit, offset and next links, GeoJSON in CRS84.

Made for GIS clients (QGIS, GDAL's OAPIF driver): every route needs a signed-in user
(HTTP Basic, a bearer token or the session cookie) unless the service runs with
``--ogc-public``. Query parameters a route does not know are ignored, as clients send
their own; a bad value is a 400 that says what to send."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from landbank.services import ogc_features
from landbank.services.ogc_features import CRS84, MAX_LIMIT
from landbank.web.deps import Service, gis_user, service
from landbank.web.responses import (
    Collection,
    Collections,
    Conformance,
    FeatureCollection,
    Landing,
    body,
    errors,
)

router = APIRouter(
    tags=["OGC API - Features"],
    dependencies=[Depends(gis_user)],
    responses=errors(400, 401, 429),
)

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT = 100
MAX_OFFSET = 10**9  # beyond any layer, well inside a 64-bit integer
CODE_MOST = 64  # the width of a code (parcel.code, building.code)
FORMATS = ("json", "geojson", JSON, GEOJSON)

# Documented here, read from the query string by the route: a bad value is then a 400
# with a message, as the standard asks, not FastAPI's 422; and GDAL reads the limits.
ITEMS_PARAMETERS = [
    {
        "name": "bbox",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "Only features that intersect the box west,south,east,north "
        "(longitude, latitude in CRS84), e.g. 117.1,34.7,117.4,35.0; or 6 numbers "
        "west,south,min height,east,north,max height (the heights are not used)",
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": f"Features per page (a larger value gives {MAX_LIMIT})",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "Features to skip, by code; follow the next link instead",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    },
    {
        "name": "after",
        "in": "query",
        "required": False,
        "description": "The page begins after this code (what the next link gives: "
        "as fast at the millionth feature as at the first)",
        "schema": {"type": "string", "maxLength": CODE_MOST},
    },
    {
        "name": "before",
        "in": "query",
        "required": False,
        "description": "The page ends before this code (what the prev link gives); not "
        "with after or offset",
        "schema": {"type": "string", "maxLength": CODE_MOST},
    },
    {
        "name": "f",
        "in": "query",
        "required": False,
        "description": "Format: json (GeoJSON), the only one",
        "schema": {"type": "string", "enum": ["json"]},
    },
]
FORMAT_PARAMETER = {"parameters": ITEMS_PARAMETERS[-1:]}
# QGIS sizes its pages from components.parameters.limit (maximum, default)
COMPONENTS = {"parameters": {p["name"]: p for p in ITEMS_PARAMETERS}}


def _json(body: dict, media_type: str = JSON) -> JSONResponse:
    return JSONResponse(body, media_type=media_type)


def _check_format(request: Request) -> None:
    f = request.query_params.get("f")
    if f is not None and f.lower() not in FORMATS:
        raise HTTPException(400, f"f={f}: only f=json (GeoJSON) is served")


def _link(href, rel: str, media_type: str, title: str | None = None) -> dict:
    link = {"href": str(href), "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


@router.get("", name="ogc_landing", openapi_extra=FORMAT_PARAMETER, responses=body(Landing))
def landing(request: Request) -> JSONResponse:
    """The landing page: what the service is and links to the API definition, the
    conformance classes and the collections."""
    _check_format(request)
    links = [
        _link(request.url_for("ogc_landing"), "self", JSON, "this document"),
        _link(request.url_for("ogc_api"), "service-desc", OPENAPI, "the API definition"),
        _link(request.url_for("custom_swagger_ui_html"), "service-doc", "text/html", "API docs"),
        _link(request.url_for("ogc_conformance"), "conformance", JSON, "conformance classes"),
        _link(request.url_for("ogc_collections"), "data", JSON, "the collections"),
    ]
    return _json(
        {
            "title": "landbank: 五未土地 idle and inefficient land",
            "description": "The land bureau's parcels (with their category and disposal) "
            "and idle buildings, as OGC API - Features for QGIS and other GIS clients.",
            "links": links,
        }
    )


@router.get("/api", name="ogc_api", include_in_schema=False)
def api_definition(request: Request) -> JSONResponse:
    """The OpenAPI 3.0 definition of this API alone, its paths relative to the landing
    page as the standard has them (the service's whole API is at /openapi.json)."""
    whole = request.app.openapi()
    prefix = request.url_for("ogc_landing").path
    paths = {}
    for path, item in whole["paths"].items():
        if path != prefix and not path.startswith(prefix + "/"):
            continue
        operations = {}
        for method, operation in item.items():
            # no 422: every parameter is read, and refused with a 400, by the route
            responses = {k: v for k, v in operation["responses"].items() if k != "422"}
            operations[method] = {**operation, "responses": responses}
        paths[path[len(prefix) :] or "/"] = operations
    body = {
        "openapi": "3.0.3",
        "info": {"title": "landbank OGC API - Features", "version": whole["info"]["version"]},
        "servers": [{"url": str(request.url_for("ogc_landing"))}],
        "paths": paths,
        "components": {**COMPONENTS, "schemas": _schemas_used(paths, whole)},
    }
    return _json(body, OPENAPI)


def _schemas_used(paths: dict, whole: dict) -> dict:
    """The schemas of the whole API's components that ``paths`` refer to (the error
    bodies), so that the definition of /ogc alone has no dangling reference."""
    every = whole["components"]["schemas"]
    found: dict = {}
    todo = [paths]
    while todo:
        for name in re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(todo.pop())):
            if name not in found:
                found[name] = every[name]
                todo.append(every[name])
    return dict(sorted(found.items()))


@router.get(
    "/conformance",
    name="ogc_conformance",
    openapi_extra=FORMAT_PARAMETER,
    responses=body(Conformance),
)
def conformance(request: Request) -> JSONResponse:
    """The conformance classes of OGC API - Features Part 1 the service implements."""
    _check_format(request)
    return _json({"conformsTo": CONFORMANCE})


def _collection(request: Request, svc: Service, collection_id: str) -> dict:
    lay = ogc_features.layer(collection_id)
    bbox = ogc_features.extent(svc.store, collection_id)
    here = request.url_for("ogc_collection", collection_id=lay.id)
    items = request.url_for("ogc_items", collection_id=lay.id)
    body = {
        "id": lay.id,
        "title": lay.title,
        "description": lay.description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link(here, "self", JSON, lay.title),
            _link(items, "items", GEOJSON, f"{lay.title}: features"),
        ],
    }
    if bbox is not None:
        body["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    return body


@router.get(
    "/collections",
    name="ogc_collections",
    openapi_extra=FORMAT_PARAMETER,
    responses=body(Collections),
)
def collections(request: Request, svc: Service = Depends(service)) -> JSONResponse:
    """The collections: parcels and buildings, each with its extent (lon/lat)."""
    _check_format(request)
    return _json(
        {
            "links": [_link(request.url_for("ogc_collections"), "self", JSON)],
            "collections": [_collection(request, svc, c) for c in ogc_features.LAYERS],
        }
    )


@router.get(
    "/collections/{collection_id}",
    name="ogc_collection",
    openapi_extra=FORMAT_PARAMETER,
    responses={**body(Collection), **errors(404)},
)
def collection(
    collection_id: str, request: Request, svc: Service = Depends(service)
) -> JSONResponse:
    """One collection: its title, extent (lon/lat), CRS and a link to its features."""
    _check_format(request)
    return _json(_collection(request, svc, collection_id))


def _whole_number(
    request: Request, name: str, default: int, least: int, most: int | None = MAX_OFFSET
) -> int:
    text = request.query_params.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text)
    except ValueError:
        raise HTTPException(400, f"{name}={text}: not a whole number") from None
    if value < least:
        raise HTTPException(400, f"{name}={value}: give {least} or more")
    if most is not None and value > most:
        raise HTTPException(400, f"{name}={value}: give at most {most}")
    return value


def _code_param(request: Request, name: str) -> str | None:
    """The code given as ``name`` (after, before; empty: not given); 400 for one no
    code can be (too long, or holding a control character)."""
    text = request.query_params.get(name)
    if not text:
        return None
    if len(text) > CODE_MOST or any(unicodedata.category(c) == "Cc" for c in text):
        raise HTTPException(
            400, f"{name}: give a code of at most {CODE_MOST} characters, no control characters"
        )
    return text


def _page_links(codes, more, limit, offset, after, before) -> list[tuple[str, dict]]:
    """The next and prev links of a page of features with ``codes`` (in code order)
    asked for by ``offset`` after ``after``, or by ``before``; ``more``: features lie
    beyond it in the direction asked. Each as (rel, its paging parameters)."""
    links = []
    if before is not None:  # a page backwards: the one after it always exists
        if more:
            links.append(("prev", {"before": codes[0], "limit": limit}))
        following = {"after": codes[-1]} if codes else {}  # else: the first page
        links.append(("next", {**following, "limit": limit}))
        return links
    if codes and more:
        links.append(("next", {"after": codes[-1], "limit": limit}))
    if codes and (after is not None or offset > 0):
        links.append(("prev", {"before": codes[0], "limit": limit}))
    elif after is not None:  # nothing after the code any more: the page before it
        links.append(("prev", {"before": after, "limit": limit}))
    elif offset > 0:
        links.append(("prev", {"offset": max(0, offset - limit), "limit": limit}))
    return links


def _bbox(request: Request) -> tuple[float, float, float, float] | None:
    """The ``bbox`` parameter as (west, south, east, north); 400 with the fix when it is
    not four numbers with west <= east and south <= north, or not in CRS84."""
    crs = request.query_params.get("bbox-crs")
    if crs and crs not in (CRS84, "CRS84", "OGC:CRS84"):
        raise HTTPException(400, f"bbox-crs={crs}: only {CRS84} (lon, lat) is served")
    text = request.query_params.get("bbox")
    if text is None:
        return None
    example = "e.g. bbox=117.1,34.7,117.4,35.0"
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise HTTPException(
            400,
            f"bbox={text}: give 4 numbers west,south,east,north (lon, lat), or 6 with "
            f"heights west,south,min height,east,north,max height; {example}",
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise HTTPException(400, f"bbox={text}: not {len(parts)} numbers; {example}") from None
    if not all(math.isfinite(n) for n in numbers):
        raise HTTPException(400, f"bbox={text}: not {len(parts)} finite numbers; {example}")
    if len(numbers) == 6:  # the standard's 3D box: the heights are not used
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if west > east:
        raise HTTPException(400, f"bbox={text}: west {west} is east of east {east}; {example}")
    if south > north:
        raise HTTPException(400, f"bbox={text}: south {south} is north of north {north}")
    return west, south, east, north


@router.get(
    "/collections/{collection_id}/items",
    name="ogc_items",
    response_class=JSONResponse,
    openapi_extra={"parameters": ITEMS_PARAMETERS},
    responses={
        200: {**body(FeatureCollection, GEOJSON)[200], "description": "GeoJSON Features"},
        **errors(404),
    },
)
def items(collection_id: str, request: Request, svc: Service = Depends(service)) -> JSONResponse:
    """A page of the collection's features by code (GeoJSON, lon/lat), those that
    intersect ``bbox`` when given; ``numberMatched`` counts them all, the ``next`` link
    gives the following page (there is none after the last)."""
    ogc_features.layer(collection_id)
    _check_format(request)
    bbox = _bbox(request)
    # a larger limit gives MAX_LIMIT, as documented (one beyond 64 bits too)
    limit = min(_whole_number(request, "limit", DEFAULT_LIMIT, 1, None), MAX_LIMIT)
    offset = _whole_number(request, "offset", 0, 0)
    after, before = _code_param(request, "after"), _code_param(request, "before")
    if before is not None and (after is not None or offset):
        raise HTTPException(400, "before: not with after or offset; give one way to the page")
    found, matched, more = ogc_features.page_features(
        svc.store, collection_id, bbox, limit, offset, after, before
    )
    links = [
        _link(request.url, "self", GEOJSON, "this page"),
        _link(request.url_for("ogc_collection", collection_id=collection_id), "collection", JSON),
    ]
    # next and prev lead by code (after, before: the code index), not by a growing offset
    paged = request.url.remove_query_params(["offset", "after", "before"])
    codes = [f["id"] for f in found]
    for rel, where in _page_links(codes, more, limit, offset, after, before):
        title = "the next page" if rel == "next" else "the previous page"
        links.append(_link(paged.include_query_params(**where), rel, GEOJSON, title))
    return _json(
        {
            "type": "FeatureCollection",
            "features": found,
            "numberMatched": matched,
            "numberReturned": len(found),
            "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "links": links,
        },
        GEOJSON,
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    name="ogc_feature",
    openapi_extra=FORMAT_PARAMETER,
    responses={200: {"content": {GEOJSON: {}}, "description": "A GeoJSON Feature"}, **errors(404)},
)
def feature(
    collection_id: str, feature_id: str, request: Request, svc: Service = Depends(service)
) -> JSONResponse:
    """One feature by its code (the parcel's 地块编号 or the building's code); 404 when
    unknown."""
    _check_format(request)
    body = ogc_features.one_feature(svc.store, collection_id, feature_id)
    body["links"] = [
        _link(request.url, "self", GEOJSON, "this feature"),
        _link(request.url_for("ogc_collection", collection_id=collection_id), "collection", JSON),
    ]
    return _json(body, GEOJSON)
