"""Boundary coordinate files: reading and writing a file of 10,000 parcels (about a
million points), beside pyogrio reading and writing the same parcels as a GeoPackage.

    .venv/bin/python bench/bench_boundary_txt.py [--parcels 10000] [--repeat 3] [--record]

Setup (the synthetic parcels, densified to ~100 vertices each) is outside the timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.domain.area import area_mu
from landbank.io.boundary_txt import read_boundary_txt, write_boundary_txt
from landbank.synth import synthetic_parcels

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    frame = synthetic_parcels(args.parcels, seed=3)
    frame["geometry"] = shapely.segmentize(frame["geometry"].to_numpy(), 0.00006)
    frame["area_mu"] = area_mu(frame["geometry"].to_numpy())
    points = int(shapely.get_num_coordinates(frame["geometry"].to_numpy()).sum())
    gdf = gpd.GeoDataFrame(
        frame[["code", "name", "land_use", "area_mu"]],
        geometry=frame["geometry"].to_numpy(),
        crs=4490,
    )
    gpkg, txt = OUT / "txt_bench.gpkg", OUT / "txt_bench.txt"

    def write_gpkg():
        pyogrio.write_dataframe(gdf, gpkg, layer="parcels")

    def write_txt():
        write_boundary_txt(frame, txt, zone=39)

    rows = [
        ("write", timed(write_gpkg, args.repeat), timed(write_txt, args.repeat)),
        (
            "read",
            timed(lambda: pyogrio.read_dataframe(gpkg), args.repeat),
            timed(lambda: read_boundary_txt(txt), args.repeat),
        ),
    ]
    head = (
        f"### boundary TXT, {args.parcels:,} parcels, {points:,} points, {dt.date.today()}, "
        f"{os.cpu_count()} cores, median of {args.repeat}"
    )
    lines = [
        head,
        "",
        "| operation | pyogrio GeoPackage s | landbank TXT s | ratio |",
        "|---|---|---|---|",
    ]
    lines += [f"| {op} | {base:.2f} | {ours:.2f} | {ours / base:.1f} |" for op, base, ours in rows]
    table = "\n".join(lines) + "\n"
    report(table, args.record)


if __name__ == "__main__":
    main()
