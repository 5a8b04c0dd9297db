"""Parcel rows in and out of the database, as frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, func, literal, select, text

from landbank.db.bulk import _plain, insert_frame
from landbank.db.models import Parcel, ParcelEvent
from landbank.domain.dates import iso_value
from landbank.domain.fields import DATE_FIELDS, PARCEL_FIELDS
from landbank.errors import ConflictError

ATTRIBUTES = [f.name for f in PARCEL_FIELDS]
STORED = [*ATTRIBUTES, "land_use_class", "area_mu"]
T = Parcel.__table__


def existing_codes(conn: Connection) -> set[str]:
    """Returns the codes of every parcel in the database (retired ones too)."""
    return set(conn.execute(select(T.c.code)).scalars())


def load_parcels(
    conn: Connection,
    codes: list[str] | None = None,
    category: str | None = None,
    district: str | None = None,
    with_geometry: bool = True,
    include_retired: bool = False,
    lock: bool = False,
) -> pd.DataFrame:
    """Returns the parcels as a frame: every column of the table, ``geometry`` as shapely
    objects (EPSG:4490) instead of ``geom``, ``category_reasons`` decoded from JSON."""
    cols = [c for c in T.c if c.name != "geom"]
    if with_geometry:
        cols.append(func.ST_AsBinary(T.c.geom).label("wkb"))
    stmt = select(*cols).order_by(T.c.code)
    if not include_retired:
        stmt = stmt.where(T.c.retired.is_(False))
    if category:
        stmt = stmt.where(T.c.category == category)
    if district:
        stmt = stmt.where(T.c.district == district)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=T)  # writers of these rows wait for this transaction
    frames = []
    many = codes is not None and len(codes) > 2000  # one scan beats hundreds of IN lists
    chunks = (
        [codes[i : i + 500] for i in range(0, len(codes), 500)]
        if codes is not None and not many
        else [None]
    )
    for chunk in chunks:
        s = stmt.where(T.c.code.in_(chunk)) if chunk is not None else stmt
        result = conn.execute(s)
        names = list(result.keys())
        frames.append(pd.DataFrame.from_records([tuple(r) for r in result], columns=names))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if many:
        frame = frame[frame["code"].isin(set(codes))].reset_index(drop=True)
    if with_geometry:
        wkb = frame.pop("wkb").map(lambda b: bytes(b) if b is not None else None)
        frame["geometry"] = shapely.from_wkb(wkb.to_numpy(dtype=object))
    for name in DATE_FIELDS:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    for column in ("category_reasons", "category_flags"):
        frame[column] = frame[column].map(lambda v: json.loads(v) if isinstance(v, str) else [])
    return frame


def insert_parcels(
    conn: Connection, frame: pd.DataFrame, by: str, at, reason: str, progress=None
) -> int:
    """Inserts new parcels (canonical columns, ``area_mu``, ``geometry``) and one
    ``created`` history row for each, the latter set-based in SQL. Returns the count."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # SQLite lets one writer at a time, so the rows above the current last id are ours.
        last_id = conn.execute(select(func.coalesce(func.max(T.c.id), 0))).scalar()
        ours = T.c.id > last_id
    else:
        # PostgreSQL: rows written by this very transaction (other imports may run too).
        ours = text("parcel.xmin = pg_current_xact_id()::xid")
    data = frame[STORED].copy()
    data["geom"] = frame["geometry"].to_numpy()
    n = insert_frame(conn, "parcel", data, geom_column="geom", progress=progress)
    E = ParcelEvent.__table__
    created = select(
        T.c.code,
        literal("created"),
        literal(reason),
        literal(by),
        literal(at, type_=E.c.at.type),
        literal(reason),
    ).where(ours)
    conn.execute(
        E.insert().from_select(["parcel_code", "field", "new_value", "by", "at", "reason"], created)
    )
    return n


def update_parcels(
    conn: Connection,
    frame: pd.DataFrame,
    fields: list[str],
    versions: dict | None,
    now,
    with_geometry: bool = False,
    bump: bool = True,
) -> int:
    """Writes ``fields`` (and the geometry, with ``with_geometry``) of existing parcels,
    matched by code and, given ``versions`` (code → version when read), by that version:
    a parcel changed meanwhile by someone else is a ConflictError. ``bump`` puts the
    version one up (not for derived fields such as the category).

    The new values go to a temporary table in bulk, then one set-based UPDATE ... FROM
    writes them (row-by-row UPDATEs take seconds per ten thousand parcels).
    Returns the number of rows updated."""
    if frame.empty:
        return 0
    if len(frame) == 1 and not with_geometry:
        return _update_one(conn, frame, fields, versions, now, bump)
    sqlite = conn.dialect.name == "sqlite"
    columns = [f"{c} {T.c[c].type.compile(dialect=conn.dialect)}" for c in fields]
    geom_type = "BLOB" if sqlite else "geometry(MULTIPOLYGON, 4490)"
    if with_geometry:
        columns.append(f"geom {geom_type}")
    conn.exec_driver_sql("DROP TABLE IF EXISTS _parcel_update")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE _parcel_update (code VARCHAR(64) PRIMARY KEY, "
        f"expected INTEGER NOT NULL, {', '.join(columns)})"
    )
    staged = frame[["code", *fields]].copy()
    staged.insert(1, "expected", [versions[c] for c in frame["code"]] if versions else 0)
    if with_geometry:
        staged["geom"] = frame["geometry"].to_numpy()
    insert_frame(
        conn, "_parcel_update", staged, geom_column="geom" if with_geometry else None, staging=True
    )
    sets = [f"{c} = u.{c}" for c in fields] + (["geom = u.geom"] if with_geometry else [])
    if bump:
        sets.append("version = parcel.version + 1")
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    check = " AND parcel.version = u.expected" if versions is not None else ""
    written = conn.execute(
        text(
            f"UPDATE parcel SET {', '.join(sets)}, updated_at = :now "
            f"FROM _parcel_update AS u WHERE parcel.code = u.code{check}"
        ),
        {"now": stamp},
    ).rowcount
    conn.exec_driver_sql("DROP TABLE _parcel_update")
    if written != len(frame):
        raise ConflictError(
            f"{len(frame) - written} parcels were changed by someone else while this import "
            "ran; nothing was written: run the import again"
        )
    return written


def _update_one(conn: Connection, frame: pd.DataFrame, fields, versions, now, bump) -> int:
    """``update_parcels`` of one parcel without geometry (a clerk's edit): one UPDATE with
    bound values, no staging table. The values are converted as the staging table gets
    them (dates as ISO text, which PostgreSQL reads as the column's type)."""
    sqlite = conn.dialect.name == "sqlite"
    code, *values = next(_plain(frame[["code", *fields]], sqlite))[0]
    params = {f"v{i}": _scalar(v) for i, v in enumerate(values)}
    sets = [f"{c} = :v{i}" for i, c in enumerate(fields)]
    if bump:
        sets.append("version = parcel.version + 1")
    params["now"] = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    params["code"] = code
    check = ""
    if versions is not None:
        check = " AND parcel.version = :expected"
        params["expected"] = versions[code] if versions else 0
    written = conn.execute(
        text(f"UPDATE parcel SET {', '.join(sets)}, updated_at = :now WHERE code = :code{check}"),
        params,
    ).rowcount
    if written != 1:
        raise ConflictError(
            "1 parcels were changed by someone else while this import ran; nothing was "
            "written: run the import again"
        )
    return written


def _scalar(value):
    """A numpy scalar as the Python value the database driver binds."""
    return value.item() if isinstance(value, np.generic) else value


EVENT_COLUMNS = [c.name for c in ParcelEvent.__table__.c if c.name != "id"]


def insert_events(conn: Connection, events: pd.DataFrame) -> int:
    """Appends history rows (parcel_code, field, old_value, new_value, by, at, reason):
    a few with one INSERT, many in bulk."""
    if len(events) > 50:
        return insert_frame(conn, "parcel_event", events[EVENT_COLUMNS])
    if events.empty:
        return 0
    sqlite = conn.dialect.name == "sqlite"
    rows = next(_plain(events[EVENT_COLUMNS], sqlite))
    marks = ", ".join(f":{c}" for c in EVENT_COLUMNS)
    quoted = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
    conn.execute(
        text(f"INSERT INTO parcel_event ({quoted}) VALUES ({marks})"),
        [dict(zip(EVENT_COLUMNS, map(_scalar, r), strict=True)) for r in rows],
    )
    return len(rows)


def as_text(value) -> str | None:
    """Returns a value as history stores it: ISO dates, plain numbers, None for blanks."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return iso_value(value)
    if isinstance(value, float | np.floating):
        return repr(round(float(value), 6))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def load_events(conn: Connection, code: str) -> list[dict]:
    """A parcel's history, oldest first, as dicts (``at`` as ISO text)."""
    E = ParcelEvent.__table__
    result = conn.execute(
        select(E.c.field, E.c.old_value, E.c.new_value, E.c.by, E.c.at, E.c.reason)
        .where(E.c.parcel_code == code)
        .order_by(E.c.at, E.c.id)
    )
    return [
        {
            "field": f,
            "old_value": o,
            "new_value": n,
            "by": b,
            "at": pd.Timestamp(a).isoformat() if a is not None else None,
            "reason": r,
        }
        for f, o, n, b, a, r in result
    ]
