"""Issue 15, items 10 and 11: parcels without dates are unclassified (未分类), counted
apart by classify, progress and the maps; zh and en reasons carry the same numbers; the
zh progress report speaks Chinese; its monthly chart takes months as categories."""

from __future__ import annotations

import json
import math
import re
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landbank.db import parcels as rows
from landbank.db.engine import make_engine
from landbank.domain.classify import Rules, classify
from landbank.synth import synthetic_parcels
from tests.conftest import ROOT
from tests.test_classify_rules import DATES

LON0, LAT0 = 117.30, 34.80
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """A w × h metre rectangle x, y metres east and north of LON0, LAT0."""
    return shapely.box(LON0 + x / KX, LAT0 + y / KY, LON0 + (x + w) / KX, LAT0 + (y + h) / KY)


def frame_of(*parcels: dict) -> pd.DataFrame:
    """Parcels of 30 mu with the given values; every date blank unless given."""
    out = []
    for i, values in enumerate(parcels):
        row = {d: None for d in DATES}
        row.update(code=f"T-{i}", area_mu=30.0, cause=None, park=None, land_price_wan=np.nan)
        row.update(values)
        out.append(row)
    frame = pd.DataFrame(out)
    for d in DATES:
        frame[d] = pd.to_datetime(frame[d]).astype("datetime64[s]")
    return frame


# --- item 10: the rule ------------------------------------------------------------


def test_a_parcel_without_any_date_is_unclassified_with_the_reason_not_compliant():
    out = classify(frame_of({}, {"approved_on": "2025-01-01"}), "2026-06-30")
    got = out.iloc[0]
    assert got["category"] == "unclassified"
    reasons = json.loads(got["reasons"])
    assert [r["rule"] for r in reasons] == ["unclassified"]
    assert "no approval, supply or start date recorded" in reasons[0]["text_en"]
    assert "未登记批准、供地、开工日期" in reasons[0]["text_zh"]
    assert json.loads(got["flags"]) == [] and got["missing"] == "approved_on/supplied_on/started_on"
    assert out.iloc[1]["category"] == "approved_not_supplied" and out.iloc[1]["missing"] is None


def test_supplied_without_an_agreed_start_says_the_idle_period_is_unknown():
    got = classify(frame_of({"supplied_on": "2023-06-01"}), "2026-06-30").iloc[0]
    assert got["category"] == "supplied_not_used" and not got["is_overdue"]
    assert got["missing"] == "agreed_start_on"
    (reason,) = json.loads(got["reasons"])
    assert "no agreed start recorded" in reason["text_en"] and "?" not in reason["text_en"]
    assert "未登记约定开工日期" in reason["text_zh"]


# --- item 10: through the CLI, on both engines ----------------------------------------


@pytest.fixture
def undated(cli, db_url, tmp_path) -> str:
    """Five parcels with no date at all and two approved ones, imported, not classified."""
    rows_ = [
        {"code": f"CZ-{i}", "district": "甲区", "geometry": box(300 * i, 0, 200, 150)}
        for i in range(5)
    ]
    rows_ += [
        {
            "code": f"AP-{i}",
            "district": "乙区",
            "approved_on": "2025-03-01",
            "geometry": box(300 * i, 1000, 200, 150),
        }
        for i in range(2)
    ]
    path = tmp_path / "undated.geojson"
    gpd.GeoDataFrame(rows_, crs="EPSG:4490").to_file(path, engine="pyogrio")
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 0, result.stderr
    return db_url


def test_unclassified_parcels_are_counted_apart_by_classify_progress_and_maps(
    cli, undated, tmp_path
):
    db = undated
    result = cli("classify", "--as-of", "2026-06-30", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["unclassified"]["count"] == 5 and got["unclassified"]["area_mu"] > 0
    assert got["missing"]["approved_on/supplied_on/started_on"] == 5
    assert got["by_category"]["compliant"]["count"] == 0
    assert got["by_category"]["approved_not_supplied"]["count"] == 2
    assert "unclassified" not in got["by_category"]
    en = cli("--lang", "en", "classify", "--as-of", "2026-06-30", db=db)
    assert "unclassified: 5 (no approved_on/supplied_on/started_on: 5)" in en.stdout
    zh = cli("classify", "--as-of", "2026-06-30", db=db)
    assert "未分类：5 宗（未登记批准、供地、开工日期：5 宗）" in zh.stdout
    # the hint printed runs as written
    hint = next(ln for ln in en.stdout.splitlines() if "landbank parcels list" in ln)
    args = hint.split("landbank ", 1)[1].split()
    listed = cli(*args, "--json", db=db)
    assert listed.exit_code == 0, listed.stderr
    assert sorted(p["code"] for p in json.loads(listed.stdout)) == [f"CZ-{i}" for i in range(5)]
    shown = json.loads(cli("parcels", "show", "CZ-0", "--json", db=db).stdout)
    assert shown["category"] == "unclassified"
    assert shown["reasons"][0]["rule"] == "unclassified"
    # progress: not identified idle land, counted apart
    result = cli("progress", "--by", "district", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    progress = {r["group"]: r for r in json.loads(result.stdout)}
    assert progress["甲区"]["identified_count"] == 0
    assert progress["甲区"]["unclassified_count"] == 5
    assert progress["乙区"]["identified_count"] == 2
    assert progress["乙区"]["unclassified_count"] == 0
    # the map: a layer and a legend entry of their own, in zh and en
    for lang, label in (("zh", "未分类"), ("en", "unclassified")):
        path = tmp_path / f"map_{lang}.html"
        result = cli(
            "--lang", lang, "map", "--out", path, "--basemap", "none", "--json", db=db
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["layers"][label] == 5
        html = path.read_text(encoding="utf-8")
        assert label in html and "#616161" in html
    # the ledger lists them on a sheet of their own
    from openpyxl import load_workbook

    ledger = tmp_path / "台账.xlsx"
    assert cli("progress", "--xlsx", ledger, db=db).exit_code == 0
    wb = load_workbook(ledger)
    assert "未分类" in wb.sheetnames and wb["未分类"].max_row == 5 + 2
    header = [c.value for c in wb["汇总"][1]]
    assert "未分类宗数" in header
    # a manual override still wins
    result = cli(
        "parcels", "set", "CZ-0", "category=compliant", "--by", "a", "--reason", "核实", db=db
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    again = json.loads(cli("classify", "--as-of", "2026-06-30", "--json", db=db).stdout)
    assert again["unclassified"]["count"] == 4
    assert again["missing"]["approved_on/supplied_on/started_on"] == 4
    assert again["by_category"]["compliant"]["count"] == 1


# --- item 11: zh and en say the same ------------------------------------------------

NUMBER = re.compile(r"\d+(?:\.\d+)?")


def same_numbers(zh: str, en: str) -> bool:
    return Counter(NUMBER.findall(zh)) == Counter(NUMBER.findall(en))


def _disagreeing(reasons: list[dict]) -> list[dict]:
    return [r for r in reasons if not same_numbers(r["text_zh"], r["text_en"])]


def _generated(n: int, seed: int) -> pd.DataFrame:
    """Parcels with random dates, measures and causes: every rule gets its turn."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01")
    frame = pd.DataFrame({d: start + pd.to_timedelta(rng.integers(0, 2400, n), "D") for d in DATES})
    for d in DATES:
        frame.loc[rng.random(n) < 0.35, d] = pd.NaT
    frame["code"] = [f"G-{i}" for i in range(n)]
    frame["area_mu"] = rng.uniform(5, 120, n).round(2)
    frame["developed_area_mu"] = frame["area_mu"] * rng.uniform(0, 1, n)
    frame["invested_wan"] = rng.uniform(0, 9000, n)
    frame["total_investment_wan"] = rng.uniform(1000, 10000, n)
    frame["land_price_wan"] = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(100, 5000, n))
    frame["floor_area_m2"] = frame["area_mu"] * 666.7 * rng.uniform(0.3, 2.0, n)
    frame["footprint_m2"] = frame["area_mu"] * 666.7 * rng.uniform(0.1, 0.6, n)
    frame["plot_ratio_min"] = np.where(rng.random(n) < 0.5, np.nan, 1.2)
    frame["building_coverage_min"] = np.where(rng.random(n) < 0.5, np.nan, 0.3)
    frame["tax_wan_per_mu"] = rng.uniform(0, 60, n)
    frame["target_tax_wan_per_mu"] = np.where(rng.random(n) < 0.5, np.nan, 25.0)
    frame["grade"] = rng.choice(["A", "B", "C", "D"], n)
    frame["cause"] = rng.choice(np.array(["enterprise", "government", None], dtype=object), n)
    frame["park"] = None
    return frame


@pytest.mark.parametrize(
    "rules",
    [Rules(), Rules(idle_after_years=2, reclaim_after_years=3, idle_fee_share=0.15)],
    ids=["national", "local"],
)
def test_generated_reasons_carry_the_same_numbers_in_zh_and_en(rules):
    frames = [_generated(600, seed=5), synthetic_parcels(200, seed=3)]
    seen = Counter()
    for frame in frames:
        for as_of in ("2024-06-30", "2026-06-30", "2028-02-29"):
            out = classify(frame, as_of, rules, {"tax_wan_per_mu": 30, "plot_ratio": 1.0})
            reasons = [r for text in out["reasons"] for r in json.loads(text)]
            seen.update(r["rule"] for r in reasons)
            assert not _disagreeing(reasons), _disagreeing(reasons)[:3]
    # every rule with figures was rendered
    for rule in ("idle_fee", "reclaim", "cause_undetermined", "overdue", "idle_land"):
        assert seen[rule] > 0, rule


def test_the_sample_citys_reasons_and_matches_agree_in_zh_and_en(cli, db_url, tmp_path):
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        result = cli("import", "parcels", ROOT / "data/parcels" / name, "--upsert", db=db_url)
        assert result.exit_code == 0, result.stderr
    result = cli("classify", "--as-of", "2026-06-30", "--profile", "zaozhuang", db=db_url)
    assert result.exit_code == 0, result.stderr
    engine = make_engine(db_url)
    with engine.connect() as conn:
        parcels = rows.load_parcels(conn, with_geometry=False)
    engine.dispose()
    reasons = [r for rs in parcels["category_reasons"] for r in rs]
    assert len(reasons) > 400
    assert not _disagreeing(reasons), _disagreeing(reasons)[:3]
    # the match reasons: a long thin parcel (narrower than 60 m) and an assembled site
    thin = tmp_path / "thin.geojson"
    gpd.GeoDataFrame(
        [
            {
                "code": "THIN",
                "district": "窄区",
                "approved_on": "2025-03-01",
                "geometry": box(0, 50_000, 40, 700),
            },
            {
                "code": "W1",
                "district": "窄区",
                "approved_on": "2025-03-01",
                "geometry": box(500, 50_000, 150, 100),
            },
            {
                "code": "W2",
                "district": "窄区",
                "approved_on": "2025-03-01",
                "geometry": box(670, 50_000, 150, 100),
            },
        ],  # fmt: skip
        crs="EPSG:4490",
    ).to_file(thin, engine="pyogrio")
    assert cli("import", "parcels", thin, db=db_url).exit_code == 0
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    ask = ["match", "--area-mu", "35:50", "--district", "窄区", "--as-of", "2026-06-30"]
    ask += ["--near", f"{LON0},{LAT0 + 0.45}", "--within-km", "20", "--json"]
    zh = json.loads(cli("--lang", "zh", *ask, db=db_url).stdout)
    en = json.loads(cli("--lang", "en", *ask, db=db_url).stdout)
    assert [c["codes"] for c in zh] == [c["codes"] for c in en] and len(zh) == 2
    assert any("最窄处约40米" in r for c in zh for r in c["reasons"])
    assert any("about 40 m wide at its narrowest" in r for c in en for r in c["reasons"])
    for a, b in zip(zh, en, strict=True):
        assert len(a["reasons"]) == len(b["reasons"])
        for text_zh, text_en in zip(a["reasons"], b["reasons"], strict=True):
            assert same_numbers(text_zh, text_en), (text_zh, text_en)


# --- item 11: the zh progress report ------------------------------------------------


def test_the_zh_progress_report_shows_chinese_states_methods_and_deadlines(
    cli, disposing_city, tmp_path
):
    from openpyxl import load_workbook

    from landbank.domain.disposal import METHODS, STATES

    db = disposing_city
    page_zh, page_en = tmp_path / "zh.html", tmp_path / "en.html"
    assert cli("--lang", "zh", "progress", "--html", page_zh, db=db).exit_code == 0
    assert cli("--lang", "en", "progress", "--html", page_en, db=db).exit_code == 0
    overdue_zh = page_zh.read_text(encoding="utf-8").split('id="overdue"', 1)[1]
    overdue_en = page_en.read_text(encoding="utf-8").split('id="overdue"', 1)[1]
    cells_zh = re.findall(r"<td>([^<]*)</td>", overdue_zh)
    assert cells_zh, "the sample city has overdue disposals"
    for state in STATES:
        assert f"<td>{state}</td>" not in overdue_zh
    assert "<td>计划完成：督促动工</td>" in overdue_zh and "planned" not in overdue_zh
    assert not re.search(r"<td>[^<]*[a-z]{3,}[^<]*</td>", overdue_zh), cells_zh
    assert "<td>planned start_construction</td>" in overdue_en
    assert any(f"<td>{s['en']}</td>" in overdue_en for s in STATES.values())
    # the CLI's list of what falls due, the same labels
    due = cli("--lang", "zh", "disposal", "due", "--within", "0", db=db)
    assert due.exit_code == 0, due.stderr
    assert "计划完成：督促动工" in due.stdout and "疑似" in due.stdout
    assert "planned" not in due.stdout and "suspected" not in due.stdout
    # the ledger by method: methods and states by their Chinese labels
    ledger = tmp_path / "台账.xlsx"
    assert cli("--lang", "zh", "progress", "--by", "method", "--xlsx", ledger, db=db).exit_code == 0
    wb = load_workbook(ledger)
    groups = [wb["汇总"].cell(r, 1).value for r in range(2, wb["汇总"].max_row)]
    assert METHODS["start_construction"]["zh"] in groups
    assert not any(g in METHODS for g in groups)
    idle = wb["供而未用"]
    states = {idle.cell(r, 11).value for r in range(2, idle.max_row)} - {None}
    assert states and states <= {s["zh"] for s in STATES.values()}


def test_a_one_month_chart_has_the_month_as_its_axis_label(browser, tmp_path):
    from landbank.reports import write_html_report

    path = write_html_report(
        tmp_path / "one_month.html",
        [{"group": "甲区", "rate": 0.5, "identified_count": 2, "disposed_count": 1}],
        [{"group": "2026-06", "disposed_area_mu": 12.5}],
        [],
    )
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("#trend .xtick text", timeout=20_000)
        ticks = page.eval_on_selector_all("#trend .xtick text", "ts => ts.map(t => t.textContent)")
    finally:
        page.close()
    assert ticks == ["2026-06"]
