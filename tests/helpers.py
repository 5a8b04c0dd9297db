"""Helpers for tests: write parcel frames to real files, count rows in a database."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.domain.dates import iso_dates
from landbank.domain.fields import PARCEL_FIELDS


def bureau_frame(frame: pd.DataFrame, headers: str = "zh") -> pd.DataFrame:
    """Canonical columns as a bureau's file has them: Chinese (zh) or canonical headers,
    dates as ISO text."""
    data = frame[[f.name for f in PARCEL_FIELDS]].copy()
    for f in PARCEL_FIELDS:
        if f.kind == "date":
            data[f.name] = iso_dates(data[f.name])
    if headers == "zh":
        data = data.rename(columns={f.name: f.zh for f in PARCEL_FIELDS})
    return data


def write_vector(frame: pd.DataFrame, path: Path, crs="EPSG:4490", headers="zh", **kwargs) -> Path:
    gdf = gpd.GeoDataFrame(
        bureau_frame(frame, headers), geometry=frame["geometry"].to_numpy(), crs=crs
    )
    gdf.to_file(path, engine="pyogrio", **kwargs)
    return path


def write_table(frame: pd.DataFrame, path: Path, headers="zh", encoding="utf-8") -> Path:
    data = bureau_frame(frame, headers)
    data["wkt"] = shapely.to_wkt(frame["geometry"].to_numpy(), rounding_precision=-1)
    if path.suffix == ".xlsx":
        data.to_excel(path, index=False)
    else:
        data.to_csv(path, index=False, encoding=encoding)
    return path


def table_counts(db_url: str) -> dict[str, int]:
    """Rows in each landbank table: the fingerprint of 'database unchanged'."""
    engine = make_engine(db_url)
    tables = [
        "parcel",
        "parcel_event",
        "disposal",
        "building",
        "vacancy",
        "performance",
        "project",
        "reservation",
        "app_user",
    ]
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
        counts["versions"] = conn.execute(
            text("SELECT coalesce(sum(version), 0) FROM parcel")
        ).scalar()
    engine.dispose()
    return counts


def tool(name: str) -> str:
    """The path of a program `make setup` installs; fails in CI, skips elsewhere, when absent."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required in CI (make setup installs it)")
        pytest.skip(f"{name} is not installed (make setup installs it)")
    return path
