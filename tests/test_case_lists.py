"""Lists over the idle-land cases, on both engines: what falls due (each running
deadline of the live acts of open cases, within N days or overdue, soonest first, a
clerk's districts only, read without a query per case) and the published list of
determined idle land (art. 14: location, holder, since when, idle period, the cause
when government-caused; nothing else; a disposed parcel leaves it), as .xlsx and as
GeoJSON that reads back; the progress ledger and report list the same deadlines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from sqlalchemy import event

from landbank.domain import case_lists as lists
from landbank.services import case_due, case_public
from landbank.services import cases as case_service
from landbank.services import disposal as disposal_service
from landbank.services.parcels import show_parcel
from tests.helpers import store_of, table_counts, write_vector

D = dt.date
CLERK = "王经办"  # who issues: a name that must never reach the public list
HOLDERS = ["枣庄甲机械有限公司", "枣庄乙新材料有限公司", "枣庄丙物流有限公司", "枣庄丁食品有限公司"]
DISTRICTS = ["市中区", "薛城区", "市中区", "市中区"]
CAUSES = ["enterprise", "enterprise", "government", "government"]
LAND_PRICE_WAN = 1234.5
NOTE = "内部备注：不得公开"


def _act(store, code, kind, issued, served, **extra):
    act = case_service.issue(store, code, kind, CLERK, on=issued, note=NOTE, **extra)
    if served is not None:
        case_service.serve(store, act["number"], served, "direct", CLERK)
    return act["number"]


def make_cases(url: str, small_city, folder) -> dict:
    """Four parcels with cases on ``url``: ``investigating`` (A, 市中区: notice served
    2026-09-03, its answer due 2026-10-08), ``hearing`` (B, 薛城区, determined, the
    hearing notice served 2026-09-29: the request window ends 2026-10-12),
    ``government`` (C, 市中区, determined, government-caused) and ``disposed`` (D,
    市中区: government-caused, agreement served, disposed). Returns code → numbers too."""
    frame = small_city.head(4).copy()
    frame["district"] = DISTRICTS
    frame["holder"] = HOLDERS
    frame["cause"] = CAUSES
    frame["agreed_start_on"] = pd.Timestamp("2024-03-01")
    frame["land_price_wan"] = LAND_PRICE_WAN
    for column in ("started_on", "completed_on", "operating_on", "stopped_on", "delivered_on"):
        frame[column] = pd.NaT
    frame["developed_area_mu"] = None
    frame["invested_wan"] = None
    path = write_vector(frame, folder / "cases.gpkg")
    from landbank.io.parcels import ReadOptions
    from landbank.services.import_parcels import import_parcels

    store = store_of(url)
    import_parcels(store, path, ReadOptions(), by="import")
    a, b, c, d = list(frame["code"])
    numbers = {
        "a_investigation": _act(store, a, "investigation", D(2026, 9, 1), D(2026, 9, 3)),
        "b_investigation": _act(store, b, "investigation", D(2026, 6, 1), D(2026, 6, 2)),
        "b_determination": _act(store, b, "determination", D(2026, 7, 15), D(2026, 7, 16)),
        "b_hearing": _act(store, b, "hearing_notice", D(2026, 9, 28), D(2026, 9, 29)),
        "c_investigation": _act(store, c, "investigation", D(2026, 6, 1), D(2026, 6, 2)),
        "c_determination": _act(store, c, "determination", D(2026, 7, 1), D(2026, 7, 2)),
        "d_investigation": _act(store, d, "investigation", D(2026, 5, 4), D(2026, 5, 6)),
        "d_determination": _act(store, d, "determination", D(2026, 6, 1), D(2026, 6, 2)),
    }
    numbers["d_agreement"] = _act(
        store, d, "agreement", D(2026, 6, 15), D(2026, 6, 16),
        method="extend_deadline", new_start_on=D(2027, 1, 15),
    )  # fmt: skip
    for to, on in (("plan_approved", D(2026, 6, 20)), ("disposing", D(2026, 6, 25)),
                   ("disposed", D(2026, 7, 1))):  # fmt: skip
        disposal_service.advance(store, d, to, CLERK, on=on)
    return {
        "url": url,
        "investigating": a,
        "hearing": b,
        "government": c,
        "disposed": d,
        "numbers": numbers,
    }


@pytest.fixture
def cases(db_url, small_city, tmp_path) -> dict:
    return make_cases(db_url, small_city, tmp_path)


# ---- pure rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "since, today, zh, en",
    [
        (D(2024, 3, 1), D(2026, 6, 1), "2年3个月", "2 years 3 months"),
        (D(2024, 3, 15), D(2026, 6, 14), "2年2个月", "2 years 2 months"),  # a day short
        (D(2025, 6, 1), D(2026, 6, 1), "1年", "1 year"),
        (D(2026, 5, 1), D(2026, 6, 1), "1个月", "1 month"),
        (D(2026, 6, 1), D(2026, 6, 1), "0个月", "0 months"),
        (D(2026, 7, 1), D(2026, 6, 1), "0个月", "0 months"),  # a start not yet reached
    ],
)
def test_the_idle_period_is_stated_in_whole_years_and_months(since, today, zh, en):
    assert lists.idle_period(since, today) == zh
    assert lists.idle_period(since, today, "en") == en
    assert lists.idle_period(None, today) is None


def test_idle_land_runs_from_the_agreed_start_or_a_later_delivery():
    assert lists.idle_since(D(2024, 3, 1), None) == D(2024, 3, 1)
    assert lists.idle_since(D(2024, 3, 1), D(2024, 9, 1)) == D(2024, 9, 1)
    assert lists.idle_since(D(2024, 3, 1), D(2023, 9, 1)) == D(2024, 3, 1)
    assert lists.idle_since(None, None) is None


# ---- what falls due --------------------------------------------------------------------


def _due(cases, within, today, districts=None):
    got = case_due.due(store_of(cases["url"]), within, districts, today=today)
    return [(d["code"], d["what"], d["due_on"], d["overdue"]) for d in got]


def test_a_deadline_is_due_when_it_ends_within_the_days_and_not_a_day_before(cases):
    a, b = cases["investigating"], cases["hearing"]
    answer = (a, "answer to the investigation notice", "2026-10-08", False)
    hearing = (b, "hearing request", "2026-10-12", False)
    assert _due(cases, 6, D(2026, 10, 1)) == []
    assert _due(cases, 7, D(2026, 10, 1)) == [answer]  # 10-01 + 7 = 10-08, the last day
    assert _due(cases, 10, D(2026, 10, 1)) == [answer]
    assert _due(cases, 11, D(2026, 10, 1)) == [answer, hearing]  # soonest first


def test_a_deadline_is_overdue_the_day_after_its_last_day(cases):
    a = cases["investigating"]
    assert _due(cases, 0, D(2026, 10, 8)) == [
        (a, "answer to the investigation notice", "2026-10-08", False)
    ]
    assert _due(cases, 0, D(2026, 10, 9)) == [
        (a, "answer to the investigation notice", "2026-10-08", True)
    ]


def test_a_clerk_sees_the_deadlines_of_their_districts_only(cases):
    assert [d[0] for d in _due(cases, 30, D(2026, 10, 1), ("薛城区",))] == [cases["hearing"]]
    assert [d[0] for d in _due(cases, 30, D(2026, 10, 1), ("市中区",))] == [cases["investigating"]]
    assert _due(cases, 30, D(2026, 10, 1), ()) == []


def test_a_due_item_names_the_act_and_its_state(cases):
    (item,) = case_due.due(store_of(cases["url"]), 7, today=D(2026, 10, 1))
    assert item == {
        "code": cases["investigating"],
        "district": "市中区",
        "state": "investigating",
        "number": cases["numbers"]["a_investigation"],
        "kind": "investigation",
        "kind_zh": "闲置土地调查通知书",
        "served_on": "2026-09-03",
        "what": "answer to the investigation notice",
        "what_zh": "调查通知答复期限",
        "due_on": "2026-10-08",
        "overdue": False,
    }


def test_a_decision_settles_the_hearing_window_and_starts_its_own_deadlines(cases):
    store, b = store_of(cases["url"]), cases["hearing"]
    fee = _act(store, b, "fee", D(2026, 10, 13), D(2026, 10, 14))
    got = case_due.due(store, 0, ("薛城区",), today=D(2026, 11, 14))
    assert [(d["number"], d["what"], d["due_on"], d["overdue"]) for d in got] == [
        (fee, "payment of the idle fee", "2026-11-13", True),
        # 2027-04-14 is in a year the calendar does not carry: listed as unknown, last
        (fee, "administrative lawsuit", None, False),
    ]
    assert '[calendar."2027"]' in got[-1]["note"]
    # the reconsideration ends 2026-12-14 (60 days: 12-13 is a Sunday): due within 30
    got = case_due.due(store, 30, ("薛城区",), today=D(2026, 11, 14))
    assert ("administrative reconsideration", "2026-12-14") in [
        (d["what"], d["due_on"]) for d in got
    ]
    case_service.record_payment(
        store, fee, LAND_PRICE_WAN * 0.2, D(2026, 11, 10), CLERK, receipt="R1"
    )
    got = case_due.due(store, 30, today=D(2026, 11, 14))
    assert "payment of the idle fee" not in [d["what"] for d in got]  # met


def test_what_falls_due_is_read_in_one_query_of_the_acts_whatever_the_cases(cases):
    store = store_of(cases["url"])
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        case_due.due(store, 30, today=D(2026, 10, 1))
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "case_act" in s]) == 1
    assert len([s for s in statements if "FROM disposal" in s]) == 1


def test_case_due_on_the_command_line(cli, cases):
    url = cases["url"]
    r = cli("case", "due", "--within", "3650", "--district", "薛城区", "--json", db=url)
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    assert {d["code"] for d in got} == {cases["hearing"]}
    r = cli("case", "due", "--within", "3650", db=url)
    assert r.exit_code == 0 and cases["numbers"]["a_investigation"] in r.stdout
    before = table_counts(url)
    r = cli("case", "due", "--within", "-1", db=url)
    assert r.exit_code == 1 and "--within -1" in r.stderr and "0 to 36500" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and table_counts(url) == before


# ---- publication (art. 14) ---------------------------------------------------------------


def test_the_published_list_holds_the_determined_undisposed_cases_and_nothing_else(cases):
    rows = case_public.public_list(store_of(cases["url"]), today=D(2026, 10, 1))
    by_code = {r["code"]: r for r in rows}
    assert set(by_code) == {cases["hearing"], cases["government"]}  # not investigating
    assert cases["disposed"] not in by_code  # a disposed parcel has left the list
    for row in rows:
        assert tuple(row) == lists.PUBLIC_KEYS
    b = by_code[cases["hearing"]]
    assert b == {
        "code": cases["hearing"],
        "district": "薛城区",
        "park": b["park"],
        "name": b["name"],
        "holder": HOLDERS[1],
        "determined_on": "2026-07-16",  # the determination's service
        "idle_since": "2024-03-01",
        "idle_period": "2年7个月",
        "cause": None,  # enterprise-caused: the cause is not stated
    }
    assert b["park"] and b["name"]
    assert by_code[cases["government"]]["cause"] == "政府原因"


def test_a_parcel_leaves_the_published_list_once_disposed(cases):
    store, c = store_of(cases["url"]), cases["government"]
    assert c in [r["code"] for r in case_public.public_list(store)]
    number = _act(
        store, c, "agreement", D(2026, 8, 1), D(2026, 8, 2),
        method="extend_deadline", new_start_on=D(2027, 2, 1),
    )  # fmt: skip
    for to, on in (("plan_approved", D(2026, 8, 5)), ("disposing", D(2026, 8, 6))):
        disposal_service.advance(store, c, to, CLERK, on=on)
    assert c in [r["code"] for r in case_public.public_list(store)]  # still undisposed
    disposal_service.advance(store, c, "disposed", CLERK, on=D(2026, 8, 10))
    assert c not in [r["code"] for r in case_public.public_list(store)]
    assert number  # the agreement stands in the case


def test_the_published_list_as_xlsx_has_chinese_headers_and_the_rows(cli, cases, tmp_path):
    out = tmp_path / "公示.xlsx"
    r = cli("case", "public", "--out", out, db=cases["url"])
    assert r.exit_code == 0, r.stderr
    ws = load_workbook(out).active
    assert ws.title == "闲置土地公示"
    assert [c.value for c in ws[1]] == [zh for _, zh, _ in lists.PUBLIC_FIELDS]
    codes = {ws.cell(row, 1).value for row in range(2, ws.max_row + 1)}
    assert codes == {cases["hearing"], cases["government"]}
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for secret in (CLERK, NOTE, str(LAND_PRICE_WAN), HOLDERS[0], HOLDERS[3]):
        assert secret not in text


def test_the_published_list_as_geojson_reads_back_with_its_geometry(cli, cases, tmp_path):
    out = tmp_path / "idle.geojson"
    r = cli("case", "public", "--out", out, "--json", db=cases["url"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"file": str(out), "count": 2}
    frame = pyogrio.read_dataframe(out)
    assert frame.crs.to_epsg() in (4490, 4326)
    assert [c for c in frame.columns if c != "geometry"] == list(lists.PUBLIC_KEYS)
    for row in frame.itertuples():
        stored = show_parcel(store_of(cases["url"]), row.code)
        assert stored["district"] == row.district and stored["holder"] == row.holder
    c = frame[frame["code"] == cases["government"]].iloc[0]
    assert c["cause"] == "政府原因"
    raw = json.loads(out.read_text(encoding="utf-8"))
    for feature in raw["features"]:
        assert set(feature["properties"]) == set(lists.PUBLIC_KEYS)
        assert shapely.geometry.shape(feature["geometry"]).is_valid


def test_the_published_list_refuses_a_file_it_cannot_write(cli, cases, tmp_path):
    before = table_counts(cases["url"])
    r = cli("case", "public", "--out", tmp_path / "list.csv", db=cases["url"])
    assert r.exit_code == 1 and ".xlsx or a .geojson" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("case", "public", "--out", tmp_path / "none" / "list.xlsx", db=cases["url"])
    assert r.exit_code == 1 and "does not exist" in r.stderr
    (tmp_path / "list.xlsx").mkdir()
    for out, said in ((tmp_path / "list.xlsx", "a folder; give a file name"),
                      (Path("/proc/x.xlsx"), "folder /proc takes no file"),
                      (Path("/proc/x.geojson"), "folder /proc takes no file")):  # fmt: skip
        r = cli("case", "public", "--out", out, db=cases["url"])
        assert r.exit_code == 1, r.output
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and f"error: --out {out}: {said}" in lines[0], r.stderr
    assert not (tmp_path / "list.csv").exists() and table_counts(cases["url"]) == before


# ---- the ledger and the report ---------------------------------------------------------


def test_the_ledger_and_report_list_the_cases_deadlines_per_district(cli, cases, tmp_path):
    xlsx, report = tmp_path / "台账.xlsx", tmp_path / "report.html"
    r = cli("progress", "--xlsx", xlsx, "--html", report, db=cases["url"])
    assert r.exit_code == 0, r.stderr
    wb = load_workbook(xlsx)
    sheet = wb["案件期限"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["到期日期", "是否逾期", "地块编号"] and "文号" in headers
    listed = [
        {h: c.value for h, c in zip(headers, row, strict=True)}
        for row in sheet.iter_rows(min_row=2)
    ]
    # today (the day the ledger is made) is past 2026-11-30: both deadlines are overdue
    assert {(r["地块编号"], r["期限事项"], r["是否逾期"]) for r in listed} == {
        (cases["investigating"], "调查通知答复期限", "是"),
        (cases["hearing"], "听证申请期限", "是"),
    }
    summary = wb["汇总"]
    head = [c.value for c in summary[1]]
    overdue = head.index("案件逾期事项") + 1
    rows = {summary.cell(r, 1).value: summary.cell(r, overdue).value for r in range(2, 99)}
    assert rows["市中区"] == 1 and rows["薛城区"] == 1
    html = report.read_text(encoding="utf-8")
    assert 'id="case-due"' in html and cases["numbers"]["b_hearing"] in html
    assert "案件逾期事项" in html
