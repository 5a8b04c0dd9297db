"""Enterprises of the per-mu evaluation: ``landbank import enterprises FILE`` (the
register, upserted by credit code, then the parcels' holders matched to it by name),
``landbank import leases FILE`` and ``landbank enterprises show CODE``. Each action is
one unit of work; on any fault nothing is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from landbank.db import enterprises as rows
from landbank.db.store import Store, Unit
from landbank.domain import credit_codes
from landbank.domain.enterprises import (
    FIGURE_NAMES,
    REGISTER_FIELDS,
    cohort_label,
    land_by_rule,
    lease_conflict,
    year_days,
)
from landbank.domain.rights import check_district, may_write
from landbank.errors import InputError, NotFoundError
from landbank.io.columns import parse_field_options
from landbank.io.enterprises import read_leases, read_register

REGISTER = [f.name for f in REGISTER_FIELDS]
LISTED = 100  # holders, codes listed in a summary at most
AREA_TOLERANCE_MU = 0.01  # areas are written to two decimals


def field_options(fields: list[str] | None) -> dict[str, str]:
    """``--field CANONICAL=SOURCE`` strings as {canonical: source}."""
    return parse_field_options(fields or [])


# --- the register ---------------------------------------------------------------------


def import_enterprises(
    store: Store,
    path: Path,
    *,
    sheet: str | None = None,
    fields: dict[str, str] | None = None,
    by: str = "landbank",
    districts: tuple[str, ...] | None = None,
    dry_run: bool = False,
) -> dict:
    """Reads the register and, in one write unit, inserts new enterprises, updates
    changed ones (by credit code; enterprises not in the file stay), then matches the
    current parcels' ``holder`` names to the register (``match_holders``).

    Returns ``{"file", "rows", "inserted", "updated", "unchanged", "holders",
    "dry_run", "warnings", "ignored_columns"}``. With ``districts`` (a clerk's), an
    enterprise outside them (as it is or as the file puts it) is refused and only
    parcels inside them are linked."""
    read = read_register(Path(path), sheet, fields)
    frame = read.frame
    with store.write(by=by) as uow:
        stored = rows.load_register(uow, frame["credit_code"].tolist()).set_index("credit_code")
        for code, district in zip(frame["credit_code"], frame["district"], strict=True):
            check_district(districts, district, "enterprise", code)
            if code in stored.index:
                check_district(districts, stored.at[code, "district"], "enterprise", code)
        known = frame["credit_code"].isin(stored.index).to_numpy()
        new = frame[~known]
        changed = _changed(frame[known], stored)
        summary = {
            "file": read.file,
            "rows": len(frame),
            "inserted": len(new),
            "updated": len(changed),
            "unchanged": int(known.sum()) - len(changed),
            "dry_run": dry_run,
            "warnings": read.warnings,
            "ignored_columns": read.ignored_columns,
        }
        if not dry_run:
            rows.upsert_register(uow, new, changed, read.file, by, uow.now)
        summary["holders"] = match_holders(
            uow, districts, f"holder matched by name to the enterprise register ({read.file})",
            extra=frame if dry_run else None, dry_run=dry_run,
        )  # fmt: skip
    return summary


def _changed(incoming: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``incoming`` whose register fields differ from ``stored``'s."""
    if incoming.empty:
        return incoming
    before = stored.reindex(incoming["credit_code"])[REGISTER[1:]].astype(object)
    after = incoming.set_index("credit_code")[REGISTER[1:]].astype(object)
    blank = "\0"  # pandas takes None != None as True: compare blanks as one value
    differs = (before.fillna(blank) != after.fillna(blank)).any(axis=1).to_numpy()
    return incoming[differs]


def match_holders(
    uow: Unit,
    districts: tuple[str, ...] | None,
    reason: str,
    extra: pd.DataFrame | None = None,
    dry_run: bool = False,
) -> dict:
    """Links each current parcel without ``holder_credit_code`` whose ``holder`` is,
    once width and spaces are folded, exactly the name of one registered enterprise
    (and of ``extra`` rows, on a dry run) to that enterprise, with a history row each.
    A linked parcel whose holder now names another registered enterprise is linked to
    that one (the holder changed); one whose holder names none is left linked and
    listed (the enterprise may have been renamed). Nothing is dropped: holders that
    match no name, and names two enterprises share, are listed. Parcels outside
    ``districts`` (a clerk's) are left as they are.

    Returns ``{"parcels_with_holder", "linked_now", "relinked", "already_linked",
    "unmatched_count", "unmatched", "ambiguous", "linked_name_differs",
    "outside_districts", "without_holder"}``; ``unmatched`` lists each holder name with
    its parcels."""
    names = pd.Series(rows.register_names(uow), dtype=object)
    if extra is not None:
        names = pd.concat([names, extra.set_index("credit_code")["name"]])
        names = names[~names.index.duplicated(keep="last")]
    keys = credit_codes.normalise_names(names)
    shared = keys[keys.duplicated(keep=False)]
    by_key = keys[~keys.isin(shared)]
    code_of = pd.Series(by_key.index, index=by_key.to_numpy())
    parcels = rows.parcel_holders(uow)
    has_holder = parcels["holder"].notna().to_numpy()
    linked = parcels["holder_credit_code"].notna().to_numpy()
    key = credit_codes.normalise_names(parcels["holder"])
    match = key.map(code_of)
    found = match.notna().to_numpy()
    stale = (has_holder & linked & (key != parcels["holder_credit_code"].map(keys))).to_numpy()
    moved = stale & found & (match != parcels["holder_credit_code"]).to_numpy()
    open_ = has_holder & ~linked
    allowed = np.array([may_write(districts, d) for d in parcels["district"]], dtype=bool)
    to_link = (open_ | moved) & found & allowed
    links = parcels[to_link].assign(
        holder_credit_code=match[to_link], old=parcels["holder_credit_code"][to_link]
    )
    if not dry_run:
        rows.link_holders(uow, links, uow.now, reason, uow.by)
    missing = parcels[open_ & ~found]
    grouped = missing.groupby("holder", sort=True)["code"].apply(list)
    ambiguous = shared.groupby(shared).apply(lambda s: sorted(s.index)).to_dict()
    differs = parcels[stale & ~moved]
    return {
        "parcels_with_holder": int(has_holder.sum()),
        "linked_now": int((to_link & open_).sum()),
        "relinked": int((to_link & moved).sum()),
        "already_linked": int((has_holder & linked & ~(to_link & moved)).sum()),
        "unmatched_count": len(missing),
        "unmatched": [
            {"holder": h, "parcels": codes} for h, codes in list(grouped.items())[:LISTED]
        ],
        "ambiguous": [
            {"name": names[codes[0]], "credit_codes": codes} for codes in ambiguous.values()
        ],
        "linked_name_differs": [
            {"parcel": c, "holder": h, "credit_code": k, "name_registered": names.get(k)}
            for c, h, k in zip(
                differs["code"][:LISTED],
                differs["holder"][:LISTED],
                differs["holder_credit_code"][:LISTED],
                strict=True,
            )
        ],
        "outside_districts": int(((open_ | moved) & found & ~allowed).sum()),
        "without_holder": int((~has_holder).sum()),
    }


def link_holders(
    store: Store, *, by: str = "landbank", districts: tuple[str, ...] | None = None
) -> dict:
    """``match_holders`` on its own, in one write unit: after parcels with new holders
    were imported. Returns its report."""
    with store.write(by=by) as uow:
        return match_holders(uow, districts, "holder matched by name to the enterprise register")


# --- leases ---------------------------------------------------------------------------


def import_leases(
    store: Store,
    path: Path,
    *,
    sheet: str | None = None,
    fields: dict[str, str] | None = None,
    by: str = "landbank",
    districts: tuple[str, ...] | None = None,
    dry_run: bool = False,
) -> dict:
    """Reads leases and, in one write unit, stores them: a lease already known (same
    parcel, lessee and start) with other terms replaces the stored one (kept, marked
    replaced); an identical one is left as it is.

    Refused (InputError naming the row and field, nothing written): an unknown parcel,
    a leased area larger than the parcel, leases of one parcel running at once whose
    areas add up to more than the parcel. Lessors or lessees not in the register are
    kept and listed. Returns ``{"file", "rows", "inserted", "replaced", "unchanged",
    "not_registered", "warnings", "dry_run"}``."""
    read = read_leases(Path(path), sheet, fields)
    frame, file = read.frame, read.file
    with store.write(by=by) as uow:
        parcels = rows.parcels_for_leases(uow, sorted(set(frame["parcel_code"])))
        parcels = parcels.set_index("code")
        _check_parcels(frame, parcels, file, districts)
        stored = rows.leases_in_force(uow, parcels=sorted(set(frame["parcel_code"])))
        same, replaced = _against_stored(frame, stored)
        fresh = frame[~same]
        kept = stored[~stored["id"].isin(replaced)]
        _check_overlaps(fresh, kept, parcels, file)
        register = rows.register_names(uow)
        codes = pd.concat([frame["lessor_code"], frame["lessee_code"]])
        outside = sorted(set(codes) - set(register))
        warnings = list(read.warnings) + _lessor_warnings(fresh, parcels)
        if not dry_run:
            rows.replace_leases(uow, replaced, uow.now)
            rows.insert_leases(uow, fresh, file, by, uow.now)
    return {
        "file": file,
        "rows": len(frame),
        "inserted": len(fresh) - len(replaced),
        "replaced": len(replaced),
        "unchanged": int(same.sum()),
        "not_registered": outside[:LISTED],
        "not_registered_count": len(outside),
        "warnings": warnings,
        "dry_run": dry_run,
    }


def _parcel_area(parcels: pd.DataFrame, code: str) -> float:
    """The most a lease of parcel ``code`` may take: its area, or its recorded
    (contract) area where that is larger."""
    area, recorded = parcels.at[code, "area_mu"], parcels.at[code, "recorded_area_mu"]
    return float(max(area, recorded)) if pd.notna(recorded) else float(area)


def _check_parcels(frame, parcels, file: str, districts) -> None:
    """Unknown parcels, leased areas beyond the parcel, parcels outside ``districts``."""
    for code, area, row in zip(frame["parcel_code"], frame["area_mu"], frame["row"], strict=True):
        if code not in parcels.index:
            raise InputError(
                f"{file} {row}, parcel_code: {code} is not a parcel of the database; "
                "import the parcel first or correct the code"
            )
        check_district(districts, parcels.at[code, "district"], "parcel", code)
        limit = _parcel_area(parcels, code)
        if pd.notna(area) and area > limit + AREA_TOLERANCE_MU:
            raise InputError(
                f"{file} {row}, area_mu: {area:g} mu is more than parcel {code} has "
                f"({limit:.2f} mu); lower it, or leave it empty to lease the whole parcel"
            )


def _against_stored(frame: pd.DataFrame, stored: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    """Which file rows repeat a stored lease exactly (``same``), and the ids of stored
    leases a file row changes (same parcel, lessee and start, other terms)."""
    same = np.zeros(len(frame), dtype=bool)
    replaced: list[int] = []
    if stored.empty:
        return same, replaced
    index = {
        (p, e, f): i
        for i, (p, e, f) in enumerate(
            zip(stored["parcel_code"], stored["lessee_code"], stored["from_on"], strict=True)
        )
    }
    for n, r in enumerate(frame.itertuples(index=False)):
        i = index.get((r.parcel_code, r.lessee_code, r.from_on))
        if i is None:
            continue
        old = stored.iloc[i]
        area_same = (pd.isna(old["area_mu"]) and pd.isna(r.area_mu)) or old["area_mu"] == r.area_mu
        if area_same and old["to_on"] == r.to_on and old["lessor_code"] == r.lessor_code:
            same[n] = True
        else:
            replaced.append(int(old["id"]))
    return same, replaced


def _check_overlaps(fresh, kept, parcels, file: str) -> None:
    """Leases of one parcel running at once must fit in it (the new with the stored)."""
    if fresh.empty:
        return
    new = fresh.assign(origin=fresh["row"].to_numpy(), is_new=True)
    old = kept.assign(
        origin=[f"stored lease #{i} ({f} {r})" for i, f, r in
                zip(kept["id"], kept["source_file"], kept["source_row"], strict=True)],
        is_new=False,
    )  # fmt: skip
    cols = ["parcel_code", "area_mu", "from_on", "to_on", "origin", "is_new"]
    both = pd.concat([new[cols], old[cols]], ignore_index=True)
    for code, group in both[both["parcel_code"].isin(set(fresh["parcel_code"]))].groupby(
        "parcel_code"
    ):
        limit = _parcel_area(parcels, code)
        found = lease_conflict(group, limit)
        if found is None:
            continue
        at, running = found
        involved = [at, *running]
        blamed = next((i for i in involved if both.at[i, "is_new"]), at)
        others = [i for i in involved if i != blamed]
        total = sum(_area(both, i, limit) for i in involved)
        raise InputError(
            f"{file} {both.at[blamed, 'origin']}, from_on: the lease of parcel {code} "
            f"{_span(both, blamed, limit)} overlaps "
            + "; ".join(f"{both.at[i, 'origin']} {_span(both, i, limit)}" for i in others)
            + f": together {total:.2f} mu at once, the parcel has {limit:.2f} mu; end one "
            "lease before the other starts, or lower area_mu"
        )


def _area(both: pd.DataFrame, i: int, whole: float) -> float:
    value = both.at[i, "area_mu"]
    return whole if pd.isna(value) else float(value)


def _span(both: pd.DataFrame, i: int, whole: float) -> str:
    area = both.at[i, "area_mu"]
    size = "whole parcel" if pd.isna(area) else f"{float(area):.2f} mu"
    return f"{both.at[i, 'from_on']:%Y-%m-%d}–{both.at[i, 'to_on']:%Y-%m-%d} ({size})"


def _lessor_warnings(fresh: pd.DataFrame, parcels: pd.DataFrame) -> list[str]:
    """A lessor who does not hold the parcel (a sublease, or a holder not yet linked)."""
    out = []
    for code, lessor, row in zip(
        fresh["parcel_code"], fresh["lessor_code"], fresh["row"], strict=True
    ):
        holder = parcels.at[code, "holder_credit_code"]
        if holder is not None and pd.notna(holder) and holder != lessor:
            out.append(
                f"{row}: lessor {lessor} does not hold parcel {code} (held by {holder}); "
                "kept as a sublease"
            )
    return out[:LISTED]


# --- one enterprise -------------------------------------------------------------------


def checked_code(code: str) -> str:
    """``code`` normalised; an invalid one is an InputError saying what is wrong."""
    normal = credit_codes.normalise(code)
    found = credit_codes.problem(normal) if normal else "is empty"
    if found:
        raise InputError(f'credit code "{code}" {found}; check the code (GB 32100-2015)')
    return normal


def show_enterprise(store: Store, code: str) -> dict:
    """One enterprise: its register row, the parcels it holds, its current leases in
    and out, the land it uses by the rule in each year it has figures, and its figures
    by year and source with their vintage (current and replaced ones: nothing is
    hidden). An unregistered code with figures or leases is shown (``registered``
    false); a code known nowhere is a NotFoundError."""
    code = checked_code(code)
    with store.read() as uow:
        found = rows.load_enterprise(uow, code)
        held = rows.held_parcels(uow, code)
        leases = rows.leases_in_force(uow, enterprise=code)
        figures = rows.figure_rows(uow, code=code, every_vintage=True)
        leased = rows.parcels_for_leases(uow, sorted(set(leases["parcel_code"])))
    if found is None and held.empty and leases.empty and figures.empty:
        raise NotFoundError(
            f"enterprise {code} is not in the register and has no parcels, leases or "
            "figures; import it with landbank import enterprises FILE"
        )
    out = {"credit_code": code, "registered": found is not None}
    register = found or {}
    for key in ("name", "cohort", "industry", "district", "park", "source_file", "updated_by"):
        out[key] = register.get(key)
    out["cohort_zh"] = cohort_label(out["cohort"], "zh") or None
    for key in ("created_at", "updated_at"):
        out[key] = _iso(register.get(key))
    out["parcels"] = [
        {k: _plain(v) for k, v in r.items() if k != "holder_credit_code"}
        for r in held.to_dict("records")
    ]
    out["held_mu"] = round(float(held["area_mu"].sum()), 4) if len(held) else 0.0
    shown = [_lease_dict(r) for r in leases.to_dict("records")]
    out["leases"] = {
        "rented_in": [r for r in shown if r["lessee_code"] == code],
        "rented_out": [r for r in shown if r["lessor_code"] == code],
    }
    years = sorted({int(y) for y in figures["year"]}, reverse=True) if len(figures) else []
    out["land_by_year"] = _land_by_year(code, held, leases, leased, years)
    out["figures"] = [_figure_dict(r) for r in figures.to_dict("records")]
    out["figures"].sort(key=lambda r: (-r["year"], r["source"], r["at"]))
    return out


def _land_by_year(code, held, leases, leased, years) -> list[dict]:
    """Land by the rule of ``code`` for each of ``years`` (the holdings as they stand)."""
    parcels = pd.concat(
        [held[["code", "holder_credit_code", "area_mu"]],
         leased.assign(holder_credit_code=None)[["code", "holder_credit_code", "area_mu"]]],
        ignore_index=True,
    ).drop_duplicates("code")  # fmt: skip
    out = []
    for year in years:
        first, last = year_days(year)
        running = leases[
            (leases["from_on"] <= pd.Timestamp(last)) & (leases["to_on"] >= pd.Timestamp(first))
        ]
        land = land_by_rule(parcels, running, year)
        mine = land[land["credit_code"] == code]
        values = mine.iloc[0].to_dict() if len(mine) else {}
        out.append(
            {"year": year}
            | {
                k: round(float(values.get(k, 0.0)), 4)
                for k in ("held_mu", "rented_in_mu", "rented_out_mu", "land_mu")
            }
        )
    return out


def _lease_dict(r: dict) -> dict:
    return {
        "id": int(r["id"]),
        "lessor_code": r["lessor_code"],
        "lessee_code": r["lessee_code"],
        "parcel_code": r["parcel_code"],
        "area_mu": _plain(r["area_mu"]),
        "from_on": f"{r['from_on']:%Y-%m-%d}",
        "to_on": f"{r['to_on']:%Y-%m-%d}",
        "file": r["source_file"],
        "row": r["source_row"],
    }


def _figure_dict(r: dict) -> dict:
    return {
        "year": int(r["year"]),
        "source": r["source"],
        "vintage_id": int(r["vintage_id"]),
        "file": r["file_name"],
        "at": _iso(r["at"]),
        "current": r["replaced_at"] is None or pd.isna(r["replaced_at"]),
        "replaced_at": _iso(r["replaced_at"]),
        "row": r["source_row"],
        "name_given": r["name_given"],
        "unmatched": bool(r["unmatched"]),
        "name_differs": bool(r["name_differs"]),
        "figures": {n: float(r[n]) for n in FIGURE_NAMES if pd.notna(r[n])},
    }


def _plain(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    return pd.Timestamp(value).isoformat()


def vintage_list(store: Store) -> list[dict]:
    """Every vintage of figures, current and replaced, newest year first."""
    with store.read() as uow:
        found = rows.vintages(uow)
    return [
        {
            "id": v["id"],
            "source": v["source"],
            "year": v["year"],
            "file": v["file_name"],
            "sha256": v["sha256"],
            "rows": v["rows"],
            "by": v["by"],
            "at": _iso(v["at"]),
            "current": v["replaced_at"] is None,
            "replaced_at": _iso(v["replaced_at"]),
        }
        for v in found
    ]
