"""A parcel's history, the append-only ``parcel_event`` table: the only module that
writes it. One row per changed field (old and new value as text), with who, when and
why; rows are never updated or deleted."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, literal, select, text

from landbank.db.binds import plain_rows, py_value
from landbank.db.bulk import insert_frame
from landbank.db.dialects import sql_of
from landbank.db.models import Parcel, ParcelEvent
from landbank.db.store import Unit
from landbank.domain.dates import iso_value

E, P = ParcelEvent.__table__, Parcel.__table__
COLUMNS = [c.name for c in E.c if c.name != "id"]
_APPEND = insert(E)


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


def append(uow: Unit, events: list[dict]) -> None:
    """Appends history rows (dicts of parcel_code, field, old_value, new_value, reason;
    a missing key is NULL) in one statement, by the unit's actor (``by``) at its moment
    (``at``) unless an event names its own."""
    if events:
        made = {"by": uow.by, "at": uow.now}
        uow.execute(_APPEND, [{c: e.get(c, made.get(c)) for c in COLUMNS} for e in events])


def append_frame(conn: Connection, events: pd.DataFrame) -> int:
    """Appends history rows from a frame with the columns of ``append``: a few with one
    INSERT, many in bulk. Returns the count."""
    if len(events) > 50:
        return insert_frame(conn, "parcel_event", events[COLUMNS])
    if events.empty:
        return 0
    rows = next(plain_rows(events[COLUMNS], sql_of(conn).text_times))
    marks = ", ".join(f":{c}" for c in COLUMNS)
    quoted = ", ".join(f'"{c}"' for c in COLUMNS)
    conn.execute(
        text(f"INSERT INTO parcel_event ({quoted}) VALUES ({marks})"),
        [dict(zip(COLUMNS, map(py_value, r), strict=True)) for r in rows],
    )
    return len(rows)


def append_created(conn: Connection, where, by: str, at, reason: str) -> None:
    """Appends one ``created`` row for each parcel that ``where`` (a clause on the
    parcel table) keeps, set-based in SQL."""
    created = select(
        P.c.code,
        literal("created"),
        literal(reason),
        literal(by),
        literal(at, type_=E.c.at.type),
        literal(reason),
    ).where(where)
    conn.execute(
        E.insert().from_select(["parcel_code", "field", "new_value", "by", "at", "reason"], created)
    )


def load_events(conn: Connection, code: str) -> list[dict]:
    """A parcel's history, oldest first, as dicts (``at`` as ISO text)."""
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


def overrides(conn: Connection, codes: list[str]) -> list[tuple]:
    """The ``category_override`` rows of ``codes``, oldest first: (parcel_code,
    new_value, by, at, reason)."""
    return conn.execute(
        select(E.c.parcel_code, E.c.new_value, E.c.by, E.c.at, E.c.reason)
        .where(E.c.parcel_code.in_(codes), E.c.field == "category_override")
        .order_by(E.c.id)
    ).all()
