"""Enterprises, leases and figures by source and year, in and out of the database.

What the evaluation reads is here too: ``held_parcels`` and ``leases_in_force`` (land
by the rule: held + rented in − rented out) and ``figure_rows`` (a year's figures from
the vintages current now, or from those current at a past moment: a past evaluation
read again)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from landbank.db import history
from landbank.db.bulk import insert_frame
from landbank.db.dialects import sql_of
from landbank.db.models import Enterprise, EnterpriseFigure, FigureVintage, Lease, Parcel
from landbank.db.parcels import update_parcels
from landbank.db.rows import frame_of
from landbank.domain.enterprises import FIGURE_NAMES

E = Enterprise.__table__
L = Lease.__table__
V = FigureVintage.__table__
F = EnterpriseFigure.__table__
P = Parcel.__table__
REGISTER = ["credit_code", "name", "cohort", "industry", "district", "park"]
LEASE_COLUMNS = ["id", "lessor_code", "lessee_code", "parcel_code", "area_mu", "from_on",
                 "to_on", "source_file", "source_row", "recorded_by", "recorded_at",
                 "replaced_at"]  # fmt: skip


def _utc(moment: dt.datetime) -> dt.datetime:
    """A moment as stored: UTC (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


# --- the register ---------------------------------------------------------------------


def load_register(conn: Connection, codes: list[str] | None = None) -> pd.DataFrame:
    """The register's rows (``REGISTER`` columns), all or of ``codes``, by credit code."""
    stmt = select(*(E.c[c] for c in REGISTER)).order_by(E.c.credit_code)
    if codes is None or len(codes) > 2000:  # one scan beats many IN lists
        frame = frame_of(conn.execute(stmt))
        return frame if codes is None else frame[frame["credit_code"].isin(set(codes))]
    frames = [
        frame_of(conn.execute(stmt.where(E.c.credit_code.in_(codes[i : i + 500]))))
        for i in range(0, len(codes), 500)
    ]
    return pd.concat(frames, ignore_index=True) if frames else frame_of(conn.execute(stmt))


def register_names(conn: Connection) -> dict[str, str]:
    """{credit code: name} of every registered enterprise."""
    return dict(conn.execute(select(E.c.credit_code, E.c.name)).all())


def load_enterprise(conn: Connection, code: str) -> dict | None:
    """One enterprise's register row with its timestamps, or None."""
    row = conn.execute(select(E).where(E.c.credit_code == code)).mappings().first()
    return dict(row) if row is not None else None


def upsert_register(
    conn: Connection, new: pd.DataFrame, changed: pd.DataFrame, file: str, by: str, now
) -> None:
    """Inserts ``new`` rows and writes every register field of ``changed`` ones (frames
    of ``REGISTER`` columns), noting the file, who and when."""
    stamp = {"source_file": file, "updated_by": by, "updated_at": _utc(now)}
    if len(new):
        moment = pd.Series(pd.Timestamp(_utc(now)), index=new.index)  # datetime64, UTC
        data = new[REGISTER].assign(source_file=file, updated_by=by)
        insert_frame(conn, "enterprise", data.assign(created_at=moment, updated_at=moment))
    if len(changed):
        stmt = (
            update(E)
            .where(E.c.credit_code == bindparam("b_code"))
            .values({c: bindparam(f"v_{c}") for c in [*REGISTER[1:], *stamp]})
        )
        records = changed[REGISTER].astype(object).where(changed[REGISTER].notna(), None)
        conn.execute(
            stmt,
            [
                {"b_code": r["credit_code"], **{f"v_{c}": r[c] for c in REGISTER[1:]}}
                | {f"v_{k}": v for k, v in stamp.items()}
                for r in records.to_dict("records")
            ],
        )


# --- parcels and their holders --------------------------------------------------------


def parcel_holders(conn: Connection) -> pd.DataFrame:
    """The current parcels' ``code``, ``district``, ``holder``, ``holder_credit_code``."""
    stmt = select(P.c.code, P.c.district, P.c.holder, P.c.holder_credit_code).where(
        P.c.retired.is_(False)
    )
    return frame_of(conn.execute(stmt.order_by(P.c.code)))


def link_holders(conn: Connection, links: pd.DataFrame, now, reason: str, by: str) -> int:
    """Writes ``holder_credit_code`` of the parcels in ``links`` (``code``,
    ``holder_credit_code``, ``old``) with one history row each; the parcel's version
    stays (a derived field, as the category). Returns the count."""
    if links.empty:
        return 0
    update_parcels(conn, links[["code", "holder_credit_code"]], ["holder_credit_code"],
                   None, now, bump=False)  # fmt: skip
    events = pd.DataFrame(
        {
            "parcel_code": links["code"].to_numpy(),
            "field": "holder_credit_code",
            "old_value": links["old"].to_numpy(),
            "new_value": links["holder_credit_code"].to_numpy(),
            "by": by,
            "at": _utc(now),
            "reason": reason,
        }
    )
    history.append_frame(conn, events)
    return len(links)


def parcels_for_leases(conn: Connection, codes: list[str]) -> pd.DataFrame:
    """``code``, ``district``, ``area_mu``, ``recorded_area_mu``, ``holder_credit_code``
    of the current parcels among ``codes``."""
    cols = [P.c.code, P.c.district, P.c.area_mu, P.c.recorded_area_mu, P.c.holder_credit_code]
    frames = [
        frame_of(
            conn.execute(
                select(*cols).where(P.c.retired.is_(False), P.c.code.in_(codes[i : i + 500]))
            )
        )
        for i in range(0, len(codes), 500)
    ]
    if not frames:
        return pd.DataFrame(columns=[c.name for c in cols])
    return pd.concat(frames, ignore_index=True)


def held_parcels(conn: Connection, code: str | None = None) -> pd.DataFrame:
    """The current parcels with a holder's credit code (of ``code`` only, if given):
    ``code``, ``name``, ``district``, ``park``, ``area_mu``, ``category``,
    ``holder_credit_code``."""
    stmt = select(
        P.c.code, P.c.name, P.c.district, P.c.park, P.c.area_mu, P.c.category,
        P.c.holder_credit_code,
    ).where(P.c.retired.is_(False), P.c.holder_credit_code.is_not(None))  # fmt: skip
    if code is not None:
        stmt = stmt.where(P.c.holder_credit_code == code)
    return frame_of(conn.execute(stmt.order_by(P.c.code)))


# --- leases ---------------------------------------------------------------------------


def _known_at(table, recorded, as_at: dt.datetime | None):
    """Rows current now (``replaced_at`` NULL), or current at ``as_at``."""
    if as_at is None:
        return table.c.replaced_at.is_(None)
    t = _utc(as_at)
    return and_(recorded <= t, or_(table.c.replaced_at.is_(None), table.c.replaced_at > t))


def leases_in_force(
    conn: Connection,
    parcels: list[str] | None = None,
    enterprise: str | None = None,
    between: tuple[dt.date, dt.date] | None = None,
    as_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """The leases known now (or at ``as_at``), of ``parcels`` or of ``enterprise`` (as
    lessor or lessee) if given, running some day ``between`` (first, last) if given:
    ``LEASE_COLUMNS`` with dates as datetime64."""
    stmt = select(*(L.c[c] for c in LEASE_COLUMNS)).where(_known_at(L, L.c.recorded_at, as_at))
    if enterprise is not None:
        stmt = stmt.where(or_(L.c.lessor_code == enterprise, L.c.lessee_code == enterprise))
    if between is not None:
        stmt = stmt.where(L.c.from_on <= between[1], L.c.to_on >= between[0])
    stmt = stmt.order_by(L.c.parcel_code, L.c.from_on, L.c.id)
    if parcels is None:
        frame = frame_of(conn.execute(stmt))
    else:
        frames = [
            frame_of(conn.execute(stmt.where(L.c.parcel_code.in_(parcels[i : i + 500]))))
            for i in range(0, len(parcels), 500)
        ]
        frame = pd.concat(frames, ignore_index=True) if frames else frame_of(conn.execute(stmt))
    for c in ("from_on", "to_on"):
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[s]")
    return frame


def replace_leases(conn: Connection, ids: list[int], now) -> None:
    """Marks the leases ``ids`` replaced at ``now`` (kept, no longer current)."""
    for i in range(0, len(ids), 500):
        conn.execute(update(L).where(L.c.id.in_(ids[i : i + 500])).values(replaced_at=_utc(now)))


def insert_leases(conn: Connection, frame: pd.DataFrame, file: str, by: str, now) -> int:
    """Inserts leases (``lessor_code``, ``lessee_code``, ``parcel_code``, ``area_mu``,
    ``from_on``, ``to_on``, ``row``) recorded from ``file`` by ``by`` at ``now``."""
    data = frame[["lessor_code", "lessee_code", "parcel_code", "area_mu", "from_on", "to_on"]]
    records = [
        {
            **{k: (None if pd.isna(v) else v) for k, v in r.items()},
            "from_on": r["from_on"].date(),
            "to_on": r["to_on"].date(),
            "source_file": file,
            "source_row": row,
            "recorded_by": by,
            "recorded_at": _utc(now),
        }
        for r, row in zip(data.to_dict("records"), frame["row"], strict=True)
    ]
    if records:
        conn.execute(insert(L), records)
    return len(records)


# --- figures by source and year -------------------------------------------------------


def retire_current_vintage(conn: Connection, source: str, year: int, now) -> dict | None:
    """Marks the current vintage of ``source`` and ``year`` replaced at ``now`` (its
    rows kept) and returns it (``id``, ``file_name``, ``sha256``, ``at``), or None."""
    current = select(V.c.id, V.c.file_name, V.c.sha256, V.c.at).where(
        V.c.source == source, V.c.year == year, V.c.replaced_at.is_(None)
    )
    found = conn.execute(sql_of(conn).lock(current)).mappings().first()
    if found is None:
        return None
    conn.execute(update(V).where(V.c.id == found["id"]).values(replaced_at=_utc(now)))
    return dict(found)


def insert_vintage(
    conn: Connection,
    source: str,
    year: int,
    file: str,
    sha256: str,
    rows: int,
    read_units: dict,
    by: str,
    now,
) -> int:
    """Inserts a current vintage and returns its id."""
    result = conn.execute(
        insert(V).values(
            source=source,
            year=year,
            file_name=file,
            sha256=sha256,
            rows=rows,
            units=json.dumps(read_units, ensure_ascii=False),
            by=by,
            at=_utc(now),
        )
    )
    return int(result.inserted_primary_key[0])


def insert_figures(conn: Connection, vintage_id: int, frame: pd.DataFrame) -> int:
    """Inserts a vintage's rows (``credit_code``, ``row``, ``name_given``, ``unmatched``,
    ``name_differs`` and the figure columns present) in bulk."""
    data = frame.rename(columns={"row": "source_row"})
    keep = ["credit_code", "source_row", "name_given", "unmatched", "name_differs"]
    data = data[[*keep, *(c for c in FIGURE_NAMES if c in data)]]
    # in code order, the two indexes on credit_code fill from one end instead of at random
    # places: half the work for SpatiaLite on 50,000 rows; rows are read by code anyway
    data = data.sort_values("credit_code", kind="stable", ignore_index=True)
    data.insert(0, "vintage_id", vintage_id)
    return insert_frame(conn, "enterprise_figure", data)


def vintages(conn: Connection, code: str | None = None) -> list[dict]:
    """Every vintage (current and replaced), newest year first, then source and time;
    with ``code``, only those holding a row of that enterprise."""
    stmt = select(V).order_by(V.c.year.desc(), V.c.source, V.c.at, V.c.id)
    if code is not None:
        stmt = stmt.where(V.c.id.in_(select(F.c.vintage_id).where(F.c.credit_code == code)))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def figure_rows(
    conn: Connection,
    year: int | None = None,
    as_at: dt.datetime | None = None,
    code: str | None = None,
    every_vintage: bool = False,
) -> pd.DataFrame:
    """Rows of figures with their vintage (``vintage_id``, ``source``, ``year``,
    ``file_name``, ``replaced_at``) and ``credit_code``, ``name_given``, ``unmatched``,
    ``name_differs``, the figure columns: of ``year`` and ``code`` if given, from the
    vintages current now, or at ``as_at`` (what an evaluation made then read), or from
    every vintage (``every_vintage``)."""
    cols = [
        F.c.vintage_id, V.c.source, V.c.year, V.c.file_name, V.c.at, V.c.replaced_at,
        F.c.credit_code, F.c.source_row, F.c.name_given, F.c.unmatched, F.c.name_differs,
        *(F.c[n] for n in FIGURE_NAMES),
    ]  # fmt: skip
    stmt = select(*cols).select_from(F.join(V, V.c.id == F.c.vintage_id))
    if not every_vintage:
        stmt = stmt.where(_known_at(V, V.c.at, as_at))
    if year is not None:
        stmt = stmt.where(V.c.year == year)
    if code is not None:
        stmt = stmt.where(F.c.credit_code == code)
    return frame_of(conn.execute(stmt.order_by(V.c.year, V.c.source, V.c.at, F.c.credit_code)))
