"""The land pool alone, on a bench database (e.g. bench_match.py's lb_match_1000000):
a fresh build (the parcels read, ``land_pool``, ``index_land``) twice, then one pool
parcel's holder set through the service and the kept pool patched, three times; the
process's peak memory. No baseline: bench_match.py has the rebuilt one beside it.

    .venv/bin/python bench/bench_land_pool.py URL
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time

from landbank.config import load_profile
from landbank.db import matching as rows
from landbank.db.store import Store
from landbank.domain import matching as m
from landbank.domain.matching.land import index_land
from landbank.services import parcels as parcel_service
from landbank.services.matching import run

TODAY = dt.date(2026, 6, 30)


def main(url: str) -> None:
    s = m.settings_from_profile(load_profile("zaozhuang").data)
    store = Store.open(url)
    for _ in range(2):
        with store.read() as uow:
            t0 = time.perf_counter()
            parcels, disposals = rows.pool_rows(uow, s.recovery_methods, s.reserve_holders)
            t1 = time.perf_counter()
            pool = m.land_pool(parcels, disposals, TODAY, s)
            t2 = time.perf_counter()
            index = index_land(pool, s.gap_m)
            t3 = time.perf_counter()
        print(
            f"fresh: read {t1 - t0:.2f} s, land_pool {t2 - t1:.2f} s, index {t3 - t2:.2f} s, "
            f"total {t3 - t0:.2f} s; pool {len(pool):,}, pairs {len(index.pairs):,}"
        )
    with store.read() as uow:
        code = run.land_index(store, uow, TODAY, s).frame["code"].iloc[5]
    for k in range(3):
        parcel_service.set_fields(
            store, code, {"holder": f"bench {k} {time.time()}"}, by="bench", reason="bench"
        )
        start = time.perf_counter()
        with store.read() as uow:
            run.land_index(store, uow, TODAY, s)
        print(f"patched after one edit: {(time.perf_counter() - start) * 1000:.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1])
