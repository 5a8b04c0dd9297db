"""``landbank disposal open|advance|block|unblock|show|due``: each one transaction, each
move a disposal step and an entry in the parcel's history."""

from __future__ import annotations

import datetime as dt
import json
import math

from sqlalchemy import Connection, func, insert, select, update

from landbank.db.dialects import sql_of
from landbank.db.engine import write_transaction
from landbank.db.models import Building, Disposal, DisposalStep, Parcel, ParcelEvent
from landbank.domain import disposal as wf
from landbank.domain.rights import check_district
from landbank.errors import ConflictError, InputError, NotFoundError
from landbank.services.database import open_db

D, S, P, E = Disposal.__table__, DisposalStep.__table__, Parcel.__table__, ParcelEvent.__table__
B = Building.__table__


def _parcel(conn: Connection, code: str):
    """The parcel of ``code``, else the building (whose activation 盘活 is tracked like
    a disposal) as a row with a parcel's keys; NotFoundError when neither exists."""
    row = conn.execute(select(P).where(P.c.code == code)).mappings().first()
    if row is not None:
        return {**row, "subject": "parcel"}
    building = conn.execute(select(B.c.code, B.c.district).where(B.c.code == code)).first()
    if building is None:
        raise NotFoundError(
            f"{code!r} is neither a parcel nor a building in the database; see landbank "
            "parcels list or landbank buildings list"
        )
    blank = dict.fromkeys(("cause", "area_mu", "land_price_wan", "agreed_start_on", "approved_on"))
    return {
        **blank,
        "code": code,
        "district": building.district,
        "retired": False,
        "subject": "building",
    }


def _check_districts(parcel, districts: tuple[str, ...] | None) -> None:
    """With ``districts`` (a clerk's), a parcel or building outside them is a
    ForbiddenError; None allows every district."""
    check_district(districts, parcel["district"], _noun(parcel["subject"]), parcel["code"])


def _noun(subject: str) -> str:
    return "building" if subject == "building" else "parcel"


def _active(conn: Connection, code: str, lock: bool = False):
    stmt = (
        select(D)
        .where(D.c.parcel_code == code, D.c.status.not_in(wf.ENDED))
        .order_by(D.c.id.desc())
    )
    if lock:
        stmt = sql_of(conn).lock(stmt)
    row = conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFoundError(
            f"{code} has no open disposal; open one with landbank disposal open {code} "
            "--method METHOD --by NAME"
        )
    return row


def _step(
    conn, disposal_id, code, action, before, after, on, by, note, doc, now, subject="parcel"
) -> None:
    """Records a step; a parcel's also lands in its history (a building has none)."""
    conn.execute(
        insert(S).values(
            disposal_id=disposal_id,
            parcel_code=code,
            action=action,
            from_state=before,
            to_state=after,
            on=on,
            by=by,
            at=now,
            note=note,
            doc=doc,
        )
    )
    if subject != "parcel":
        return
    what = {
        "open": f"opened: {after}",
        "advance": f"{before} → {after}",
        "block": f"blocked: {note}",
        "unblock": f"unblocked: {note}",
    }[action]
    conn.execute(
        insert(E).values(
            parcel_code=code,
            field="disposal",
            old_value=before,
            new_value=what,
            by=by,
            at=now,
            reason=" ".join(x for x in (note, doc) if x) or None,
        )
    )


def _check_on(conn: Connection, disposal_id: int, on: dt.date) -> None:
    """A step is dated no later than today and no earlier than the step before it."""
    if on > dt.date.today():
        raise InputError(f"--on {on}: a step cannot be dated in the future")
    last = conn.execute(select(func.max(S.c.on)).where(S.c.disposal_id == disposal_id)).scalar()
    if last is not None and on < last:
        raise InputError(f"--on {on}: before the previous step ({last}); date steps in order")


def _check(by: str) -> None:
    if not by or not by.strip():
        raise InputError("--by is required: say who records the step")
    if len(by) > 128:
        raise InputError("--by: at most 128 characters")


def open_disposal(
    db_url: str,
    code: str,
    method: str,
    by: str,
    cause: str | None = None,
    planned_on: dt.date | None = None,
    area_mu: float | None = None,
    reason: str | None = None,
    on: dt.date | None = None,
    fee_share: float = 0.20,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Opens a disposal of a parcel (state ``suspected``); one open disposal per parcel.
    With ``districts`` (a clerk's), a parcel or building outside them is a
    ForbiddenError."""
    _check(by)
    if cause not in (None, "government", "enterprise"):
        raise InputError(f"--cause {cause}: write government or enterprise")
    if area_mu is not None and not (math.isfinite(area_mu) and area_mu > 0):
        raise InputError("--area-mu must be a number more than 0")
    now, on = dt.datetime.now(dt.UTC), on or dt.date.today()
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            parcel = _parcel(conn, code)
            _check_districts(parcel, districts)
            subject = parcel["subject"]
            if parcel["retired"]:
                raise InputError(
                    f"parcel {code} is retired (split); open the disposal on its children"
                )
            cause = cause or parcel["cause"]
            try:
                if subject == "building":
                    wf.check_activation(method, cause, area_mu)
                wf.check_method(method, cause)
            except wf.StepRefused as exc:
                raise InputError(f"{_noun(subject)} {code}: {exc}") from None
            if area_mu is not None and area_mu > parcel["area_mu"] * 1.0001:
                raise InputError(
                    f"--area-mu {area_mu}: more than the parcel's {parcel['area_mu']:.2f} mu"
                )
            open_one = conn.execute(
                select(D.c.id, D.c.status).where(
                    D.c.parcel_code == code, D.c.status.not_in(wf.ENDED)
                )
            ).first()
            if open_one is not None:
                raise ConflictError(
                    f"{_noun(subject)} {code} already has an open disposal (#{open_one[0]}, "
                    f"{open_one[1]}); advance it to its end or dismiss it first"
                )
            fee = (
                wf.idle_fee_wan(parcel["land_price_wan"], fee_share)
                if cause == "enterprise"
                else None
            )
            disposal_id = conn.execute(
                insert(D)
                .values(
                    parcel_code=code,
                    subject=subject,
                    method=method,
                    status="suspected",
                    cause=cause,
                    planned_on=planned_on,
                    area_mu=area_mu or parcel["area_mu"],
                    idle_fee_wan=fee,
                    blockers="[]",
                    notes=reason,
                    created_at=now,
                    updated_at=now,
                )
                .returning(D.c.id)
            ).scalar_one()
            _step(
                conn, disposal_id, code, "open", None, "suspected", on, by, reason, None, now,
                subject,
            )  # fmt: skip
    finally:
        engine.dispose()
    return show_disposal(db_url, code)


def advance(
    db_url: str,
    code: str,
    to: str,
    by: str,
    on: dt.date | None = None,
    note: str | None = None,
    doc: str | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Moves the parcel's open disposal to state ``to``; a step the workflow does not
    allow is refused with the allowed next states. With ``districts`` (a clerk's), a
    parcel or building outside them is a ForbiddenError."""
    _check(by)
    now, on = dt.datetime.now(dt.UTC), on or dt.date.today()
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            if districts is not None:
                _check_districts(_parcel(conn, code), districts)
            row = _active(conn, code, lock=True)
            _check_on(conn, row["id"], on)
            blockers = json.loads(row["blockers"] or "[]")
            try:
                wf.check_step(row["status"], to, row["method"], blockers)
            except wf.StepRefused as exc:
                raise InputError(f"{_noun(row['subject'])} {code}: {exc}") from None
            values = {"status": to, "updated_at": now, "version": D.c.version + 1}
            if to == "disposed":
                values["done_on"] = on
            conn.execute(update(D).where(D.c.id == row["id"]).values(**values))
            _step(
                conn, row["id"], code, "advance", row["status"], to, on, by, note, doc, now,
                row["subject"],
            )  # fmt: skip
    finally:
        engine.dispose()
    return show_disposal(db_url, code)


def set_blocker(
    db_url: str,
    code: str,
    kind: str,
    blocked: bool,
    by: str,
    note: str | None = None,
    doc: str | None = None,
    on: dt.date | None = None,
    districts: tuple[str, ...] | None = None,
) -> dict:
    """Records (``blocked``) or clears a mortgage, court seizure or dispute. With
    ``districts`` (a clerk's), a parcel or building outside them is a ForbiddenError."""
    _check(by)
    if kind not in wf.BLOCKERS:
        raise InputError(f"--kind {kind}: use one of {', '.join(wf.BLOCKERS)}")
    now, on = dt.datetime.now(dt.UTC), on or dt.date.today()
    engine = open_db(db_url)
    try:
        with write_transaction(engine) as conn:
            if districts is not None:
                _check_districts(_parcel(conn, code), districts)
            row = _active(conn, code, lock=True)
            blockers = json.loads(row["blockers"] or "[]")
            if blocked == (kind in blockers):
                state = "already blocked by" if blocked else "not blocked by"
                raise InputError(f"{_noun(row['subject'])} {code}: the disposal is {state} {kind}")
            blockers = [*blockers, kind] if blocked else [b for b in blockers if b != kind]
            conn.execute(
                update(D)
                .where(D.c.id == row["id"])
                .values(blockers=json.dumps(blockers), updated_at=now)
            )
            _step(
                conn,
                row["id"],
                code,
                "block" if blocked else "unblock",
                row["status"],
                row["status"],
                on,
                by,
                kind + (f" ({note})" if note else ""),
                doc,
                now,
                row["subject"],
            )
    finally:
        engine.dispose()
    return show_disposal(db_url, code)


def _describe(conn: Connection, row, parcel, today: dt.date) -> dict:
    steps = (
        conn.execute(select(S).where(S.c.disposal_id == row["id"]).order_by(S.c.id))
        .mappings()
        .all()
    )
    # the holder's 30 days to answer a notice concern idle land, not a building's letting
    investigating = next(
        (
            s["on"]
            for s in reversed(steps)
            if s["to_state"] == "investigating" and s["action"] == "advance"
        ),
        None,
    )
    if row["subject"] == "building":
        investigating = None
    due = wf.deadlines(
        row["status"],
        row["method"],
        row["cause"],
        row["planned_on"],
        investigating,
        parcel["agreed_start_on"],
        parcel["approved_on"],
    )
    return {
        "id": row["id"],
        "code": row["parcel_code"],
        "subject": row["subject"],
        "state": row["status"],
        "state_zh": wf.STATES[row["status"]]["zh"],
        "method": row["method"],
        "method_zh": wf.METHODS[row["method"]]["zh"],
        "cause": row["cause"],
        "planned_on": _iso(row["planned_on"]),
        "done_on": _iso(row["done_on"]),
        "area_mu": row["area_mu"],
        "idle_fee_wan": row["idle_fee_wan"],
        "blockers": json.loads(row["blockers"] or "[]"),
        "deadlines": [
            {"what": d.what, "due_on": d.due_on.isoformat(), "overdue": d.due_on < today}
            for d in due
        ],
        "steps": [
            {
                "action": s["action"],
                "from": s["from_state"],
                "to": s["to_state"],
                "on": _iso(s["on"]),
                "by": s["by"],
                "note": s["note"],
                "doc": s["doc"],
            }
            for s in steps
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def show_disposal(db_url: str, code: str, today: dt.date | None = None) -> dict:
    """The parcel's disposals, newest first, each with its deadlines and steps."""
    today = today or dt.date.today()
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            parcel = _parcel(conn, code)
            rows = (
                conn.execute(select(D).where(D.c.parcel_code == code).order_by(D.c.id.desc()))
                .mappings()
                .all()
            )
            if not rows:
                raise NotFoundError(
                    f"{_noun(parcel['subject'])} {code} has no disposal; open one with "
                    f"landbank disposal open {code} --method METHOD --by NAME"
                )
            return {"code": code, "disposals": [_describe(conn, r, parcel, today) for r in rows]}
    finally:
        engine.dispose()


def due(db_url: str, within_days: int = 30, today: dt.date | None = None) -> list[dict]:
    """Deadlines of open disposals that fall within ``within_days`` or are overdue,
    soonest first."""
    if not 0 <= within_days <= 36500:
        raise InputError("--within must be 0 to 36500 days")
    today = today or dt.date.today()
    horizon = today + dt.timedelta(days=within_days)
    engine = open_db(db_url)
    out = []
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(D).where(D.c.status.not_in(wf.ENDED))).mappings().all()
            for row in rows:
                parcel = _parcel(conn, row["parcel_code"])
                for d in _describe(conn, row, parcel, today)["deadlines"]:
                    if dt.date.fromisoformat(d["due_on"]) <= horizon:
                        out.append(
                            {
                                "code": row["parcel_code"],
                                "state": row["status"],
                                "method": row["method"],
                                **d,
                            }
                        )
    finally:
        engine.dispose()
    return sorted(out, key=lambda d: (d["due_on"], d["code"]))
