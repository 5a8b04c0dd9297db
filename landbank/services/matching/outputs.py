"""The outputs of a match beside its JSON: the map of the ranked candidates (on the map
builders of ``landbank.maps``) and the Excel site-selection pack."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from landbank.domain.matching.requirements import Requirement
from landbank.maps.builder import MapBuilder
from landbank.reports import write_match_pack


def match_extent(req: Requirement, candidates: list[dict]):
    """The area the match map shows: the candidates and the project's point, with a
    margin of about 200 m; None when there is nothing to show."""
    shapes = [c["geometry"] for c in candidates]
    if req.place.near is not None:
        shapes.append(shapely.Point(*req.place.near))
    if not shapes:
        return None
    return shapely.buffer(shapely.union_all(np.array(shapes, dtype=object)), 0.002)


def write_match_map(
    path: str | Path,
    req: Requirement,
    candidates: list[dict],
    lang: str = "zh",
    basemap: str = "osm",
    tianditu_key: str | None = None,
    context: pd.DataFrame | None = None,
) -> str:
    """Writes the candidates labelled 1..N over the ``context`` parcels (drawn faint,
    each with its popup) and the project's point (if it gave one), fitted to them;
    returns the file written."""
    title = req.name or ("匹配结果" if lang == "zh" else "match")
    builder = MapBuilder(lang=lang, basemap=basemap, tianditu_key=tianditu_key, title=title)
    if context is not None and len(context):
        builder.add_parcels(context, dim=True)
    builder.add_candidates(candidates)
    if req.place.near is not None:
        builder.add_marker(*req.place.near, title)
    extent = match_extent(req, candidates)
    if extent is not None:
        builder.fit(extent)
    return str(builder.save(path))


def write_match_xlsx(path: str | Path, req: Requirement, candidates: list[dict], lang: str) -> str:
    """Writes the site-selection pack atomically; returns the file written."""
    path = Path(path)
    need = dataclasses.asdict(req.land if req.land is not None else req.floor_space)
    place = dataclasses.asdict(req.place)
    requirement = {"name": req.name, "industry": req.industry, **need, **place}
    requirement = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in requirement.items()
    }
    write_match_pack(path, requirement, req.kind, candidates, lang)  # atomic
    return str(path)
