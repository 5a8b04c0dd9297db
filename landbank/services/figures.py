"""``landbank import figures FILE --source S --year Y``: one office's figures of one
year (tax, power, statistics, ecology, energy), kept as a vintage. Importing a source
and year again makes a new vintage and marks the old one replaced (kept, never
deleted), so what an evaluation read can be read again. One unit of work; on any
fault nothing is written."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np

from landbank.db import enterprises as rows
from landbank.db.store import Store, codes_taken_meanwhile
from landbank.domain import credit_codes
from landbank.domain.enterprises import FIGURE_NAMES, FIGURES, SOURCES
from landbank.domain.rights import check_citywide
from landbank.errors import InputError
from landbank.io.enterprises import read_figures
from landbank.services.collector import collector_paused

LISTED = 50  # unmatched codes and differing names listed in a summary at most


def check_source_year(source: str, year: int, today: dt.date) -> None:
    """An unknown source, or a year before 1990 or after ``today``'s, is an InputError
    naming the option."""
    if source not in SOURCES:
        raise InputError(f"--source {source}: not a source; use one of {', '.join(SOURCES)}")
    if year > today.year:
        raise InputError(
            f"--year {year}: a year in the future (today is {today:%Y-%m-%d}); "
            "figures are of a year that has begun"
        )
    if year < 1990:
        raise InputError(f"--year {year}: before 1990; check the year")


def check_own_figures(source: str, found: list[str], file: str) -> None:
    """A file of ``source`` must hold at least one figure the source sends (its own,
    e.g. tax for the tax office): else it is another office's file, refused (InputError
    naming the source and the columns it expects) before it replaces a vintage."""
    own = [f for f in FIGURES if f.source == source]
    if any(f.name in found for f in own):
        return
    expected = "; ".join(f"{f.zh} ({f.name})" for f in own)
    other = sorted({f.source for f in FIGURES if f.name in found})
    hint = f"; it looks like a file of {', '.join(other)} (--source {other[0]})" if other else ""
    raise InputError(
        f"{file}: --source {source}: none of its own columns; a {source} file has {expected}{hint}"
    )


@collector_paused()
def import_figures(
    store: Store,
    path: Path,
    source: str,
    year: int,
    *,
    sheet: str | None = None,
    fields: dict[str, str] | None = None,
    by: str = "landbank",
    districts: tuple[str, ...] | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> dict:
    """Reads and checks a figure file, then in one write unit marks the current vintage
    of ``source`` and ``year`` replaced and stores the new one with its rows.

    Returns ``{"file", "source", "year", "vintage_id", "replaced_vintage", "rows",
    "figures", "units", "unmatched", "unmatched_count", "names_differ",
    "names_differ_count", "dry_run", "warnings", "ignored_columns"}``. Codes no
    enterprise of the register has are kept, flagged and listed; names that differ
    from the register's are flagged and listed. A vintage covers the whole city: only
    a writer of every district (``districts`` None) imports one."""
    check_source_year(source, year, today or dt.date.today())
    check_citywide(districts, f"{source} figures of {year}")
    path = Path(path)
    read = read_figures(path, year, sheet=sheet, fields=fields)
    frame = read.frame
    check_own_figures(source, [c for c in FIGURE_NAMES if c in frame], read.file)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    summary = {
        "file": read.file,
        "source": source,
        "year": year,
        "vintage_id": None,
        "replaced_vintage": None,
        "rows": len(frame),
        "figures": [c for c in FIGURE_NAMES if c in frame],
        "units": read.units,
        "dry_run": dry_run,
        "warnings": read.warnings,
        "ignored_columns": read.ignored_columns,
    }
    taken = (
        f"{read.file}: another import of {source} {year} was stored meanwhile; nothing "
        "was written: run it again"
    )
    with codes_taken_meanwhile(taken), store.write(by=by) as uow:
        register = rows.register_names(uow)
        known = frame["credit_code"].map(register)
        frame["unmatched"] = known.isna().to_numpy()
        given = credit_codes.normalise_names(frame["name_given"])
        stored = credit_codes.normalise_names(known)
        frame["name_differs"] = (given.notna() & stored.notna() & (given != stored)).to_numpy()
        summary |= _lists(frame, known)
        if dry_run:
            return summary
        old = rows.retire_current_vintage(uow, source, year, uow.now)
        vintage = rows.insert_vintage(
            uow, source, year, read.file, digest, len(frame), read.units, by, uow.now
        )
        rows.insert_figures(uow, vintage, frame)
    summary["vintage_id"] = vintage
    if old is not None:
        summary["replaced_vintage"] = {
            "id": old["id"],
            "file": old["file_name"],
            "same_content": old["sha256"] == digest,
        }
    return summary


def _lists(frame, known) -> dict:
    """The unmatched codes (with their rows) and the names that differ, listed."""
    unmatched = frame[frame["unmatched"].to_numpy()]
    differ = np.flatnonzero(frame["name_differs"].to_numpy())
    return {
        "unmatched_count": len(unmatched),
        "unmatched": [
            {"row": r, "credit_code": c, "name_given": n}
            for r, c, n in zip(
                unmatched["row"][:LISTED],
                unmatched["credit_code"][:LISTED],
                unmatched["name_given"][:LISTED],
                strict=True,
            )
        ],
        "names_differ_count": len(differ),
        "names_differ": [
            {
                "row": frame["row"].iloc[i],
                "credit_code": frame["credit_code"].iloc[i],
                "name_given": frame["name_given"].iloc[i],
                "name_registered": known.iloc[i],
            }
            for i in differ[:LISTED]
        ],
    }
