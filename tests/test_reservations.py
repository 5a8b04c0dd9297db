"""Reservations (issue 7): a parcel, floor or unit reserved for one project is refused to
every other until released or expired, all or nothing, with its history; the refusal
is the database's (a partial unique index), so two clerks at once get one reservation.
On both engines."""

from __future__ import annotations

import datetime as dt
import json
import threading
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from landbank.db.engine import make_engine
from landbank.db.models import Project, Reservation
from landbank.domain.reservations import reservation_state
from landbank.errors import ConflictError
from landbank.services.reservations import active_reserved, list_reservations, reserve
from tests.helpers import store_of, table_counts, write_vector

A, B = "新能源装备制造项目", "精密零部件车间项目"
TODAY = dt.date.today()
UNTIL = TODAY + dt.timedelta(days=90)

BUILDINGS = pd.DataFrame(
    {
        "code": ["RB-1", "RB-2"],
        "name": ["一号厂房", "二号楼"],
        "floors": ["3", "2"],
        "total_floor_area_m2": ["6000", "3000"],
        "lon": ["117.17", "117.18"],
        "lat": ["35.07", "35.08"],
    }
)
VACANCIES = pd.DataFrame(
    {
        "building_code": ["RB-1", "RB-1", "RB-1", "RB-2"],
        "floor": ["1", "2", "3", ""],
        "unit": ["", "", "301", "A1"],
        "vacant_area_m2": ["2000", "2000", "300", "150"],
    }
)


@pytest.fixture
def city(cli, db_url, small_city, tmp_path):
    """Four parcels, two buildings with vacant floors and units, projects A and B."""
    frame = small_city.head(4)
    assert (
        cli("import", "parcels", write_vector(frame, tmp_path / "p.gpkg"), db=db_url).exit_code == 0
    )
    BUILDINGS.to_csv(tmp_path / "b.csv", index=False)
    VACANCIES.to_csv(tmp_path / "v.csv", index=False)
    for what, file in (("buildings", "b.csv"), ("vacancies", "v.csv")):
        result = cli("import", what, tmp_path / file, db=db_url)
        assert result.exit_code == 0, result.stderr
    engine = make_engine(db_url)
    with engine.begin() as conn:
        for name in (A, B):
            conn.execute(insert(Project.__table__).values(name=name, kind="land", requirement="{}"))
    engine.dispose()
    return SimpleNamespace(db=db_url, parcels=list(frame["code"]))


def _ok(cli, *args, db):
    result = cli(*args, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _refused(cli, *args, db, words: str):
    """Runs a command that must fail: exit 1, one line on stderr holding ``words``,
    nothing on stdout and the database unchanged."""
    before = table_counts(db)
    result = cli(*args, db=db)
    assert result.exit_code == 1, result.stdout
    assert words in result.stderr, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert table_counts(db) == before
    return result.stderr


def _held(db) -> dict[str, str]:
    engine = make_engine(db)
    with engine.connect() as conn:
        held = active_reserved(conn, TODAY)
    engine.dispose()
    return held


def _reserve(cli, codes, project, db, *more):
    return _ok(
        cli, "reserve", *codes, "--project", project, "--until", str(UNTIL), "--by", "王科长",
        *more, db=db,
    )  # fmt: skip


# ---- reserving parcels ----------------------------------------------------------------


def test_a_reserved_parcel_is_refused_to_another_project(cli, city):
    p = city.parcels[0]
    got = _reserve(cli, [p], A, city.db)
    assert got == {"reserved": [p], "project": A, "until": UNTIL.isoformat(), "lapsed": []}
    message = _refused(
        cli, "reserve", p, "--project", B, "--by", "李四", db=city.db, words="already reserved"
    )
    assert f"parcel {p} is already reserved for {A} until {UNTIL} (by 王科长)" in message
    assert f"landbank --db {city.db} release {p} --project {A} --by NAME" in message
    assert _held(city.db) == {p: A}


def test_reserving_again_for_the_same_project_is_refused(cli, city):
    p = city.parcels[0]
    _reserve(cli, [p], A, city.db)
    _refused(cli, "reserve", p, "--project", A, "--by", "王科长", db=city.db, words=f"for {A}")


def test_a_reservation_is_all_or_nothing(cli, city):
    first, second = city.parcels[:2]
    _reserve(cli, [second], A, city.db)
    _refused(
        cli, "reserve", first, second, "--project", B, "--by", "李四", db=city.db,
        words=f"parcel {second} is already reserved for {A}",
    )  # fmt: skip
    assert _held(city.db) == {second: A}  # the first code was not reserved either


def test_release_then_reserve_again(cli, city):
    p = city.parcels[0]
    _reserve(cli, [p], A, city.db)
    got = _ok(cli, "release", p, "--project", A, "--by", "王科长", db=city.db)
    assert got == {"released": [p], "project": A}
    assert _held(city.db) == {}
    _reserve(cli, [p], B, city.db)
    assert _held(city.db) == {p: B}
    states = [
        (r["project"], r["state"])
        for r in list_reservations(store_of(city.db), include_released=True)
    ]
    assert states == [(A, "released"), (B, "active")]


def test_release_names_who_holds_what_another_project_reserved(cli, city):
    p, free = city.parcels[:2]
    _reserve(cli, [p], A, city.db)
    _refused(
        cli, "release", p, "--project", B, "--by", "李四", db=city.db,
        words=f"parcel {p} is reserved for {A} (by 王科长), not for {B}",
    )  # fmt: skip
    _refused(
        cli, "release", free, "--project", A, "--by", "李四", db=city.db,
        words=f"parcel {free} is not reserved",
    )  # fmt: skip
    assert _held(city.db) == {p: A}


def test_an_expired_reservation_does_not_block(cli, city):
    p = city.parcels[0]
    long_ago = TODAY - dt.timedelta(days=40)
    reserve(store_of(city.db), [p], A, long_ago + dt.timedelta(days=10), "王科长", today=long_ago)
    assert _held(city.db) == {}  # past its until, it holds nothing
    got = _reserve(cli, [p], B, city.db)
    assert got["reserved"] == [p] and got["lapsed"] == [p]
    assert _held(city.db) == {p: B}
    expired = [
        r for r in list_reservations(store_of(city.db), include_released=True) if r["project"] == A
    ]
    assert expired[0]["released_at"] is not None and expired[0]["state"] == "released"


def test_the_parcel_history_shows_reservation_and_release(cli, city):
    p = city.parcels[0]
    _reserve(cli, [p], A, city.db, "--reason", "招商洽谈")
    _ok(cli, "release", p, "--project", A, "--by", "李四", db=city.db)
    events = [
        e for e in _ok(cli, "parcels", "history", p, db=city.db) if e["field"] == "reservation"
    ]
    assert [(e["old_value"], e["new_value"], e["by"], e["reason"]) for e in events] == [
        (None, f"{A} until {UNTIL}", "王科长", "招商洽谈"),
        (f"{A} until {UNTIL}", None, "李四", None),
    ]


def test_a_reservation_without_until_holds_until_released(cli, city):
    p = city.parcels[0]
    got = _ok(cli, "reserve", p, "--project", A, "--by", "王科长", db=city.db)
    assert got["until"] is None
    message = _refused(
        cli, "reserve", p, "--project", B, "--by", "李四", db=city.db, words="already reserved"
    )
    assert f"for {A} until released" in message


# ---- reserving floor space ------------------------------------------------------------


def test_a_floor_code_reserves_that_floor_only(cli, city):
    got = _reserve(cli, ["RB-1:F2", "RB-1:F3:301", "RB-2::A1"], A, city.db)
    assert got["reserved"] == ["RB-1:F2", "RB-1:F3:301", "RB-2::A1"]
    _refused(
        cli, "reserve", "RB-1:F2", "--project", B, "--by", "李四", db=city.db,
        words=f"floor space RB-1:F2 is already reserved for {A}",
    )  # fmt: skip
    _reserve(cli, ["RB-1:F1"], B, city.db)
    assert _held(city.db) == {"RB-1:F1": B, "RB-1:F2": A, "RB-1:F3:301": A, "RB-2::A1": A}


def test_a_building_code_reserves_each_of_its_vacant_floors(cli, city):
    got = _reserve(cli, ["RB-1"], A, city.db)
    assert got["reserved"] == ["RB-1:F1", "RB-1:F2", "RB-1:F3:301"]
    items = list_reservations(store_of(city.db), project=A)
    assert [(r["code"], r["kind"]) for r in items] == [
        ("RB-1:F1", "floor_space"),
        ("RB-1:F2", "floor_space"),
        ("RB-1:F3:301", "floor_space"),
    ]
    _refused(
        cli, "reserve", "RB-2", "RB-1", "--project", B, "--by", "李四", db=city.db,
        words="floor space RB-1:F1 is already reserved",
    )  # fmt: skip
    assert set(_held(city.db).values()) == {A}  # RB-2's unit was not reserved either
    assert _ok(cli, "release", "RB-1", "--project", A, "--by", "王科长", db=city.db)[
        "released"
    ] == ["RB-1:F1", "RB-1:F2", "RB-1:F3:301"]
    assert _held(city.db) == {}


def test_a_building_and_its_floor_together_reserve_each_floor_once(cli, city):
    got = _reserve(cli, ["RB-1:F1", "RB-1"], A, city.db)
    assert got["reserved"] == ["RB-1:F1", "RB-1:F2", "RB-1:F3:301"]


# ---- bad input: one line, exit 1, nothing written ----------------------------------------

BAD = {
    "unknown_code": (["NO-SUCH"], A, str(UNTIL), "'NO-SUCH' is no parcel, building or floor code"),
    "unknown_building_of_a_floor_code": (["NB-9:F1"], A, str(UNTIL), "building 'NB-9' is not"),
    "floor_not_vacant": (["RB-2:F2"], A, str(UNTIL), "its vacant ones: RB-2::A1"),
    "unknown_project": (["RB-1:F1"], "没有的项目", str(UNTIL), "projects add FILE"),
    "until_in_the_past": (["RB-1:F1"], A, "2020-01-31", "--until 2020-01-31 is in the past"),
    "until_not_a_date": (["RB-1:F1"], A, "2027-02-30", '--until "2027-02-30" is not a date'),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_reservations_are_refused_with_one_clear_line(cli, city, case):
    codes, project, until, words = BAD[case]
    _refused(
        cli, "reserve", *codes, "--project", project, "--until", until, "--by", "王科长",
        db=city.db, words=words,
    )  # fmt: skip


def test_an_unknown_code_says_where_to_find_codes(cli, city):
    message = _refused(
        cli, "reserve", city.parcels[0], "XX-1", "--project", A, "--by", "王", db=city.db,
        words="XX-1",
    )  # fmt: skip
    assert f"landbank --db {city.db} parcels list" in message
    assert f"landbank --db {city.db} buildings show" in message
    assert _held(city.db) == {}


def test_a_retired_parcel_names_its_parts(cli, city):
    p = city.parcels[0]
    split = cli("parcels", "split", p, "--area-mu", "1", "--by", "李", "--reason", "x", db=city.db)
    assert split.exit_code == 0, split.stderr
    _refused(cli, "reserve", p, "--project", A, "--by", "王", db=city.db, words=f"{p}-1, {p}-2")


# ---- listing ----------------------------------------------------------------------------


def test_reservations_lists_what_holds_by_project(cli, city):
    p, q = city.parcels[:2]
    _reserve(cli, [p], A, city.db)
    _reserve(cli, [q, "RB-1:F1"], B, city.db)
    _ok(cli, "release", q, "--project", B, "--by", "李四", db=city.db)
    rows = _ok(cli, "reservations", db=city.db)
    assert [(r["code"], r["kind"], r["project"]) for r in rows] == [
        (p, "parcel", A),
        ("RB-1:F1", "floor_space", B),
    ]
    assert rows[0]["until"] == UNTIL.isoformat() and rows[0]["by"] == "王科长"
    assert [r["code"] for r in _ok(cli, "reservations", "--project", B, db=city.db)] == ["RB-1:F1"]
    every = _ok(cli, "reservations", "--all", "--project", B, db=city.db)
    assert [(r["code"], r["state"]) for r in every] == [(q, "released"), ("RB-1:F1", "active")]
    table = cli("--lang", "en", "reservations", db=city.db)
    assert (
        table.exit_code == 0 and "floor space" in table.stdout and "2 reservations" in table.stdout
    )
    zh = cli("reservations", "--all", db=city.db)
    assert zh.exit_code == 0 and "已释放" in zh.stdout and "楼层空间" in zh.stdout


@pytest.mark.parametrize(
    "until, released, state",
    [
        (None, None, "active"),
        (TODAY, None, "active"),
        (TODAY - dt.timedelta(days=1), None, "expired"),
    ]
    + [(None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "released")],
)
def test_a_reservation_holds_through_its_until_day(until, released, state):
    assert reservation_state(until, released, TODAY) == state


# ---- the database keeps one active reservation ---------------------------------------------


def test_the_database_refuses_a_second_active_reservation(city):
    engine = make_engine(city.db)
    R = Reservation.__table__
    p = city.parcels[0]
    row = {"project_name": A, "parcel_code": p, "by": "x"}
    space = {"project_name": A, "building_code": "RB-1", "vacancy_key": "F1", "by": "x"}
    with engine.begin() as conn:
        conn.execute(insert(R).values(**row, released_at=dt.datetime.now(dt.UTC)))
        conn.execute(insert(R).values(**row))  # one released, one active: allowed
        conn.execute(insert(R).values(**space))
    for values in ({**row, "project_name": B}, {**space, "project_name": B}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(R).values(**values))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reservation'"
        else:
            sql = "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'reservation'"
        indexes = dict(conn.execute(text(sql)).all())
    engine.dispose()
    for name in ("uq_reservation_active_parcel", "uq_reservation_active_space"):
        assert "UNIQUE" in indexes[name] and "released_at IS NULL" in indexes[name]


def test_two_clerks_at_once_get_one_reservation(city):
    """Both pass every check at the same moment; the unique index lets one write."""
    p = city.parcels[0]
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def clerk(project: str) -> None:
        start.wait()
        try:
            outcomes[project] = reserve(
                store_of(city.db), [p], project, UNTIL, f"clerk of {project}"
            )
        except ConflictError as exc:
            outcomes[project] = exc

    threads = [threading.Thread(target=clerk, args=(name,)) for name in (A, B)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    refused = [v for v in outcomes.values() if isinstance(v, ConflictError)]
    won = [k for k, v in outcomes.items() if isinstance(v, dict)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    assert f"already reserved for {won[0]}" in str(refused[0])
    engine = make_engine(city.db)
    with engine.connect() as conn:
        active = conn.execute(
            text("SELECT project_name FROM reservation WHERE released_at IS NULL")
        ).all()
    engine.dispose()
    assert active == [(won[0],)]


def test_a_reserve_waiting_on_an_uncommitted_one_is_refused_when_it_commits(city):
    """No look before the write can see an uncommitted row: PostgreSQL's unique index
    waits for the other transaction (SQLite's write lock waits for it too), then refuses."""
    p = city.parcels[0]
    engine = make_engine(city.db)
    outcome: list[object] = []
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(insert(Reservation.__table__).values(project_name=A, parcel_code=p, by="甲"))
        waiting = threading.Thread(
            target=lambda: outcome.append(_try_reserve(city.db, p, B)), daemon=True
        )
        waiting.start()
        waiting.join(timeout=2)
        assert waiting.is_alive() and outcome == []  # blocked until the other commits
        tx.commit()
        waiting.join(timeout=30)
    engine.dispose()
    assert isinstance(outcome[0], ConflictError) and f"reserved for {A}" in str(outcome[0])
    assert _held(city.db) == {p: A}


def _try_reserve(db, code, project):
    try:
        return reserve(store_of(db), [code], project, UNTIL, "乙")
    except ConflictError as exc:
        return exc
