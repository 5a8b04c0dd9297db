"""Parcel rows in and out of the database, as frames."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, bindparam, func, insert, literal, select, text, update

from landbank.db.bulk import _plain, insert_frame
from landbank.db.models import Parcel, ParcelEvent
from landbank.db.rows import frame_of
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
        frames.append(frame_of(result))
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


# The single-row statements of a clerk's edit or an API read are built once: a
# statement object reused keeps its compiled form and cache key (building them anew
# took a fifth of an API call's time).
@functools.cache
def _one_parcel():
    cols = [c for c in T.c if c.name != "geom"]
    wkb = func.ST_AsBinary(T.c.geom).label("wkb")
    return select(*cols, wkb).where(T.c.code == bindparam("code"))


def load_parcel(conn: Connection, code: str) -> dict | None:
    """One parcel, retired or not, as a dict: every column as the driver gives it (dates
    as ``datetime.date``), ``geometry`` as a shapely object instead of ``geom``, the JSON
    lists decoded; None when the code is unknown. The single-row read of a page or an
    API call, with no frame to build."""
    row = conn.execute(_one_parcel(), {"code": code}).mappings().first()
    if row is None:
        return None
    record = dict(row)
    wkb = record.pop("wkb")
    record["geometry"] = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
    for column in ("category_reasons", "category_flags"):
        value = record[column]
        record[column] = json.loads(value) if isinstance(value, str) else []
    return record


@functools.cache
def _row_for_edit(fields: tuple[str, ...], postgres: bool):
    extra = (T.c[f] for f in fields if f not in ("district", "version", "category"))
    stmt = select(T.c.retired, T.c.district, T.c.version, T.c.category, *extra)
    stmt = stmt.where(T.c.code == bindparam("code"))
    return stmt.with_for_update() if postgres else stmt


def row_for_edit(conn: Connection, code: str, fields: tuple[str, ...]) -> dict | None:
    """``retired``, ``district``, ``version``, ``category`` and ``fields`` of one parcel,
    locked until the transaction ends (PostgreSQL; SQLite's writer holds the file);
    None when the code is unknown."""
    stmt = _row_for_edit(fields, conn.dialect.name == "postgresql")
    row = conn.execute(stmt, {"code": code}).mappings().first()
    return dict(row) if row is not None else None


@functools.cache
def _write_fields(fields: tuple[str, ...]):
    return (
        update(T)
        .where(T.c.code == bindparam("b_code"), T.c.version == bindparam("b_version"))
        .values(
            {f: bindparam(f"v_{f}") for f in fields}
            | {"version": T.c.version + 1, "updated_at": bindparam("b_now")}
        )
    )


def write_fields(conn: Connection, code: str, values: dict, version: int, now) -> bool:
    """Writes plain ``values`` (column → value) of one parcel read at ``version`` and
    puts its version one up; False when it is no longer at that version."""
    params = {f"v_{f}": v for f, v in values.items()}
    params.update(b_code=code, b_version=version, b_now=now)
    return conn.execute(_write_fields(tuple(values)), params).rowcount == 1


_EVENTS = insert(ParcelEvent.__table__)


def insert_event_rows(conn: Connection, events: list[dict]) -> None:
    """Appends history rows (dicts of parcel_code, field, old_value, new_value, by, at,
    reason) in one statement."""
    if events:
        conn.execute(_EVENTS, events)


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
