"""What matching reads: the parcels that may be supplied and their recovery disposals
(the land pool), the buildings with vacant floor space, the data stamps that say
whether either changed, and a stored project's requirement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, LargeBinary, String, func, or_, select, text

from landbank.db import buildings as building_rows
from landbank.db.dialects import sql_of
from landbank.db.models import Building, DataStamp, Disposal, Parcel, Project, Vacancy
from landbank.db.rows import frame_of, raw_frame_of

P, D, PR = Parcel.__table__, Disposal.__table__, Project.__table__
B, V = Building.__table__, Vacancy.__table__
STAMP = DataStamp.__table__

# what the land pool reads of a parcel (besides its geometry); the land stamp's triggers
# watch these columns (migration 0007)
POOL_COLUMNS = (
    "code",
    "name",
    "district",
    "park",
    "land_use",
    "land_use_class",
    "holder",
    "category",
    "area_mu",
    "land_price_wan",
    "parent_code",
    "developed_area_mu",
    "retired",
)

# what floor-space matching reads of a building (besides its geometry)
FLOOR_SPACE_COLUMNS = [
    "code", "name", "district", "park", "building_type", "floor_load_kn_m2",
    "clear_height_m", "power_kva", "rent_yuan_m2_month",
]  # fmt: skip


CODES_AT_ONCE = 5000  # codes bound in one IN (...) list


def pool_rows(
    conn: Connection,
    recovery_methods: tuple[str, ...],
    reserve_holders: tuple[str, ...],
    codes: set[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the parcels that may be supplied, their latest recovery disposals). Parcels:
    current ones approved and not supplied, split from a parent, under a recovery
    disposal or held by one of ``reserve_holders`` (a part of the holder's name), with
    POOL_COLUMNS and ``geometry`` (shapely), by code; empty without ``geometry`` when
    there is none. Disposals: parcel_code, method, status, planned_on, done_on of each
    parcel's latest disposal when its method is one of ``recovery_methods``. With
    ``codes``, only the parcels (and their disposals) of those codes."""
    if codes is None:
        return _pool_rows(conn, recovery_methods, reserve_holders, None)
    ordered = sorted(codes)
    chunks = [ordered[i : i + CODES_AT_ONCE] for i in range(0, len(ordered), CODES_AT_ONCE)]
    parts = [_pool_rows(conn, recovery_methods, reserve_holders, c) for c in chunks or [[]]]
    if len(parts) == 1:
        return parts[0]
    return tuple(  # type: ignore[return-value]
        pd.concat([p[k] for p in parts if len(p[k])] or [parts[0][k]], ignore_index=True)
        for k in (0, 1)
    )


def _pool_rows(conn, recovery_methods, reserve_holders, codes: list[str] | None):
    later = D.alias("later")  # a later disposal of the same parcel supersedes this one
    superseded = (
        select(later.c.id)
        .where(later.c.parcel_code == D.c.parcel_code, later.c.id > D.c.id)
        .exists()
    )
    recovery = select(D.c.parcel_code, D.c.method, D.c.status, D.c.planned_on, D.c.done_on)
    recovery = recovery.where(
        D.c.subject == "parcel", D.c.method.in_(recovery_methods), ~superseded
    )
    if codes is not None:
        recovery = recovery.where(D.c.parcel_code.in_(codes))
    disposals = frame_of(conn.execute(recovery))
    read = [P.c[c] for c in POOL_COLUMNS if c != "retired"]
    stmt = select(*read, func.ST_AsBinary(P.c.geom, type_=LargeBinary).label("wkb"))
    if codes is None:
        stmt = stmt.where(P.c.retired.is_(False), or_(*_ways_in(conn, disposals, reserve_holders)))
        # one pass over the table's pages, the rows streamed by the engine's fastest way
        parcels = sql_of(conn).read_frame(conn, stmt)
        if parcels is None:
            parcels = raw_frame_of(conn.execute(stmt))
    else:
        recovered = select(recovery.subquery().c.parcel_code) if len(disposals) else None
        maybe = [P.c.category == "approved_not_supplied", P.c.parent_code.is_not(None)]
        if recovered is not None:
            maybe.append(P.c.code.in_(recovered))
        maybe += [P.c.holder.contains(h, autoescape=True) for h in reserve_holders]
        stmt = stmt.where(P.c.retired.is_(False), or_(*maybe), P.c.code.in_(codes))
        parcels = raw_frame_of(conn.execute(stmt))
    if parcels.empty:
        return parcels, disposals
    parcels["retired"] = False  # read only where it is (SQLite says 0)
    # by code, ordered here (the database would sort the geometries with the rows)
    parcels = parcels.sort_values("code", kind="stable", ignore_index=True)
    parcels["geometry"] = _shapes(parcels.pop("wkb"))
    return parcels, disposals


def _ways_in(conn: Connection, disposals: pd.DataFrame, reserve_holders: tuple[str, ...]):
    """The conditions of the ways into the pool, each an index's: the category, a
    parent, the codes of ``disposals`` (the recovery disposals read), the holders that
    contain one of ``reserve_holders``. OR-ed, the engine reads the rows of the indexes'
    matches in one pass over the table (PostgreSQL: a BitmapOr, SQLite: a multi-index
    OR); as ``id IN (a UNION of the ways)`` PostgreSQL hashed the ways and scanned every
    row of the table to join them (4 s of a cold match at 10⁶ parcels, 1.3 s this way)."""
    ways = [P.c.category == "approved_not_supplied", P.c.parent_code.is_not(None)]
    recovered = sorted(set(disposals["parcel_code"].dropna())) if len(disposals) else []
    for at in range(0, len(recovered), CODES_AT_ONCE):
        ways.append(P.c.code.in_(recovered[at : at + CODES_AT_ONCE]))
    held = _reserve_holders(conn, reserve_holders)
    if held:
        ways.append(P.c.holder.in_(held))
    return ways


def _shapes(wkb: pd.Series) -> np.ndarray:
    """Shapely geometries of a column of WKB (bytes, or a driver's memoryviews)."""
    values = wkb.to_numpy(dtype=object)
    if len(values) and isinstance(values[0], bytes):
        return shapely.from_wkb(values)
    return shapely.from_wkb([bytes(b) for b in values])


# every distinct holder, one index probe each (a loose index scan: there are a few
# hundred names among a million parcels)
DISTINCT_HOLDERS = text(
    "WITH RECURSIVE h(v) AS (SELECT min(holder) FROM parcel UNION ALL "
    "SELECT (SELECT min(holder) FROM parcel WHERE holder > h.v) FROM h WHERE h.v IS NOT NULL) "
    "SELECT v FROM h WHERE v IS NOT NULL"
).columns(v=String)


def _reserve_holders(conn: Connection, reserve_holders: tuple[str, ...]) -> list[str]:
    """The distinct holder names that contain one of ``reserve_holders``."""
    if not reserve_holders:
        return []
    names = DISTINCT_HOLDERS.subquery("names")
    found = select(names.c.v).where(
        or_(*[names.c.v.contains(h, autoescape=True) for h in reserve_holders])
    )
    return list(conn.execute(found).scalars())


def floor_space_rows(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every building with a geometry and a vacancy: FLOOR_SPACE_COLUMNS and
    ``geometry``, by code; every vacancy, as ``db.buildings.load_vacancies`` gives
    them)."""
    has_vacancy = select(V.c.id).where(V.c.building_code == B.c.code).exists()
    buildings = building_rows.load_buildings(
        conn, where=[B.c.geom.is_not(None), has_vacancy], columns=FLOOR_SPACE_COLUMNS
    )
    return buildings, building_rows.load_vacancies(conn)


def stamp(conn: Connection, name: str) -> int:
    """The database's current data stamp ``name`` (``land`` or ``floor``): triggers move
    it on every write that changes what matching reads (migration 0007)."""
    return conn.execute(select(STAMP.c.stamp).where(STAMP.c.name == name)).scalar_one()


def land_seq(conn: Connection) -> int:
    """The land change counter (migration 0014): read with the land stamp, before the
    pool, it is where the next ``land_changes`` starts."""
    return sql_of(conn).land_seq(conn)


def land_changes(conn: Connection, since: int, limit: int) -> set[str] | None:
    """The codes of the parcels whose pool rows (the parcel or its disposals) were
    written after the land change counter stood at ``since``; None when they cannot be
    told or are more than ``limit``."""
    return sql_of(conn).land_changes(conn, since, limit)


def stored_requirement(conn: Connection, name: str) -> dict | None:
    """The ``name`` and ``requirement`` (JSON text) of the stored project ``name``;
    None when there is none."""
    row = conn.execute(select(PR.c.name, PR.c.requirement).where(PR.c.name == name))
    found = row.mappings().first()
    return dict(found) if found is not None else None
