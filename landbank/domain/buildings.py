"""Idle buildings: their types, their states (vacant, partly vacant, occupied) with
labels in zh and en, and the rule that derives a building's state from its vacancies."""

from __future__ import annotations

import numpy as np
import pandas as pd

BUILDING_TYPES: dict[str, dict[str, str]] = {
    "standard_factory": {"zh": "标准厂房", "en": "standard factory"},
    "office": {"zh": "写字楼", "en": "office"},
    "commercial": {"zh": "商业用房", "en": "commercial"},
    "warehouse": {"zh": "仓库", "en": "warehouse"},
    "other": {"zh": "其他", "en": "other"},
}

# What clerks write for a building type, mapped to the canonical ids (lower case).
BUILDING_TYPE_VALUES: dict[str, str] = {
    **{k: k for k in BUILDING_TYPES},
    **{v["zh"]: k for k, v in BUILDING_TYPES.items()},
    "standard factory": "standard_factory",
    "factory": "standard_factory",
    "厂房": "standard_factory",
    "工业厂房": "standard_factory",
    "办公": "office",
    "办公楼": "office",
    "商务楼宇": "office",
    "商业": "commercial",
    "商铺": "commercial",
    "仓储": "warehouse",
    "仓储用房": "warehouse",
    "物流仓库": "warehouse",
    "其它": "other",
}

BUILDING_STATES: dict[str, dict[str, str]] = {
    "vacant": {"zh": "空置", "en": "vacant"},
    "partly_vacant": {"zh": "部分空置", "en": "partly vacant"},
    "occupied": {"zh": "在用", "en": "occupied"},
}


def building_type_label(kind: str | None, lang: str = "zh") -> str:
    """Returns the label of a building type id in ``lang`` (zh or en); '' for none."""
    if not kind:
        return ""
    return BUILDING_TYPES.get(kind, {}).get(lang, kind)


def state_label(state: str | None, lang: str = "zh") -> str:
    """Returns the label of a building state id in ``lang`` (zh or en); '' for none."""
    if not state:
        return ""
    return BUILDING_STATES.get(state, {}).get(lang, state)


def vacancy_totals(buildings: pd.DataFrame, vacancies: pd.DataFrame) -> pd.DataFrame:
    """Adds vacant_area_m2 (float, 0 without vacancies) and vacant_floors (int: distinct
    floors above ground recorded vacant as a whole, i.e. by a row with a floor and no
    unit). Reads buildings.code; vacancies.building_code, floor, unit, vacant_area_m2."""
    area = vacancies.groupby("building_code")["vacant_area_m2"].sum()
    floor = pd.to_numeric(vacancies["floor"], errors="coerce")
    whole = vacancies[(floor >= 1).fillna(False).to_numpy() & vacancies["unit"].isna().to_numpy()]
    floors = whole.groupby("building_code")["floor"].nunique()
    out = buildings.copy()
    out["vacant_area_m2"] = out["code"].map(area).fillna(0.0).astype(float)
    out["vacant_floors"] = out["code"].map(floors).fillna(0).astype(int)
    return out


def building_state(buildings: pd.DataFrame) -> pd.Series:
    """Returns each building's state: ``vacant`` when its vacant area reaches its total
    floor area, or, where the total floor area is not known, when every floor is
    recorded vacant; ``partly_vacant`` when some space is vacant; else ``occupied``.
    Reads total_floor_area_m2, floors, vacant_area_m2, vacant_floors (see
    ``vacancy_totals``)."""
    total = pd.to_numeric(buildings["total_floor_area_m2"], errors="coerce").astype(float)
    floors = pd.to_numeric(buildings["floors"], errors="coerce").astype(float)
    vacant_area = buildings["vacant_area_m2"].astype(float)
    vacant_floors = buildings["vacant_floors"].astype(float)
    known_total = (total > 0).to_numpy()
    all_area = known_total & (vacant_area >= total * (1 - 1e-9)).to_numpy()
    all_floors = ~known_total & ((floors > 0) & (vacant_floors >= floors)).to_numpy()
    some = ((vacant_area > 0) | (vacant_floors > 0)).to_numpy()
    state = np.where(all_area | all_floors, "vacant", np.where(some, "partly_vacant", "occupied"))
    return pd.Series(state, index=buildings.index, dtype=object)


def space_code(building_code: str, floor: int | None, unit: str | None) -> str:
    """The code of one vacant floor or unit, as matching lists it and ``reserve`` takes
    it: ``B001:F3``, ``B001:F3:301``, or ``B001::301`` when the floor is not known."""
    key = f"F{int(floor)}" if floor is not None and floor == floor else ""
    return f"{building_code}:{key}:{unit}" if unit else f"{building_code}:{key}"


def split_space_code(code: str) -> tuple[str, int | None, str | None] | None:
    """Reads a code of ``space_code``: (building_code, floor, unit); None when ``code``
    names no floor or unit (a parcel code or a bare building code)."""
    parts = code.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        return None
    key = parts[1]
    if key and not (key[0] == "F" and key[1:].lstrip("-").isdigit()):
        return None
    floor = int(key[1:]) if key else None
    unit = parts[2] if len(parts) == 3 and parts[2] else None
    if floor is None and unit is None:
        return None
    return parts[0], floor, unit
