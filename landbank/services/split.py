"""``landbank parcels split``: a parcel cut in two for a partial disposal; the children
(CODE-1, CODE-2) carry its attributes and lineage, the parent is retired; one
transaction, with history on all three."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import shapely

from landbank.db import disposals
from landbank.db import history as events_db
from landbank.db import parcels as rows
from landbank.db.store import Store, Unit
from landbank.domain.area import area_mu, gk3_zone, project_to_gk3, unproject_from_gk3
from landbank.domain.split import cut_by_area
from landbank.errors import InputError, NotFoundError
from landbank.io.geometry import to_multipolygons


def _first_piece_from_file(path: Path, parent):
    """The part of ``parent`` inside the polygons of the file at ``path`` (read in its
    own CRS, stored in EPSG:4490); InputError when the file has no geometry."""
    from landbank.io.crs import resolve_crs
    from landbank.io.parcels import _to_storage
    from landbank.io.read import read_table

    raw = read_table(Path(path))
    geoms = raw.frame["geometry"].to_numpy()
    if shapely.is_missing(geoms).all():
        raise InputError(f"{Path(path).name}: no geometry to cut with")
    crs, _ = resolve_crs(
        Path(path).name, raw.crs, None, shapely.total_bounds(geoms), can_swap=False
    )
    piece = shapely.union_all(_to_storage(geoms, crs))
    return shapely.intersection(parent, piece)


def _classify_children(uow: Unit, children, prof, reason: str) -> None:
    """The pieces' categories as of today under ``prof`` (they keep the parent's dates
    and measures), so they are not left without one until the next ``landbank
    classify``; each piece's history gets its category."""
    import pandas as pd

    from landbank.services.classify import derive

    derived = derive(uow, children, pd.Timestamp(dt.date.today()), prof)
    columns = ["category", "category_reasons", "category_flags", "classified_as_of"]
    update = children[["code"]].copy()
    for column in columns:
        update[column] = derived[column].to_numpy()
    rows.update_parcels(uow, update, columns, None, uow.now, bump=False)
    events_db.append(
        uow,
        [
            {"parcel_code": c, "field": "category", "old_value": None, "new_value": category,
             "reason": reason}
            for c, category in zip(children["code"], derived["category"], strict=True)
        ],
    )  # fmt: skip


def split_parcel(
    store: Store,
    code: str,
    by: str,
    reason: str,
    area_mu_first: float | None = None,
    geometry: Path | None = None,
    profile: str | None = None,
) -> dict:
    """Cuts ``code`` into CODE-1 (``area_mu_first`` mu along the long axis, or the part
    inside ``geometry``) and CODE-2 (the rest), classified under ``profile``, in one
    unit of work; returns ``{"parent", "children": [{"code", "area_mu"}]}``."""
    from landbank.config import load_profile

    if (area_mu_first is None) == (geometry is None):
        raise InputError("give either --area-mu X or --geometry FILE")
    if not by.strip() or not reason.strip():
        raise InputError("--by and --reason are required")
    prof = load_profile(profile)
    with store.write(by=by) as uow:
        children = _split(uow, code, reason, area_mu_first, geometry, prof)
    return {
        "parent": code,
        "children": [
            {"code": c, "area_mu": round(float(a), 4)}
            for c, a in zip(children["code"], children["area_mu"], strict=True)
        ],
    }


def _split(uow: Unit, code: str, reason: str, area_mu_first, geometry, prof):
    """``split_parcel`` inside its unit: the parent read locked and checked, cut, the
    two pieces stored and classified, the parent retired, history on all three.
    Returns the pieces (a frame with ``code`` and ``area_mu``)."""
    frame = rows.load_parcels(uow, codes=[code], include_retired=True, lock=True)
    if frame.empty:
        raise NotFoundError(f"parcel {code!r} is not in the database")
    parent = frame.iloc[0]
    if parent["retired"]:
        raise InputError(f"parcel {code} is already retired; split its children")
    busy = disposals.open_disposal(uow, code)
    if busy is not None:
        raise InputError(
            f"parcel {code} has an open disposal (#{busy['id']}); split "
            "first and open the disposal on the piece, or end it first"
        )
    geom = parent["geometry"]
    if area_mu_first is not None:
        if not 0 < area_mu_first < parent["area_mu"]:
            raise InputError(
                f"--area-mu {area_mu_first}: must lie between 0 and the "
                f"parcel's {parent['area_mu']:.2f} mu"
            )
        b = geom.bounds
        zone = int(gk3_zone(np.array([(b[0] + b[2]) / 2]))[0])
        plane = project_to_gk3(np.array([geom], dtype=object), zone)[0]
        first, rest = cut_by_area(plane, area_mu_first / parent["area_mu"])
        first, rest = unproject_from_gk3(np.array([first, rest], dtype=object), zone)
    else:
        first = _first_piece_from_file(geometry, geom)
        rest = shapely.difference(geom, first)
    pieces = to_multipolygons(np.array([first, rest], dtype=object))
    if any(p is None or p.is_empty or p.area == 0 for p in pieces):
        raise InputError(f"the cut leaves an empty piece of {code}; check the geometry or the area")
    children = frame.loc[[frame.index[0]] * 2].reset_index(drop=True)
    children["code"] = [f"{code}-1", f"{code}-2"]
    children["geometry"] = pieces
    children["area_mu"] = area_mu(pieces)
    children["recorded_area_mu"] = np.nan
    existing = rows.existing_codes(uow)
    taken = [c for c in children["code"] if c in existing]
    if taken:
        raise InputError(f"codes {', '.join(taken)} are taken; rename them first")
    why = f"split from {code}: {reason}"
    rows.insert_parcels(uow, [children], len(children), uow.by, uow.now, why)
    rows.update_parcels(
        uow, children[["code"]].assign(parent_code=code), ["parent_code"], None, uow.now, bump=False
    )
    _classify_children(uow, children, prof, why)
    retire = frame[["code"]].assign(retired=True)
    rows.update_parcels(uow, retire, ["retired"], {code: int(parent["version"])}, uow.now)
    retired = {
        "parcel_code": code,
        "field": "retired",
        "old_value": "False",
        "new_value": f"split into {code}-1, {code}-2",
        "reason": reason,
    }
    events_db.append(uow, [retired])
    return children
