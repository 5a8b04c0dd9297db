"""What the OGC API - Features layers read: the features of a table (``parcel`` or
``building``) as rows with their GeoJSON geometry, a page at a time by code, filtered by
a lon/lat box through the spatial index; the layer's extent; every value a bound
parameter. The box and the extent are the engine's SQL (``uow.sql``)."""

from __future__ import annotations

from sqlalchemy import func, select

from landbank.db.models import Building, Disposal, Parcel
from landbank.db.store import Unit

D = Disposal.__table__
TABLES = {"parcel": Parcel.__table__, "building": Building.__table__}


def _served(name: str) -> list:
    """The rows a table serves: current parcels (not retired), buildings with a place."""
    t = TABLES[name]
    return [t.c.retired.is_(False)] if name == "parcel" else [t.c.geom.is_not(None)]


def extent(uow: Unit, name: str) -> list[float] | None:
    """[west, south, east, north] of the served features of table ``name``; None when
    there are none."""
    return uow.sql.extent(uow, TABLES[name].c.geom, _served(name))


def page(
    uow: Unit,
    name: str,
    columns: tuple[str, ...],
    decimals: int,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
    after: str | None = None,
    before: str | None = None,
) -> tuple[list[dict], int, bool]:
    """(one page of the served features of table ``name`` by code, those intersecting
    the lon/lat ``bbox`` when given, as rows of ``columns`` and ``geojson``, the
    geometry's GeoJSON text with ``decimals``; how many match in all; whether more lie
    beyond the page in its direction). The page starts ``offset`` rows on from the
    first code above ``after``, or ends just below ``before``: a page found by code
    through the code index, as fast at the millionth feature as at the first."""
    t = TABLES[name]
    where = _served(name)
    if bbox:
        # SpatiaLite's R*Tree of the geometry column: GeoAlchemy2's idx_TABLE_geom
        where += uow.sql.bbox_filter(uow, t, f"idx_{name}_geom", bbox)
    matched = uow.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
    stmt = _select(name, columns, decimals).where(*where)
    if before is not None:
        stmt = stmt.where(t.c.code < before).order_by(t.c.code.desc())
    else:
        stmt = stmt.where(t.c.code > after) if after is not None else stmt
        stmt = stmt.order_by(t.c.code).offset(offset)
    found = _rows(uow, stmt.limit(limit + 1))
    more = len(found) > limit
    found = found[:limit]
    return (found[::-1] if before is not None else found), matched, more


def one(uow: Unit, name: str, columns: tuple[str, ...], decimals: int, code: str) -> dict | None:
    """The served feature ``code`` of table ``name`` as a row like ``page``'s; None
    when it is not served."""
    stmt = _select(name, columns, decimals).where(*_served(name), TABLES[name].c.code == code)
    found = _rows(uow, stmt)
    return found[0] if found else None


def latest_parcel_disposals(uow: Unit, codes: list[str]) -> dict[str, tuple[str, str]]:
    """Parcel code → (status, method) of its latest disposal, for those of ``codes``
    that have one."""
    if not codes:
        return {}
    found = uow.execute(
        select(D.c.parcel_code, D.c.status, D.c.method)
        .where(D.c.subject == "parcel", D.c.parcel_code.in_(codes))
        .order_by(D.c.id)
    )
    return {code: (status, method) for code, status, method in found}


def _select(name: str, columns: tuple[str, ...], decimals: int):
    t = TABLES[name]
    # EPSG:4490's x, y are lon, lat: GeoJSON's (CRS84) axis order, served as stored.
    # options 0: no "crs" member (PostGIS adds one for any SRID but 4326 by default).
    geojson = func.ST_AsGeoJSON(t.c.geom, decimals, 0).label("geojson")
    return select(*(t.c[c] for c in columns), geojson)


def _rows(uow: Unit, stmt) -> list[dict]:
    return [dict(r) for r in uow.execute(stmt).mappings().all()]
