"""Land-use classes from the source codes (GB/T 21010-2017, third land survey, 2023
spatial-planning classes) through the profile's crosswalk; the source code is kept."""

from __future__ import annotations

import pandas as pd

CLASSES = ("industrial", "logistics", "commercial", "residential", "public", "other")


def land_use_class(codes: pd.Series, crosswalk: dict[str, str]) -> pd.Series:
    """Returns the class of each code: the crosswalk's entry for the whole code, else for
    its first two digits (the major class), else None. Reads text codes such as 0601."""
    text = codes.astype(object).where(codes.notna(), None)
    exact = text.map(crosswalk)
    major = text.map(lambda c: crosswalk.get(str(c)[:2]) if isinstance(c, str) else None)
    out = exact.where(exact.notna(), major)
    return out.astype(object).where(out.notna(), None)
