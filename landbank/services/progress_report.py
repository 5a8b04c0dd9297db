"""``landbank progress``: identified and disposed land per group, as SQL aggregation.

Only the grouped figures travel from the database: the counts and sums are computed
there (GROUP BY), on SpatiaLite and PostGIS alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, case, func, literal, select

from landbank.db.dialects import sql_of
from landbank.db.models import Disposal, Parcel
from landbank.domain import disposal as wf
from landbank.domain.categories import UNCLASSIFIED, category_label
from landbank.errors import InputError
from landbank.services.database import open_db

P, D = Parcel.__table__, Disposal.__table__
GROUPS = ("district", "park", "category", "method", "month")


def _month(conn: Connection, column):
    return sql_of(conn).month(column)


def _key(conn: Connection, by: str):
    if by in ("district", "park", "category"):
        return P.c[by]
    if by == "method":
        return D.c.method
    return _month(conn, D.c.done_on)


def progress(
    db_url: str,
    by: str = "district",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> list[dict]:
    """Per group: identified count and area (parcels in one of the five categories),
    disposed count and area (disposals done within the dates), the disposal rate, the
    count in each state, the overdue count; per district also the supply rate."""
    if by not in GROUPS:
        raise InputError(f"--by {by}: use one of {', '.join(GROUPS)}")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from is after --to; swap them")
    today = today or dt.date.today()
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            return _progress(conn, by, date_from, date_to, today)
    finally:
        engine.dispose()


def _progress(conn: Connection, by: str, date_from, date_to, today) -> list[dict]:
    rows: dict[str, dict] = {}

    def row(group) -> dict:
        name = group if group is not None else "—"
        return rows.setdefault(
            name,
            {
                "group": name,
                "identified_count": 0,
                "identified_area_mu": 0.0,
                "disposed_count": 0,
                "disposed_area_mu": 0.0,
                "rate": None,
                "overdue": 0,
                "unclassified_count": 0,
                "unclassified_area_mu": 0.0,
                **{f"state_{s}": 0 for s in wf.STATES},
            },
        )

    current = P.c.retired.is_(False)
    if by in ("district", "park", "category"):
        key = _key(conn, by)
        identified = (
            select(key, func.count(), func.coalesce(func.sum(P.c.area_mu), 0.0))
            .where(
                current,
                P.c.category.is_not(None),
                P.c.category.not_in(["compliant", UNCLASSIFIED]),
            )
            .group_by(key)
        )
        for group, n, area in conn.execute(identified):
            r = row(group)
            r["identified_count"], r["identified_area_mu"] = int(n), round(float(area), 2)
        # parcels with no dates: neither identified nor compliant, counted apart
        unclassified = (
            select(key, func.count(), func.coalesce(func.sum(P.c.area_mu), 0.0))
            .where(current, P.c.category == UNCLASSIFIED)
            .group_by(key)
        )
        for group, n, area in conn.execute(unclassified):
            r = row(group)
            r["unclassified_count"], r["unclassified_area_mu"] = int(n), round(float(area), 2)
    key = _key(conn, by)
    done = D.c.status.in_(wf.FINISHED)
    in_range = (
        and_(
            *(
                c
                for c in (
                    D.c.done_on >= date_from if date_from else None,
                    D.c.done_on <= date_to if date_to else None,
                )
                if c is not None
            )
        )
        if (date_from or date_to)
        else literal(True)
    )
    overdue = case(
        (and_(D.c.planned_on < today, D.c.status.not_in(wf.FINISHED + wf.ENDED)), 1), else_=0
    )
    counted = and_(done, in_range)
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
    for group, status, n, n_done, area_done, n_overdue in conn.execute(stmt):
        if by == "month" and group is None:
            continue  # not done yet: no month
        r = row(group)
        r[f"state_{status}"] += int(n)
        r["disposed_count"] += int(n_done or 0)
        r["disposed_area_mu"] = round(r["disposed_area_mu"] + float(area_done or 0), 2)
        r["overdue"] += int(n_overdue or 0)
    if by == "district":
        approved = P.c.approved_on.is_not(None)
        supply = (
            select(
                P.c.district,
                func.coalesce(func.sum(case((approved, P.c.area_mu), else_=0.0)), 0.0),
                func.coalesce(
                    func.sum(
                        case((and_(approved, P.c.supplied_on.is_not(None)), P.c.area_mu), else_=0.0)
                    ),
                    0.0,
                ),
            )
            .where(current)
            .group_by(P.c.district)
        )
        for group, approved_mu, supplied_mu in conn.execute(supply):
            r = row(group)
            r["supply_rate"] = round(supplied_mu / approved_mu, 4) if approved_mu else None
    for r in rows.values():
        if r["identified_area_mu"]:
            r["rate"] = round(r["disposed_area_mu"] / r["identified_area_mu"], 4)
    return sorted(rows.values(), key=lambda r: str(r["group"]))


def group_label(by: str, group, lang: str):
    """A progress group as shown in a report: categories and methods by their label."""
    if by == "category" and isinstance(group, str):
        return category_label(group, lang) or group
    if by == "method" and isinstance(group, str):
        return wf.method_label(group, lang)
    return group


def progress_ledger(
    db_url: str, path, by: str = "district", date_from=None, date_to=None, lang: str = "zh"
) -> dict:
    """Writes the Excel ledger: the progress per ``by`` and the parcels of each category
    (and the unclassified, where there are) with their disposal state and reasons, the
    labels in ``lang``. Returns ``{"file", "groups"}``."""
    from pathlib import Path

    from landbank.db import parcels as rows
    from landbank.reports import write_ledger

    if Path(path).suffix.lower() != ".xlsx":
        raise InputError(f"--xlsx {path}: the ledger is an .xlsx file")
    if not Path(path).parent.is_dir():
        raise InputError(f"--xlsx {path}: folder {Path(path).parent} does not exist; create it")
    summary = [
        {**r, "group": group_label(by, r["group"], lang)}
        for r in progress(db_url, by, date_from, date_to)
    ]
    engine = open_db(db_url)
    try:
        with engine.connect() as conn:
            parcels = rows.load_parcels(conn, with_geometry=False)
            states = dict(conn.execute(select(D.c.parcel_code, D.c.status).order_by(D.c.id)).all())
    finally:
        engine.dispose()
    parcels["disposal_state"] = parcels["code"].map(
        lambda c: wf.state_label(states[c], lang) if c in states else None
    )
    parcels["reasons_zh"] = parcels["category_reasons"].map(
        lambda reasons: ("；" if lang == "zh" else "; ").join(
            r.get(f"text_{lang}", "") for r in reasons
        )
    )
    write_ledger(Path(path), summary, parcels)
    return {"file": str(path), "groups": len(summary)}


def progress_html(
    db_url: str, path, today=None, date_from=None, date_to=None, lang: str = "zh"
) -> dict:
    """Writes the HTML report: figures by district, rate chart, monthly trend, overdue."""
    from pathlib import Path

    from landbank.reports import write_html_report
    from landbank.services.disposal import due

    if Path(path).suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--html {path}: the report is an .html file")
    if not Path(path).parent.is_dir():
        raise InputError(f"--html {path}: folder {Path(path).parent} does not exist; create it")
    overdue = [
        {
            **d,
            "state": wf.state_label(d["state"], lang),
            "method": wf.method_label(d["method"], lang),
            "what": wf.deadline_label(d["what"], lang),
        }
        for d in due(db_url, 0, today)
        if d["overdue"]
    ]
    write_html_report(
        Path(path),
        progress(db_url, "district", date_from, date_to, today=today),
        progress(db_url, "month", date_from, date_to, today=today),
        overdue,
        lang=lang,
    )
    return {"file": str(path), "overdue": len(overdue)}
