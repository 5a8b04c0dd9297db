"""``landbank case public``: the list of determined idle land that is published while
it is undisposed (闲置土地处置办法 art. 14), for the public page of ``landbank serve``
and as an .xlsx or a GeoJSON file. Only the published fields leave the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from landbank.db import case_lists
from landbank.db.store import Store
from landbank.domain import case as law
from landbank.domain import case_lists as lists
from landbank.domain.dates import local_day
from landbank.io.publication import check_public_path, write_public

TITLE = "闲置土地公示"


def _read(store: Store, today: dt.date | None, with_geometry: bool):
    with store.read() as uow:
        today = today or local_day(uow.now)
        cases = case_lists.cases_in(uow, law.DETERMINED, with_geometry=with_geometry)
        acts = case_lists.acts_of_cases_in(
            uow, law.DETERMINED, statuses=law.LIVE, kinds=("determination",)
        )
    rows = [lists.public_row(c, acts.get(c["id"], []), today) for c in cases]
    order = sorted(range(len(rows)), key=lambda i: (str(rows[i]["district"]), rows[i]["code"]))
    return [rows[i] for i in order], [cases[i].get("geometry") for i in order], today


def public_list(store: Store, profile=None, today: dt.date | None = None) -> list[dict]:
    """The determined cases (determined, plan approved, disposing) as published, by
    district and code: code (宗地编号), district, park, name, holder, determined_on (the
    determination's service), idle_since (the agreed start, or a later delivery),
    idle_period (to ``today``, e.g. 2年3个月), cause (政府原因 when the government
    caused it, else None); dates as ISO text. A disposed case has left the list.
    ``profile`` is accepted for symmetry with the other case services; the list reads
    none of it."""
    rows, _, _ = _read(store, today, with_geometry=False)
    return [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()} for r in rows]


def export_public(store: Store, out: Path, profile=None, today: dt.date | None = None) -> dict:
    """Writes the published list to ``out``: .xlsx (Chinese headers) or .geojson (the
    parcels' geometry in EPSG:4490, only the published properties). Returns
    ``{"file", "count"}``."""
    out = check_public_path(Path(out))
    rows, geometries, _ = _read(store, today, with_geometry=out.suffix.lower() == ".geojson")
    write_public(rows, geometries, lists.PUBLIC_FIELDS, out, TITLE)
    return {"file": str(out), "count": len(rows)}
