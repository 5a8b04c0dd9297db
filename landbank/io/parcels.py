"""A parcel file in, as a canonical frame in EPSG:4490: ``read_parcels``.

Reads the file, maps its columns to canonical names, types every value, checks every
geometry and the CRS, and folds or refuses duplicate codes. Pure reading: nothing is
written anywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from landbank.domain.fields import PARCEL_FIELDS, max_chars
from landbank.errors import InputError
from landbank.io import values
from landbank.io.boundary_txt import looks_like_boundary_txt
from landbank.io.columns import apply_defaults, map_columns
from landbank.io.crs import describe, resolve_crs
from landbank.io.geometry import check_geometries, to_multipolygons
from landbank.io.guard import guarded, reading
from landbank.io.read import TABLE_SUFFIXES, read_table, vector_batches

STORAGE_EPSG = 4490
CODE_MAX = 64  # the width of parcel.code


@dataclass
class ReadOptions:
    layer: str | None = None
    crs: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    defaults: dict[str, str] = field(default_factory=dict)  # canonical -> value (--default)
    repair: bool = False
    dissolve_duplicates: bool = False
    swap_xy: bool = False
    skip_uncoded: bool = False  # leave out rows without a code instead of refusing
    gk_zone: int | None = None  # the profile's zone, for coordinates without a prefix
    crosswalk: dict[str, str] = field(default_factory=dict)  # land-use code -> class
    jurisdiction_bbox: tuple[float, float, float, float] | None = None
    accept_short: bool = False  # boundary TXT: import parcels with points missing


@dataclass
class ParcelFile:
    """The canonical parcels of one file and what was noticed on the way."""

    # canonical columns + geometry (MultiPolygon, EPSG:4490, or None); text but the code
    # stays Arrow's (pandas ``string``, <NA> for blanks): ``values.as_objects`` for Python
    frame: pd.DataFrame
    source_crs: str
    source_epsg: int | None
    warnings: list[str]
    repaired: int = 0
    dissolved: int = 0
    skipped_uncoded: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # canonical fields the file holds
    has_geometry: bool = True  # False: attributes only, for parcels already stored


@guarded
def read_parcels(path: Path, opts: ReadOptions) -> ParcelFile:
    """Reads a parcel file into canonical columns; raises InputError on bad input."""
    raw = read_table(
        Path(path),
        opts.layer,
        swap_xy=opts.swap_xy,
        repair=opts.repair,
        accept_short=opts.accept_short,
    )
    name = raw.path.name
    mapping = map_columns(
        [c for c in raw.frame.columns if c != "geometry"], PARCEL_FIELDS, opts.fields, name
    )
    raw.frame = apply_defaults(raw.frame, mapping, opts.defaults, PARCEL_FIELDS)
    if "code" not in mapping.values():
        cols = ", ".join(c for c in raw.frame.columns if c != "geometry")
        raise InputError(
            f"{name}: no parcel code column (地块编号); columns are {cols}; "
            "name it with --field code=COLUMN"
        )
    source, label, skipped = _coded_rows(raw, mapping, opts.skip_uncoded)
    frame = _typed(source, mapping, name, label)
    fields = [f.name for f in PARCEL_FIELDS if f.name in mapping.values()]
    ignored = [c for c in raw.frame.columns if c != "geometry" and c not in mapping]
    warnings = list(raw.warnings)
    if skipped:
        warnings.append(f"{skipped} rows without a code left out (--skip-uncoded)")
    if not raw.has_geometry:
        frame["geometry"] = None
        dup = frame["code"][frame["code"].duplicated()].unique().tolist()
        if dup:
            raise InputError(
                f"{name}, code: {', '.join(dup[:5])} appear more than once; "
                "one row per parcel in an attribute-only file"
            )
        return ParcelFile(
            frame,
            "none (attributes only)",
            None,
            warnings,
            0,
            0,
            skipped,
            ignored,
            fields,
            has_geometry=False,
        )
    geoms, repaired = check_geometries(source["geometry"].to_numpy(), name, label, opts.repair)
    if opts.swap_xy and not raw.axes_swapped:
        geoms = shapely.transform(geoms, lambda xy: xy[:, ::-1])
    crs, more = resolve_crs(
        name,
        raw.crs,
        opts.crs,
        shapely.total_bounds(geoms),
        opts.gk_zone,
        opts.jurisdiction_bbox,
        swap_passed=opts.swap_xy,
    )
    warnings += more
    frame["geometry"] = _to_storage(geoms, crs)
    if repaired:
        warnings.append(f"{repaired} invalid geometries repaired with make_valid (--repair)")
    frame, dissolved = _duplicates(frame, name, opts.dissolve_duplicates)
    if dissolved:
        warnings.append(
            f"{dissolved} rows folded into parcels with the same code (--dissolve-duplicates)"
        )
    warnings += _outside(frame["geometry"].to_numpy(), opts.jurisdiction_bbox)
    return ParcelFile(
        frame,
        describe(crs),
        crs.to_epsg(),
        warnings,
        repaired,
        dissolved,
        skipped,
        ignored,
        fields,
    )


STREAM_BATCH = 100_000  # features ``stream_parcels`` reads, checks and hands on at a time
STREAM_LEAST = 2 * STREAM_BATCH  # a smaller file is read whole


class NotStreamed(Exception):
    """A file's batches met what only the whole file decides: codes repeated across
    batches, or a CRS its whole extent reads otherwise than its first batch. Nothing
    was wrong with a batch itself; ``read_parcels`` reads the file and says what."""


@dataclass
class ParcelStream:
    """The canonical parcels of a vector file, a batch at a time (``stream_parcels``)."""

    rows: int  # features the file says it holds
    source_crs: str
    source_epsg: int | None
    fields: list[str]  # canonical fields the file holds
    ignored_columns: list[str]
    # frames as ``ParcelFile.frame``, made as they are taken; once all are taken,
    # ``warnings`` holds the file's (as ``read_parcels`` says them). A fault in a batch
    # is the InputError ``read_parcels`` would raise, or NotStreamed
    parts: Iterator[pd.DataFrame]
    warnings: list[str] = field(default_factory=list)


@guarded
def stream_parcels(
    path: Path, opts: ReadOptions, batch: int | None = None, least: int | None = None
) -> ParcelStream | None:
    """A large vector file's parcels read, typed, checked and turned to EPSG:4490 a
    ``batch`` of features at a time, so a loader writes one batch while the next is
    read; the checks across the file (codes unique, the CRS of the whole extent, the
    jurisdiction) run when the last batch is taken. None where the file is to be read
    whole (``read_parcels``): fewer than ``least`` features, a table, a boundary file,
    or options that mend, fold or skip rows. By default ``STREAM_BATCH`` and
    ``STREAM_LEAST``."""
    path = Path(path)
    batch, least = batch or STREAM_BATCH, least or STREAM_LEAST
    whole = opts.repair or opts.dissolve_duplicates or opts.skip_uncoded or opts.swap_xy
    if whole or not path.is_file() or path.suffix.lower() in TABLE_SUFFIXES:
        return None
    if looks_like_boundary_txt(path):
        return None
    rows, batches = vector_batches(path, opts.layer, batch)
    if rows < least:
        return None
    first = next(batches)
    name = path.name
    columns = [c for c in first.frame.columns if c != "geometry"]
    mapping = map_columns(columns, PARCEL_FIELDS, opts.fields, name)
    if "code" not in mapping.values():
        return None  # read_parcels names the columns
    # the --default fields join the mapping as read_parcels' do (each batch: its copy)
    full = dict(mapping)
    apply_defaults(first.frame.iloc[:0], full, opts.defaults, PARCEL_FIELDS)
    checked, _ = check_geometries(first.frame["geometry"].to_numpy(), name, first.row_label, False)

    def crs_of(bounds) -> tuple:
        return resolve_crs(name, first.crs, opts.crs, bounds, opts.gk_zone, opts.jurisdiction_bbox)

    crs, said = crs_of(shapely.total_bounds(checked))
    stream = ParcelStream(
        rows,
        describe(crs),
        crs.to_epsg(),
        [f.name for f in PARCEL_FIELDS if f.name in full.values()],
        [c for c in columns if c not in full],
        iter(()),
    )

    def parts() -> Iterator[pd.DataFrame]:
        codes, notes, outside = [], [], 0
        low, high = np.full(2, np.inf), np.full(2, -np.inf)  # the source extent
        try:
            for raw in itertools.chain([first], batches):
                frame, geoms = _canonical(raw, raw is first)
                b = shapely.total_bounds(geoms)
                low, high = np.minimum(low, b[:2]), np.maximum(high, b[2:])
                codes.append(frame["code"].to_numpy())
                outside += _outside_count(frame["geometry"].to_numpy(), opts.jurisdiction_bbox)
                notes += raw.warnings
                yield frame
        finally:
            batches.close()  # the file is closed as soon as the stream ends or gives way
        if pd.Series(np.concatenate(codes)).duplicated().any():
            raise NotStreamed("codes repeat across batches")
        again, more = crs_of((*low, *high))
        if again != crs or more != said:
            raise NotStreamed("the whole extent reads another CRS")
        stream.warnings = [
            *dict.fromkeys(notes),
            *more,
            *_outside_note(outside, opts.jurisdiction_bbox),
        ]

    def _canonical(raw, is_first: bool) -> tuple[pd.DataFrame, np.ndarray]:
        """A batch as ParcelFile.frame, and its geometries as read (checked)."""
        with reading(path, opts.layer):  # a damaged value: one InputError, as whole
            batch_mapping = dict(mapping)
            raw.frame = apply_defaults(raw.frame, batch_mapping, opts.defaults, PARCEL_FIELDS)
            source, label, _ = _coded_rows(raw, batch_mapping, False)
            frame = _typed(source, batch_mapping, name, label)
            geoms = checked if is_first else None
            if geoms is None:
                geoms, _ = check_geometries(source["geometry"].to_numpy(), name, label, False)
            frame["geometry"] = _to_storage(geoms, crs)
        return frame, geoms

    stream.parts = parts()
    return stream


def _coded_rows(raw, mapping: dict[str, str], skip: bool):
    """Returns (rows to read, row-label function, rows left out). Without ``skip`` a row
    with a blank code is an error naming it; labels keep the file's own row numbers."""
    column = next(s for s, c in mapping.items() if c == "code")
    blank = values.parse_text(raw.frame[column]).isna().to_numpy()
    if not blank.any():
        return raw.frame, raw.row_label, 0
    if not skip:
        idx = np.flatnonzero(blank)
        more = f" (and {len(idx) - 1} more rows)" if len(idx) > 1 else ""
        raise InputError(
            f"{raw.path.name} {raw.row_label(int(idx[0]))}, code: empty{more}; every parcel "
            "needs a code (地块编号): fill it in, or pass --skip-uncoded to leave such rows out"
        )
    kept = np.flatnonzero(~blank)
    source = raw.frame.iloc[kept].reset_index(drop=True)
    return source, (lambda i: raw.row_label(int(kept[i]))), int(blank.sum())


def _typed(src: pd.DataFrame, mapping: dict[str, str], name: str, label) -> pd.DataFrame:
    out = pd.DataFrame(index=src.index)
    for f in PARCEL_FIELDS:
        column = next((s for s, c in mapping.items() if c == f.name), None)
        series = src[column] if column else pd.Series([None] * len(src), index=src.index)
        shown = f.name if column in (None, f.name) else f"{f.name} ({column})"
        if f.kind == "date":
            out[f.name] = values.parse_dates(series, name, label, shown)
        elif f.kind == "number":
            out[f.name] = values.parse_numbers(series, name, label, shown)
        elif f.kind == "cause":
            out[f.name] = values.parse_cause(series, name, label, shown)
        else:
            if f.name != "code":  # codes: their own check, with the database's limit
                out[f.name] = values.parse_text_within(
                    series, name, label, shown, max_chars(f.name), arrow=True
                )
            else:
                out[f.name] = values.parse_text(series)
    too_long = out["code"].str.len().gt(CODE_MAX).fillna(False).to_numpy()
    if too_long.any():
        i = int(np.flatnonzero(too_long)[0])
        raise InputError(
            f"{name} {label(i)}, code: longer than {CODE_MAX} characters; shorten the code"
        )
    return out


def _to_storage(geoms: np.ndarray, crs) -> np.ndarray:
    if crs.to_epsg() == STORAGE_EPSG:
        return geoms
    tr = Transformer.from_crs(crs, STORAGE_EPSG, always_xy=True)

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fwd)


def _duplicates(frame: pd.DataFrame, name: str, dissolve: bool) -> tuple[pd.DataFrame, int]:
    dup = frame["code"].duplicated(keep=False)
    if not dup.any():
        return frame, 0
    codes = list(dict.fromkeys(frame.loc[dup, "code"]))
    if not dissolve:
        shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
        raise InputError(
            f"{name}, code: {len(codes)} codes appear more than once ({shown}); make codes "
            "unique, or pass --dissolve-duplicates to union each code's polygons into one parcel"
        )
    grouped = frame[dup].groupby("code", sort=False)
    unions = grouped["geometry"].agg(lambda g: shapely.union_all(g.to_numpy()))
    first = grouped.first()  # attributes of a code's first row
    first["geometry"] = to_multipolygons(unions.to_numpy())
    merged = pd.concat([frame[~dup], first.reset_index()], ignore_index=True)
    return merged, int(dup.sum()) - len(codes)


def _outside(geoms: np.ndarray, bbox) -> list[str]:
    return _outside_note(_outside_count(geoms, bbox), bbox)


def _outside_count(geoms: np.ndarray, bbox) -> int:
    """How many of ``geoms`` (EPSG:4490) reach beyond the jurisdiction ``bbox``."""
    if not bbox:
        return 0
    b = shapely.bounds(geoms)
    out = (b[:, 0] < bbox[0]) | (b[:, 1] < bbox[1]) | (b[:, 2] > bbox[2]) | (b[:, 3] > bbox[3])
    return int(out.sum())


def _outside_note(n: int, bbox) -> list[str]:
    if not n:
        return []
    return [f"{n} parcels lie outside the profile's jurisdiction {list(bbox)}; check the data"]
