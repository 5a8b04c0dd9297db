"""Field surveys in and out of the database: ``survey``, ``survey_task``,
``survey_record`` and ``survey_photo`` rows, and the few fields of a survey's targets
(parcels and buildings) a task needs: code, district, version, geometry."""

from __future__ import annotations

import datetime as dt
import json

import shapely
from sqlalchemy import Connection, func, insert, select, update

from landbank.db.dialects import sql_of
from landbank.db.models import (
    Attachment,
    AttachmentLink,
    Building,
    Parcel,
    Survey,
    SurveyPhoto,
    SurveyRecord,
    SurveyTask,
)

S, T, R, PH = (m.__table__ for m in (Survey, SurveyTask, SurveyRecord, SurveyPhoto))
P, B = Parcel.__table__, Building.__table__
L, F = AttachmentLink.__table__, Attachment.__table__


def _utc(value):
    """A stored moment as an aware UTC datetime (SQLite gives it back naive)."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _plain(row) -> dict:
    return {k: _utc(v) for k, v in dict(row).items()}


# ---- targets ------------------------------------------------------------------------


def targets(conn: Connection, kind: str, codes: list[str], lock: bool = False) -> dict[str, dict]:
    """code → {code, district, version, geometry (shapely, EPSG:4490), floors (a
    building's; None for a parcel), retired} of the parcels or buildings ``codes``
    (``kind``); with ``lock`` the rows are locked until the transaction ends."""
    t = P if kind == "parcel" else B
    cols = [t.c.code, t.c.district, t.c.version, func.ST_AsBinary(t.c.geom).label("wkb")]
    cols.append(P.c.retired if kind == "parcel" else B.c.floors)
    found: dict[str, dict] = {}
    for start in range(0, len(codes), 500):
        stmt = select(*cols).where(t.c.code.in_(codes[start : start + 500]))
        if lock:
            stmt = sql_of(conn).lock(stmt, of=t)
        for row in conn.execute(stmt).mappings():
            wkb = row["wkb"]
            found[row["code"]] = {
                "code": row["code"],
                "district": row["district"],
                "version": int(row["version"]),
                "geometry": shapely.from_wkb(bytes(wkb)) if wkb is not None else None,
                "retired": bool(row["retired"]) if kind == "parcel" else False,
                "floors": row["floors"] if kind == "building" else None,
            }
    return found


def parcel_codes(
    conn: Connection, district: str | None, park: str | None, category: str | None
) -> list[str]:
    """The codes of the current parcels in ``district`` and ``park`` of ``category``
    (each filter when given), by code."""
    stmt = select(P.c.code).where(P.c.retired.is_(False)).order_by(P.c.code)
    for col, value in ((P.c.district, district), (P.c.park, park), (P.c.category, category)):
        if value:
            stmt = stmt.where(col == value)
    return list(conn.execute(stmt).scalars())


def building_codes(conn: Connection, district: str | None, park: str | None) -> list[str]:
    """The codes of the buildings in ``district`` and ``park`` (each when given)."""
    stmt = select(B.c.code).order_by(B.c.code)
    for col, value in ((B.c.district, district), (B.c.park, park)):
        if value:
            stmt = stmt.where(col == value)
    return list(conn.execute(stmt).scalars())


def bump_building(conn: Connection, code: str, now) -> None:
    """Puts building ``code``'s version one up (its vacancies changed)."""
    conn.execute(update(B).where(B.c.code == code).values(version=B.c.version + 1, updated_at=now))


# ---- surveys and tasks --------------------------------------------------------------


def survey_named(conn: Connection, name: str) -> dict | None:
    """The survey ``name`` (id, name, due_on, by, at), or None."""
    row = conn.execute(select(S).where(S.c.name == name)).mappings().first()
    return _plain(row) if row else None


def insert_survey(conn: Connection, values: dict) -> int:
    """Stores a survey (name, due_on, by, at); returns its id."""
    return conn.execute(insert(S).values(**values).returning(S.c.id)).scalar_one()


def set_survey_due(conn: Connection, survey_id: int, due_on) -> None:
    """Moves the due date of survey ``survey_id``."""
    conn.execute(update(S).where(S.c.id == survey_id).values(due_on=due_on))


def all_surveys(conn: Connection) -> list[dict]:
    """Every survey with its tasks counted by state (``states``), by name."""
    surveys = [_plain(r) for r in conn.execute(select(S).order_by(S.c.name)).mappings()]
    counts = conn.execute(
        select(T.c.survey_id, T.c.state, func.count()).group_by(T.c.survey_id, T.c.state)
    ).all()
    for s in surveys:
        s["states"] = {state: n for sid, state, n in counts if sid == s["id"]}
    return surveys


def insert_tasks(conn: Connection, rows: list[dict]) -> None:
    """Stores tasks (survey_id, kind, code, district, assignee, state)."""
    if rows:
        conn.execute(insert(T), rows)


_TASK_COLS = (*T.c, S.c.name.label("survey"), S.c.due_on)


def tasks(
    conn: Connection,
    survey_id: int | None = None,
    assignee: str | None = None,
    task_id: int | None = None,
    code: str | None = None,
    lock: bool = False,
) -> list[dict]:
    """The tasks matching every filter given, with their survey's name and due date,
    by survey, kind and code; with ``lock`` locked until the transaction ends."""
    stmt = select(*_TASK_COLS).join(S, S.c.id == T.c.survey_id)
    for col, value in (
        (T.c.survey_id, survey_id),
        (T.c.assignee, assignee),
        (T.c.id, task_id),
        (T.c.code, code),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    if lock:
        stmt = sql_of(conn).lock(stmt, of=T)
    stmt = stmt.order_by(S.c.name, T.c.kind, T.c.code)
    return [_plain(r) for r in conn.execute(stmt).mappings()]


def set_task(conn: Connection, task_id: int, values: dict) -> None:
    """Writes ``values`` (state, note, reviewed_by, reviewed_at) of task ``task_id``."""
    conn.execute(update(T).where(T.c.id == task_id).values(**values))


# ---- records ------------------------------------------------------------------------


def _record(row) -> dict:
    record = _plain(row)
    record["values"] = json.loads(record["values"])
    return record


def record_by_key(conn: Connection, by: str, key: str) -> dict | None:
    """The record ``by`` submitted under idempotency ``key``, or None."""
    row = conn.execute(select(R).where(R.c.by == by, R.c.idempotency_key == key)).mappings().first()
    return _record(row) if row else None


def insert_record(conn: Connection, values: dict) -> int | None:
    """Stores a record (every column but id; ``values`` as a dict); returns its id, or
    None when its surveyor stored one under the same idempotency key first (also at
    the same moment: the second waits for the first and stores nothing)."""
    data = {**values, "values": json.dumps(values["values"], ensure_ascii=False)}
    stmt = sql_of(conn).insert(R).values(**data)
    stmt = stmt.on_conflict_do_nothing(index_elements=[R.c.by, R.c.idempotency_key])
    return conn.execute(stmt.returning(R.c.id)).scalar()


def records(
    conn: Connection, task_ids: list[int] | None = None, record_id: int | None = None
) -> list[dict]:
    """The records of ``task_ids`` (or the one ``record_id``), oldest first."""
    stmt = select(R).order_by(R.c.id)
    if task_ids is not None:
        stmt = stmt.where(R.c.task_id.in_(task_ids))
    if record_id is not None:
        stmt = stmt.where(R.c.id == record_id)
    return [_record(r) for r in conn.execute(stmt).mappings()]


def set_records(conn: Connection, task_id: int, from_state: str, values: dict) -> int:
    """Writes ``values`` on every record of ``task_id`` in ``from_state``; returns how
    many."""
    stmt = update(R).where(R.c.task_id == task_id, R.c.state == from_state).values(**values)
    return conn.execute(stmt).rowcount


# ---- photos -------------------------------------------------------------------------


def photo_of(conn: Connection, record_id: int, sha256: str) -> dict | None:
    """The photo of ``record_id`` whose file has ``sha256``, or None."""
    row = (
        conn.execute(select(PH).where(PH.c.record_id == record_id, PH.c.sha256 == sha256))
        .mappings()
        .first()
    )
    return _photo(row) if row else None


def insert_photo(conn: Connection, values: dict) -> int | None:
    """Stores a photo of a record (every column but id, ``flags`` a list); returns its
    id, or None when the record has that file already."""
    data = {**values, "flags": json.dumps(values["flags"])}
    stmt = sql_of(conn).insert(PH).values(**data)
    stmt = stmt.on_conflict_do_nothing(index_elements=[PH.c.record_id, PH.c.sha256])
    return conn.execute(stmt.returning(PH.c.id)).scalar()


def _photo(row) -> dict:
    photo = _plain(row)
    photo["flags"] = json.loads(photo["flags"])
    return photo


def photos(
    conn: Connection, record_ids: list[int] | None = None, photo_ids: list[int] | None = None
) -> list[dict]:
    """The photos of ``record_ids`` (or the photos ``photo_ids``) with their attachment's
    id, file name, type and size, oldest first."""
    stmt = (
        select(PH, L.c.attachment_id, L.c.filename, F.c.media_type, F.c.size_bytes)
        .join(L, L.c.id == PH.c.link_id)
        .join(F, F.c.id == L.c.attachment_id)
        .order_by(PH.c.id)
    )
    if record_ids is not None:
        stmt = stmt.where(PH.c.record_id.in_(record_ids))
    if photo_ids is not None:
        stmt = stmt.where(PH.c.id.in_(photo_ids))
    return [_photo(r) for r in conn.execute(stmt).mappings()]


def photo_file(conn: Connection, photo_id: int) -> dict | None:
    """The record id, media type and attachment id of photo ``photo_id``, or None."""
    stmt = (
        select(PH.c.record_id, L.c.attachment_id, F.c.media_type, L.c.filename)
        .join(L, L.c.id == PH.c.link_id)
        .join(F, F.c.id == L.c.attachment_id)
        .where(PH.c.id == photo_id)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None
