"""Reads a parcel file into a frame with a ``geometry`` column of shapely geometries.

GeoJSON, GeoPackage, Shapefile (GBK or UTF-8 .dbf, .cpg honoured), FlatGeobuf and
other OGR formats through pyogrio; CSV and .xlsx with a WKT column through pandas (an
.xlsx or .xlsm with its calamine engine).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
import shapely.errors
from pyproj import CRS

from landbank.errors import InputError
from landbank.io.boundary_txt import looks_like_boundary_txt, read_boundary_txt
from landbank.io.geometry import NO_RING, _first, from_wkb
from landbank.io.guard import explain, reading

TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
DECODE_BLOCK = 100_000  # WKB decoded at a time
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "几何", "图形", "坐标")


@dataclass
class RawTable:
    """What a file held: its rows, its CRS (if it said), and how to name a row."""

    path: Path
    frame: pd.DataFrame  # source columns plus "geometry" (shapely objects, maybe None)
    crs: CRS | None
    is_spreadsheet: bool  # rows named as a clerk sees them in Excel ("row 2" = first data row)
    labels: list[str] | None = None  # where each record stands ("line 12"), if not rows
    warnings: list[str] = field(default_factory=list)
    axes_swapped: bool = False  # the reader already put X and Y the right way round
    has_geometry: bool = True  # False: an attribute-only table (updates stored parcels)
    first: int = 0  # a batch of a vector file (``vector_batches``): its first feature's place

    def row_label(self, i: int) -> str:
        """Names the i-th (0-based) record as a clerk would find it in the file."""
        if self.labels is not None:
            return self.labels[i]
        return f"row {i + 2}" if self.is_spreadsheet else f"feature {self.first + i + 1}"


def read_table(
    path: Path,
    layer: str | None = None,
    swap_xy: bool = False,
    repair: bool | None = None,
    accept_short: bool = False,
) -> RawTable:
    """Reads ``path``; raises InputError for a missing, unreadable or empty file.
    A boundary coordinate file (勘测定界 TXT) is recognised by its content.

    Whatever the reading libraries raise becomes one InputError naming the file
    (``landbank.io.guard``). A polygon ring of fewer than 3 distinct points is an
    InputError naming the row, unless ``repair`` (then such rings are dropped);
    ``repair=None``: the caller offers no --repair, so the fix does not name it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty; export the layer again")
    with reading(path, layer):
        raw = _read_any(path, layer, swap_xy, repair, accept_short)
    if len(raw.frame) == 0:
        raise InputError(f"{path.name}: no rows; the file holds no parcels")
    return raw


def _read_any(
    path: Path, layer: str | None, swap_xy: bool, repair: bool | None, accept_short: bool
) -> RawTable:
    if looks_like_boundary_txt(path):
        txt = read_boundary_txt(path, swap_xy=swap_xy, accept_short=accept_short)
        return RawTable(path, txt.frame, txt.crs, False, txt.labels, txt.warnings, swap_xy)
    if path.suffix.lower() in TABLE_SUFFIXES:
        frame, labels, has_geometry = _read_spreadsheet(path, layer)
        return RawTable(path, frame, None, True, labels, has_geometry=has_geometry)
    return _read_vector(path, layer, repair)


def _choose_layer(path: Path, layer: str | None) -> tuple[str | None, list[str]]:
    """The layer to read and a note on the choice. A named layer must exist; with
    several layers and none named, the only one holding polygons is read (and said),
    else the file is refused with the list of its layers."""
    try:
        listed = [(str(n), t) for n, t in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return layer, []  # the read below explains an unreadable file
    names = [n for n, _ in listed]
    if layer is not None:
        if layer not in names:
            raise InputError(f"{path.name}: no layer {layer!r}; layers: {', '.join(names)}")
        return layer, []
    if len(listed) <= 1:
        return None, []
    polygonal = [n for n, t in listed if t and "polygon" in str(t).lower()]
    if len(polygonal) == 1:
        return polygonal[0], [
            f"{path.name} has {len(listed)} layers; read {polygonal[0]!r}, the only one with "
            "polygons (name another with --layer)"
        ]
    shown = ", ".join(f"{n} ({t or 'no geometry'})" for n, t in listed)
    raise InputError(
        f"{path.name}: {len(listed)} layers and no --layer; name the one to read with "
        f"--layer NAME; layers: {shown}"
    )


def _vector_source(path: Path, layer: str | None) -> tuple[dict, dict, list[str]]:
    """How to read a vector file: (pyogrio's keyword arguments, its layer's info, notes
    on the layer chosen). Raises InputError for a layer that is not there."""
    kwargs: dict = {}
    if path.suffix.lower() in (".shp", ".dbf") and not path.with_suffix(".cpg").exists():
        kwargs["encoding"] = _dbf_encoding(path.with_suffix(".dbf"))
    layer, notes = _choose_layer(path, layer)
    if layer is not None:
        kwargs["layer"] = layer
    meta = pyogrio.read_info(path, **({"layer": layer} if layer else {}))
    return kwargs, meta, notes


@contextlib.contextmanager
def _vector_errors(path: Path, layer: str | None):
    """A reading library's refusal of a vector file as one InputError on ``path``."""
    try:
        yield
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(explain(exc, path, layer)) from None
    except UnicodeDecodeError:
        raise InputError(
            f"{path.name}: text is neither UTF-8 nor GBK; add a .cpg file naming the encoding"
        ) from None


def _read_vector(path: Path, layer: str | None, repair: bool | None = None) -> RawTable:
    with _vector_errors(path, layer):
        kwargs, meta, notes = _vector_source(path, layer)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, table = pyogrio.read_arrow(path, **kwargs)
        notes += _library_notes(path, caught)
    return _raw_of(path, table, meta, notes, repair)


def _raw_of(path: Path, table, meta: dict, notes: list[str], repair, first: int = 0) -> RawTable:
    """The rows of an Arrow ``table`` (or batch) read from a vector file, whose layer
    is described by ``meta`` (pyogrio's info), its first row the file's ``first``."""
    crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    geom_name = meta.get("geometry_name") or "wkb_geometry"
    if geom_name not in table.column_names:
        geom_name = next((c for c in table.column_names if c in ("wkb_geometry", "geometry")), None)
    if geom_name is None or not meta.get("geometry_type"):
        raise InputError(f"{path.name}: the layer has no geometry; export it with its polygons")
    wkb = table.column(geom_name)
    # text stays in Arrow (pandas' string[pyarrow]): the parsers strip and check it
    # there and make Python strings once, not a string per cell here and again there
    text = pd.StringDtype("pyarrow")
    mapper = {pa.string(): text, pa.large_string(): text}.get
    values = pa.table(table.drop_columns([geom_name]))
    del table
    _check_utf8(path, values, first)
    frame = values.to_pandas(types_mapper=mapper)
    geoms, degenerate, unreadable = _decode(wkb)
    frame["geometry"] = geoms
    raw = RawTable(path, frame, crs, False, warnings=notes, first=first)
    raw.warnings += _ring_faults(raw, degenerate, unreadable, repair)
    return raw


def _check_utf8(path: Path, values, first: int) -> None:
    """InputError naming the first feature and column whose text is not UTF-8 (a
    damaged file, or one in another encoding without a .cpg); the text stays Arrow's
    up to the database, which would refuse it there."""
    for name in values.column_names:
        column = values.column(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        try:
            column.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        for i, raw in enumerate(column.cast(pa.large_binary()).to_pylist()):
            try:
                (raw or b"").decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    f"{path.name} feature {first + i + 1}, {name}: the text is not UTF-8 "
                    f"({raw[:24]!r}); export the file again, or add a .cpg file naming "
                    "its encoding"
                ) from None


def vector_batches(path: Path, layer: str | None, batch: int) -> tuple[int, Iterator[RawTable]]:
    """A vector file (GeoPackage, Shapefile, FlatGeobuf …, not a table or a boundary
    file) read ``batch`` features at a time, each batch checked as ``read_table``
    checks a whole file (without repair). Returns (features the layer says it holds,
    the batches: their frames indexed from 0 each, their rows named by their place in
    the file). What the library refuses is an InputError, raised where it is met."""
    path = Path(path)
    with reading(path, layer), _vector_errors(path, layer):
        kwargs, meta, notes = _vector_source(path, layer)

    def taken(reader):
        # the library's warnings on this batch, not the caller's between batches
        with reading(path, layer), _vector_errors(path, layer):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                part = next(reader, None)
        return part, _library_notes(path, caught)

    def batches() -> Iterator[RawTable]:
        first = 0
        with contextlib.ExitStack() as stack:
            with reading(path, layer), _vector_errors(path, layer):
                source = pyogrio.open_arrow(path, batch_size=batch, use_pyarrow=True, **kwargs)
                _, reader = stack.enter_context(source)
            while True:
                part, said = taken(reader)
                if part is None:
                    break
                with reading(path, layer):
                    raw = _raw_of(path, part, meta, list(dict.fromkeys(notes + said)), False, first)
                yield raw
                first += part.num_rows
        if first == 0:
            raise InputError(f"{path.name}: no rows; the file holds no parcels")

    return int(meta.get("features") or 0), batches()


def _decode(wkb) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``from_wkb`` of an Arrow column of WKB, a block at a time: a million parcels'
    WKB as Python bytes at once would hold a third of a gigabyte more."""
    parts = [
        from_wkb(wkb.slice(at, DECODE_BLOCK).to_numpy(zero_copy_only=False))
        for at in range(0, len(wkb), DECODE_BLOCK)
    ]
    if not parts:
        return from_wkb(np.array([], dtype=object))
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))


def _library_notes(path: Path, caught) -> list[str]:
    """GDAL's warnings on reading, as our own; the noise a clerk cannot act on dropped."""
    notes = []
    for w in caught:
        text = str(w.message).strip().splitlines()[0] if str(w.message).strip() else ""
        if not text or "could not parse as JSON" in text:
            continue
        if issubclass(w.category, DeprecationWarning):
            continue
        notes.append(f"{path.name}: the reader noted: {text}")
    return list(dict.fromkeys(notes))


def _ring_faults(raw: RawTable, degenerate, unreadable, repair: bool | None) -> list[str]:
    """InputError for a geometry that cannot be decoded, or (without ``repair``) one
    with a ring of fewer than 3 distinct points; with ``repair`` such rings were
    dropped: a warning, or an InputError where nothing is left."""
    name = raw.path.name

    def fail(mask, what: str, fix: str) -> None:
        _first(mask, name, raw.row_label, what, fix)

    fail(unreadable, "cannot be read (damaged WKB)", "export the layer again")
    if not repair:
        fix = "repair with --repair (drops such rings) or fix the geometry"
        fail(degenerate, NO_RING, fix if repair is False else "fix the geometry in GIS")
        return []
    if not degenerate.any():
        return []
    geoms = raw.frame["geometry"].to_numpy()
    nothing = degenerate & shapely.is_empty(geoms)
    fail(
        nothing,
        "every ring has fewer than 3 distinct points, nothing is left after --repair",
        "fix the geometry in GIS or delete the row",
    )
    return [f"{int(degenerate.sum())} geometries had a {NO_RING}: such rings dropped (--repair)"]


def _dbf_encoding(dbf: Path) -> str:
    """Guesses a .dbf's encoding when no .cpg names it: its language driver byte, else
    whether its records decode as UTF-8, else GBK (Chinese shapefiles from ArcGIS)."""
    data = dbf.read_bytes() if dbf.exists() else b""
    if len(data) < 32:
        return "UTF-8"
    ldid = data[29]
    if ldid == 0x4D:  # code page 936
        return "GBK"
    header_len = int.from_bytes(data[8:10], "little")
    try:
        data[header_len:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "GBK"


def _decode_text(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name}: text is neither UTF-8 nor GBK; save it as UTF-8")


def _read_spreadsheet(path: Path, sheet: str | None) -> tuple[pd.DataFrame, list[str], bool]:
    """Returns (rows, their labels as in the file, whether there is a geometry column).
    Blank rows are dropped; labels keep the row numbers a clerk sees in Excel."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            # calamine (Rust) reads a workbook several times faster than openpyxl, with
            # the same values under dtype=object: text as text (leading zeros kept),
            # numbers as int or float, dated cells as datetime, blank cells NaN
            with pd.ExcelFile(path, engine="calamine") as book:
                name = sheet if sheet is not None else book.sheet_names[0]
                if name not in book.sheet_names:
                    raise InputError(
                        f"{path.name}: no sheet {name!r}; sheets: {', '.join(book.sheet_names)}"
                    )
                frame = pd.read_excel(book, sheet_name=name, dtype=object)
        except InputError:
            raise
        except Exception as exc:  # calamine's CalamineError and its kinds, zip, XML, ...
            raise InputError(
                f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}); "
                "save it again from Excel as .xlsx"
            ) from None
    else:
        text = _decode_text(path)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                sep=_separator(text),
                skip_blank_lines=False,
            )
        except pd.errors.EmptyDataError:
            raise InputError(f"{path.name}: no header row and no rows; the file is blank") from None
        except pd.errors.ParserError as exc:
            raise InputError(f"{path.name}: not a well-formed CSV ({exc}); check quoting") from None
        # blank cells (whitespace only) become None; a column at a time, not a regex
        frame = frame.apply(lambda s: s.where(s.str.strip().ne(""), None))
    frame.columns = [str(c).strip() for c in frame.columns]
    kept = np.flatnonzero(frame.notna().any(axis=1).to_numpy())
    frame = frame.iloc[kept].reset_index(drop=True)
    labels = [f"row {i + 2}" for i in kept]
    wkt_col = next((c for c in frame.columns if c.lower() in WKT_COLUMNS), None)
    if wkt_col is None:
        return frame, labels, False
    wkt = frame.pop(wkt_col)
    frame["geometry"] = _parse_wkt(path, wkt, labels)
    return frame, labels, True


def _separator(text: str) -> str:
    """The CSV's delimiter: whichever of , ; tab | the header line uses most."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _parse_wkt(path: Path, wkt: pd.Series, labels: list[str]) -> np.ndarray:
    present = wkt.notna().to_numpy()
    values = np.array(
        [str(v) if ok else None for v, ok in zip(wkt, present, strict=True)], dtype=object
    )
    geoms = shapely.from_wkt(values, on_invalid="ignore")
    bad = np.flatnonzero(shapely.is_missing(geoms) & present)
    if len(bad):
        i = int(bad[0])
        text = str(values[i])
        snippet = text if len(text) <= 40 else text[:37] + "..."
        if _few_ring_points(text):
            raise InputError(
                f"{path.name} {labels[i]}, wkt: {snippet!r} has a {NO_RING}; "
                "fix the geometry (a ring needs 3 distinct corners)"
            )
        raise InputError(
            f"{path.name} {labels[i]}, wkt: {snippet!r} is not WKT; "
            "write POLYGON ((x y, x y, ...)) or MULTIPOLYGON (...)"
        )
    return geoms


def _few_ring_points(text: str) -> bool:
    """Whether GEOS refused the WKT for a ring too short to be one."""
    try:
        shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        return "LinearRing" in str(exc)
    except Exception:
        return False
    return False
