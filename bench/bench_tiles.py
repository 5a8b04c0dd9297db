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


def run(argv: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env or ENV)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")
    return time.perf_counter() - start


def load(url: str, source: Path) -> None:
    run([LANDBANK, "--db", url, "init"])
    run([LANDBANK, "--db", url, "import", "parcels", str(source), "-q"])
    run([LANDBANK, "--db", url, "classify", "--as-of", "2026-06-30"])


def databases(parcels: int, engines: list[str], prefix: str, reuse: bool) -> dict[str, str]:
    """The city in a fresh SpatiaLite file and a fresh PostGIS database (of
    ``engines``); ``reuse``: those of an earlier run as they are (migrated to head)."""
    source = OUT / f"city_{parcels}_7.gpkg"
    if not source.exists():
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(source)])
    path = OUT / f"tiles_{parcels}.sqlite"
    name = f"{prefix}bench_tiles_{parcels}"
    urls = {"SpatiaLite": f"sqlite:///{path}", "PostGIS": f"{PG}/{name}"}
    urls = {e: u for e, u in urls.items() if e in engines}
    if reuse:
        for url in urls.values():
            run([LANDBANK, "--db", url, "init"])
        return urls
    path.unlink(missing_ok=True)
    if "PostGIS" in engines:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE landbank_test')
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


def _old_way(on: bool) -> None:
    """Tiles drawn the way before the tile overview (every parcel of the box sorted)."""
    if on:
        os.environ["LANDBANK_TILE_OVERVIEW"] = "0"
    else:
        os.environ.pop("LANDBANK_TILE_OVERVIEW", None)


def time_tiles(url: str, sample: list) -> dict:
    """Milliseconds per tile: drawn uncached (through the tile overview below z12 and,
    on the same tile right after, the way before), the GeoJSON baseline, from the
    cache; and the seconds the overview took to build."""
    _drop_overview(url)  # built afresh, as after an import
    store = Store.shared(url)
    start = time.perf_counter()
    built = tiles.refresh_overview(store)
    build_s = time.perf_counter() - start
    tiles.tile(store, "parcels", *_zxy(sample[0]))  # warm the pool and the page cache
    drawn, before, geojson, cached, sizes = [], [], [], [], []
    cache = tiles.TileCache()
    for t in sample:
        start = time.perf_counter()
        data, _ = tiles.tile(store, "parcels", *_zxy(t))
        drawn.append((time.perf_counter() - start) * 1000)
        sizes.append(len(data))
        _old_way(True)
        start = time.perf_counter()
        tiles.tile(store, "parcels", *_zxy(t))
        before.append((time.perf_counter() - start) * 1000)
        _old_way(False)
        tiles.tile(store, "parcels", *_zxy(t), cache=cache)
        start = time.perf_counter()
        tiles.tile(store, "parcels", *_zxy(t), cache=cache)
        cached.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        ogc_features.page_features(store, "parcels", t.bounds(), limit=10_000)
        geojson.append((time.perf_counter() - start) * 1000)
    Store.close_shared()

    def p95(values, zooms):
        return _p([d for d, t in zip(values, sample, strict=True) if t.z in zooms], 95)

    return {
        "build_s": build_s,
        "built": built,
        "before": before,
        "by_zoom": {z: p95(drawn, (z,)) for z in ZOOMS},
        "before_by_zoom": {z: p95(before, (z,)) for z in ZOOMS},
        "bands": {
            band: (p95(drawn, zs), p95(before, zs))
            for band, zs in (("z8–11", range(8, 12)), ("z12–16", range(12, 17)))
        },
        "drawn": drawn,
        "geojson": geojson,
        "cached": cached,
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
    ap.add_argument("--prefix", default="landbank_", help="of the PostGIS database's name")
    ap.add_argument("--reuse", action="store_true", help="the databases of an earlier run")
    ap.add_argument("--no-views", action="store_true", help="no first view in Chromium")
    ap.add_argument("--no-archive", action="store_true", help="no PMTiles archive (nor views)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    load_avg = " ".join(f"{v:.2f}" for v in os.getloadavg())
    urls = databases(args.parcels, args.engines.split(","), args.prefix, args.reuse)
    first = next(iter(urls))
    server_engine = "PostGIS" if "PostGIS" in urls else first
    sample = sample_tiles(urls[first], args.per_zoom)
    timed = {engine: time_tiles(url, sample) for engine, url in urls.items()}

    archive, archive_before = {}, {}
    if not args.no_archive:
        for engine, url in urls.items():
            folder = OUT / f"pmtiles_{engine.lower()}"
            _drop_overview(url)  # the command builds it, as after an import
            archive[engine] = (
                run([LANDBANK, "--db", url, "map", "--pmtiles", str(folder)]),
                folder,
            )
            before = OUT / f"pmtiles_{engine.lower()}_before"
            env = {**ENV, "LANDBANK_TILE_OVERVIEW": "0"}
            archive_before[engine] = (
                run([LANDBANK, "--db", url, "map", "--pmtiles", str(before)], env),
                before,
            )
    views = {} if args.no_views or args.no_archive else _views(args, urls, archive, server_engine)
    end_load = " ".join(f"{v:.2f}" for v in os.getloadavg())

    day = time.strftime("%Y-%m-%d")
    n = len(sample)
    rows, band_rows, zoom_rows = [], [], []
    for engine, t in timed.items():
        target = "≤ 50 ms" if engine == "PostGIS" else "≤ 150 ms"
        rows.append(
            f"| {engine} | {_p(t['drawn'], 50):.1f} | {_p(t['drawn'], 95):.1f} | "
            f"{_p(t['before'], 50):.1f} | {_p(t['before'], 95):.1f} | "
            f"{_p(t['geojson'], 50):.1f} | {_p(t['geojson'], 95):.1f} | "
            f"{_p(t['cached'], 95):.2f} | {t['kb']:.0f} | {target} |"
        )
        (lo, lo_before), (hi, hi_before) = t["bands"]["z8–11"], t["bands"]["z12–16"]
        built = t["built"] or {}
        band_rows.append(
            f"| {engine} | {lo:.0f} | {lo_before:.0f} | {hi:.0f} | {hi_before:.0f} | "
            f"{t['build_s']:.1f} ({built.get('rows', 0):,} rows) |"
        )
        zoom_rows.append(
            f"| {engine} | " + " | ".join(f"{t['by_zoom'][z]:.0f}" for z in ZOOMS) + " |"
        )
        zoom_rows.append(
            f"| {engine}, way before | "
            + " | ".join(f"{t['before_by_zoom'][z]:.0f}" for z in ZOOMS)
            + " |"
        )
    table = (
        f"### Vector tiles through the tile overview: {args.parcels:,} parcels (synth seed 7), "
        f"{day}, 2 cores, load {load_avg} at the start, {end_load} at the end\n\n"
        f"A parcels tile, ms, {n} tiles ({args.per_zoom} per zoom 8–16 at random parcels), "
        "drawn uncached: through the tile overview (z8–11) and, on the same tile right after, "
        "the way before (`LANDBANK_TILE_OVERVIEW=0`: the box's parcels sorted by area); "
        "baseline: the same box as GeoJSON from the OGC features reader "
        "(≤ 10,000 features).\n\n"
        "| engine | tile p50 | tile p95 | way before p50 | way before p95 | GeoJSON p50 | "
        "GeoJSON p95 | cached tile p95 | mean tile KB | target (p95) |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\np95 by band of zooms, ms, and the overview's build (s, before the tiles):\n\n"
        "| engine | z8–11 | z8–11 way before | z12–16 | z12–16 way before | overview built s |\n"
        "|---|---|---|---|---|---|\n"
        + "\n".join(band_rows)
        + "\n\np95 by zoom, ms:\n\n| engine | "
        + " | ".join(f"z{z}" for z in ZOOMS)
        + " |\n|---|"
        + "---|" * len(ZOOMS)
        + "\n"
        + "\n".join(zoom_rows)
        + "\n"
    )
    if archive:
        engines = list(archive)
        gpkg_all, gpkg_map = _geopackages(urls[server_engine])
        size = {e: (f / "parcels.pmtiles").stat().st_size / 1e6 for e, (_, f) in archive.items()}
        size_before = {
            e: (f / "parcels.pmtiles").stat().st_size / 1e6 for e, (_, f) in archive_before.items()
        }
        all_mb, map_mb = gpkg_all.stat().st_size / 1e6, gpkg_map.stat().st_size / 1e6
        table += (
            "\n| PMTiles archive (z8–z14) | "
            + " | ".join(engines)
            + " |\n|---|"
            + "---|" * len(engines)
            + "\n| `landbank map --pmtiles`, whole command s (the overview built in it) | "
            + " | ".join(f"{archive[e][0]:.1f}" for e in engines)
            + " |\n| the same, the way before s | "
            + " | ".join(f"{archive_before[e][0]:.1f}" for e in engines)
            + " |\n| archive MB (way before) | "
            + " | ".join(f"{size[e]:.1f} ({size_before[e]:.1f})" for e in engines)
            + f" |\n| ÷ GeoPackage, all fields ({all_mb:.1f} MB) | "
            + " | ".join(f"{size[e] / all_mb:.0%}" for e in engines)
            + f" |\n| ÷ GeoPackage, the map's fields ({map_mb:.1f} MB), target ≤ 40 % | "
            + " | ".join(f"{size[e] / map_mb:.0%}" for e in engines)
            + " |\n"
        )
    if views:
        table += (
            f"\nFirst view drawn in headless Chromium (s, median of {args.repeat}):\n\n"
            "| map | median s | runs |\n|---|---|---|\n"
            + "\n".join(
                f"| {name} | {statistics.median(v):.2f} | {[round(x, 2) for x in v]} |"
                for name, v in views.items()
            )
            + "\n"
        )
    table += (
        "\nReproduce: `.venv/bin/python bench/bench_tiles.py "
        + (f"--parcels {args.parcels} " if args.parcels != 100_000 else "")
        + (f"--engines {args.engines} " if args.engines != "SpatiaLite,PostGIS" else "")
        + (f"--per-zoom {args.per_zoom} " if args.per_zoom != 20 else "")
        + ("--no-archive " if args.no_archive else "")
        + ("--no-views " if args.no_views else "")
        + ("--no-folium " if args.no_folium else "")
        + "--record`.\n"
    )
    report(table, args.record)


def _drop_overview(url: str) -> None:
    """Forgets the tile overview's state, so the next low-zoom tile builds it again."""
    store = Store.open(url)
    with store.write() as uow:
        uow.exec_driver_sql("DELETE FROM tile_overview_state")
    store.close()


def _geopackages(url: str) -> tuple[Path, Path]:
    """A GeoPackage of the parcels with all their fields and one with the map's only."""
    gpkg_all = OUT / "parcels_all_fields.gpkg"
    gpkg_all.unlink(missing_ok=True)
    # from PostGIS: `landbank export` of a .gpkg from SpatiaLite crashes at exit (139)
    run([LANDBANK, "--db", url, "export", str(gpkg_all)])
    gpkg_map = OUT / "parcels_map_fields.gpkg"
    subprocess.run(
        [sys.executable, "-c", "import pyogrio, sys; d = pyogrio.read_dataframe(sys.argv[1]); "
         "pyogrio.write_dataframe(d[['code', 'category', 'name', 'district', 'park', "
         "'area_mu', 'geometry']], sys.argv[2])", str(gpkg_all), str(gpkg_map)],
        check=True,
    )  # fmt: skip
    return gpkg_all, gpkg_map


def _views(args, urls: dict, archive: dict, server_engine: str) -> dict:
    """Seconds to the first view drawn: the archive's viewer, the service's /map and
    (unless --no-folium) the single-file folium map."""
    first = next(iter(urls))
    folium_html = OUT / "tiles_folium.html"
    if not args.no_folium:
        run([LANDBANK, "--db", urls[first], "map", "--basemap", "none", "--out", str(folium_html)])
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
    return views


if __name__ == "__main__":
    main()
