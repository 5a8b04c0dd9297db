"""Every page of the service at 10⁵ and 10⁶ parcels, in one run: a signed-in viewer asks
each page through the app in-process (FastAPI's TestClient: the app's own time, no
network), the first time (nothing cached in the process) and then three times (the
median). Each size is the baseline of the other: what grows with the table shows.
Target: every page well under 2 s at 10⁶.

Reads the databases of bench_tiles.py (bench/out/tiles_N.sqlite, PostgreSQL lb_tiles_N:
run it first at each size).

    .venv/bin/python bench/bench_pages.py [--parcels 100000,1000000] [--record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.db.store import Store
from landbank.errors import ConflictError
from landbank.services.parcels import page_parcels
from landbank.services.users import add_user
from landbank.web.app import create_app

OUT = Path(__file__).resolve().parents[1] / "bench" / "out"
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
USER, PASSWORD = "bench_pages_viewer", "bench pages viewer password"


def urls(parcels: int) -> dict[str, str]:
    return {
        "SpatiaLite": f"sqlite:///{OUT / f'tiles_{parcels}.sqlite'}",
        "PostGIS": f"{PG}/lb_tiles_{parcels}",
    }


def pages(url: str) -> list[str]:
    """The pages asked: every kind the service has, on a parcel of the city."""
    store = Store.open(url)
    first = page_parcels(store, limit=1)
    idle = page_parcels(store, category="supplied_not_used", limit=1)["items"][0]
    store.close()
    code, district = quote(idle["code"]), quote(idle["district"])
    last = max(1, first["total"] // 50)
    return [
        "/",
        "/parcels",
        f"/parcels?district={district}&category=supplied_not_used",
        f"/parcels?page={last}",
        "/parcels?q=%E5%9B%AD",
        f"/parcels/{code}",
        f"/maps/parcel/{code}",
        "/maps/progress",
        "/map",
        "/tiles/parcels",
        "/buildings",
        "/match",
        "/cases/due",
        "/evaluations",
        "/surveys",
        "/api/v1/parcels?limit=50",
        f"/api/v1/parcels/{code}",
        "/api/v1/progress",
        "/ogc/collections/parcels/items?limit=100",
        f"/ogc/collections/parcels/items?limit=100&offset={max(0, first['total'] - 100)}",
        "/ogc/collections/parcels/items?bbox=117.2,34.8,117.3,34.9&limit=100",
    ]


def signed_in(url: str) -> TestClient:
    store = Store.open(url)
    try:
        add_user(store, USER, "viewer", PASSWORD)
    except ConflictError:
        pass  # kept from an earlier run
    store.close()
    client = TestClient(create_app(url), follow_redirects=False)
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login", data={"username": USER, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303, r.text[-300:]
    client.auth = (USER, PASSWORD)  # the API and /ogc read HTTP Basic
    return client


def timed(client: TestClient, path: str, repeat: int) -> tuple[int, float, float, int]:
    """(status, first s, median s of ``repeat`` more, KB)."""
    took = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        r = client.get(path)
        took.append(time.perf_counter() - start)
    return r.status_code, took[0], statistics.median(took[1:]), len(r.content) // 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", default="100000,1000000")
    ap.add_argument("--engines", default="SpatiaLite,PostGIS")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    load_at_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    sizes = [int(n) for n in args.parcels.split(",")]
    found: dict[tuple[str, str], dict[int, tuple]] = {}
    for n in sizes:
        for engine in args.engines.split(","):
            url = urls(n)[engine]
            client = signed_in(url)
            for path in pages(url):
                key = (engine, path.split("?")[0] + ("?…" if "?" in path else ""))
                found.setdefault(key, {})[n] = timed(client, path, args.repeat)
                print(engine, n, path, found[key][n], flush=True)
            client.close()
            Store.close_shared()
    load_at_end = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    head = " | ".join(f"{n:,}: status, first s, median s, KB" for n in sizes)
    lines = [
        f"| {engine} | `{path}` | "
        + " | ".join(
            "{} | {:.2f} | {:.2f} | {}".format(*by[n]) if n in by else "– | – | – | –"
            for n in sizes
        )
        + " |"
        for (engine, path), by in found.items()
    ]
    table = (
        f"### Every page at {' and '.join(f'{n:,}' for n in sizes)} parcels, "
        f"{time.strftime('%Y-%m-%d')}, 2 cores, load {load_at_start} at the start, "
        f"{load_at_end} at the end\n\n"
        "A signed-in viewer through the app in-process (TestClient); first ask, then the "
        f"median of {args.repeat}; target well under 2 s at 10⁶.\n\n"
        f"| engine | page | {head} |\n|---|---|" + "---|---|---|---|" * len(sizes) + "\n"
        + "\n".join(lines)
        + "\n\nReproduce: `.venv/bin/python bench/bench_pages.py --record` (after "
        "bench_tiles.py at each size).\n"
    )  # fmt: skip
    report(table, args.record)


if __name__ == "__main__":
    main()
