"""`landbank match` latency on a 100k-parcel city with 5,000 buildings: p50 and p95 of
100 random land requirements (site assembly included) and 100 floor-space requirements
on each engine (target p95 ≤ 200 ms on SpatiaLite, ≤ 100 ms on PostGIS), beside a plain
geopandas full scan with the same filters and scoring in the same run (target ≥ 10 ×
faster).

    .venv/bin/python bench/bench_match.py [--parcels 100000] [--baseline 20] [--record]

Ours: one store per database, each requirement in a read unit of its own (a pooled
connection) through ``services.matching.run_match`` (the suppliable parcels or the floor
space, kept by the process while the database's stamp stays put, then the domain's
filters and scoring),
after a few warm-up requests; cold: the first requirements again with nothing kept, as
the first request after a change (or a one-off command) meets it. Baseline: per
requirement, the whole parcel and disposal tables (or building and vacancy tables) read
with geopandas / pandas, then the same domain functions (``land_pool`` + ``match_land``,
``match_floor_space``) on everything. The
baseline is timed on the first ``--baseline`` requirements of each kind; its answers
are compared with ours on all of them (from one full read per engine).

The city: ``landbank synth --seed 7`` imported and classified as of 2026-06-30, 5,000
buildings of ``synth.synthetic_buildings`` and their vacancies imported from CSV, and
recovery disposals on 3 % of the idle parcels (so recovered and recovering land is in
the pool). The databases are kept under bench/out/ and reused when their counts match.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyogrio
from results import report  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import text

from landbank.config import load_profile
from landbank.db.bulk import insert_frame
from landbank.db.store import Store
from landbank.domain import matching as m
from landbank.domain.matching import (
    FloorNeed,
    LandNeed,
    Place,
    Requirement,
    match_floor_space,
    match_land,
)
from landbank.services import parcels as parcel_service
from landbank.services.matching import prepared, run_match
from landbank.synth import PARKS, synthetic_buildings, synthetic_parcels

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "lb_match"  # this helper's databases: lb_match_<parcels>
CITIES = Path("/work/cities")  # the shared synthetic cities, made once
TODAY = dt.date(2026, 6, 30)
PROFILE = "zaozhuang"
SEED = 7
N_BUILDINGS = 5000
DISPOSAL_SHARE = 0.03
RECOVERY = ["reclaim", "paid_recovery", "buyback", "swap", "withdraw_approval"]
INDUSTRIES = ["3811", "3912", "3411", "3521", "2614", "3011", "1311", "2929"]
WARM_UP = 3
N_COLD = 10
N_EDITS = 10  # edits then a match, each way (patched, rebuilt)
TARGET_P95 = {"SpatiaLite": 200.0, "PostGIS": 100.0}


def run(argv) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")


# -- the city -------------------------------------------------------------------------


def city_files(parcels: int) -> tuple[Path, Path, Path]:
    """The parcels' GeoPackage and the buildings' and vacancies' CSV files (cached)."""
    source = OUT / f"city_{parcels}_{SEED}.gpkg"
    shared = CITIES / source.name
    if not source.exists() and shared.exists():
        source.symlink_to(shared)
    if not source.exists():
        run(
            [
                LANDBANK,
                "synth",
                "--parcels",
                str(parcels),
                "--seed",
                str(SEED),
                "--out",
                str(source),
            ]
        )
    b_csv = OUT / f"buildings_{parcels}_{SEED}_{N_BUILDINGS}.csv"
    v_csv = OUT / f"vacancies_{parcels}_{SEED}_{N_BUILDINGS}.csv"
    if not (b_csv.exists() and v_csv.exists()):
        buildings, vacancies = synthetic_buildings(
            synthetic_parcels(parcels, seed=SEED), N_BUILDINGS, seed=SEED
        )
        buildings.to_csv(b_csv, index=False)
        vacancies.to_csv(v_csv, index=False)
    return source, b_csv, v_csv


def _counts(url: str) -> tuple | None:
    try:
        store = Store.open(url)
    except Exception:
        return None
    try:
        with store.read() as uow:
            return tuple(
                uow.execute(text(sql)).scalar()
                for sql in (
                    "SELECT count(*) FROM parcel WHERE category IS NOT NULL",
                    "SELECT count(*) FROM building",
                    "SELECT count(*) FROM vacancy",
                    "SELECT count(*) FROM disposal",
                )
            )
    except Exception:
        return None
    finally:
        store.close()


def _disposals(url: str) -> int:
    """Recovery disposals on a seeded share of the idle parcels: finished ones (the land
    is recovered) and open ones with a planned date (it is being recovered)."""
    store = Store.open(url)
    rng = np.random.default_rng(SEED)
    with store.write(by="bench") as uow:
        rows = uow.execute(
            text(
                "SELECT code, area_mu FROM parcel WHERE category NOT IN "
                "('compliant', 'approved_not_supplied') ORDER BY code"
            )
        ).all()
        codes = np.array([r[0] for r in rows])
        area = np.array([r[1] for r in rows], float)
        pick = np.sort(rng.choice(len(codes), int(len(codes) * DISPOSAL_SHARE), replace=False))
        n = len(pick)
        status = rng.choice(["disposed", "closed", "plan_approved", "disposing"], n)
        finished = np.isin(status, ["disposed", "closed"])
        planned = pd.Timestamp(TODAY) + pd.to_timedelta(rng.integers(-200, 400, n), unit="D")
        frame = pd.DataFrame(
            {
                "parcel_code": codes[pick],
                "subject": "parcel",
                "method": rng.choice(RECOVERY, n),
                "status": status,
                "cause": None,
                "planned_on": planned.date,
                "done_on": np.where(finished, (planned - pd.Timedelta(days=30)).date, None),
                "area_mu": area[pick],
                "blockers": "[]",
                "version": 1,
            }
        )
        insert_frame(uow, "disposal", frame)
    store.close()
    return n


def city(kind: str, parcels: int) -> str:
    """The URL of a database holding the bench city, built unless it is there already."""
    source, b_csv, v_csv = city_files(parcels)
    if kind == "SpatiaLite":
        path = OUT / f"{PG_DB}_{parcels}.sqlite"
        url = f"sqlite:///{path}"
    else:
        url = f"{PG}/{PG_DB}_{parcels}"
    # a small city has room for fewer than N_BUILDINGS buildings: count the file's
    buildings, vacancies = len(pd.read_csv(b_csv)), len(pd.read_csv(v_csv))
    found = _counts(url) if (kind != "SpatiaLite" or path.exists()) else None
    if (
        found
        and found[:3] == (parcels, buildings, vacancies)
        and found[3] > 0
        and (OUT / f"{Path(url).name}.ok").exists()
    ):
        run([LANDBANK, "--db", url, "init"])  # kept from an older schema: brought to head
        return url
    print(f"building the {kind} city ...", file=sys.stderr)
    if kind == "SpatiaLite":
        path.unlink(missing_ok=True)
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{Path(url).name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{Path(url).name}"')
    (OUT / f"{Path(url).name}.ok").unlink(missing_ok=True)
    db = [LANDBANK, "--db", url]
    run([*db, "init"])
    run([*db, "import", "parcels", str(source), "-q", "--profile", PROFILE])
    run([*db, "classify", "--as-of", TODAY.isoformat(), "--profile", PROFILE])
    run([*db, "import", "buildings", str(b_csv), "--profile", PROFILE])
    run([*db, "import", "vacancies", str(v_csv)])
    _disposals(url)
    if kind == "PostGIS":
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    (OUT / f"{Path(url).name}.ok").touch()
    return url


# -- requirements ---------------------------------------------------------------------


def _place(rng, near: bool, districts: bool, park: bool) -> Place:
    anchor = PARKS[rng.integers(len(PARKS))]
    names = (anchor[0],)
    if rng.random() < 0.3:
        names += (PARKS[rng.integers(len(PARKS))][0],)
    point = None
    if near:
        # a park's centre moved a few km; its clusters of blocks lie in 9.5 km cells
        lon = anchor[3] + rng.uniform(-4, 4) / 91.5
        lat = anchor[4] + rng.uniform(-4, 4) / 110.6
        point = (round(float(lon), 5), round(float(lat), 5))
    return Place(
        districts=tuple(dict.fromkeys(names)) if districts else (),
        parks=(anchor[2],) if park else (),
        near=point,
        within_km=round(float(rng.uniform(3, 15)), 1) if near else None,
    )


def _ready_by(rng, share: float) -> dt.date | None:
    if rng.random() < share:
        return TODAY + dt.timedelta(days=int(rng.integers(0, 366)))
    return None


def requirements(n: int, seed: int = 2026) -> tuple[list[Requirement], list[Requirement]]:
    """``n`` random land requirements and ``n`` floor-space requirements."""
    rng = np.random.default_rng(seed)
    land = []
    for i in range(n):
        lo = float(np.round(rng.uniform(10, 120), 1))
        hi = float(np.round(lo * rng.uniform(1.2, 1.6), 1))
        promised = rng.random() < 0.5
        place = _place(rng, near=rng.random() < 0.7, districts=rng.random() < 0.4,
                       park=rng.random() < 0.3)  # fmt: skip
        land.append(
            Requirement(
                name=f"bench-land-{i + 1:03d}",
                industry=str(rng.choice(INDUSTRIES)) if rng.random() < 0.6 else None,
                place=place,
                land=LandNeed(
                    area_mu_min=lo,
                    area_mu_max=hi,
                    land_use="industrial" if rng.random() < 0.75 else "logistics",
                    ready_by=_ready_by(rng, 0.8),
                    investment_wan=round(lo * rng.uniform(250, 600)) if promised else None,
                    annual_output_wan=round(lo * rng.uniform(300, 800)) if promised else None,
                    annual_tax_wan=round(lo * rng.uniform(15, 45)) if promised else None,
                ),
            )
        )
    floor = []
    types = ["standard_factory", "office", "warehouse", "commercial"]
    for i in range(n):
        lo = float(np.round(rng.uniform(500, 4000), -1))
        hi = float(min(5000.0, np.round(lo * rng.uniform(1.2, 1.8), -1)))
        place = _place(rng, near=rng.random() < 0.5, districts=rng.random() < 0.3,
                       park=rng.random() < 0.2)  # fmt: skip
        floor.append(
            Requirement(
                name=f"bench-floor-{i + 1:03d}",
                industry=None,
                place=place,
                floor_space=FloorNeed(
                    area_m2_min=lo,
                    area_m2_max=max(hi, lo),
                    building_type=str(rng.choice(types)) if rng.random() < 0.5 else None,
                    min_floor_load_kn_m2=(
                        float(rng.choice([3.0, 5.0, 8.0])) if rng.random() < 0.3 else None
                    ),
                    min_clear_height_m=(
                        float(rng.choice([3.5, 6.0, 8.0])) if rng.random() < 0.3 else None
                    ),
                    max_floor=int(rng.integers(1, 6)) if rng.random() < 0.3 else None,
                    ready_by=_ready_by(rng, 0.4),
                    max_rent=round(float(rng.uniform(12, 25)), 1) if rng.random() < 0.4 else None,
                ),
            )
        )
    return land, floor


# -- ours and the baseline ------------------------------------------------------------


def ours(store: Store, req: Requirement, s: m.MatchSettings) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    found = run_match(store, req, TODAY, s, "zh", 10)
    return (time.perf_counter() - start) * 1000, found


def read_all(kind: str, url: str, engine, land: bool) -> dict[str, pd.DataFrame]:
    """Whole tables, as a script with geopandas would read them."""
    if land:
        if kind == "SpatiaLite":
            gdf = pyogrio.read_dataframe(url.removeprefix("sqlite:///"), layer="parcel")
        else:
            with engine.connect() as conn:
                gdf = gpd.read_postgis("SELECT * FROM parcel", conn, geom_col="geom")
        with engine.connect() as conn:
            disposals = pd.read_sql("SELECT * FROM disposal", conn)
            reserved = pd.read_sql("SELECT * FROM reservation", conn)
        return {"parcels": gdf, "disposals": disposals, "reserved": reserved}
    if kind == "SpatiaLite":
        gdf = pyogrio.read_dataframe(url.removeprefix("sqlite:///"), layer="building")
    else:
        with engine.connect() as conn:
            gdf = gpd.read_postgis("SELECT * FROM building", conn, geom_col="geom")
    with engine.connect() as conn:
        vacancies = pd.read_sql("SELECT * FROM vacancy", conn)
        reserved = pd.read_sql("SELECT * FROM reservation", conn)
    return {"buildings": gdf, "vacancies": vacancies, "reserved": reserved}


def _plain_frame(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    frame["geometry"] = gdf.geometry.to_numpy()
    return frame


def _reserved(rows: pd.DataFrame) -> dict[str, str]:
    # the bench city holds no reservations; a non-empty table would need the service's
    # own reading (active_reserved), which the full scan does not reimplement
    if len(rows):
        raise SystemExit("the bench database holds reservations; drop them and rerun")
    return {}


def in_geopandas(tables: dict, req: Requirement, s: m.MatchSettings) -> list[dict]:
    """The same domain functions over the whole tables, no SQL pre-filter."""
    reserved = _reserved(tables["reserved"])
    if req.land is not None:
        parcels = _plain_frame(tables["parcels"])
        parcels["retired"] = parcels["retired"].astype(bool)
        d = tables["disposals"]
        d = d[d["subject"].eq("parcel")] if "subject" in d else d
        latest = d.sort_values("id").groupby("parcel_code").tail(1)
        latest = latest[latest["method"].isin(s.recovery_methods)]
        pool = m.land_pool(parcels, latest, TODAY, s)
        return match_land(pool, req, TODAY, s, reserved, "zh", 10)
    buildings = _plain_frame(tables["buildings"])
    buildings = buildings[buildings["geometry"].notna()].sort_values("code")
    v = tables["vacancies"].sort_values(["building_code", "floor", "unit", "id"])
    v = v.drop(columns=["id"])
    v["available_from"] = pd.to_datetime(v["available_from"])
    v["floor"] = v["floor"].astype("Int64")
    v["unit"] = v["unit"].astype(object).where(v["unit"].notna(), None)
    return match_floor_space(buildings, v, req, TODAY, s, reserved, "zh", 10)


def baseline(kind, url, engine, req, s) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    tables = read_all(kind, url, engine, req.land is not None)
    found = in_geopandas(tables, req, s)
    return (time.perf_counter() - start) * 1000, found


def codes(found: list[dict]) -> list[tuple[str, ...]]:
    """The ranked candidates, each as its codes in the order given."""
    return [tuple(c["codes"]) for c in found]


def compare(ours_found: list[dict], base_found: list[dict]) -> str | None:
    """None if both rank the same candidates (the same parcels or floors, in the same
    order of rank); "order" if only the order of codes within a candidate differs;
    "differ" otherwise."""
    if codes(ours_found) == codes(base_found):
        return None
    same = [tuple(sorted(c)) for c in codes(ours_found)] == [
        tuple(sorted(c)) for c in codes(base_found)
    ]
    return "order" if same else "differ"


# -- the run --------------------------------------------------------------------------


def after_edits(store: Store, req: Requirement, s: m.MatchSettings) -> dict:
    """One parcel of the pool edited through the service (its holder: a single-row
    update with its history), then ``req`` matched, N_EDITS times each way in turns:
    the kept pool patched with the edit, and rebuilt (``LANDBANK_PATCH=0``, as before
    migration 0014). Times in ms: edit, match after it (p50, p95 of each way)."""
    ours(store, req, s)  # kept
    with store.read() as uow:
        code = uow.execute(
            text(
                "SELECT code FROM parcel WHERE category = 'approved_not_supplied' "
                "AND NOT retired ORDER BY code LIMIT 1"
            )
        ).scalar_one()
    times: dict[str, list[float]] = {"edit": [], "patched": [], "rebuilt": []}
    for k in range(2 * args_n("edits")):
        way = ("patched", "rebuilt")[k % 2]
        os.environ["LANDBANK_PATCH"] = "1" if way == "patched" else "0"
        start = time.perf_counter()
        parcel_service.set_fields(
            store, code, {"holder": f"bench edit {k}"}, by="bench", reason="bench: one edit"
        )
        times["edit"].append((time.perf_counter() - start) * 1000)
        times[way].append(ours(store, req, s)[0])
    os.environ.pop("LANDBANK_PATCH", None)
    return {f"{k}{q}": pct(v, q) for k, v in times.items() for q in (50, 95)}


COUNTS = {"cold": N_COLD, "edits": N_EDITS}


def args_n(name: str) -> int:
    """How many cold requests / edits each way this run makes (--cold, --edits)."""
    return COUNTS[name]


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_engine(kind: str, url: str, land, floor, s, n_base: int) -> tuple[list, dict]:
    store = Store.open(url)
    engine = store.engine  # the baseline reads the tables as a plain script would
    rows, notes = [], {}
    for label, reqs in (("land", land), ("floor space", floor)):
        for req in reqs[:WARM_UP]:
            ours(store, req, s)
        timed = [ours(store, req, s) for req in reqs]
        t_ours = [t for t, _ in timed]
        t_cold = []
        for req in reqs[: args_n("cold")]:  # the first request after a change: nothing kept
            prepared.forget()
            t_cold.append(ours(store, req, s)[0])
        if label == "land":
            notes["edit"] = after_edits(store, reqs[0], s)
            notes["rss_mb"] = peak_rss_mb()  # before the baseline's full reads
        base = [baseline(kind, url, engine, req, s) for req in reqs[:n_base]]
        t_base = [t for t, _ in base]
        answers = [found for _, found in base]
        if n_base < len(reqs):  # the rest against one full read
            tables = read_all(kind, url, engine, reqs[0].land is not None)
            answers += [in_geopandas(tables, req, s) for req in reqs[n_base:]]
        verdicts = {
            req.name: compare(found, answer)
            for req, (_, found), answer in zip(reqs, timed, answers, strict=True)
        }
        differ = [name for name, v in verdicts.items() if v == "differ"]
        order = [name for name, v in verdicts.items() if v == "order"]
        p50_same = statistics.median(t_ours[:n_base])
        rows.append(
            {
                "engine": kind,
                "kind": label,
                "p50": pct(t_ours, 50),
                "p95": pct(t_ours, 95),
                "c50": pct(t_cold, 50),
                "c95": pct(t_cold, 95),
                "b50": pct(t_base, 50),
                "b95": pct(t_base, 95),
                "ratio": pct(t_base, 50) / p50_same,
                "target": TARGET_P95[kind],
                "differ": differ,
                "order": order,
            }
        )
        if label == "land":
            kinds = [{c["kind"] for c in found} for _, found in timed]
            notes["site"] = sum("site" in k for k in kinds)
            notes["parcel_only"] = sum(k == {"parcel"} for k in kinds)
            notes["empty"] = sum(not k for k in kinds)
        else:
            notes["floor_empty"] = sum(not found for _, found in timed)
            notes["floor_combined"] = sum(
                any(len(c["codes"]) > 1 for c in found) for _, found in timed
            )
        notes[f"slowest {label}"] = (reqs[int(np.argmax(t_ours))].name, max(t_ours))
    store.close()
    return rows, notes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--requirements", type=int, default=100)
    ap.add_argument("--baseline", type=int, default=100, help="timed baseline runs per kind")
    ap.add_argument("--engine", choices=["SpatiaLite", "PostGIS"], action="append")
    ap.add_argument("--cold", type=int, default=N_COLD, help="cold requests per kind")
    ap.add_argument("--edits", type=int, default=N_EDITS, help="edits then a match, each way")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    COUNTS.update(cold=args.cold, edits=args.edits)
    OUT.mkdir(parents=True, exist_ok=True)
    s = m.settings_from_profile(load_profile(PROFILE).data)
    land, floor = requirements(args.requirements)
    n_base = min(args.baseline, args.requirements)
    rows, notes = [], {}
    for kind in args.engine or ["SpatiaLite", "PostGIS"]:
        url = city(kind, args.parcels)
        r, n = bench_engine(kind, url, land, floor, s, n_base)
        rows += r
        notes[kind] = n
    lines = [
        f"### match, {args.parcels:,} parcels, {N_BUILDINGS:,} buildings, {dt.date.today()}, "
        f"{os.cpu_count()} cores",
        "",
        f"{args.requirements} land requirements (site assembly included) and "
        f"{args.requirements} floor-space requirements, seeded, as of {TODAY}, top 10; ours "
        "(the pool kept by the process while the database's stamp stays put, then the "
        f"domain's filters and scoring; a pooled connection per request) after {WARM_UP} "
        "warm-up requests; cold: the same on the first "
        f"{args.cold} requirements with nothing kept (the first request after any change, and "
        "every `landbank match` command); baseline: a full read of the tables with "
        "geopandas + the same domain functions, "
        + (
            "on every requirement."
            if n_base == args.requirements
            else f"timed on the first {n_base} of each kind."
        )
        + f" Ratio: baseline p50 / ours p50 over the same {n_base} requirements.",
        "",
        "| engine | requirement | p50 ours ms | p95 ours ms | cold p50 / p95 ms | "
        "p50 baseline ms | p95 baseline ms | ratio | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok_p95 = "✓" if r["p95"] <= r["target"] else "✗"
        ok_ratio = "✓" if r["ratio"] >= 10 else "✗"
        lines.append(
            f"| {r['engine']} | {r['kind']} | {r['p50']:.0f} | {r['p95']:.0f} | "
            f"{r['c50']:.0f} / {r['c95']:.0f} | {r['b50']:.0f} | {r['b95']:.0f} | "
            f"{r['ratio']:.1f}× | "
            f"p95 ≤ {r['target']:.0f} ms {ok_p95}, ≥ 10× {ok_ratio} |"
        )
    lines.append("")
    for kind, n in notes.items():
        lines.append(
            f"{kind}: land requests with a site candidate {n['site']}, parcels only "
            f"{n['parcel_only']}, nothing {n['empty']}; floor requests with combined floors "
            f"{n['floor_combined']}, nothing {n['floor_empty']}. Slowest (ours): "
            + ", ".join(f"{v[0]} {v[1]:,.0f} ms" for k, v in n.items() if k.startswith("slowest"))
            + "."
        )
    lines += [
        "",
        f"Match after one edit: a pool parcel's holder set through the service "
        f"(`parcels set`), then a land requirement matched; {args.edits} times each way in "
        "turns: the kept pool patched with what changed (migration 0014) against rebuilt "
        "(`LANDBANK_PATCH=0`, the baseline: every edit rebuilt the pool before). Peak "
        "memory: the process's peak resident set before the baseline's full reads.",
        "",
        "| engine | edit p50 / p95 ms | match after, patched p50 / p95 ms | "
        "match after, rebuilt p50 / p95 ms | speed-up p50 | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for kind, n in notes.items():
        e = n["edit"]
        lines.append(
            f"| {kind} | {e['edit50']:.0f} / {e['edit95']:.0f} | {e['patched50']:.0f} / "
            f"{e['patched95']:.0f} | {e['rebuilt50']:.0f} / {e['rebuilt95']:.0f} | "
            f"{e['rebuilt50'] / e['patched50']:.1f}× | {n['rss_mb']:,.0f} |"
        )
    lines.append(f"\nLoad (1, 5, 15 min) at the end: {os.getloadavg()[0]:.2f}, "
                 f"{os.getloadavg()[1]:.2f}, {os.getloadavg()[2]:.2f}.")  # fmt: skip
    differ = sum(len(r["differ"]) for r in rows)
    order = sum(len(r["order"]) for r in rows)
    lines.append(
        f"\nDisagreements with the baseline (the ranked candidates' codes, all "
        f"{2 * args.requirements} requirements on each engine): {differ}."
        + "".join(f" {r['engine']} {r['kind']}: {r['differ']}." for r in rows if r["differ"])
        + (
            f" Same candidates, codes of a site listed in another order: {order} ("
            + ", ".join(f"{r['engine']} {r['kind']} {r['order']}" for r in rows if r["order"])
            + "; a site's codes follow the order the database returns the rows in)."
            if order
            else ""
        )
    )
    lines.append(
        f"Reproduce: `.venv/bin/python bench/bench_match.py --parcels {args.parcels} "
        f"--requirements {args.requirements} --baseline {n_base} --cold {args.cold} "
        f"--edits {args.edits} --record`."
    )
    report("\n".join(lines) + "\n", args.record)


if __name__ == "__main__":
    main()
