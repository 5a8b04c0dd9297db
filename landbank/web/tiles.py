"""The maps' layers as Mapbox Vector Tiles, after OGC API - Tiles: ``/tiles`` lists the
tiled layers, ``/tiles/{layer}`` is a layer's TileJSON (what MapLibre, QGIS or GDAL
read to find the tiles), ``/tiles/{layer}/{z}/{x}/{y}.mvt`` one tile of the
WebMercatorQuad grid.

Read as /ogc is: by any signed-in user (bearer token, HTTP Basic or the session cookie
of the pages), or by anyone when the service runs with ``--ogc-public``. A tile carries
an ETag of its layer's data stamp and ``Cache-Control: private, no-cache``: a browser
keeps it and asks again with If-None-Match, answered 304 until an edit moves the stamp."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from landbank.services import tiles
from landbank.web.deps import Service, gis_user, service
from landbank.web.responses import errors

router = APIRouter(
    tags=["OGC API - Tiles"],
    dependencies=[Depends(gis_user)],
    responses=errors(401, 429),
)

MVT = "application/vnd.mapbox-vector-tile"
CACHING = "private, no-cache"


def _template(request: Request, layer: str) -> str:
    # url_for quotes the braces of a template: the placeholders are put back after
    url = str(request.url_for("tile", collection_id=layer, z=0, x=0, y=0))
    return url.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")


@router.get("", name="tiles_landing")
def landing(request: Request) -> JSONResponse:
    """The tiled layers, each with a link to its TileJSON and its tile template."""
    return JSONResponse(
        {
            "title": "landbank: vector tiles",
            "links": [{"href": str(request.url), "rel": "self", "type": "application/json"}],
            "tilesets": [
                {
                    "id": lay.id,
                    "title": lay.title,
                    "description": lay.description,
                    "dataType": "vector",
                    "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/"
                    "WebMercatorQuad",
                    "links": [
                        {
                            "href": str(request.url_for("tilejson", collection_id=lay.id)),
                            "rel": "describedby",
                            "type": "application/json",
                            "title": "TileJSON",
                        },
                        {
                            "href": _template(request, lay.id),
                            "rel": "item",
                            "type": MVT,
                            "templated": True,
                        },
                    ],
                }
                for lay in tiles.LAYERS.values()
            ],
        }
    )


@router.get("/{collection_id}", name="tilejson", responses=errors(404))
def tilejson(collection_id: str, request: Request, svc: Service = Depends(service)) -> JSONResponse:
    """The layer's TileJSON 3.0: tile template, zooms, bounds (lon/lat) and fields."""
    tiles.layer(collection_id)
    return JSONResponse(tiles.tilejson(svc.store, collection_id, _template(request, collection_id)))


@router.get(
    "/{collection_id}/{z}/{x}/{y}.mvt",
    name="tile",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "A Mapbox Vector Tile (empty: no feature)"},
        304: {"description": "Not modified since the ETag sent"},
        **errors(404),
    },
)
def tile(
    collection_id: str,
    z: int,
    x: int,
    y: int,
    request: Request,
    svc: Service = Depends(service),
) -> Response:
    """One tile of the layer (z 0–22, x and y 0 to 2^z - 1), generalised for its zoom:
    simplified by one of its 4096 units, small parcels left out of low zooms."""
    tiles.layer(collection_id)
    tiles.tile_at(z, x, y)
    asked = request.headers.get("if-none-match")
    if asked:
        now = f'"{tiles.stamp(svc.store, collection_id)}"'
        if now in (a.strip() for a in asked.split(",")):
            return Response(status_code=304, headers={"ETag": now, "Cache-Control": CACHING})
    data, stamp = tiles.tile(svc.store, collection_id, z, x, y, svc.tiles)
    return Response(data, media_type=MVT, headers={"ETag": f'"{stamp}"', "Cache-Control": CACHING})
