"""The tiled maps drawn in real headless Chromium (Debian's, driven by Playwright): the
service's /map page behind a sign-in, and the PMTiles viewer served by
``python -m http.server`` (which answers no range request: the viewer reads the archive
whole then). MapLibre must draw parcels (its rendered features hold them), and no
request may leave this machine. Both engines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_web_ogc import PASSWORD, READER, WEST
from tests.test_web_ogc import layout as layout  # noqa: F401  (module-scoped, both engines)

DRAWN = (
    "() => { const m = window.landbankMap; return !!m && m.loaded() && "
    "m.queryRenderedFeatures({layers: ['parcels-fill']}).length > 0; }"
)
CODES = (
    "() => [...new Set(window.landbankMap.queryRenderedFeatures({layers: ['parcels-fill']})"
    ".map(f => f.properties.code))]"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _running(args: list[str], port: int):
    """``args`` in its own process (this checkout's landbank first on the path) until
    it answers on ``port``; ended after the block."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{args[0]} did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _draws(page, url: str, local: str) -> list[str]:
    """Opens ``url``, waits until MapLibre has drawn parcels; returns their codes.
    Every request the page made stays on ``local`` (or in the page: blob:, data:)."""
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=30_000)
    codes = page.evaluate(CODES)
    away = [u for u in requests if not u.startswith((local, "blob:", "data:"))]
    assert away == [], away
    assert errors == [], errors
    return codes


def test_the_service_map_page_draws_the_tiles_after_sign_in(layout, browser):  # noqa: F811
    port = _port()
    exe = str(Path(sys.executable).with_name("landbank"))
    with _running([exe, "--db", layout, "serve", "--port", str(port)], port):
        page = browser.new_page(viewport={"width": 900, "height": 700})
        local = f"http://127.0.0.1:{port}/"
        page.goto(f"{local}login?next=/map")
        page.fill("input[name=username]", READER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{local}map")
        codes = _draws(page, f"{local}map", local)
        page.close()
    assert set(codes) <= {*WEST, "L-1", "B-01", "B-02", "B-03", "B-04", "B-05-1", "B-05-2"}
    assert len(codes) >= 3


def test_the_pmtiles_viewer_draws_from_a_plain_static_server(cli, layout, browser, tmp_path):  # noqa: F811
    folder = tmp_path / "map"
    r = cli("map", "--pmtiles", folder, "--lang", "en", db=layout)
    assert r.exit_code == 0, r.stderr
    port = _port()
    server = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with _running([*server, "-d", str(folder)], port):
        page = browser.new_page(viewport={"width": 900, "height": 700})
        local = f"http://127.0.0.1:{port}/"
        codes = _draws(page, f"{local}index.html", local)
        legend = page.inner_text(".lb-legend")
        page.close()
    assert len(codes) >= 3
    assert "supplied, not used" in legend  # the English legend
