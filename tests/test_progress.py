"""landbank progress: SQL aggregation checked against the same figures from a full load."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from landbank.db import parcels as rows
from landbank.db.engine import make_engine
from tests.helpers import tool as _tool


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


def test_the_ledger_has_a_summary_and_a_sheet_per_category(cli, disposing_city, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "台账.xlsx"
    result = cli("progress", "--xlsx", path, db=disposing_city)
    assert result.exit_code == 0, result.stderr
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "汇总", "批而未供", "供而未用", "用而未尽", "建而未投", "投而未达标", "案件期限"
    ]  # fmt: skip
    summary = wb["汇总"]
    assert [c.value for c in summary[1]][:3] == ["分组", "认定宗数", "认定面积(亩)"]
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref.startswith("A1:")
    assert summary.cell(summary.max_row, 1).value == "合计"
    assert summary.cell(summary.max_row, 2).value.startswith("=SUM(B2:")
    idle = wb["供而未用"]
    listed = json.loads(
        cli(
            "parcels", "list", "--category", "supplied_not_used", "--json", db=disposing_city
        ).stdout
    )
    assert idle.max_row == len(listed) + 2  # header, parcels, totals
    assert idle["F2"].number_format == "0.00" and idle["G2"].number_format == "yyyy-mm-dd"
    assert idle["G2"].is_date
    states = {idle.cell(r, 11).value for r in range(2, idle.max_row)}
    assert "已处置" in states and "疑似" in states
    result = cli("progress", "--xlsx", tmp_path / "x.csv", db=disposing_city)
    assert result.exit_code == 1 and ".xlsx" in result.stderr


def test_the_ledger_opens_cleanly_in_libreoffice(cli, disposing_city, tmp_path):
    import subprocess

    soffice = _tool("soffice")
    path = tmp_path / "ledger.xlsx"
    assert cli("progress", "--xlsx", path, db=disposing_city).exit_code == 0
    proc = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ledger.pdf").stat().st_size > 1000


def test_the_html_report_draws_offline_in_chromium_without_console_errors(
    cli, disposing_city, tmp_path
):
    import re
    import subprocess

    chromium = _tool("chromium")
    path = tmp_path / "report.html"
    result = cli("progress", "--html", path, db=disposing_city)
    assert result.exit_code == 0, result.stderr
    page = path.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', page)  # nothing fetched
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chrome'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=8000",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count('class="main-svg"') >= 2  # both charts drawn
    errors = [
        ln
        for ln in proc.stderr.splitlines()
        if "CONSOLE" in ln and ("Error" in ln or "Uncaught" in ln)
    ]
    assert not errors, errors
    assert "逾期事项" in proc.stdout and 'id="figures"' in proc.stdout
