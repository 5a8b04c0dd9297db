"""``landbank import parcels FILE``: a parcel file into the database, in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from landbank.config import load_profile
from landbank.db import history
from landbank.db import parcels as rows
from landbank.db.store import Store, Unit, codes_taken_meanwhile
from landbank.domain.area import area_mismatch, area_mu, gk3_zone
from landbank.domain.changes import diff_parcels
from landbank.domain.landuse import land_use_class
from landbank.errors import ConflictError, InputError
from landbank.io.columns import parse_default_options, parse_field_options, read_mapping_file
from landbank.io.parcels import NotStreamed, ReadOptions, read_parcels, stream_parcels
from landbank.io.values import as_objects
from landbank.services.progress_bar import NoProgress, Progress

log = logging.getLogger(__name__)
BY_MAX = 128  # the width of parcel_event.by
BLOCK = 10_000  # new parcels measured at a time, while the database loads the last ones


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
    batches: int = 0  # read and written a batch at a time (a large file), else 0: read whole

    def to_dict(self) -> dict:
        return asdict(self)


def read_options(
    *,
    layer: str | None = None,
    crs: str | None = None,
    fields: list[str] | None = None,
    mapping: Path | None = None,
    profile: str | None = None,
    repair: bool = False,
    dissolve_duplicates: bool = False,
    skip_uncoded: bool = False,
    swap_xy: bool = False,
    defaults: list[str] | None = None,
    accept_short: bool = False,
) -> ReadOptions:
    """Builds the reading options from what a user gives (CLI or web alike): column
    mapping from ``--field CANONICAL=SOURCE`` strings over a mapping TOML file, and the
    city profile's Gauss-Krüger zone and jurisdiction."""
    prof = load_profile(profile)
    columns = read_mapping_file(mapping) if mapping else {}
    columns.update(parse_field_options(fields or []))
    return ReadOptions(
        layer=layer,
        crs=crs,
        fields=columns,
        defaults=parse_default_options(defaults or []),
        repair=repair,
        dissolve_duplicates=dissolve_duplicates,
        skip_uncoded=skip_uncoded,
        swap_xy=swap_xy,
        accept_short=accept_short,
        gk_zone=prof.gk_zone_3deg,
        jurisdiction_bbox=prof.jurisdiction_bbox,
        crosswalk=prof.crosswalk,
    )


def import_parcels(
    store: Store,
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
    ``upsert``, which writes each changed field the file holds as a ``parcel_event``
    (fields the file lacks are left as they are). A file without geometry may only
    update stored parcels. Nothing is written on ``dry_run`` or on any error. The file
    is read and checked before the unit of work starts; its history is stamped ``now``,
    by default when the import was asked for.
    """
    now = now or dt.datetime.now(dt.UTC)
    progress = progress or NoProgress()
    if len(by) > BY_MAX:
        raise InputError(f"--by: at most {BY_MAX} characters")
    reason = reason or f"import {Path(path).name}"
    if not dry_run:
        loaded = _import_streamed(store, Path(path), opts, by, now, reason, progress)
        if loaded is not None:
            return loaded
    progress.stage("reading")
    parcels = read_parcels(Path(path), opts)
    frame = parcels.frame
    file = Path(path).name
    if not parcels.has_geometry and not upsert:
        raise InputError(
            f"{file}: no geometry column; add a column named wkt holding each parcel's polygon "
            "as WKT, or pass --upsert to update the attributes of parcels already stored"
        )
    frame["land_use_class"] = land_use_class(frame["land_use"], opts.crosswalk)
    if parcels.has_geometry:
        frame["area_mu"] = np.nan  # measured in the unit (``_write``)
    summary = ImportSummary(
        file=file,
        source_crs=parcels.source_crs,
        rows=len(frame),
        dry_run=dry_run,
        repaired=parcels.repaired,
        dissolved=parcels.dissolved,
        skipped_uncoded=parcels.skipped_uncoded,
        warnings=list(parcels.warnings),
        ignored_columns=parcels.ignored_columns,
    )
    with codes_taken_meanwhile(_meanwhile(file)), store.write(by=by, now=now) as uow:
        _write(uow, parcels, summary, upsert, dry_run, reason, progress)
    return summary


def _meanwhile(file: str) -> str:
    return (
        f"{file}: another import stored some of these codes meanwhile; nothing was "
        "written: run it again (with --upsert to update them)"
    )


class _Stored(Exception):
    """A batch holds codes already stored: the whole-file import refuses or updates."""


def _import_streamed(store, path, opts, by, now, reason, progress) -> ImportSummary | None:
    """Imports a large vector file of new parcels a batch at a time, each batch read
    and checked while the database writes the previous one (``stream_parcels``), in one
    transaction. None, with nothing written, where the file is to be read whole, or
    where a batch is refused or holds codes already stored: the whole-file import then
    does the work, or says what is wrong as it always does."""
    stream = None
    try:
        stream = stream_parcels(path, opts)
        if stream is None:
            return None
        with codes_taken_meanwhile(_meanwhile(path.name)), store.write(by=by, now=now) as uow:
            return _load_stream(uow, stream, opts.crosswalk, path.name, reason, progress)
    except (InputError, ConflictError, NotStreamed, _Stored) as exc:
        log.info("%s: read whole instead of in batches (%s)", path.name, exc or type(exc).__name__)
        return None
    finally:
        if stream is not None:
            stream.parts.close()  # the file closed and its batches let go before a whole read


def _load_stream(uow: Unit, stream, crosswalk, file: str, reason: str, progress) -> ImportSummary:
    """Writes the new parcels of ``stream`` in the unit, their land-use classes by
    ``crosswalk`` and areas measured batch by batch; raises _Stored at a batch holding
    a stored code. Returns the summary."""
    known = rows.existing_codes(uow)
    kept = []  # what the summary needs of each batch

    def parts():
        for frame in stream.parts:
            if known and frame["code"].isin(known).any():
                raise _Stored
            frame["land_use_class"] = land_use_class(frame["land_use"], crosswalk)
            frame["area_mu"] = area_mu(frame["geometry"].to_numpy())
            kept.append(frame[["code", "district", "area_mu", "recorded_area_mu"]])
            yield frame

    progress.stage("writing", total=stream.rows)
    n = rows.insert_parcels(uow, parts(), stream.rows, uow.by, uow.now, reason, progress.advance)
    summary = ImportSummary(
        file=file,
        source_crs=stream.source_crs,
        rows=n,
        imported=n,
        warnings=list(stream.warnings),
        ignored_columns=stream.ignored_columns,
        batches=len(kept),
    )
    _summarise(summary, pd.concat(kept, ignore_index=True))
    return summary


def _measure(frame: pd.DataFrame, rows_: np.ndarray) -> None:
    """Puts the area in mu of the rows ``rows_`` (a mask) of ``frame`` into its area_mu."""
    if rows_.any():
        frame.loc[rows_, "area_mu"] = area_mu(frame.loc[rows_, "geometry"].to_numpy())


def _summarise(summary: ImportSummary, frame: pd.DataFrame) -> None:
    """The figures of a file with geometry, once every area is measured: the areas by
    district and the recorded areas more than 5 % off."""
    summary.by_district = _by_district(frame)
    _warn_mismatch(summary, frame)


def _write(uow: Unit, parcels, summary, upsert, dry_run, reason, progress) -> None:
    """Writes the parcels read (``parcels``) in the unit: new codes inserted, with
    ``upsert`` the changed fields of stored ones updated with one history row each;
    fills the counts of ``summary``. ConflictError for stored codes without
    ``upsert``, InputError for new codes from a file without geometry.

    The areas of stored codes are measured first (the diff compares them); those of
    new codes block by block as the blocks go to the database (``insert_parcels``
    takes the blocks as they are made), or first on a dry run."""
    by, now = uow.by, uow.now
    frame = parcels.frame
    known = frame["code"].isin(rows.existing_codes(uow)).to_numpy()
    if known.any() and not upsert:
        codes = frame.loc[known, "code"].tolist()
        raise ConflictError(
            f"{summary.file}, code: {len(codes)} parcels are already in the database "
            f"({', '.join(codes[:5])}{' …' if len(codes) > 5 else ''}); pass --upsert "
            "to update them"
        )
    if not parcels.has_geometry and not known.all():
        codes = frame.loc[~known, "code"].tolist()
        raise InputError(
            f"{summary.file}, code: {len(codes)} parcels are not in the database "
            f"({', '.join(codes[:5])}{' …' if len(codes) > 5 else ''}) and the file has no "
            "geometry; import them from the GIS layer first, or add a wkt column"
        )
    progress.stage("measuring areas")
    if parcels.has_geometry:
        _measure(frame, known if not dry_run else np.ones(len(frame), dtype=bool))
    # the diff and the update compare Python values; new rows go to the loader as read
    new, old = frame[~known], as_objects(frame[known])
    fields = [f for f in parcels.fields if f != "code"]
    if "land_use" in fields:
        fields.append("land_use_class")
    if parcels.has_geometry:
        fields.append("area_mu")
    changed, events, versions = pd.DataFrame(), pd.DataFrame(), {}
    if len(old):
        before = rows.load_parcels(
            uow,
            codes=old["code"].tolist(),
            include_retired=True,
            with_geometry=parcels.has_geometry,
        )
        versions = dict(zip(before["code"], before["version"], strict=True))
        if not parcels.has_geometry and "recorded_area_mu" in fields:
            _warn_mismatch(summary, old.merge(before[["code", "area_mu"]], on="code"))
        diff = diff_parcels(before, old, fields, history.as_text, parcels.has_geometry)
        changed = old[old["code"].isin(set(diff["parcel_code"]))]
        events = diff.assign(by=by, at=now, reason=reason)
    summary.imported, summary.updated = len(new), len(changed)
    summary.unchanged = len(old) - len(changed)
    if dry_run:
        if parcels.has_geometry:
            _summarise(summary, frame)
        summary.parcels = _listing(frame, parcels.source_epsg)
        return  # only reads happened in this transaction
    progress.stage("writing", total=len(new))
    if len(new):
        measured = np.full(len(new), np.nan)

        def measuring():
            # each block's areas while the database loads the previous block
            for at in range(0, len(new), BLOCK):
                block = new.iloc[at : at + BLOCK]
                measured[at : at + len(block)] = area_mu(block["geometry"].to_numpy())
                yield block.assign(area_mu=measured[at : at + len(block)])

        rows.insert_parcels(uow, measuring(), len(new), by, now, reason, progress.advance)
        frame.loc[~known, "area_mu"] = measured
    if parcels.has_geometry:
        _summarise(summary, frame)
    # write only what changed somewhere: the fields in the history, the geometry (and
    # with it the area) only when a polygon moved
    touched = set(events["field"]) if len(events) else set()
    moved = "geometry" in touched
    written = [f for f in fields if f in touched or (moved and f == "area_mu")]
    rows.update_parcels(uow, changed, written, versions, now, moved)
    if len(events):
        history.append_frame(uow, events)


def _warn_mismatch(summary: ImportSummary, frame: pd.DataFrame) -> None:
    """Lists the parcels whose recorded area is more than 5 % off the computed one, each
    named in quotes (a code "1" is no count) with computed, recorded and difference
    (computed − recorded, in % of recorded)."""
    area = frame["area_mu"].to_numpy(dtype=float)
    recorded = frame["recorded_area_mu"].to_numpy(dtype=float)
    mismatch = area_mismatch(area, recorded)
    if not mismatch.any():
        return
    summary.area_mismatch_codes = frame.loc[mismatch, "code"].tolist()
    idx = np.flatnonzero(mismatch)
    shown = "; ".join(
        f'parcel "{frame["code"].iloc[i]}": computed {area[i]:.2f} mu, recorded '
        f"{recorded[i]:.2f} mu, difference {(area[i] - recorded[i]) / recorded[i] * 100:+.1f} %"
        for i in idx[:10]
    )
    n = len(idx)
    summary.warnings.append(
        f"{n} {'parcel' if n == 1 else 'parcels'}: recorded area (recorded_area_mu) differs "
        f"from the computed area by more than 5 %: {shown}"
        + (f"; and {n - 10} more (--json lists them)" if n > 10 else "")
    )


def _listing(frame: pd.DataFrame, epsg: int | None) -> list[dict]:
    frame = as_objects(frame)
    if frame["geometry"].isna().all():
        zones = np.zeros(len(frame), dtype=int)
        frame = frame.assign(area_mu=np.nan)
    else:
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
