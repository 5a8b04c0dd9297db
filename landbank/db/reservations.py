"""Reservations (预留) of parcels and of vacant floors and units, and what reserving
reads of parcels, buildings and projects. One active reservation per parcel and per
floor or unit is kept by the partial unique indexes of migration 0004."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from landbank.db.models import Building, Parcel, Project, Reservation, Vacancy
from landbank.domain.buildings import space_code
from landbank.domain.reservations import Held, reservation_code

R, P, B = Reservation.__table__, Parcel.__table__, Building.__table__
PR, V = Project.__table__, Vacancy.__table__


def _rows_of(h: Held):
    """The condition on reservation rows of the parcel or floor space ``h``."""
    if h.parcel_code is not None:
        return R.c.parcel_code == h.parcel_code
    return and_(R.c.building_code == h.building_code, R.c.vacancy_key == h.vacancy_key)


def _active():
    return R.c.released_at.is_(None)


def _holding(today: dt.date):
    """Reservations that hold today: not released, not past their ``until``."""
    return and_(_active(), or_(R.c.until.is_(None), R.c.until >= today))


def active_reserved(conn: Connection, today: dt.date) -> dict[str, str]:
    """Maps every code held today (a parcel code, or a floor or unit code as
    ``space_code`` makes it) to the name of the project it is reserved for. Reservations
    past their ``until`` date hold nothing, released or not."""
    rows = conn.execute(
        select(R.c.parcel_code, R.c.building_code, R.c.vacancy_key, R.c.project_name).where(
            _holding(today)
        )
    )
    return {reservation_code(p, b, k): name for p, b, k, name in rows}


def reservations(conn: Connection, project: str | None, holding_on: dt.date | None) -> list:
    """Reservations (of ``project`` when given; only those holding on ``holding_on``
    when given), oldest first, as mappings of their columns."""
    stmt = select(R).order_by(R.c.at, R.c.id)
    if project is not None:
        stmt = stmt.where(R.c.project_name == project)
    if holding_on is not None:
        stmt = stmt.where(_holding(holding_on))
    return conn.execute(stmt).mappings().all()


def held_counts(conn: Connection) -> dict[str, int]:
    """Project name → how many parcels, floors or units are reserved for it (not
    released)."""
    held: dict[str, int] = {}
    for (name,) in conn.execute(select(R.c.project_name).where(_active())):
        held[name] = held.get(name, 0) + 1
    return held


# ---- what a reservation names -----------------------------------------------------


def parcel_retired(conn: Connection, code: str) -> bool | None:
    """Whether parcel ``code`` is retired (split); None when there is no such parcel."""
    row = conn.execute(select(P.c.retired).where(P.c.code == code)).first()
    return None if row is None else bool(row.retired)


def live_parts(conn: Connection, code: str) -> list[str]:
    """The codes of the parcels split from ``code`` that are not retired."""
    stmt = select(P.c.code).where(P.c.parent_code == code, P.c.retired.is_(False))
    return list(conn.execute(stmt).scalars())


def is_building(conn: Connection, code: str) -> bool:
    """Whether building ``code`` is stored."""
    return conn.execute(select(B.c.id).where(B.c.code == code)).first() is not None


def vacant_spaces(conn: Connection, building: str) -> list[str]:
    """The codes of a building's vacant floors and units, by floor and unit."""
    rows = conn.execute(
        select(V.c.floor, V.c.unit).where(V.c.building_code == building, V.c.vacant_area_m2 > 0)
    ).all()
    rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1] or ""))
    return list(dict.fromkeys(space_code(building, f, u) for f, u in rows))


def reserved_spaces(conn: Connection, building: str) -> list[tuple[str, str]]:
    """(vacancy key, project name) of each floor or unit of ``building`` reserved (not
    released)."""
    stmt = select(R.c.vacancy_key, R.c.project_name).where(
        R.c.building_code == building, R.c.vacancy_key.is_not(None), _active()
    )
    return [tuple(r) for r in conn.execute(stmt)]


def district_of(conn: Connection, h: Held) -> str | None:
    """The district of ``h``: a parcel's own, a floor or unit's building's."""
    if h.parcel_code is not None:
        return conn.execute(select(P.c.district).where(P.c.code == h.parcel_code)).scalar()
    return conn.execute(select(B.c.district).where(B.c.code == h.building_code)).scalar()


def project_exists(conn: Connection, name: str) -> bool:
    """Whether project ``name`` is stored."""
    return conn.execute(select(PR.c.id).where(PR.c.name == name)).first() is not None


# ---- holding and letting go -------------------------------------------------------


def held_by(conn: Connection, h: Held):
    """The reservation holding ``h`` (not released), as a mapping of its columns; None
    when nothing does."""
    stmt = select(R).where(_rows_of(h), _active()).order_by(R.c.id)
    return conn.execute(stmt).mappings().first()


def hold(conn: Connection, h: Held, project: str, until, by: str, at) -> bool:
    """Reserves ``h`` for ``project`` until ``until``, by ``by`` at ``at``; False (and
    nothing written) when a reservation holds it already: the partial unique index
    refuses the row, in a savepoint, so the transaction goes on."""
    row = {
        "project_name": project,
        "parcel_code": h.parcel_code,
        "building_code": h.building_code,
        "vacancy_key": h.vacancy_key,
        "until": until,
        "by": by,
        "at": at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(R).values(**row))
    except IntegrityError:
        return False
    return True


def lapse_expired(conn: Connection, h: Held, today: dt.date, now) -> list:
    """Marks released at ``now`` the reservations of ``h`` past their ``until`` (before
    ``today``); returns those it closed (one released meanwhile by someone else is
    left out), as mappings of their columns."""
    stmt = select(R).where(_rows_of(h), _active(), R.c.until < today)
    closed = []
    for row in conn.execute(stmt).mappings().all():
        done = conn.execute(
            update(R).where(R.c.id == row["id"], _active()).values(released_at=now)
        ).rowcount
        if done:
            closed.append(row)
    return closed


def release(conn: Connection, h: Held, project: str, now) -> list:
    """Marks released at ``now`` the reservations of ``h`` held for ``project``;
    returns the ``until`` of each (empty when none was held for it)."""
    stmt = (
        update(R)
        .where(_rows_of(h), _active(), R.c.project_name == project)
        .values(released_at=now)
        .returning(R.c.until)
    )
    return [until for (until,) in conn.execute(stmt).all()]
