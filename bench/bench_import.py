"""Import benchmark: `landbank import parcels` beside `ogr2ogr` loading the same
GeoPackage into the same engine, in the same run.

    .venv/bin/python bench/bench_import.py [--parcels 100000] [--repeat 3] [--record]

Setup (the synthetic city, empty databases, `landbank init`) is outside the timing.
Each figure is the median wall time of whole commands (process start to exit) and the
peak resident memory of that process (os.wait4). ``--record`` appends the table to
bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Runs a command (in ``env``, else this one's); returns (wall seconds, peak RSS in MB).
    Raises on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err[-800:]}")
    return wall, usage.ru_maxrss / 1024


def fresh_sqlite(name: str) -> Path:
    path = OUT / name
    for p in (path, Path(f"{path}-journal")):
        p.unlink(missing_ok=True)
    return path


def fresh_pg(name: str) -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    return f"{PG}/{name}"


def city_file(parcels: int, seed: int = 7) -> Path:
    """The synthetic city's GeoPackage under bench/out/, made by ``landbank synth`` once."""
    city = OUT / f"city_{parcels}_{seed}.gpkg"
    if not city.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", str(seed), "--out", str(city)])
    return city


def bench_engine(engine: str, city: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list[tuple[float, float]]] = {"ogr2ogr": [], "landbank": []}
    host, user = "127.0.0.1", "postgres"
    for _ in range(repeat):
        if engine == "SpatiaLite":
            target = fresh_sqlite("ogr.sqlite")
            results["ogr2ogr"].append(
                run(["ogr2ogr", "-f", "SQLite", "-dsco", "SPATIALITE=YES", str(target), str(city)])
            )
            db = fresh_sqlite("landbank.sqlite")
            url = f"sqlite:///{db}"
        else:
            fresh_pg("lb_bench_ogr")
            results["ogr2ogr"].append(
                run(
                    [
                        "ogr2ogr",
                        "-f",
                        "PostgreSQL",
                        f"PG:host={host} user={user} dbname=lb_bench_ogr",
                        str(city),
                    ]
                )
            )
            url = fresh_pg("lb_bench_landbank")
        run([LANDBANK, "--db", url, "init"])
        results["landbank"].append(
            run([LANDBANK, "--db", url, "import", "parcels", str(city), "-q"])
        )
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    city = city_file(args.parcels, args.seed)
    lines = [
        "| engine | ogr2ogr s | landbank s | ratio (target ≤ 1.5) | landbank peak MB "
        "(target ≤ 1536) | ogr2ogr peak MB |",
        "|---|---|---|---|---|---|",
    ]
    for engine in ("SpatiaLite", "PostGIS"):
        res = bench_engine(engine, city, args.repeat)
        ogr = statistics.median(w for w, _ in res["ogr2ogr"])
        lb = statistics.median(w for w, _ in res["landbank"])
        lines.append(
            f"| {engine} | {ogr:.2f} | {lb:.2f} | {lb / ogr:.2f} | "
            f"{max(m for _, m in res['landbank']):.0f} | "
            f"{max(m for _, m in res['ogr2ogr']):.0f} |"
        )
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    head = (
        f"### import parcels, {args.parcels:,} synthetic parcels (seed {args.seed}), "
        f"{dt.date.today()}, {os.cpu_count()} cores ({cpu}), median of {args.repeat}"
    )
    table = "\n".join([head, "", *lines, ""])
    report(table, args.record)


if __name__ == "__main__":
    main()
