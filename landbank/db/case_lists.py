"""Lists over many idle-land cases at once, each read in one query (never one query per
case): the cases in some states with their parcel's place, and the acts of those
cases. What falls due (``services.case_due``) and the published list of idle land
(``services.case_public``) read them."""

from __future__ import annotations

import shapely
from sqlalchemy import Connection, func, select

from landbank.db.models import CaseAct, Disposal, Parcel

A, D, P = CaseAct.__table__, Disposal.__table__, Parcel.__table__

# what the deadlines of an act are computed from (domain.case.deadlines), and what a
# list shows of it: never the document's fields, which are large
_ACT_COLUMNS = (
    A.c.id,
    A.c.disposal_id,
    A.c.kind,
    A.c.status,
    A.c.number,
    A.c.issued_on,
    A.c.served_on,
    A.c.method,
    A.c.new_start_on,
    A.c.hearing_requested_on,
    A.c.hearing_held_on,
    A.c.paid_on,
    A.c.deregistered_on,
    A.c.fields,
)


def _in_districts(stmt, districts: tuple[str, ...] | None):
    return stmt if districts is None else stmt.where(P.c.district.in_(districts))


def cases_in(
    conn: Connection,
    states: tuple[str, ...],
    districts: tuple[str, ...] | None = None,
    with_geometry: bool = False,
) -> list[dict]:
    """The parcels' disposals (cases) in ``states`` (of ``districts``; None: all), by id:
    id, parcel_code, status, method, cause (the case's, else the parcel's), and the
    parcel's district, park, name, holder, agreed_start_on, delivered_on (where the
    schema has it, else None), retired; with ``with_geometry`` its ``geometry``
    (shapely, EPSG:4490)."""
    delivered = P.c.delivered_on if "delivered_on" in P.c else None
    cols = [
        D.c.id,
        D.c.parcel_code,
        D.c.status,
        D.c.method,
        func.coalesce(D.c.cause, P.c.cause).label("cause"),
        P.c.district,
        P.c.park,
        P.c.name,
        P.c.holder,
        P.c.agreed_start_on,
        P.c.retired,
    ]
    if delivered is not None:
        cols.append(delivered.label("delivered_on"))
    if with_geometry:
        cols.append(func.ST_AsBinary(P.c.geom).label("wkb"))
    stmt = (
        select(*cols)
        .join(P, P.c.code == D.c.parcel_code)
        .where(D.c.subject == "parcel", D.c.status.in_(states))
        .order_by(D.c.id)
    )
    out = []
    result = conn.execute(_in_districts(stmt, districts))
    keys = list(result.keys())
    for row in result.all():
        case = dict(zip(keys, row, strict=True))
        case.setdefault("delivered_on", None)
        if with_geometry:
            wkb = case.pop("wkb")
            case["geometry"] = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        out.append(case)
    return out


def acts_of_cases_in(
    conn: Connection,
    states: tuple[str, ...],
    districts: tuple[str, ...] | None = None,
    statuses: tuple[str, ...] | None = None,
    kinds: tuple[str, ...] | None = None,
) -> dict[int, list[dict]]:
    """The acts of every case in ``states`` (of ``districts``; None: all), of
    ``statuses`` and ``kinds`` (None: any), in one query: disposal id → its acts in the
    order they were made (the columns deadlines are computed from: id, kind, status,
    number, issued_on, served_on, method, new_start_on, hearing_requested_on,
    hearing_held_on, paid_on, deregistered_on)."""
    stmt = (
        select(*_ACT_COLUMNS)
        .join(D, D.c.id == A.c.disposal_id)
        .join(P, P.c.code == D.c.parcel_code)
        .where(D.c.subject == "parcel", D.c.status.in_(states))
        .order_by(A.c.id)
    )
    if statuses is not None:
        stmt = stmt.where(A.c.status.in_(statuses))
    if kinds is not None:
        stmt = stmt.where(A.c.kind.in_(kinds))
    keys = [c.name for c in _ACT_COLUMNS]
    out: dict[int, list[dict]] = {}
    for row in conn.execute(_in_districts(stmt, districts)).all():
        act = dict(zip(keys, row, strict=True))
        out.setdefault(act["disposal_id"], []).append(act)
    return out
