"""Disposals (处置, of a parcel) and activations (盘活, of a building): their rows and
steps."""

from __future__ import annotations

from sqlalchemy import Connection, select

from landbank.db.models import Disposal, DisposalStep
from landbank.domain.disposal import ENDED

D = Disposal.__table__


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


# --- read for the parcel family: the parcel page and a split ---------------------------


def open_disposal_id(conn: Connection, code: str) -> int | None:
    """The id of a disposal of ``code`` that has not ended (closed or dismissed), None
    when there is none."""
    row = conn.execute(
        select(D.c.id).where(D.c.parcel_code == code, D.c.status.not_in(ENDED))
    ).first()
    return row[0] if row is not None else None


def disposals_with_steps(conn: Connection, code: str) -> list[dict]:
    """Every disposal of ``code``, newest first, as dicts of its columns, each with
    ``steps``: its steps oldest first, as dicts of their columns."""
    S = DisposalStep.__table__
    disposals = [
        dict(r)
        for r in conn.execute(
            select(D).where(D.c.parcel_code == code).order_by(D.c.id.desc())
        ).mappings()
    ]
    steps: dict[int, list[dict]] = {d["id"]: [] for d in disposals}
    if steps:
        found = conn.execute(
            select(S).where(S.c.disposal_id.in_(list(steps))).order_by(S.c.id)
        ).mappings()
        for s in found:
            steps[s["disposal_id"]].append(dict(s))
    for d in disposals:
        d["steps"] = steps[d["id"]]
    return disposals
