"""Matching a project's requirement (招商项目需求) to the land and floor space there is.
Pure: frames in, candidate dicts out. The parts:

- ``requirements``: what a project needs, read and checked from a file's or a form's dict;
- ``common``: what land and floor space share: the settings, which parcels can be
  supplied (the land pool), the place filters and the score whose every part is shown;
- ``land``: land candidates, single parcels and sites assembled from neighbours;
- ``floor``: floor-space candidates, vacant floors or units, several floors combined.

The service that reads the database for them is ``landbank.services.matching``."""

from landbank.domain.matching.common import (
    COMPONENTS,
    KINDS,
    SUPPLY_BASES,
    MatchSettings,
    add_points,
    land_pool,
    settings_from_profile,
)
from landbank.domain.matching.floor import match_floor_space
from landbank.domain.matching.land import LandIndex, index_land, match_land
from landbank.domain.matching.requirements import (
    FloorNeed,
    LandNeed,
    Place,
    Requirement,
    RequirementError,
    read_requirement,
)

__all__ = [
    "COMPONENTS",
    "KINDS",
    "SUPPLY_BASES",
    "FloorNeed",
    "LandIndex",
    "LandNeed",
    "MatchSettings",
    "Place",
    "Requirement",
    "RequirementError",
    "add_points",
    "index_land",
    "land_pool",
    "match_floor_space",
    "match_land",
    "read_requirement",
    "settings_from_profile",
]
