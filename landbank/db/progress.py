"""The aggregates of disposal progress, computed in the database (GROUP BY) on
SpatiaLite and PostGIS alike: only the grouped figures travel. A group is a parcel's
district, park or category, a disposal's method, or the month (``YYYY-MM``) it was
done, bucketed by the engine's own SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, case, func, literal, select

from landbank.db.dialects import sql_of
from landbank.db.models import Disposal, Parcel
from landbank.domain import disposal as wf
from landbank.domain.categories import UNCLASSIFIED

P, D = Parcel.__table__, Disposal.__table__
_CURRENT = P.c.retired.is_(False)


def _key(conn: Connection, by: str):
    if by in ("district", "park", "category"):
        return P.c[by]
    if by == "method":
        return D.c.method
    return sql_of(conn).month(D.c.done_on)


def parcel_figures(conn: Connection, by: str) -> list[tuple]:
    """Per parcel group ``by`` (district, park or category) of the current parcels, in
    one scan of the table: (group, identified count, identified area_mu, unclassified
    count, unclassified area_mu, approved area_mu, of it supplied area_mu). Identified:
    in one of the five categories (neither compliant nor unclassified); unclassified:
    no dates to classify on; supplied: approved and supplied."""
    key = _key(conn, by)
    five = and_(P.c.category.is_not(None), P.c.category.not_in(["compliant", UNCLASSIFIED]))
    loose = P.c.category == UNCLASSIFIED
    approved = P.c.approved_on.is_not(None)
    supplied = and_(approved, P.c.supplied_on.is_not(None))

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def area(cond):
        return func.coalesce(func.sum(case((cond, P.c.area_mu), else_=0.0)), 0.0)

    stmt = (
        select(key, count(five), area(five), count(loose), area(loose))
        .add_columns(area(approved), area(supplied))
        .where(_CURRENT)
        .group_by(key)
    )
    return [tuple(r) for r in conn.execute(stmt)]


def disposals(
    conn: Connection,
    by: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    today: dt.date,
) -> list[tuple]:
    """Per group ``by`` and disposal state: (group, status, count, done count, done
    area_mu, overdue count). Done: finished within the dates (either may be None);
    overdue: planned before ``today`` and neither finished nor ended."""
    key = _key(conn, by)
    bounds = [
        c
        for c in (
            D.c.done_on >= date_from if date_from else None,
            D.c.done_on <= date_to if date_to else None,
        )
        if c is not None
    ]
    in_range = and_(*bounds) if bounds else literal(True)
    overdue = case(
        (and_(D.c.planned_on < today, D.c.status.not_in(wf.FINISHED + wf.ENDED)), 1), else_=0
    )
    counted = and_(D.c.status.in_(wf.FINISHED), in_range)
    stmt = (
        select(
            key,
            D.c.status,
            func.count(),
            func.sum(case((counted, 1), else_=0)),
            func.coalesce(func.sum(case((counted, D.c.area_mu), else_=0.0)), 0.0),
            func.sum(overdue),
        )
        .select_from(D.join(P, P.c.code == D.c.parcel_code))
        .group_by(key, D.c.status)
    )
    return [tuple(r) for r in conn.execute(stmt)]
