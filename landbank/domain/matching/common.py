"""Matching a project's requirement to what is available, the parts shared by land
(``land``) and floor space (``floor``): the settings, which parcels
can be supplied and when, the place filters, and the score whose every component is
shown. Pure: frames in, arrays and dicts out.

Distances and shapes are measured on a local plane about the data's centre (x scaled by
cos(latitude)), which at a city's extent is within 0.5 % of the true metres."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from landbank.domain.matching.requirements import Place

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0

SUPPLY_BASES: dict[str, dict[str, str]] = {
    "approved_not_supplied": {"zh": "批而未供，可供地", "en": "approved, not supplied"},
    "recovered": {"zh": "已收回（储备）", "en": "recovered by the government"},
    "recovering": {"zh": "收回中", "en": "being recovered"},
    "reserve": {"zh": "政府储备地", "en": "government reserve"},
    "split_unused": {"zh": "分割后的未利用部分", "en": "unused part of a split parcel"},
}
KINDS = {
    "parcel": {"zh": "地块", "en": "parcel"},
    "site": {"zh": "组合地块", "en": "assembled site"},
    "floor_space": {"zh": "空置楼层", "en": "floor space"},
}
COMPONENTS = {
    "area_fit": {"zh": "面积匹配", "en": "area fit"},
    "standard": {"zh": "亩均标准", "en": "per-mu standard"},
    "readiness": {"zh": "可交付时间", "en": "readiness"},
    "shape": {"zh": "形状可用性", "en": "shape usability"},
    "distance": {"zh": "距离", "en": "distance"},
    "park_industry": {"zh": "园区主导产业", "en": "park's leading industries"},
    "assembly": {"zh": "地块数", "en": "parcels assembled"},
    "rent": {"zh": "租金", "en": "rent"},
    "floors": {"zh": "楼层数", "en": "floors combined"},
}


@dataclass(frozen=True)
class MatchSettings:
    """The profile's [matching], [standard] and [parks] settings the matcher reads."""

    gap_m: float = 30.0
    max_site_parcels: int = 4
    min_width_m: float = 60.0
    recovery_methods: tuple[str, ...] = ("reclaim", "paid_recovery", "buyback", "swap")
    reserve_holders: tuple[str, ...] = ("土地储备", "储备中心", "政府储备")
    weights: dict = field(default_factory=dict)
    floor_weights: dict = field(default_factory=dict)
    standard: dict = field(default_factory=dict)  # tax_wan_per_mu, ... (city default)
    park_standards: dict = field(default_factory=dict)  # park -> overrides
    park_industries: dict = field(default_factory=dict)  # park -> code prefixes

    def standard_of(self, park: str | None) -> dict:
        return {**self.standard, **self.park_standards.get(park or "", {})}


def settings_from_profile(data: dict) -> MatchSettings:
    """Reads MatchSettings from a profile's data (the parsed TOML, default merged in)."""
    m = data.get("matching", {})
    standard = dict(data.get("standard", {}))
    parks_std = standard.pop("parks", {})
    return MatchSettings(
        gap_m=float(m.get("gap_m", 30)),
        max_site_parcels=int(m.get("max_site_parcels", 4)),
        min_width_m=float(m.get("min_width_m", 60)),
        recovery_methods=tuple(m.get("recovery_methods", MatchSettings.recovery_methods)),
        reserve_holders=tuple(m.get("reserve_holders", MatchSettings.reserve_holders)),
        weights=dict(m.get("weights", {})),
        floor_weights=dict(m.get("floor_weights", {})),
        standard=standard,
        park_standards=parks_std,
        park_industries={
            park: tuple(str(c) for c in v.get("industries", ()))
            for park, v in data.get("parks", {}).items()
        },
    )


# -- what can be supplied -------------------------------------------------------------


def land_pool(
    parcels: pd.DataFrame, disposals: pd.DataFrame, today: dt.date, s: MatchSettings
) -> pd.DataFrame:
    """The parcels the government can supply, with ``supply_basis`` (a key of
    SUPPLY_BASES) and ``ready_on`` (the day it can be supplied).

    Reads parcels (code, category, holder, parent_code, developed_area_mu, retired) and
    each parcel's latest disposal (parcel_code, method, status, planned_on, done_on)."""
    f = parcels.copy()
    basis = pd.Series(None, index=f.index, dtype=object)
    ready = pd.Series(pd.Timestamp(today), index=f.index)
    holder = f["holder"].fillna("").astype(str)
    if s.reserve_holders:
        reserve = holder.str.contains("|".join(map(_re_escape, s.reserve_holders)), regex=True)
        basis[reserve] = "reserve"
    split_unused = (
        f["parent_code"].notna()
        & f["category"].isin(["supplied_not_used", "used_not_completed"])
        & ~(f["developed_area_mu"].fillna(0) > 0)
    )
    basis[split_unused & basis.isna()] = "split_unused"
    basis[f["category"] == "approved_not_supplied"] = "approved_not_supplied"
    if len(disposals):
        d = disposals[disposals["method"].isin(s.recovery_methods)].set_index("parcel_code")
        d = d[~d.index.duplicated(keep="last")]
        state = f["code"].map(d["status"])
        done = state.isin(["disposed", "closed"])
        going = state.isin(["plan_approved", "disposing"]) & f["code"].map(d["planned_on"]).notna()
        basis[done] = "recovered"
        basis[going & ~done] = "recovering"
        planned = pd.to_datetime(f["code"].map(d["planned_on"]).astype(object), errors="coerce")
        ready = ready.mask(going, planned.clip(lower=pd.Timestamp(today)))
    if "retired" in f:
        basis[f["retired"].astype(bool)] = None
    f["supply_basis"] = basis
    f["ready_on"] = ready
    return f[basis.notna()].copy()


def _re_escape(text: str) -> str:
    import re

    return re.escape(text)


# -- geometry helpers -----------------------------------------------------------------


def _plane(lon0: float, lat0: float):
    kx = M_PER_DEG_LON_EQ * math.cos(math.radians(lat0))

    def to_m(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * M_PER_DEG_LAT])

    return to_m


def distance_km(lon, lat, near: tuple[float, float]) -> np.ndarray:
    """Great-circle distance (km) of points from ``near`` (lon, lat)."""
    lon1, lat1 = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    lon0, lat0 = math.radians(near[0]), math.radians(near[1])
    a = (
        np.sin((lat1 - lat0) / 2) ** 2
        + math.cos(lat0) * np.cos(lat1) * np.sin((lon1 - lon0) / 2) ** 2
    )
    return 6371.0088 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def shape_metrics(geoms_m: np.ndarray, tolerance_m: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(compactness 4πA/P², width m: the diameter of the widest circle inside, found to
    within ``tolerance_m``) of polygons in metres."""
    area = shapely.area(geoms_m)
    perim = shapely.length(geoms_m)
    compact = np.where(perim > 0, 4 * np.pi * area / np.maximum(perim, 1e-9) ** 2, 0.0)
    circle = shapely.maximum_inscribed_circle(geoms_m, tolerance=tolerance_m)
    return compact, 2 * shapely.length(circle)


def shape_score(compact: np.ndarray, width: np.ndarray, min_width_m: float) -> np.ndarray:
    # a square scores 0.785; anything as compact as a square counts full
    return 0.5 * np.minimum(1, compact / 0.785) + 0.5 * np.minimum(1, width / min_width_m)


# -- filters --------------------------------------------------------------------------


def add_points(frame: pd.DataFrame) -> None:
    """Adds ``lon``, ``lat``: a point on each row's ``geometry`` (inside it, unlike
    the centroid of an L-shaped parcel)."""
    pts = shapely.point_on_surface(frame["geometry"].to_numpy())
    frame["lon"], frame["lat"] = shapely.get_x(pts), shapely.get_y(pts)


def placed(frame: pd.DataFrame, place: Place) -> tuple[pd.DataFrame, np.ndarray]:
    """(``frame`` with lon, lat of a point on each geometry (kept where the frame has
    them) and distance_km from the place's point (NaN without one), the mask of rows in
    the wanted districts, parks and radius)."""
    f = frame.reset_index(drop=True)
    if not {"lon", "lat"} <= set(f.columns):
        add_points(f)
    ok = np.ones(len(f), dtype=bool)
    if place.districts:
        ok &= f["district"].isin(place.districts).to_numpy()
    if place.parks:
        ok &= f["park"].isin(place.parks).to_numpy()
    f["distance_km"] = np.nan
    if place.near is not None:
        f["distance_km"] = distance_km(f["lon"], f["lat"], place.near)
        ok &= f["distance_km"].to_numpy() <= place.within_km
    return f, ok


def day_of(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()


def scores(weights: dict, comps: dict[str, np.ndarray]) -> np.ndarray:
    """The score out of 100 of each candidate: the weighted mean of its components that
    apply (NaN: does not apply, its weight drops out), each as shown (3 decimals)."""
    n = len(next(iter(comps.values())))
    num, den = np.zeros(n), np.zeros(n)
    for key, values in comps.items():
        c = np.round(np.asarray(values, dtype=float), 3)
        has = ~np.isnan(c)
        w = float(weights.get(key, 0))
        num += np.where(has, w * c, 0.0)
        den += np.where(has, w, 0.0)
    return np.round(np.where(den > 0, 100 * num / np.where(den > 0, den, 1), 0.0), 1)


def shown(comps: dict[str, np.ndarray], k: int) -> dict[str, float | None]:
    """Candidate ``k``'s components as listed: 3 decimals, None where one does not apply."""
    return {key: (None if np.isnan(v[k]) else round(float(v[k]), 3)) for key, v in comps.items()}


def shortlist(order: np.ndarray, codes: list[list[str]], top: int) -> list[int]:
    """The first ``top`` candidates in ``order`` that share no parcel or floor with a
    better one: the shortlist offers alternatives, not variations of one site."""
    taken: set[str] = set()
    out: list[int] = []
    for k in order:
        if taken.isdisjoint(codes[k]):
            out.append(int(k))
            taken.update(codes[k])
            if len(out) == top:
                break
    return out


def area_fit(area: np.ndarray, lo: float, hi: float, preferred: float | None) -> np.ndarray:
    pref = preferred if preferred is not None else (lo + hi) / 2
    half = max(pref - lo, hi - pref) or max(pref, 1.0)
    return np.clip(1 - 0.5 * np.abs(area - pref) / half, 0, 1)


def readiness(ready: np.ndarray, today: dt.date, ready_by: dt.date | None) -> np.ndarray:
    """1 for what is ready now, down to 0.5 for what is ready just by ``ready_by``
    (a year's horizon without one). ``ready`` holds datetime64 days."""
    wait = (np.asarray(ready, dtype="datetime64[D]") - np.datetime64(today, "D")).astype(float)
    horizon = max((ready_by - today).days, 1) if ready_by else 365
    return np.clip(1 - 0.5 * np.maximum(wait, 0) / horizon, 0, 1)
