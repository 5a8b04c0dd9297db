"""The five "unused" categories, derived from a parcel's dates and measures as of a date.

``classify(frame, as_of, rules, standard)`` works on whole columns. It reads the dates
(datetime64, NaT when unknown; a date after ``as_of`` has not happened yet), the
measures, ``cause``, and, for parcels in production, the per-mu figures of
``landbank.domain.efficiency`` (``tax_wan_per_mu``, ``output_wan_per_mu``,
``investment_wan_per_mu``, ``grade``). It returns a new frame, same index, with
``category``, one boolean column per flag, ``idle_fee_wan``, ``flags``, ``reasons``
(JSON text: ``[{"rule", "text_zh", "text_en"}]``, the dates and figures that decided)
and ``missing`` (a key of ``categories.MISSING``: the field a parcel lacks, or None). A
parcel with no approval, supply, start, completion or production date is
``unclassified`` (未分类), not compliant.

``classify`` is the fold of STEPS over a working frame (``working.working_frame``):
each step is a small pure function ``step(w, as_of, rules)`` that returns ``w`` with
the columns its docstring names added or changed (``Reads:``, ``Adds:``,
``Changes:``). A parcel's reasons come in the order of the steps; where several stages
apply, the category of the later one stands.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from landbank.domain.classify.idle import (
    idle_cause,
    idle_fee_due,
    idle_fee_unpriced,
    idle_land,
    overdue,
    reclaim_eligible,
)
from landbank.domain.classify.production import below_standard, operating_below_standard
from landbank.domain.classify.reasons import flags_json
from landbank.domain.classify.stages import (
    approval_lapsed,
    approved_not_supplied,
    below_contracted_intensity,
    built_not_operating,
    idle_before_start,
    missing,
    past_agreed_completion,
    stopped_building,
    supplied_not_used,
    unclassified,
)
from landbank.domain.classify.thresholds import Rules
from landbank.domain.classify.working import WorkingFrame, as_of_dates, working_frame

__all__ = ["FLAGS", "STEPS", "Rules", "classify"]

Step = Callable[[WorkingFrame, pd.Timestamp, Rules], WorkingFrame]

STEPS: tuple[Step, ...] = (
    as_of_dates,
    approved_not_supplied,
    approval_lapsed,
    supplied_not_used,
    idle_before_start,
    stopped_building,
    past_agreed_completion,
    below_contracted_intensity,
    built_not_operating,
    below_standard,
    operating_below_standard,
    overdue,
    idle_land,
    idle_fee_due,
    reclaim_eligible,
    idle_fee_unpriced,
    idle_cause,
    unclassified,
    missing,
)
FLAGS = (
    "overdue",
    "idle_land",
    "reclaim_eligible",
    "idle_fee_due",
    "approval_lapsed",
    "below_standard",
)


def classify(
    frame: pd.DataFrame, as_of, rules: Rules | None = None, standard: dict | None = None
) -> WorkingFrame:
    """Derives each parcel's category, flags and reasons as of ``as_of`` (see module):
    reads ``frame`` (left as it was), the thresholds ``rules`` (default: the national
    ones) and the admission ``standard`` (the profile's ``[standard]``); returns a new
    frame, same index."""
    rules = rules or Rules()
    as_of = pd.Timestamp(as_of).normalize()
    w = working_frame(frame, standard)
    for step in STEPS:
        w = step(w, as_of, rules)
    out = pd.DataFrame(index=w.index)
    out["category"] = w["category"].astype("str")
    out["idle_fee_wan"] = w["idle_fee_wan"]
    out["missing"] = w["missing"]
    flags = {flag: w[f"is_{flag}"].fillna(False).to_numpy(dtype=bool) for flag in FLAGS}
    for flag, raised in flags.items():
        out[f"is_{flag}"] = raised
    out["flags"] = flags_json(w.index, flags)
    out["reasons"] = w["reasons"].json()
    return out
