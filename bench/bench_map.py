"""`landbank map` on a 100k-parcel city beside `GeoDataFrame.explore()` for the same
parcels with the same popup fields, in the same run: HTML size (target ≤ 25 % of
explore's), time to a drawn map in headless Chromium (target ≤ 5 s, and ≤ half of
explore's).

    .venv/bin/python bench/bench_map.py [--parcels 100000] [--repeat 2] [--record]

"Drawn" is measured from the start of navigation to: our runtime's ready flag (set two
animation frames after its layers are on the canvas); for explore(), the load event plus
two animation frames (its GeoJSON layer is built while the page's script runs). explore()
links Leaflet and its other assets from CDNs, which this machine cannot reach: the bench
serves it the same Leaflet files from XStatic-Leaflet and empty answers for the rest.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import xstatic.pkg.jquery as xstatic_jquery
from playwright.sync_api import sync_playwright
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.db.store import Store
from landbank.maps import assets
from landbank.services.parcel_maps import load_map_parcels

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
CHROMIUM = "/usr/bin/chromium"
FIELDS = [
    "code", "name", "holder", "district", "park", "area_mu", "category", "reasons",
    "disposal_state", "next_deadline",
]  # fmt: skip


def run(argv) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")
    return time.perf_counter() - start


def city(parcels: int) -> str:
    source = OUT / f"city_{parcels}_7.gpkg"
    if not source.exists():
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(source)])
    path = OUT / "map.sqlite"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    run([LANDBANK, "--db", url, "init"])
    run([LANDBANK, "--db", url, "import", "parcels", str(source), "-q"])
    run([LANDBANK, "--db", url, "classify", "--as-of", "2026-06-30"])
    return url


def explore_map(url: str, out: Path) -> float:
    """explore() of the same parcels and popup fields; returns its build time."""
    start = time.perf_counter()
    store = Store.open(url)
    with store.read() as uow:
        frame = load_map_parcels(uow)
    store.close()
    frame["reasons"] = frame["category_reasons"].map(lambda rs: "\n".join(r["text_zh"] for r in rs))
    gdf = gpd.GeoDataFrame(frame[FIELDS], geometry=frame["geometry"].to_numpy(), crs=4490)
    fmap = gdf.explore(
        column="category", tiles=None, popup=FIELDS, tooltip=["code", "category"], legend=False
    )  # its legend needs jQuery UI from a CDN
    fmap.save(str(out))
    return time.perf_counter() - start


def _local_assets(route) -> None:
    name = route.request.url.rsplit("/", 1)[-1].split("?")[0]
    if name == "leaflet.js":
        route.fulfill(body=assets.scripts()["leaflet.js"], content_type="text/javascript")
    elif name == "leaflet.css":
        route.fulfill(body=assets.styles()["leaflet.css"], content_type="text/css")
    elif name.startswith("jquery"):
        route.fulfill(path=Path(xstatic_jquery.BASE_DIR) / "jquery.min.js")
    elif name.endswith(".css"):
        route.fulfill(body="", content_type="text/css")
    else:
        route.fulfill(body="", content_type="text/javascript")


def drawn_seconds(browser, html: Path, ours: bool) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(lambda url: url.startswith("http"), _local_assets)
    start = time.perf_counter()
    page.goto(html.as_uri(), wait_until="load", timeout=600_000)
    if ours:
        page.wait_for_function("window.landbank && window.landbank.ready", timeout=600_000)
    else:
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    took = time.perf_counter() - start
    page.close()
    if errors:
        raise SystemExit(f"{html.name}: {errors[:3]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    url = city(args.parcels)
    ours_html, theirs_html = OUT / "idle_land.html", OUT / "explore.html"
    build = run([LANDBANK, "--db", url, "map", "--basemap", "none", "--out", str(ours_html)])
    build_explore = explore_map(url, theirs_html)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        ours = [drawn_seconds(browser, ours_html, True) for _ in range(args.repeat)]
        theirs = [drawn_seconds(browser, theirs_html, False) for _ in range(args.repeat)]
        browser.close()
    size, size_explore = ours_html.stat().st_size, theirs_html.stat().st_size
    t, t_explore = statistics.median(ours), statistics.median(theirs)
    table = (
        f"### Maps: {args.parcels:,} parcels, SpatiaLite ({time.strftime('%Y-%m-%d')})\n\n"
        f"| figure | landbank map | explore() | ratio | target |\n|---|---|---|---|---|\n"
        f"| HTML size | {size / 1e6:.1f} MB | {size_explore / 1e6:.1f} MB | "
        f"{size / size_explore:.1%} | ≤ 25 % |\n"
        f"| to a drawn map in Chromium (median of {args.repeat}) | {t:.2f} s | "
        f"{t_explore:.2f} s | {t / t_explore:.1%} | ≤ 5 s and ≤ 50 % |\n"
        f"| build (command incl. start-up / explore incl. load) | {build:.2f} s | "
        f"{build_explore:.2f} s | | |\n\n"
        f"Runs (s): ours {[round(x, 2) for x in ours]}, explore {[round(x, 2) for x in theirs]}. "
        "Reproduce: `.venv/bin/python bench/bench_map.py --record`.\n"
    )
    report(table, args.record)


if __name__ == "__main__":
    main()
