"""``landbank reserve``, ``release`` and ``reservations``: a parcel, or a vacant floor or
unit of a building, held for one project so it is never promised twice.

One active reservation per parcel and per floor or unit is kept by the database (the
partial unique indexes of migration 0004), not by a look before the write: of two
clerks reserving the same parcel at the same moment, one gets it and the other a
ConflictError naming the project that holds it. Codes: a parcel code; a floor or unit
code of ``landbank.domain.buildings.space_code`` (``B001:F3``, ``B001:F3:301``,
``B001::301``); or a bare building code, meaning each of its vacant floors and units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from landbank.db.engine import write_transaction
from landbank.db.models import Building, Parcel, ParcelEvent, Project, Reservation, Vacancy
from landbank.domain.buildings import space_code, split_space_code
from landbank.domain.dates import iso_value
from landbank.domain.reservations import held_until, reservation_state
from landbank.domain.rights import check_district
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services.database import open_db

R, P, E = Reservation.__table__, Parcel.__table__, ParcelEvent.__table__
PR, V, B = Project.__table__, Vacancy.__table__, Building.__table__

FIND_CODES = (
    "find parcel codes with landbank parcels list, and floor codes (BUILDING:F3, "
    "BUILDING:F3:301) with landbank buildings show BUILDING"
)


@dataclass(frozen=True)
class _Held:
    """What one reservation row holds: a parcel, or a floor or unit of a building."""

    code: str
    parcel_code: str | None = None
    building_code: str | None = None
    vacancy_key: str | None = None

    @property
    def kind(self) -> str:
        return "parcel" if self.parcel_code is not None else "floor_space"

    @property
    def noun(self) -> str:
        return "parcel" if self.parcel_code is not None else "floor space"

    def rows(self):
        """The condition on reservation rows of this parcel or floor space."""
        if self.parcel_code is not None:
            return R.c.parcel_code == self.parcel_code
        return and_(R.c.building_code == self.building_code, R.c.vacancy_key == self.vacancy_key)


def _parcel(code: str) -> _Held:
    return _Held(code, parcel_code=code)


def _space(code: str) -> _Held:
    building, key = code.split(":", 1)
    return _Held(code, building_code=building, vacancy_key=key)


def reservation_code(
    parcel_code: str | None, building_code: str | None, vacancy_key: str | None
) -> str:
    """The code a reservation row holds: the parcel code, or the floor or unit code
    (``space_code``'s ``BUILDING:KEY``, e.g. ``B001:F3``); a building code for a row
    without a floor."""
    if parcel_code is not None:
        return parcel_code
    return f"{building_code}:{vacancy_key}" if vacancy_key is not None else building_code


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


# ---- reading the codes ------------------------------------------------------------


def _vacant_spaces(conn: Connection, building: str) -> list[str]:
    """The codes of a building's vacant floors and units, by floor and unit."""
    rows = conn.execute(
        select(V.c.floor, V.c.unit).where(V.c.building_code == building, V.c.vacant_area_m2 > 0)
    ).all()
    rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1] or ""))
    return list(dict.fromkeys(space_code(building, f, u) for f, u in rows))


def _shown(codes: list[str], most: int = 8) -> str:
    return ", ".join(codes[:most]) + (f", … ({len(codes)} in all)" if len(codes) > most else "")


def _is_building(conn: Connection, code: str) -> bool:
    return conn.execute(select(B.c.id).where(B.c.code == code)).first() is not None


def _parcel_row(conn: Connection, code: str):
    return conn.execute(select(P.c.retired).where(P.c.code == code)).first()


def _to_reserve(conn: Connection, codes: list[str]) -> list[_Held]:
    """What ``codes`` name, each checked to exist and be available (in the given
    order, without repeats); NotFoundError naming an unknown code."""
    held: list[_Held] = []
    for code in codes:
        parcel = _parcel_row(conn, code)
        if parcel is not None:
            if parcel.retired:
                parts = conn.execute(
                    select(P.c.code).where(P.c.parent_code == code, P.c.retired.is_(False))
                ).scalars()
                raise InputError(
                    f"parcel {code} is retired (split); reserve its parts instead: "
                    f"{', '.join(parts) or 'see landbank parcels list'}"
                )
            held.append(_parcel(code))
            continue
        space = split_space_code(code)
        building = space[0] if space else code
        if not _is_building(conn, building):
            if space is None:
                raise NotFoundError(f"{code!r} is no parcel, building or floor code; {FIND_CODES}")
            raise NotFoundError(
                f"{code!r}: building {building!r} is not in the database; "
                "see landbank buildings list"
            )
        vacant = _vacant_spaces(conn, building)
        if space is None:
            if not vacant:
                raise InputError(
                    f"building {code} has no vacant floor or unit to reserve; "
                    f"see landbank buildings show {code}"
                )
            held.extend(_space(c) for c in vacant)
            continue
        canonical = space_code(*space)
        if canonical not in vacant:
            listed = f"its vacant ones: {_shown(vacant)}" if vacant else "it has none"
            raise NotFoundError(
                f"{code!r}: building {building} has no such vacant floor or unit ({listed}); "
                f"see landbank buildings show {building}"
            )
        held.append(_space(canonical))
    return list({h.code: h for h in held}.values())


def _to_release(conn: Connection, codes: list[str], project: str) -> list[_Held]:
    """What ``codes`` name for a release: a parcel (retired too), a floor or unit code
    (its vacancy may have been let since), or a building: each of its floors and units
    reserved for ``project``."""
    held: list[_Held] = []
    for code in codes:
        if _parcel_row(conn, code) is not None:
            held.append(_parcel(code))
            continue
        space = split_space_code(code)
        if space is not None:
            held.append(_space(space_code(*space)))
            continue
        if not _is_building(conn, code):
            raise NotFoundError(f"{code!r} is no parcel, building or floor code; {FIND_CODES}")
        rows = conn.execute(
            select(R.c.vacancy_key, R.c.project_name).where(
                R.c.building_code == code, R.c.vacancy_key.is_not(None), _active()
            )
        ).all()
        mine = sorted(f"{code}:{k}" for k, name in rows if name == project)
        if not mine:
            others = sorted({name for _, name in rows})
            if others:
                raise InputError(
                    f"building {code}: none of its floors is reserved for {project}, "
                    f"only for {', '.join(others)}; nothing was released"
                )
            raise NotFoundError(
                f"building {code} has no reserved floor or unit; nothing was released; "
                "see landbank reservations"
            )
        held.extend(_space(c) for c in mine)
    return list({h.code: h for h in held}.values())


# ---- checks -----------------------------------------------------------------------


def _check(codes: list[str], project: str, by: str) -> list[str]:
    codes = [c.strip() for c in codes]
    if not codes or not all(codes):
        raise InputError("name the parcels, buildings or floors: CODE... (none was given)")
    if not project or not project.strip():
        raise InputError("--project is required: a project name (see landbank projects list)")
    if not by or not by.strip():
        raise InputError("--by is required: say who makes the reservation")
    if len(by) > 128:
        raise InputError("--by: at most 128 characters")
    return codes


def _check_project(conn: Connection, project: str) -> None:
    if conn.execute(select(PR.c.id).where(PR.c.name == project)).first() is None:
        raise NotFoundError(
            f"project {project!r} is not in the database; add it with landbank projects add FILE"
        )


def _check_districts(
    conn: Connection, held: list[_Held], districts: tuple[str, ...] | None
) -> None:
    """The district rule for each parcel (its district) and floor or unit (its
    building's district); None: every district."""
    if districts is None:
        return
    for h in held:
        if h.parcel_code is not None:
            district = conn.execute(select(P.c.district).where(P.c.code == h.parcel_code)).scalar()
            check_district(districts, district, "parcel", h.code)
        else:
            district = conn.execute(
                select(B.c.district).where(B.c.code == h.building_code)
            ).scalar()
            check_district(districts, district, "building", h.code)


def _command_word(text: str) -> str:
    return f'"{text}"' if any(ch.isspace() for ch in text) or not text else text


def _held_by(conn: Connection, h: _Held):
    return conn.execute(select(R).where(h.rows(), _active()).order_by(R.c.id)).mappings().first()


def _already(conn: Connection, h: _Held) -> str:
    row = _held_by(conn, h)
    if row is None:  # the other reservation was rolled back or released meanwhile
        return (
            f"{h.noun} {h.code} was being reserved by someone else at the same moment; "
            "nothing was reserved; try again"
        )
    name = row["project_name"]
    return (
        f"{h.noun} {h.code} is already reserved for {name} {held_until(row['until'])} "
        f"(by {row['by']}); nothing was reserved; release it first: "
        f"landbank release {h.code} --project {_command_word(name)} --by NAME"
    )


def _event(conn: Connection, code: str, old, new, by: str, now, reason) -> None:
    conn.execute(
        insert(E).values(
            parcel_code=code,
            field="reservation",
            old_value=old,
            new_value=new,
            by=by,
            at=now,
            reason=reason,
        )
    )


# ---- the actions ------------------------------------------------------------------


def reserve(
    db_url: str,
    codes: list[str],
    project: str,
    until: dt.date | None,
    by: str,
    today: dt.date | None = None,
    reason: str | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Reserves parcels, floors or units (a bare building code: each of its vacant
    floors and units) for ``project`` until ``until`` (inclusive; None: until released),
    in one transaction: all or nothing. A reservation past its ``until`` is released
    first; one still holding, for any project, refuses the whole reservation
    (ConflictError naming the project). Each reserved parcel gets a history event.
    With ``districts`` (a clerk's), anything outside them refuses the whole
    reservation (ForbiddenError)."""
    codes = _check(codes, project, by)
    today = today or dt.date.today()
    if until is not None and until < today:
        raise InputError(f"--until {until.isoformat()} is in the past; give today or a later date")
    now = dt.datetime.now(dt.UTC)
    new = f"{project} {held_until(until)}"
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            _check_project(conn, project)
            held = _to_reserve(conn, codes)
            _check_districts(conn, held, districts)
            lapsed: list[str] = []
            # code by code, in one order for everyone: two transactions then never
            # wait on each other crosswise (no deadlock on PostgreSQL)
            for h in sorted(held, key=lambda h: h.code):
                lapsed += _release_expired(conn, h, today, by, now)
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(R).values(
                                project_name=project,
                                parcel_code=h.parcel_code,
                                building_code=h.building_code,
                                vacancy_key=h.vacancy_key,
                                until=until,
                                by=by,
                                at=now,
                            )
                        )
                except IntegrityError:  # the partial unique index: held already
                    raise ConflictError(_already(conn, h)) from None
                if h.parcel_code is not None:
                    _event(conn, h.parcel_code, None, new, by, now, reason)
    finally:
        engine.dispose()
    return {
        "reserved": [h.code for h in held],
        "project": project,
        "until": iso_value(until),
        "lapsed": lapsed,
    }


def _release_expired(conn: Connection, h: _Held, today: dt.date, by: str, now) -> list[str]:
    """Marks the reservations of ``h`` past their ``until`` released; returns the code
    for each one so closed (a parcel's history notes it)."""
    rows = conn.execute(select(R).where(h.rows(), _active(), R.c.until < today)).mappings().all()
    lapsed = []
    for row in rows:
        done = conn.execute(
            update(R).where(R.c.id == row["id"], _active()).values(released_at=now)
        ).rowcount
        if not done:  # released meanwhile by someone else
            continue
        lapsed.append(h.code)
        if h.parcel_code is not None:
            old = f"{row['project_name']} {held_until(row['until'])}"
            _event(conn, h.parcel_code, old, None, by, now, f"expired after {row['until']}")
    return lapsed


def release(
    db_url: str,
    codes: list[str],
    project: str,
    by: str,
    reason: str | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Releases the reservations of ``codes`` held for ``project`` (a bare building code:
    each of its floors and units reserved for it), in one transaction: all or nothing.
    A code not reserved for ``project`` is refused, naming who holds it if anyone.
    With ``districts`` (a clerk's), anything outside them refuses the whole release."""
    codes = _check(codes, project, by)
    now = dt.datetime.now(dt.UTC)
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            held = _to_release(conn, codes, project)
            _check_districts(conn, held, districts)
            for h in sorted(held, key=lambda h: h.code):
                released = conn.execute(
                    update(R)
                    .where(h.rows(), _active(), R.c.project_name == project)
                    .values(released_at=now)
                    .returning(R.c.until)
                ).all()
                if not released:
                    raise _not_held(conn, h, project)
                if h.parcel_code is not None:
                    old = f"{project} {held_until(released[0][0])}"
                    _event(conn, h.parcel_code, old, None, by, now, reason)
    finally:
        engine.dispose()
    return {"released": [h.code for h in held], "project": project}


def _not_held(conn: Connection, h: _Held, project: str) -> Exception:
    row = _held_by(conn, h)
    if row is None:
        return NotFoundError(
            f"{h.noun} {h.code} is not reserved; nothing was released; see landbank reservations"
        )
    return InputError(
        f"{h.noun} {h.code} is reserved for {row['project_name']} (by {row['by']}), "
        f"not for {project}; nothing was released"
    )


def list_reservations(
    db_url: str, project: str | None = None, include_released: bool = False
) -> list[dict]:
    """Reservations, oldest first: code, kind (parcel | floor_space), project, until,
    by, at, released_at and state (active | expired | released). Only those holding
    today unless ``include_released``."""
    today = dt.date.today()
    stmt = select(R).order_by(R.c.at, R.c.id)
    if project is not None:
        stmt = stmt.where(R.c.project_name == project)
    if not include_released:
        stmt = stmt.where(_holding(today))
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
    finally:
        engine.dispose()
    return [
        {
            "code": reservation_code(r["parcel_code"], r["building_code"], r["vacancy_key"]),
            "kind": "parcel" if r["parcel_code"] is not None else "floor_space",
            "project": r["project_name"],
            "until": iso_value(r["until"]),
            "by": r["by"],
            "at": iso_value(r["at"]),
            "released_at": iso_value(r["released_at"]),
            "state": reservation_state(r["until"], r["released_at"], today),
        }
        for r in rows
    ]
