"""Load test of the JSON API on PostGIS: 8 clients update the same 50 parcels through
``landbank serve`` for 30 s (PATCH a parcel's holder with the ``expected_version`` the
client last saw, redoing it at once on the current version after a 409). Checks that
no update is lost (each parcel's final version minus its first equals its count of
successful PATCHes) and that nothing answers 5xx; prints
updates/s beside the baseline of the same 8 threads calling ``set_fields`` in-process
(no HTTP), measured in the same run. Target: ≥ 200 successful updates/s.

    .venv/bin/python bench/bench_web_load.py [--workers 1,2] [--seconds 30] [--record]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from results import report  # noqa: E402  (bench/ is the script's folder)

from landbank.db.store import Store
from landbank.errors import ConflictError
from landbank.services.parcels import set_fields, show_parcel
from landbank.services.users import add_user

ROOT = Path(__file__).resolve().parents[1]
LANDBANK = str(Path(sys.executable).with_name("landbank"))
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
# LANDBANK_BENCH_WEB_DB: another name, so that two runs on one server keep apart
DB = os.environ.get("LANDBANK_BENCH_WEB_DB", "landbank_bench_web")
PASSWORD = "bench password"


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)}: {proc.stderr[-600:]}")


def setup(clients: int, parcels: int) -> tuple[str, list[str]]:
    """A fresh database with the sample city (classified) and a clerk per client;
    returns its URL and the codes of the parcels to update."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    url = f"{PG}/{DB}"
    run([LANDBANK, "--db", url, "init"])
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        path = ROOT / "data" / "parcels" / name
        run([LANDBANK, "--db", url, "import", "parcels", str(path), "--upsert", "-q"])
    run([LANDBANK, "--db", url, "classify", "--as-of", "2026-06-30"])
    store = Store.open(url)
    try:
        for i in range(clients):
            add_user(store, f"client{i}", "clerk", PASSWORD)
    finally:
        store.close()
    with psycopg.connect(url) as conn:
        codes = [
            r[0]
            for r in conn.execute(
                "SELECT code FROM parcel WHERE NOT retired ORDER BY code LIMIT %s", (parcels,)
            )
        ]
    return url, codes


def versions(url: str, codes: list[str]) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT code, version FROM parcel WHERE code = ANY(%s)", (codes,))
        return dict(rows.fetchall())


@dataclass
class Tally:
    """What the clients saw, summed under a lock."""

    ok: collections.Counter = field(default_factory=collections.Counter)  # code → 200s
    conflicts: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)  # others
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, code: str | None, status: int, text: str = "") -> None:
        with self.lock:
            if status == 200:
                self.ok[code] += 1
            elif status == 409:
                self.conflicts += 1
            else:
                self.statuses[status] += 1
                if len(self.errors) < 5:
                    self.errors.append(f"{status}: {text[:300]}")


def hammer(worker, clients: int, seconds: float) -> tuple[Tally, float]:
    """Runs ``worker(i, tally, deadline)`` in ``clients`` threads for ``seconds``."""
    tally = Tally()
    start = time.perf_counter()
    deadline = start + seconds
    threads = [threading.Thread(target=worker, args=(i, tally, deadline)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.perf_counter() - start


class Api:
    """A lean keep-alive JSON client (the standard library's http.client): the clients
    share the 2 cores with the service and the database, so the load generator should
    take as little of them as it can (httpx took ~2 ms of CPU per request here)."""

    def __init__(self, base: str, token: str):
        self.conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        """Returns (status, decoded JSON or {}, text); reconnects once on a dropped link."""
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                if attempt == 2:
                    raise
        is_json = response.getheader("content-type", "").startswith("application/json")
        return response.status, json.loads(text) if is_json else {}, text

    def close(self) -> None:
        self.conn.close()


def http_worker(base: str, tokens: list[str], codes: list[str], tag: str):
    """A client as the API is meant to be used: it remembers each parcel's version from
    its last answer (a PATCH returns the new one, a 409 the current one) and reads the
    parcel only when it knows no version. ``tag`` makes each run's values its own: a
    value already there changes nothing and bumps no version."""

    def work(i: int, tally: Tally, deadline: float) -> None:
        rng = random.Random(i)
        api = Api(base, tokens[i])
        known: dict[str, int] = {}
        retry, code, n = False, None, 0
        try:
            while time.perf_counter() < deadline:
                code = code if retry else rng.choice(codes)
                retry = False
                try:
                    if code not in known:
                        status, got, text = api.call("GET", f"/api/v1/parcels/{code}")
                        if status != 200:
                            tally.add(code, status, text)
                            continue
                        known[code] = got["version"]
                    n += 1
                    change = {
                        "fields": {"holder": f"{tag}-client{i}-{n}"},
                        "reason": "load test",
                        "expected_version": known[code],
                    }
                    status, got, text = api.call("PATCH", f"/api/v1/parcels/{code}", change)
                    tally.add(code, status, text)
                    if status == 200:
                        known[code] = got["version"]
                    elif status == 409:  # redo the change on the current version
                        known[code] = got["current_version"]
                        retry = True
                    else:
                        known.pop(code, None)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    tally.add(code, 0, repr(exc))
        finally:
            api.close()

    return work


def direct_worker(store: Store, codes: list[str], tag: str):
    """The same client calling the services in-process, on one store (its pooled
    connections shared by the threads, as the service's are)."""

    def work(i: int, tally: Tally, deadline: float) -> None:
        rng = random.Random(i)
        known: dict[str, int] = {}
        n = 0
        retry, code = False, None
        while time.perf_counter() < deadline:
            code = code if retry else rng.choice(codes)
            retry = False
            n += 1
            try:
                if code not in known:
                    known[code] = show_parcel(store, code)["version"]
                done = set_fields(store, code, {"holder": f"{tag}-direct{i}-{n}"}, by=f"client{i}",
                                  reason="load test", expect_version=known[code])  # fmt: skip
                known[code] = done["version"]
                tally.add(code, 200)
            except ConflictError as exc:  # redo the change on the version it names
                known[code] = exc.current_version
                tally.add(code, 409)
                retry = True
            except Exception as exc:  # counted as a 5xx would be
                tally.add(code, 500, repr(exc))

    return work


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    url: str, workers: int, command: list[str] | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Starts ``landbank serve`` (or ``command``, a landbank command line, in ``env``) on
    a free port; returns the process and its base URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [*(command or [LANDBANK]), "--db", url, "serve", "--port", str(port)]
        + ["--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its worker processes stop with it
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"landbank serve stopped: {proc.stderr.read().decode()[-600:]}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(proc)
    raise SystemExit("landbank serve did not answer within 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def sign_in(base: str, clients: int) -> list[str]:
    tokens = []
    for i in range(clients):
        r = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": f"client{i}", "password": PASSWORD}
        )
        r.raise_for_status()
        tokens.append(r.json()["access_token"])
    return tokens


def measure(url: str, codes: list[str], worker, clients: int, seconds: float) -> dict:
    before = versions(url, codes)
    tally, elapsed = hammer(worker, clients, seconds)
    after = versions(url, codes)
    lost = sum(abs(after[c] - before[c] - tally.ok[c]) for c in codes)
    done = sum(tally.ok.values())
    five = sum(n for s, n in tally.statuses.items() if s >= 500 or s == 0)
    return {
        "seconds": elapsed,
        "updates_s": done / elapsed,
        "conflicts_s": tally.conflicts / elapsed,
        "five": five,
        "other": dict(tally.statuses),
        "lost": lost,
        "errors": tally.errors,
    }


def row(label: str, workers, clients: int, m: dict) -> str:
    other = sum(n for s, n in m["other"].items() if not (s >= 500 or s == 0))
    return (
        f"| {label} | {workers} | {clients} | {m['seconds']:.0f} | {m['updates_s']:.0f} | "
        f"{m['conflicts_s']:.0f} | {m['five']} | {other} | {m['lost']} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", default="1,2", help="uvicorn worker counts, e.g. 1,2")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--parcels", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    url, codes = setup(args.clients, args.parcels)
    store = Store.open(url)
    try:
        worker = direct_worker(store, codes, "base")
        base_m = measure(url, codes, worker, args.clients, args.seconds)
    finally:
        store.close()
    results = []
    for workers in (int(w) for w in args.workers.split(",")):
        proc, base = serve(url, workers)
        try:
            tokens = sign_in(base, args.clients)
            worker = http_worker(base, tokens, codes, f"w{workers}")
            m = measure(url, codes, worker, args.clients, args.seconds)
        finally:
            stop(proc)
        results.append((workers, m))
    lines = [
        f"### web API load, {args.clients} clients on the same {len(codes)} parcels, PostGIS, "
        f"{dt.date.today()}, {os.cpu_count()} cores",
        "",
        "Each loop: PATCH a parcel's holder with the expected_version the client last saw "
        "(from its previous PATCH, or from a 409, after which it redoes the change at once; "
        "a GET only for a parcel it has not seen). "
        "Baseline: the same clients calling show_parcel + set_fields in-process (no HTTP). "
        "Target ≥ 200 updates/s; lost updates must be 0 and 5xx 0.",
        "",
        "| path | workers | clients | s | updates/s | 409 conflicts/s | 5xx | other 4xx | "
        "lost updates |",
        "|---|---|---|---|---|---|---|---|---|",
        row("in-process set_fields (baseline)", "—", args.clients, base_m),
        *(row("HTTP API", w, args.clients, m) for w, m in results),
    ]
    report("\n".join(lines) + "\n", args.record)
    for label, m in [("baseline", base_m), *((f"workers {w}", m) for w, m in results)]:
        for e in m["errors"]:
            print(f"{label}: {e}", file=sys.stderr)
    if any(m["lost"] or m["five"] for m in [base_m, *(m for _, m in results)]):
        raise SystemExit("lost updates or 5xx: see above")


if __name__ == "__main__":
    main()
