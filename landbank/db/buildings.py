"""Building and vacancy rows in and out of the database, as frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, bindparam, delete, func, select, update

from landbank.db.bulk import insert_frame
from landbank.db.models import SRID, Building, Vacancy
from landbank.db.rows import frame_of

B = Building.__table__
V = Vacancy.__table__
ATTRIBUTES = [
    c.name for c in B.c if c.name not in ("id", "version", "created_at", "updated_at", "geom")
]
VACANCY_COLUMNS = ["building_code", "floor", "unit", "vacant_area_m2", "available_from"]
VACANCY_COLUMNS.append("rent_yuan_m2_month")


def existing_building_codes(conn: Connection) -> set[str]:
    """Returns the codes of every building in the database."""
    return set(conn.execute(select(B.c.code)).scalars())


def load_buildings(
    conn: Connection,
    codes: list[str] | None = None,
    park: str | None = None,
    with_geometry: bool = True,
    where: list | None = None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Returns buildings by code: every column but ``geom`` (or only ``columns``), plus
    ``geometry`` (shapely, EPSG:4490) when ``with_geometry``; ``where`` adds SQL
    conditions."""
    cols = [c for c in B.c if c.name != "geom" and (columns is None or c.name in columns)]
    if with_geometry:
        cols.append(func.ST_AsBinary(B.c.geom).label("wkb"))
    stmt = select(*cols).order_by(B.c.code)
    if codes is not None:
        stmt = stmt.where(B.c.code.in_(codes))
    if park:
        stmt = stmt.where(B.c.park == park)
    if where:
        stmt = stmt.where(*where)
    result = conn.execute(stmt)
    frame = frame_of(result)
    if with_geometry:
        wkb = frame.pop("wkb").map(lambda b: bytes(b) if b is not None else None)
        frame["geometry"] = shapely.from_wkb(wkb.to_numpy(dtype=object))
    return frame


def load_vacancies(
    conn: Connection, codes: list[str] | None = None, where: list | None = None
) -> pd.DataFrame:
    """Returns vacancy rows (VACANCY_COLUMNS) by building code and floor; dates as
    datetime64 at midnight; ``where`` adds SQL conditions."""
    stmt = select(*[V.c[c] for c in VACANCY_COLUMNS]).order_by(
        V.c.building_code, V.c.floor, V.c.unit, V.c.id
    )
    if codes is not None:
        stmt = stmt.where(V.c.building_code.in_(codes))
    if where:
        stmt = stmt.where(*where)
    result = conn.execute(stmt)
    frame = frame_of(result)
    frame["available_from"] = pd.to_datetime(frame["available_from"]).astype("datetime64[s]")
    frame["floor"] = frame["floor"].astype("Int64")
    frame["vacant_area_m2"] = frame["vacant_area_m2"].astype(float)
    frame["unit"] = frame["unit"].astype(object).where(frame["unit"].notna(), None)
    return frame


def insert_buildings(conn: Connection, frame: pd.DataFrame) -> int:
    """Inserts new buildings (canonical columns and ``geometry``); returns the count."""
    data = frame[[c for c in ATTRIBUTES if c in frame.columns]].copy()
    data["geom"] = frame["geometry"].to_numpy()
    return insert_frame(conn, "building", data, geom_column="geom")


def update_buildings(conn: Connection, frame: pd.DataFrame, fields: list[str], now) -> int:
    """Writes ``fields`` and the geometry of stored buildings matched by code, puts
    their version one up; returns the number of rows written."""
    if frame.empty:
        return 0
    params = []
    for record in frame[["code", *fields]].astype(object).to_dict("records"):
        row = {f"v_{k}": _plain(v) for k, v in record.items()}
        row["b_code"] = row.pop("v_code")
        params.append(row)
    for row, geom in zip(params, frame["geometry"], strict=True):
        row["b_wkb"] = shapely.to_wkb(geom)
        row["b_now"] = now
    stmt = (
        update(B)
        .where(B.c.code == bindparam("b_code"))
        .values(
            **{f: bindparam(f"v_{f}") for f in fields},
            geom=func.ST_GeomFromWKB(bindparam("b_wkb"), SRID),
            version=B.c.version + 1,
            updated_at=bindparam("b_now"),
        )
    )
    return conn.execute(stmt, params).rowcount


def replace_vacancies(conn: Connection, frame: pd.DataFrame) -> tuple[int, int]:
    """Deletes the vacancies of every building in ``frame`` and inserts the rows of
    ``frame`` whose vacant area is above 0. Returns (deleted, inserted)."""
    codes = sorted(set(frame["building_code"]))
    deleted = 0
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        deleted += conn.execute(delete(V).where(V.c.building_code.in_(chunk))).rowcount
    kept = frame[frame["vacant_area_m2"] > 0]
    insert_frame(conn, "vacancy", kept[VACANCY_COLUMNS])
    return deleted, len(kept)


def _plain(value):
    """A value as the DB-API takes it: None for blanks, Python scalars, dates."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
