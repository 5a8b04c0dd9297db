"""Disposals (处置, of a parcel) and activations (盘活, of a building): their rows and
steps."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from landbank.db.dialects import sql_of
from landbank.db.models import Building, Disposal, DisposalStep, Parcel
from landbank.domain.disposal import ENDED

D, S = Disposal.__table__, DisposalStep.__table__
P, B = Parcel.__table__, Building.__table__

# what a building (whose activation is tracked like a disposal) lacks of a parcel
_NOT_OF_A_BUILDING = ("cause", "area_mu", "land_price_wan", "agreed_start_on", "approved_on")


def subject(conn: Connection, code: str) -> dict | None:
    """What a disposal of ``code`` is about: the parcel (every column, ``subject``
    "parcel"), else the building as a dict with a parcel's keys (code, district, not
    retired, the rest None; ``subject`` "building"); None when neither exists."""
    row = conn.execute(select(P).where(P.c.code == code)).mappings().first()
    if row is not None:
        return {**row, "subject": "parcel"}
    building = conn.execute(select(B.c.district).where(B.c.code == code)).first()
    if building is None:
        return None
    return {
        **dict.fromkeys(_NOT_OF_A_BUILDING),
        "code": code,
        "district": building.district,
        "retired": False,
        "subject": "building",
    }


def open_disposal(conn: Connection, code: str, lock: bool = False):
    """The newest disposal of ``code`` that has not ended (closed or dismissed), as a
    mapping of its columns, locked until the transaction ends with ``lock``; None when
    there is none."""
    stmt = (
        select(D).where(D.c.parcel_code == code, D.c.status.not_in(ENDED)).order_by(D.c.id.desc())
    )
    if lock:
        stmt = sql_of(conn).lock(stmt)
    return conn.execute(stmt).mappings().first()


def disposals_of(conn: Connection, code: str) -> list:
    """Every disposal of ``code``, newest first, as mappings of their columns."""
    stmt = select(D).where(D.c.parcel_code == code).order_by(D.c.id.desc())
    return conn.execute(stmt).mappings().all()


def open_disposals(conn: Connection) -> list:
    """Every disposal that has not ended, as mappings of their columns."""
    return conn.execute(select(D).where(D.c.status.not_in(ENDED))).mappings().all()


def steps(conn: Connection, disposal_id: int) -> list:
    """The steps of disposal ``disposal_id``, oldest first, as mappings of their
    columns."""
    stmt = select(S).where(S.c.disposal_id == disposal_id).order_by(S.c.id)
    return conn.execute(stmt).mappings().all()


def last_step_on(conn: Connection, disposal_id: int):
    """The date of the latest-dated step of disposal ``disposal_id``; None without."""
    return conn.execute(select(func.max(S.c.on)).where(S.c.disposal_id == disposal_id)).scalar()


def latest_states(conn: Connection) -> dict[str, str]:
    """The state of the newest disposal of each parcel or building: code → status."""
    return dict(conn.execute(select(D.c.parcel_code, D.c.status).order_by(D.c.id)).all())


def insert_disposal(conn: Connection, values: dict, now) -> int:
    """Inserts a disposal (``values``: its columns), created and updated at ``now``;
    returns its id."""
    stmt = insert(D).values(**values, created_at=now, updated_at=now).returning(D.c.id)
    return conn.execute(stmt).scalar_one()


def move_disposal(conn: Connection, disposal_id: int, status: str, now, done_on=None) -> None:
    """Puts disposal ``disposal_id`` in ``status`` (and its ``done_on`` when given),
    updated at ``now``, its version one up."""
    values = {"status": status, "updated_at": now, "version": D.c.version + 1}
    if done_on is not None:
        values["done_on"] = done_on
    conn.execute(update(D).where(D.c.id == disposal_id).values(**values))


def set_blockers(conn: Connection, disposal_id: int, blockers: str, now) -> None:
    """Writes the blockers (JSON text) of disposal ``disposal_id``, updated at ``now``."""
    conn.execute(update(D).where(D.c.id == disposal_id).values(blockers=blockers, updated_at=now))


def insert_step(conn: Connection, step: dict) -> None:
    """Inserts one step (``step``: the columns of ``disposal_step`` but its id)."""
    conn.execute(insert(S).values(**step))


def activations(conn: Connection, code: str | None = None) -> dict[str, dict]:
    """The latest activation (盘活, a disposal of subject building) of each building, or
    of building ``code``: code → {state, method, planned_on, done_on} (ISO dates)."""
    stmt = select(D.c.parcel_code, D.c.status, D.c.method, D.c.planned_on, D.c.done_on).where(
        D.c.subject == "building"
    )
    if code is not None:
        stmt = stmt.where(D.c.parcel_code == code)
    out = {}
    for c, status, method, planned, done in conn.execute(stmt.order_by(D.c.id)):
        out[c] = {
            "state": status,
            "method": method,
            "planned_on": planned.isoformat() if planned else None,
            "done_on": done.isoformat() if done else None,
        }
    return out


def disposals_with_steps(conn: Connection, code: str) -> list[dict]:
    """Every disposal of ``code``, newest first, as dicts of its columns, each with
    ``steps``: its steps oldest first, as dicts of their columns (one query for all)."""
    disposals = [dict(r) for r in disposals_of(conn, code)]
    found: dict[int, list[dict]] = {d["id"]: [] for d in disposals}
    if found:
        rows = conn.execute(
            select(S).where(S.c.disposal_id.in_(list(found))).order_by(S.c.id)
        ).mappings()
        for step in rows:
            found[step["disposal_id"]].append(dict(step))
    for d in disposals:
        d["steps"] = found[d["id"]]
    return disposals


def case_by_id(conn: Connection, disposal_id: int, lock: bool = False) -> dict:
    """Disposal ``disposal_id`` as a dict of its columns, locked with ``lock``."""
    stmt = select(D).where(D.c.id == disposal_id)
    if lock:
        stmt = sql_of(conn).lock(stmt)
    return dict(conn.execute(stmt).mappings().one())


def set_method(conn: Connection, disposal_id: int, method: str, now) -> None:
    """Writes the method of disposal ``disposal_id`` (a decision names it)."""
    conn.execute(
        update(D)
        .where(D.c.id == disposal_id)
        .values(method=method, updated_at=now, version=D.c.version + 1)
    )
