"""Past one process: requests/s of a read-heavy mix through Debian's nginx in front of
one and two ``landbank serve`` processes, and of two with their reads on a streaming
replica, at 10⁵ parcels (the synthetic city, seed 7), all in one run.

The database is a PostgreSQL primary and its replica of the bench's own
(``tests.replication``: initdb, ``pg_basebackup -R``, free ports, removed at the end),
the city imported and classified on the primary. ``--clients`` threads (one process,
httpx, keep-alive) send for ``--seconds`` each: a page of the parcel list
(``/api/v1/parcels``, a random offset), a parcel's page (``/parcels/{code}``, HTML,
signed in by the session cookie), a vector tile (z12–16 at a random parcel; each
process keeps what it drew) and a match (``POST /api/v1/match``, the land pool kept
per process), in the weights of ``MIX``. Each configuration is warmed first (the
match's pool and the tiles drawn once per process). The baseline is one process
behind the same nginx, measured in the same run.

The machine has 2 cores, shared by nginx, the serve processes, PostgreSQL's two
servers and the client: two processes cannot double the rate here.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_scale.py [--seconds 10] [--rounds 3] [--record]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import math
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from results import report  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = str(ROOT)  # this checkout's landbank in the serve processes

from landbank.db.store import Store  # noqa: E402
from landbank.services.users import add_user  # noqa: E402
from tests.edge import Site  # noqa: E402
from tests.replication import start_pair  # noqa: E402

OUT = ROOT / "bench" / "out"
CITIES = Path("/work/cities")
LANDBANK = str(Path(sys.executable).with_name("landbank"))
DB = "lb_scale_100k"
USER, PASSWORD = "bench_viewer", "bench viewer password"
MIX = {"list": 3, "parcel": 3, "tile": 4, "match": 1}
MATCH = {"land": {"area_mu_min": 10, "area_mu_max": 60}}


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")
    return time.perf_counter() - start


def city_file(parcels: int) -> Path:
    """The shared synthetic city (a symlink to /work/cities when it is there)."""
    path = OUT / f"city_{parcels}_7.gpkg"
    OUT.mkdir(exist_ok=True)
    shared = CITIES / path.name
    if not path.exists() and shared.exists():
        path.symlink_to(shared)
    if not path.exists():
        run([LANDBANK, "synth", "--parcels", str(parcels), "--seed", "7", "--out", str(path)])
    return path


def load(pair, parcels: int) -> str:
    """The city imported and classified on the primary, a viewer added, replayed."""
    url = pair.url(DB)
    run([LANDBANK, "--db", url, "init"])
    took = run([LANDBANK, "--db", url, "import", "parcels", str(city_file(parcels)), "-q"])
    print(f"imported {parcels:,} parcels in {took:.0f} s", file=sys.stderr)
    run([LANDBANK, "--db", url, "classify", "--as-of", "2026-06-30"])
    store = Store.open(url)
    try:
        add_user(store, USER, "viewer", PASSWORD)
    finally:
        store.close()
    pair.caught_up(timeout_s=300)
    return url


def targets(pair, count: int = 400) -> tuple[list[str], list[str]]:
    """Random parcels' codes, and tiles z12–16 at random parcels' centres."""
    with pair.admin(database=DB) as conn:
        found = conn.execute(
            "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM parcel WHERE NOT retired ORDER BY random() LIMIT %s",
            (count,),
        ).fetchall()
    rng = random.Random(7)
    tiles = []
    for _, lon, lat in found:
        z = rng.randint(12, 16)
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        tiles.append(f"/tiles/parcels/{z}/{x}/{y}.mvt")
    return [c for c, _, _ in found], tiles


def signed_in(url: str) -> httpx.Client:
    """A client through nginx with a session cookie (pages) and a bearer token (API)."""
    client = httpx.Client(base_url=url, timeout=120)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    data = {"username": USER, "password": PASSWORD, "csrf_token": csrf, "next": "/"}
    assert client.post("/login", data=data).status_code == 303
    r = client.post("/api/v1/auth/token", data={"username": USER, "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


def one(client: httpx.Client, kind: str, rng: random.Random, codes, tiles, total: int):
    if kind == "list":
        return client.get("/api/v1/parcels", params={"limit": 50, "offset": rng.randrange(total)})
    if kind == "parcel":
        return client.get(f"/parcels/{rng.choice(codes)}")
    if kind == "tile":
        return client.get(rng.choice(tiles))
    return client.post("/api/v1/match", json=MATCH, params={"top": 10, "as_of": "2026-06-30"})


def drive(url: str, clients: int, seconds: float, codes, tiles, total: int) -> dict:
    """``clients`` threads sending the mix for ``seconds``: requests/s answered 2xx,
    their times in ms, the count of other answers and errors."""
    kinds = [k for k, w in MIX.items() for _ in range(w)]
    sessions = [signed_in(url) for _ in range(clients)]
    times: list[tuple[str, float]] = []
    bad: collections.Counter = collections.Counter()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def work(i: int) -> None:
        rng = random.Random(i)
        mine, wrong = [], collections.Counter()
        start.wait()
        while time.perf_counter() < stop_at[0]:
            kind = rng.choice(kinds)
            t0 = time.perf_counter()
            try:
                r = one(sessions[i], kind, rng, codes, tiles, total)
                why = None if r.is_success else f"{kind} {r.status_code}"
            except httpx.HTTPError as exc:
                why = f"{kind} {type(exc).__name__}"
            if why is None:
                mine.append((kind, time.perf_counter() - t0))
            else:
                wrong[why] += 1
        with lock:
            times.extend(mine)
            bad.update(wrong)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for th in threads:
        th.join()
    took = time.perf_counter() - began
    for s in sessions:
        s.close()
    return {"rps": len(times) / took, "ms": [(k, t * 1000) for k, t in times], "bad": bad}


def _summary(turns: list[dict]) -> dict:
    """The turns of one configuration: the median turn's requests/s, the p50 and p95
    of all their requests, the sums of the counts."""
    ms = sorted(t for r in turns for _, t in r["ms"])
    bad = sum((r["bad"] for r in turns), collections.Counter())
    by_kind = {
        kind: _p50_p95(sorted(t for r in turns for k, t in r["ms"] if k == kind)) for kind in MIX
    }
    return {
        "rps": statistics.median(r["rps"] for r in turns),
        "p50": _p50_p95(ms)[0],
        "p95": _p50_p95(ms)[1],
        "bad": sum(bad.values()),
        "why": ", ".join(f"{why} × {n}" for why, n in bad.most_common()),
        "n": len(ms),
        "kinds": by_kind,
    }


def _p50_p95(ms: list[float]) -> tuple[float, float]:
    if not ms:
        return float("nan"), float("nan")
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


def warm(site: Site, codes, tiles) -> None:
    """Each process draws the sampled tiles and prepares the match's pool once."""
    for direct in site.direct:
        client = signed_in(direct)
        client.post("/api/v1/match", json=MATCH, params={"top": 10, "as_of": "2026-06-30"})
        for path in tiles:
            client.get(path)
        for code in codes[:50]:
            client.get(f"/parcels/{code}")
        client.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    pair = start_pair(DB)
    sites: list[Site] = []
    try:
        url = load(pair, args.parcels)
        codes, tiles = targets(pair)
        # all up at once, measured in turns: the machine's other load drifts alike
        two = Site(OUT / "scale_nginx_2", url, 2)
        sites.append(two)
        one = Site(OUT / "scale_nginx_1", upstreams=two.ports[:1])
        sites.append(one)
        replica = Site(OUT / "scale_nginx_r", url, 2, pair.url(DB, True))
        sites.append(replica)
        configs = {
            "1 serve process behind nginx, reads on the primary (baseline)": one,
            "2 serve processes behind nginx, reads on the primary": two,
            "2 serve processes behind nginx, reads on the replica": replica,
        }
        for site in (two, replica):
            warm(site, codes, tiles)
        runs: dict[str, list[dict]] = {label: [] for label in configs}
        loads = []
        for turn in range(args.rounds):
            for label, site in configs.items():
                r = drive(site.url, args.clients, args.seconds, codes, tiles, args.parcels)
                runs[label].append(r)
                print(turn, label, f"{r['rps']:.1f} req/s", file=sys.stderr)
            loads.append(open("/proc/loadavg").read().split()[0])
    finally:
        for site in sites:
            site.stop()
        Store.close_shared()
        pair.stop()
    results = {label: _summary(rs) for label, rs in runs.items()}
    base = next(iter(results.values()))["rps"]
    day = dt.date.today().isoformat()
    lines = [
        f"### Past one process: a read-heavy mix through nginx, {args.parcels:,} parcels, "
        f"PostGIS with a streaming replica ({day}, 2 cores, load {', '.join(loads)} "
        "after each round)",
        "",
        f"{args.clients} client threads for {args.seconds:.0f} s a turn, the three "
        f"configurations in turns, {args.rounds} rounds (requests/s: the median turn; "
        "p50 and p95 over all the turns' requests); mix by weight: "
        + ", ".join(f"{k} {w}" for k, w in MIX.items())
        + " (list = /api/v1/parcels page, parcel = its HTML page, tile = z12–16 .mvt, "
        "match = POST /api/v1/match).",
        "",
        "| configuration | requests/s | × baseline | p50 ms | p95 ms | answered | not 2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in results.items():
        lines.append(
            f"| {label} | {r['rps']:.1f} | {r['rps'] / base:.2f} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['n']:,} | {r['bad']} |"
        )
    lines += [
        "",
        "p50 / p95 ms by kind of request: "
        + "; ".join(
            f"{label.split(',')[0]}{' (replica)' if 'replica' in label else ''}: "
            + ", ".join(f"{k} {a:.0f} / {b:.0f}" for k, (a, b) in r["kinds"].items())
            for label, r in results.items()
        )
        + ". Not 2xx: "
        + (
            "; ".join(
                f"{label.split(',')[0]}: {r['why']}" for label, r in results.items() if r["why"]
            )
            or "none"
        )
        + ".",
        "",
        "The client, nginx, the serve processes and both PostgreSQL servers share the "
        "machine's 2 cores: two processes cannot double the rate here; on a machine with "
        "a core per process they would scale until PostgreSQL is the limit.",
        "Reproduce: `PYTHONPATH=$PWD .venv/bin/python bench/bench_scale.py --record`.",
        "",
    ]
    report("\n".join(lines), args.record)


if __name__ == "__main__":
    main()
