"""Land-use classes from the source codes (GB/T 21010-2017, third land survey, 2023
spatial-planning classes) through the profile's crosswalk; the source code is kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

CLASSES = ("industrial", "logistics", "commercial", "residential", "public", "other")


def land_use_class(codes: pd.Series, crosswalk: dict[str, str]) -> pd.Series:
    """Returns the class of each code: the crosswalk's entry for the whole code, else for
    its first two digits (the major class), else None. Reads text codes such as 0601."""
    # a city's million parcels hold a few dozen codes: each looked up once
    keys, uniques = pd.factorize(codes)  # a missing code: key -1
    classes = [_class_of(c, crosswalk) for c in uniques]
    found = np.array([*classes, None], dtype=object)[keys]
    return pd.Series(found, index=codes.index, dtype=object)


def _class_of(code, crosswalk: dict[str, str]) -> str | None:
    found = crosswalk.get(code)
    if found is None and isinstance(code, str):
        found = crosswalk.get(code[:2])
    return found
