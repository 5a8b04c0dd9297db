"""Parcel rows in and out of the database, as frames."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

import numpy as np
import orjson
import pandas as pd
import shapely
from sqlalchemy import Connection, bindparam, func, or_, select, text, update

from landbank.db import history
from landbank.db.binds import plain_rows, py_value
from landbank.db.bulk import insert_frame, insert_parts
from landbank.db.dialects import EngineSql, sql_of
from landbank.db.models import Parcel
from landbank.db.rows import frame_of, read_frame
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
    reasons: bool = True,
) -> pd.DataFrame:
    """Returns the parcels as a frame: every column of the table, ``geometry`` as shapely
    objects (EPSG:4490) instead of ``geom``, ``category_reasons`` and ``category_flags``
    decoded from JSON (left as JSON text without ``reasons``: a reader that writes them
    anew need not decode a million lists)."""
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
    if lock:
        stmt = sql_of(conn).lock(stmt, of=T)  # writers of these rows wait for this transaction
    frames = []
    many = codes is not None and len(codes) > 2000  # one scan beats hundreds of IN lists
    chunks = (
        [codes[i : i + 500] for i in range(0, len(codes), 500)]
        if codes is not None and not many
        else [None]
    )
    for chunk in chunks:
        if chunk is None:
            frames.append(read_frame(conn, stmt))
        else:
            frames.append(frame_of(conn.execute(stmt.where(T.c.code.in_(chunk)))))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if many:
        frame = frame[frame["code"].isin(set(codes))].reset_index(drop=True)
    if with_geometry:
        frame["geometry"] = _geometries(frame.pop("wkb"))
    for name in DATE_FIELDS:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    for column in ("category_reasons", "category_flags") if reasons else ():
        frame[column] = frame[column].map(lambda v: orjson.loads(v) if isinstance(v, str) else [])
    return frame


def _geometries(wkb: pd.Series) -> np.ndarray:
    """Shapely geometries of a column of WKB: bytes from a driver, or the hex text
    (``\\x…``) of a COPY; None where there is none."""
    values = wkb.to_numpy(dtype=object)
    present = wkb.notna().to_numpy()
    if present.any() and isinstance(values[present][0], str):
        return shapely.from_wkb(np.where(present, wkb.str.slice(2).to_numpy(dtype=object), None))
    found = [bytes(b) if p else None for b, p in zip(values, present, strict=True)]
    return shapely.from_wkb(np.array(found, dtype=object))


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
def _row_for_edit(fields: tuple[str, ...], sql: EngineSql):
    extra = (T.c[f] for f in fields if f not in ("district", "version", "category"))
    stmt = select(T.c.retired, T.c.district, T.c.version, T.c.category, *extra)
    return sql.lock(stmt.where(T.c.code == bindparam("code")))


def row_for_edit(conn: Connection, code: str, fields: tuple[str, ...]) -> dict | None:
    """``retired``, ``district``, ``version``, ``category`` and ``fields`` of one parcel,
    locked until the transaction ends (PostgreSQL; SQLite's writer holds the file);
    None when the code is unknown."""
    stmt = _row_for_edit(fields, sql_of(conn))
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


def insert_parcels(
    conn: Connection,
    parts: Iterable[pd.DataFrame],
    rows: int,
    by: str,
    at,
    reason: str,
    progress=None,
) -> int:
    """Inserts new parcels, given as frames of canonical columns with ``area_mu`` and
    ``geometry`` (one, or a file's batches as they are read: each is taken while the
    database loads the previous one), about ``rows`` in all, and one ``created``
    history row for each, the latter set-based in SQL. Returns the count."""
    ours = sql_of(conn).rows_written_here(conn, T)

    def stored(part: pd.DataFrame) -> pd.DataFrame:
        # a split's pieces carry their parent's holder's credit code; an import has none
        # no .copy(): pandas copies on write, and a million parcels' columns are ~0.3 GB
        data = part[[*STORED, *(c for c in ("holder_credit_code",) if c in part)]]
        return data.assign(geom=part["geometry"].to_numpy())

    with sql_of(conn).loading(conn):
        n = insert_parts(
            conn, "parcel", map(stored, parts), rows, geom_column="geom", progress=progress
        )
        history.append_created(conn, ours, by, at, reason)
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
    sql = sql_of(conn)
    columns = [f"{c} {T.c[c].type.compile(dialect=conn.dialect)}" for c in fields]
    if with_geometry:
        columns.append(f"geom {sql.staging_geometry}")
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
    stamp = sql.stamp(now)
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


MANY = 1000  # rows rewritten at once beyond which the land pool is read afresh


def rewrite_derived(conn: Connection, frame: pd.DataFrame, fields: list[str], now) -> int:
    """Writes derived ``fields`` (a classify's category, reasons, flags, as-of) of the
    parcels in ``frame`` (by code), the version kept. Beyond MANY rows, as one rewrite
    (``EngineSql.rewriting``): no change-log row per parcel, one mark that the land
    pool is to be read afresh, and on PostgreSQL each row rewritten on its own page
    without index entries (migration 0015). Returns the number of rows written."""
    if len(frame) <= MANY:
        return update_parcels(conn, frame, fields, None, now, bump=False)
    with sql_of(conn).rewriting(conn):
        return update_parcels(conn, frame, fields, None, now, bump=False)


def _update_one(conn: Connection, frame: pd.DataFrame, fields, versions, now, bump) -> int:
    """``update_parcels`` of one parcel without geometry (a clerk's edit): one UPDATE with
    bound values, no staging table. The values are converted as the staging table gets
    them (dates as ISO text, which PostgreSQL reads as the column's type)."""
    sql = sql_of(conn)
    code, *values = next(plain_rows(frame[["code", *fields]], sql.text_times))[0]
    params = {f"v{i}": py_value(v) for i, v in enumerate(values)}
    sets = [f"{c} = :v{i}" for i, c in enumerate(fields)]
    if bump:
        sets.append("version = parcel.version + 1")
    params["now"] = sql.stamp(now)
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


def _kept(category: str | None, district: str | None, park: str | None, q: str | None) -> list:
    """The clauses keeping the current parcels the filters keep (``q``: a code, name or
    holder containing it, ``%`` and ``_`` taken literally)."""
    where = [T.c.retired.is_(False)]
    if category:
        where.append(T.c.category == category)
    if district:
        where.append(T.c.district == district)
    if park:
        where.append(T.c.park == park)
    if q:
        where.append(
            or_(*(T.c[c].contains(q, autoescape=True) for c in ("code", "name", "holder")))
        )
    return where


def count(
    conn: Connection,
    category: str | None = None,
    district: str | None = None,
    park: str | None = None,
    q: str | None = None,
) -> int:
    """How many current parcels the filters keep (as ``page``'s)."""
    where = _kept(category, district, park, q)
    return conn.execute(select(func.count()).select_from(T).where(*where)).scalar_one()


def page(
    conn: Connection,
    columns: list[str],
    category: str | None = None,
    district: str | None = None,
    park: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """One page of the current parcels by code: ``limit`` of those the filters keep
    (``q`` keeps a code, name or holder containing it, ``%`` and ``_`` taken
    literally) from ``offset``, as dicts of ``columns``. Every value reaches the
    database as a bound parameter."""
    found = conn.execute(
        select(*(T.c[c] for c in columns))
        .where(*_kept(category, district, park, q))
        .order_by(T.c.code)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(r) for r in found]


def place_names(conn: Connection) -> dict[str, list[str]]:
    """``{"districts": [...], "parks": [...]}``: the distinct non-blank districts and
    parks of the current (not retired) parcels, sorted."""
    out = {}
    for key, column in (("districts", T.c.district), ("parks", T.c.park)):
        names = conn.execute(
            select(column).where(T.c.retired.is_(False), column.is_not(None)).distinct()
        )
        out[key] = sorted(n for n in names.scalars() if n)
    return out


def hold_all(conn: Connection) -> None:
    """Keeps every parcel from changing until the transaction ends (readers go on):
    what is read can be written back without another writer coming between."""
    sql_of(conn).lock_table(conn, "parcel")
