"""Enterprise files in, as canonical frames: the register (``read_register``), leases
(``read_leases``) and an office's figures of a year (``read_figures``, units in the
headers converted). Pure reading: nothing is written anywhere. Every fault is one
InputError naming the file, the row and the field, and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from landbank.domain import credit_codes, units
from landbank.domain.enterprises import (
    CODE_ALIASES,
    COHORT_VALUES,
    FIGURE_BY_NAME,
    FIGURES,
    LEASE_FIELDS,
    NAME_ALIASES,
    REGISTER_FIELDS,
    Figure,
)
from landbank.domain.fields import Field, max_chars
from landbank.errors import InputError
from landbank.io import values
from landbank.io.columns import _norm, map_columns
from landbank.io.guard import guarded
from landbank.io.read import TABLE_SUFFIXES, RawTable, read_table

INDUSTRY_PATTERN = r"^[A-T]?\d{2,4}$"  # GB/T 4754-2017: section letter, 2 to 4 digits
ROWS_SHOWN = 10  # row numbers named in one message at most


@dataclass
class Table:
    """A file's canonical rows, where each came from (``row``: as a clerk finds it in
    the file), and what was noticed on the way."""

    frame: pd.DataFrame
    file: str
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _open(path: Path, sheet: str | None, what: str) -> RawTable:
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{path.name}: {what} come as .csv or .xlsx, one row each")
    raw = read_table(path, sheet)
    if raw.has_geometry:
        raw.frame = raw.frame.drop(columns="geometry")
    return raw


def _require(mapping: dict[str, str], canonical: str, file: str, columns, zh: str) -> None:
    if canonical not in mapping.values():
        raise InputError(
            f"{file}: no {canonical} column ({zh}); columns are {', '.join(map(str, columns))}; "
            f"name it with --field {canonical}=COLUMN"
        )


def _rows(raw: RawTable, mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(raw.row_label(int(i)).removeprefix("row ") for i in idx[:ROWS_SHOWN])
    more = f" and {len(idx) - ROWS_SHOWN} more" if len(idx) > ROWS_SHOWN else ""
    return f"row{'s' if len(idx) > 1 else ''} {shown}{more}"


def credit_code_column(raw: RawTable, series: pd.Series, shown: str, required: bool = True):
    """The column's codes normalised (``credit_codes.normalise``); a blank (when
    ``required``) or an invalid code is an InputError naming every such row (the first
    ten), the field and, for a wrong check character, the one expected."""
    codes = credit_codes.normalise_column(series)
    file = raw.path.name
    blank = codes.isna().to_numpy()
    if required and blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise InputError(
            f"{file} {raw.row_label(i)}, {shown}: empty; every row names its enterprise by "
            f"its 18-character credit code ({_rows(raw, blank)} are empty)"
        )
    found = credit_codes.problems(codes)
    bad = found.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        others = bad.copy()
        others[i] = False
        also = f" ({_rows(raw, others)} too)" if others.any() else ""
        fix = "correct the code (GB 32100-2015) or remove the row"
        if isinstance(series.iloc[i], int | float):  # Excel turned a code of digits into a number
            fix = "format the column as text in Excel and type the code again"
        raise InputError(
            f'{file} {raw.row_label(i)}, {shown}: "{codes.iloc[i]}" {found.iloc[i]}{also}; {fix}'
        )
    return codes


def _field_column(mapping: dict[str, str], name: str) -> tuple[str | None, str]:
    column = next((s for s, c in mapping.items() if c == name), None)
    return column, name if column in (None, name) else f"{name} ({column})"


def _series(raw: RawTable, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series([None] * len(raw.frame), index=raw.frame.index, dtype=object)
    return raw.frame[column]


def _text(raw: RawTable, mapping, name: str) -> pd.Series:
    column, shown = _field_column(mapping, name)
    text = values.parse_text(_series(raw, column))
    return values.check_lengths(text, raw.path.name, raw.row_label, shown, max_chars(name))


def _first_duplicate(raw: RawTable, keys: pd.Series, shown: str, what: str) -> None:
    twice = keys.duplicated(keep=False).to_numpy() & keys.notna().to_numpy()
    if not twice.any():
        return
    later = keys.duplicated().to_numpy() & keys.notna().to_numpy()
    i = int(np.flatnonzero(later)[0])
    first = int(np.flatnonzero((keys == keys.iloc[i]).to_numpy())[0])
    raise InputError(
        f"{raw.path.name} {raw.row_label(i)}, {shown}: {keys.iloc[i]} is on "
        f"{raw.row_label(first)} too; {what}"
    )


@guarded
def read_register(
    path: Path, sheet: str | None = None, fields: dict[str, str] | None = None
) -> Table:
    """Reads the enterprise register: ``credit_code``, ``name``, ``cohort`` (large /
    small from 规上 / 规下), ``industry`` (国民经济行业分类 code), ``district``, ``park``,
    and ``row`` (where each stands in the file)."""
    raw = _open(path, sheet, "enterprises")
    file = raw.path.name
    columns = list(raw.frame.columns)
    mapping = map_columns(columns, REGISTER_FIELDS, fields or {}, file)
    _require(mapping, "credit_code", file, columns, "统一社会信用代码")
    _require(mapping, "name", file, columns, "企业名称")
    out = pd.DataFrame(index=raw.frame.index)
    column, shown = _field_column(mapping, "credit_code")
    out["credit_code"] = credit_code_column(raw, raw.frame[column], shown)
    _first_duplicate(raw, out["credit_code"], shown, "one row per enterprise")
    for name in ("name", "district", "park"):
        out[name] = _text(raw, mapping, name)
    blank = out["name"].isna().to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        shown = _field_column(mapping, "name")[1]
        raise InputError(f"{file} {raw.row_label(i)}, {shown}: empty; write the enterprise's name")
    column, shown = _field_column(mapping, "cohort")
    out["cohort"] = values.parse_choice(
        _series(raw, column),
        file,
        raw.row_label,
        shown,
        COHORT_VALUES,
        "write 规上 (large) or 规下 (small)",
    )
    column, shown = _field_column(mapping, "industry")
    industry = values.parse_text(_series(raw, column)).str.upper()
    bad = (industry.notna() & ~industry.str.match(INDUSTRY_PATTERN, na=False)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f'{file} {raw.row_label(i)}, {shown}: "{industry.iloc[i]}" is not a code of '
            "国民经济行业分类 (GB/T 4754); write e.g. C3011 or 3011"
        )
    out["industry"] = industry.astype(object).where(industry.notna(), None)
    out["row"] = [raw.row_label(i) for i in range(len(out))]
    return Table(out, file, list(raw.warnings), [c for c in columns if c not in mapping])


@guarded
def read_leases(
    path: Path, sheet: str | None = None, fields: dict[str, str] | None = None
) -> Table:
    """Reads leases: ``lessor_code``, ``lessee_code`` (credit codes), ``parcel_code``,
    ``area_mu`` (blank: the whole parcel), ``from_on``, ``to_on`` (both days counted),
    and ``row``. A start after the end, a lessor renting to itself, a lease twice: an
    InputError naming the row."""
    raw = _open(path, sheet, "leases")
    file = raw.path.name
    columns = list(raw.frame.columns)
    mapping = map_columns(columns, LEASE_FIELDS, fields or {}, file)
    for name, zh in (
        ("lessor_code", "出租方信用代码"),
        ("lessee_code", "承租方信用代码"),
        ("parcel_code", "地块编号"),
        ("from_on", "起租日期"),
        ("to_on", "到期日期"),
    ):
        _require(mapping, name, file, columns, zh)
    out = pd.DataFrame(index=raw.frame.index)
    for name in ("lessor_code", "lessee_code"):
        column, shown = _field_column(mapping, name)
        out[name] = credit_code_column(raw, raw.frame[column], shown)
    out["parcel_code"] = _text(raw, mapping, "parcel_code")
    _blank_refused(raw, out["parcel_code"], "parcel_code", "write the leased parcel's code")
    column, shown = _field_column(mapping, "area_mu")
    area = values.parse_numbers(_series(raw, column), file, raw.row_label, shown)
    zero = (area == 0).to_numpy()
    if zero.any():
        i = int(np.flatnonzero(zero)[0])
        raise InputError(
            f"{file} {raw.row_label(i)}, {shown}: 0 mu; write the leased area, or leave it "
            "empty for the whole parcel"
        )
    out["area_mu"] = area
    bounds = (pd.Timestamp("1980-01-01").date(), pd.Timestamp("2100-12-31").date())
    for name in ("from_on", "to_on"):
        column, shown = _field_column(mapping, name)
        out[name] = values.parse_dates(raw.frame[column], file, raw.row_label, shown, bounds)
        _blank_refused(raw, out[name], name, "write the date as YYYY-MM-DD")
    late = (out["from_on"] > out["to_on"]).to_numpy()
    if late.any():
        i = int(np.flatnonzero(late)[0])
        raise InputError(
            f"{file} {raw.row_label(i)}, from_on: {out['from_on'].iloc[i]:%Y-%m-%d} is after "
            f"to_on {out['to_on'].iloc[i]:%Y-%m-%d}; swap or correct the dates"
        )
    self_lease = (out["lessor_code"] == out["lessee_code"]).to_numpy()
    if self_lease.any():
        i = int(np.flatnonzero(self_lease)[0])
        raise InputError(
            f"{file} {raw.row_label(i)}, lessee_code: the same enterprise as the lessor; "
            "a lease is between two enterprises"
        )
    key = out["parcel_code"] + "|" + out["lessee_code"] + "|" + out["from_on"].astype(str)
    _first_duplicate(raw, key, "parcel_code", "one row per lease (parcel, lessee and start date)")
    out["row"] = [raw.row_label(i) for i in range(len(out))]
    return Table(out, file, list(raw.warnings), [c for c in columns if c not in mapping])


def _blank_refused(raw: RawTable, series: pd.Series, name: str, fix: str) -> None:
    blank = series.isna().to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise InputError(f"{raw.path.name} {raw.row_label(i)}, {name}: empty; {fix}")


@dataclass
class FigureFile(Table):
    """An office's figures of one year: ``credit_code``, ``name_given``, the figures it
    holds in canonical units, ``row``; ``units``: figure -> the unit as read."""

    units: dict[str, str] = field(default_factory=dict)


_KEYS = (
    Field("credit_code", "text", "统一社会信用代码", "credit code", CODE_ALIASES),
    Field("name_given", "text", "企业名称", "name", NAME_ALIASES),
    Field("year", "number", "年度", "year", ("年度", "年份", "统计年度", "所属年度", "year")),
)


def _figure_columns(
    columns: list[str], explicit: dict[str, str], file: str
) -> tuple[dict[str, str], dict[str, units.Header]]:
    """{source column: canonical name} of a figure file and each figure column's header
    (name and unit). ``explicit`` ({canonical: column}) wins, as ``--field`` does."""
    known = {f.name: f for f in FIGURES}
    mapping = map_columns(
        columns, _KEYS, {k: v for k, v in explicit.items() if k not in known}, file
    )
    headers: dict[str, units.Header] = {}
    present = {_norm(c): c for c in columns}
    for canonical, source in explicit.items():
        if canonical not in known:
            continue
        column = present.get(_norm(source))
        if column is None:
            raise InputError(
                f"{file}: no column {source!r} for {canonical}; columns are {', '.join(columns)}"
            )
        mapping[column] = canonical
        headers[column] = units.split_header(column)
    taken = set(mapping.values())
    for column in columns:
        if column in mapping:
            continue
        header = units.split_header(column)
        name = _norm(header.name)
        figure = next(
            (f for f in FIGURES if name in {_norm(a) for a in (f.name, f.zh, *f.aliases)}), None
        )
        if figure is None:
            continue
        if figure.name in taken:
            first = next(s for s, c in mapping.items() if c == figure.name)
            raise InputError(
                f"{file}: columns {first!r} and {column!r} both hold {figure.name}; keep one "
                f"(or name the one to read with --field {figure.name}=COLUMN)"
            )
        mapping[column] = figure.name
        headers[column] = header
        taken.add(figure.name)
    return mapping, headers


def _convert(raw: RawTable, column: str, header: units.Header, figure: Figure) -> pd.Series:
    """The column's numbers in the figure's canonical unit; a unit of another dimension,
    or no unit where the values look 10⁴ off, is an InputError naming the column."""
    file = raw.path.name
    shown = figure.name if column == figure.name else f"{figure.name} ({column})"
    factor = units.factor(figure.dimension, header.unit)
    if factor is None:
        raise InputError(f"{file}, {column}: {units.wrong_unit(figure.dimension, header)}")
    numbers = values.parse_numbers(raw.frame[column], file, raw.row_label, shown)
    if header.unit is None:
        looks = units.guess_unit(figure.dimension, figure.typical, numbers.dropna().tolist())
        if looks is not None:
            canonical = units.CANONICAL[figure.dimension]
            raise InputError(
                f"{file}, {column} (no unit): values look like {looks}, not {canonical}; "
                f"write the unit in the header, e.g. {header.name}（{looks}）"
            )
    return numbers * factor


@guarded
def read_figures(
    path: Path, year: int, sheet: str | None = None, fields: dict[str, str] | None = None
) -> FigureFile:
    """Reads one office's figures for ``year``: credit codes checked, a code twice
    refused, negative numbers refused, units of the headers converted (税收（元） to
    ``tax_wan``), a column without unit whose values look 10⁴ off refused, a year column
    naming another year refused."""
    raw = _open(path, sheet, "figures")
    file = raw.path.name
    columns = list(raw.frame.columns)
    mapping, headers = _figure_columns(columns, fields or {}, file)
    _require(mapping, "credit_code", file, columns, "统一社会信用代码")
    figures = [FIGURE_BY_NAME[c] for c in mapping.values() if c in FIGURE_BY_NAME]
    if not figures:
        names = ", ".join(f"{f.zh}（{units.CANONICAL[f.dimension]}）" for f in FIGURES)
        raise InputError(
            f"{file}: no column of figures; columns are {', '.join(map(str, columns))}; "
            f"name them as {names}"
        )
    out = pd.DataFrame(index=raw.frame.index)
    column, shown = _field_column(mapping, "credit_code")
    out["credit_code"] = credit_code_column(raw, raw.frame[column], shown)
    _first_duplicate(raw, out["credit_code"], shown, "one row per enterprise and year")
    out["name_given"] = _text(raw, mapping, "name_given")
    column, shown = _field_column(mapping, "year")
    if column is not None:
        said = values.parse_numbers(raw.frame[column], file, raw.row_label, shown)
        other = (said.notna() & (said != year)).to_numpy()
        if other.any():
            i = int(np.flatnonzero(other)[0])
            raise InputError(
                f'{file} {raw.row_label(i)}, {shown}: "{raw.frame[column].iloc[i]}" but the '
                f"import is for --year {year}; one file per year"
            )
    read_units = {}
    for column, canonical in mapping.items():
        figure = FIGURE_BY_NAME.get(canonical)
        if figure is None:
            continue
        out[canonical] = _convert(raw, column, headers[column], figure)
        read_units[canonical] = headers[column].unit_text or units.CANONICAL[figure.dimension]
    big = (out["employees"] > 10_000_000).to_numpy() if "employees" in out else None
    if big is not None and big.any():
        i = int(np.flatnonzero(big)[0])
        raise InputError(f"{file} {raw.row_label(i)}, employees: more than ten million")
    out["row"] = [raw.row_label(i) for i in range(len(out))]
    return FigureFile(
        out,
        file,
        list(raw.warnings),
        [c for c in columns if c not in mapping],
        read_units,
    )
