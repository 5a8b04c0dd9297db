"""The law's gates on the idle-land case: the act that disposes of a case by its cause,
land idle long enough, one decision a case and as announced, the published idle start
kept at the determination, the payment's receipt."""

from __future__ import annotations

import datetime as dt

import pytest

from landbank.domain import case as law
from landbank.domain import case_documents as docs
from landbank.domain import case_lists as lists
from landbank.services import case_public
from landbank.services import cases as case_service
from tests import test_case_acts as acts
from tests import test_case_lists as case_lists
from tests.helpers import store_of
from tests.test_case_acts import _advance, _issue, _ok, _refused, _serve

# the fixtures of the cases' tests: four idle parcels (city), four cases (cases)
city = acts.city
cases = case_lists.cases

D = dt.date


# ---- pure rules ------------------------------------------------------------------------


def test_idleness_begins_by_one_rule_and_its_users_agree():
    late = {"agreed_start_on": D(2024, 3, 1), "delivered_on": D(2024, 9, 1)}
    no_start = {"agreed_start_on": None, "delivered_on": D(2024, 9, 1)}
    stopped = {"agreed_start_on": D(2020, 1, 1), "started_on": D(2021, 1, 1),
               "stopped_on": D(2022, 5, 1)}  # fmt: skip
    running = {"agreed_start_on": D(2020, 1, 1), "started_on": D(2021, 1, 1)}
    assert law.idle_start(late) == D(2024, 9, 1)
    assert law.idle_start(no_start) == D(2024, 9, 1)  # the delivery alone starts it
    assert law.idle_start(stopped) == D(2022, 5, 1)
    assert law.idle_start(running) is None
    for parcel in (late, no_start):
        assert docs.clock_start(parcel) == law.idle_start(parcel)
        since = lists.idle_since(parcel["agreed_start_on"], parcel["delivered_on"])
        assert since == law.idle_start(parcel)


def test_a_decision_needs_land_idle_long_enough_and_the_date_it_began():
    years = {"idle_after_years": 1, "reclaim_after_years": 2}
    parcel = {"code": "P1", "agreed_start_on": D(2025, 3, 1)}
    law.check_idle_long_enough("fee", parcel, D(2026, 3, 1), years)
    with pytest.raises(law.ActRefused, match="needs 1 year idle; idle since 2025-03-01"):
        law.check_idle_long_enough("determination", parcel, D(2026, 2, 28), years)
    with pytest.raises(law.ActRefused, match="needs 2 years idle.*not before 2027-03-01"):
        law.check_idle_long_enough("recovery", parcel, D(2027, 2, 28), years)
    with pytest.raises(law.ActRefused, match="has no stopped_on; record it"):
        law.check_idle_long_enough("fee", {"started_on": D(2025, 1, 1)}, D(2026, 3, 1), years)
    with pytest.raises(law.ActRefused, match="has no agreed_start_on"):
        law.check_idle_long_enough("fee", {}, D(2026, 3, 1), years)


def test_a_case_moves_past_determination_only_on_the_act_its_cause_takes():
    fee = {"kind": "fee", "status": "issued", "served_on": D(2026, 10, 1), "paid_on": None,
           "number": "F1", "deregistered_on": None}  # fmt: skip
    for to in ("disposing", "disposed", "closed"):
        with pytest.raises(law.ActRefused, match="record it \\(landbank parcels set CODE cause"):
            law.check_state(to, "idle_fee", None, [fee])
        with pytest.raises(law.ActRefused, match="needs a served fee or recovery decision"):
            law.check_state(to, "start_construction", "enterprise", [])
        with pytest.raises(law.ActRefused, match="needs a served disposal agreement"):
            law.check_state(to, "extend_deadline", "government", [fee])
    law.check_state("disposed", "idle_fee", "enterprise", [fee])
    with pytest.raises(law.ActRefused, match="closed needs the idle fee paid"):
        law.check_state("closed", "idle_fee", "enterprise", [fee])
    law.check_state("closed", "idle_fee", "enterprise", [{**fee, "paid_on": D(2026, 10, 9)}])


# ---- on the database -------------------------------------------------------------------


def _determined(cli, db, tmp_path, code):
    _serve(cli, db, _issue(cli, db, tmp_path, code, "investigation", "2026-09-01"), "2026-09-02")
    _serve(cli, db, _issue(cli, db, tmp_path, code, "determination", "2026-09-10"), "2026-09-10")
    assert _advance(cli, db, code, "plan_approved", "2026-09-11").exit_code == 0


def test_an_enterprise_caused_case_is_not_disposed_without_its_decision(cli, city, tmp_path):
    db, codes = city
    code, all_codes = codes["fee"], list(codes.values())
    _determined(cli, db, tmp_path, code)
    for to in ("disposing",):
        _refused(cli, db, all_codes, ["disposal", "advance", code, "--to", to, "--by", "王",
                 "--on", "2026-09-12"], "needs a served fee or recovery decision")  # fmt: skip


def test_no_determination_on_land_not_idle_a_year(cli, city, tmp_path):
    db, codes = city
    code, all_codes = codes["fee"], list(codes.values())
    _ok(cli, db, "parcels", "set", code, "agreed_start_on=2026-01-01", "--by", "王",
        "--reason", "补录")  # fmt: skip
    _serve(cli, db, _issue(cli, db, tmp_path, code, "investigation", "2026-09-01"), "2026-09-02")
    _refused(cli, db, all_codes, ["case", "issue", code, "determination", "--on", "2026-09-10",
             "--by", "王", "--no-pdf", "--out-dir", tmp_path / "d"],
             "needs 1 year idle; idle since 2026-01-01, not before 2027-01-01")  # fmt: skip


def test_one_decision_a_case_and_the_one_the_notice_announced(cli, city, tmp_path):
    db, codes = city
    code, all_codes = codes["fee"], list(codes.values())
    _determined(cli, db, tmp_path, code)
    issue = ["case", "issue", code, "--by", "王", "--no-pdf", "--out-dir", tmp_path / "d"]
    _refused(cli, db, all_codes, [*issue, "hearing_notice", "--intend", "fine"],
             "--intend fine: use fee or recovery")  # fmt: skip
    notice = _issue(cli, db, tmp_path, code, "hearing_notice", "2026-09-14", "--intend", "fee")
    _serve(cli, db, notice, "2026-09-14")
    _refused(cli, db, all_codes, [*issue, "recovery", "--on", "2026-09-25"],
             "announced a fee decision, not a recovery")  # fmt: skip
    fee = _issue(cli, db, tmp_path, code, "fee", "2026-09-25")
    _refused(cli, db, all_codes, [*issue, "recovery", "--on", "2026-09-26"],
             f"the case has a live fee decision ({fee})")  # fmt: skip
    _serve(cli, db, fee, "2026-09-26")
    pay = ["case", "pay", fee, "--amount-wan", "200", "--on", "2026-10-02", "--by", "王"]
    _refused(cli, db, all_codes, pay, "--receipt is required")
    _refused(cli, db, all_codes, [*pay[:4], "2e9", *pay[5:], "--receipt", "R1"],
             "at most 1e+09 万元")  # fmt: skip


def test_a_notice_that_cannot_tell_its_decision_is_refused(cli, city, tmp_path):
    db, codes = city
    code, all_codes = codes["fee"], list(codes.values())
    _ok(cli, db, "disposal", "open", code, "--method", "start_construction", "--by", "王",
        "--planned", "2027-01-01", "--on", "2026-08-01")  # fmt: skip
    _determined(cli, db, tmp_path, code)
    # the ledger corrected after the determination: idle less than a year as of the notice
    _ok(cli, db, "parcels", "set", code, "agreed_start_on=2026-01-01", "--by", "王",
        "--reason", "更正")  # fmt: skip
    _refused(cli, db, all_codes, ["case", "issue", code, "hearing_notice", "--on", "2026-09-14",
             "--by", "王", "--no-pdf", "--out-dir", tmp_path / "d"],
             "cannot be told from the case; say it (--intend fee|recovery)")  # fmt: skip
    _issue(cli, db, tmp_path, code, "hearing_notice", "2026-09-14", "--intend", "fee")


def test_the_public_list_keeps_the_idle_start_of_the_determination(cases):
    store = store_of(cases["url"])
    c = cases["government"]
    act = case_service.issue(store, c, "agreement", "clerk", on=D(2026, 7, 10),
                             method="extend_deadline", new_start_on=D(2027, 3, 1))  # fmt: skip
    case_service.serve(store, act["number"], D(2026, 7, 11), "direct", "clerk")
    row = next(r for r in case_public.public_list(store, today=D(2026, 10, 1)) if r["code"] == c)
    assert row["idle_since"] == "2024-03-01"  # not the agreement's 2027-03-01
    assert row["idle_period"] == "2年7个月"
