"""Disposals (处置, of a parcel) and activations (盘活, of a building): their rows and
steps."""

from __future__ import annotations

from sqlalchemy import Connection, select

from landbank.db.models import Disposal

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
