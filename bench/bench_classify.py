"""Classification benchmarks, each beside a per-row baseline in the same run:

1. classifying a synthetic city in memory (default 1M parcels; target ≤ 5 s), beside the
   simplest per-row loop deciding only the category stage of each parcel;
2. `landbank classify` writing the categories of a 100k-parcel city back to SpatiaLite
   and PostGIS (target ≤ 10 s each, whole command), beside writing the same categories
   with one UPDATE round trip per parcel.

    .venv/bin/python bench/bench_classify.py [--parcels 1000000] [--db-parcels 100000]
        [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import text

from landbank.db.store import Store
from landbank.domain.area import area_mu
from landbank.domain.classify import classify
from landbank.synth import REFERENCE, synthetic_parcels

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def per_row_stage(frame: pd.DataFrame, as_of: pd.Timestamp) -> list[str]:
    """The baseline: a plain loop that only decides each parcel's stage."""
    out = []
    for r in frame[["supplied_on", "started_on", "completed_on", "operating_on"]].itertuples(
        index=False
    ):
        if pd.isna(r.supplied_on) or r.supplied_on > as_of:
            out.append("approved_not_supplied")
        elif pd.isna(r.started_on) or r.started_on > as_of:
            out.append("supplied_not_used")
        elif pd.isna(r.completed_on) or r.completed_on > as_of:
            out.append("used_not_completed")
        elif pd.isna(r.operating_on) or r.operating_on > as_of:
            out.append("built_not_operating")
        else:
            out.append("compliant")
    return out


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")
    return time.perf_counter() - start


def city_db(engine_kind: str, parcels: int) -> str:
    city = OUT / f"city_{parcels}_7.gpkg"
    if not city.exists():
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(city)])
    if engine_kind == "SpatiaLite":
        path = OUT / "classify.sqlite"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "lb_bench_classify" WITH (FORCE)')
            conn.execute('CREATE DATABASE "lb_bench_classify"')
        url = f"{PG}/lb_bench_classify"
    run([LANDBANK, "--db", url, "init"])
    run([LANDBANK, "--db", url, "import", "parcels", str(city), "-q"])
    return url


def per_row_writes(url: str) -> float:
    """Writes every parcel's category with one UPDATE per parcel (round trips), in one
    unit of work of the database's store."""
    store = Store.open(url)
    try:
        with store.read() as uow:
            codes = [r[0] for r in uow.execute(text("SELECT code FROM parcel"))]
        start = time.perf_counter()
        with store.write() as uow:
            for code in codes:
                uow.execute(
                    text("UPDATE parcel SET category = :c, category_reasons = :r WHERE code = :k"),
                    {"c": "compliant", "r": "[]", "k": code},
                )
        return time.perf_counter() - start
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=1_000_000)
    ap.add_argument("--db-parcels", type=int, default=100_000)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    as_of = pd.Timestamp(REFERENCE)
    frame = synthetic_parcels(args.parcels, seed=7)
    frame["area_mu"] = area_mu(frame["geometry"].to_numpy())
    frame = frame.drop(columns="geometry")
    start = time.perf_counter()
    classify(frame, as_of)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    per_row_stage(frame, as_of)
    base = time.perf_counter() - start
    lines = [
        f"### classify, {dt.date.today()}, {os.cpu_count()} cores",
        "",
        "| figure | baseline s | landbank s | target |",
        "|---|---|---|---|",
        f"| classify {args.parcels:,} parcels in memory (baseline: per-row loop deciding the "
        f"stage only) | {base:.2f} | {ours:.2f} | ≤ 5 s |",
    ]
    for kind in ("SpatiaLite", "PostGIS"):
        url = city_db(kind, args.db_parcels)
        whole = run([LANDBANK, "--db", url, "classify", "--as-of", str(as_of.date()), "--json"])
        base = per_row_writes(url)
        lines.append(
            f"| `landbank classify` of {args.db_parcels:,} parcels into {kind}, whole "
            f"command (baseline: one UPDATE per parcel, writes only) | {base:.2f} | "
            f"{whole:.2f} | ≤ 10 s |"
        )
    table = "\n".join(lines) + "\n"
    report(table, args.record)


if __name__ == "__main__":
    main()
