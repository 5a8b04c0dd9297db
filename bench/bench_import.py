"""Import benchmark: `landbank import parcels` beside `ogr2ogr` loading the same
GeoPackage into the same engine, in the same run.

    .venv/bin/python bench/bench_import.py [--parcels 100000 1000000] [--repeat 3] [--record]

Setup (the synthetic city, empty databases, `landbank init`) is outside the timing.
Each figure is the median wall time of whole commands (process start to exit) and the
peak resident memory of that process (os.wait4); every size beside its own ogr2ogr
in the same run. The machine's load (/proc/loadavg) is read before and after each
size. ``--record`` appends the table to bench/RESULTS.md with the machine and date.

Cities come from /work/cities (or $LANDBANK_CITIES) when made there already
(symlinked: `landbank synth` of 10⁶ parcels takes a minute), else are made under
bench/out/. Databases are named ``import_*`` (files under bench/out/, PostgreSQL
databases ``lb_import_*``, or ``$LANDBANK_BENCH_DB_PREFIX`` in place of ``lb_``), the big
PostgreSQL ones dropped at the end.
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
CITIES = Path(os.environ.get("LANDBANK_CITIES", "/work/cities"))
# the PostgreSQL databases' names start with $LANDBANK_BENCH_DB_PREFIX (a helper's own)
PREFIX = os.environ.get("LANDBANK_BENCH_DB_PREFIX", "lb_")
DATABASES = (f"{PREFIX}import_ogr", f"{PREFIX}import_landbank")


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
    shared = CITIES / city.name
    if not city.exists() and shared.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        city.symlink_to(shared)
    if not city.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", str(seed), "--out", str(city)])
    return city


def bench_engine(engine: str, city: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list[tuple[float, float]]] = {"ogr2ogr": [], "landbank": []}
    host, user = "127.0.0.1", "postgres"
    for _ in range(repeat):
        if engine == "SpatiaLite":
            target = fresh_sqlite("import_ogr.sqlite")
            results["ogr2ogr"].append(
                run(["ogr2ogr", "-f", "SQLite", "-dsco", "SPATIALITE=YES", str(target), str(city)])
            )
            db = fresh_sqlite("import_landbank.sqlite")
            url = f"sqlite:///{db}"
        else:
            fresh_pg(DATABASES[0])
            results["ogr2ogr"].append(
                run(
                    [
                        "ogr2ogr",
                        "-f",
                        "PostgreSQL",
                        f"PG:host={host} user={user} dbname={DATABASES[0]}",
                        str(city),
                    ]
                )
            )
            url = fresh_pg(DATABASES[1])
        run([LANDBANK, "--db", url, "init"])
        results["landbank"].append(
            run([LANDBANK, "--db", url, "import", "parcels", str(city), "-q"])
        )
    return results


def drop_databases() -> None:
    """Drops the PostgreSQL databases of this bench and its SQLite files (10⁶ parcels
    take a gigabyte each)."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in DATABASES:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for name in ("import_ogr.sqlite", "import_landbank.sqlite"):
        fresh_sqlite(name)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, nargs="+", default=[100_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        "| parcels | engine | ogr2ogr s | landbank s | ratio (target ≤ 1.5) | landbank peak MB "
        "(target ≤ 4096 at 10⁶) | ogr2ogr peak MB | load before / after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    try:
        for parcels in args.parcels:
            city = city_file(parcels, args.seed)
            for engine in ("SpatiaLite", "PostGIS"):
                before = load()
                res = bench_engine(engine, city, args.repeat)
                ogr = statistics.median(w for w, _ in res["ogr2ogr"])
                lb = statistics.median(w for w, _ in res["landbank"])
                lines.append(
                    f"| {parcels:,} | {engine} | {ogr:.2f} | {lb:.2f} | {lb / ogr:.2f} | "
                    f"{max(m for _, m in res['landbank']):.0f} | "
                    f"{max(m for _, m in res['ogr2ogr']):.0f} | {before} / {load()} |"
                )
                print(lines[-1], flush=True)
    finally:
        drop_databases()
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    sizes = " and ".join(f"{n:,}" for n in args.parcels)
    head = (
        f"### import parcels, {sizes} synthetic parcels (seed {args.seed}), "
        f"{dt.date.today()}, {os.cpu_count()} cores ({cpu}), median of {args.repeat}"
    )
    table = "\n".join([head, "", *lines, ""])
    report(table, args.record)


if __name__ == "__main__":
    main()
