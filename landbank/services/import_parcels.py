"""``landbank import parcels FILE``: a parcel file into the database, in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import shapely

from landbank.db import parcels as rows
from landbank.domain.area import area_mismatch, area_mu, gk3_zone
from landbank.domain.changes import diff_parcels
from landbank.errors import ConflictError
from landbank.io.parcels import ReadOptions, read_parcels
from landbank.services.database import open_db
from landbank.services.progress import NoProgress, Progress


@dataclass
class ImportSummary:
    file: str
    source_crs: str
    rows: int
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    repaired: int = 0
    dissolved: int = 0
    skipped_uncoded: int = 0
    area_mismatch_codes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    by_district: list[dict] = field(default_factory=list)  # district, count, area_mu
    # with dry_run: each parcel as it would be stored (code, name, areas, zone, source EPSG)
    parcels: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def import_parcels(
    db_url: str,
    path: Path,
    opts: ReadOptions,
    *,
    upsert: bool = False,
    dry_run: bool = False,
    by: str = "landbank",
    reason: str | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Reads, checks and writes a parcel file; returns what was done.

    New codes are inserted; codes already stored are refused (ConflictError) unless
    ``upsert``, which writes each changed field as a ``parcel_event``. Nothing is
    written on ``dry_run`` or on any error.
    """
    progress = progress or NoProgress()
    now = now or dt.datetime.now(dt.UTC)
    engine = open_db(db_url)
    progress.stage("reading")
    parcels = read_parcels(Path(path), opts)
    frame = parcels.frame
    progress.stage("measuring areas")
    frame["area_mu"] = area_mu(frame["geometry"].to_numpy())
    mismatch = area_mismatch(frame["area_mu"].to_numpy(), frame["recorded_area_mu"].to_numpy())
    summary = ImportSummary(
        file=Path(path).name,
        source_crs=parcels.source_crs,
        rows=len(frame),
        dry_run=dry_run,
        repaired=parcels.repaired,
        dissolved=parcels.dissolved,
        skipped_uncoded=parcels.skipped_uncoded,
        area_mismatch_codes=frame.loc[mismatch, "code"].tolist(),
        warnings=list(parcels.warnings),
        ignored_columns=parcels.ignored_columns,
        by_district=_by_district(frame),
    )
    if mismatch.any():
        summary.warnings.append(
            f"{int(mismatch.sum())} parcels' recorded area differs from the computed area "
            "by more than 5 %: "
            + ", ".join(summary.area_mismatch_codes[:10])
            + (" …" if mismatch.sum() > 10 else "")
        )
    with engine.begin() as conn:
        stored = rows.existing_codes(conn)
        known = frame["code"].isin(stored).to_numpy()
        if known.any() and not upsert:
            codes = frame.loc[known, "code"].tolist()
            raise ConflictError(
                f"{summary.file}, code: {len(codes)} parcels are already in the database "
                f"({', '.join(codes[:5])}{' …' if len(codes) > 5 else ''}); pass --upsert "
                "to update them"
            )
        new, old = frame[~known], frame[known]
        changed, events = pd.DataFrame(), pd.DataFrame()
        if len(old):
            before = rows.load_parcels(conn, codes=old["code"].tolist(), include_retired=True)
            fields = [c for c in rows.STORED if c != "code"]
            diff = diff_parcels(before, old, fields, rows.as_text)
            changed = old[old["code"].isin(set(diff["parcel_code"]))]
            events = diff.assign(by=by, at=now, reason=reason or f"import {summary.file}")
        summary.imported, summary.updated = len(new), len(changed)
        summary.unchanged = len(old) - len(changed)
        if dry_run:
            summary.parcels = _listing(frame, parcels.source_epsg)
            return summary  # only reads happened in this transaction
        progress.stage("writing", total=len(new))
        rows.insert_parcels(
            conn, new, by, now, reason or f"import {summary.file}", progress=progress.advance
        )
        rows.update_parcels(conn, changed, now)
        if len(events):
            rows.insert_events(conn, events)
    engine.dispose()
    return summary


def _listing(frame: pd.DataFrame, epsg: int | None) -> list[dict]:
    b = shapely.bounds(frame["geometry"].to_numpy())
    zones = gk3_zone((b[:, 0] + b[:, 2]) / 2)
    recorded = frame["recorded_area_mu"].round(4).astype(object)
    recorded[frame["recorded_area_mu"].isna()] = None
    return [
        {
            "code": c,
            "name": n,
            "area_mu": round(float(a), 4),
            "recorded_area_mu": r,
            "zone": int(z),
            "source_epsg": epsg,
        }
        for c, n, a, r, z in zip(
            frame["code"], frame["name"], frame["area_mu"], recorded, zones, strict=True
        )
    ]


def _by_district(frame: pd.DataFrame) -> list[dict]:
    g = frame.assign(district=frame["district"].fillna("")).groupby("district", sort=True)
    agg = g["area_mu"].agg(["count", "sum"]).reset_index()
    return [
        {"district": r.district or None, "count": int(r["count"]), "area_mu": round(r["sum"], 2)}
        for _, r in agg.iterrows()
    ]
