"""The idle-land case carried out as legal acts (令53 art. 8–18), through the commands
on both engines: notices and decisions issued with their numbers (文号), served, their
periods counted from service; the states of the disposal standing on the acts; every
bad input one line, exit 1, nothing written (no number taken)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.domain import case as law
from landbank.domain.periods import Calendar
from tests.helpers import first_uncovered_year, store_of, table_counts, write_vector

PROFILE = "zaozhuang"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def city(cli, db_url, small_city, tmp_path, monkeypatch):
    """``db_url`` holding four idle parcels (agreed start 2024-01-15, nothing built):
    two enterprise-caused (land price 1000 and 500 万元), two government-caused; the
    commands use the zaozhuang profile. Returns (url, codes by name)."""
    monkeypatch.setenv("LANDBANK_PROFILE", PROFILE)
    frame = small_city.head(4).copy()
    frame["approved_on"] = pd.Timestamp("2023-01-05")
    frame["supplied_on"] = pd.Timestamp("2023-06-01")
    frame["agreed_start_on"] = pd.Timestamp("2024-01-15")
    frame["agreed_completion_on"] = pd.Timestamp("2026-12-31")
    for column in ("started_on", "completed_on", "operating_on", "stopped_on", "delivered_on"):
        frame[column] = pd.NaT
    frame[["developed_area_mu", "invested_wan"]] = 0.0
    frame["floor_area_m2"] = frame["footprint_m2"] = float("nan")
    frame["cause"] = ["enterprise", "enterprise", "government", "government"]
    frame["land_price_wan"] = [1000.0, 500.0, 800.0, 600.0]
    path = write_vector(frame, tmp_path / "idle.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    names = ("fee", "recovery", "extend", "paid")
    return db_url, dict(zip(names, frame["code"], strict=True))


def _ok(cli, db, *args):
    result = cli(*args, db=db)
    assert result.exit_code == 0, result.stderr
    return result


def _json(cli, db, *args):
    return json.loads(_ok(cli, db, *args, "--json").stdout)


def _issue(cli, db, tmp_path, code, kind, on, *extra) -> str:
    """Issues an act through the command; returns its number (the first word printed)."""
    result = _ok(cli, db, "case", "issue", code, kind, "--on", on, "--by", "王",
                 "--out-dir", tmp_path / "docs", "--no-pdf", *extra)  # fmt: skip
    number, _, path = result.stdout.strip().splitlines()[0].partition(" ")
    assert Path(path.split(": ", 1)[1]).is_file()
    return number


def _serve(cli, db, number, on, *extra):
    return _json(cli, db, "case", "serve", number, "--on", on, "--method", "direct",
                 "--by", "王", *extra)  # fmt: skip


def _advance(cli, db, code, to, on):
    return cli("disposal", "advance", code, "--to", to, "--by", "王", "--on", on, db=db)


def _register(db: str) -> list[tuple]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, year, last_seq FROM doc_number_seq ORDER BY kind, year")
        ).all()
        acts = conn.execute(text("SELECT count(*), coalesce(sum(version), 0) FROM case_act"))
        links = conn.execute(text("SELECT count(*) FROM attachment_link")).scalar()
        fingerprint = [tuple(r) for r in rows] + [tuple(acts.one()), (links,)]
    engine.dispose()
    return fingerprint


def _state(db, codes) -> tuple:
    """What 'nothing written' compares: each case as ``case show --json`` gives it, the
    register as ``case numbers --json`` lists it, the register's table, every table's
    rows."""
    from landbank.errors import NotFoundError
    from landbank.services.cases import numbers, show

    store, shown = store_of(db), []
    for code in codes:
        try:
            shown.append(show(store, code))
        except NotFoundError as exc:
            shown.append(str(exc))
    return numbers(store), shown, _register(db), table_counts(db)


def _refused(cli, db, codes, args, words):
    before = _state(db, codes)
    result = cli(*args, db=db)
    assert result.exit_code == 1, result.stdout
    assert words in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert _state(db, codes) == before


def _deadlines(act: dict) -> dict[str, str | None]:
    return {d["what"]: d["due_on"] for d in act["deadlines"]}


def _png(path: Path) -> Path:
    Image.new("RGB", (8, 8), "white").save(path)
    return path


def test_an_enterprise_caused_case_runs_from_notice_to_the_fee_paid(cli, city, tmp_path):
    db, codes = city
    code, all_codes = codes["fee"], list(codes.values())
    # the notice opens the case as of its date, in the past
    notice = _issue(cli, db, tmp_path, code, "investigation", "2026-09-01")
    assert notice == "枣自然资闲调〔2026〕1号"
    opened = _json(cli, db, "disposal", "show", code)["disposals"][0]
    assert (opened["state"], opened["steps"][0]["on"]) == ("suspected", "2026-09-01")
    refused = _advance(cli, db, code, "investigating", "2026-09-03")
    assert refused.exit_code == 1 and "served investigation notice" in refused.stderr
    proof = _png(tmp_path / "送达回证.png")
    shown = _serve(cli, db, notice, "2026-09-03", "--proof", proof)
    assert shown["state"] == "investigating"
    act = shown["acts"][0]
    assert (act["number"], act["kind"], act["issued_on"], act["served_on"]) == (
        notice,
        "investigation",
        "2026-09-01",
        "2026-09-03",
    )
    assert [{k: d[k] for k in ("what", "due_on")} for d in act["deadlines"]] == [
        {"what": "answer to the investigation notice", "due_on": "2026-10-08"}
    ]
    assert {f["role"] for f in act["files"]} == {"document", "proof"}

    determination = _issue(cli, db, tmp_path, code, "determination", "2026-10-09")
    assert determination == "枣自然资闲认〔2026〕1号"
    assert _serve(cli, db, determination, "2026-10-09")["state"] == "determined"
    hearing = _issue(cli, db, tmp_path, code, "hearing_notice", "2026-10-12", "--intend", "fee")
    shown = _serve(cli, db, hearing, "2026-10-12")
    assert _deadlines(shown["acts"][-1]) == {"hearing request": "2026-10-19"}

    # a decision inside the hearing window: refused, no number taken
    _refused(cli, db, all_codes, ["case", "issue", code, "fee", "--on", "2026-10-19", "--by", "王",
             "--out-dir", tmp_path / "docs", "--no-pdf"],
             "inside the hearing request window (it ends 2026-10-19)")  # fmt: skip
    fee = _issue(cli, db, tmp_path, code, "fee", "2026-10-20")
    assert fee == "枣自然资闲费〔2026〕1号"
    shown = _serve(cli, db, fee, "2026-10-21")
    act = shown["acts"][-1]
    assert act["amount_wan"] == 200.0 and "1,000.00 万元 × 20% = 200.00 万元" in act["fee_basis"]
    due = _deadlines(act)
    # payment 30 days: 11-20; reconsideration 60 days: 12-20, a Sunday: 12-21; the
    # lawsuit's 6 months end in 2027, a year chinese-calendar 1.11 does not cover: no
    # day, a note (a later version that covers it: Wednesday 2027-04-21)
    known = first_uncovered_year() > 2027
    assert due == {
        "payment of the idle fee": "2026-11-20",
        "administrative reconsideration": "2026-12-21",
        "administrative lawsuit": "2027-04-21" if known else None,
    }
    assert known or "2027" in act["deadlines"][-1]["note"]
    # the decision settles the hearing's window: no longer overdue, no longer due
    assert not any(d["overdue"] for d in shown["acts"][2]["deadlines"])
    running = _json(cli, db, "disposal", "show", code)["disposals"][0]["deadlines"]
    assert {(d["act"], d["what"], d["due_on"]) for d in running if d["act"]} == {
        (fee, "payment of the idle fee", "2026-11-20"),
        (fee, "administrative reconsideration", "2026-12-21"),
        (fee, "administrative lawsuit", "2027-04-21" if known else None),
    }

    for to, on in (("plan_approved", "2026-10-22"), ("disposing", "2026-10-22"),
                   ("disposed", "2026-10-23")):  # fmt: skip
        assert _advance(cli, db, code, to, on).exit_code == 0
    refused = _advance(cli, db, code, "closed", "2026-10-24")
    assert refused.exit_code == 1 and "closed needs the idle fee paid" in refused.stderr
    shown = _json(cli, db, "case", "pay", fee, "--amount-wan", "200", "--on", "2026-11-02",
                  "--receipt", "非税收入票据 No.0012", "--by", "王")  # fmt: skip
    assert shown["acts"][-1]["paid_on"] == "2026-11-02"
    assert _deadlines(shown["acts"][-1])["payment of the idle fee"] == "2026-11-20"
    assert shown["acts"][-1]["deadlines"][0]["met_on"] == "2026-11-02"
    assert _advance(cli, db, code, "closed", "2026-11-02").exit_code == 0
    events = [e["new_value"] for e in _json(cli, db, "parcels", "history", code)]
    assert f"征缴土地闲置费决定书 {fee} issued" in events
    assert "idle fee paid 200.0 万元 on 2026-11-02" in events


def test_a_recovery_follows_a_hearing_asked_for_and_held(cli, city, tmp_path):
    db, codes = city
    code, all_codes = codes["recovery"], list(codes.values())
    _serve(cli, db, _issue(cli, db, tmp_path, code, "investigation", "2026-09-01"), "2026-09-02")
    _serve(cli, db, _issue(cli, db, tmp_path, code, "determination", "2026-09-10"), "2026-09-10")
    hearing = _issue(
        cli, db, tmp_path, code, "hearing_notice", "2026-10-12", "--intend", "recovery"
    )
    _serve(cli, db, hearing, "2026-10-12")
    # a request after the window (it ended 10-19) is late
    _refused(cli, db, all_codes, ["case", "hearing", hearing, "--requested-on", "2026-10-20",
             "--by", "王"], "the window to ask ended 2026-10-19")  # fmt: skip
    shown = _json(cli, db, "case", "hearing", hearing, "--requested-on", "2026-10-14", "--by", "王")
    # asked on 10-14: to be held within 20 working days, by 11-11
    assert _deadlines(shown["acts"][-1])["hearing held"] == "2026-11-11"
    recover = ["case", "issue", code, "recovery", "--by", "王", "--out-dir", tmp_path / "d",
               "--no-pdf"]  # fmt: skip
    _refused(cli, db, all_codes, [*recover, "--on", "2026-10-20"],
             "a hearing was asked for on 2026-10-14: record it held first")  # fmt: skip
    _json(cli, db, "case", "hearing", hearing, "--held-on", "2026-10-26", "--outcome",
          "维持拟收回决定", "--by", "王")  # fmt: skip
    _refused(cli, db, all_codes, [*recover, "--on", "2026-10-23"], "before the previous act")
    recovery = _issue(cli, db, tmp_path, code, "recovery", "2026-10-27")
    assert recovery == "枣自然资闲收〔2026〕1号"
    shown = _serve(cli, db, recovery, "2026-10-28")
    assert shown["method"] == "reclaim"  # the decision names the case's method
    assert _deadlines(shown["acts"][-1])["deregistration"] == "2026-11-27"
    for to, on in (("plan_approved", "2026-10-29"), ("disposing", "2026-10-29"),
                   ("disposed", "2026-10-30")):  # fmt: skip
        assert _advance(cli, db, code, to, on).exit_code == 0
    refused = _advance(cli, db, code, "closed", "2026-10-30")
    assert refused.exit_code == 1 and "closed needs the recovery completed" in refused.stderr
    _json(cli, db, "case", "deregister", recovery, "--on", "2026-11-20", "--by", "王")
    assert _advance(cli, db, code, "closed", "2026-11-20").exit_code == 0


def test_a_government_caused_case_takes_the_agreement_that_restarts_the_start_clock(
    cli, city, tmp_path
):
    db, codes = city
    all_codes = list(codes.values())
    for name in ("extend", "paid"):
        for kind, on in (("investigation", "2026-09-01"), ("determination", "2026-09-10")):
            _serve(cli, db, _issue(cli, db, tmp_path, codes[name], kind, on), on)
    code = codes["extend"]
    # a government-caused delay is met by no fee nor recovery, an enterprise's by no agreement
    fee = ["case", "issue", code, "fee", "--on", "2026-10-12", "--by", "王", "--no-pdf"]
    _refused(cli, db, all_codes, fee, "a fee is for an enterprise-caused case")
    _serve(cli, db, _issue(cli, db, tmp_path, codes["fee"], "investigation", "2026-09-01"),
           "2026-09-01")  # fmt: skip
    _serve(cli, db, _issue(cli, db, tmp_path, codes["fee"], "determination", "2026-09-10"),
           "2026-09-10")  # fmt: skip
    agree = ["case", "issue", codes["fee"], "agreement", "--on", "2026-10-12", "--by", "王",
             "--method", "extend_deadline", "--new-start", "2027-03-01", "--no-pdf"]  # fmt: skip
    _refused(cli, db, all_codes, agree, "an agreement settles a government-caused case")
    late = ["case", "issue", code, "agreement", "--on", "2026-10-12", "--by", "王", "--no-pdf",
            "--method", "extend_deadline", "--new-start", "2027-12-01"]  # fmt: skip
    _refused(cli, db, all_codes, late, "within 1 year of it")

    agreement = _issue(cli, db, tmp_path, code, "agreement", "2026-10-12",
                       "--method", "extend_deadline", "--new-start", "2027-03-01")  # fmt: skip
    assert agreement == "枣自然资闲协〔2026〕1号"
    shown = _serve(cli, db, agreement, "2026-10-13")
    assert shown["method"] == "extend_deadline"
    assert _deadlines(shown["acts"][-1]) == {"new agreed start": "2027-03-01"}
    parcel = _json(cli, db, "parcels", "show", code)
    assert parcel["agreed_start_on"] == "2027-03-01"
    moved = [e for e in _json(cli, db, "parcels", "history", code)
             if e["field"] == "agreed_start_on"]  # fmt: skip
    assert [(e["old_value"], e["new_value"]) for e in moved] == [("2024-01-15", "2027-03-01")]
    assert agreement in moved[0]["reason"] and "start clock restarts" in moved[0]["reason"]
    assert _advance(cli, db, code, "plan_approved", "2026-10-14").exit_code == 0
    assert _advance(cli, db, code, "disposing", "2026-10-14").exit_code == 0

    # paid recovery: no new start, the clock does not restart
    paid = codes["paid"]
    needs = ["case", "issue", paid, "agreement", "--on", "2026-10-12", "--by", "王", "--no-pdf",
             "--method", "extend_deadline"]  # fmt: skip
    _refused(cli, db, all_codes, needs, "--new-start DATE")
    number = _issue(cli, db, tmp_path, paid, "agreement", "2026-10-12", "--method", "paid_recovery")
    assert number == "枣自然资闲协〔2026〕2号"
    shown = _serve(cli, db, number, "2026-10-13")
    assert shown["method"] == "paid_recovery" and shown["acts"][-1]["deadlines"] == []
    assert _json(cli, db, "parcels", "show", paid)["agreed_start_on"] == "2024-01-15"
    events = _json(cli, db, "parcels", "history", paid)
    assert not [e for e in events if e["field"] == "agreed_start_on"]


def test_every_bad_input_is_one_line_and_writes_nothing(cli, city, tmp_path):
    db, codes = city
    all_codes, code, other = list(codes.values()), codes["fee"], codes["recovery"]
    notice = _issue(cli, db, tmp_path, code, "investigation", "2026-09-01")
    issue = ["case", "issue", code, "--by", "王", "--no-pdf", "--out-dir", tmp_path / "d"]
    cases = [
        # an act its state does not allow
        ([*issue, "determination", "--on", "2026-09-05"],
         "a determination needs the investigation notice served"),
        ([*issue, "fee", "--on", "2026-09-05"], "a fee needs a determined case"),
        (["case", "issue", other, "determination", "--by", "王", "--no-pdf"],
         "the parcel has no open case"),
        # a second live number for one act
        ([*issue, "investigation", "--on", "2026-09-02"], "already has a live investigation"),
        # serving before issuing, in the future, by an unknown method
        (["case", "serve", notice, "--on", "2026-08-31", "--method", "direct", "--by", "王"],
         "before the act was issued (2026-09-01)"),
        (["case", "serve", notice, "--on", TOMORROW, "--method", "direct", "--by", "王"],
         "service cannot be dated in the future"),
        (["case", "serve", notice, "--on", "2026-09-03", "--method", "fax", "--by", "王"],
         "--method fax: use one of direct, left, post, public"),
        (["case", "serve", "枣自然资闲调〔2026〕9号", "--on", "2026-09-03", "--method", "direct",
          "--by", "王"], "no act is numbered"),
        # an act dated in the future; an unknown kind
        (["case", "issue", other, "investigation", "--on", TOMORROW, "--by", "王", "--no-pdf"],
         "an act cannot be dated in the future"),
        (["case", "issue", other, "warning", "--by", "王", "--no-pdf"],
         "kind 'warning' is unknown"),
        # a proof of service whose content is not its type
        (["case", "serve", notice, "--on", "2026-09-03", "--method", "direct", "--by", "王",
          "--proof", tmp_path / "fake.pdf"], "its content is text, not a PDF"),
        # a payment on a decision that is no fee
        (["case", "pay", notice, "--amount-wan", "10", "--on", "2026-09-04", "--by", "王",
          "--receipt", "R1"],
         "is a investigation, not a fee"),
    ]  # fmt: skip
    (tmp_path / "fake.pdf").write_text("not a pdf", encoding="utf-8")
    for args, words in cases:
        _refused(cli, db, all_codes, args, words)
    _serve(cli, db, notice, "2026-09-03")
    served_cases = [
        # serving twice; voiding a served act
        (["case", "serve", notice, "--on", "2026-09-04", "--method", "post", "--by", "王"],
         "was served on 2026-09-03 already"),
        (["case", "void", notice, "--reason", "错误", "--by", "王"], "a served act stands"),
        # a date before the previous act
        ([*issue, "determination", "--on", "2026-09-02"],
         "before the previous act (2026-09-03)"),
        # a hearing on an act that is no hearing notice
        (["case", "hearing", notice, "--requested-on", "2026-09-04", "--by", "王"],
         "is a investigation, not a hearing_notice"),
    ]  # fmt: skip
    for args, words in served_cases:
        _refused(cli, db, all_codes, args, words)
    # a voided act is served no more
    voided = _issue(cli, db, tmp_path, other, "investigation", "2026-09-01")
    _json(cli, db, "case", "void", voided, "--reason", "送达地址有误", "--by", "王")
    _refused(cli, db, all_codes, ["case", "serve", voided, "--on", "2026-09-03", "--method",
             "direct", "--by", "王"], "is voided; issue a new one")  # fmt: skip


def test_a_voided_number_stays_voided_and_listed_and_the_next_takes_the_next(cli, city, tmp_path):
    db, codes = city
    code = codes["fee"]
    first = _issue(cli, db, tmp_path, code, "investigation", "2026-09-01")
    shown = _json(cli, db, "case", "void", first, "--reason", "送达地址有误", "--by", "王",
                  "--on", "2026-09-02")  # fmt: skip
    assert shown["acts"][0]["status"] == "voided"
    assert shown["acts"][0]["void_reason"] == "送达地址有误"
    assert shown["acts"][0]["deadlines"] == []
    second = _issue(cli, db, tmp_path, code, "investigation", "2026-09-02")
    third = _issue(cli, db, tmp_path, codes["recovery"], "investigation", "2026-09-02")
    assert (first, second, third) == (
        "枣自然资闲调〔2026〕1号",
        "枣自然资闲调〔2026〕2号",
        "枣自然资闲调〔2026〕3号",
    )
    listed = _json(cli, db, "case", "numbers", "--kind", "investigation")
    assert [(n["number"], n["status"], n["seq"]) for n in listed] == [
        (first, "voided", 1),
        (second, "issued", 2),
        (third, "issued", 3),
    ]
    assert listed[0]["void_reason"] == "送达地址有误" and listed[0]["voided_on"] == "2026-09-02"
    plain = _ok(cli, db, "case", "numbers").stdout
    assert f"{first}  investigation  2026-09-01  {code} voided 2026-09-02: 送达地址有误" in plain
    # the voided act is no act of the case: the case stays suspected, the new one served
    assert _serve(cli, db, second, "2026-09-03")["state"] == "investigating"


def test_case_show_prints_a_table_in_the_chosen_language(cli, city, tmp_path):
    db, codes = city
    code = codes["fee"]
    notice = _issue(cli, db, tmp_path, code, "investigation", "2026-09-01")
    _serve(cli, db, notice, "2026-09-03")
    zh = _ok(cli, db, "--lang", "zh", "case", "show", code).stdout
    assert "文号" in zh and "送达日期" in zh and "调查中" in zh
    assert notice in zh and "闲置土地调查通知书" in zh and "调查通知答复期限: 2026-10-08" in zh
    en = _ok(cli, db, "--lang", "en", "case", "show", code).stdout
    assert "number" in en and "investigating" in en
    assert "answer to the investigation notice: 2026-10-08" in en
    missing = cli("case", "show", codes["paid"], db=db)
    assert missing.exit_code == 1 and "has no case" in missing.stderr


def test_a_recorded_paper_act_stands_for_its_state():
    recorded = {"kind": "determination", "status": "recorded", "served_on": dt.date(2025, 5, 1)}
    law.check_state("determined", "idle_fee", "enterprise", [recorded])
    with pytest.raises(law.ActRefused, match="determined needs a served determination"):
        law.check_state("determined", "idle_fee", "enterprise", [{**recorded, "status": "voided"}])


def test_a_service_that_moves_the_case_is_dated_after_its_previous_step(cli, city, tmp_path):
    db, codes = city
    code = codes["fee"]
    _ok(cli, db, "disposal", "open", code, "--method", "idle_fee", "--by", "王", "--on",
        "2026-09-01")  # fmt: skip
    _ok(cli, db, "disposal", "block", code, "--kind", "mortgage", "--by", "王", "--on",
        "2026-09-10")  # fmt: skip
    notice = _issue(cli, db, tmp_path, code, "investigation", "2026-09-02")
    serve = ["case", "serve", notice, "--on", "2026-09-05", "--method", "post", "--by", "王"]
    _refused(cli, db, list(codes.values()), serve, "before the case's previous step (2026-09-10)")
    assert _serve(cli, db, notice, "2026-09-10")["state"] == "investigating"


def test_a_decision_asks_for_the_cause_when_none_is_recorded():
    acts = [
        {"kind": "determination", "status": "issued", "served_on": dt.date(2026, 9, 1),
         "issued_on": dt.date(2026, 9, 1)},
    ]  # fmt: skip
    with pytest.raises(law.ActRefused, match="parcels set CODE cause=enterprise"):
        law.check_issue("hearing_notice", "determined", None, acts, dt.date(2026, 9, 2),
                        dt.date(2026, 9, 3), Calendar(), {})  # fmt: skip
