"""The names of the places the current parcels lie in, for the pickers of the web pages."""

from __future__ import annotations

from landbank.db import parcels as rows
from landbank.db.store import Store


def place_names(store: Store) -> dict[str, list[str]]:
    """``{"districts": [...], "parks": [...]}``: the distinct districts and parks of the
    current (not retired) parcels, sorted."""
    with store.read() as uow:
        return rows.place_names(uow)
