"""The acts of idle-land cases (``case_act``) and their number register
(``doc_number_seq``)."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from landbank.db.dialects import sql_of
from landbank.db.models import CaseAct, Disposal, NumberSeq, Parcel

A, N = CaseAct.__table__, NumberSeq.__table__
D, P = Disposal.__table__, Parcel.__table__


def take_number(conn: Connection, kind: str, year: int) -> int:
    """The next sequence of ``kind`` in ``year``, taken under the register row's lock
    until the transaction ends: a rolled-back issue gives its number back, so numbers
    have no gap, and two issuers at once get consecutive ones."""
    stmt = sql_of(conn).insert(N).values(kind=kind, year=year, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[N.c.kind, N.c.year], set_={"last_seq": N.c.last_seq + 1}
    ).returning(N.c.last_seq)
    return conn.execute(stmt).scalar_one()


def lock_parcel(conn: Connection, code: str) -> None:
    """Locks parcel ``code``'s row until the transaction ends (PostGIS; the SQLite
    writer holds the file): two clerks opening a case on it at once take turns."""
    conn.execute(sql_of(conn).lock(select(P.c.code).where(P.c.code == code))).first()


def insert_act(conn: Connection, values: dict) -> int:
    """Inserts an act (``values``: its columns but id); returns its id."""
    return conn.execute(insert(A).values(**values).returning(A.c.id)).scalar_one()


def update_act(conn: Connection, act_id: int, values: dict) -> None:
    """Writes ``values`` into act ``act_id``, its version one up."""
    conn.execute(update(A).where(A.c.id == act_id).values(**values, version=A.c.version + 1))


def acts_of(conn: Connection, disposal_id: int) -> list[dict]:
    """The acts of case (disposal) ``disposal_id``, in the order they were made."""
    stmt = select(A).where(A.c.disposal_id == disposal_id).order_by(A.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def acts_of_cases(conn: Connection, disposal_ids: list[int]) -> dict[int, list[dict]]:
    """The acts of several cases at once: disposal id → its acts in order."""
    out: dict[int, list[dict]] = {i: [] for i in disposal_ids}
    for start in range(0, len(disposal_ids), 500):
        part = disposal_ids[start : start + 500]
        stmt = select(A).where(A.c.disposal_id.in_(part)).order_by(A.c.id)
        for row in conn.execute(stmt).mappings():
            out[row["disposal_id"]].append(dict(row))
    return out


def act_by_number(conn: Connection, number: str, lock: bool = False) -> dict | None:
    """The act numbered ``number`` (locked until the transaction ends with ``lock``),
    None when no act has it."""
    stmt = select(A).where(A.c.number == number)
    if lock:
        stmt = sql_of(conn).lock(stmt)
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def numbers(conn: Connection, year: int | None = None, kind: str | None = None) -> list[dict]:
    """The numbered acts, by kind and sequence: number, kind, year, seq, status,
    issued_on, parcel_code, voided_on, void_reason."""
    stmt = select(
        A.c.number,
        A.c.kind,
        A.c.number_year.label("year"),
        A.c.number_seq.label("seq"),
        A.c.status,
        A.c.issued_on,
        A.c.parcel_code,
        A.c.voided_on,
        A.c.void_reason,
    ).where(A.c.number_seq.is_not(None))
    if year is not None:
        stmt = stmt.where(A.c.number_year == year)
    if kind is not None:
        stmt = stmt.where(A.c.kind == kind)
    stmt = stmt.order_by(A.c.kind, A.c.number_year, A.c.number_seq)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def open_cases_with_acts(conn: Connection, states: tuple[str, ...]) -> list[dict]:
    """The parcels' disposals in ``states`` with their parcel's district, park, name,
    holder, agreed start and cause: one dict each (disposal columns, parcel columns
    prefixed ``parcel_``)."""
    stmt = (
        select(
            D,
            P.c.district.label("parcel_district"),
            P.c.park.label("parcel_park"),
            P.c.name.label("parcel_name"),
            P.c.holder.label("parcel_holder"),
            P.c.agreed_start_on.label("parcel_agreed_start_on"),
            P.c.area_mu.label("parcel_area_mu"),
        )
        .join(P, P.c.code == D.c.parcel_code)
        .where(D.c.subject == "parcel", D.c.status.in_(states))
        .order_by(D.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def latest_case(conn: Connection, code: str) -> dict | None:
    """The newest parcel disposal (case) of ``code``, open or not; None without."""
    stmt = select(D).where(D.c.parcel_code == code, D.c.subject == "parcel").order_by(D.c.id.desc())
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def count_live(conn: Connection) -> int:
    """How many acts are live (issued or recorded)."""
    return conn.execute(
        select(func.count()).select_from(A).where(A.c.status.in_(("issued", "recorded")))
    ).scalar_one()
