"""`landbank progress` over a 100k-parcel city with 300k disposal steps (target ≤ 2 s on
each engine, SQL aggregation), beside the same figures computed in pandas from a full
load of parcels and disposals, in the same run.

    .venv/bin/python bench/bench_progress.py [--parcels 100000] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.db import parcels as rows
from landbank.db.bulk import insert_frame
from landbank.db.engine import make_engine
from landbank.db.store import Store
from landbank.domain import disposal as wf
from landbank.services.disposal_progress import progress

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")


def city(kind: str, parcels: int) -> str:
    source = OUT / f"city_{parcels}_7.gpkg"
    if not source.exists():
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(source)])
    if kind == "SpatiaLite":
        path = OUT / "progress.sqlite"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "lb_bench_progress" WITH (FORCE)')
            conn.execute('CREATE DATABASE "lb_bench_progress"')
        url = f"{PG}/lb_bench_progress"
    run([LANDBANK, "--db", url, "init"])
    run([LANDBANK, "--db", url, "import", "parcels", str(source), "-q"])
    run([LANDBANK, "--db", url, "classify", "--as-of", "2026-06-30"])
    engine = make_engine(url)
    rng = np.random.default_rng(1)
    with engine.begin() as conn:
        parcels_frame = rows.load_parcels(conn, with_geometry=False)
        idle = parcels_frame[parcels_frame["category"] != "compliant"]
        n = len(idle)
        states = rng.choice(list(wf.STATES), size=n)
        disposals = pd.DataFrame(
            {
                "parcel_code": idle["code"].to_numpy(),
                "method": rng.choice(list(wf.METHODS), n),
                "status": states,
                "cause": None,
                "area_mu": idle["area_mu"].to_numpy(),
                "planned_on": pd.Timestamp("2026-01-01")
                + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
                "done_on": np.where(
                    np.isin(states, wf.FINISHED),
                    pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D"),
                    pd.NaT,
                ),
                "blockers": "[]",
                "version": 1,
            }
        )
        disposals["done_on"] = pd.to_datetime(disposals["done_on"])
        insert_frame(conn, "disposal", disposals)
        ids = conn.exec_driver_sql("SELECT id, parcel_code FROM disposal").all()
        steps_per = int(np.ceil(300_000 / max(len(ids), 1)))
        now = pd.Timestamp.now(tz="UTC")
        steps = pd.DataFrame(
            {
                "disposal_id": np.repeat([i for i, _ in ids], steps_per),
                "parcel_code": np.repeat([c for _, c in ids], steps_per),
                "action": "advance",
                "from_state": "suspected",
                "to_state": "investigating",
                "on": pd.Timestamp("2026-02-01"),
                "by": "bench",
                "at": pd.Series([now] * (len(ids) * steps_per), dtype="datetime64[us, UTC]"),
            }
        )
        insert_frame(conn, "disposal_step", steps)
    engine.dispose()
    return url


def in_pandas(url: str) -> pd.DataFrame:
    engine = make_engine(url)
    with engine.connect() as conn:
        parcels = rows.load_parcels(conn, with_geometry=False)
        disposals = pd.read_sql("SELECT * FROM disposal", conn)
    engine.dispose()
    identified = (
        parcels[parcels["category"].ne("compliant")]
        .groupby("district")["area_mu"]
        .agg(["count", "sum"])
    )
    merged = disposals.merge(parcels[["code", "district"]], left_on="parcel_code", right_on="code")
    done = (
        merged[merged["status"].isin(wf.FINISHED)]
        .groupby("district")["area_mu"]
        .agg(["count", "sum"])
    )
    states = merged.groupby(["district", "status"]).size().unstack(fill_value=0)
    return identified.join(done, rsuffix="_done").join(states)


def timed(fn) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        f"### progress, {args.parcels:,} parcels, ~300k disposal steps, {dt.date.today()}, "
        f"{os.cpu_count()} cores, best of 3",
        "",
        "| engine | pandas from a full load s | landbank progress (SQL) s | target |",
        "|---|---|---|---|",
    ]
    for kind in ("SpatiaLite", "PostGIS"):
        url = city(kind, args.parcels)
        base = timed(lambda url=url: in_pandas(url))
        store = Store.open(url)  # opened once, as a command run or the web service does
        try:
            ours = timed(lambda store=store: progress(store, "district"))
        finally:
            store.close()
        lines.append(f"| {kind} | {base:.2f} | {ours:.2f} | ≤ 2 s |")
    report("\n".join(lines) + "\n", args.record)


if __name__ == "__main__":
    main()
