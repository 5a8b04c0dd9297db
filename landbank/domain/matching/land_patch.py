"""A kept LandIndex brought up to date with the parcels written since it was made,
instead of made again from every parcel: the rows of the changed codes are dropped and
those still in the pool put back in code order, their shapes put on the index's plane
and their neighbours found among the whole pool. The result equals ``index_land`` of
the pool as it is now; where it could not (the plane's origin moved), there is none and
the caller makes the index afresh. Pure: frames and arrays in, a LandIndex out."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import shapely

from landbank.domain.matching.common import _plane, add_points
from landbank.domain.matching.land import (
    GAP_TOLERANCE_M,
    LandIndex,
    centres,
    ordered_pairs,
    plain_text,
    plane_origin,
)

# A patch is worth it while the parcels changed are few against the pool: beyond
# this share (and this many) the index is made afresh.
PATCH_SHARE = 0.05
PATCH_MIN = 100


def patch_limit(index: LandIndex) -> int:
    """The most changed codes that ``patch_land`` is asked to take for ``index``."""
    return max(PATCH_MIN, int(PATCH_SHARE * len(index.frame)))


def patch_land(index: LandIndex, changed: Collection[str], rows: pd.DataFrame) -> LandIndex | None:
    """The LandIndex of ``index``'s pool with the parcels ``changed`` (codes: added,
    edited, gone, in or out of the pool) as ``rows`` gives them: ``land_pool``'s frame
    of those of ``changed`` in the pool now (with geometry). None when the fresh index
    would differ otherwise than in those rows (an empty pool, a moved origin)."""
    f = index.frame
    if not changed:
        return index
    if f.empty:
        return None  # made afresh: an empty pool's frame may lack columns
    codes = f["code"].to_numpy(dtype=object)
    wanted = np.array(sorted(changed), dtype=object)
    at = np.searchsorted(codes, wanted)
    inside = at < len(codes)
    at = at[inside][codes[at[inside]] == wanted[inside]]
    keep = np.ones(len(codes), dtype=bool)
    keep[at] = False
    kept = np.flatnonzero(keep)
    new = _rows_like(rows, f)
    if kept.size == 0 and new.empty:
        return None  # the pool is empty now: the fresh index is the empty one
    new_codes = new["code"].to_numpy(dtype=object)
    slot = np.searchsorted(codes[kept], new_codes)
    # where each kept row and each new row lands in the patched pool (by code)
    to_new = slot + np.arange(len(new))
    to_kept = np.arange(len(kept)) + np.searchsorted(slot, np.arange(len(kept)), side="right")
    n = len(kept) + len(new)
    order = np.empty(n, dtype=np.int64)
    order[to_kept] = np.arange(len(kept))
    order[to_new] = len(kept) + np.arange(len(new))
    frame = pd.concat([f.iloc[kept], new], ignore_index=True).take(order)
    frame = frame.reset_index(drop=True)
    if plane_origin(frame) != index.origin:
        return None
    new_m = shapely.transform(new["geometry"].to_numpy(), _plane(*index.origin))
    geoms_m = np.concatenate([index.geoms_m[kept], new_m])[order]
    new_cx, new_cy = centres(new_m)
    cx = np.concatenate([index.cx[kept], new_cx])[order]
    cy = np.concatenate([index.cy[kept], new_cy])[order]
    return LandIndex(
        frame, geoms_m, cx, cy, _pairs(index, kept, to_kept, to_new, geoms_m), index.gap_m,
        index.origin,
    )  # fmt: skip


def _rows_like(rows: pd.DataFrame, f: pd.DataFrame) -> pd.DataFrame:
    """``rows`` by code with lon, lat, in ``f``'s columns and (where they convert)
    dtypes, so the patched frame reads as the fresh one."""
    if rows.empty:
        return f.iloc[:0]
    new = rows.sort_values("code", kind="stable", ignore_index=True)
    add_points(new)
    new = new[list(f.columns)]
    plain_text(new)
    for column, dtype in f.dtypes.items():
        if new[column].dtype != dtype:
            try:
                new[column] = new[column].astype(dtype)
            except (TypeError, ValueError):
                pass
    return new


def _pairs(index, kept, to_kept, to_new, geoms_m) -> np.ndarray:
    """The neighbouring pairs of the patched pool: the kept ones renumbered, and those
    of each new row with any row (found on the patched pool's tree)."""
    n = len(geoms_m)
    old_to_new = np.full(len(index.frame), -1, dtype=np.int64)
    old_to_new[kept] = to_kept
    i, j = old_to_new[index.pairs[:, 0]], old_to_new[index.pairs[:, 1]]
    both = (i >= 0) & (j >= 0)
    reach = index.gap_m + GAP_TOLERANCE_M
    qi, qj = shapely.STRtree(geoms_m).query(geoms_m[to_new], predicate="dwithin", distance=reach)
    a, b = to_new[qi], qj
    other = a != b
    a, b = a[other], b[other]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return ordered_pairs(np.concatenate([i[both], lo]), np.concatenate([j[both], hi]), n)
