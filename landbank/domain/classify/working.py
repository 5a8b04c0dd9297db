"""The working frame the rules fold over, and its first step, the dates as of a day.

``working_frame`` reads the parcels once: every column a rule reads, typed, blank where
the input lacks it, and the admission standard of each parcel. From there on each
step reads the working frame and returns it with its columns added or changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from landbank.domain.classify.reasons import Reasons
from landbank.domain.classify.thresholds import Rules

EVENTS = ("approved_on", "supplied_on", "started_on", "completed_on", "operating_on", "stopped_on")
AGREED = ("agreed_start_on", "agreed_completion_on")
MEASURES = (
    "area_mu",
    "developed_area_mu",
    "invested_wan",
    "total_investment_wan",
    "land_price_wan",
    "floor_area_m2",
    "footprint_m2",
    "plot_ratio_min",
    "building_coverage_min",
    "tax_wan_per_mu",
    "target_tax_wan_per_mu",
    "output_wan_per_mu",
    "target_output_wan_per_mu",
    "investment_wan_per_mu",
    "target_investment_wan_per_mu",
)
# the admission standard's keys (the profile's [standard]), one column standard_<key> each
STANDARD = (
    "tax_wan_per_mu",
    "output_wan_per_mu",
    "investment_wan_per_mu",
    "plot_ratio",
    "building_coverage",
)


class WorkingFrame(Mapping[str, Any]):
    """The working frame: columns by name (pandas Series on one index, and ``reasons``,
    the Reasons given so far), read like a DataFrame's. Never changed: ``assign``
    returns a new one, sharing the columns it keeps.

    Not a DataFrame: an edit re-classifies one parcel, and one DataFrame ``assign`` a
    step made that 40 % slower (measured); this ``assign`` costs nothing.
    """

    def __init__(self, index: pd.Index, columns: dict[str, Any]):
        self.index = index
        self._columns = columns

    def __getitem__(self, name: str) -> Any:
        return self._columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        """The number of columns (as for a mapping; ``len(w.index)`` is the parcels')."""
        return len(self._columns)

    def assign(self, **columns) -> WorkingFrame:
        """A new working frame: this one's columns with ``columns`` added or replaced."""
        return WorkingFrame(self.index, {**self._columns, **columns})


def working_frame(frame: pd.DataFrame, standard: dict | None = None) -> WorkingFrame:
    """The parcels as the rules read them: a working frame, same index, leaving
    ``frame`` as it was.

    Reads from ``frame`` the recorded dates (EVENTS, any may be absent; AGREED,
    required), the measures (MEASURES, float, NaN where absent), ``cause``, ``grade``,
    ``grade_enterprise`` and ``grade_year`` (the enterprise whose grade it is and the
    year, where the grade is an enterprise's) and ``park`` (None where absent). Adds
    ``standard_<key>`` for each key of STANDARD: the admission standard of the parcel's
    park (``standard["parks"]``), else the city's (``standard[key]``), NaN where neither
    sets one. Starts ``category`` at
    compliant and ``reasons`` empty.
    """
    idx = frame.index
    cols: dict[str, Any] = {}
    for name in EVENTS:
        cols[name] = pd.to_datetime(frame[name]) if name in frame else pd.Series(pd.NaT, index=idx)
    for name in AGREED:
        cols[name] = pd.to_datetime(frame[name])
    for name in MEASURES:
        cols[name] = frame[name].astype(float) if name in frame else pd.Series(np.nan, index=idx)
    cols["cause"] = frame["cause"].astype(object) if "cause" in frame else _blank(idx)
    # compared with one value only, or shown: any dtype will do
    for name in ("grade", "park", "grade_enterprise", "grade_year"):
        cols[name] = frame[name] if name in frame else _blank(idx)
    for key in STANDARD:
        cols[f"standard_{key}"] = _standard(cols["park"], standard or {}, key)
    compliant = np.full(len(idx), "compliant", dtype=object)
    cols["category"] = pd.Series(compliant, index=idx, dtype=object)
    cols["reasons"] = Reasons(idx)
    return WorkingFrame(idx, cols)


def _blank(index: pd.Index) -> pd.Series:
    """None for every parcel of ``index``."""
    return pd.Series(None, index=index, dtype=object)


def _standard(park: pd.Series, standard: dict, key: str) -> pd.Series:
    """The admission standard ``key`` per parcel: the park's override, else the city's."""
    values = pd.Series(float(standard.get(key, np.nan)), index=park.index)
    for name, over in (standard.get("parks") or {}).items():
        if key in over:
            values[park.eq(name).to_numpy()] = float(over[key])
    return values


def as_of_dates(w: WorkingFrame, as_of: pd.Timestamp, rules: Rules) -> WorkingFrame:
    """The dates that have happened by ``as_of`` (NaT otherwise: a date after ``as_of``
    has not happened yet); a parcel in production counts as completed.

    Reads: approved_on, supplied_on, started_on, completed_on, operating_on, stopped_on.
    Adds: approved, supplied, started, completed, operating, stopped.
    """

    def happened(name: str) -> pd.Series:
        return w[name].where(w[name] <= as_of)

    operating = happened("operating_on")
    return w.assign(
        approved=happened("approved_on"),
        supplied=happened("supplied_on"),
        started=happened("started_on"),
        completed=happened("completed_on").fillna(operating),
        operating=operating,
        stopped=happened("stopped_on"),
    )
