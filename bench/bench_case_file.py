"""`landbank case file` of a case with 20 documents and 50 MB of evidence (target ≤ 10 s),
on each engine: cold (the 20 PDFs made by LibreOffice, then kept) and warm (PDFs kept);
beside the baseline of the same run: the same bytes zipped from files on disk, every
entry deflated, as a naive exporter would.

    .venv/bin/python bench/bench_case_file.py [--documents 20] [--evidence-mb 50] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import psycopg
from PIL import Image
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.db.store import Store
from landbank.services import case_files, cases
from landbank.services.import_parcels import import_parcels, read_options

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PHOTO_MB = 5


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")


def photos(total_mb: int) -> list[bytes]:
    """Photo-like JPEGs (noise does not compress away) of about PHOTO_MB each."""
    rng = np.random.default_rng(3)
    made, size = [], 0
    while size < total_mb * 1024 * 1024:
        pixels = rng.integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=92)
        made.append(out.getvalue())
        size += len(made[-1])
    return made


def database(kind: str) -> str:
    if kind == "SpatiaLite":
        path = OUT / "case_file.sqlite"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "lb_bench_case_file" WITH (FORCE)')
            conn.execute('CREATE DATABASE "lb_bench_case_file"')
        url = f"{PG}/lb_bench_case_file"
    run([LANDBANK, "--db", url, "init"])
    return url


def build_case(store: Store, documents: int, evidence: list[bytes]) -> str:
    """A case of an enterprise-caused parcel with ``documents`` documents (investigation
    notices voided and issued again, the last one served, then the determination) and
    ``evidence`` attached. Returns the parcel's code."""
    source = OUT / "city_200_7.gpkg"
    if not source.exists():
        run([LANDBANK, "synth", "--parcels", "200", "--seed", "7", "--out", str(source)])
    import_parcels(store, source, read_options())
    import geopandas as gpd

    frame = gpd.read_file(source)
    cause = next(c for c in ("cause", "闲置原因") if c in frame.columns)
    code_column = next(c for c in ("code", "地块编号") if c in frame.columns)
    code = frame.loc[frame[cause] == "enterprise", code_column].iloc[0]
    day = dt.date(2026, 1, 5)
    for _ in range(documents - 2):
        act = cases.issue(store, code, "investigation", "bench", on=day)
        cases.void(store, act["number"], "bench", "reissued", on=day)
    act = cases.issue(store, code, "investigation", "bench", on=day)
    cases.serve(store, act["number"], day, "direct", "bench")
    act = cases.issue(store, code, "determination", "bench", on=dt.date(2026, 2, 9))
    cases.serve(store, act["number"], dt.date(2026, 2, 9), "direct", "bench")
    for i, content in enumerate(evidence):
        case_files.attach(store, code, f"photo_{i:02d}.jpg", content, "bench")
    return code


def naive_zip(files: list[bytes], path: Path) -> None:
    """The baseline: the files written to disk, then zipped, every entry deflated."""
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for i, content in enumerate(files):
            name = Path(tmp) / f"{i:03d}.bin"
            name.write_bytes(content)
            names.append(name)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in names:
                zf.write(name, name.name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=20)
    ap.add_argument("--evidence-mb", type=int, default=50)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    evidence = photos(args.evidence_mb)
    mb = sum(map(len, evidence)) / 1048576
    lines = [
        f"### case file, {args.documents} documents + {len(evidence)} photos ({mb:.0f} MB), "
        f"{dt.date.today()}, {os.cpu_count()} cores",
        "",
        "| engine | baseline: same bytes from disk, all deflated, s | case file cold "
        "(20 PDFs made) s | case file warm (PDFs kept) s | zip MB | target |",
        "|---|---|---|---|---|---|",
    ]
    for kind in ("SpatiaLite", "PostGIS"):
        url = database(kind)
        store = Store.open(url)
        try:
            code = build_case(store, args.documents, evidence)
            files = [*evidence]
            for act in cases.show(store, code)["acts"]:
                files.append(cases.document(store, act["number"])[1])
            start = time.perf_counter()
            naive_zip(files, OUT / "naive.zip")
            base = time.perf_counter() - start
            start = time.perf_counter()
            cold = case_files.case_file(store, code, OUT / "case_cold.zip")
            cold_s = time.perf_counter() - start
            assert cold["pdfs_made"] == args.documents, cold["pdfs_made"]
            warm_s = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                case_files.case_file(store, code, OUT / "case_warm.zip")
                warm_s = min(warm_s, time.perf_counter() - start)
        finally:
            store.close()
        size = (OUT / "case_warm.zip").stat().st_size / 1048576
        lines.append(f"| {kind} | {base:.2f} | {cold_s:.2f} | {warm_s:.2f} | {size:.0f} | ≤ 10 s |")
    report("\n".join(lines) + "\n", args.record)


if __name__ == "__main__":
    main()
