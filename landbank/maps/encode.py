"""Compact map data: geometries as delta-encoded integer rings, properties by column.

A city's parcels as GeoJSON repeat every key and carry 15-digit coordinates; here a
vertex costs two small integers (1e-6 degree, about 0.1 m) and a property name is
written once per layer. ``landbank-map.js`` decodes both.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import shapely

SCALE = 1_000_000  # integer units per degree: 1e-6 degree, about 0.11 m north-south


def simplify(geoms: np.ndarray, tolerance_deg: float, min_vertices: int = 9) -> np.ndarray:
    """Simplifies polygons for display, keeping shared edges shared (a coverage
    simplification); falls back to per-polygon simplification that keeps each valid
    when the polygons overlap. Only polygons of at least ``min_vertices`` coordinates
    are touched: a quadrilateral has nothing to lose, and skipping them saves most of
    the time on a city. ``tolerance_deg`` 0 returns them unchanged."""
    geoms = np.asarray(geoms, dtype=object)
    if tolerance_deg <= 0 or len(geoms) == 0:
        return geoms
    dense = shapely.get_num_coordinates(geoms) >= min_vertices
    if not dense.any():
        return geoms
    out = geoms.copy()
    try:
        out[dense] = shapely.coverage_simplify(geoms[dense], tolerance_deg)
    except shapely.errors.GEOSException:
        out[dense] = shapely.simplify(geoms[dense], tolerance_deg, preserve_topology=True)
    return out


def encode_polygons(geoms: np.ndarray) -> list[list[list[list[int]]]]:
    """Reads (multi)polygons in degrees; returns per feature a list of polygons, each a
    list of rings (exterior first), each ``[x0, y0, dx1, dy1, ...]`` in 1e-6 degree with
    the closing vertex and repeated vertices dropped. A ring's first vertex is given from
    the first vertex of the ring before it (the very first from 0, 0). Empty geometries
    give ``[]``."""
    geoms = np.asarray(geoms, dtype=object)
    out: list[list] = [[] for _ in range(len(geoms))]
    if len(geoms) == 0:
        return out
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vertex_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(coords * SCALE).astype(np.int64)
    counts = np.bincount(vertex_of, minlength=len(rings))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    first = np.zeros(len(q), dtype=bool)
    first[starts[counts > 0]] = True
    delta = q.copy()
    delta[1:] -= q[:-1]
    keep = first | (delta != 0).any(axis=1)
    keep[(starts + counts - 1)[counts > 0]] = False  # Leaflet closes rings itself
    # fewer than three vertices left at 0.1 m draws nothing: such rings are dropped
    ring_ok = np.bincount(vertex_of[keep], minlength=len(rings)) >= 3
    # a kept ring's first vertex from the kept ring before's (neighbours are close)
    heads = q[starts[ring_ok]]
    heads[1:] -= q[starts[ring_ok]][:-1]
    delta[starts[ring_ok]] = heads
    kept_of = vertex_of[keep]
    flat = delta[keep]
    bounds = np.searchsorted(kept_of, np.arange(len(rings) + 1))
    polys: list[list] = [[] for _ in range(len(parts))]
    for r in np.flatnonzero(ring_ok):
        polys[ring_of[r]].append(flat[bounds[r] : bounds[r + 1]].ravel().tolist())
    for p, feature in enumerate(part_of):
        if polys[p]:
            out[feature].append(polys[p])
    return out


def encode_points(xs: np.ndarray, ys: np.ndarray) -> list[list[int]]:
    """Reads point coordinates in degrees; returns ``[x, y]`` pairs in 1e-6 degree."""
    q = np.rint(np.column_stack([xs, ys]) * SCALE).astype(np.int64)
    return q.tolist()


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _items(values, digits: int | None = None) -> list:
    """Plain Python values (None for missing), floats rounded to ``digits``."""
    s = pd.Series(values)
    if digits is not None and pd.api.types.is_numeric_dtype(s):
        s = s.astype(float).round(digits)
    return s.astype(object).where(s.notna(), None).tolist()


def encode_column(values, digits: int | None = None, dictionary: bool | None = None):
    """Reads one property for every feature; returns a plain list, or, where few
    distinct values repeat, ``{"d": values, "i": indices}`` (index -1 for none).
    Floats are rounded to ``digits``; NaN becomes null."""
    items = _items(values, digits)
    codes, uniques = pd.factorize(pd.Series(items, dtype=object), sort=False)
    if dictionary is None:
        dictionary = len(uniques) <= max(16, len(items) // 8)
    if not dictionary:
        return items
    order = sorted(range(len(uniques)), key=lambda k: str(uniques[k]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    index = np.where(codes < 0, -1, rank[codes] if len(order) else codes)
    return {"d": [_plain(uniques[k]) for k in order], "i": index.tolist()}


def encode_codes(values) -> dict:
    """Front coding of identifiers (sorted codes share long prefixes): returns
    ``{"f": [shared, suffix, shared, suffix, ...]}``, each code as the number of leading
    characters it shares with the one before and the rest."""
    flat: list = []
    prev = ""
    for value in values:
        code = "" if value is None else str(value)
        n = 0
        limit = min(len(code), len(prev))
        while n < limit and code[n] == prev[n]:
            n += 1
        flat += [n, code[n:]]
        prev = code
    return {"f": flat}


_NUMBER = re.compile(r"(\d+(?:[.\-:]\d+)*)")  # captured: split() keeps them
HOLE = "\u0001"  # where a number goes back into a template


def encode_lines(values):
    """Text of many lines written from few templates (category reasons): returns
    ``{"t": templates, "l": rows}``, a row ``[template, number..., template, ...]`` (or
    null), its lines joined by newlines when decoded. Falls back to a plain list where
    the text does not repeat in shape."""
    items = _items(values)
    templates: dict[str, int] = {}
    seen: dict[str, list] = {}
    rows: list = []
    lines = 0
    for item in items:
        if not item:
            rows.append(None)
            continue
        row: list = []
        for line in str(item).split("\n"):
            lines += 1
            coded = seen.get(line)
            if coded is None:
                pieces = _NUMBER.split(line.replace(HOLE, ""))  # text, number, text, ...
                shape = HOLE.join(pieces[0::2])
                coded = [templates.setdefault(shape, len(templates)), *pieces[1::2]]
                seen[line] = coded
            row += coded
        rows.append(row)
    if len(templates) > max(8, lines // 4):
        return items
    return {"t": list(templates), "l": rows}
