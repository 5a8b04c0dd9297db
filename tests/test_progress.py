"""landbank progress: SQL aggregation checked against the same figures from a full load."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from landbank.db import parcels as rows
from landbank.db.engine import make_engine
from tests.conftest import ROOT


@pytest.fixture
def disposing_city(cli, db_url):
    """The sample city, classified, with disposals in various states."""
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        assert (
            cli(
                "import", "parcels", ROOT / "data" / "parcels" / name, "--upsert", db=db_url
            ).exit_code
            == 0
        )
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    idle = json.loads(
        cli("parcels", "list", "--category", "supplied_not_used", "--json", db=db_url).stdout
    )
    steps = ["investigating", "determined", "plan_approved", "disposing", "disposed"]
    for i, parcel in enumerate(idle[:12]):
        code = parcel["code"]
        assert (
            cli(
                "disposal",
                "open",
                code,
                "--method",
                "start_construction",
                "--by",
                "a",
                "--planned",
                "2026-01-01",
                db=db_url,
            ).exit_code
            == 0
        )
        for to in steps[: i % 6]:
            month = 3 + i % 4
            assert (
                cli(
                    "disposal",
                    "advance",
                    code,
                    "--to",
                    to,
                    "--by",
                    "a",
                    "--on",
                    f"2026-{month:02d}-15",
                    db=db_url,
                ).exit_code
                == 0
            )
    return db_url


def _progress(cli, db, *args):
    result = cli("progress", *args, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return {r["group"]: r for r in json.loads(result.stdout)}


def test_progress_by_district_matches_a_full_load(cli, disposing_city):
    got = _progress(cli, disposing_city, "--by", "district")
    engine = make_engine(disposing_city)
    with engine.connect() as conn:
        parcels = rows.load_parcels(conn, with_geometry=False)
        disposals = pd.read_sql(
            "SELECT parcel_code, status, area_mu, planned_on FROM disposal", conn
        )
    engine.dispose()
    identified = parcels[parcels["category"].ne("compliant")]
    merged = disposals.merge(parcels[["code", "district"]], left_on="parcel_code", right_on="code")
    for district, group in identified.groupby("district"):
        row = got[district]
        assert row["identified_count"] == len(group)
        assert row["identified_area_mu"] == pytest.approx(group["area_mu"].sum(), abs=0.01)
        mine = merged[merged["district"] == district]
        done = mine[mine["status"].isin(["disposed", "closed"])]
        assert row["disposed_count"] == len(done)
        assert row["disposed_area_mu"] == pytest.approx(done["area_mu"].sum(), abs=0.01)
        for state in ("suspected", "investigating", "disposed"):
            assert row[f"state_{state}"] == int((mine["status"] == state).sum())
        unfinished = ~mine["status"].isin(["disposed", "closed", "dismissed"])
        assert row["overdue"] == int(unfinished.sum())  # every plan was due 2026-01-01
        approved = parcels[(parcels["district"] == district) & parcels["approved_on"].notna()]
        supplied = approved[approved["supplied_on"].notna()]
        assert row["supply_rate"] == pytest.approx(
            supplied["area_mu"].sum() / approved["area_mu"].sum(), abs=1e-4
        )
    assert sum(r["disposed_count"] for r in got.values()) == 2


def test_progress_by_month_and_date_range(cli, disposing_city):
    months = _progress(cli, disposing_city, "--by", "month")
    assert sum(r["disposed_count"] for r in months.values()) == 2
    assert all(len(m) == 7 for m in months)  # YYYY-MM
    none = _progress(cli, disposing_city, "--by", "category", "--from", "2027-01-01")
    assert sum(r["disposed_count"] for r in none.values()) == 0
    result = cli("progress", "--by", "holder", db=disposing_city)
    assert result.exit_code == 1 and "use one of district" in result.stderr
