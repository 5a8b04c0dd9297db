"""A cold land match and warm ones in one process, with what each costs in CPU: this
process's (``time.process_time``) and, on PostgreSQL, the backend's (``/proc`` of
``pg_backend_pid()``: the database server on the same machine), beside wall time. On a
machine loaded by others wall time swings; CPU time says what the code costs.

    .venv/bin/python bench/bench_match_cpu.py URL [ROUNDS]

Each round: nothing kept (``prepared.forget()``), one match (cold), then 20 (warm), of
bench_province's requirement (30-80 mu, industrial) as of 2026-06-30.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time

from sqlalchemy import text

from landbank.config import load_profile
from landbank.db.store import Store
from landbank.domain import matching as m
from landbank.services.matching import prepared, run

TODAY = dt.date(2026, 6, 30)
REQUIREMENT = {
    "name": "省级测试项目",
    "industry": "3811",
    "land": {"area_mu_min": 30, "area_mu_max": 80, "land_use": "industrial"},
}


def backend_cpu(uow, pg: bool) -> float:
    """The CPU seconds the unit's PostgreSQL backend has used (0 elsewhere)."""
    if not pg:
        return 0.0
    pid = uow.execute(text("SELECT pg_backend_pid()")).scalar()
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(url: str, rounds: int) -> None:
    s = m.settings_from_profile(load_profile(None).data)
    req = run.requirement_from_options(REQUIREMENT)
    store = Store.open(url)
    pg = url.startswith("postgresql")

    def one() -> tuple[float, float, float]:
        """(wall ms, this process's CPU ms, the backend's CPU ms) of one match."""
        with store.read() as uow:
            b0, w, c = backend_cpu(uow, pg), time.perf_counter(), time.process_time()
            run.candidates_in(store, uow, req, TODAY, s)
            wall, cpu = time.perf_counter() - w, time.process_time() - c
            return wall * 1000, cpu * 1000, (backend_cpu(uow, pg) - b0) * 1000

    cold, warm = [], []
    for _ in range(rounds):
        prepared.forget()
        cold.append(one())
        warm += [one() for _ in range(20)]

    def med(xs, k):
        return statistics.median(x[k] for x in xs)

    def p95(xs, k):
        return sorted(x[k] for x in xs)[round(0.95 * (len(xs) - 1))]

    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(
        f"cold: wall {med(cold, 0):.0f} ms, CPU {med(cold, 1):.0f} + database "
        f"{med(cold, 2):.0f} ms (median of {rounds}); warm: wall p50/p95 "
        f"{med(warm, 0):.0f}/{p95(warm, 0):.0f} ms, CPU p50/p95 {med(warm, 1):.0f}/"
        f"{p95(warm, 1):.0f} ms; load {load}"
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
