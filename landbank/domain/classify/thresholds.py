"""The thresholds of the five-unused rules: the profile's ``[rules]``."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Rules:
    """Thresholds of the rules (the profile's ``[rules]``); defaults are the national
    values and common local practice of domain.md."""

    approval_lapse_years: int = 2
    idle_after_years: int = 1
    reclaim_after_years: int = 2
    idle_fee_share: float = 0.20
    idle_developed_share: float = 1 / 3
    idle_invested_share: float = 0.25
    idle_stopped_years: int = 1
    stopped_years: int = 1
    unfinished_past_agreed_completion: bool = True
    built_not_operating_months: int = 24

    @classmethod
    def from_profile(cls, values: dict) -> Rules:
        """The thresholds named in ``values`` (a profile's ``[rules]``), defaults for the
        rest; keys that are no threshold are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
