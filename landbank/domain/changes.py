"""What changed between a parcel's stored values and new ones, as history rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely


def _same(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Element-wise equality that treats two blanks as equal and floats to 1e-6."""
    o_na, n_na = old.isna().to_numpy(), new.isna().to_numpy()
    both = o_na & n_na
    if old.dtype.kind == "M" and new.dtype.kind == "M":
        eq = old.to_numpy() == new.to_numpy()
    elif old.dtype.kind == "f" or new.dtype.kind == "f":
        o = pd.to_numeric(old, errors="coerce").to_numpy(dtype=float)
        n = pd.to_numeric(new, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            eq = np.isclose(o, n, rtol=1e-9, atol=1e-6)
    else:
        eq = old.astype(object).to_numpy() == new.astype(object).to_numpy()
    return both | (eq & ~o_na & ~n_na)


def diff_parcels(
    old: pd.DataFrame, new: pd.DataFrame, fields: list[str], as_text, geometry: bool = True
) -> pd.DataFrame:
    """Returns one row per changed field: ``parcel_code, field, old_value, new_value``.

    Reads ``old`` and ``new`` (same codes, any order) with the columns ``fields`` and
    ``geometry``; a changed geometry is one row with the old and new WKT.
    """
    old = old.set_index("code").sort_index()
    new = new.set_index("code").loc[old.index]
    rows = []
    for f in fields:
        changed = ~_same(old[f], new[f])
        for code, o, n in zip(old.index[changed], old[f][changed], new[f][changed], strict=True):
            rows.append((code, f, as_text(o), as_text(n)))
    if not geometry:
        return pd.DataFrame(rows, columns=["parcel_code", "field", "old_value", "new_value"])
    og, ng = old["geometry"].to_numpy(), new["geometry"].to_numpy()
    moved = ~shapely.equals_exact(og, ng, tolerance=1e-9)
    for code, o, n in zip(old.index[moved], og[moved], ng[moved], strict=True):
        rows.append(
            (
                code,
                "geometry",
                shapely.to_wkt(o, rounding_precision=9),
                shapely.to_wkt(n, rounding_precision=9),
            )
        )
    return pd.DataFrame(rows, columns=["parcel_code", "field", "old_value", "new_value"])
