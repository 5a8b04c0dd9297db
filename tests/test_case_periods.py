"""Legal periods of the idle-land case, counted as procedure law counts them on the
official 2026 calendar (holidays 10-01 to 10-07, make-up workdays such as Saturday
10-10): the day of service not counted, a last day on a rest day moved to the next
working day, working days counted on the official calendar; a year no calendar
covers refused, counted once a profile adds it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbank.config import load_profile
from landbank.domain import case as law
from landbank.domain.periods import (
    Calendar,
    CalendarGap,
    days_after,
    months_after,
    period_end,
    working_days_after,
)
from tests.helpers import first_uncovered_year

D = dt.date
OFFICIAL = Calendar()
RULES: dict = {}  # the law's periods (domain.case.DEFAULT_PERIODS)


def _served(kind: str, on: D, **extra) -> dict:
    """A live act of ``kind`` served on ``on``, as ``case_act`` stores it."""
    act = {
        "kind": kind,
        "status": "issued",
        "number": f"{kind}-1",
        "served_on": on,
        "hearing_requested_on": None,
        "hearing_held_on": None,
        "paid_on": None,
        "deregistered_on": None,
        "new_start_on": None,
    }
    return {**act, **extra}


def _due(act: dict, cal: Calendar = OFFICIAL) -> dict[str, D | None]:
    return {d.what: d.due_on for d in law.deadlines(act, cal, RULES)}


def test_the_answer_to_a_notice_served_on_09_03_ends_after_the_national_day_holiday():
    # 30 days end on 10-03, a holiday: the period ends on the first working day, 10-08
    assert _due(_served("investigation", D(2026, 9, 3))) == {
        "answer to the investigation notice": D(2026, 10, 8)
    }


def test_the_answer_ending_on_the_day_before_the_holiday_stays_there():
    # served 08-31: 30 days end 09-30, a Wednesday and a working day
    assert _due(_served("investigation", D(2026, 8, 31))) == {
        "answer to the investigation notice": D(2026, 9, 30)
    }


def test_five_working_days_to_ask_for_a_hearing_count_the_make_up_saturday():
    # served Tue 09-29: 09-30 (1), holiday 10-01..07, 10-08 (2), 10-09 (3),
    # Saturday 10-10 a make-up workday (4), Sunday 10-11 no, Monday 10-12 (5)
    notice = _served("hearing_notice", D(2026, 9, 29))
    assert _due(notice) == {"hearing request": D(2026, 10, 12)}
    assert law.hearing_window_end(notice, OFFICIAL, RULES) == D(2026, 10, 12)


def test_five_working_days_on_an_ordinary_week_skip_the_weekend():
    # served Thu 06-04: Fri 06-05, Mon 06-08 .. Thu 06-11
    assert working_days_after(D(2026, 6, 4), 5, OFFICIAL) == D(2026, 6, 11)


def test_a_hearing_asked_for_must_be_held_within_twenty_working_days_of_the_request():
    notice = _served("hearing_notice", D(2026, 9, 14), hearing_requested_on=D(2026, 9, 16))
    due = _due(notice)
    # 20 working days from the request on 09-16: 09-17..09-30 has 10 (Sunday 09-20 a
    # make-up workday, Friday 09-25 the Mid-Autumn holiday), then 10-08, 10-09, 10-10
    # (make-up), 10-12..10-16, 10-19, 10-20
    assert due["hearing held"] == D(2026, 10, 20)
    # served Monday 09-14: 09-15..09-18 (4), Sunday 09-20 a make-up workday (5)
    assert due["hearing request"] == D(2026, 9, 20)


def test_payment_in_30_days_may_end_on_a_make_up_saturday():
    # served 09-10: 30 days end on Saturday 10-10, a working day: the period ends there
    fee = _served("fee", D(2026, 9, 10))
    assert _due(fee)["payment of the idle fee"] == D(2026, 10, 10)


def test_payment_met_is_shown_met():
    fee = _served("fee", D(2026, 9, 10), paid_on=D(2026, 10, 9))
    got = {d.what: d.met_on for d in law.deadlines(fee, OFFICIAL, RULES)}
    assert got["payment of the idle fee"] == D(2026, 10, 9)
    assert got["administrative reconsideration"] is None


def test_deregistration_in_30_days_ending_on_labour_day_moves_past_the_holiday():
    # served 04-01: 30 days end Friday 05-01; 05-01..05-05 are the Labour Day holiday
    recovery = _served("recovery", D(2026, 4, 1))
    assert _due(recovery)["deregistration"] == D(2026, 5, 6)


def test_reconsideration_in_60_days():
    # served 08-01: 60 days end Wednesday 09-30, a working day
    assert _due(_served("fee", D(2026, 8, 1)))["administrative reconsideration"] == D(2026, 9, 30)
    # served 08-03: 60 days end Friday 10-02, a holiday: 10-08
    assert _due(_served("recovery", D(2026, 8, 3)))["administrative reconsideration"] == D(
        2026, 10, 8
    )


def test_a_lawsuit_in_six_months_ends_on_the_same_day_or_the_months_last_day():
    # 03-31 + 6 months: September has no 31st, so its last day, Wednesday 09-30
    assert months_after(D(2026, 3, 31), 6, OFFICIAL) == D(2026, 9, 30)
    # 2025-08-31 + 6 months: 2026-02-28, a Saturday but a make-up workday
    assert months_after(D(2025, 8, 31), 6, OFFICIAL) == D(2026, 2, 28)
    # 2025-08-01 + 6 months: Sunday 2026-02-01, an ordinary weekend: Monday 02-02
    assert months_after(D(2025, 8, 1), 6, OFFICIAL) == D(2026, 2, 2)
    fee = _served("fee", D(2026, 3, 31))
    assert _due(fee)["administrative lawsuit"] == D(2026, 9, 30)


def test_a_day_on_an_ordinary_weekend_moves_to_monday():
    # served 01-01: 30 days end Saturday 01-31, no holiday, no make-up: Monday 02-02
    assert days_after(D(2026, 1, 1), 30, OFFICIAL) == D(2026, 2, 2)


def test_the_day_of_service_is_not_counted():
    # served Tuesday 09-01: one day ends Wednesday 09-02, one working day too
    assert days_after(D(2026, 9, 1), 1, OFFICIAL) == D(2026, 9, 2)
    assert working_days_after(D(2026, 9, 1), 1, OFFICIAL) == D(2026, 9, 2)
    # served Friday 09-04: one working day is Monday 09-07
    assert working_days_after(D(2026, 9, 4), 1, OFFICIAL) == D(2026, 9, 7)


def test_a_year_no_calendar_covers_is_refused_not_guessed():
    gap = first_uncovered_year()  # 2027 with chinese-calendar 1.11
    # served on 08-31 of the year before: the lawsuit's 6 months end on 02-28 of a year
    # whose calendar the package does not carry
    with pytest.raises(CalendarGap, match=rf'\[calendar\."{gap}"\]'):
        months_after(D(gap - 1, 8, 31), 6, OFFICIAL)
    with pytest.raises(CalendarGap, match=str(gap)):
        working_days_after(D(gap - 1, 12, 28), 5, OFFICIAL)
    # the act's other periods are still given; the unknown one says why it has no day
    fee = _served("fee", D(gap - 1, 8, 31))
    got = {d.what: d for d in law.deadlines(fee, OFFICIAL, RULES)}
    assert got["payment of the idle fee"].due_on is not None
    assert got["administrative lawsuit"].due_on is None
    assert str(gap) in got["administrative lawsuit"].note


def test_a_profile_that_adds_2027_has_it_counted(tmp_path):
    profile = tmp_path / "city.toml"
    profile.write_text(
        'name = "city"\n'
        '[calendar."2027"]\n'
        "holidays = [2027-03-01]\n"  # a Monday made a holiday, to show it is read
        "workdays = [2027-02-20]\n",  # a Saturday made a workday
        encoding="utf-8",
    )
    cal = load_profile(str(profile)).calendar
    # the profile's year is counted on its own list (whatever the package carries):
    # 2027-02-28 is a Sunday, 03-01 the profile's holiday: the period ends 03-02
    assert months_after(D(2026, 8, 31), 6, cal) == D(2027, 3, 2)
    assert cal.is_workday(D(2027, 2, 20)) and not cal.is_workday(D(2027, 2, 21))
    fee = _served("fee", D(2026, 8, 31))
    assert _due(fee, cal)["administrative lawsuit"] == D(2027, 3, 2)
    # the package's years are still the package's
    assert cal.is_workday(D(2026, 10, 10)) and not cal.is_workday(D(2026, 10, 3))


def test_a_profile_day_that_is_no_date_of_its_year_is_refused(tmp_path):
    from landbank.errors import InputError

    profile = tmp_path / "bad.toml"
    profile.write_text('[calendar."2027"]\nholidays = [2028-01-01]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r'\[calendar."2027"\] holidays'):
        load_profile(str(profile))


def test_a_period_of_an_unknown_unit_is_a_programming_error():
    with pytest.raises(ValueError, match="unit 'weeks'"):
        period_end(D(2026, 9, 1), 2, "weeks", OFFICIAL)


def test_an_unserved_or_voided_act_starts_no_clock():
    assert law.deadlines(_served("fee", None), OFFICIAL, RULES) == []
    voided = _served("fee", D(2026, 9, 1), status="voided")
    assert law.deadlines(voided, OFFICIAL, RULES) == []


def test_a_city_may_give_more_working_days_to_ask_for_a_hearing():
    notice = _served("hearing_notice", D(2026, 9, 29))
    assert law.hearing_window_end(notice, OFFICIAL, {"hearing_request_working_days": 3}) == D(
        2026, 10, 9
    )


# every day the package carries, and periods the law uses
PERIOD_DAYS = st.sampled_from([1, 5, 15, 30, 60, 90, 180, 365])


@given(end=st.dates(D(2004, 2, 1), D(2026, 12, 15)), days=PERIOD_DAYS)
def test_days_after_never_ends_on_a_rest_day_nor_before_the_plain_count(end, days):
    served = end - dt.timedelta(days=days)
    got = days_after(served, days, OFFICIAL)
    assert got >= served + dt.timedelta(days=days)
    assert OFFICIAL.is_workday(got)
    # and it is the first working day from the plain count on
    day = served + dt.timedelta(days=days)
    while day < got:
        assert not OFFICIAL.is_workday(day)
        day += dt.timedelta(days=1)


@given(served=st.dates(D(2004, 1, 1), D(2026, 11, 30)), days=st.integers(1, 20))
def test_working_days_after_counts_exactly_that_many_working_days(served, days):
    got = working_days_after(served, days, OFFICIAL)
    assert OFFICIAL.is_workday(got)
    between = [served + dt.timedelta(days=i) for i in range(1, (got - served).days + 1)]
    assert sum(OFFICIAL.is_workday(d) for d in between) == days
