"""Cases already in the database when landbank began to keep acts (revision 0008) keep
their history through the upgrade: each step to investigating or determined becomes a
``recorded`` act (a paper act), the case's state stands on it, and the case goes on
with new acts whose numbers never repeat a recorded one; on both engines."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.db.migrate import _config
from tests.helpers import serve_act, write_vector


def _rows(db: str, sql: str) -> list[tuple]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql)).all()]
    engine.dispose()
    return rows


def _execute(db: str, *statements: tuple[str, dict]) -> None:
    engine = make_engine(db)
    with engine.begin() as conn:
        for sql, values in statements:
            conn.execute(text(sql), values)
    engine.dispose()


def _downgrade_to_0008(db: str) -> None:
    engine = make_engine(db)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0008")
    engine.dispose()
    assert _rows(db, "SELECT version_num FROM alembic_version") == [("0008",)]


STEPS = (
    'SELECT disposal_id, parcel_code, action, from_state, to_state, "on", "by", note, doc '
    "FROM disposal_step ORDER BY id"
)
EVENTS = "SELECT parcel_code, field, old_value, new_value, reason FROM parcel_event ORDER BY id"


@pytest.fixture
def old_city(cli, db_url, small_city, tmp_path, monkeypatch):
    """A database at revision 0008 whose cases were moved on the old way: parcel A
    determined (the investigation step naming 枣自然资闲调〔2026〕1号, the
    determination step naming no document), B investigating (a paper number of
    2025), C suspected. Returns (url, (A, B, C))."""
    monkeypatch.setenv("LANDBANK_PROFILE", "zaozhuang")
    frame = small_city.head(3).copy()
    frame["cause"] = "enterprise"
    frame["land_price_wan"] = 900.0
    # supplied, never started, idle since 2024-03-01: a determination may be made
    for column, value in (("approved_on", "2023-01-10"), ("supplied_on", "2023-06-01"),
                          ("agreed_start_on", "2024-03-01")):  # fmt: skip
        frame[column] = pd.Timestamp(value)
    for column in ("started_on", "completed_on", "operating_on", "stopped_on"):
        if column in frame:
            frame[column] = pd.NaT
    assert (
        cli("import", "parcels", write_vector(frame, tmp_path / "p.gpkg"), db=db_url).exit_code == 0
    )
    a, b, c = frame["code"]
    serve_act(db_url, a, "investigation", "2026-09-01")
    serve_act(db_url, a, "determination", "2026-09-10")
    serve_act(db_url, b, "investigation", "2026-09-01")
    opened = cli("disposal", "open", c, "--method", "idle_fee", "--by", "a", "--on", "2026-09-01",
                 db=db_url)  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    from landbank.db.store import Store

    Store.close_shared()  # no pooled connection holds the tables the downgrade drops
    _downgrade_to_0008(db_url)
    step = "UPDATE disposal_step SET doc = :doc WHERE parcel_code = :code AND to_state = :to"
    _execute(
        db_url,
        (step, {"code": a, "to": "determined", "doc": None}),
        (step, {"code": b, "to": "investigating", "doc": "枣国土资闲调〔2025〕7号"}),
    )
    return db_url, (a, b, c)


def _json(cli, db, *args):
    result = cli(*args, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_upgrade_keeps_every_step_and_event_and_records_the_paper_acts(cli, old_city):
    db, (a, b, c) = old_city
    steps, events = _rows(db, STEPS), _rows(db, EVENTS)
    assert cli("init", db=db).exit_code == 0
    assert _rows(db, STEPS) == steps and _rows(db, EVENTS) == events
    acts = _rows(
        db,
        "SELECT parcel_code, kind, status, number, issued_on, served_on, number_seq "
        "FROM case_act ORDER BY id",
    )
    as_text = [tuple(str(v) if v is not None else None for v in r) for r in acts]
    assert as_text == [
        (
            a,
            "investigation",
            "recorded",
            "枣自然资闲调〔2026〕1号",
            "2026-09-01",
            "2026-09-01",
            None,
        ),
        (a, "determination", "recorded", None, "2026-09-10", "2026-09-10", None),
        (
            b,
            "investigation",
            "recorded",
            "枣国土资闲调〔2025〕7号",
            "2026-09-01",
            "2026-09-01",
            None,
        ),
    ]
    shown = _json(cli, db, "case", "show", b)
    assert shown["state"] == "investigating"
    assert [(x["number"], x["status"]) for x in shown["acts"]] == [
        ("枣国土资闲调〔2025〕7号", "recorded")
    ]
    # the recorded notice's answer runs from its service on the official calendar
    assert [(d["what"], d["due_on"]) for d in shown["acts"][0]["deadlines"]] == [
        ("answer to the investigation notice", "2026-10-08")
    ]


def test_a_migrated_case_goes_on_with_new_acts(cli, old_city):
    db, (a, b, c) = old_city
    assert cli("init", db=db).exit_code == 0
    # determined on a recorded determination: it goes on, and takes a hearing notice
    advanced = cli("disposal", "advance", a, "--to", "plan_approved", "--by", "a",
                   "--on", "2026-10-09", db=db)  # fmt: skip
    assert advanced.exit_code == 0, advanced.stderr
    notice = serve_act(db, a, "hearing_notice", "2026-10-12")
    assert notice == "枣自然资闲听〔2026〕1号"
    # investigating on a recorded notice: a determination moves it on
    serve_act(db, b, "determination", "2026-10-09")
    assert _json(cli, db, "case", "show", b)["state"] == "determined"
    # a new notice never repeats the number a recorded paper act carries
    assert serve_act(db, c, "investigation", "2026-10-09") == "枣自然资闲调〔2026〕2号"
    listed = _json(cli, db, "case", "numbers", "--kind", "investigation")
    assert [(n["number"], n["seq"]) for n in listed] == [("枣自然资闲调〔2026〕2号", 2)]
