"""``landbank import buildings FILE`` and ``landbank import vacancies FILE``: idle
buildings and their vacant floors into the database, each import one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from landbank.config import load_profile
from landbank.db import buildings as rows
from landbank.db.store import Store, codes_taken_meanwhile
from landbank.errors import ConflictError, InputError
from landbank.io.buildings import read_buildings, read_vacancies
from landbank.io.columns import parse_field_options, read_mapping_file


def field_options(fields: list[str] | None, mapping: Path | None) -> dict[str, str]:
    """``--field CANONICAL=SOURCE`` strings over a mapping TOML file, as {canonical: source}."""
    columns = read_mapping_file(mapping) if mapping else {}
    columns.update(parse_field_options(fields or []))
    return columns


def import_buildings(
    store: Store,
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    fields: dict[str, str] | None = None,
    repair: bool = False,
    profile: str | None = None,
    defaults: dict[str, str] | None = None,
    upsert: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> dict:
    """Reads, checks and writes a building file; returns ``{"file", "source_crs", "rows",
    "imported", "updated", "unchanged", "dry_run", "warnings", "ignored_columns"}``.

    New codes are inserted; codes already stored are refused (ConflictError) unless
    ``upsert``, which writes the fields the file holds and the location (fields the file
    lacks stay as they are; vacancies are kept). Nothing is written on ``dry_run`` or
    on any error. Stored rows are updated at ``now`` (by default the moment of the
    write)."""
    prof = load_profile(profile)
    read = read_buildings(
        Path(path),
        layer=layer,
        crs=crs,
        fields=fields,
        repair=repair,
        gk_zone=prof.gk_zone_3deg,
        jurisdiction_bbox=prof.jurisdiction_bbox,
        defaults=defaults,
    )
    frame, file = read.frame, Path(path).name
    summary = {
        "file": file,
        "source_crs": read.source_crs,
        "rows": len(frame),
        "imported": 0,
        "updated": 0,
        "unchanged": 0,
        "dry_run": dry_run,
        "warnings": read.warnings,
        "ignored_columns": read.ignored_columns,
    }
    taken = (
        f"{file}: another import stored some of these codes meanwhile; nothing was "
        "written: run it again (with --upsert to update them)"
    )
    with codes_taken_meanwhile(taken), store.write(now=now) as uow:
        known = frame["code"].isin(rows.existing_building_codes(uow)).to_numpy()
        if known.any() and not upsert:
            codes = frame.loc[known, "code"].tolist()
            raise ConflictError(
                f"{file}, code: {len(codes)} buildings are already in the database "
                f"({_some(codes)}); pass --upsert to update them"
            )
        fields = [f for f in read.fields if f != "code"]
        old = frame[known]
        before = rows.load_buildings(uow, codes=old["code"].tolist())
        changed = old[_changed(old, before, fields)]
        summary["imported"], summary["updated"] = int((~known).sum()), len(changed)
        summary["unchanged"] = len(old) - len(changed)
        if not dry_run:
            rows.insert_buildings(uow, frame[~known])
            rows.update_buildings(uow, changed, fields, uow.now)
    return summary


def _changed(new: pd.DataFrame, before: pd.DataFrame, fields: list[str]) -> np.ndarray:
    """True for each row of ``new`` whose ``fields`` or geometry differ from the stored."""
    if new.empty:
        return np.zeros(0, dtype=bool)
    old = before.set_index("code").loc[new["code"]]
    differs = np.zeros(len(new), dtype=bool)
    for f in fields:
        a, b = new[f].astype(object).to_numpy(), old[f].astype(object).to_numpy()
        differs |= np.array([not _same(x, y) for x, y in zip(a, b, strict=True)], dtype=bool)
    moved = ~shapely.equals_exact(new["geometry"].to_numpy(), old["geometry"].to_numpy(), 1e-9)
    return differs | moved


def _same(a, b) -> bool:
    a_na, b_na = a is None or bool(pd.isna(a)), b is None or bool(pd.isna(b))
    if a_na or b_na:
        return a_na and b_na
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return abs(float(a) - float(b)) <= 1e-9
    return str(a) == str(b)


def _some(codes: list[str]) -> str:
    return ", ".join(codes[:5]) + (" …" if len(codes) > 5 else "")


def import_vacancies(
    store: Store,
    path: Path,
    *,
    layer: str | None = None,
    fields: dict[str, str] | None = None,
    dry_run: bool = False,
    defaults: dict[str, str] | None = None,
) -> dict:
    """Reads a vacancy table and replaces the vacancies of every building it names (the
    other buildings keep theirs); a row with vacant area 0 only clears its building.
    Returns ``{"file", "rows", "buildings", "replaced", "inserted", "dry_run",
    "warnings"}``. An unknown building code, or a floor above the building's floors:
    InputError naming the row, nothing written."""
    frame, raw = read_vacancies(Path(path), layer, fields, defaults)
    file = Path(path).name
    with store.write() as uow:
        stored = rows.load_buildings(
            uow, codes=sorted(set(frame["building_code"])), with_geometry=False
        )
        _check_against(frame, stored, file, raw.row_label)
        warnings = _over_total(frame, stored)
        if dry_run:
            replaced = len(rows.load_vacancies(uow, codes=stored["code"].tolist()))
            inserted = int((frame["vacant_area_m2"] > 0).sum())
        else:
            replaced, inserted = rows.replace_vacancies(uow, frame)
    return {
        "file": file,
        "rows": len(frame),
        "buildings": int(frame["building_code"].nunique()),
        "replaced": replaced,
        "inserted": inserted,
        "dry_run": dry_run,
        "warnings": warnings,
    }


def _check_against(frame: pd.DataFrame, stored: pd.DataFrame, file: str, label) -> None:
    """InputError for the first row naming a building not stored, or a floor above the
    building's number of floors."""
    unknown = ~frame["building_code"].isin(set(stored["code"])).to_numpy()
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        more = f" (and {int(unknown.sum()) - 1} more rows)" if unknown.sum() > 1 else ""
        raise InputError(
            f'{file} {label(i)}, building_code: "{frame["building_code"].iloc[i]}" is not in '
            f"the database{more}; correct the code, or import the building first with "
            "landbank import buildings FILE"
        )
    floors = frame["building_code"].map(stored.set_index("code")["floors"]).astype("Float64")
    high = (frame["floor"].astype("Float64") > floors).fillna(False).to_numpy(dtype=bool)
    if high.any():
        i = int(np.flatnonzero(high)[0])
        raise InputError(
            f'{file} {label(i)}, floor: "{frame["floor"].iloc[i]}" is above the '
            f"{int(floors.iloc[i])} floors of building {frame['building_code'].iloc[i]}; "
            "correct the floor, or the building's floors"
        )


def _over_total(frame: pd.DataFrame, stored: pd.DataFrame) -> list[str]:
    """A warning for buildings whose vacant area exceeds their total floor area."""
    vacant = frame.groupby("building_code")["vacant_area_m2"].sum()
    total = stored.set_index("code")["total_floor_area_m2"].astype(float)
    over = sorted(c for c, v in vacant.items() if pd.notna(total.get(c)) and v > total[c] + 1e-6)
    if not over:
        return []
    return [
        f"{len(over)} buildings have more vacant area than floor area ({_some(over)}); "
        "check the figures"
    ]
