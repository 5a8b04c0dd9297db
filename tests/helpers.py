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
from landbank.db.store import Store
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


def store_of(url: str) -> Store:
    """The store of ``url`` for a test calling a service directly: one per URL for the
    test's process, closed after each test (conftest)."""
    return Store.shared(url)


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


class Opened:
    """A map open in a page: its console errors and the remote requests it tried."""

    def __init__(self, browser, path, lang="zh"):
        self.page = browser.new_page(viewport={"width": 1200, "height": 800}, locale=lang)
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route(lambda url: not url.startswith("file:"), self._refuse)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.landbank && window.landbank.ready", timeout=30_000)
        self.drawn = self.page.evaluate("window.landbank")

    def _refuse(self, route):
        self.remote.append(route.request.url)
        route.abort()

    def polygons(self) -> int:
        """How many parcels the map can find by code."""
        return len(self.page.evaluate("landbank.codes()"))

    def bounds(self, code: str) -> list[float]:
        return self.page.evaluate("code => landbank.find(code).bounds", code)

    def click_parcel(self, code: str) -> str:
        """Zooms to the parcel, clicks inside it, returns the popup's text."""
        point = self.page.evaluate(
            """code => {
              const input = document.querySelector('.lb-search input');
              input.value = code;
              input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));
              return true; }""",
            code,
        )
        assert point
        self.page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
        return self.page.inner_text(".leaflet-popup-content")

    def close(self):
        self.page.close()
