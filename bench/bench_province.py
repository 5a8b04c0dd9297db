"""A province on one machine: every main job of landbank at 10⁵ and 10⁶ parcels (and
more where asked), in the same run, so each figure stands beside the one ten times
smaller: how each job grows, and its peak memory (target ≤ 4 GB for every job at 10⁶).

    .venv/bin/python bench/bench_province.py [--sizes 100000 1000000]
        [--engines postgis spatialite] [--record]
    .venv/bin/python bench/bench_province.py --only match --url URL [--label TEXT]

``--only match`` runs the match parts alone on a database already imported and
classified (``--url``), nothing made again: run it twice in turns, once with
``PYTHONPATH`` on another checkout (the baseline), for figures side by side.

Per size and engine, on a fresh database:

- **import**: ``landbank import parcels`` of the synthetic city (``landbank synth
  --seed 7``), beside ``ogr2ogr`` loading the same file into the same engine;
- **classify**: ``landbank classify --as-of 2026-06-30`` (categories written back);
- **progress**: ``landbank progress --json`` (the whole command);
- **map**: ``landbank map --pmtiles`` (the tiled map for a web server); at 10⁵ also
  the one-file HTML map of a city;
- **match**: ``landbank match`` as a command (cold: nothing kept), then in
  ``landbank serve``: the first match after start (cold) and p50/p95 of 20 more
  (warm), then a match after one edit;
- **web edit**: p50/p95 of 20 ``PATCH /api/v1/parcels/{code}`` through the service.

Commands are timed whole (process start to exit) with their peak resident memory
(``os.wait4``); the service's figures are per request, its memory the peak of the
process at the end (``VmHWM``). Cities are made once under bench/out/ (or taken from
``LANDBANK_CITIES``, a folder of ``city_N_7.gpkg``); databases are made again each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
from bench_import import fresh_pg, fresh_sqlite  # noqa: E402  (bench/ is the folder)
from bench_web_load import serve, stop  # noqa: E402
from results import report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
AS_OF = "2026-06-30"
PASSWORD = "province bench"
REQUIREMENT = {
    "name": "省级测试项目",
    "industry": "3811",
    "land": {"area_mu_min": 30, "area_mu_max": 80, "land_use": "industrial"},
}


# The command runs under a small Python that reports its peak memory: a child forked
# from this (big) process would count this process's pages in its own peak.
SHIM = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:]); "
    "_, s, u = os.wait4(p.pid, 0); print(u.ru_maxrss, file=sys.stderr); "
    "sys.exit(os.waitstatus_to_exitcode(s))"
)


def run(argv: list[str], stdin: str | None = None) -> tuple[float, float]:
    """Runs a command (``stdin`` fed to it); returns (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-S", "-c", SHIM, *argv],
        input=(stdin or "").encode(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wall = time.perf_counter() - start
    err = proc.stderr.decode(errors="replace").rstrip().splitlines()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {chr(10).join(err[-12:])}")
    return wall, int(err[-1]) / 1024


def city(parcels: int) -> Path:
    """The synthetic city of ``parcels`` parcels (seed 7), made once."""
    shared = os.environ.get("LANDBANK_CITIES")
    if shared and (Path(shared) / f"city_{parcels}_7.gpkg").exists():
        return Path(shared) / f"city_{parcels}_7.gpkg"
    path = OUT / f"city_{parcels}_7.gpkg"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(path)])
    return path


def database(engine: str, parcels: int, tag: str) -> str:
    """A fresh, empty database of ``engine`` for this size; returns its URL."""
    if engine == "postgis":
        return fresh_pg(f"lb_province_{tag}_{parcels}")
    return f"sqlite:///{fresh_sqlite(f'province_{tag}_{parcels}.sqlite')}"


def ogr2ogr(engine: str, source: Path, parcels: int) -> tuple[float, float]:
    """The C loader into a fresh database of the same engine: (s, peak MB)."""
    if engine == "postgis":
        url = fresh_pg(f"lb_province_ogr_{parcels}")
        name = url.rsplit("/", 1)[1]
        target = f"PG:host=127.0.0.1 user=postgres dbname={name}"
        return run(
            ["ogr2ogr", "-f", "PostgreSQL", target, str(source), "--config", "PG_USE_COPY", "YES"]
        )
    target = fresh_sqlite(f"province_ogr_{parcels}.sqlite")
    return run(["ogr2ogr", "-f", "SQLite", "-dsco", "SPATIALITE=YES", str(target), str(source)])


def peak_mb(pid: int) -> float:
    """The peak resident memory of a running process and its children, MB."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total = max(total, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    kids = [int(k) for k in found]
    return kids + [g for k in kids for g in _children(k)]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = call()
    return (time.perf_counter() - start) * 1000, response


def in_service(url: str, codes: list[str]) -> dict[str, float]:
    """Match and edit through ``landbank serve`` (one worker): ms per request, peak MB."""
    clerk = f"bench_clerk_{os.getpid()}"  # a run of its own on a database used before
    run(
        [LANDBANK, "--db", url, "users", "add", clerk, "--role", "clerk", "--password-stdin"],
        stdin=PASSWORD,
    )
    proc, base = serve(url, 1)
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": clerk, "password": PASSWORD}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"

            def match() -> httpx.Response:
                r = client.post("/api/v1/match", json=REQUIREMENT)
                if r.status_code != 200 or not r.json():
                    raise SystemExit(f"match answered {r.status_code}: {r.text[:300]}")
                return r

            cold, _ = timed(match)
            warm = [timed(match)[0] for _ in range(20)]
            edits = []
            for i, code in enumerate(codes[:20]):
                version = client.get(f"/api/v1/parcels/{code}").json()["version"]
                body = {
                    "fields": {"holder": f"省级测试{i} {time.time():.0f}"},
                    "reason": "province bench",
                    "expected_version": version,
                }
                ms, r = timed(lambda c=code, b=body: client.patch(f"/api/v1/parcels/{c}", json=b))
                if r.status_code != 200:
                    raise SystemExit(f"PATCH {code} answered {r.status_code}: {r.text[:300]}")
                edits.append(ms)
            after_edit, _ = timed(match)
            return {
                "cold": cold,
                "warm_p50": statistics.median(warm),
                "warm_p95": pct(warm, 0.95),
                "after_edit": after_edit,
                "edit_p50": statistics.median(edits),
                "edit_p95": pct(edits, 0.95),
                "serve_mb": peak_mb(proc.pid),
            }
    finally:
        stop(proc)


def some_codes(url: str, n: int) -> list[str]:
    """``n`` parcel codes spread over the table (every k-th by code)."""
    query = "SELECT code FROM parcel WHERE NOT retired ORDER BY code"
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            codes = [r[0] for r in conn.execute(query)]
    else:
        with psycopg.connect(url) as conn:
            codes = [r[0] for r in conn.execute(query)]
    return codes[:: max(1, len(codes) // n)][:n]


def bench(engine: str, parcels: int) -> dict[str, tuple[float, float]]:
    """Every job on one engine at one size: {job: (seconds or ms, peak MB)}."""
    source = city(parcels)
    url = database(engine, parcels, engine[:2])
    lb = [LANDBANK, "--db", url]
    got: dict[str, tuple[float, float]] = {}
    got["ogr2ogr"] = ogr2ogr(engine, source, parcels)
    run([*lb, "init"])
    got["import"] = run([*lb, "import", "parcels", str(source), "-q"])
    got["classify"] = run([*lb, "classify", "--as-of", AS_OF])
    got["progress"] = run([*lb, "progress", "--json"])
    tiles = OUT / f"province_tiles_{engine}_{parcels}"
    shutil.rmtree(tiles, ignore_errors=True)
    got["map --pmtiles"] = run([*lb, "map", "--pmtiles", str(tiles)])
    if parcels <= 100_000:
        got["map (one HTML)"] = run([*lb, "map", "--out", str(OUT / f"province_{engine}.html")])
    got.update(match_jobs(url))
    return got


def match_jobs(url: str) -> dict[str, tuple[float, float]]:
    """The match parts on an imported, classified database: the command (cold), then
    the service's cold, warm and after-edit matches and its edits."""
    land = REQUIREMENT["land"]
    got: dict[str, tuple[float, float]] = {}
    got["match (command)"] = run(
        [
            LANDBANK,
            "--db",
            url,
            "match",
            "--area-mu",
            f"{land['area_mu_min']}:{land['area_mu_max']}",
            "--use",
            land["land_use"],
            "--as-of",
            AS_OF,
            "--json",
        ]
    )
    service = in_service(url, some_codes(url, 20))
    mb = service.pop("serve_mb")
    for job, ms in service.items():
        got[f"serve: {job}"] = (ms, mb)
    return got


def only_match(url: str, label: str) -> None:
    """``--only match``: the match parts on ``url``, printed as a table's rows."""
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    got = match_jobs(url)
    print(
        f"{label}: load before {load}, after {' '.join(open('/proc/loadavg').read().split()[:3])}"
    )
    for job, (value, mb) in got.items():
        unit = "ms" if job.startswith("serve: ") else "s"
        name = LABELS.get(job.removeprefix("serve: "), job)
        print(f"| {label} | {name} | {value:.2f} {unit} ({mb:.0f} MB) |")


LABELS = {
    "cold": "match, first after start (cold) ms",
    "warm_p50": "match warm p50 ms",
    "warm_p95": "match warm p95 ms",
    "after_edit": "match after one edit ms",
    "edit_p50": "web edit p50 ms",
    "edit_p95": "web edit p95 ms",
}


def table(results: dict, sizes: list[int], engines: list[str]) -> str:
    head = "| engine | job | " + " | ".join(f"{n:,} s (MB)" for n in sizes) + " | growth |"
    lines = [head, "|" + "---|" * (len(sizes) + 3)]
    for engine in engines:
        jobs = list(results[(engine, sizes[-1])])
        for job in jobs:
            cells, values = [], []
            for n in sizes:
                value, mb = results[(engine, n)].get(job, (None, None))
                values.append(value)
                if value is None:
                    cells.append("—")
                elif job.startswith("serve: "):
                    cells.append(f"{value:.0f} ms ({mb:.0f})")
                else:
                    cells.append(f"{value:.2f} ({mb:.0f})")
            growth = (
                f"{values[-1] / values[0]:.1f}×" if values[0] and values[-1] is not None else ""
            )
            label = LABELS.get(job.removeprefix("serve: "), job)
            lines.append(f"| {engine} | {label} | " + " | ".join(cells) + f" | {growth} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--engines", nargs="+", default=["postgis", "spatialite"])
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--only", choices=["match"], help="only these jobs, on --url")
    ap.add_argument("--url", help="with --only: an imported, classified database")
    ap.add_argument("--label", default="", help="with --only: the rows' label")
    args = ap.parse_args()
    if args.only:
        if not args.url:
            raise SystemExit("--only needs --url")
        only_match(args.url, args.label or os.environ.get("PYTHONPATH", "ours"))
        return
    results = {}
    for engine in args.engines:
        for n in args.sizes:
            print(f"{engine} {n:,} …", file=sys.stderr, flush=True)
            results[(engine, n)] = bench(engine, n)
    ratios = []
    for engine in args.engines:
        for n in args.sizes:
            lb, ogr = results[(engine, n)]["import"][0], results[(engine, n)]["ogr2ogr"][0]
            ratios.append(f"{engine} {n:,}: {lb / ogr:.2f}× ogr2ogr")
    load = open("/proc/loadavg").read().split()[:3]
    text = (
        f"\n### a province on one machine: every job at {', '.join(f'{n:,}' for n in args.sizes)} "
        f"parcels, {dt.date.today()}, {os.cpu_count()} cores ({platform.processor() or 'x86_64'}), "
        f"load at the end {' '.join(load)}\n\n"
        "Whole commands: seconds and peak resident MB (target ≤ 4,096 MB at 10⁶); the "
        "service: ms per request, the serve process's peak MB. Targets at 10⁶: import ≤ 1.5 × "
        "ogr2ogr, classify ≤ 60 s, progress ≤ 2 s, cold match ≤ 2 s, warm p95 ≤ 200 ms. "
        "Reproduce: `.venv/bin/python bench/bench_province.py --record`.\n\n"
        + table(results, args.sizes, args.engines)
        + "\n\nimport ÷ ogr2ogr: "
        + "; ".join(ratios)
        + ".\n"
    )
    report(text, args.record)


if __name__ == "__main__":
    main()
