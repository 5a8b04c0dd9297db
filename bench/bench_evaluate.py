"""Per-mu evaluation by enterprise (issue 18) at scale, on SpatiaLite and PostGIS, beside
a plain pandas script in the same run: one year's evaluation of 50,000 enterprises
holding 100,000 parcels, with 20,000 leases and five offices' figures of two years
(target ≤ 5 s end to end).

``landbank`` is the service call ``services.evaluation.run_evaluation(store, 2025)``:
it reads the register, the held parcels, the leases and the current figure vintages of
2025 and 2024, computes land by the rule, indicators, benchmarks (2 × the cohort's
mean of 2024), scores with caps, completeness, grades by percentile within each
cohort and the policies, and keeps the run with its 50,000 rows (each with its
components and figures as JSON). The previous run is deleted before each repeat
(outside the timing) so every repeat keeps a run. The baseline is what a script
without any of the keeping does: ``pandas.read_sql`` of the same tables, the same
joins (land held + rented in − rented out, for the share of the year a lease runs;
figures by source), indicators, benchmarks, capped scores and a rank per cohort.

Setup (outside the timing, made once and reused: ``--fresh`` makes it again): the
100,000-parcel synthetic city (``landbank synth``) imported through the service; 50,000
enterprises (30 % 规上) written to the register; every parcel linked to a holder; 20,000
leases of whole or part parcels for part or all of 2025; for 2024 and 2025 one vintage
each of tax, power, statistics, ecology and energy, each covering 90-97 % of the firms.

    .venv/bin/python bench/bench_evaluate.py [--repeat 3] [--fresh] [--record]
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

import numpy as np
import pandas as pd
import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
LANDBANK = str(Path(sys.executable).with_name("landbank"))
ENTERPRISES, LEASES, YEAR = 50_000, 20_000, 2025

from sqlalchemy import text  # noqa: E402

from landbank.config import load_profile  # noqa: E402
from landbank.db import enterprises as erows  # noqa: E402
from landbank.db.bulk import insert_frame  # noqa: E402
from landbank.db.engine import make_engine  # noqa: E402
from landbank.db.rows import frame_of  # noqa: E402
from landbank.db.store import Store  # noqa: E402
from landbank.domain.credit_codes import with_check  # noqa: E402
from landbank.services.database import init_db  # noqa: E402
from landbank.services.evaluation import run_evaluation  # noqa: E402
from landbank.services.import_parcels import import_parcels, read_options  # noqa: E402

ORG = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))


def url_of(engine: str, fresh: bool) -> tuple[str, bool]:
    """The database of ``engine`` and whether it must be built."""
    if engine == "SpatiaLite":
        path = OUT / "evaluate.sqlite"
        if fresh:
            path.unlink(missing_ok=True)
        return f"sqlite:///{path}", not path.exists()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'lb_bench_evaluate'"
        ).fetchone()
        if fresh or not exists:
            conn.execute('DROP DATABASE IF EXISTS "lb_bench_evaluate" WITH (FORCE)')
            conn.execute('CREATE DATABASE "lb_bench_evaluate"')
            exists = None
    return f"{PG}/lb_bench_evaluate", not exists


def build(url: str) -> None:
    """The synthetic city, register, holders, leases and figures (see the module)."""
    source = OUT / "city_100000_7.gpkg"
    if not source.exists():
        subprocess.run(
            [LANDBANK, "synth", "--parcels", "100000", "--seed", "7", "--out", str(source)],
            check=True,
        )
    init_db(url)
    store = Store.shared(url)
    import_parcels(store, source, read_options())
    rng = np.random.default_rng(18)
    orgs = list(dict.fromkeys("".join(r) for r in rng.choice(ORG, (ENTERPRISES * 2, 9))))
    codes = np.array([with_check(f"91370402{o}") for o in orgs[:ENTERPRISES]], dtype=object)
    now = pd.Timestamp.now(tz="UTC").floor("s") - pd.Timedelta(days=1)
    with store.write(by="bench") as uow:
        parcels = erows.parcel_holders(uow)
        area = frame_of(uow.execute(text("SELECT code, area_mu FROM parcel"))).set_index("code")
        register = pd.DataFrame(
            {
                "credit_code": codes,
                "name": [f"枣庄第{i}制造有限公司" for i in range(ENTERPRISES)],
                "cohort": np.where(rng.random(ENTERPRISES) < 0.3, "large", "small"),
                "district": rng.choice(["市中区", "薛城区", "峄城区", "滕州市"], ENTERPRISES),
                "source_file": "bench",
                "updated_by": "bench",
                "created_at": now,
                "updated_at": now,
            }
        )
        insert_frame(uow, "enterprise", register)
        # every enterprise holds at least one parcel; the rest at random
        holder = np.concatenate([codes, rng.choice(codes, len(parcels) - ENTERPRISES)])[
            rng.permutation(len(parcels))
        ]
        links = parcels[["code"]].assign(holder_credit_code=holder, old=None)
        erows.link_holders(uow, links, now, "bench", "bench")
        leased = rng.choice(len(parcels), LEASES, replace=False)
        lessor = holder[leased]
        lessee = rng.choice(codes, LEASES)
        whole = rng.random(LEASES) < 0.4
        parcel_codes = parcels["code"].to_numpy()[leased]
        share = rng.uniform(0.2, 1.0, LEASES)
        start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, LEASES), "D")
        end = start + pd.to_timedelta(rng.integers(180, 1500, LEASES), "D")
        leases = pd.DataFrame(
            {
                "lessor_code": lessor,
                "lessee_code": lessee,
                "parcel_code": parcel_codes,
                "area_mu": np.where(
                    whole, np.nan, (area.loc[parcel_codes, "area_mu"].to_numpy() * share).round(2)
                ),
                "from_on": start,
                "to_on": end,
                "source_file": "bench",
                "source_row": [f"row {i + 2}" for i in range(LEASES)],
                "recorded_by": "bench",
                "recorded_at": now,
            }
        )
        leases = leases[leases["lessor_code"] != leases["lessee_code"]]
        insert_frame(uow, "lease", leases)
        for year in (2024, 2025):
            for source, columns in SOURCES.items():
                mine = rng.random(ENTERPRISES) < rng.uniform(0.9, 0.97)
                frame = pd.DataFrame(
                    {
                        "credit_code": codes[mine],
                        "row": [f"row {i + 2}" for i in range(int(mine.sum()))],
                        "name_given": None,
                        "unmatched": False,
                        "name_differs": False,
                    }
                )
                for name, (mean, sigma) in columns.items():
                    frame[name] = rng.lognormal(mean, sigma, len(frame)).round(2)
                vintage = erows.insert_vintage(
                    uow, source, year, f"{source}_{year}.csv", "0" * 64, len(frame), {},
                    "bench", now.to_pydatetime(),
                )  # fmt: skip
                erows.insert_figures(uow, vintage, frame)
    Store.close_shared()


SOURCES = {
    "tax": {"tax_wan": (4.5, 1.4)},
    "power": {"power_kwh": (13.0, 1.3)},
    "statistics": {
        "revenue_wan": (8.0, 1.2),
        "output_wan": (7.9, 1.2),
        "value_added_wan": (6.5, 1.2),
        "employees": (4.0, 0.8),
        "rd_wan": (3.5, 1.5),
    },
    "ecology": {"emissions_t": (2.0, 1.2), "sewage_t": (8.0, 1.0)},
    "energy": {"energy_tce": (5.5, 1.3)},
}


def clear_runs(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM evaluation_grade"))
        conn.execute(text("DELETE FROM evaluation"))
    engine.dispose()


def baseline(url: str, year: int = YEAR) -> pd.DataFrame:
    """The plain script: read the tables with pandas, land by the rule, figures by
    source, indicators, benchmarks (2 × the cohort's mean of the year before), capped
    scores, a rank and a grade per cohort."""
    rules = load_profile("default").evaluation
    engine = make_engine(url)
    with engine.connect() as conn:
        register = pd.read_sql(text("SELECT credit_code, cohort FROM enterprise"), conn)
        parcels = pd.read_sql(
            text(
                "SELECT code, holder_credit_code, area_mu FROM parcel "
                "WHERE NOT retired AND holder_credit_code IS NOT NULL"
            ),
            conn,
        )
        leases = pd.read_sql(
            text(
                "SELECT lessor_code, lessee_code, parcel_code, area_mu, from_on, to_on "
                "FROM lease WHERE replaced_at IS NULL"
            ),
            conn,
        )
        figures = pd.read_sql(
            text(
                "SELECT v.year, v.source, f.* FROM enterprise_figure f JOIN figure_vintage v "
                "ON v.id = f.vintage_id WHERE v.replaced_at IS NULL AND v.year IN (:a, :b)"
            ),
            conn,
            params={"a": year - 1, "b": year},
        )
    engine.dispose()

    def frame_of(y: int) -> pd.DataFrame:
        first, last = pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)
        start = pd.to_datetime(leases["from_on"]).clip(lower=first)
        end = pd.to_datetime(leases["to_on"]).clip(upper=last)
        share = ((end - start).dt.days + 1).clip(lower=0) / ((last - first).days + 1)
        whole = leases["parcel_code"].map(parcels.set_index("code")["area_mu"])
        moved = leases["area_mu"].fillna(whole).clip(upper=whole) * share
        land = pd.concat(
            [
                parcels.groupby("holder_credit_code")["area_mu"].sum().rename("held"),
                moved.groupby(leases["lessee_code"]).sum().rename("rin"),
                moved.groupby(leases["lessor_code"]).sum().rename("rout"),
            ],
            axis=1,
        ).fillna(0.0)
        land["land_mu"] = (land["held"] + land["rin"] - land["rout"]).clip(lower=0)
        mine = figures[figures["year"] == y]
        wide = mine.drop(columns=["year", "source", "id", "vintage_id", "source_row",
                                  "name_given", "unmatched", "name_differs"])  # fmt: skip
        wide = wide.groupby("credit_code").first()
        out = register.set_index("credit_code").join(land["land_mu"]).join(wide)
        out["land_mu"] = out["land_mu"].fillna(0.0)
        return out

    def indicators(f: pd.DataFrame) -> pd.DataFrame:
        land = f["land_mu"].where(f["land_mu"] > 0)
        return pd.DataFrame(
            {
                "tax_wan_per_mu": f["tax_wan"] / land,
                "value_added_wan_per_mu": f["value_added_wan"] / land,
                "value_added_per_tce": f["value_added_wan"] / f["energy_tce"],
                "value_added_per_t_emissions": f["value_added_wan"] / f["emissions_t"],
                "value_added_per_employee": f["value_added_wan"] / f["employees"],
                "rd_share": f["rd_wan"] / f["revenue_wan"] * 100,
            }
        ).replace(np.inf, np.nan)

    this, before = frame_of(year), frame_of(year - 1)
    now_ind, then_ind = indicators(this), indicators(before)
    results = []
    for key, cohort in rules.cohorts.items():
        mine = (this["cohort"] == key) & (this["land_mu"] >= cohort.min_land_mu)
        mine &= this["land_mu"] > 0
        was = (before["cohort"] == key) & (before["land_mu"] >= cohort.min_land_mu)
        was &= before["land_mu"] > 0
        score = pd.Series(0.0, index=this.index[mine])
        present = pd.Series(0.0, index=this.index[mine])
        for name, weight in cohort.weights.items():
            bench = 2.0 * then_ind.loc[was, name].mean()
            value = now_ind.loc[mine, name]
            score += (value / bench).clip(0, rules.cap).fillna(0.0) * weight
            present += value.notna() * weight
        graded = present / sum(cohort.weights.values()) >= rules.min_completeness
        rank = score[graded].rank(ascending=False, method="min")
        quotas = np.round(np.cumsum([cohort.proportions[g] for g in "ABCD"]) * len(rank))
        grade = np.array(list("ABCD"))[np.minimum(np.searchsorted(quotas, rank - 1, "right"), 3)]
        results.append(pd.DataFrame({"score": score[graded], "rank": rank, "grade": grade}))
    return pd.concat(results)


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    lines = [
        f"### Per-mu evaluation by enterprise, {ENTERPRISES:,} enterprises, 100,000 parcels, "
        f"{LEASES:,} leases, five sources x two years ({dt.date.today()}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, load {load:.1f})",
        "",
        "| engine | landbank run_evaluation (kept), s | pandas read + joins + ranking, s | "
        "graded (landbank / pandas) | target |",
        "|---|---|---|---|---|",
    ]
    for engine in ("SpatiaLite", "PostGIS"):
        url, missing = url_of(engine, args.fresh)
        if missing:
            started = time.perf_counter()
            build(url)
            print(f"{engine}: built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        ours, theirs = [], []
        for _ in range(args.repeat):
            clear_runs(url)
            store = Store.shared(url)
            seconds, run = timed(lambda s=store: run_evaluation(s, YEAR, by="bench"))
            assert run["kept"], "the run was not kept"
            ours.append(seconds)
            Store.close_shared()
            seconds, plain = timed(lambda u=url: baseline(u))
            theirs.append(seconds)
        graded = run["summary"]["by_status"].get("graded", 0)
        lines.append(
            f"| {engine} | {statistics.median(ours):.2f} | {statistics.median(theirs):.2f} | "
            f"{graded:,} / {len(plain):,} | ≤ 5 s |"
        )
    lines.append(
        f"\nMedian of {args.repeat}. Reproduce: `.venv/bin/python bench/bench_evaluate.py "
        "--record`."
    )
    report("\n".join(lines) + "\n", args.record)


if __name__ == "__main__":
    main()
