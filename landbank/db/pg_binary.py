"""Rows in PostgreSQL's binary COPY format, made column-wise by numpy.

``COPY … FROM STDIN WITH (FORMAT binary)`` spares the server the CSV tokenizer and the
text input of every float, date and hex geometry (a third of its time loading a city's
parcels), and the client the CSV writer: each column of a block is turned into its
fields (a 4-byte big-endian length, then the value's bytes; length -1 for NULL) and
scattered into one buffer at the places its rows' fields start. No Python per row.

Only the types below are encoded; ``encoder_for`` answers None for any other pair of
column type and values (the caller then loads CSV).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from landbank.db.ewkb import ewkb

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # the header: flags 0, no extension
TRAILER = b"\xff\xff"  # a field count of -1
_EPOCH_DAYS = 10957  # 2000-01-01 (PostgreSQL's epoch) in days since 1970-01-01
_EPOCH_US = _EPOCH_DAYS * 86_400_000_000
TEXT_TYPES = {"text", "varchar"}
_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
INT_TYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8"}

# a column's fields in one block: (sizes with the length word, NULL mask, writer)
# the writer puts the values' bytes into ``out`` at ``pos`` (each row's value start)
Encoded = tuple[np.ndarray, np.ndarray, Callable[[np.ndarray, np.ndarray], None]]


def _variable(data: np.ndarray, offsets: np.ndarray, null: np.ndarray) -> Encoded:
    """Fields of variable width: ``data`` the bytes of all values one after the other,
    ``offsets`` (n + 1) where each starts (a NULL's value is empty)."""
    lengths = np.diff(offsets)

    def write(out: np.ndarray, pos: np.ndarray) -> None:
        if len(data):
            out[np.repeat(pos - offsets[:-1], lengths) + np.arange(len(data))] = data

    return np.where(null, 4, 4 + lengths), null, write


def _fixed(values: np.ndarray, null: np.ndarray) -> Encoded:
    """Fields of one width: ``values`` an array of a big-endian dtype, one per row."""
    width = values.dtype.itemsize
    raw = values.view(np.uint8).reshape(len(values), width)

    def write(out: np.ndarray, pos: np.ndarray) -> None:
        keep = ~null
        out[pos[keep, None] + np.arange(width)] = raw[keep]

    return np.where(null, 4, 4 + width), null, write


def _nulls(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.zeros(len(arr), dtype=bool)
    return np.asarray(arr.is_null())


def _text(arr: pa.Array) -> Encoded:
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    null = _nulls(arr)
    off = _offsets(arr)
    if null.any() and np.diff(off)[null].any():  # Arrow lets a NULL hold bytes: drop them
        arr = pa.array(arr.to_pylist(), type=pa.string())
        off = _offsets(arr)
    buf = arr.buffers()[2]
    data = np.frombuffer(buf, dtype=np.uint8)[off[0] : off[-1]] if buf else np.empty(0, np.uint8)
    return _variable(data, (off - off[0]).astype(np.int64), null)


def _offsets(arr: pa.Array) -> np.ndarray:
    return np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]


def encoder_for(pg_type: str, arrow_type: pa.DataType) -> Callable[[pa.Array], Encoded] | None:
    """How a column of PostgreSQL type ``pg_type`` (pg_type.typname) is encoded from an
    Arrow array of ``arrow_type``; None where this module does not encode it."""
    t = arrow_type
    if pg_type in TEXT_TYPES and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return _text
    if pg_type == "float8" and (pa.types.is_floating(t) or pa.types.is_integer(t)):
        return lambda a: _fixed(_values(a, ">f8"), _nulls(a))
    if pg_type in INT_TYPES and pa.types.is_integer(t):
        return lambda a: _fixed(_values(a, INT_TYPES[pg_type]), _nulls(a))
    if pg_type == "bool" and pa.types.is_boolean(t):
        return lambda a: _fixed(_values(a.cast(pa.uint8()), "u1"), _nulls(a))
    if pg_type == "date" and pa.types.is_date32(t):
        return lambda a: _fixed(_values(a.cast(pa.int32()), ">i4", -_EPOCH_DAYS), _nulls(a))
    if pg_type == "date" and pa.types.is_timestamp(t) and t.tz is None:
        return _date_of_timestamp
    if pg_type == "timestamptz" and pa.types.is_timestamp(t) and t.tz is not None:
        return _timestamptz
    return None


def _values(arr: pa.Array, dtype: str, shift: int = 0) -> np.ndarray:
    """The values of ``arr`` (NULLs as 0) as numpy ``dtype``, plus ``shift``."""
    plain = arr.fill_null(0) if arr.null_count else arr
    values = plain.to_numpy(zero_copy_only=False)
    return (values + shift if shift else values).astype(dtype)  # -0.0 + 0 would be 0.0


def _date_of_timestamp(arr: pa.Array) -> Encoded:
    # a naive timestamp's day (the text input of a date drops the time of day too)
    ticks = _values(arr.cast(pa.int64()), "i8")
    days = ticks // _PER_DAY[arr.type.unit] - _EPOCH_DAYS
    return _fixed(days.astype(">i4"), _nulls(arr))


def _timestamptz(arr: pa.Array) -> Encoded:
    us = arr.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return _fixed(_values(us, ">i8", -_EPOCH_US), _nulls(arr))


def geometry(geoms: np.ndarray, srid: int) -> Encoded:
    """Fields of a geometry column (shapely, none missing): EWKB, which the geometry
    type's binary input reads with its SRID."""
    data, offsets = ewkb(geoms, srid)
    return _variable(data, offsets, np.zeros(len(geoms), dtype=bool))


def rows(columns: list[Encoded], n: int) -> bytes:
    """The binary COPY rows (no header, no trailer) of ``n`` rows made of ``columns``'
    fields, in order."""
    sizes = np.stack([c[0] for c in columns])  # columns × rows
    row_size = 2 + sizes.sum(axis=0)
    row_start = np.zeros(n, dtype=np.int64)
    np.cumsum(row_size[:-1], out=row_start[1:])
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    count = np.array([len(columns)], dtype=">i2").view(np.uint8)
    out[row_start] = count[0]
    out[row_start + 1] = count[1]
    field_start = row_start + 2
    for size, null, write in columns:
        length = np.where(null, -1, size - 4).astype(">i4").view(np.uint8).reshape(n, 4)
        out[field_start[:, None] + np.arange(4)] = length
        write(out, field_start + 4)
        field_start = field_start + size
    return out.tobytes()
