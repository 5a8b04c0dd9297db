"""Maps served by the service, built by the same builders as ``landbank map``: Leaflet
and landbank's map runtime inline, no base map unless ``?basemap=`` asks for one (an
intranet may reach no tile server). The pages show them in frames. ``/map`` is the
tiled map: MapLibre GL (served here) drawing the vector tiles of ``/tiles``, for any
number of parcels."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from landbank.domain.rights import User
from landbank.domain.tiles import ARCHIVE_ZOOMS
from landbank.errors import InputError
from landbank.services import tiles
from landbank.services.matching import match
from landbank.services.parcel_maps import fits_one_file, idle_land_html, parcel_map_html
from landbank.web.deps import Service, service
from landbank.web.pagekit import MAP_POLICY, TILED_POLICY, PageRoute, page_lang, page_user
from landbank.web.pages_match import FORM_KEYS, requirement_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Basemap = Annotated[str, Query(description="osm, tianditu, gaode or none")]


def map_response(html: str) -> HTMLResponse:
    # framed by the service's own pages: SAMEORIGIN, where every other page is DENY
    headers = {"Content-Security-Policy": MAP_POLICY, "X-Frame-Options": "SAMEORIGIN"}
    return HTMLResponse(html, headers=headers)


@router.get("/map")
def tiled_map(request: Request, user: User = Depends(page_user), svc: Service = Depends(service)):
    """The tiled map of every parcel (by category or disposal status) and building,
    drawn by MapLibre from ``/tiles``; a click on a parcel links to its page."""
    lang = page_lang(request)
    sources = {}
    for name in tiles.LAYERS:
        template = str(request.url_for("tile", collection_id=name, z=0, x=0, y=0))
        template = template.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
        # beyond z16 MapLibre overzooms: a parcel holds every vertex by then; below z8
        # (the archive's least zoom too) a province's parcels are under half a pixel
        sources[name] = {"tiles": [template], "minzoom": ARCHIVE_ZOOMS[0], "maxzoom": 16}
    html = tiles.map_page(svc.store, lang, sources, "/parcels/{code}")
    # the overview frames it (its links open the parcel's page in the whole window)
    headers = {"Content-Security-Policy": TILED_POLICY, "X-Frame-Options": "SAMEORIGIN"}
    return HTMLResponse(html, headers=headers)


def _tiled_instead(request: Request) -> RedirectResponse:
    """The tiled map, where the one-file map would hold too many parcels."""
    return RedirectResponse(f"/map?lang={page_lang(request)}", status_code=303)


@router.get("/maps/idle")
def idle_map(
    request: Request,
    category: Annotated[list[str] | None, Query()] = None,
    district: Annotated[list[str] | None, Query()] = None,
    basemap: Basemap = "none",
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """The idle-land map: parcels by category, idle buildings; the tiled map where
    there are more parcels than one file holds."""
    if not fits_one_file(svc.store):
        return _tiled_instead(request)
    return map_response(
        idle_land_html(
            svc.store, category or None, district or None, basemap, lang=page_lang(request)
        )
    )


@router.get("/maps/progress")
def progress_map(
    request: Request,
    basemap: Basemap = "none",
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """The disposal-progress map: districts coloured by their disposal rate; the
    tiled map where there are more parcels than one file holds."""
    if not fits_one_file(svc.store):
        return _tiled_instead(request)
    return map_response(
        idle_land_html(svc.store, basemap=basemap, lang=page_lang(request), progress=True)
    )


@router.get("/maps/parcel/{code}")
def parcel_map(
    code: str,
    request: Request,
    basemap: Basemap = "none",
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """One parcel among its neighbours within 500 m."""
    return map_response(parcel_map_html(svc.store, code, basemap, lang=page_lang(request)))


@router.get("/maps/match")
def match_map(
    request: Request,
    basemap: Basemap = "none",
    user: User = Depends(page_user),
    svc: Service = Depends(service),
):
    """The candidates of the match form's query, ranked 1..N, over the parcels around."""
    lang = page_lang(request)
    params = {k: v for k, v in request.query_params.items() if k in FORM_KEYS}
    req, top, problems = requirement_of(params, lang)
    if req is None:
        raise InputError("; ".join(f"{k}: {v}" for k, v in problems.items()))
    with tempfile.TemporaryDirectory(prefix="landbank-map-") as folder:
        path = Path(folder) / "match.html"
        match(svc.store, req, top=top, lang=lang, map_file=path, basemap=basemap)
        return map_response(path.read_text(encoding="utf-8"))
