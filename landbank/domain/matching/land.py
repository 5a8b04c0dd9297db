"""Land candidates for a project: the hard filters, single parcels and sites assembled
from neighbours (each too small alone) across a road, scored with every component
shown. Scores are computed for all candidates at once; reasons only for the shortlist.
Pure: frames in, candidate dicts out (each with its shapely ``geometry``, EPSG:4490).

Distances and shapes are measured on a local plane about the data's centre (x scaled by
cos(latitude)), which at a city's extent is within 0.5 % of the true metres."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from landbank.domain.matching.common import (
    SUPPLY_BASES,
    MatchSettings,
    _plane,
    add_points,
    area_fit,
    day_of,
    placed,
    readiness,
    scores,
    shape_metrics,
    shape_score,
    shortlist,
    shown,
)
from landbank.domain.matching.requirements import LandNeed, Requirement

DETAIL_COLUMNS = ["park", "supply_basis", "land_price_wan", "lon", "lat", "geometry", "district",
                  "land_use"]  # fmt: skip
# what the matcher reads of the parcels that pass (taking the pool's other columns cost
# a tenth of a warm match at 10⁶ parcels)
PASSING_COLUMNS = list(
    dict.fromkeys(["code", "area_mu", "ready_on", "distance_km", *DETAIL_COLUMNS])
)
SITE_SEEDS = 8  # seeds tried per group of neighbouring parcels
MAX_SITES = 400  # sites scored per request, the most promising first
# A road as wide as the gap allowed joins its two sides: the local plane is within
# 0.5 % of true metres (15 cm on 30 m) and surveyed corners are rounded.
GAP_TOLERANCE_M = 0.5
WEIGHTS = {"area_fit": 25, "standard": 20, "readiness": 15, "shape": 15,
           "distance": 15, "park_industry": 10, "assembly": 10}  # fmt: skip


@dataclass(frozen=True)
class LandIndex:
    """``land_pool``'s frame prepared for matching, once for many requirements.

    ``frame``: the pool (index 0..n-1, by code) with lon, lat of a point on each parcel;
    ``geoms_m``: the parcels on a plane about ``origin`` (lon, lat: the pool's centre
    rounded to ORIGIN_STEP_DEG), in metres; ``cx``, ``cy``: their centroids there;
    ``pairs``: the (i, j), i < j, in order, of parcels within ``gap_m`` of each other
    (sharing an edge or across a road). ``land_patch.patch_land`` makes the index of
    a pool with some parcels changed from it, equal to this one made afresh."""

    frame: pd.DataFrame
    geoms_m: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    pairs: np.ndarray
    gap_m: float
    origin: tuple[float, float] = (0.0, 0.0)


# The plane's origin, rounded so that a few parcels more or less leave it where it was
# (a kept index is then patched, not made again): 0.01° is about 1 km, nothing to a
# plane that is within 0.5 % over a city.
ORIGIN_STEP_DEG = 0.01


def index_land(pool: pd.DataFrame, gap_m: float) -> LandIndex:
    """The LandIndex of ``pool`` (``land_pool``'s frame with EPSG:4490 geometry)."""
    f = pool.reset_index(drop=True)
    if f.empty:  # nothing can be supplied (the frame may lack columns then)
        none = np.zeros(0)
        return LandIndex(f, none.astype(object), none, none, np.zeros((0, 2), int), gap_m)
    if not f["code"].is_monotonic_increasing:  # a database's collation may order otherwise
        f = f.sort_values("code", kind="stable", ignore_index=True)
    plain_text(f)
    add_points(f)
    origin = plane_origin(f)
    geoms_m = shapely.transform(f["geometry"].to_numpy(), _plane(*origin))
    # GEOS lets go of the GIL: the centroids are found on the other core meanwhile
    with ThreadPoolExecutor(1) as other:
        centroids = other.submit(centres, geoms_m)
        pairs = neighbours(geoms_m, gap_m)
        cx, cy = centroids.result()
    return LandIndex(f, geoms_m, cx, cy, pairs, gap_m, origin)


def plain_text(frame: pd.DataFrame) -> None:
    """Makes ``frame``'s text columns plain objects, None where missing: read as
    arrays, taken and patched at C speed, and alike however they were read."""
    for column in frame.columns:
        if pd.api.types.is_string_dtype(frame[column].dtype):
            values = frame[column].to_numpy(dtype=object)
            missing = pd.isna(values)
            if missing.any():
                values = values.copy()
                values[missing] = None
            frame[column] = pd.Series(values, index=frame.index, dtype=object)


def plane_origin(frame: pd.DataFrame) -> tuple[float, float]:
    """The mean lon, lat of ``frame``'s points, rounded to ORIGIN_STEP_DEG."""
    return tuple(  # type: ignore[return-value]
        round(float(frame[c].mean()) / ORIGIN_STEP_DEG) * ORIGIN_STEP_DEG for c in ("lon", "lat")
    )


def centres(geoms_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The centroids (x, y) of shapes."""
    points = shapely.centroid(geoms_m)
    return shapely.get_x(points), shapely.get_y(points)


def neighbours(geoms_m: np.ndarray, gap_m: float) -> np.ndarray:
    """The (i, j), i < j, ordered by i then j, of shapes (in metres) within ``gap_m``
    of each other, a gap measured to within GAP_TOLERANCE_M: for ``assemble``."""
    reach = gap_m + GAP_TOLERANCE_M
    i, j = shapely.STRtree(geoms_m).query(geoms_m, predicate="dwithin", distance=reach)
    keep = i < j
    return ordered_pairs(i[keep], j[keep], len(geoms_m))


def ordered_pairs(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """The distinct pairs (i, j) of indices < ``n``, ordered by i then j: one order
    for a fresh index and a patched one (``assemble`` visits neighbours in it)."""
    key = np.unique(i.astype(np.int64) * n + j)
    return np.column_stack([key // n, key % n])


def match_land(
    pool: pd.DataFrame | LandIndex,
    req: Requirement,
    today: dt.date,
    s: MatchSettings,
    reserved: dict[str, str] | None = None,
    lang: str = "zh",
    top: int = 10,
) -> list[dict]:
    """Ranked land candidates (parcels and assembled sites) for a land requirement.

    ``pool`` is ``land_pool``'s frame with geometry (EPSG:4490 shapely), area_mu,
    land_use, land_use_class, district, park, land_price_wan, name, or its LandIndex
    (made with ``s.gap_m``). ``reserved`` maps reserved codes to the project holding
    them; those of other projects are left out."""
    need: LandNeed = req.land
    index = pool if isinstance(pool, LandIndex) else index_land(pool, s.gap_m)
    if index.gap_m != s.gap_m:
        raise ValueError(f"the index was made for gaps of {index.gap_m} m, not {s.gap_m} m")
    rows, f = _passing(index.frame, req, reserved)
    if f.empty:
        return []
    geoms_m = index.geoms_m[rows]
    area = f["area_mu"].to_numpy(float)
    singles = np.flatnonzero(area >= need.area_mu_min)
    parts = np.flatnonzero(area < need.area_mu_min)
    sites = []
    if len(parts) > 1:
        pairs = _pairs_within(index.pairs, rows[parts], len(index.frame))
        centres = (index.cx[rows[parts]], index.cy[rows[parts]])
        sites = [parts[site] for site in assemble(pairs, centres, area[parts], need, s)]
    if not len(singles) and not sites:
        return []

    def members(k: int) -> np.ndarray:
        """The rows of candidate ``k``: the single parcels first, then the sites."""
        return singles[k : k + 1] if k < len(singles) else sites[k - len(singles)]

    sizes = np.concatenate(
        [np.ones(len(singles), dtype=np.int64), np.array([len(x) for x in sites], dtype=np.int64)]
    )
    c = _candidates(f, np.concatenate([singles, *sites]), sizes, req, today, s)
    code_of = f["code"].to_numpy(dtype=object)
    codes = [[code] for code in code_of[singles].tolist()]
    codes += [sorted(code_of[m].tolist()) for m in sites]
    closed = np.empty(len(sizes), dtype=object)
    closed[: len(singles)] = geoms_m[singles]

    def shapes(todo: np.ndarray) -> np.ndarray:
        """The shapes of candidates ``todo``, a site's closed up when first asked for
        (only those that can make the shortlist are)."""
        for k in todo:
            if closed[k] is None:
                closed[k] = _closed_union(geoms_m[members(k)], s.gap_m)
        return closed[todo]

    score, chosen = _rank(c, shapes, codes, s, top)
    shown_columns = f[DETAIL_COLUMNS]  # rows of every column cost more than the scoring
    return [
        _detail(shown_columns, members(k), codes[k], k, c, score[k], rank, req, today, s, lang)
        for rank, k in enumerate(chosen, start=1)
    ]


def _passing(pool: pd.DataFrame, req: Requirement, reserved) -> tuple[np.ndarray, pd.DataFrame]:
    """(the rows of ``pool`` that pass the hard filters, all but the minimum area which
    assembly may reach; those rows with distance_km, index 0..k-1)."""
    need: LandNeed = req.land
    if pool.empty:
        return np.zeros(0, int), pool
    f, ok = placed(pool, req.place)
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
    rows = np.flatnonzero(ok)
    return rows, f[PASSING_COLUMNS].iloc[rows].reset_index(drop=True)


def _pairs_within(pairs: np.ndarray, chosen: np.ndarray, n: int) -> np.ndarray:
    """The ``pairs`` (indices < n) whose both ends are in ``chosen``, numbered by their
    place in ``chosen``."""
    local = np.full(n, -1)
    local[chosen] = np.arange(len(chosen))
    a, b = local[pairs[:, 0]], local[pairs[:, 1]]
    keep = (a >= 0) & (b >= 0)
    return np.column_stack([a[keep], b[keep]])


def _rank(c: dict, shapes, codes: list, s: MatchSettings, top: int):
    """(scores, the shortlisted candidates best first). The shape (``shapes(indices)``
    gives the geometries; the widest circle inside is the costliest figure) is measured
    only for candidates that can still make the shortlist: best first by the score they
    would have with a perfect shape, until the next one's best possible score is below
    the last one shortlisted."""
    weights = {**WEIGHTS, **s.weights}
    n = len(codes)
    upper = scores(weights, {**c["comps"], "shape": np.ones(n)})
    by_upper = np.argsort(-upper, kind="stable")
    shape, width = np.full(n, np.nan), np.full(n, np.nan)
    first = c["first"]  # ties go to the first code (rows stand in code order)
    reach = 5 * top
    while True:
        todo = by_upper[:reach][np.isnan(shape[by_upper[:reach]])]
        if len(todo):
            # the width to a twelfth of the width wanted: plenty for a score
            compact, w = shape_metrics(shapes(todo), s.min_width_m / 12)
            shape[todo], width[todo] = shape_score(compact, w, s.min_width_m), w
        known = ~np.isnan(shape)
        exact = scores(weights, {**c["comps"], "shape": np.where(known, shape, 0.0)})
        score = np.where(known, exact, -np.inf)
        order = np.lexsort((first, np.round(c["area"], 2), -score))
        chosen = shortlist(order[known[order]], codes, top)
        rest = by_upper[reach:]
        if not len(rest) or (len(chosen) == top and upper[rest[0]] < score[chosen[-1]]):
            c["comps"]["shape"], c["width"] = shape, width
            return score, chosen
        reach *= 4


def _candidates(f, flat, sizes, req: Requirement, today, s: MatchSettings) -> dict:
    """Every candidate's figures and score components as arrays (NaN: not applicable),
    all but the shape (see ``_rank``). Candidate k is the rows ``flat[starts[k]:
    starts[k] + sizes[k]]`` of ``f``."""
    need: LandNeed = req.land
    n = len(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    area = np.add.reduceat(f["area_mu"].to_numpy(float)[flat], starts)
    ready_days = f["ready_on"].to_numpy().astype("datetime64[D]").astype("int64")
    ready = np.maximum.reduceat(ready_days[flat], starts).astype("datetime64[D]")
    dist = np.minimum.reduceat(f["distance_km"].to_numpy(float)[flat], starts)
    parks = f["park"].to_numpy(dtype=object)[flat[starts]]
    unparked = pd.isna(parks)  # a park is a name or missing (None, NaN)
    nparts = sizes
    first = np.minimum.reduceat(flat, starts)  # the row of each candidate's first code
    comps = {
        "area_fit": area_fit(area, need.area_mu_min, need.area_mu_max, need.area_mu_preferred),
        "standard": np.full(n, np.nan),
        "readiness": readiness(ready, today, need.ready_by),
        "shape": np.full(n, np.nan),  # measured in _rank
        "distance": (
            np.maximum(0.0, 1 - dist / req.place.within_km)
            if req.place.near is not None
            else np.full(n, np.nan)
        ),
        "park_industry": np.full(n, np.nan),
        "assembly": np.maximum(0.0, 1 - 0.25 * (nparts - 1)),
    }
    for park in pd.unique(parks[~unparked]).tolist():
        here = parks == park
        prefixes = s.park_industries.get(park)
        if req.industry and prefixes:
            comps["park_industry"][here] = float(any(req.industry.startswith(p) for p in prefixes))
        comps["standard"][here] = _standard_ratio(need, area[here], s.standard_of(park))
    if unparked.any():
        comps["standard"][unparked] = _standard_ratio(need, area[unparked], s.standard_of(None))
    return {"comps": comps, "area": area, "ready": ready, "dist": dist, "first": first}


def _standard_ratio(need: LandNeed, area: np.ndarray, standard: dict) -> np.ndarray:
    """The lowest ratio of a promised per-mu figure to the standard, capped at 1 (NaN
    when nothing is promised)."""
    ratios = [
        getattr(need, promised) / np.maximum(area, 1e-9) / standard[std]
        for promised, std, _, _ in STANDARD_FIGURES
        if getattr(need, promised) is not None and standard.get(std)
    ]
    if not ratios:
        return np.full(len(area), np.nan)
    return np.minimum(1.0, np.min(np.vstack(ratios), axis=0))


def _detail(f, m, codes, k, c, score, rank, req: Requirement, today, s: MatchSettings, lang):
    """One shortlisted candidate as listed (``f``: DETAIL_COLUMNS of the parcels, ``m``
    its rows): figures, components and reasons."""
    need: LandNeed = req.land
    rows = f.iloc[m]
    area = float(c["area"][k])
    park = rows["park"].iloc[0] if isinstance(rows["park"].iloc[0], str) else None
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
        f"面积{area:.2f}亩，需求{need.area_mu_min:g}–{need.area_mu_max:g}亩"
        if lang == "zh"
        else f"{area:.2f} mu against {need.area_mu_min:g}-{need.area_mu_max:g} mu asked"
    )
    ready_day = day_of(c["ready"][k])
    if ready_day and ready_day > today:
        reasons.append(
            f"预计{ready_day.isoformat()}可供" if lang == "zh"
            else f"ready on {ready_day.isoformat()}"
        )  # fmt: skip
    if req.place.near is not None:
        d = float(c["dist"][k])
        reasons.append(
            f"距目标点{d:.1f}公里" if lang == "zh" else f"{d:.1f} km from the point asked"
        )
    prefixes = s.park_industries.get(park) if park else None
    if req.industry and prefixes:
        fits = any(req.industry.startswith(p) for p in prefixes)
        reasons.append(
            (f"行业{req.industry}" + ("属于" if fits else "不属于") + f"{park}主导产业")
            if lang == "zh"
            else f"industry {req.industry} is {'one' if fits else 'not one'} of {park}'s "
            "leading industries"
        )
    std_reasons, below = _standard_reasons(need, area, s.standard_of(park), park, lang)
    reasons += std_reasons
    if below:
        flags.append("below_standard")
    width = float(c["width"][k])
    if width < s.min_width_m:
        reasons.append(
            f"最窄处约{width:.0f}米，低于{s.min_width_m:g}米"
            if lang == "zh"
            else f"about {width:.0f} m wide at its narrowest, under {s.min_width_m:g} m"
        )
    price = rows["land_price_wan"].astype(float)
    pts = (float(rows["lon"].iloc[0]), float(rows["lat"].iloc[0]))
    geoms = rows["geometry"].to_numpy()
    return {
        "rank": rank,
        "kind": "parcel" if len(m) == 1 else "site",
        "codes": codes,
        "area_mu": round(area, 2),
        "score": float(score),
        "components": shown(c["comps"], k),
        "reasons": reasons,
        "flags": flags,
        "district": rows["district"].iloc[0],
        "park": park,
        "land_use": rows["land_use"].iloc[0],
        "supply_basis": basis,
        "ready_on": ready_day.isoformat() if ready_day else None,
        "distance_km": round(float(c["dist"][k]), 2) if req.place.near is not None else None,
        "price_wan": float(price.sum()) if price.notna().all() else None,
        "lon": round(pts[0], 6),
        "lat": round(pts[1], 6),
        "geometry": geoms[0] if len(geoms) == 1 else shapely.union_all(geoms),
    }


def _closed_union(geoms_m: np.ndarray, gap_m: float):
    """The parts as one shape with the roads between them closed, for its shape."""
    r = gap_m / 2 + 0.5
    grown = shapely.union_all(shapely.buffer(geoms_m, r, join_style="mitre"))
    return shapely.buffer(grown, -r, join_style="mitre")


def assemble(
    pairs: np.ndarray, centres: tuple, area: np.ndarray, need: LandNeed, s: MatchSettings
) -> list:
    """Sites of neighbouring parcels (each too small alone) whose total area lies in the
    requirement's range: lists of indices into ``area``. ``pairs`` holds the (i, j) of
    neighbours (sharing an edge or within ``gap_m``, a road between them), ``centres``
    the parcels' centroids (x, y in metres). Grows each site from a seed, adding the
    neighbour nearest its centre, so sites stay compact."""
    if not len(pairs):
        return []
    n = len(area)
    i, j = pairs[:, 0], pairs[:, 1]
    # connected groups; only groups that can reach the minimum matter
    group = components(i, j, n)
    group_area = np.bincount(group, weights=area)[group]
    # each parcel's neighbours, as slices of one list
    src, dst = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.argsort(src, kind="stable")
    start = np.searchsorted(src[order], np.arange(n + 1)).tolist()
    dst = dst[order].tolist()
    cx, cy = centres
    seen: set[frozenset] = set()
    sites: list[list[int]] = []
    has_neighbour = np.diff(start) > 0
    eligible = np.flatnonzero((group_area >= need.area_mu_min) & has_neighbour)
    for seed in _seeds(eligible[np.argsort(-area[eligible], kind="stable")], group).tolist():
        site = [seed]
        total = area[seed]
        # the area-weighted centre, summed as parcels join (in the order
        # np.average would sum them)
        sx, sy = cx[seed] * area[seed], cy[seed] * area[seed]
        while total < need.area_mu_min and len(site) < s.max_site_parcels:
            frontier = {k for m in site for k in dst[start[m] : start[m + 1]] if k not in site}
            frontier = [k for k in frontier if total + area[k] <= need.area_mu_max]
            if not frontier:
                break
            mx, my = sx / total, sy / total
            nxt = min(frontier, key=lambda k: (cx[k] - mx) ** 2 + (cy[k] - my) ** 2)
            site.append(nxt)
            total += area[nxt]
            sx, sy = sx + cx[nxt] * area[nxt], sy + cy[nxt] * area[nxt]
        key = frozenset(site)
        if need.area_mu_min <= total <= need.area_mu_max and len(site) > 1 and key not in seen:
            seen.add(key)
            sites.append(sorted(site))
        if len(sites) >= MAX_SITES:
            return sites
    return sites


def _seeds(by_area: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The parcels ``by_area`` (largest first) each group's sites grow from: the groups
    in the order their largest parcel comes, each with its SITE_SEEDS largest."""
    g = group[by_area]
    at = np.argsort(g, kind="stable")  # places in by_area, group by group, largest first
    gs = g[at]
    first = np.r_[True, gs[1:] != gs[:-1]] if len(gs) else np.zeros(0, dtype=bool)
    head = np.maximum.accumulate(np.where(first, np.arange(len(gs)), 0))
    keep = np.arange(len(gs)) - head < SITE_SEEDS
    # the group's place is where its largest parcel stands in by_area
    order = np.lexsort((at[keep], at[head][keep]))
    return by_area[at[keep][order]]


def components(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """The connected group of each of ``n`` nodes joined by the edges (i, j), as the
    least node of its group: every edge hooks the greater of its ends' labels under
    the lesser, then labels jump to their label's label until they stand, and again
    until every edge's ends agree (a few rounds; numpy, no graph library to import)."""
    label = np.arange(n)
    while True:
        li, lj = label[i], label[j]
        apart = li != lj
        if not apart.any():
            return label
        lo, hi = np.minimum(li[apart], lj[apart]), np.maximum(li[apart], lj[apart])
        np.minimum.at(label, hi, lo)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


STANDARD_FIGURES = (
    ("investment_wan", "investment_wan_per_mu", "投资强度", "investment"),
    ("annual_output_wan", "output_wan_per_mu", "亩均产出", "output"),
    ("annual_tax_wan", "tax_wan_per_mu", "亩均税收", "tax"),
)


def _standard_reasons(need: LandNeed, area_mu: float, standard: dict, park, lang):
    """(reasons, below?) of a project's promised per-mu figures on a site of ``area_mu``
    against the park's admission standard: one reason per figure below it."""
    reasons, below, any_promised = [], False, False
    for promised_key, std_key, zh, en in STANDARD_FIGURES:
        promised = getattr(need, promised_key)
        floor = standard.get(std_key)
        if promised is None or not floor or area_mu <= 0:
            continue
        any_promised = True
        per_mu = promised / area_mu
        if per_mu < floor:
            below = True
            where = park or ("本市" if lang == "zh" else "the city")
            reasons.append(
                f"低于标准：{zh}{per_mu:.1f}万元/亩，{where}标准{floor:g}万元/亩"
                if lang == "zh"
                else f"below standard: {en} {per_mu:.1f} wan/mu against {where}'s {floor:g}"
            )
    if any_promised and not below:
        reasons.append(
            "承诺的亩均指标达到园区准入标准"
            if lang == "zh"
            else "the promised per-mu figures meet the park's admission standard"
        )
    return reasons, below
