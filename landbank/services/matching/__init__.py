"""Matching as a user action (``landbank match``, the match page and API):

- ``run``: the action: the requirement resolved, the candidates read and ranked in one
  unit of work (the domain's ``landbank.domain.matching``), the outputs written;
- ``prepared``: what a long-lived process keeps of the pool and the floor space while
  the database's data stamps stay put;
- ``outputs``: the map of the ranked candidates and the Excel site-selection pack."""

from landbank.services.matching.run import (
    match,
    match_page,
    requirement_from_options,
    resolve_requirement,
    run_match,
)

__all__ = ["match", "match_page", "requirement_from_options", "resolve_requirement", "run_match"]
