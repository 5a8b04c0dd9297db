"""What a vector tile reads: the served parcels (current ones, with their latest
disposal's status) or located buildings inside a tile's buffered box, found through the
spatial index and generalised for the tile's zoom.

On PostGIS (``uow.sql.mvt_in_sql``) the whole tile is one statement: ST_AsMVTGeom clips
and snaps each shape to the tile's grid and ST_AsMVT encodes the layer. Elsewhere
``tile_rows`` gives the rows (geometry as WKB, lon/lat) for ``maps.vector_tiles`` to
encode. Both keep the same features: those whose shape meets the buffered box and,
for parcels, whose area reaches the tile's smallest kept one; below DETAIL_ZOOM, the
MAX_FEATURES largest of them where more meet it.

A parcels tile of the overview's zooms may instead read that choice made ahead
(``overview=True``: migration 0016's ``tile_overview``, by the tile's key, its shapes
simplified for the zoom), joined to the parcel's live row: its category, disposal and
retirement as they are now; a parcel whose shape changed since the overview was built
is drawn from its live shape."""

from __future__ import annotations

from sqlalchemy import case, func, literal_column, select

from landbank.db.matching import stamp
from landbank.db.models import Building, Disposal, Parcel
from landbank.db.tile_overview import MOVED, OVERVIEW, on_grid, simplified
from landbank.domain import tiles as grid
from landbank.domain.area import M2_PER_MU
from landbank.domain.tiles import EXTENT, Tile

P, B, D = Parcel.__table__, Building.__table__, Disposal.__table__

# what each layer's features carry (what the maps colour, label and link by); a parcel
# of a tile below DETAIL_ZOOM carries only the first two and its disposal's status
PARCEL_FIELDS = ("code", "category", "name", "district", "park", "area_mu")
BUILDING_FIELDS = ("code", "name", "park", "building_type")
TABLES = {"parcels": (P, PARCEL_FIELDS, "land"), "buildings": (B, BUILDING_FIELDS, "floor")}

__all__ = ["any_feature", "data_stamp", "mvt", "tile_rows", "TABLES"]


def data_stamp(uow, layer: str) -> int:
    """The data stamp that moves whenever what ``layer``'s tiles show changes (``land``
    for parcels: their shape, names, category, area, any disposal; ``floor`` for
    buildings)."""
    return stamp(uow, TABLES[layer][2])


def _latest_disposal():
    """The status of the parcel's latest disposal, as a correlated subquery."""
    return (
        select(D.c.status)
        .where(D.c.subject == "parcel", D.c.parcel_code == P.c.code)
        .order_by(D.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _where(uow, layer: str, tile: Tile) -> list:
    tbl = TABLES[layer][0]
    box = tile.buffered_bounds()
    if layer == "parcels":
        kept = [P.c.retired.is_(False), P.c.area_mu >= tile.min_area_m2() / M2_PER_MU]
    else:
        kept = [B.c.geom.is_not(None)]
    # the index's box test only: the tile's clip drops what merely shares a box corner
    return kept + uow.sql.bbox_filter(uow, tbl, f"idx_{tbl.name}_geom", box, exact=False)


def _columns(layer: str, tile: Tile) -> list:
    tbl, fields, _ = TABLES[layer]
    if layer == "parcels" and not tile.detailed:
        fields = fields[:2]
    cols = [tbl.c[f] for f in fields]
    if layer == "parcels":
        cols.append(_latest_disposal().label("disposal"))
    return cols


def _picked(uow, layer: str, tile: Tile):
    """The ids of the features the tile holds: those meeting its box (and, for parcels,
    of its smallest area or more); below DETAIL_ZOOM at most MAX_FEATURES, the largest
    parcels first (from DETAIL_ZOOM on, every one: the archive's deepest tiles hold the
    whole map). Chosen by id and area alone: shapes and disposals are read for these
    only."""
    tbl = TABLES[layer][0]
    order = [P.c.area_mu.desc(), P.c.code] if layer == "parcels" else [B.c.code]
    most = None if tile.detailed else grid.MAX_FEATURES
    return select(tbl.c.id).where(*_where(uow, layer, tile)).order_by(*order).limit(most)


def _from_overview(tile: Tile, live_shape):
    """The tile's parcels as the overview chose them, current ones only, joined to
    their live rows; their shape the kept one unless the parcel's shape changed since
    the overview was built (then ``live_shape``)."""
    o = OVERVIEW.alias("o")
    moved = select(MOVED.c.parcel_id).where(MOVED.c.parcel_id == o.c.parcel_id).exists()
    shape = case((moved, live_shape), else_=o.c.geom)
    return o, shape, [o.c.z == tile.z, o.c.x == tile.x, o.c.y == tile.y, P.c.retired.is_(False)]


def tile_rows(uow, layer: str, tile: Tile, overview: bool = False) -> list[dict]:
    """The features of ``layer`` whose box meets ``tile``'s buffered box (for parcels,
    of at least the tile's smallest area; below DETAIL_ZOOM the MAX_FEATURES largest
    where more do; ``overview``: the parcels the overview chose for the tile):
    their fields (fewer below DETAIL_ZOOM), ``disposal`` for parcels, and ``wkb``
    (lon/lat)."""
    tbl = TABLES[layer][0]
    if overview:
        o, shape, where = _from_overview(tile, P.c.geom)
        stmt = (
            select(*_columns(layer, tile), func.ST_AsBinary(shape).label("wkb"))
            .join_from(o, P, P.c.id == o.c.parcel_id)
            .where(*where)
        )
        return [dict(r) for r in uow.execute(stmt).mappings()]
    picked = _picked(uow, layer, tile).subquery("picked")
    stmt = select(*_columns(layer, tile), func.ST_AsBinary(tbl.c.geom).label("wkb")).join_from(
        tbl, picked, tbl.c.id == picked.c.id
    )
    return [dict(r) for r in uow.execute(stmt).mappings()]


def mvt(uow, layer: str, tile: Tile, overview: bool = False) -> bytes:
    """The tile of ``layer`` encoded by PostGIS in one statement (ST_AsMVT): the same
    features as ``tile_rows``, simplified by one tile unit, clipped to the buffered
    tile and snapped to its grid (from the overview: as it keeps them); b"" when it
    holds none."""
    tbl = TABLES[layer][0]
    if overview:  # the kept shapes are on the tile's grid already
        live = on_grid(simplified(uow, P.c.geom, tile.z), tile.z, tile.x, tile.y)
        o, shape, where = _from_overview(tile, live)
        rows = (
            select(*_columns(layer, tile), shape.label("geom"))
            .join_from(o, P, P.c.id == o.c.parcel_id)
            .where(*where)
            .subquery("q")
        )
    else:
        geom = tbl.c.geom
        if layer == "parcels":
            geom = func.ST_Simplify(geom, tile.tolerance_deg(), True)
        picked = _picked(uow, layer, tile).subquery("picked")
        rows = (
            select(*_columns(layer, tile), on_grid(geom, tile.z, tile.x, tile.y).label("geom"))
            .join_from(tbl, picked, tbl.c.id == picked.c.id)
            .subquery("q")
        )
    stmt = (
        select(func.ST_AsMVT(literal_column("q"), layer, EXTENT, "geom"))
        .select_from(rows)
        .where(rows.c.geom.is_not(None))
    )
    found = uow.execute(stmt).scalar()
    return bytes(found) if found else b""


def any_feature(uow, layer: str, tile: Tile) -> bool:
    """Whether any served feature of ``layer``, however small, has a box meeting the
    tile's buffered box (the tiles below it may then hold some)."""
    tbl = TABLES[layer][0]
    box = tile.buffered_bounds()
    kept = [P.c.retired.is_(False)] if layer == "parcels" else [B.c.geom.is_not(None)]
    kept += uow.sql.bbox_filter(uow, tbl, f"idx_{tbl.name}_geom", box, exact=False)
    return uow.execute(select(tbl.c.id).where(*kept).limit(1)).first() is not None
