"""Takes docs/map.png: the sample city's idle-land map (no base tiles, so it draws
offline) zoomed to one park, with a parcel's popup open, in headless Chromium.

    .venv/bin/landbank demo && .venv/bin/python scripts/map_screenshot.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
LANDBANK = str(Path(sys.executable).with_name("landbank"))


def main() -> None:
    html = Path(tempfile.mkdtemp()) / "idle_land.html"
    subprocess.run([LANDBANK, "map", "--basemap", "none", "--out", str(html)], check=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        page.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
        page.goto(html.as_uri())
        page.wait_for_function("window.landbank && window.landbank.ready")
        code = page.evaluate("landbank.codes()[40]")
        page.fill(".lb-search input", code)
        page.press(".lb-search input", "Enter")
        page.evaluate("() => { landbankMap.setZoom(15, {animate: false}); }")
        page.wait_for_timeout(500)
        page.screenshot(path=str(ROOT / "docs" / "map.png"))
        browser.close()


if __name__ == "__main__":
    main()
