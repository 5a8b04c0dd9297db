"""``landbank import performance FILE``: per-mu evaluation figures, one row per parcel
and year, replacing earlier figures of the same parcel and year; one transaction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from landbank.db import parcels as parcel_rows
from landbank.db.performance import replace_performance
from landbank.db.store import Store
from landbank.domain.fields import PERFORMANCE_FIELDS
from landbank.errors import InputError
from landbank.io import values
from landbank.io.columns import (
    apply_defaults,
    map_columns,
    parse_default_options,
    parse_field_options,
)
from landbank.io.read import read_table


def import_performance(
    store: Store,
    path: Path,
    sheet: str | None = None,
    fields: list[str] | None = None,
    dry_run: bool = False,
    defaults: list[str] | None = None,
) -> dict:
    """Reads a .csv / .xlsx of figures; returns ``{"file", "rows", "new", "replaced",
    "years"}``. Unknown parcel codes, bad years or numbers: InputError, nothing written."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise InputError(f"{path.name}: performance figures come as .csv or .xlsx")
    raw = read_table(path, sheet)
    name = path.name
    mapping = map_columns(
        list(raw.frame.columns), PERFORMANCE_FIELDS, parse_field_options(fields or []), name
    )
    raw.frame = apply_defaults(
        raw.frame, mapping, parse_default_options(defaults or []), PERFORMANCE_FIELDS
    )
    missing = [f for f in ("code", "year") if f not in mapping.values()]
    if missing:
        raise InputError(
            f"{name}: no {' or '.join(missing)} column (地块编号, 年度); columns "
            f"are {', '.join(c for c in raw.frame.columns if c != 'geometry')}"
        )
    frame = pd.DataFrame(index=raw.frame.index)
    for f in PERFORMANCE_FIELDS:
        column = next((s for s, c in mapping.items() if c == f.name), None)
        series = raw.frame[column] if column else pd.Series(np.nan, index=raw.frame.index)
        shown = f.name if column in (None, f.name) else f"{f.name} ({column})"
        if f.name == "code":
            frame["code"] = values.parse_text(series)
        else:
            frame[f.name] = values.parse_numbers(series, name, raw.row_label, shown)
    blank = frame["code"].isna().to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise InputError(f"{name} {raw.row_label(i)}, code: empty; every row names its parcel")
    big = (frame["employees"] > 10_000_000).to_numpy()
    if big.any():
        i = int(np.flatnonzero(big)[0])
        raise InputError(
            f"{name} {raw.row_label(i)}, employees: more than ten million; check the value"
        )
    year = frame["year"]
    bad = (year.isna() | (year % 1 != 0) | (year < 1990) | (year > 2100)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        year_column = next(s for s, c in mapping.items() if c == "year")
        shown_year = raw.frame.iloc[i][year_column]
        shown_year = "" if pd.isna(shown_year) else shown_year
        raise InputError(
            f'{name} {raw.row_label(i)}, year: "{shown_year}" is not a year; write e.g. 2025'
        )
    frame["year"] = year.astype(int)
    frame["employees"] = frame["employees"].round().astype("Int64")
    dup = frame.duplicated(["code", "year"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"{name} {raw.row_label(i)}: parcel {frame['code'].iloc[i]} has "
            f"{frame['year'].iloc[i]} twice; one row per parcel and year"
        )
    with store.write() as uow:
        known = parcel_rows.existing_codes(uow)
        unknown = sorted(set(frame["code"]) - known)
        if unknown:
            raise InputError(
                f"{name}, code: {len(unknown)} parcels are not in the database "
                f"({', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}); import "
                "the parcels first or correct the codes"
            )
        if dry_run:
            new, replaced = len(frame), 0
        else:
            new, replaced = replace_performance(uow, frame)
    return {
        "file": name,
        "rows": len(frame),
        "new": new,
        "replaced": replaced,
        "years": sorted(set(frame["year"].tolist())),
        "dry_run": dry_run,
    }
