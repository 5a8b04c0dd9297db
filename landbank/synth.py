"""The synthetic city: a realistic, reproducible inventory placed in Zaozhuang, Shandong.

Parks are cut into blocks by roads, blocks into rows, rows into parcels that share
their edges. Dates and measures follow the parcel's intended category so that every
rule of domain.md has parcels to fire on. Everything derives from ``seed``; nothing
reads the clock (dates are relative to ``reference``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from landbank.domain.area import area_mu

REFERENCE = dt.date(2026, 6, 30)
GK_EPSG = 4527  # CGCS2000 3° Gauss-Krüger zone 39 (central meridian 117°E), with prefix

# district, admin code, park, lon, lat, weight, land-use code scheme
PARKS = [
    ("市中区", "370402", "枣庄市中经济开发区", 117.585, 34.875, 1.0, "gbt"),
    ("薛城区", "370403", "枣庄高新技术产业开发区", 117.285, 34.805, 1.6, "gbt"),
    ("峄城区", "370404", "峄城经济开发区", 117.615, 34.785, 0.8, "gbt"),
    ("台儿庄区", "370405", "台儿庄经济开发区", 117.705, 34.585, 0.7, "gbt"),
    ("山亭区", "370406", "山亭经济开发区", 117.475, 35.085, 0.6, "tk2023"),
    ("滕州市", "370481", "滕州经济开发区", 117.175, 35.075, 1.5, "tk2023"),
]
CATEGORY_SHARES = {
    "approved_not_supplied": 0.12,
    "supplied_not_used": 0.13,
    "used_not_completed": 0.10,
    "built_not_operating": 0.08,
    "operating_below_standard": 0.12,
    "compliant": 0.45,
}
LAND_USES = {
    "gbt": (["0601", "0508", "0604", "0501"], [0.78, 0.12, 0.06, 0.04]),
    "tk2023": (["1001", "1101", "1001", "0901"], [0.72, 0.14, 0.10, 0.04]),
}
FIRMS_A = [
    "鲁南",
    "恒泰",
    "金桥",
    "华宇",
    "盛源",
    "中联",
    "东岳",
    "兴业",
    "瑞丰",
    "远航",
    "新华",
    "泰和",
    "宏达",
    "博创",
    "汇金",
    "天元",
]
FIRMS_B = [
    "机械制造",
    "新材料",
    "化工",
    "电子科技",
    "精密铸造",
    "纺织",
    "食品",
    "物流",
    "医药",
    "新能源",
    "装备",
    "建材",
]
FIRMS_C = ["有限公司", "股份有限公司", "科技有限公司"]


def _days(rng, n, lo_years, hi_years) -> np.ndarray:
    return np.round(rng.uniform(lo_years, hi_years, n) * 365.25).astype(int)


def _blocks(rng, n_parcels: int, cx: float, cy: float):
    """Returns block centres, sizes and the park's rotation for about n_parcels parcels."""
    n_blocks = max(1, int(np.ceil(n_parcels / 5.5)))
    cols = int(np.ceil(np.sqrt(n_blocks * 1.4)))
    rows = int(np.ceil(n_blocks / cols))
    bw = rng.uniform(260, 420, cols)
    bh = rng.uniform(180, 320, rows)
    road = 30.0
    xs = np.concatenate([[0], np.cumsum(bw + road)])[:-1] + bw / 2
    ys = np.concatenate([[0], np.cumsum(bh + road)])[:-1] + bh / 2
    gx, gy = np.meshgrid(xs - xs.mean(), ys - ys.mean())
    gw, gh = np.meshgrid(bw, bh)
    take = slice(0, n_blocks)
    angle = np.deg2rad(rng.uniform(-25, 25))
    # the whole park's grid turns about the park's centre
    ox, oy = gx.ravel()[take], gy.ravel()[take]
    c, s = np.cos(angle), np.sin(angle)
    return (ox * c - oy * s + cx, ox * s + oy * c + cy, gw.ravel()[take], gh.ravel()[take], angle)


def _parcels_in_blocks(rng, bx, by, bw, bh, angle, n_target):
    """Cuts each block into strips across its width and, in some blocks, the strips into
    two rows: a grid per block, so neighbours share whole edges and vertices."""
    n_blocks = len(bx)
    rows = rng.choice([1, 2], size=n_blocks, p=[0.45, 0.55])
    k = rng.integers(2, 6, size=n_blocks)
    k = np.maximum(1, np.ceil(k * n_target * 1.15 / (k * rows).sum()).astype(int))
    s_block = np.repeat(np.arange(n_blocks), k)  # one entry per strip
    w = rng.uniform(0.6, 1.4, size=len(s_block))
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    totals = np.add.reduceat(w, first)
    ends = np.cumsum(w) - np.repeat(np.cumsum(w)[first] - w[first], k)
    f1 = ends / np.repeat(totals, k)
    f1[np.cumsum(k) - 1] = 1.0
    f0 = np.roll(f1, 1)  # a strip starts exactly where its neighbour ends
    f0[first] = 0.0
    # each strip once per row of its block
    reps = rows[s_block]
    strip = np.repeat(np.arange(len(s_block)), reps)
    row = np.concatenate([np.arange(r) for r in reps])
    blk = s_block[strip]
    W, H = bw[blk], bh[blk]
    x0, x1 = -W / 2 + f0[strip] * W, -W / 2 + f1[strip] * W
    rh = H / rows[blk]
    y0 = -H / 2 + row * rh
    y1 = y0 + rh
    corners = np.stack(
        [
            np.stack([x0, y0], -1),
            np.stack([x1, y0], -1),
            np.stack([x1, y1], -1),
            np.stack([x0, y1], -1),
            np.stack([x0, y0], -1),
        ],
        axis=1,
    )
    c, s = np.cos(angle), np.sin(angle)
    rx = corners[..., 0] * c - corners[..., 1] * s + bx[blk][:, None]
    ry = corners[..., 0] * s + corners[..., 1] * c + by[blk][:, None]
    return shapely.polygons(np.stack([rx, ry], -1)), blk


CLUSTER = 1500  # parcels in one cluster of blocks (a park's 片区), at most ~8.5 km across
CELL_M = 9500.0  # clusters sit in cells of this size, so no two ever overlap


def _cluster_centres(counts, centres) -> list[list[tuple[float, float]]]:
    """For each park, the plane centres of its clusters: the first at the park itself,
    the others in the free cells nearest to it, taken in turn park by park."""

    def cell_of(x, y):
        return int(np.floor(x / CELL_M)), int(np.floor(y / CELL_M))

    used: set[tuple[int, int]] = set()
    need = [int(np.ceil(c / CLUSTER)) for c in counts]
    out: list[list[tuple[float, float]]] = [[] for _ in counts]
    half = CELL_M / 2
    for p, (x, y) in enumerate(centres):
        if need[p]:
            out[p].append((x, y))
            for dx in (-half, half):
                for dy in (-half, half):
                    used.add(cell_of(x + dx, y + dy))
    while any(len(out[p]) < need[p] for p in range(len(counts))):
        for p, (x, y) in enumerate(centres):
            if len(out[p]) >= need[p]:
                continue
            home = cell_of(x, y)
            ring = 1
            while True:
                free = [
                    (home[0] + i, home[1] + j)
                    for i in range(-ring, ring + 1)
                    for j in range(-ring, ring + 1)
                    if max(abs(i), abs(j)) == ring and (home[0] + i, home[1] + j) not in used
                ]
                if free:
                    best = min(
                        free,
                        key=lambda c: (
                            ((c[0] + 0.5) * CELL_M - x) ** 2 + ((c[1] + 0.5) * CELL_M - y) ** 2
                        ),
                    )
                    used.add(best)
                    out[p].append(((best[0] + 0.5) * CELL_M, (best[1] + 0.5) * CELL_M))
                    break
                ring += 1
    return out


def synthetic_parcels(n: int, seed: int = 1, reference: dt.date = REFERENCE) -> pd.DataFrame:
    """Returns ``n`` parcels with canonical columns and ``geometry`` (EPSG:4490)."""
    rng = np.random.default_rng(seed)
    weights = np.array([p[5] for p in PARKS])
    counts = rng.multinomial(n, weights / weights.sum())
    to_gk = Transformer.from_crs(4490, GK_EPSG, always_xy=True)
    centres = [to_gk.transform(p[3], p[4]) for p in PARKS]
    clusters = _cluster_centres(counts, centres)
    frames = []
    for pi, (park, count) in enumerate(zip(PARKS, counts, strict=True)):
        if count == 0:
            continue
        district, admin, park_name, _, _, _, scheme = park
        sizes = np.diff(np.linspace(0, count, len(clusters[pi]) + 1).round().astype(int))
        parts, blocks, offset = [], [], 0
        for (cx, cy), size in zip(clusters[pi], sizes, strict=True):
            geoms, blk = _parcels_in_blocks(rng, *_blocks(rng, size, cx, cy), size)
            parts.append(geoms[:size])
            blocks.append(blk[:size] + offset)
            offset += int(blk.max()) + 1
        geoms, blk = np.concatenate(parts), np.concatenate(blocks)
        m = len(geoms)
        short = park_name[:-5] if park_name.endswith("开发区") else park_name
        codes, probs = LAND_USES[scheme]
        frames.append(
            pd.DataFrame(
                {
                    "code": [f"{admin}-{pi + 1:02d}-{i + 1:06d}" for i in range(m)],
                    "name": [f"{short}{b + 1}号街坊{i + 1}号地块" for i, b in enumerate(blk)],
                    "district": district,
                    "park": park_name,
                    "land_use": rng.choice(codes, size=m, p=probs),
                    "gk_geometry": geoms,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    back = Transformer.from_crs(GK_EPSG, 4490, always_xy=True)
    geoms = shapely.transform(
        frame.pop("gk_geometry").to_numpy(),
        lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])),
    )
    frame["geometry"] = shapely.multipolygons(geoms, indices=np.arange(len(geoms)))
    area = area_mu(frame["geometry"].to_numpy())
    _attributes(rng, frame, area, reference)
    return frame


CITY_MOST = 1_000_000  # parcels of one synthetic city; more make a province of cities
GRID = 4  # the province's cities in rows of four, west to east, then north
MARGIN = 1.15  # a city's cell: its first city's extent, this much larger


def synthetic_province(n: int, seed: int = 1, city_most: int = CITY_MOST):
    """Yields the parcels of ``n`` (frames as ``synthetic_parcels``), a city at a time so
    that no more than one city's parcels are in memory: up to ``city_most`` one city
    (``synthetic_parcels(n, seed)`` itself), beyond it ``ceil(n / city_most)`` cities of
    near equal size side by side, the k-th (from 0) made with seed ``seed + k`` and put
    in cell k of a grid ``GRID`` wide whose cells are the first city's extent times
    ``MARGIN``; from the second on, codes begin with ``C<k>-`` and districts and parks
    end with ``·<k+1>``."""
    cities = -(-n // city_most)
    sizes = np.diff(np.linspace(0, n, cities + 1).round().astype(int))
    cell = None
    for k, size in enumerate(sizes):
        frame = synthetic_parcels(int(size), seed=seed + k)
        if cell is None:
            x0, y0, x1, y1 = shapely.total_bounds(frame["geometry"].to_numpy())
            cell = np.array([x1 - x0, y1 - y0]) * MARGIN
        if k:
            step = cell * (k % GRID, k // GRID)
            frame["geometry"] = shapely.transform(
                frame["geometry"].to_numpy(), lambda xy, step=step: xy + step
            )
            frame["code"] = f"C{k}-" + frame["code"]
            for column in ("district", "park"):
                frame[column] = frame[column] + f"·{k + 1}"
        yield frame


def _attributes(rng, f: pd.DataFrame, area: np.ndarray, ref: dt.date) -> None:
    n = len(f)
    cats = rng.choice(list(CATEGORY_SHARES), size=n, p=list(CATEGORY_SHARES.values()))
    ref64 = np.datetime64(ref)
    nat = np.datetime64("NaT")

    def date(mask, days_before):
        out = np.full(n, nat, dtype="datetime64[D]")
        out[mask] = ref64 - days_before[mask]
        return out

    supplied_days = _days(rng, n, 0.6, 6.0)
    is_ans = cats == "approved_not_supplied"
    approved = date(np.ones(n, bool), supplied_days + _days(rng, n, 0.2, 1.5))
    approved[is_ans] = ref64 - _days(rng, n, 0.3, 4.0)[is_ans]  # some lapse (> 2 years)
    supplied = date(~is_ans, supplied_days)
    agreed_start = supplied + _days(rng, n, 0.25, 1.0)
    is_snu = cats == "supplied_not_used"
    # supplied, not used: some not yet due, most overdue, some idle or reclaimable
    agreed_start[is_snu] = ref64 - _days(rng, n, -0.3, 3.0)[is_snu]
    supplied[is_snu] = agreed_start[is_snu] - _days(rng, n, 0.25, 1.0)[is_snu]
    approved[is_snu] = supplied[is_snu] - _days(rng, n, 0.2, 1.5)[is_snu]
    started = agreed_start + _days(rng, n, -0.1, 0.5)
    started[is_ans | is_snu] = nat
    started = np.minimum(started, ref64 - 30)
    agreed_completion = agreed_start + _days(rng, n, 1.5, 3.0)
    build = _days(rng, n, 1.0, 2.5)
    completed = started + build
    is_unc = cats == "used_not_completed"
    completed[is_ans | is_snu | is_unc] = nat
    late = completed > ref64 - 60
    completed[late] = ref64 - 60  # finished buildings lie in the past
    operating = completed + _days(rng, n, 0.1, 1.0)
    is_bno = cats == "built_not_operating"
    operating[is_ans | is_snu | is_unc | is_bno] = nat
    operating = np.where(operating > ref64, ref64 - 1, operating)
    stopped = np.full(n, nat, dtype="datetime64[D]")
    stop_unc = is_unc & (rng.random(n) < 0.7)
    stopped[stop_unc] = ref64 - _days(rng, n, 1.05, 2.5)[stop_unc]
    stopped = np.maximum(stopped, started)  # NaT stays NaT
    stopped[~stop_unc] = nat
    # built, not operating: completed long enough ago for the 24-month rule to fire
    completed[is_bno] = np.minimum(completed[is_bno], ref64 - _days(rng, n, 2.1, 4.0)[is_bno])
    # unfinished without a stop: past the agreed completion date
    late = is_unc & ~stop_unc
    agreed_completion[late] = ref64 - _days(rng, n, 0.1, 1.5)[late]
    # keep the story in order: a start precedes completion by months
    built = ~np.isnat(completed)
    started[built] = np.minimum(started[built], completed[built] - 180)
    supplied_ok = ~np.isnat(supplied) & ~np.isnat(started)
    supplied[supplied_ok] = np.minimum(supplied[supplied_ok], started[supplied_ok] - 30)
    approved_ok = ~np.isnat(approved) & ~np.isnat(supplied)
    approved[approved_ok] = np.minimum(approved[approved_ok], supplied[approved_ok] - 30)
    stopped = np.where(np.isnat(stopped), stopped, np.maximum(stopped, started))

    price_per_mu = rng.uniform(15, 45, n)
    total_inv = area * rng.uniform(250, 650, n)
    share = np.where(is_unc, rng.uniform(0.05, 0.6, n), 1.0)
    share[is_ans | is_snu] = 0.0
    f["holder"] = np.where(
        is_ans,
        None,
        [
            f"枣庄{a}{b}{c}"
            for a, b, c in zip(
                rng.choice(FIRMS_A, n), rng.choice(FIRMS_B, n), rng.choice(FIRMS_C, n), strict=True
            )
        ],
    )
    for name, arr in [
        ("approved_on", approved),
        ("supplied_on", supplied),
        ("agreed_start_on", np.where(is_ans, nat, agreed_start)),
        ("started_on", started),
        ("agreed_completion_on", np.where(is_ans, nat, agreed_completion)),
        ("completed_on", completed),
        ("operating_on", operating),
        ("stopped_on", stopped),
    ]:
        f[name] = pd.Series(arr).astype("datetime64[s]")
    noise = rng.normal(0, 0.008, n)
    off = rng.random(n) < 0.03  # a few ledgers disagree with the survey
    noise[off] = rng.choice([-1, 1], off.sum()) * rng.uniform(0.06, 0.2, off.sum())
    f["recorded_area_mu"] = np.round(area * (1 + noise), 2)
    f["developed_area_mu"] = np.round(area * share, 2)
    f["invested_wan"] = np.round(total_inv * np.clip(share * rng.uniform(0.7, 1.1, n), 0, 1), 1)
    f["total_investment_wan"] = np.where(is_ans, np.nan, np.round(total_inv, 1))
    f["land_price_wan"] = np.where(is_ans, np.nan, np.round(area * price_per_mu, 1))
    plot_ratio = np.where(cats == "compliant", rng.uniform(1.2, 2.2, n), rng.uniform(0.5, 1.6, n))
    f["floor_area_m2"] = np.where(
        share > 0, np.round(area * 666.667 * plot_ratio * share, 0), np.nan
    )
    coverage = np.where(cats == "compliant", rng.uniform(0.35, 0.6, n), rng.uniform(0.2, 0.5, n))
    f["footprint_m2"] = np.where(share > 0, np.round(area * 666.667 * coverage * share, 0), np.nan)
    contracted = rng.random(n) < 0.4  # newer contracts carry intensity and per-mu targets
    f["plot_ratio_min"] = np.where(contracted & ~is_ans, 1.0, np.nan)
    f["building_coverage_min"] = np.where(contracted & ~is_ans, 0.30, np.nan)
    f["target_tax_wan_per_mu"] = np.where(contracted & ~is_ans, rng.choice([20, 25, 30], n), np.nan)
    f["target_output_wan_per_mu"] = np.where(
        contracted & ~is_ans, rng.choice([300, 400, 500], n), np.nan
    )
    f["target_investment_wan_per_mu"] = np.where(
        contracted & ~is_ans, rng.choice([250, 300, 350], n), np.nan
    )
    cause = np.where(rng.random(n) < 0.3, "government", "enterprise")
    f["cause"] = np.where(is_snu | stop_unc, cause, None)
    f["intended_category"] = cats  # the generator's intent, for checking the rules
    # drawn last, so that every value above stays as it was before these columns came
    _case_fields(rng, f, supplied, agreed_start, ref64)


ROADS = (
    "光明路 人民路 文化路 泰山路 黄河路 长江路 建设路 民生路 "
    "复兴路 兴业路 科技大道 工业大道 创业路 振兴路 青檀路 龙潭路"
).split()
NEIGHBOURS = ["规划道路", "空地", "绿化带", "河道", "现状厂区"]


def _case_fields(rng, f: pd.DataFrame, supplied, agreed_start, ref64) -> None:
    """Adds what the case documents state: the holder's address (most holders), the
    contract's electronic supervision number (most supplied parcels; the six-digit
    district code, the year, B for a transfer, a sequence), the four boundaries (四至,
    most supplied parcels) and the day the land was handed over (most supplied
    parcels, weeks after the contract, never after the agreed start). Some are left
    empty, as in a real ledger: the documents then show a blank to fill by hand."""
    n = len(f)
    held = f["holder"].notna().to_numpy()
    is_supplied = ~np.isnat(supplied)
    admin = f["code"].str.slice(0, 6).to_numpy()
    roads = rng.choice(ROADS, size=(n, 4))
    numbers = rng.integers(1, 999, n)
    address = [
        f"山东省枣庄市{d}{r}{k}号"
        for d, r, k in zip(f["district"], roads[:, 0], numbers, strict=True)
    ]
    f["holder_address"] = np.where(held & (rng.random(n) < 0.85), address, None)
    year = pd.Series(supplied).dt.year.fillna(2000).astype(int).to_numpy()
    seq = rng.integers(1, 99999, n)
    contract = [f"{a}{y}B{q:05d}" for a, y, q in zip(admin, year, seq, strict=True)]
    f["contract_number"] = np.where(is_supplied & (rng.random(n) < 0.9), contract, None)
    other = rng.choice(NEIGHBOURS, size=(n, 4))
    by_road = rng.random((n, 4)) < 0.5
    side = np.where(by_road, roads, other)
    four = [f"东至{a}，南至{b}，西至{c}，北至{d}" for a, b, c, d in side]
    f["boundaries"] = np.where(is_supplied & (rng.random(n) < 0.8), four, None)
    delivered = supplied + rng.integers(10, 120, n).astype("timedelta64[D]")
    delivered = np.where(np.isnat(agreed_start), delivered, np.minimum(delivered, agreed_start))
    delivered = np.minimum(delivered, ref64)
    delivered[~(is_supplied & (rng.random(n) < 0.75))] = np.datetime64("NaT")
    f["delivered_on"] = pd.Series(delivered).astype("datetime64[s]")


def synthetic_buildings(parcels: pd.DataFrame, n: int, seed: int = 1):
    """Returns (buildings, vacancies) frames for ``n`` buildings on operating parcels."""
    rng = np.random.default_rng(seed + 1000)
    pool = parcels[parcels["operating_on"].notna() | parcels["completed_on"].notna()]
    pick = pool.sample(n=min(n, len(pool)), random_state=int(rng.integers(1 << 31)))
    pts = shapely.point_on_surface(pick["geometry"].to_numpy())
    types = rng.choice(
        ["standard_factory", "office", "warehouse", "commercial"],
        size=len(pick),
        p=[0.55, 0.2, 0.15, 0.1],
    )
    floors = np.where(
        types == "standard_factory", rng.integers(1, 5, len(pick)), rng.integers(2, 12, len(pick))
    )
    floor_area = np.round(floors * rng.uniform(1500, 4000, len(pick)), 0)
    b = pd.DataFrame(
        {
            "code": [f"LY-{i + 1:04d}" for i in range(len(pick))],
            "name": [
                f"{park[:-5] if park.endswith('开发区') else park}{i + 1}号楼"
                for i, park in enumerate(pick["park"])
            ],
            "address": [f"{d}{p}内" for d, p in zip(pick["district"], pick["park"], strict=True)],
            "district": pick["district"].to_numpy(),
            "park": pick["park"].to_numpy(),
            "building_type": types,
            "floors": floors,
            "total_floor_area_m2": floor_area,
            "structure": rng.choice(["钢结构", "框架结构", "砖混结构"], len(pick)),
            "floor_load_kn_m2": np.where(
                types == "standard_factory", rng.choice([5.0, 8.0, 10.0, 15.0], len(pick)), 3.5
            ),
            "clear_height_m": np.where(
                types == "standard_factory", rng.choice([6.0, 8.0, 9.0, 12.0], len(pick)), 3.6
            ),
            "power_kva": rng.choice([250, 400, 630, 800, 1250], len(pick)).astype(float),
            "owner": pick["holder"].to_numpy(),
            "contact": [f"0632-{rng.integers(3000000, 9999999)}" for _ in range(len(pick))],
            "rent_yuan_m2_month": np.round(rng.uniform(8, 25, len(pick)), 1),
            "lon": np.round(shapely.get_x(pts), 6),
            "lat": np.round(shapely.get_y(pts), 6),
        }
    )
    rows = []
    for code, fl, fa in zip(b["code"], b["floors"], b["total_floor_area_m2"], strict=True):
        per_floor = fa / fl
        for floor in range(1, fl + 1):
            if rng.random() < 0.45:
                part = 1.0 if rng.random() < 0.6 else rng.uniform(0.3, 0.8)
                rows.append(
                    (
                        code,
                        floor,
                        None,
                        round(per_floor * part, 0),
                        REFERENCE + dt.timedelta(days=int(rng.integers(-90, 240))),
                        round(float(rng.uniform(8, 25)), 1),
                    )
                )
    v = pd.DataFrame(
        rows,
        columns=[
            "building_code",
            "floor",
            "unit",
            "vacant_area_m2",
            "available_from",
            "rent_yuan_m2_month",
        ],
    )
    return b, v


def synthetic_performance(parcels: pd.DataFrame, year: int, seed: int = 1) -> pd.DataFrame:
    """Returns one row per operating parcel for ``year``: tax, output, value added, ..."""
    rng = np.random.default_rng(seed + 2000)
    op = parcels[parcels["operating_on"].notna()].reset_index(drop=True)
    area = area_mu(op["geometry"].to_numpy())
    low = (op["intended_category"] == "operating_below_standard").to_numpy()
    m = len(op)
    tax_mu = np.where(low, rng.uniform(3, 22, m), rng.uniform(30, 70, m))
    out_mu = np.where(low, rng.uniform(80, 380, m), rng.uniform(500, 1100, m))
    output = area * out_mu
    return pd.DataFrame(
        {
            "code": op["code"],
            "year": year,
            "tax_wan": np.round(area * tax_mu, 1),
            "output_wan": np.round(output, 1),
            "value_added_wan": np.round(output * 0.25, 1),
            "investment_wan": op["total_investment_wan"],
            "energy_tce": np.round(output * rng.uniform(0.02, 0.08, m), 1),
            "emissions_t": np.round(output * rng.uniform(0.001, 0.01, m), 2),
            "employees": rng.integers(20, 600, m),
            "rd_wan": np.round(output * 0.02, 1),
            "revenue_wan": np.round(output * 1.05, 1),
        }
    )
