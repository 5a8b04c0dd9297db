"""``landbank progress``: identified and disposed land per group, its Excel ledger and
its HTML report, each read in one unit of work.

Only the grouped figures travel from the database: the counts and sums are computed
there (GROUP BY, ``db.progress``), on SpatiaLite and PostGIS alike.
"""

from __future__ import annotations

import datetime as dt

from landbank.config import load_profile
from landbank.db import disposals
from landbank.db import progress as figures
from landbank.db.store import Store, Unit
from landbank.domain import disposal as wf
from landbank.domain.case import deadline_label, kind_label
from landbank.domain.case_lists import count_by_district
from landbank.domain.categories import category_label
from landbank.domain.dates import local_day
from landbank.errors import InputError
from landbank.services.case_due import due_in

# the cases' deadlines a ledger and a report list: due within these days, or overdue
CASE_DUE_DAYS = 30

GROUPS = ("district", "park", "category", "method", "month")


def _check(by: str, date_from: dt.date | None, date_to: dt.date | None) -> None:
    if by not in GROUPS:
        raise InputError(f"--by {by}: use one of {', '.join(GROUPS)}")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from is after --to; swap them")


def progress(
    store: Store,
    by: str = "district",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> list[dict]:
    """Per group: identified count and area (parcels in one of the five categories),
    disposed count and area (disposals done within the dates), the disposal rate, the
    count in each state, the overdue count (as of ``today``, by default the day it is
    read); per district also the supply rate."""
    _check(by, date_from, date_to)
    with store.read() as uow:
        return progress_in(uow, by, date_from, date_to, today or local_day(uow.now))


def progress_in(uow: Unit, by: str, date_from, date_to, today: dt.date) -> list[dict]:
    """The rows of ``progress`` read through ``uow`` (``by`` checked), by group."""
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

    if by in ("district", "park", "category"):
        # parcels with no dates: neither identified nor compliant, counted apart
        for group, n, area, n_loose, area_loose, approved, supplied in figures.parcel_figures(
            uow, by
        ):
            if not (n or n_loose or by == "district"):
                continue
            r = row(group)
            r["identified_count"], r["identified_area_mu"] = int(n), round(float(area), 2)
            r["unclassified_count"] = int(n_loose)
            r["unclassified_area_mu"] = round(float(area_loose), 2)
            if by == "district":
                r["supply_rate"] = round(supplied / approved, 4) if approved else None
    for group, status, n, n_done, area_done, n_overdue in figures.disposals(
        uow, by, date_from, date_to, today
    ):
        if by == "month" and group is None:
            continue  # not done yet: no month
        r = row(group)
        r[f"state_{status}"] += int(n)
        r["disposed_count"] += int(n_done or 0)
        r["disposed_area_mu"] = round(r["disposed_area_mu"] + float(area_done or 0), 2)
        r["overdue"] += int(n_overdue or 0)
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
    store: Store, path, by: str = "district", date_from=None, date_to=None, lang: str = "zh"
) -> dict:
    """Writes the Excel ledger: the progress per ``by`` and the parcels of each category
    (and the unclassified, where there are) with their disposal state and reasons, the
    labels in ``lang``, all read in one snapshot. Returns ``{"file", "groups"}``."""
    from pathlib import Path

    from landbank.db import parcels as rows
    from landbank.reports import write_ledger

    if Path(path).suffix.lower() != ".xlsx":
        raise InputError(f"--xlsx {path}: the ledger is an .xlsx file")
    if not Path(path).parent.is_dir():
        raise InputError(f"--xlsx {path}: folder {Path(path).parent} does not exist; create it")
    _check(by, date_from, date_to)
    prof = load_profile()
    with store.read() as uow:
        today = local_day(uow.now)
        found = progress_in(uow, by, date_from, date_to, today)
        parcels = rows.load_parcels(uow, with_geometry=False)
        states = disposals.latest_states(uow)
        due = due_in(uow, CASE_DUE_DAYS, today, prof)
    if by == "district":
        found = with_case_counts(found, due)
    summary = [{**r, "group": group_label(by, r["group"], lang)} for r in found]
    parcels["disposal_state"] = parcels["code"].map(
        lambda c: wf.state_label(states[c], lang) if c in states else None
    )
    parcels["reasons_zh"] = parcels["category_reasons"].map(
        lambda reasons: ("；" if lang == "zh" else "; ").join(
            r.get(f"text_{lang}", "") for r in reasons
        )
    )
    case_due = [
        {**d, "state_zh": wf.state_label(d["state"], "zh"), "overdue_zh": "是" * d["overdue"]}
        for d in due
    ]
    write_ledger(Path(path), summary, parcels, case_due)
    return {"file": str(path), "groups": len(summary)}


def progress_html(
    store: Store, path, today=None, date_from=None, date_to=None, lang: str = "zh"
) -> dict:
    """Writes the HTML report: figures by district, rate chart, monthly trend, overdue
    (as of ``today``, by default the day it is read), all read in one snapshot.
    Returns ``{"file", "overdue"}``."""
    from pathlib import Path

    from landbank.reports import write_html_report
    from landbank.services.disposal import _due

    if Path(path).suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--html {path}: the report is an .html file")
    if not Path(path).parent.is_dir():
        raise InputError(f"--html {path}: folder {Path(path).parent} does not exist; create it")
    _check("district", date_from, date_to)
    prof = load_profile()
    with store.read() as uow:
        today = today or local_day(uow.now)
        due = _due(uow, 0, today)
        by_district = progress_in(uow, "district", date_from, date_to, today)
        by_month = progress_in(uow, "month", date_from, date_to, today)
        case_due = due_in(uow, CASE_DUE_DAYS, today, prof)
    by_district = with_case_counts(by_district, case_due)
    overdue = [
        {
            **d,
            "state": wf.state_label(d["state"], lang),
            "method": wf.method_label(d["method"], lang),
            "what": wf.deadline_label(d["what"], lang),
        }
        for d in due
        if d["overdue"] and not d.get("act")  # an act's period is in the cases' section
    ]
    cases = [
        {
            **d,
            "state": wf.state_label(d["state"], lang),
            "kind": kind_label(d["kind"], lang),
            "what": deadline_label(d["what"], lang),
            "due_on": d["due_on"] or ("未知" if lang == "zh" else "unknown"),
        }
        for d in case_due
    ]
    write_html_report(Path(path), by_district, by_month, overdue, lang=lang, case_due=cases)
    return {"file": str(path), "overdue": len(overdue), "case_deadlines": len(cases)}


def with_case_counts(rows: list[dict], due: list[dict]) -> list[dict]:
    """Progress ``rows`` by district, each with ``case_due_soon`` and ``case_overdue``:
    how many of the cases' deadlines ``due`` (of ``case_due.due_in``) fall in it; a
    district with deadlines and no row gets one."""
    counts = count_by_district(due)
    out = [
        {
            **r,
            "case_due_soon": counts.get(r["group"], {}).get("due_soon", 0),
            "case_overdue": counts.get(r["group"], {}).get("overdue", 0),
        }
        for r in rows
    ]
    known = {r["group"] for r in rows}
    for district, n in counts.items():
        name = district if district is not None else "—"
        if name not in known:
            empty = {k: None if "rate" in k else 0 for k in rows[0]} if rows else {}
            out.append({**empty, "group": name, "case_due_soon": n["due_soon"],
                        "case_overdue": n["overdue"]})  # fmt: skip
    return out
