"""Matching a project's requirement to what is available: which parcels can be supplied
(and when), the hard filters, a score whose every component is shown, site assembly of
neighbouring parcels, and vacant floors of one building combined. Pure: frames in,
candidate dicts out (each with its shapely ``geometry`` in EPSG:4490 degrees).

Distances and shapes are measured on a local plane about the data's centre (x scaled by
cos(latitude)), which at a city's extent is within 0.5 % of the true metres."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from landbank.domain.buildings import space_code
from landbank.domain.requirements import FloorNeed, LandNeed, Place, Requirement

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0
SITE_SEEDS = 8  # seeds tried per group of neighbouring parcels
MAX_SITES = 400  # sites scored per request, the most promising first
MAX_FLOORS_COMBINED = 6

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


def shape_metrics(geoms_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(compactness 4πA/P², width m: the diameter of the widest circle inside) of
    polygons in metres."""
    area = shapely.area(geoms_m)
    perim = shapely.length(geoms_m)
    compact = np.where(perim > 0, 4 * np.pi * area / np.maximum(perim, 1e-9) ** 2, 0.0)
    radius = shapely.length(shapely.maximum_inscribed_circle(geoms_m, tolerance=1.0))
    return compact, 2 * radius


def _shape_score(compact: np.ndarray, width: np.ndarray, min_width_m: float) -> np.ndarray:
    # a square scores 0.785; anything as compact as a square counts full
    return 0.5 * np.minimum(1, compact / 0.785) + 0.5 * np.minimum(1, width / min_width_m)


# -- filters --------------------------------------------------------------------------


def place_mask(frame: pd.DataFrame, place: Place) -> tuple[np.ndarray, np.ndarray | None]:
    """(mask of rows in the wanted districts, parks and radius; their distance in km or
    None). Reads district, park, lon, lat."""
    ok = np.ones(len(frame), dtype=bool)
    if place.districts:
        ok &= frame["district"].isin(place.districts).to_numpy()
    if place.parks:
        ok &= frame["park"].isin(place.parks).to_numpy()
    dist = None
    if place.near is not None:
        dist = distance_km(frame["lon"], frame["lat"], place.near)
        ok &= dist <= place.within_km
    return ok, dist


def _day_of(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()


def _component_scores(weights: dict, comps: dict[str, float | None]) -> float:
    used = [(weights.get(k, 0), v) for k, v in comps.items() if v is not None]
    total = sum(w for w, _ in used)
    if total <= 0:
        return 0.0
    return round(100 * sum(w * v for w, v in used) / total, 1)


def _area_fit(area: np.ndarray, lo: float, hi: float, preferred: float | None) -> np.ndarray:
    pref = preferred if preferred is not None else (lo + hi) / 2
    half = max(pref - lo, hi - pref) or max(pref, 1.0)
    return np.clip(1 - 0.5 * np.abs(area - pref) / half, 0, 1)


def _readiness(ready: pd.Series, today: dt.date, ready_by: dt.date | None) -> np.ndarray:
    wait = (pd.to_datetime(ready) - pd.Timestamp(today)).dt.days.clip(lower=0).to_numpy()
    horizon = max((ready_by - today).days, 1) if ready_by else 365
    return np.clip(1 - 0.5 * wait / horizon, 0, 1)


# -- land -----------------------------------------------------------------------------


def match_land(
    pool: pd.DataFrame,
    req: Requirement,
    today: dt.date,
    s: MatchSettings,
    reserved: dict[str, str] | None = None,
    lang: str = "zh",
    top: int = 10,
) -> list[dict]:
    """Ranked land candidates (parcels and assembled sites) for a land requirement.

    ``pool`` is ``land_pool``'s frame with geometry (EPSG:4490 shapely), area_mu,
    land_use, land_use_class, district, park, land_price_wan, name. ``reserved`` maps
    reserved codes to the project holding them; those of other projects are left out."""
    need: LandNeed = req.land
    if pool.empty:
        return []
    f = pool.reset_index(drop=True)
    pts = shapely.point_on_surface(f["geometry"].to_numpy())
    f["lon"], f["lat"] = shapely.get_x(pts), shapely.get_y(pts)
    ok, dist = place_mask(f, req.place)
    f["distance_km"] = dist if dist is not None else np.nan
    if need.land_use:
        ok &= (f["land_use_class"] == need.land_use).to_numpy()
    if need.ready_by:
        ok &= (f["ready_on"] <= pd.Timestamp(need.ready_by)).to_numpy()
    if need.max_price_wan is not None:
        price = f["land_price_wan"].astype(float)
        ok &= (price.isna() | (price <= need.max_price_wan)).to_numpy()
    if reserved:
        held = f["code"].map(reserved)
        ok &= (held.isna() | (held == req.name)).to_numpy()
    ok &= (f["area_mu"] <= need.area_mu_max).to_numpy()
    f = f[ok].reset_index(drop=True)
    if f.empty:
        return []
    lon0, lat0 = float(f["lon"].mean()), float(f["lat"].mean())
    to_m = _plane(lon0, lat0)
    geoms_m = shapely.transform(f["geometry"].to_numpy(), to_m)
    area = f["area_mu"].to_numpy(float)

    singles = np.flatnonzero(area >= need.area_mu_min)
    out = []
    if len(singles):
        compact, width = shape_metrics(geoms_m[singles])
        out += _land_candidates(
            f,
            [[i] for i in singles],
            area[singles],
            f["geometry"].to_numpy()[singles],
            compact,
            width,
            req,
            today,
            s,
            lang,
        )
    parts = np.flatnonzero(area < need.area_mu_min)
    if len(parts) > 1:
        sites = assemble(geoms_m[parts], area[parts], need, s)
        if sites:
            members = [[int(parts[i]) for i in site] for site in sites]
            closed = [_closed_union(geoms_m[m], s.gap_m) for m in members]
            compact, width = shape_metrics(np.array(closed, dtype=object))
            geoms = [shapely.union_all(f["geometry"].to_numpy()[m]) for m in members]
            totals = np.array([area[m].sum() for m in members])
            out += _land_candidates(f, members, totals, geoms, compact, width, req, today, s, lang)
    out.sort(key=lambda c: (-c["score"], c["area_mu"], c["codes"]))
    return _ranked(_distinct(out), top)


def _distinct(candidates: list[dict]) -> list[dict]:
    """Drops a candidate sharing a parcel or floor with a better one: the shortlist
    offers alternatives, not variations of one site."""
    taken: set[str] = set()
    out = []
    for c in candidates:
        if taken.isdisjoint(c["codes"]):
            out.append(c)
            taken.update(c["codes"])
    return out


def _ranked(candidates: list[dict], top: int) -> list[dict]:
    for rank, c in enumerate(candidates[:top], start=1):
        c["rank"] = rank
    return candidates[:top]


def _closed_union(geoms_m: np.ndarray, gap_m: float):
    """The parts as one shape with the roads between them closed, for its shape."""
    r = gap_m / 2 + 0.5
    grown = shapely.union_all(shapely.buffer(geoms_m, r, join_style="mitre"))
    return shapely.buffer(grown, -r, join_style="mitre")


def assemble(geoms_m: np.ndarray, area: np.ndarray, need: LandNeed, s: MatchSettings) -> list:
    """Sites of neighbouring parcels (each too small alone) whose total area lies in the
    requirement's range: lists of indices into ``geoms_m``. Parcels are neighbours when
    they share an edge or lie within ``gap_m`` (a road between them). Grows each site
    from a seed, adding the neighbour nearest its centre, so sites stay compact."""
    tree = shapely.STRtree(geoms_m)
    i, j = tree.query(geoms_m, predicate="dwithin", distance=s.gap_m)
    keep = i < j
    i, j = i[keep], j[keep]
    if not len(i):
        return []
    n = len(geoms_m)
    # connected groups by union-find; only groups that can reach the minimum matter
    parent = np.arange(n)

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    roots = np.array([root(x) for x in range(n)])
    group_area = pd.Series(area).groupby(roots).transform("sum").to_numpy()
    neighbours: dict[int, list[int]] = {}
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    cx = shapely.get_x(shapely.centroid(geoms_m))
    cy = shapely.get_y(shapely.centroid(geoms_m))
    seen: set[frozenset] = set()
    sites: list[list[int]] = []
    eligible = np.flatnonzero(
        (group_area >= need.area_mu_min) & np.isin(np.arange(n), list(neighbours))
    )
    by_group: dict[int, list[int]] = {}
    for x in eligible[np.argsort(-area[eligible], kind="stable")]:
        by_group.setdefault(int(roots[x]), []).append(int(x))
    for members in by_group.values():
        for seed in members[:SITE_SEEDS]:
            site = [seed]
            total = area[seed]
            while total < need.area_mu_min and len(site) < s.max_site_parcels:
                frontier = {k for m in site for k in neighbours.get(m, ()) if k not in site}
                frontier = [k for k in frontier if total + area[k] <= need.area_mu_max]
                if not frontier:
                    break
                w = area[site]
                mx, my = np.average(cx[site], weights=w), np.average(cy[site], weights=w)
                nxt = min(frontier, key=lambda k: (cx[k] - mx) ** 2 + (cy[k] - my) ** 2)
                site.append(nxt)
                total += area[nxt]
            key = frozenset(site)
            if need.area_mu_min <= total <= need.area_mu_max and len(site) > 1 and key not in seen:
                seen.add(key)
                sites.append(sorted(site))
            if len(sites) >= MAX_SITES:
                return sites
    return sites


def _land_candidates(
    f: pd.DataFrame, members: list, area, geoms, compact, width, req, today, s, lang
) -> list[dict]:
    need: LandNeed = req.land
    w = {
        "area_fit": 25, "standard": 20, "readiness": 15, "shape": 15,
        "distance": 15, "park_industry": 10, "assembly": 10, **s.weights,
    }  # fmt: skip
    first = np.array([m[0] for m in members])
    area = np.asarray(area, float)
    fit = _area_fit(area, need.area_mu_min, need.area_mu_max, need.area_mu_preferred)
    ready_all = f["ready_on"]
    shape = _shape_score(np.asarray(compact), np.asarray(width), s.min_width_m)
    out = []
    for k, m in enumerate(members):
        rows = f.iloc[m]
        ready_on = rows["ready_on"].max()
        readiness = float(_readiness(pd.Series([ready_on]), today, need.ready_by)[0])
        park = rows["park"].iloc[0] if rows["park"].notna().any() else None
        comps: dict[str, float | None] = {
            "area_fit": round(float(fit[k]), 3),
            "standard": None,
            "readiness": round(readiness, 3),
            "shape": round(float(shape[k]), 3),
            "distance": None,
            "park_industry": None,
            "assembly": round(max(0.0, 1 - 0.25 * (len(m) - 1)), 3),
        }
        reasons, flags = [], []
        basis = list(dict.fromkeys(rows["supply_basis"]))
        reasons.append(
            ("供地依据：" if lang == "zh" else "available as: ")
            + ("、" if lang == "zh" else ", ").join(SUPPLY_BASES[b][lang] for b in basis)
        )
        if len(m) > 1:
            reasons.append(
                f"由{len(m)}宗相邻地块组合（间距不超过{s.gap_m:g}米）"
                if lang == "zh"
                else f"{len(m)} neighbouring parcels assembled (gaps up to {s.gap_m:g} m)"
            )
        reasons.append(
            f"面积{area[k]:.2f}亩，需求{need.area_mu_min:g}–{need.area_mu_max:g}亩"
            if lang == "zh"
            else f"{area[k]:.2f} mu against {need.area_mu_min:g}-{need.area_mu_max:g} mu asked"
        )
        ready_day = _day_of(ready_on)
        if ready_day and ready_day > today:
            reasons.append(
                f"预计{ready_day.isoformat()}可供" if lang == "zh"
                else f"ready on {ready_day.isoformat()}"
            )  # fmt: skip
        if req.place.near is not None:
            d = float(rows["distance_km"].min())
            comps["distance"] = round(max(0.0, 1 - d / req.place.within_km), 3)
            reasons.append(
                f"距目标点{d:.1f}公里" if lang == "zh" else f"{d:.1f} km from the point asked"
            )
        prefixes = s.park_industries.get(park) if park else None
        if req.industry and prefixes:
            fits = any(req.industry.startswith(p) for p in prefixes)
            comps["park_industry"] = 1.0 if fits else 0.0
            reasons.append(
                (f"行业{req.industry}" + ("属于" if fits else "不属于") + f"{park}主导产业")
                if lang == "zh"
                else f"industry {req.industry} is {'one' if fits else 'not one'} of {park}'s "
                "leading industries"
            )
        std_comp, std_reasons, below = _standard(need, area[k], s.standard_of(park), park, lang)
        comps["standard"] = std_comp
        reasons += std_reasons
        if below:
            flags.append("below_standard")
        if width[k] < s.min_width_m:
            reasons.append(
                f"最窄处约{width[k]:.0f}米，低于{s.min_width_m:g}米"
                if lang == "zh"
                else f"about {width[k]:.0f} m wide at most, under {s.min_width_m:g} m"
            )
        price = rows["land_price_wan"].astype(float)
        price_wan = float(price.sum()) if price.notna().all() else None
        out.append(
            {
                "kind": "parcel" if len(m) == 1 else "site",
                "codes": rows["code"].tolist(),
                "area_mu": round(float(area[k]), 2),
                "score": _component_scores(w, comps),
                "components": comps,
                "reasons": reasons,
                "flags": flags,
                "district": rows["district"].iloc[0],
                "park": park,
                "land_use": rows["land_use"].iloc[0],
                "supply_basis": basis,
                "ready_on": ready_day.isoformat() if ready_day else None,
                "distance_km": (
                    round(float(rows["distance_km"].min()), 2)
                    if req.place.near is not None
                    else None
                ),
                "price_wan": price_wan,
                "lon": round(float(f["lon"].iloc[first[k]]), 6),
                "lat": round(float(f["lat"].iloc[first[k]]), 6),
                "geometry": geoms[k],
            }
        )
    del ready_all
    return out


STANDARD_FIGURES = (
    ("investment_wan", "investment_wan_per_mu", "投资强度", "investment"),
    ("annual_output_wan", "output_wan_per_mu", "亩均产出", "output"),
    ("annual_tax_wan", "tax_wan_per_mu", "亩均税收", "tax"),
)


def _standard(need: LandNeed, area_mu: float, standard: dict, park, lang):
    """(component, reasons, below?) of a project's promised per-mu figures on a site of
    ``area_mu`` against the park's admission standard."""
    ratios, reasons, below = [], [], False
    for promised_key, std_key, zh, en in STANDARD_FIGURES:
        promised = getattr(need, promised_key)
        floor = standard.get(std_key)
        if promised is None or not floor or area_mu <= 0:
            continue
        per_mu = promised / area_mu
        ratio = per_mu / floor
        ratios.append(ratio)
        if ratio < 1:
            below = True
            where = park or ("本市" if lang == "zh" else "the city")
            reasons.append(
                f"低于标准：{zh}{per_mu:.1f}万元/亩，{where}标准{floor:g}万元/亩"
                if lang == "zh"
                else f"below standard: {en} {per_mu:.1f} wan/mu against {where}'s {floor:g}"
            )
    if not ratios:
        return None, reasons, False
    if not below:
        reasons.append(
            "承诺的亩均指标达到园区准入标准"
            if lang == "zh"
            else "the promised per-mu figures meet the park's admission standard"
        )
    return round(min(1.0, min(ratios)), 3), reasons, below


# -- floor space ----------------------------------------------------------------------


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
    if buildings.empty or vacancies.empty:
        return []
    b = buildings.reset_index(drop=True)
    pts = shapely.point_on_surface(b["geometry"].to_numpy())
    b["lon"], b["lat"] = shapely.get_x(pts), shapely.get_y(pts)
    ok, dist = place_mask(b, req.place)
    b["distance_km"] = dist if dist is not None else np.nan
    if need.building_type:
        ok &= (b["building_type"] == need.building_type).to_numpy()
    for key, column in (
        ("min_floor_load_kn_m2", "floor_load_kn_m2"),
        ("min_clear_height_m", "clear_height_m"),
        ("min_power_kva", "power_kva"),
    ):
        least = getattr(need, key)
        if least is not None:  # unknown is not enough: nobody can promise it
            ok &= (b[column].astype(float) >= least).fillna(False).to_numpy()
    b = b[ok]
    if b.empty:
        return []
    v = vacancies.merge(
        b.drop(columns=["rent_yuan_m2_month"]).assign(building_rent=b["rent_yuan_m2_month"]),
        left_on="building_code",
        right_on="code",
    )
    v["rent"] = v["rent_yuan_m2_month"].astype(float).fillna(v["building_rent"].astype(float))
    v["ready_on"] = pd.to_datetime(v["available_from"]).fillna(pd.Timestamp(today))
    v["ready_on"] = v["ready_on"].where(v["ready_on"] > pd.Timestamp(today), pd.Timestamp(today))
    v["space"] = [
        space_code(c, None if pd.isna(fl) else int(fl), u if isinstance(u, str) else None)
        for c, fl, u in zip(v["building_code"], v["floor"], v["unit"], strict=True)
    ]
    keep = np.ones(len(v), dtype=bool)
    if need.max_floor is not None:
        keep &= (v["floor"].astype(float) <= need.max_floor).fillna(True).to_numpy()
    if need.ready_by:
        keep &= (v["ready_on"] <= pd.Timestamp(need.ready_by)).to_numpy()
    if need.max_rent is not None:
        keep &= (v["rent"].isna() | (v["rent"] <= need.max_rent)).to_numpy()
    if reserved:
        held = v["space"].map(reserved)
        keep &= (held.isna() | (held == req.name)).to_numpy()
    keep &= (v["vacant_area_m2"] <= need.area_m2_max).to_numpy()
    v = v[keep]
    if v.empty:
        return []
    groups = []
    for _, spaces in v.sort_values(["building_code", "floor", "unit"]).groupby("building_code"):
        area = spaces["vacant_area_m2"].to_numpy(float)
        for k in np.flatnonzero(area >= need.area_m2_min):
            groups.append(spaces.iloc[[k]])
        small = spaces[area < need.area_m2_min]
        combo = _combine(small["vacant_area_m2"].to_numpy(float), need)
        if combo is not None:
            groups.append(small.iloc[combo])
    return _floor_candidates(groups, req, today, s, lang, top)


def _combine(area: np.ndarray, need: FloorNeed) -> list[int] | None:
    """The fewest consecutive spaces (by floor) whose total lies in the range, nearest
    the middle of it; None if there are none."""
    mid = (need.area_m2_min + need.area_m2_max) / 2
    for k in range(2, min(len(area), MAX_FLOORS_COMBINED) + 1):
        sums = np.convolve(area, np.ones(k), mode="valid")
        fits = np.flatnonzero((sums >= need.area_m2_min) & (sums <= need.area_m2_max))
        if len(fits):
            start = int(fits[np.argmin(np.abs(sums[fits] - mid))])
            return list(range(start, start + k))
    return None


def _floor_candidates(groups, req: Requirement, today, s: MatchSettings, lang, top) -> list:
    need: FloorNeed = req.floor_space
    w = {"area_fit": 30, "rent": 20, "readiness": 20, "distance": 15, "floors": 15}
    w.update(s.floor_weights)
    out = []
    for g in groups:
        first = g.iloc[0]
        area = float(g["vacant_area_m2"].sum())
        known = g["rent"].notna()
        rent = (
            float(
                (g["rent"][known] * g["vacant_area_m2"][known]).sum()
                / g["vacant_area_m2"][known].sum()
            )
            if known.any()
            else None
        )
        ready_on = g["ready_on"].max()
        comps: dict[str, float | None] = {
            "area_fit": round(
                float(_area_fit(np.array([area]), need.area_m2_min, need.area_m2_max, None)[0]), 3
            ),
            "rent": (
                round(1 - 0.5 * rent / need.max_rent, 3)
                if rent is not None and need.max_rent
                else None
            ),
            "readiness": round(
                float(_readiness(pd.Series([ready_on]), today, need.ready_by)[0]), 3
            ),
            "distance": (
                round(max(0.0, 1 - float(first["distance_km"]) / req.place.within_km), 3)
                if req.place.near is not None
                else None
            ),
            "floors": round(max(0.0, 1 - 0.2 * (len(g) - 1)), 3),
        }
        floors = _floor_names(g, lang)
        name = first["name"] if isinstance(first["name"], str) else first["building_code"]
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
        ready_day = _day_of(ready_on)
        if ready_day and ready_day > today:
            reasons.append(
                f"{ready_day.isoformat()}起可用" if lang == "zh"
                else f"available from {ready_day.isoformat()}"
            )  # fmt: skip
        if req.place.near is not None:
            d = float(first["distance_km"])
            reasons.append(
                f"距目标点{d:.1f}公里" if lang == "zh" else f"{d:.1f} km from the point asked"
            )
        out.append(
            {
                "kind": "floor_space",
                "codes": g["space"].tolist(),
                "building_code": first["building_code"],
                "building_name": first["name"] if isinstance(first["name"], str) else None,
                "area_m2": round(area, 2),
                "score": _component_scores(w, comps),
                "components": comps,
                "reasons": reasons,
                "flags": [],
                "district": first["district"],
                "park": first["park"],
                "building_type": first["building_type"],
                "floor_load_kn_m2": _plain(first["floor_load_kn_m2"]),
                "clear_height_m": _plain(first["clear_height_m"]),
                "rent_yuan_m2_month": round(rent, 2) if rent is not None else None,
                "ready_on": ready_day.isoformat() if ready_day else None,
                "distance_km": (
                    round(float(first["distance_km"]), 2) if req.place.near is not None else None
                ),
                "lon": round(float(first["lon"]), 6),
                "lat": round(float(first["lat"]), 6),
                "geometry": first["geometry"],
            }
        )
    out.sort(key=lambda c: (-c["score"], -c["area_m2"], c["codes"]))
    return _ranked(_distinct(out), top)


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


def _floor_names(spaces: pd.DataFrame, lang: str) -> str:
    """The floors and units of some vacant spaces, as a person writes them."""
    names = []
    for fl, unit in zip(spaces["floor"], spaces["unit"], strict=True):
        if lang == "zh":
            names.append(
                (f"{int(fl)}层" if pd.notna(fl) else "") + (unit if isinstance(unit, str) else "")
            )
        else:
            floor = f"floor {int(fl)}" if pd.notna(fl) else ""
            names.append((floor + (f" unit {unit}" if unit else "")).strip())
    return ("、" if lang == "zh" else ", ").join(names)


def _plain(value):
    return None if value is None or pd.isna(value) else float(value)
