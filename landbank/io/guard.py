"""The one place where whatever the reading libraries raise becomes one InputError.

pyogrio (GDAL), shapely (GEOS), pandas, calamine, sqlite, zip and the codecs each raise
their own kinds for a damaged, cut-short or odd file. ``reading(path, layer)`` wraps
the decoding of a file: any such library exception leaves it as an InputError naming
the file (and layer) with a fix, so a reader never ends in a traceback. An InputError
raised inside passes through unchanged, and so does a fault in landbank's own code
(a TypeError, say): that is a bug to fix, not a damaged file.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import struct
import warnings
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas.errors
import pyarrow.lib
import pyogrio.errors
import python_calamine
import shapely.errors

from landbank.errors import LandbankError

FORMATS = "GeoPackage, GeoJSON, Shapefile, FlatGeobuf, or CSV/.xlsx with a wkt column"

# What the reading libraries raise for a damaged, cut-short or odd file. Anything else
# raised inside ``reading`` is a fault of landbank's own and passes through unchanged.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,  # CRSError is one
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    shapely.errors.ShapelyError,  # GEOSException is one
    sqlite3.Error,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,  # UnicodeError, pandas' ParserError and EmptyDataError are ones
    EOFError,
    MemoryError,
    struct.error,
    ParseError,  # the XML inside an .xlsx
    python_calamine.CalamineError,  # .xlsx read by calamine: ZipError, XmlError are ones
    pandas.errors.ParserError,
    pyarrow.lib.ArrowException,  # text that is no UTF-8, met while a column is converted
)
# openpyxl's own (its import takes a fifth of a second: known by module and name)
OPENPYXL_ERRORS = {
    ("openpyxl.utils.exceptions", "InvalidFileException"),
    ("openpyxl.utils.exceptions", "IllegalCharacterError"),
}
# Raised by a library while decoding a damaged file (openpyxl's KeyError for a member
# missing from the zip, say), but a bug where any other code raises them (landbank's).
DECODING_ERRORS = (KeyError, IndexError, TypeError, AttributeError)
DECODERS = (
    "pyogrio", "shapely", "pandas", "python_calamine", "openpyxl", "et_xmlfile", "xml",
    "zipfile", "csv",
)  # fmt: skip


DAMAGE = ("malformed", "truncated", "corrupt", "unexpected end", "not a database", "short read")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    if "failed: " in first:  # GDAL: "sqlite3_prepare_v2(SELECT ...) failed: why; why"
        first = first.rsplit("failed: ", 1)[1]
        halves = first.split("; ")
        first = halves[0] if len(set(halves)) == 1 else first
    if len(first) > 160:
        first = first[:157] + "..."
    return first or type(exc).__name__


def explain(exc: BaseException, path: Path, layer: str | None = None) -> str:
    """One line for ``exc`` raised while reading ``path``: what, where and the fix."""
    path = Path(path)
    where = path.name + (f" layer {layer!r}" if layer else "")
    why = _first_line(exc)
    spreadsheet = path.suffix.lower() in (".xlsx", ".xlsm")
    if isinstance(exc, UnicodeError):
        return f"{where}: text is neither UTF-8 nor GBK; save it as UTF-8 (or add a .cpg file)"
    if isinstance(exc, MemoryError):
        return f"{where}: too large to read in memory; split the file into smaller ones"
    if isinstance(exc, (PermissionError, IsADirectoryError)):
        return f"{where}: cannot be opened ({why}); check the path and its permissions"
    if spreadsheet:
        return (
            f"{where}: not a readable .xlsx workbook ({type(exc).__name__}: {why}); "
            "save it again from Excel as .xlsx"
        )
    if isinstance(exc, shapely.errors.ShapelyError):
        return (
            f"{where}: a geometry cannot be read ({why}); fix the geometry in GIS, "
            "or export the layer again"
        )
    damaged = any(word in why.lower() for word in DAMAGE)
    if damaged or isinstance(exc, (sqlite3.Error, zipfile.BadZipFile, EOFError)):
        return f"{where}: the file is damaged or cut short ({why}); export it again"
    if isinstance(exc, (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)):
        return f"{where}: not a readable vector file ({why}); use {FORMATS}"
    if isinstance(exc, OSError):
        return f"{where}: cannot be read ({why}); check the file, or export it again"
    return (
        f"{where}: the file is damaged or not in a known form ({type(exc).__name__}: {why}); "
        f"export it again as {FORMATS}"
    )


@contextlib.contextmanager
def reading(path: Path, layer: str | None = None):
    """Turns what a reading library raises inside (``LIBRARY_ERRORS``, and
    ``DECODING_ERRORS`` from a library's own frame) into an InputError on ``path``;
    landbank's errors and its own faults pass through unchanged.
    Python warnings raised inside are kept from the terminal (readers report what
    matters as their own warnings)."""
    from landbank.errors import InputError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except LandbankError:
        raise
    except LIBRARY_ERRORS as exc:
        raise InputError(explain(exc, path, layer)) from exc
    except DECODING_ERRORS as exc:
        if not _raised_in_decoder(exc):
            raise
        raise InputError(explain(exc, path, layer)) from exc
    except BaseException as exc:
        # a Rust reader's panic (calamine through pyo3) is a BaseException of a class
        # no module exports: known by its name
        kind = type(exc)
        if kind.__name__ != "PanicException" and (kind.__module__, kind.__name__) not in (
            OPENPYXL_ERRORS
        ):
            raise
        raise InputError(explain(exc, path, layer)) from exc


def _raised_in_decoder(exc: BaseException) -> bool:
    """True when the innermost Python frame of ``exc``'s traceback is a reading
    library's (``DECODERS``), not landbank's own code or anyone else's."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    name = tb.tb_frame.f_globals.get("__name__")
    if name:
        return name.split(".")[0] in DECODERS
    # a compiled (Cython) frame has no module name: its file is "pyogrio/_io.pyx"
    return Path(tb.tb_frame.f_code.co_filename).parts[:1] in [(d,) for d in DECODERS]


def guarded(fn):
    """Decorates a reader whose first argument is the path (``layer`` by keyword or as
    the second argument): any library exception becomes one InputError on the file."""

    @functools.wraps(fn)
    def wrapper(path, *args, **kwargs):
        layer = kwargs.get("layer", args[0] if args and isinstance(args[0], str) else None)
        with reading(path, layer):
            return fn(path, *args, **kwargs)

    return wrapper
