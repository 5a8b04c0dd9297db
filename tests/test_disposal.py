"""The disposal workflow: every transition allowed and refused, deadlines, the idle fee,
blockers; through the commands on both engines."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from landbank.domain import disposal as wf
from tests.helpers import serve_act, serve_decision, table_counts, write_vector

ALL_STEPS = [(a, b) for a in wf.STATES for b in wf.STATES]


@pytest.mark.parametrize("state, to", ALL_STEPS)
def test_every_transition_is_allowed_or_refused_naming_the_next_states(state, to):
    if to in wf.TRANSITIONS[state]:
        wf.check_step(state, to, "supply", [])
    else:
        with pytest.raises(wf.StepRefused, match="allowed next"):
            wf.check_step(state, to, "supply", [])


def test_the_procedure_runs_from_suspected_to_closed():
    path, state = [], "suspected"
    while wf.TRANSITIONS[state]:
        state = wf.TRANSITIONS[state][0]
        path.append(state)
    assert path == [
        "investigating",
        "determined",
        "plan_approved",
        "disposing",
        "disposed",
        "closed",
    ]


@pytest.mark.parametrize("method", ["reclaim", "transfer"])
def test_a_blocker_forbids_finishing_a_reclaim_or_transfer(method):
    with pytest.raises(wf.StepRefused, match="blocked by mortgage"):
        wf.check_step("disposing", "disposed", method, ["mortgage"])
    wf.check_step("disposing", "disposed", "supply", ["mortgage"])  # other methods go on


def test_government_caused_delay_refuses_reclaim_and_idle_fee():
    for method in ("reclaim", "idle_fee"):
        with pytest.raises(wf.StepRefused, match="government-caused"):
            wf.check_method(method, "government")
    wf.check_method("extend_deadline", "government")


def test_deadlines_fee_at_one_year_reclaim_at_two_and_the_plan():
    got = wf.deadlines(
        "investigating", "reclaim", "enterprise", dt.date(2027, 1, 1), dt.date(2024, 2, 29), None
    )
    assert [(d.what, d.due_on) for d in got] == [
        ("idle fee (1 year idle)", dt.date(2025, 2, 28)),
        ("reclaim without compensation (2 years idle)", dt.date(2026, 2, 28)),
        ("planned reclaim", dt.date(2027, 1, 1)),
    ]


def test_an_approval_lapses_two_years_on_and_a_closed_disposal_has_no_deadlines():
    got = wf.deadlines("suspected", "withdraw_approval", None, None, None, dt.date(2025, 5, 1))
    assert [(d.what, d.due_on) for d in got] == [("approval lapses (2 years)", dt.date(2027, 5, 1))]
    closed = ("closed", "reclaim", "enterprise", dt.date(2027, 1, 1), dt.date(2020, 1, 1), None)
    assert wf.deadlines(*closed) == []


def test_the_idle_fee_is_twenty_percent_of_the_land_price():
    assert wf.idle_fee_wan(1247.6) == 249.52 and wf.idle_fee_wan(None) is None


@pytest.fixture
def parcel(cli, db_url, small_city, tmp_path):
    frame = small_city.head(3).copy()
    frame["cause"] = ["enterprise", "government", None]
    frame["land_price_wan"] = [1000.0, 800.0, 500.0]
    # unstarted, idle since the agreed start: long enough for a fee or recovery in 2026
    frame["agreed_start_on"] = pd.Timestamp("2024-01-15")
    for column in ("started_on", "completed_on", "operating_on", "stopped_on", "delivered_on"):
        frame[column] = pd.NaT
    assert (
        cli("import", "parcels", write_vector(frame, tmp_path / "p.gpkg"), db=db_url).exit_code == 0
    )
    return db_url, list(frame["code"])


def _ok(cli, *args, db):
    result = cli(*args, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_disposal_runs_its_course_with_steps_and_history(cli, parcel):
    db, (code, _, _) = parcel
    got = _ok(
        cli,
        "disposal",
        "open",
        code,
        "--method",
        "reclaim",
        "--by",
        "李明",
        "--planned",
        "2027-03-01",
        "--on",
        "2026-09-01",
        db=db,
    )
    d = got["disposals"][0]
    assert (d["state"], d["cause"], d["idle_fee_wan"]) == ("suspected", "enterprise", 200.0)
    # the case's states stand on its acts: served notices move it, not a bare advance
    refused = cli("disposal", "advance", code, "--to", "investigating", "--by", "李明", db=db)
    assert refused.exit_code == 1
    assert "investigating needs a served investigation notice" in refused.stderr
    notice = serve_act(db, code, "investigation", "2026-09-01", "李明")
    determination = serve_act(db, code, "determination", "2026-09-15", "李明")
    advance = ("disposal", "advance", code, "--by", "李明")
    _ok(cli, *advance, "--to", "plan_approved", "--doc", "doc-plan", "--on", "2026-09-16", db=db)
    _, recovery, decided_on = serve_decision(db, code, "recovery", "2026-09-17", "李明")
    for to in ("disposing", "disposed"):
        _ok(cli, *advance, "--to", to, "--doc", f"doc-{to}", "--on", "2026-10-15", db=db)
    d = _ok(cli, "disposal", "show", code, db=db)["disposals"][0]
    assert d["state"] == "disposed" and d["done_on"] == "2026-10-15"
    assert [(s["to"], s["doc"]) for s in d["steps"]] == [
        ("suspected", None),
        ("investigating", notice),
        ("determined", determination),
        ("plan_approved", "doc-plan"),
        ("disposing", "doc-disposing"),
        ("disposed", "doc-disposed"),
    ]
    assert d["steps"][1]["on"] == "2026-09-01" and decided_on < dt.date(2026, 10, 15)
    events = _ok(cli, "parcels", "history", code, db=db)
    assert [e["new_value"] for e in events if e["field"] == "disposal"][-1] == (
        "disposing → disposed"
    )
    assert f"收回国有建设用地使用权决定书 {recovery} issued" in [e["new_value"] for e in events]


def test_an_illegal_step_is_refused_with_the_allowed_states_and_nothing_written(cli, parcel):
    db, (code, _, _) = parcel
    _ok(cli, "disposal", "open", code, "--method", "supply", "--by", "a", db=db)
    before = table_counts(db)
    result = cli("disposal", "advance", code, "--to", "closed", "--by", "a", db=db)
    assert result.exit_code == 1
    assert "cannot go from suspected to closed; allowed next: investigating, dismissed" in (
        result.stderr
    )
    assert result.stderr.count("\n") == 1 and table_counts(db) == before


def test_a_blocker_holds_a_reclaim_until_it_is_cleared(cli, parcel):
    db, (code, _, _) = parcel
    _ok(cli, "disposal", "open", code, "--method", "reclaim", "--by", "a", "--on", "2026-09-01",
        db=db)  # fmt: skip
    serve_act(db, code, "investigation", "2026-09-01")
    serve_act(db, code, "determination", "2026-09-15")
    _ok(cli, "disposal", "advance", code, "--to", "plan_approved", "--by", "a", db=db)
    refused = cli("disposal", "advance", code, "--to", "disposing", "--by", "a", db=db)
    assert refused.exit_code == 1
    assert (
        "disposing of an enterprise-caused case needs a served fee or recovery decision"
        in refused.stderr
    )
    serve_decision(db, code, "recovery", "2026-09-17")
    _ok(cli, "disposal", "advance", code, "--to", "disposing", "--by", "a", db=db)
    _ok(cli, "disposal", "block", code, "--kind", "seizure", "--by", "a", db=db)
    result = cli("disposal", "advance", code, "--to", "disposed", "--by", "a", db=db)
    assert result.exit_code == 1 and "blocked by seizure" in result.stderr
    _ok(cli, "disposal", "unblock", code, "--kind", "seizure", "--by", "a", db=db)
    _ok(cli, "disposal", "advance", code, "--to", "disposed", "--by", "a", db=db)


def test_government_cause_refuses_reclaim_and_there_is_one_open_disposal_per_parcel(cli, parcel):
    db, (_, gov, other) = parcel
    result = cli("disposal", "open", gov, "--method", "reclaim", "--by", "a", db=db)
    assert result.exit_code == 1 and "government-caused" in result.stderr
    _ok(cli, "disposal", "open", other, "--method", "supply", "--by", "a", db=db)
    result = cli("disposal", "open", other, "--method", "transfer", "--by", "a", db=db)
    assert result.exit_code == 1 and "already has an open disposal" in result.stderr
    _ok(cli, "disposal", "advance", other, "--to", "dismissed", "--by", "a", db=db)
    _ok(cli, "disposal", "open", other, "--method", "transfer", "--by", "a", db=db)


def test_due_lists_the_soonest_first_and_marks_the_overdue(cli, parcel):
    db, (code, _, other) = parcel
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    later = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    _ok(
        cli, "disposal", "open", other, "--method", "supply", "--by", "a", "--planned", later, db=db
    )
    _ok(cli, "disposal", "open", code, "--method", "supply", "--by", "a", "--planned", soon, db=db)
    items = _ok(cli, "disposal", "due", "--within", "30", db=db)
    planned = [i for i in items if i["what"] == "planned supply"]
    assert [i["code"] for i in planned] == [code, other]
    assert [i["due_on"] for i in items] == sorted(i["due_on"] for i in items)
    assert not any(i["overdue"] for i in planned)
    assert _ok(cli, "disposal", "due", "--within", "5", db=db) == [i for i in items if i["overdue"]]


@pytest.mark.parametrize(
    "args, words",
    [
        (["open", "{code}", "--method", "sell", "--by", "a"], "method 'sell' is unknown"),
        (
            ["open", "{code}", "--method", "supply", "--by", "a", "--planned", "2027-02-30"],
            "--planned",
        ),
        (["open", "NOPE", "--method", "supply", "--by", "a"], "is neither a parcel nor a building"),
        (
            ["open", "{code}", "--method", "supply", "--by", "a", "--area-mu", "99999"],
            "more than the parcel",
        ),
        (["advance", "{code}", "--to", "investigating", "--by", "a"], "no open disposal"),
        (["block", "{code}", "--kind", "flood", "--by", "a"], "--kind flood"),
        (["due", "--within", "-1"], "--within"),
    ],
)
def test_bad_disposal_input_is_one_line_and_changes_nothing(cli, parcel, args, words):
    db, (code, _, _) = parcel
    before = table_counts(db)
    result = cli("disposal", *[a.replace("{code}", code) for a in args], db=db)
    assert result.exit_code == 1, result.stdout
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert table_counts(db) == before


def test_steps_are_dated_in_order_and_not_in_the_future(cli, parcel):
    db, (code, _, _) = parcel
    _ok(
        cli,
        "disposal",
        "open",
        code,
        "--method",
        "supply",
        "--by",
        "a",
        "--on",
        "2026-05-01",
        db=db,
    )
    result = cli(
        "disposal",
        "advance",
        code,
        "--to",
        "investigating",
        "--by",
        "a",
        "--on",
        "2026-04-01",
        db=db,
    )
    assert result.exit_code == 1 and "before the previous step" in result.stderr
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    result = cli(
        "disposal", "advance", code, "--to", "investigating", "--by", "a", "--on", future, db=db
    )
    assert result.exit_code == 1 and "in the future" in result.stderr
    result = cli(
        "disposal", "open", code, "--method", "supply", "--by", "a", "--area-mu", "nan", db=db
    )
    assert result.exit_code == 1 and "--area-mu" in result.stderr


def test_show_and_due_list_the_periods_of_the_served_acts_on_the_official_calendar(cli, parcel):
    db, (code, _, _) = parcel
    notice = serve_act(db, code, "investigation", "2026-09-03")
    d = _ok(cli, "disposal", "show", code, db=db)["disposals"][0]
    answer = [x for x in d["deadlines"] if x["act"] == notice]
    # 30 days end on 10-03, inside the National Day holiday: the period ends 10-08
    assert answer == [
        {
            "what": "answer to the investigation notice",
            "due_on": "2026-10-08",
            "overdue": True,
            "act": notice,
        }
    ]
    due = _ok(cli, "disposal", "due", "--within", "0", db=db)
    assert {(x["code"], x["what"], x["due_on"]) for x in due if x["act"]} == {
        (code, "answer to the investigation notice", "2026-10-08")
    }
    zh = cli("--lang", "zh", "disposal", "show", code, db=db)
    assert "调查通知答复期限" in zh.stdout and "2026-10-08" in zh.stdout
    # once determined, the answer no longer concerns the case
    serve_act(db, code, "determination", "2026-10-09")
    d = _ok(cli, "disposal", "show", code, db=db)["disposals"][0]
    assert [x for x in d["deadlines"] if x["act"]] == []
