"""Maps as vector tiles on a synthetic city (`landbank synth`, seed 7), both engines, in
one run beside their baselines:

- a parcels tile at zoom 8–16, drawn uncached (`services.tiles.tile`: PostGIS's ST_AsMVT,
  SpatiaLite's R*Tree and mapbox-vector-tile): p50 / p95 over tiles sampled at random
  parcels (targets p95 ≤ 50 ms PostGIS, ≤ 150 ms SpatiaLite); beside it the baseline a
  client has without tiles, the same box as GeoJSON from the OGC features reader
  (`ogc_features.page_features`, at most 10,000 features: low zooms are cut there);
  and a tile from the cache (the data stamp read, then a dictionary);
- `landbank map --pmtiles`: its time, and the archive's size beside a GeoPackage of
  the same parcels (all their fields, `landbank export`; and only the map's fields),
  target ≤ 40 %;
- the first view drawn in headless Chromium (MapLibre's rendered features hold
  parcels): the PMTiles viewer from `python -m http.server`, the service's /map
  (PostGIS, signed in), beside the single-file folium map (`landbank map`, file://).

    .venv/bin/python bench/bench_tiles.py [--parcels 100000] [--per-zoom 20] [--record]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import shapely
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.db.maps import map_parcels
from landbank.db.store import Store
from landbank.domain.tiles import tile_of
from landbank.services import ogc_features, tiles
from landbank.services.users import add_user

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
CHROMIUM = "/usr/bin/chromium"
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's landbank in subprocesses
ZOOMS = range(8, 17)
USER, PASSWORD = "bench_viewer", "bench viewer password"
VIEW_LIMIT_S = 180
FOLIUM_READY = "() => window.landbank && window.landbank.ready"
DRAWN = (
    "() => { const m = window.landbankMap; return !!m && m.loaded() && "
    "m.queryRenderedFeatures({layers: ['parcels-fill']}).length > 0; }"
)


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=ENV)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")
    return time.perf_counter() - start


def load(url: str, source: Path) -> None:
    run([LANDBANK, "--db", url, "init"])
    run([LANDBANK, "--db", url, "import", "parcels", str(source), "-q"])
    run([LANDBANK, "--db", url, "classify", "--as-of", "2026-06-30"])


def databases(parcels: int, engines: list[str]) -> dict[str, str]:
    """The city in a fresh SpatiaLite file and a fresh PostGIS database (of
    ``engines``)."""
    source = OUT / f"city_{parcels}_7.gpkg"
    if not source.exists():
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(source)])
    path = OUT / f"tiles_{parcels}.sqlite"
    path.unlink(missing_ok=True)
    name = f"landbank_bench_tiles_{parcels}"
    if "PostGIS" in engines:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE landbank_test')
    urls = {"SpatiaLite": f"sqlite:///{path}", "PostGIS": f"{PG}/{name}"}
    urls = {e: u for e, u in urls.items() if e in engines}
    for url in urls.values():
        load(url, source)
    return urls


def sample_tiles(url: str, per_zoom: int) -> list:
    """``per_zoom`` distinct tiles of each zoom 8–16 holding a random parcel's centre."""
    store = Store.open(url)
    with store.read() as uow:
        centres = shapely.centroid(map_parcels(uow)["geometry"].to_numpy())
    store.close()
    rng = random.Random(7)
    picked = []
    for z in ZOOMS:
        found: set = set()
        for _ in range(per_zoom * 20):
            p = centres[rng.randrange(len(centres))]
            found.add(tile_of(p.x, p.y, z))
            if len(found) == per_zoom:
                break
        picked += sorted(found, key=lambda t: (t.x, t.y))
    return picked


def _p(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def time_tiles(url: str, sample: list) -> dict:
    """Milliseconds per tile: drawn uncached, the GeoJSON baseline, from the cache."""
    store = Store.shared(url)
    tiles.tile(store, "parcels", *_zxy(sample[0]))  # warm the pool and the page cache
    drawn, geojson, cached, sizes = [], [], [], []
    cache = tiles.TileCache()
    for t in sample:
        start = time.perf_counter()
        data, _ = tiles.tile(store, "parcels", *_zxy(t))
        drawn.append((time.perf_counter() - start) * 1000)
        sizes.append(len(data))
        tiles.tile(store, "parcels", *_zxy(t), cache=cache)
        start = time.perf_counter()
        tiles.tile(store, "parcels", *_zxy(t), cache=cache)
        cached.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        ogc_features.page_features(store, "parcels", t.bounds(), limit=10_000)
        geojson.append((time.perf_counter() - start) * 1000)
    Store.close_shared()
    by_zoom = {
        z: _p([d for d, t in zip(drawn, sample, strict=True) if t.z == z], 95) for z in ZOOMS
    }
    return {
        "drawn": drawn,
        "geojson": geojson,
        "cached": cached,
        "by_zoom": by_zoom,
        "kb": statistics.mean(sizes) / 1024,
    }


def _zxy(t) -> tuple[int, int, int]:
    return t.z, t.x, t.y


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _started(args: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"{args[0]}: {proc.stderr.read().decode()[-600:]}") from None
            time.sleep(0.2)


def first_view(browser, url: str, ready: str, sign_in: str | None = None) -> float:
    """Seconds from navigation to the first view drawn (``ready`` true); inf when it
    is not drawn within VIEW_LIMIT_S."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(lambda u: not u.startswith(("http://127.0.0.1", "file:")), lambda r: r.abort())
    if sign_in:
        # on to a light page: the overview draws the progress map of every parcel
        page.goto(sign_in + "?next=/tiles")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
    start = time.perf_counter()
    try:
        page.goto(url, wait_until="commit", timeout=VIEW_LIMIT_S * 1000)
        page.wait_for_function(ready, timeout=VIEW_LIMIT_S * 1000, polling=50)
        took = time.perf_counter() - start
    except PlaywrightTimeout:
        took = math.inf  # not drawn within the limit
    page.close()
    if errors:
        raise SystemExit(f"{url}: {errors[:3]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--per-zoom", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engines", default="SpatiaLite,PostGIS")
    ap.add_argument("--no-folium", action="store_true", help="no single-file baseline (10⁶)")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    urls = databases(args.parcels, args.engines.split(","))
    first = next(iter(urls))
    server_engine = "PostGIS" if "PostGIS" in urls else first
    sample = sample_tiles(urls[first], args.per_zoom)
    timed = {engine: time_tiles(url, sample) for engine, url in urls.items()}

    archive = {}
    for engine, url in urls.items():
        folder = OUT / f"pmtiles_{engine.lower()}"
        archive[engine] = (run([LANDBANK, "--db", url, "map", "--pmtiles", str(folder)]), folder)
    gpkg_all = OUT / "parcels_all_fields.gpkg"
    gpkg_all.unlink(missing_ok=True)
    # from PostGIS: `landbank export` of a .gpkg from SpatiaLite crashes at exit (139)
    run([LANDBANK, "--db", urls[server_engine], "export", str(gpkg_all)])
    gpkg_map = OUT / "parcels_map_fields.gpkg"
    subprocess.run(
        [sys.executable, "-c", "import pyogrio, sys; d = pyogrio.read_dataframe(sys.argv[1]); "
         "pyogrio.write_dataframe(d[['code', 'category', 'name', 'district', 'park', "
         "'area_mu', 'geometry']], sys.argv[2])", str(gpkg_all), str(gpkg_map)],
        check=True,
    )  # fmt: skip
    folium_html = OUT / "tiles_folium.html"
    if not args.no_folium:
        folium = [LANDBANK, "--db", urls[first], "map", "--basemap", "none"]
        folium_build = run([*folium, "--out", str(folium_html)])

    store = Store.open(urls[server_engine])
    add_user(store, USER, "viewer", PASSWORD)
    store.close()
    viewer_port, serve_port = _port(), _port()
    folder = archive[first][1]
    http = _started(
        [sys.executable, "-m", "http.server", str(viewer_port), "--bind", "127.0.0.1", "-d",
         str(folder)], viewer_port
    )  # fmt: skip
    serve = _started(
        [LANDBANK, "--db", urls[server_engine], "serve", "--port", str(serve_port)], serve_port
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            local = f"http://127.0.0.1:{viewer_port}/index.html"
            service = f"http://127.0.0.1:{serve_port}"
            views = {
                f"PMTiles viewer ({first}'s archive), python -m http.server": [
                    first_view(browser, local, DRAWN) for _ in range(args.repeat)
                ],
                f"service /map ({server_engine} tiles), signed in": [
                    first_view(browser, f"{service}/map", DRAWN, f"{service}/login")
                    for _ in range(args.repeat)
                ],
            }
            if not args.no_folium:
                views["single-file folium map (baseline), file://"] = [
                    first_view(browser, folium_html.as_uri(), FOLIUM_READY)
                    for _ in range(args.repeat)
                ]
            browser.close()
    finally:
        for proc in (http, serve):
            proc.terminate()
            proc.wait(timeout=20)

    day = time.strftime("%Y-%m-%d")
    n = len(sample)
    rows = []
    for engine, t in timed.items():
        target = "≤ 50 ms" if engine == "PostGIS" else "≤ 150 ms"
        rows.append(
            f"| {engine} | {_p(t['drawn'], 50):.1f} | {_p(t['drawn'], 95):.1f} | "
            f"{_p(t['geojson'], 50):.1f} | {_p(t['geojson'], 95):.1f} | "
            f"{_p(t['cached'], 95):.2f} | {t['kb']:.0f} | {target} |"
        )
    zoom_rows = [
        f"| {engine} | " + " | ".join(f"{t['by_zoom'][z]:.0f}" for z in ZOOMS) + " |"
        for engine, t in timed.items()
    ]
    size = {e: (f / "parcels.pmtiles").stat().st_size / 1e6 for e, (_, f) in archive.items()}
    all_mb, map_mb = gpkg_all.stat().st_size / 1e6, gpkg_map.stat().st_size / 1e6
    engines = list(urls)
    view_rows = [
        f"| {name} | {statistics.median(v):.2f} | {[round(x, 2) for x in v]} |"
        for name, v in views.items()
    ]
    folium_note = (
        f"; folium file built in {folium_build:.1f} s, {folium_html.stat().st_size / 1e6:.1f} MB"
        if not args.no_folium
        else ""
    )
    table = (
        f"### Vector tiles: {args.parcels:,} parcels (synth seed 7), {day}, 2 cores\n\n"
        f"A parcels tile, ms, {n} tiles ({args.per_zoom} per zoom 8–16 at random parcels), "
        "drawn uncached; baseline: the same box as GeoJSON from the OGC features reader "
        "(≤ 10,000 features).\n\n"
        "| engine | tile p50 | tile p95 | GeoJSON p50 | GeoJSON p95 | cached tile p95 | "
        "mean tile KB | target (p95) |\n|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\np95 by zoom, ms:\n\n| engine | "
        + " | ".join(f"z{z}" for z in ZOOMS)
        + " |\n|---|"
        + "---|" * len(ZOOMS)
        + "\n"
        + "\n".join(zoom_rows)
        + "\n\n| PMTiles archive (z8–z14) | "
        + " | ".join(engines)
        + " |\n|---|"
        + "---|" * len(engines)
        + "\n| `landbank map --pmtiles`, whole command s | "
        + " | ".join(f"{archive[e][0]:.1f}" for e in engines)
        + " |\n| archive MB | "
        + " | ".join(f"{size[e]:.1f}" for e in engines)
        + f" |\n| ÷ GeoPackage, all fields ({all_mb:.1f} MB) | "
        + " | ".join(f"{size[e] / all_mb:.0%}" for e in engines)
        + f" |\n| ÷ GeoPackage, the map's fields ({map_mb:.1f} MB), target ≤ 40 % | "
        + " | ".join(f"{size[e] / map_mb:.0%}" for e in engines)
        + f" |\n\nFirst view drawn in headless Chromium (s, median of {args.repeat}"
        + folium_note
        + "):\n\n| map | median s | runs |\n|---|---|---|\n"
        + "\n".join(view_rows)
        + "\n\nReproduce: `.venv/bin/python bench/bench_tiles.py "
        + (f"--parcels {args.parcels} " if args.parcels != 100_000 else "")
        + (f"--engines {args.engines} " if args.engines != "SpatiaLite,PostGIS" else "")
        + ("--no-folium " if args.no_folium else "")
        + "--record`.\n"
    )
    report(table, args.record)


if __name__ == "__main__":
    main()
