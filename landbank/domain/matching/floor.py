"""Floor-space candidates for a project: vacant floors or units passing building type,
area, load, clear height, floor, power, date and rent; several floors of one building
combined when each is too small. Scores for all candidates at once, reasons for the
shortlist. Pure: frames in, candidate dicts out."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from landbank.domain.buildings import space_code
from landbank.domain.matching.common import (
    MatchSettings,
    area_fit,
    day_of,
    placed,
    readiness,
    scores,
    shortlist,
    shown,
)
from landbank.domain.matching.requirements import FloorNeed, Requirement

MAX_FLOORS_COMBINED = 6
DETAIL_COLUMNS = [
    "building_code", "name", "district", "park", "building_type", "floor", "unit",
    "floor_load_kn_m2", "clear_height_m", "power_kva", "lon", "lat", "geometry",
]  # fmt: skip
WEIGHTS = {"area_fit": 30, "rent": 20, "readiness": 20, "distance": 15, "floors": 15}


def match_floor_space(
    buildings: pd.DataFrame,
    vacancies: pd.DataFrame,
    req: Requirement,
    today: dt.date,
    s: MatchSettings,
    reserved: dict[str, str] | None = None,
    lang: str = "zh",
    top: int = 10,
) -> list[dict]:
    """Ranked floor-space candidates: single vacant floors or units, or several of one
    building combined when each is too small.

    Reads buildings (code, name, district, park, building_type, floor_load_kn_m2,
    clear_height_m, power_kva, rent_yuan_m2_month, geometry) and vacancies
    (building_code, floor, unit, vacant_area_m2, available_from, rent_yuan_m2_month)."""
    need: FloorNeed = req.floor_space
    b = _buildings(buildings, req)
    if b.empty or vacancies.empty:
        return []
    v = _spaces(b, vacancies, req, today, reserved)
    if v.empty:
        return []
    members = _groups(v, need)
    if not members:
        return []
    area_all = v["vacant_area_m2"].to_numpy(float)
    rent_all = v["rent"].to_numpy(float)
    starts = np.cumsum([0] + [len(m) for m in members[:-1]])
    flat = np.concatenate(members)
    area = np.add.reduceat(area_all[flat], starts)
    known = ~np.isnan(rent_all[flat])
    paid = np.add.reduceat(np.where(known, rent_all[flat] * area_all[flat], 0.0), starts)
    rented = np.add.reduceat(np.where(known, area_all[flat], 0.0), starts)
    rent = np.where(rented > 0, paid / np.where(rented > 0, rented, 1), np.nan)
    ready_days = v["ready_on"].to_numpy().astype("datetime64[D]").astype("int64")
    ready = np.maximum.reduceat(ready_days[flat], starts).astype("datetime64[D]")
    dist = v["distance_km"].to_numpy(float)[flat[starts]]
    n = len(members)
    comps = {
        "area_fit": area_fit(area, need.area_m2_min, need.area_m2_max, None),
        "rent": (1 - 0.5 * rent / need.max_rent) if need.max_rent else np.full(n, np.nan),
        "readiness": readiness(ready, today, need.ready_by),
        "distance": (
            np.maximum(0.0, 1 - dist / req.place.within_km)
            if req.place.near is not None
            else np.full(n, np.nan)
        ),
        "floors": np.maximum(0.0, 1 - 0.2 * (np.array([len(m) for m in members]) - 1)),
    }
    score = scores({**WEIGHTS, **s.floor_weights}, comps)
    space_of = v["space"].to_numpy(dtype=object)
    codes = [space_of[m].tolist() for m in members]
    first = [x[0] for x in codes]
    order = np.lexsort((first, -np.round(area, 2), -score))
    chosen = shortlist(order, codes, top)
    figures = {"comps": comps, "area": area, "rent": rent, "ready": ready, "dist": dist}
    # the shortlist's rows as plain dicts: taking rows of the whole frame (every column,
    # Arrow-backed text) cost more than all the scoring
    column = {c: v[c].to_numpy(dtype=object) for c in DETAIL_COLUMNS}
    return [
        _detail(
            [{c: column[c][i] for c in DETAIL_COLUMNS} for i in members[k]],
            codes[k],
            k,
            figures,
            score[k],
            rank,
            req,
            today,
            lang,
        )  # fmt: skip
        for rank, k in enumerate(chosen, start=1)
    ]


def _buildings(buildings: pd.DataFrame, req: Requirement) -> pd.DataFrame:
    """The buildings passing place, type, load, clear height and power, with lon, lat
    and distance_km. An unknown figure does not pass a minimum: nobody can promise it."""
    need: FloorNeed = req.floor_space
    if buildings.empty:
        return buildings
    b, ok = placed(buildings, req.place)
    if need.building_type:
        ok &= (b["building_type"] == need.building_type).to_numpy()
    for key, column in (
        ("min_floor_load_kn_m2", "floor_load_kn_m2"),
        ("min_clear_height_m", "clear_height_m"),
        ("min_power_kva", "power_kva"),
    ):
        least = getattr(need, key)
        if least is not None:
            ok &= (b[column].astype(float) >= least).fillna(False).to_numpy()
    return b[ok]


def _spaces(b, vacancies, req: Requirement, today, reserved) -> pd.DataFrame:
    """The vacant spaces of those buildings passing floor, date, rent, the maximum area
    and reservations, with their building's DETAIL_COLUMNS, ``vacant_area_m2``,
    ``rent`` (the space's, else the building's), ``ready_on``, ``distance_km`` and
    ``space`` (the code), sorted by building, floor and unit."""
    need: FloorNeed = req.floor_space
    # filtered as arrays, the frame built once from the rows kept: merging and copying
    # frames of every column took most of a request's time
    at = pd.Index(b["code"]).get_indexer(vacancies["building_code"])
    area = vacancies["vacant_area_m2"].to_numpy(float)
    own_rent = vacancies["rent_yuan_m2_month"].to_numpy(float, na_value=np.nan)
    building_rent = b["rent_yuan_m2_month"].to_numpy(float, na_value=np.nan)
    rent = np.where(np.isnan(own_rent), building_rent[at], own_rent)
    start = np.datetime64(today, "s")
    available = pd.to_datetime(vacancies["available_from"]).to_numpy("datetime64[s]")
    ready = np.where(np.isnat(available), start, np.maximum(available, start))
    floor = vacancies["floor"].to_numpy(float, na_value=np.nan)
    keep = (at >= 0) & (area <= need.area_m2_max)
    if need.max_floor is not None:
        keep &= np.isnan(floor) | (floor <= need.max_floor)
    if need.ready_by:
        keep &= ready <= np.datetime64(need.ready_by, "s")
    if need.max_rent is not None:
        keep &= np.isnan(rent) | (rent <= need.max_rent)
    rows = np.flatnonzero(keep)
    codes = vacancies["building_code"].to_numpy(dtype=object)[rows]
    floors = vacancies["floor"].to_numpy(dtype=object)[rows]
    units = vacancies["unit"].to_numpy(dtype=object)[rows]
    space = np.array(
        [
            space_code(c, None if pd.isna(fl) else int(fl), u if isinstance(u, str) else None)
            for c, fl, u in zip(codes, floors, units, strict=True)
        ],
        dtype=object,
    )
    if reserved:
        held = pd.Series(space, dtype=object).map(reserved)
        free = (held.isna() | (held == req.name)).to_numpy()
        rows, codes, floors, units, space = (x[free] for x in (rows, codes, floors, units, space))
    order = (
        _frame({"b": codes, "f": floor[rows], "u": units})
        .sort_values(["b", "f", "u"])
        .index.to_numpy()
    )
    rows, at_rows = rows[order], at[rows[order]]
    columns = {c: b[c].to_numpy()[at_rows] for c in DETAIL_COLUMNS if c in b}
    columns.update(
        building_code=codes[order],
        floor=floors[order],
        unit=units[order],
        vacant_area_m2=area[rows],
        rent=rent[rows],
        ready_on=ready[rows],
        distance_km=b["distance_km"].to_numpy(float)[at_rows],
        space=space[order],
    )
    return _frame(columns)


def _frame(columns: dict) -> pd.DataFrame:
    """A frame of arrays, those of Python objects kept so: pandas would otherwise look
    through every text column for its string type, most of a small request's time."""
    return pd.DataFrame(
        {
            k: pd.Series(x, dtype=object, copy=False) if x.dtype == object else x
            for k, x in columns.items()
        }
    )


def _groups(v: pd.DataFrame, need: FloorNeed) -> list[np.ndarray]:
    """Candidates as row indices into ``v``: each space big enough alone, and per
    building the fewest consecutive smaller ones (by floor) whose total lies in the
    range, nearest the middle of it (the lowest floors on a tie)."""
    area = v["vacant_area_m2"].to_numpy(float)
    members = [np.array([i]) for i in np.flatnonzero(area >= need.area_m2_min)]
    small = np.flatnonzero(area < need.area_m2_min)
    if len(small) < 2:
        return members
    # every building at once: windows of k consecutive small spaces within a building,
    # k growing until a building has one that fits (no loop over the buildings)
    codes = v["building_code"].to_numpy()[small]
    group = np.r_[0, np.cumsum(codes[1:] != codes[:-1])]
    a = area[small]
    resolved = np.zeros(group[-1] + 1, bool)
    chosen_start, chosen_k = [], []
    mid = (need.area_m2_min + need.area_m2_max) / 2
    for k in range(2, MAX_FLOORS_COMBINED + 1):
        starts = np.arange(len(a) - k + 1)
        if not len(starts):
            break
        sums = sum(a[starts + j] for j in range(k))
        fits = starts[
            (group[starts] == group[starts + k - 1])
            & ~resolved[group[starts]]
            & (sums >= need.area_m2_min)
            & (sums <= need.area_m2_max)
        ]
        if len(fits):
            order = np.lexsort((fits, np.abs(sums[fits] - mid), group[fits]))
            best = fits[order][np.unique(group[fits][order], return_index=True)[1]]
            resolved[group[best]] = True
            chosen_start.append(best)
            chosen_k.append(np.full(len(best), k))
    if chosen_start:
        best, ks = np.concatenate(chosen_start), np.concatenate(chosen_k)
        for i in np.argsort(group[best], kind="stable"):  # in building order
            members.append(small[best[i] : best[i] + ks[i]])
    return members


def _detail(g: list[dict], codes, k, c, score, rank, req: Requirement, today, lang) -> dict:
    """One shortlisted candidate as listed (``g``: its spaces, each a dict of
    DETAIL_COLUMNS): figures, components and reasons."""
    first = g[0]
    area = float(c["area"][k])
    rent = None if np.isnan(c["rent"][k]) else float(c["rent"][k])
    name = first["name"] if isinstance(first["name"], str) else first["building_code"]
    floors = _floor_names(g, lang)
    reasons = [
        f"{name}：{floors}，共{area:,.0f}平方米" if lang == "zh"
        else f"{name}: {floors}, {area:,.0f} m² in all"
    ]  # fmt: skip
    if len(g) > 1:
        reasons.append(
            f"{len(g)}处空置楼层合并" if lang == "zh" else f"{len(g)} vacant spaces combined"
        )
    specs = _specs(first, lang)
    if specs:
        reasons.append(specs)
    if rent is not None:
        reasons.append(
            f"租金{rent:.1f}元/平方米·月" if lang == "zh" else f"rent {rent:.1f} yuan/m²·month"
        )
    else:
        reasons.append("租金未登记" if lang == "zh" else "rent not recorded")
    ready_day = day_of(c["ready"][k])
    if ready_day and ready_day > today:
        reasons.append(
            f"{ready_day.isoformat()}起可用" if lang == "zh"
            else f"available from {ready_day.isoformat()}"
        )  # fmt: skip
    near = req.place.near is not None
    if near:
        d = float(c["dist"][k])
        reasons.append(
            f"距目标点{d:.1f}公里" if lang == "zh" else f"{d:.1f} km from the point asked"
        )
    return {
        "rank": rank,
        "kind": "floor_space",
        "codes": codes,
        "building_code": first["building_code"],
        "building_name": first["name"] if isinstance(first["name"], str) else None,
        "area_m2": round(area, 2),
        "score": float(score),
        "components": shown(c["comps"], k),
        "reasons": reasons,
        "flags": [],
        "district": first["district"],
        "park": first["park"],
        "building_type": first["building_type"],
        "floor_load_kn_m2": _plain(first["floor_load_kn_m2"]),
        "clear_height_m": _plain(first["clear_height_m"]),
        "rent_yuan_m2_month": round(rent, 2) if rent is not None else None,
        "ready_on": ready_day.isoformat() if ready_day else None,
        "distance_km": round(float(c["dist"][k]), 2) if near else None,
        "lon": round(float(first["lon"]), 6),
        "lat": round(float(first["lat"]), 6),
        "geometry": first["geometry"],
    }


def _specs(building, lang: str) -> str:
    """The building's load, clear height and power, as far as recorded."""
    parts = []
    for column, zh, en, unit in (
        ("floor_load_kn_m2", "荷载", "load", "kN/m²"),
        ("clear_height_m", "净高", "clear height", "m"),
        ("power_kva", "供电", "power", "kVA"),
    ):
        value = building.get(column)
        if value is not None and pd.notna(value):
            parts.append(f"{zh}{value:g}{unit}" if lang == "zh" else f"{en} {value:g} {unit}")
    return ("，" if lang == "zh" else ", ").join(parts)


def _floor_names(spaces: list[dict], lang: str) -> str:
    """The floors and units of some vacant spaces, as a person writes them."""
    names = []
    for fl, unit in ((space["floor"], space["unit"]) for space in spaces):
        if lang == "zh":
            names.append(
                (f"{int(fl)}层" if pd.notna(fl) else "") + (unit if isinstance(unit, str) else "")
            )
        else:
            floor = f"floor {int(fl)}" if pd.notna(fl) else ""
            names.append((floor + (f" unit {unit}" if isinstance(unit, str) else "")).strip())
    return ("、" if lang == "zh" else ", ").join(names)


def _plain(value):
    return None if value is None or pd.isna(value) else float(value)
