"""Turns source columns into typed canonical columns, with errors a clerk can act on.

Every parser works on a whole column and raises one InputError naming the file, the
first bad row, the field and the fix (and how many more rows share the fault).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from landbank.domain.fields import CAUSE_VALUES
from landbank.errors import InputError

_DATE_RE = r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:[T ].*)?$"
_COMPACT_RE = r"^\s*(\d{4})(\d{2})(\d{2})(?:\.0+)?\s*$"


def _blank(series: pd.Series) -> pd.Series:
    """True where a cell is empty: None, NaN, NaT or whitespace."""
    as_text = series.astype("string")
    return series.isna() | as_text.str.strip().eq("").fillna(True)


def _fail(
    where: str,
    label: Callable[[int], str],
    field: str,
    series: pd.Series,
    bad: np.ndarray,
    what: str,
    fix: str,
) -> None:
    idx = np.flatnonzero(bad)
    if not len(idx):
        return
    i = int(idx[0])
    more = f" (and {len(idx) - 1} more rows)" if len(idx) > 1 else ""
    raise InputError(f'{where} {label(i)}, {field}: "{series.iloc[i]}" {what}{more}; {fix}')


def parse_dates(
    series: pd.Series, where: str, label, field: str, bounds: tuple | None = None
) -> pd.Series:
    """Returns a datetime64 column (whole days, NaT for blanks) from dates, datetimes or
    text such as 2023-05-01, 2023/5/1, 2023.05.01, 2023年5月1日, 20230501. A date outside
    ``bounds`` (earliest, latest; by default the profile's ``[dates]``) is refused."""
    parsed = _parse_dates(series, where, label, field)
    earliest, latest = bounds or _date_bounds()
    lo, hi = pd.Timestamp(earliest), pd.Timestamp(latest)
    outside = (parsed.notna() & ((parsed < lo) | (parsed > hi))).to_numpy()
    _fail(
        where,
        label,
        field,
        series,
        outside,
        f"is not between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d}",
        "check the year (the profile's [dates] sets the range)",
    )
    return parsed


def _date_bounds() -> tuple[dt.date, dt.date]:
    from landbank.config import load_profile

    return load_profile().date_bounds()


def check_lengths(text: pd.Series, where: str, label, field: str, limit: int) -> pd.Series:
    """``text`` (from ``parse_text``) when no value is longer than ``limit`` characters;
    else an InputError naming the first row, the field and the limit."""
    # counted by Arrow (characters, as len() counts them), not a Python call a row
    lengths = text.astype("string").str.len().fillna(0).astype("int64")
    long = (lengths > limit).to_numpy()
    idx = np.flatnonzero(long)
    if len(idx):
        i = int(idx[0])
        more = f" (and {len(idx) - 1} more rows)" if len(idx) > 1 else ""
        raise InputError(
            f"{where} {label(i)}, {field}: {lengths.iloc[i]} characters, at most {limit}"
            f"{more}; shorten it"
        )
    return text


def _parse_dates(series: pd.Series, where: str, label, field: str) -> pd.Series:
    iso = _iso_dates(series)
    if iso is not None:
        return iso
    if series.dtype.kind == "M":  # already datetimes (Arrow / Excel)
        return _days(pd.to_datetime(series))
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("date", "datetime", "datetime64"):
        return _days(pd.to_datetime(series, errors="coerce"))
    is_dt = np.zeros(len(series), dtype=bool)
    if kind not in ("string", "empty", "integer", "floating"):
        is_dt = np.array([isinstance(v, dt.date) for v in series], dtype=bool)
    blank = _blank(series).to_numpy()
    text = series.where(~is_dt).astype("string").str.strip()
    # Fast path: ISO dates, parsed in C; the rest through the patterns clerks write.
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    rest = ~blank & ~is_dt & parsed.isna().to_numpy()
    if rest.any():
        sub = text[rest]
        parts = sub.str.extract(_DATE_RE)
        compact = sub.str.extract(_COMPACT_RE)
        parts = parts.where(parts[0].notna(), compact)
        ymd = (
            parts[0].fillna("")
            + "-"
            + parts[1].fillna("").str.zfill(2)
            + "-"
            + parts[2].fillna("").str.zfill(2)
        )
        parsed[rest] = pd.to_datetime(ymd, format="%Y-%m-%d", errors="coerce")
        bad = rest & parsed.isna().to_numpy()
        _fail(where, label, field, series, bad, "is not a date", "write YYYY-MM-DD")
    if is_dt.any():
        parsed[is_dt] = pd.to_datetime(series[is_dt].astype(object))
    return _days(parsed)


def _iso_dates(series: pd.Series) -> pd.Series | None:
    """Whole days (datetime64[s], NaT for blanks) of a column of Arrow text (a vector
    file's, or pandas' own text) holding only ISO dates (YYYY-MM-DD) and blanks,
    parsed by Arrow's strict cast in one step (a tenth of the general path's time);
    None for any other column, or where one value is not such a date (the general
    path then names it)."""
    if getattr(series.dtype, "storage", None) != "pyarrow":
        return None
    text = pc.utf8_trim_whitespace(pa.chunked_array(pa.array(series.array)))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    try:
        days = text.cast(pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    stamps = days.cast(pa.timestamp("s")).to_numpy()
    return pd.Series(stamps, index=series.index, dtype="datetime64[s]")


def _days(parsed: pd.Series) -> pd.Series:
    """A datetime64 column cut to whole days (seconds resolution, no time zone)."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.floor("D").astype("datetime64[s]")


def parse_numbers(
    series: pd.Series, where: str, label, field: str, minimum: float | None = 0.0
) -> pd.Series:
    """Returns a float column (NaN for blanks) from numbers or text such as 1,234.5."""
    if series.dtype.kind in "iuf" or _all_numbers(series):
        values = series.astype(float)
    else:
        blank = _blank(series).to_numpy()
        text = series.astype("string").str.strip().str.replace(r"[,\s]", "", regex=True)
        values = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
        bad = ~blank & values.isna().to_numpy()
        _fail(
            where,
            label,
            field,
            series,
            bad,
            "is not a number",
            "write digits only, e.g. 12.5 (no units)",
        )
    infinite = np.isinf(values.to_numpy())
    _fail(where, label, field, series, infinite, "is not a finite number", "check the value")
    if minimum is not None:
        neg = (values < minimum).fillna(False).to_numpy()
        _fail(where, label, field, series, neg, f"is below {minimum:g}", "check the value")
    return values


def _all_numbers(series: pd.Series) -> bool:
    """Whether an object column holds only ints and floats (and blanks), as a workbook's
    column of numbers reads: then no value needs the text path's commas and spaces."""
    if series.dtype != object:
        return False
    kind = pd.api.types.infer_dtype(series, skipna=True)
    return kind in ("integer", "floating", "mixed-integer-float")


def parse_text(series: pd.Series) -> pd.Series:
    """Returns stripped text, None for blanks; whole numbers read as 12.0 become '12'."""
    if series.dtype.kind == "f":
        whole = series.notna() & (series % 1 == 0)
        text = series.astype(object)
        text[whole] = series[whole].astype("int64").astype(str)
        text[~whole & series.notna()] = series[~whole & series.notna()].astype(str)
        out = np.array(text.astype(object).to_numpy(), dtype=object)
        missing = pd.isna(out)
        out[missing] = None
        out[~missing & (out == "")] = None
        return pd.Series(out, index=series.index, dtype=object)
    return _objects(series.astype("string").str.strip(), series.index)


def parse_text_within(
    series: pd.Series, where: str, label, field: str, limit: int, arrow: bool = False
) -> pd.Series:
    """``parse_text`` then ``check_lengths``: the lengths counted on the stripped text
    while it is still Arrow's (counting the Python strings made them Arrow's again).
    With ``arrow`` the text stays Arrow's (pandas ``string``, <NA> for blanks): no
    Python string a cell, for a loader that hands it to Arrow again (``as_objects``
    makes the usual column of it)."""
    if series.dtype.kind == "f":
        return check_lengths(parse_text(series), where, label, field, limit)
    text = series.astype("string").str.strip()
    check_lengths(text, where, label, field, limit)
    if arrow:
        return text.where(text.str.len() > 0)
    return _objects(text, series.index)


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its pandas ``string`` columns (``parse_text_within(arrow=True)``)
    as Python strings and None for blanks, as every other parser returns them."""
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    if not text:
        return frame
    return frame.assign(**{c: _objects(frame[c], frame.index) for c in text})


def _objects(text: pd.Series, index) -> pd.Series:
    """Stripped ``text`` (pandas string) as Python strings, None for blanks."""
    if _repetitive(text):
        return pd.Series(_shared_values(text), index=index, dtype=object)
    blank = (text.isna() | text.eq("")).fillna(True).to_numpy()  # from Arrow's mask
    out = np.array(text.astype(object).to_numpy(), dtype=object)
    out[blank] = None
    return pd.Series(out, index=index, dtype=object)


SAMPLE = 10_000  # values looked at to tell a column of few values from one of many


def _repetitive(text: pd.Series) -> bool:
    """Whether a long column holds few distinct values (district, park, land use)."""
    return len(text) > SAMPLE and text.iloc[:SAMPLE].nunique() < SAMPLE // 4


def _shared_values(text: pd.Series) -> np.ndarray:
    """``text`` as an object array of str, None for blanks, each distinct value one
    object: a million rows of six districts hold six strings, not a million (~0.1 GB
    a column), and are made several times faster."""
    codes, uniques = pd.factorize(text)
    values = np.asarray(uniques, dtype=object)
    values[values == ""] = None
    return np.append(values, None)[codes]  # code -1 (missing) takes the None at the end


def parse_cause(series: pd.Series, where: str, label, field: str) -> pd.Series:
    """Returns 'government' / 'enterprise' / None from ids or the Chinese words."""
    text = parse_text(series)
    mapped = text.str.lower().map(CAUSE_VALUES).astype(object)
    mapped[mapped.isna()] = None
    bad = (text.notna() & mapped.isna()).to_numpy()
    _fail(
        where,
        label,
        field,
        series,
        bad,
        "is not a cause",
        "write government (政府原因) or enterprise (企业原因)",
    )
    return mapped


def parse_integers(
    series: pd.Series, where: str, label, field: str, minimum: float | None = 0.0
) -> pd.Series:
    """Returns a nullable Int64 column (<NA> for blanks) from whole numbers or text
    such as 3 or 3.0; a fraction is an InputError naming the row."""
    numbers = parse_numbers(series, where, label, field, minimum)
    fraction = (numbers.notna() & (numbers % 1 != 0)).to_numpy()
    _fail(where, label, field, series, fraction, "is not a whole number", "write e.g. 3")
    return numbers.round().astype("Int64")


def parse_choice(
    series: pd.Series, where: str, label, field: str, choices: dict[str, str], fix: str
) -> pd.Series:
    """Returns the canonical id for each value through ``choices`` (keys in lower case),
    None for blanks; a value not among them is an InputError with ``fix``."""
    text = parse_text(series)
    mapped = text.str.lower().map(choices).astype(object)
    mapped[mapped.isna()] = None
    bad = (text.notna() & mapped.isna()).to_numpy()
    _fail(where, label, field, series, bad, "is not known", fix)
    return mapped
