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

from landbank.db import history
from landbank.db import reservations as booked
from landbank.db.reservations import active_reserved  # noqa: F401 (matching reads it here)
from landbank.db.store import Store, Unit
from landbank.domain.buildings import space_code, split_space_code
from landbank.domain.dates import iso_value, local_day
from landbank.domain.reservations import Held, held_until, reservation_code, reservation_state
from landbank.domain.rights import check_district
from landbank.errors import ConflictError, InputError, NotFoundError

FIND_CODES = (
    "find parcel codes with landbank parcels list, and floor codes (BUILDING:F3, "
    "BUILDING:F3:301) with landbank buildings show BUILDING"
)


# ---- reading the codes ------------------------------------------------------------


def _shown(codes: list[str], most: int = 8) -> str:
    return ", ".join(codes[:most]) + (f", … ({len(codes)} in all)" if len(codes) > most else "")


def _to_reserve(uow: Unit, codes: list[str]) -> list[Held]:
    """What ``codes`` name, each checked to exist and be available (in the given
    order, without repeats); NotFoundError naming an unknown code."""
    held: list[Held] = []
    for code in codes:
        retired = booked.parcel_retired(uow, code)
        if retired is not None:
            if retired:
                parts = booked.live_parts(uow, code)
                raise InputError(
                    f"parcel {code} is retired (split); reserve its parts instead: "
                    f"{', '.join(parts) or 'see landbank parcels list'}"
                )
            held.append(Held.parcel(code))
            continue
        space = split_space_code(code)
        building = space[0] if space else code
        if not booked.is_building(uow, building):
            if space is None:
                raise NotFoundError(f"{code!r} is no parcel, building or floor code; {FIND_CODES}")
            raise NotFoundError(
                f"{code!r}: building {building!r} is not in the database; "
                "see landbank buildings list"
            )
        vacant = booked.vacant_spaces(uow, building)
        if space is None:
            if not vacant:
                raise InputError(
                    f"building {code} has no vacant floor or unit to reserve; "
                    f"see landbank buildings show {code}"
                )
            held.extend(Held.space(c) for c in vacant)
            continue
        canonical = space_code(*space)
        if canonical not in vacant:
            listed = f"its vacant ones: {_shown(vacant)}" if vacant else "it has none"
            raise NotFoundError(
                f"{code!r}: building {building} has no such vacant floor or unit ({listed}); "
                f"see landbank buildings show {building}"
            )
        held.append(Held.space(canonical))
    return list({h.code: h for h in held}.values())


def _to_release(uow: Unit, codes: list[str], project: str) -> list[Held]:
    """What ``codes`` name for a release: a parcel (retired too), a floor or unit code
    (its vacancy may have been let since), or a building: each of its floors and units
    reserved for ``project``."""
    held: list[Held] = []
    for code in codes:
        if booked.parcel_retired(uow, code) is not None:
            held.append(Held.parcel(code))
            continue
        space = split_space_code(code)
        if space is not None:
            held.append(Held.space(space_code(*space)))
            continue
        if not booked.is_building(uow, code):
            raise NotFoundError(f"{code!r} is no parcel, building or floor code; {FIND_CODES}")
        reserved = booked.reserved_spaces(uow, code)
        mine = sorted(f"{code}:{k}" for k, name in reserved if name == project)
        if not mine:
            others = sorted({name for _, name in reserved})
            if others:
                raise InputError(
                    f"building {code}: none of its floors is reserved for {project}, "
                    f"only for {', '.join(others)}; nothing was released"
                )
            raise NotFoundError(
                f"building {code} has no reserved floor or unit; nothing was released; "
                "see landbank reservations"
            )
        held.extend(Held.space(c) for c in mine)
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


def _check_project(uow: Unit, project: str) -> None:
    if not booked.project_exists(uow, project):
        raise NotFoundError(
            f"project {project!r} is not in the database; add it with landbank projects add FILE"
        )


def _check_districts(uow: Unit, held: list[Held], districts: tuple[str, ...] | None) -> None:
    """The district rule for each parcel (its district) and floor or unit (its
    building's district); None: every district."""
    if districts is None:
        return
    for h in held:
        noun = "parcel" if h.parcel_code is not None else "building"
        check_district(districts, booked.district_of(uow, h), noun, h.code)


def _command_word(text: str) -> str:
    return f'"{text}"' if any(ch.isspace() for ch in text) or not text else text


def _already(uow: Unit, h: Held) -> str:
    row = booked.held_by(uow, h)
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


def _event(uow: Unit, code: str, old, new, reason) -> None:
    """A parcel's history notes a reservation made (``new``) or ended (``old``), by
    ``uow.by`` at ``uow.now``."""
    event = {"parcel_code": code, "field": "reservation", "old_value": old, "new_value": new}
    history.append(uow, [{**event, "reason": reason}])


# ---- the actions ------------------------------------------------------------------


def reserve(
    store: Store,
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
    in one unit of work: all or nothing. A reservation past its ``until`` is released
    first; one still holding, for any project, refuses the whole reservation
    (ConflictError naming the project). Each reserved parcel gets a history event.
    With ``districts`` (a clerk's), anything outside them refuses the whole
    reservation (ForbiddenError). Returns reserved (codes), project, until and lapsed
    (the codes whose expired reservation was released)."""
    codes = _check(codes, project, by)
    new = f"{project} {held_until(until)}"
    with store.write(by=by) as uow:
        today = today or local_day(uow.now)
        if until is not None and until < today:
            raise InputError(
                f"--until {until.isoformat()} is in the past; give today or a later date"
            )
        _check_project(uow, project)
        held = _to_reserve(uow, codes)
        _check_districts(uow, held, districts)
        lapsed: list[str] = []
        # code by code, in one order for everyone: two transactions then never
        # wait on each other crosswise (no deadlock on PostgreSQL)
        for h in sorted(held, key=lambda h: h.code):
            lapsed += _release_expired(uow, h, today)
            if not booked.hold(uow, h, project, until, uow.by, uow.now):
                raise ConflictError(_already(uow, h))
            if h.parcel_code is not None:
                _event(uow, h.parcel_code, None, new, reason)
    return {
        "reserved": [h.code for h in held],
        "project": project,
        "until": iso_value(until),
        "lapsed": lapsed,
    }


def _release_expired(uow: Unit, h: Held, today: dt.date) -> list[str]:
    """Marks the reservations of ``h`` past their ``until`` released; returns the code
    for each one so closed (a parcel's history notes it)."""
    lapsed = []
    for row in booked.lapse_expired(uow, h, today, uow.now):
        lapsed.append(h.code)
        if h.parcel_code is not None:
            old = f"{row['project_name']} {held_until(row['until'])}"
            _event(uow, h.parcel_code, old, None, f"expired after {row['until']}")
    return lapsed


def release(
    store: Store,
    codes: list[str],
    project: str,
    by: str,
    reason: str | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Releases the reservations of ``codes`` held for ``project`` (a bare building code:
    each of its floors and units reserved for it), in one unit of work: all or nothing.
    A code not reserved for ``project`` is refused, naming who holds it if anyone.
    With ``districts`` (a clerk's), anything outside them refuses the whole release.
    Returns released (codes) and project."""
    codes = _check(codes, project, by)
    with store.write(by=by) as uow:
        held = _to_release(uow, codes, project)
        _check_districts(uow, held, districts)
        for h in sorted(held, key=lambda h: h.code):
            released = booked.release(uow, h, project, uow.now)
            if not released:
                raise _not_held(uow, h, project)
            if h.parcel_code is not None:
                old = f"{project} {held_until(released[0])}"
                _event(uow, h.parcel_code, old, None, reason)
    return {"released": [h.code for h in held], "project": project}


def _not_held(uow: Unit, h: Held, project: str) -> Exception:
    row = booked.held_by(uow, h)
    if row is None:
        return NotFoundError(
            f"{h.noun} {h.code} is not reserved; nothing was released; see landbank reservations"
        )
    return InputError(
        f"{h.noun} {h.code} is reserved for {row['project_name']} (by {row['by']}), "
        f"not for {project}; nothing was released"
    )


def list_reservations(
    store: Store, project: str | None = None, include_released: bool = False
) -> list[dict]:
    """Reservations, oldest first: code, kind (parcel | floor_space), project, until,
    by, at, released_at and state (active | expired | released). Only those holding
    today unless ``include_released``."""
    with store.read() as uow:
        today = local_day(uow.now)
        found = booked.reservations(uow, project, None if include_released else today)
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
        for r in found
    ]
