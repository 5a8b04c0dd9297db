"""Field survey, the server's share of a sync (issue 19), on SpatiaLite and PostGIS:
twenty records with a 400 KB photo each sent to /api/v1 in-process (the record, then
its photo: checked by content, EXIF read, distance measured, kept once), and each of
the twenty again (the idempotent replay a phone makes after a lost answer); beside the
baseline of the same run: twenty PATCH /parcels edits and the twenty photos' bytes
written straight into ``attachment`` (no checks). Best of 3 rounds; the link itself
(slow 3G) is the phone page's figure, not this one.

    PYTHONPATH=. .venv/bin/python bench/bench_survey.py [--record]

(``PYTHONPATH=.``: this checkout's landbank, whatever the shared venv installed.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
from fastapi.testclient import TestClient
from PIL import Image
from results import report  # noqa: E402  (bench/ is the script's folder)
from typer.testing import CliRunner

from landbank.cli import app as cli_app
from landbank.db import attachments
from landbank.db.store import Store
from landbank.services.database import init_db
from landbank.services.users import add_user
from landbank.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PG = os.environ.get("LANDBANK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
CODES = [f"370402-01-{i:06d}" for i in range(1, 21)]
PASSWORD = "bench password"


def database(kind: str) -> str:
    """A fresh database of ``kind`` with the sample parcels, an admin and a surveyor."""
    OUT.mkdir(parents=True, exist_ok=True)
    if kind == "SpatiaLite":
        path = OUT / "survey.sqlite"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "lb_bench_survey" WITH (FORCE)')
            conn.execute('CREATE DATABASE "lb_bench_survey"')
        url = f"{PG}/lb_bench_survey"
    init_db(url)
    gpkg = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    done = CliRunner().invoke(cli_app, ["--db", url, "import", "parcels", str(gpkg), "-q"])
    if done.exit_code:
        raise SystemExit(done.output)
    store = Store.open(url)
    add_user(store, "admin", "admin", PASSWORD)
    add_user(store, "s1", "surveyor", PASSWORD, "市中区")
    store.close()
    return url


def photo(seed: int, lon: float, lat: float) -> bytes:
    """A JPEG of about 400 KB (noise compresses badly, as a photo does) with EXIF GPS."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(600, 800, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 10:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (lat, 0, 0), "E", (lon, 0, 0)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def auth(client: TestClient, name: str) -> dict:
    r = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def one_round(url: str, client: TestClient, admin: dict, s1: dict, photos, n: int):
    """(baseline s, landbank s, replay s) of one round on a fresh survey."""
    name = f"bench-{n}"
    r = client.post("/api/v1/surveys", json={"name": name, "assign": "s1", "codes": CODES},
                    headers=admin)  # fmt: skip
    assert r.status_code == 201, r.text
    # baseline: twenty plain edits, and the photos' bytes straight into the table
    start = time.perf_counter()
    for code in CODES:
        shown = client.get(f"/api/v1/parcels/{code}", headers=admin).json()
        body = {"fields": {"holder": f"业主{n}"}, "reason": "bench",
                "expected_version": shown["version"]}  # fmt: skip
        assert client.patch(f"/api/v1/parcels/{code}", json=body, headers=admin).is_success
    store = Store.shared(url)
    with store.write(by="bench") as uow:
        for content in photos:
            salted = content + uuid.uuid4().bytes  # new bytes: stored, not found
            attachments.put(uow, hashlib.sha256(salted).hexdigest(), "image/jpeg", salted)
    baseline = time.perf_counter() - start
    # the versions the phone saw: read after the baseline's edits
    mine = [t for t in client.get("/api/v1/tasks", headers=s1).json() if t["survey"] == name]
    values = {"site_status": "under_construction", "status_on": "2026-10-01"}
    # landbank: the record, then its photo, for each of the twenty
    keys = [uuid.uuid4().hex for _ in mine]
    sent = []
    start = time.perf_counter()
    for task, key, content in zip(mine, keys, photos, strict=True):
        body = {"idempotency_key": key, "seen_version": task["target"]["version"],
                "values": values}  # fmt: skip
        r = client.post(f"/api/v1/tasks/{task['task_id']}/records", json=body, headers=s1)
        assert r.status_code == 201, r.text
        record = r.json()["record_id"]
        salted = content[:-2] + uuid.uuid4().bytes[:2] + content[-2:]  # a new photo each round
        p = client.post(f"/api/v1/records/{record}/photos", headers=s1,
                        files={"file": ("p.jpg", salted, "image/jpeg")})  # fmt: skip
        assert p.status_code == 201, p.text
        sent.append((task, key, body, record, salted))
    landbank = time.perf_counter() - start
    start = time.perf_counter()
    for task, _key, body, record, salted in sent:
        r = client.post(f"/api/v1/tasks/{task['task_id']}/records", json=body, headers=s1)
        assert r.status_code == 200 and r.json()["replayed"], r.text
        p = client.post(f"/api/v1/records/{record}/photos", headers=s1,
                        files={"file": ("p.jpg", salted, "image/jpeg")})  # fmt: skip
        assert p.status_code == 200, p.text
    replay = time.perf_counter() - start
    return baseline, landbank, replay


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    rows = []
    for kind in ("SpatiaLite", "PostGIS"):
        url = database(kind)
        client = TestClient(create_app(url))
        admin, s1 = auth(client, "admin"), auth(client, "s1")
        centre = client.get(f"/api/v1/parcels/{CODES[0]}", headers=admin).json()["centroid"]
        photos = [photo(i, centre[0], centre[1]) for i in range(20)]
        size = sum(map(len, photos)) / len(photos) / 1024
        runs = [one_round(url, client, admin, s1, photos, n) for n in range(3)]
        best = [min(r[i] for r in runs) for i in range(3)]
        rows.append(f"| {kind} | {best[0]:.2f} | {best[1]:.2f} | {best[2]:.2f} | {size:.0f} |")
        Store.close_shared()
    cores = os.cpu_count()
    table = "\n".join(
        [
            f"### field survey sync, server side, 20 records + 20 photos, {dt.date.today()}, "
            f"{cores} cores, best of 3",
            "",
            "`PYTHONPATH=. .venv/bin/python bench/bench_survey.py --record` (in-process "
            "TestClient: no network; the phone's link is the phone page's figure)",
            "",
            "| engine | baseline: 20 PATCH edits + 20 photos' bytes stored s | landbank: 20 "
            "records + 20 photos (checked, EXIF, distance) s | the same 20 + 20 again "
            "(replayed) s | photo KB |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    report(table, args.record)


if __name__ == "__main__":
    sys.exit(main())
