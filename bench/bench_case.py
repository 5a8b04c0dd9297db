"""The idle-land case at scale (issue 17), each figure beside its baseline in the same
run, on SpatiaLite and PostGIS:

- issuing one document (number, checks, docx from the template, kept) in the service,
  median of 20 (target ≤ 0.5 s); baseline: docxtpl filling the same template alone;
- (the case file of 20 documents and 50 MB of evidence: bench/bench_case_file.py);
- the public list (art. 14) and ``case due`` over 10,000 cases (target ≤ 1 s each);
  baseline: pandas over a full read of the disposal, case_act and parcel tables.

The 10,000 cases are written straight into the tables (their acts issued and served
on synthetic dates) over the 100,000-parcel synthetic city; the documents of the
first two figures are issued through the service.

    .venv/bin/python bench/bench_case.py [--cases 10000] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.config import load_profile
from landbank.db import disposals
from landbank.db import parcels as rows
from landbank.db.bulk import insert_frame
from landbank.db.engine import make_engine
from landbank.db.store import Store

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
TODAY = dt.date(2026, 11, 30)
STATES = ["investigating", "determined", "plan_approved", "disposing"]


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")


def city(kind: str, cases: int) -> str:
    """A database of the 100k synthetic city with ``cases`` open cases and their acts."""
    source = OUT / "city_100000_7.gpkg"
    if not source.exists():
        run([LANDBANK, "synth", "--parcels", "100000", "--seed", "7", "--out", str(source)])
    if kind == "SpatiaLite":
        path = OUT / "case.sqlite"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "lb_bench_case" WITH (FORCE)')
            conn.execute('CREATE DATABASE "lb_bench_case"')
        url = f"{PG}/lb_bench_case"
    run([LANDBANK, "--db", url, "init"])
    run([LANDBANK, "--db", url, "import", "parcels", str(source), "-q"])
    engine = make_engine(url)
    rng = np.random.default_rng(17)
    with engine.begin() as conn:
        frame = rows.load_parcels(conn, with_geometry=False)
        frame = frame[frame["agreed_start_on"].notna()].head(cases + 100)
        chosen, spare = frame.iloc[:cases], frame.iloc[cases:]
        n = len(chosen)
        states = rng.choice(STATES, size=n)
        disposals = pd.DataFrame(
            {
                "parcel_code": chosen["code"].to_numpy(),
                "subject": "parcel",
                "method": "idle_fee",
                "status": states,
                "cause": rng.choice(["enterprise", "government"], size=n),
                "area_mu": chosen["area_mu"].to_numpy(),
                "blockers": "[]",
                "version": 1,
            }
        )
        insert_frame(conn, "disposal", disposals)
        ids = conn.exec_driver_sql("SELECT id, parcel_code, status FROM disposal").all()
        acts = []
        now = pd.Timestamp.now(tz="UTC")
        for i, (disposal_id, code, status) in enumerate(ids):
            served = TODAY - dt.timedelta(days=int(rng.integers(1, 200)))
            kinds = ["investigation"] + (["determination"] if status != "investigating" else [])
            if status in ("plan_approved", "disposing"):
                kinds.append("hearing_notice")
            for k, kind_ in enumerate(kinds):
                acts.append(
                    {
                        "disposal_id": disposal_id, "parcel_code": code, "kind": kind_,
                        "status": "issued", "number": f"B{kind_[:3]}〔2026〕{i}-{k}号",
                        "number_year": 2026, "number_seq": i * 10 + k,
                        "issued_on": served, "issued_by": "bench", "issued_at": now,
                        "served_on": served, "service_method": "direct", "version": 1,
                    }
                )  # fmt: skip
        frame_acts = pd.DataFrame(acts)
        for col in ("issued_on", "served_on"):
            frame_acts[col] = pd.to_datetime(frame_acts[col])
        insert_frame(conn, "case_act", frame_acts)
    engine.dispose()
    return url, list(spare["code"])


def baseline_lists(url: str) -> float:
    """pandas over a full read: open cases' running deadlines and the public list."""
    engine = make_engine(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        parcels = rows.load_parcels(conn, with_geometry=False)
        disposals = pd.read_sql("SELECT * FROM disposal", conn)
        acts = pd.read_sql("SELECT * FROM case_act", conn)
    open_ = disposals[disposals["status"].isin(STATES)]
    merged = acts.merge(open_, left_on="disposal_id", right_on="id", suffixes=("", "_case"))
    served = pd.to_datetime(merged["served_on"])
    merged["due_on"] = served + pd.Timedelta(days=30)
    soon = merged[merged["due_on"] <= pd.Timestamp(TODAY + dt.timedelta(days=30))]
    public = open_[open_["status"] != "investigating"].merge(
        parcels[["code", "district", "park", "name", "holder", "agreed_start_on"]],
        left_on="parcel_code",
        right_on="code",
    )
    assert len(soon) >= 0 and len(public) > 0
    took = time.perf_counter() - start
    engine.dispose()
    return took


def best(fn, times: int = 3) -> float:
    out = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - start)
    return out


def measure(kind: str, cases: int) -> list[str]:
    from docxtpl import DocxTemplate

    from landbank.domain.case_documents import document_fields
    from landbank.services import cases as svc
    from landbank.services.case_due import due
    from landbank.services.case_public import public_list

    url, spare = city(kind, cases)
    prof = load_profile("zaozhuang")
    store = Store.open(url)
    try:
        # 1. issuing one document, median of 20 (the first warms the template cache)
        took = []
        for code in spare[:21]:
            start = time.perf_counter()
            svc.issue(store, code, "investigation", "bench", on=TODAY, profile=prof)
            took.append(time.perf_counter() - start)
        ours_issue = statistics.median(took[1:])
        with store.read() as uow:  # the parcel as the service reads it
            parcel = dict(disposals.subject(uow, spare[0]))
        fields, _ = document_fields(
            "investigation", parcel, {"cause": "enterprise"},
            {"number": "X〔2026〕1号", "issued_on": TODAY}, prof.case, [],
        )  # fmt: skip

        def plain():
            doc = DocxTemplate(str(prof.template("investigation")))
            doc.render(fields)
            doc.save(io.BytesIO())

        base_issue = statistics.median([best(plain, 1) for _ in range(20)])
        # 3. the public list and what falls due, over the open cases
        ours_public = best(lambda: public_list(store, profile=prof, today=TODAY))
        ours_due = best(lambda: due(store, 30, profile=prof, today=TODAY))
        listed = len(public_list(store, profile=prof, today=TODAY))
        falling = len(due(store, 30, profile=prof, today=TODAY))
    finally:
        store.close()
    base_lists = best(lambda: baseline_lists(url))
    return [
        f"| {kind} | issue one document (median of 20) | {base_issue:.3f} | {ours_issue:.3f} "
        "| ≤ 0.5 s |",
        f"| {kind} | public list of {cases:,} open cases ({listed:,} listed) | {base_lists:.2f} "
        f"| {ours_public:.2f} | ≤ 1 s |",
        f"| {kind} | case due within 30 days over {cases:,} cases ({falling:,} deadlines) "
        f"| {base_lists:.2f} | {ours_due:.2f} | ≤ 1 s |",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        f"### idle-land case, {args.cases:,} cases over 100,000 parcels, {dt.date.today()}, "
        f"{os.cpu_count()} cores",
        "",
        "Baselines: docxtpl filling the same template alone; pandas over a full read of the "
        "tables (both lists share it). Best of 3 unless said.",
        "",
        "| engine | figure | baseline s | landbank s | target |",
        "|---|---|---|---|---|",
    ]
    for kind in ("SpatiaLite", "PostGIS"):
        lines += measure(kind, args.cases)
    report("\n".join(lines) + "\n", args.record)


if __name__ == "__main__":
    main()
