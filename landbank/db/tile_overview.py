"""The tile overview's rows (migration 0016): what it is built from (every current
parcel's box and area, in code order), writing it zoom by zoom with each shape
simplified for its zoom, what it was built from, and how many parcels changed shape or
are new since. What a tile reads from it is in ``db.tiles``."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import column, func, select, table, text

from landbank.db.bulk import insert_frame
from landbank.db.models import Parcel
from landbank.db.rows import read_frame
from landbank.domain.tiles import BUFFER, EXTENT, Tile

P = Parcel.__table__
OVERVIEW = table("tile_overview", *(column(c) for c in ("z", "x", "y", "parcel_id", "geom")))
MOVED = table("tile_moved", column("parcel_id"))


def boxes(uow) -> pd.DataFrame:
    """Every current parcel's ``id``, ``area_mu`` and lon/lat box (``minx``, ``miny``,
    ``maxx``, ``maxy``), in code order (the database's: the tie-break of the tiles'
    choice). The box the spatial index holds, which a tile's box is tested against
    (``EngineSql.index_boxes``: PostGIS's float box, SpatiaLite's R*Tree box)."""
    stmt = uow.sql.index_boxes(uow.conn, P, "idx_parcel_geom").add_columns(P.c.area_mu)
    kept = [P.c.retired.is_(False), P.c.geom.is_not(None)]
    return read_frame(uow.conn, stmt.where(*kept).order_by(P.c.code))


def float_boxes(uow) -> bool:
    """Whether the spatial index tests a tile's box rounded outwards to float32
    (PostGIS's &&) rather than as it is (SpatiaLite's R*Tree query)."""
    return uow.sql.float_query_boxes


def simplified(uow, geom, z: int):
    """``geom`` simplified by one tile unit of zoom ``z`` (a polygon kept from
    collapsing, as a tile's shapes are simplified: ``EngineSql.simplified``)."""
    return uow.sql.simplified(geom, Tile(z, 0, 0).tolerance_deg())


def on_grid(geom, z, x, y):
    """PostGIS: ``geom`` (lon/lat) on the tile z/x/y's grid as ST_AsMVT takes it:
    transformed to Web Mercator, clipped to the buffered tile and snapped to its units
    (NULL when nothing is left)."""
    envelope = func.ST_TileEnvelope(z, x, y)
    return func.ST_AsMVTGeom(func.ST_Transform(geom, 3857), envelope, EXTENT, BUFFER, True)


def write(uow, picked: pd.DataFrame, parcels: int, last_parcel_id: int) -> int:
    """Replaces the overview with ``picked`` (``z``, ``x``, ``y``, ``parcel_id``, in
    key order), each parcel's shape simplified for its zoom (on PostGIS: and put on
    its tile's grid), notes what it was built from (``parcels`` current parcels, the
    last parcel id) and empties the list of moved shapes. Returns the rows written."""
    conn = uow.conn
    conn.exec_driver_sql("DELETE FROM tile_overview")
    conn.exec_driver_sql("DELETE FROM tile_overview_state")
    conn.exec_driver_sql("DELETE FROM tile_moved")
    conn.exec_driver_sql("DROP TABLE IF EXISTS _tile_pick")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE _tile_pick (z INTEGER NOT NULL, x INTEGER NOT NULL, "
        "y INTEGER NOT NULL, parcel_id INTEGER NOT NULL)"
    )
    insert_frame(conn, "_tile_pick", picked, staging=True)
    pick = table("_tile_pick", *(column(c) for c in ("z", "x", "y", "parcel_id")))
    for z in sorted(set(picked["z"].tolist())):
        shape = simplified(uow, P.c.geom, int(z))
        if uow.sql.mvt_in_sql:
            shape = on_grid(shape, pick.c.z, pick.c.x, pick.c.y)
        rows = (
            select(pick.c.z, pick.c.x, pick.c.y, pick.c.parcel_id, shape)
            .join_from(pick, P, P.c.id == pick.c.parcel_id)
            .where(pick.c.z == int(z))
            .order_by(pick.c.x, pick.c.y, pick.c.parcel_id)
        )
        conn.execute(OVERVIEW.insert().from_select(["z", "x", "y", "parcel_id", "geom"], rows))
    conn.exec_driver_sql("DROP TABLE _tile_pick")
    conn.execute(
        text(
            "INSERT INTO tile_overview_state (id, parcels, last_parcel_id) "
            "VALUES (1, :parcels, :last)"
        ),
        {"parcels": parcels, "last": last_parcel_id},
    )
    uow.sql.analyze(conn, "tile_overview")
    return conn.exec_driver_sql("SELECT count(*) FROM tile_overview").scalar()


def last_parcel_id(uow) -> int:
    """The highest parcel id (0 when there is none): a parcel above it is new."""
    return uow.execute(select(func.coalesce(func.max(P.c.id), 0))).scalar_one()


def state(uow) -> dict | None:
    """What the overview was built from (``parcels``, ``last_parcel_id``); None when
    there is none."""
    found = uow.conn.exec_driver_sql(
        "SELECT parcels, last_parcel_id FROM tile_overview_state WHERE id = 1"
    )
    row = found.mappings().first()
    return dict(row) if row is not None else None


def changed(uow, built: dict, limit: int) -> int:
    """How many parcels got a new shape (each change counted) or were added since the
    overview ``built`` was built, counted to ``limit`` + 1 at most (two index reads)."""
    moved = select(MOVED.c.parcel_id).limit(limit + 1).subquery()
    # in id order: the planner walks the key's index from the last id (unordered, it may
    # scan the table for rows that are not there)
    added = (
        select(P.c.id)
        .where(P.c.id > built["last_parcel_id"])
        .order_by(P.c.id)
        .limit(limit + 1)
        .subquery()
    )
    n_moved = uow.execute(select(func.count()).select_from(moved)).scalar_one()
    if n_moved > limit:
        return n_moved
    return n_moved + uow.execute(select(func.count()).select_from(added)).scalar_one()
