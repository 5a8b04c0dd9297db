"""Figures benchmark: `landbank import figures` of one source (50,000 rows) beside a
plain pandas load of the same file into the same engine, in the same run.

    .venv/bin/python bench/bench_figures.py [--rows 50000] [--repeat 3] [--record]

Setup (the register of ``--rows`` enterprises with valid credit codes, the tax file
in 元 as .csv and .xlsx, the databases) is outside the timing. ``landbank`` is the
service call (`services.figures.import_figures`: read, check every credit code, convert
the unit, match to the register, flag names, store a vintage and its rows, replacing
the previous one); the baseline is what a script without checks does: `pandas.read_csv`
(or `read_excel` through calamine), the unit divided, `DataFrame.to_sql` into a table
of its own. The figure is the median wall time in seconds; beside it the median CPU
time landbank's process spent (``time.process_time``: the reading and checks, the
driver's work, and SQLite's, which runs in the process; not PostgreSQL's server), which
other work on a loaded machine does not stretch. ``--record`` appends the table to bench/RESULTS.md
with the machine, date and load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")

from landbank.db.engine import make_engine  # noqa: E402
from landbank.db.store import Store  # noqa: E402
from landbank.domain.credit_codes import with_check  # noqa: E402
from landbank.services.enterprises import import_enterprises  # noqa: E402
from landbank.services.figures import import_figures  # noqa: E402

ORG = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))


def files(rows: int, seed: int = 7) -> dict[str, Path]:
    """The register and the tax file (.csv, .xlsx) under bench/out/, made once."""
    OUT.mkdir(parents=True, exist_ok=True)
    made = {k: OUT / f"figures_{rows}_{k}" for k in ("register.csv", "tax.csv", "tax.xlsx")}
    if all(p.exists() for p in made.values()):
        return made
    rng = np.random.default_rng(seed)
    orgs = list(dict.fromkeys("".join(r) for r in rng.choice(ORG, (rows * 2, 9))))[:rows]
    codes = [with_check(f"91370402{o}") for o in orgs]
    names = [f"枣庄第{i}制造有限公司" for i in range(rows)]
    pd.DataFrame({"统一社会信用代码": codes, "企业名称": names, "企业规模": "规上"}).to_csv(
        made["register.csv"], index=False
    )
    tax = pd.DataFrame(
        {
            "统一社会信用代码": codes,
            "纳税人名称": names,
            "税收实际贡献（元）": rng.lognormal(13, 1.5, rows).round(),
        }
    )
    tax.to_csv(made["tax.csv"], index=False)
    tax.to_excel(made["tax.xlsx"], index=False)
    return made


def fresh(engine: str) -> str:
    if engine == "SpatiaLite":
        path = OUT / "figures.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "lb_bench_figures" WITH (FORCE)')
        conn.execute('CREATE DATABASE "lb_bench_figures"')
    return f"{PG}/lb_bench_figures"


def baseline(url: str, path: Path) -> None:
    if path.suffix == ".csv":
        frame = pd.read_csv(path)
    else:  # the faster of pandas' own .xlsx readers, the one landbank uses
        frame = pd.read_excel(path, engine="calamine")
    frame["tax_wan"] = frame.pop("税收实际贡献（元）") / 10_000
    engine = make_engine(url)
    with engine.begin() as conn:
        frame.to_sql("baseline_figures", conn, if_exists="replace", index=False)
    engine.dispose()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_timed(fn) -> tuple[float, float]:
    """(wall, CPU of this process) seconds of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    made = files(args.rows)
    load = os.getloadavg()[0]
    lines = [
        "| engine, file | landbank import figures, s | its CPU, s | pandas read + to_sql, s |",
        "|---|---|---|---|",
    ]
    for engine in ("SpatiaLite", "PostGIS"):
        url = fresh(engine)
        store, _ = Store.create(url)
        import_enterprises(store, made["register.csv"])
        for kind in ("tax.csv", "tax.xlsx"):
            ours = [cpu_timed(lambda s=store, k=kind: import_figures(s, made[k], "tax", 2025))
                    for _ in range(args.repeat)]  # fmt: skip
            theirs = [timed(lambda u=url, k=kind: baseline(u, made[k]))
                      for _ in range(args.repeat)]  # fmt: skip
            lines.append(
                f"| {engine}, {kind} | {statistics.median(w for w, _ in ours):.2f} | "
                f"{statistics.median(c for _, c in ours):.2f} | {statistics.median(theirs):.2f} |"
            )
        store.close()
    title = (
        f"### Figures import, {args.rows:,} rows of one source ({dt.date.today()}, "
        f"{platform.node()}, {os.cpu_count()} CPUs, load {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end)"
    )
    report("\n".join([title, "", *lines]) + "\n", args.record)


if __name__ == "__main__":
    main()
