"""Helpers for tests: write parcel frames to real files, count rows in a database."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
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


def serve_act(
    db_url: str,
    code: str,
    kind: str,
    on: str | dt.date,
    by: str = "a",
    profile: str | None = None,
    **issue_options,
) -> str:
    """Issues an act of ``kind`` on parcel ``code``'s case on ``on`` and serves it
    directly that day, as a bureau carries out its case (``services.cases``); returns
    the act's number. Serving the investigation notice moves the case to investigating,
    the determination to determined (an investigation notice on a parcel without an
    open case opens one)."""
    from landbank.services.cases import issue, serve

    day = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    # a store of its own, closed at once: no connection is left open on a database a
    # fixture copies next (PostgreSQL copies a template no one is connected to)
    store = Store.open(db_url)
    try:
        act = issue(store, code, kind, by, on=day, profile=profile, **issue_options)
        serve(store, act["number"], day, "direct", by, profile=profile)
    finally:
        store.close()
    return act["number"]


# the act whose service moves a parcel's case into a state
ACT_OF_STATE = {"investigating": "investigation", "determined": "determination"}


def carry_case(cli, db_url: str, code: str, to: str, on: str, by: str = "a") -> None:
    """Moves parcel ``code``'s open case one state on to ``to`` on ``on``, as a bureau
    does: investigating and determined by serving the act; disposing (or later) of a
    government-caused case after serving its agreement, of an enterprise-caused one
    after serving the hearing notice on ``on`` and, its window passed, the fee decision
    (the step then dated the decision's day); closed after the fee is paid; else
    ``disposal advance``."""
    if to in ACT_OF_STATE:
        serve_act(db_url, code, ACT_OF_STATE[to], on, by)
        return
    day = dt.date.fromisoformat(on)
    shown = _shown(db_url, code)
    cause = shown["cause"]
    live = {a["kind"]: a for a in shown["acts"] if a["status"] != "voided" and a["served_on"]}
    if to in ("disposing", "disposed", "closed"):
        if cause == "government" and "agreement" not in live:
            serve_act(db_url, code, "agreement", day, by, method="extend_deadline",
                      new_start_on=day + dt.timedelta(days=180))  # fmt: skip
        if cause == "enterprise" and "fee" not in live and "recovery" not in live:
            _, fee, day = serve_decision(db_url, code, "fee", on, by)
            live["fee"] = {"number": fee, "paid_on": None, "amount_wan": None}
    if to == "closed" and "fee" in live and live["fee"]["paid_on"] is None:
        fee = live["fee"]
        _pay(db_url, fee["number"], day, by)
    last = max((d for a in shown["acts"] for d in (a["issued_on"], a["served_on"]) if d),
               default=on)  # fmt: skip
    day = max(day, dt.date.fromisoformat(last))
    result = cli("disposal", "advance", code, "--to", to, "--by", by, "--on", day.isoformat(),
                 db=db_url)  # fmt: skip
    assert result.exit_code == 0, result.stderr


def _pay(db_url: str, number: str, day: dt.date, by: str) -> None:
    """Pays fee decision ``number`` in full on ``day`` with a receipt."""
    from landbank.services.cases import record_payment

    store = Store.open(db_url)
    try:
        fee = next(a for a in _shown_store(store, number)["acts"] if a["number"] == number)
        record_payment(store, number, fee["amount_wan"], day, by, receipt=f"R-{number}")
    finally:
        store.close()


def _shown_store(store: Store, number: str) -> dict:
    from landbank.db import cases
    from landbank.services.cases import show

    with store.read() as uow:
        code = cases.act_by_number(uow, number)["parcel_code"]
    return show(store, code)


def _shown(db_url: str, code: str) -> dict:
    from landbank.services.cases import show

    store = Store.open(db_url)
    try:
        return show(store, code)
    finally:
        store.close()


def serve_decision(
    db_url: str, code: str, kind: str, notice_on: str, by: str = "a", profile: str | None = None
) -> tuple[str, str, dt.date]:
    """Serves the hearing notice of parcel ``code``'s determined case on ``notice_on``
    and, the day after the request window ends with no request, issues and serves the
    decision of ``kind`` (fee or recovery); returns the notice's number, the
    decision's number and its day."""
    from landbank.config import load_profile
    from landbank.domain.case import hearing_window_end

    notice = serve_act(db_url, code, "hearing_notice", notice_on, by, profile, intend=kind)
    prof = load_profile(profile)
    served = {"served_on": dt.date.fromisoformat(notice_on)}
    day = hearing_window_end(served, prof.calendar, prof.case) + dt.timedelta(days=1)
    return notice, serve_act(db_url, code, kind, day, by, profile), day


def first_uncovered_year(start: int = 2026) -> int:
    """The first year from ``start`` whose official calendar the installed
    chinese-calendar package does not carry (2027 with version 1.11)."""
    import chinese_calendar

    for year in range(start, start + 200):
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            return year
    raise AssertionError("chinese-calendar claims two hundred years ahead")


def lawful_sample(db_url: str, parcels: list[dict], determined_on: dt.date) -> list[dict]:
    """Those of ``parcels`` a case may be carried out on: the cause recorded, idle a full
    year by ``determined_on`` (domain.case.idle_start), with a land price when
    enterprise-caused (the fee)."""
    from landbank.domain.case import idle_start
    from landbank.domain.disposal import add_years
    from landbank.services.parcels import show_parcel

    def day(value):
        return None if value is None else dt.date.fromisoformat(str(value)[:10])

    store = Store.open(db_url)
    out = []
    try:
        for row in parcels:
            parcel = show_parcel(store, row["code"])
            keys = ("agreed_start_on", "delivered_on", "started_on", "stopped_on")
            since = idle_start({k: day(parcel.get(k)) for k in keys})
            cause = parcel.get("cause")
            if since is None or add_years(since, 1) > determined_on:
                continue
            if cause == "government" or (
                cause == "enterprise" and parcel.get("land_price_wan") is not None
            ):
                out.append(row)
    finally:
        store.close()
    return out


@contextmanager
def served(app):
    """``app`` in a real uvicorn server on a free port, in a thread; yields its URL and
    stops the server after."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
