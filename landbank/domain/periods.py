"""Legal periods counted as Chinese procedure law counts them (民事诉讼法 art. 85,
行政诉讼法 art. 83): the day of service is not counted; a period in days or months
ends on its last day, or on the next working day when that day is a rest day; a
period in working days counts only the working days of the official calendar, where
make-up workdays (调休) count and holidays do not.

The official calendar is the State Council's, as the maintained ``chinese_calendar``
package carries it; a city's profile may add a year the package lacks (``[calendar]``).
A day of a year neither covers is refused (:class:`CalendarGap`), never guessed.
"""

from __future__ import annotations

import calendar as _months
import datetime as dt
import functools
from dataclasses import dataclass, field

import chinese_calendar


class CalendarGap(ValueError):
    """A day of a year no calendar covers; the message says how to add the year."""


@dataclass(frozen=True)
class Calendar:
    """The official calendar: the package's years, and the profile's ``years`` (each
    its holidays on weekdays and make-up workdays on weekends)."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_profile(cls, section: dict) -> Calendar:
        """Reads a profile's ``[calendar]``: ``[calendar."2027"]`` tables with
        ``holidays`` and ``workdays`` (lists of dates)."""
        holidays, workdays, years = set(), set(), set()
        for year, spec in (section or {}).items():
            years.add(int(year))
            holidays.update(_day(d) for d in spec.get("holidays", []))
            workdays.update(_day(d) for d in spec.get("workdays", []))
        return cls(frozenset(holidays), frozenset(workdays), frozenset(years))

    def is_workday(self, day: dt.date) -> bool:
        """True on a working day: a weekday that is no holiday, or a make-up workday."""
        if day.year in self.years:
            if day in self.workdays:
                return True
            return day.weekday() < 5 and day not in self.holidays
        try:
            return _official_workday(day)
        except NotImplementedError:
            raise CalendarGap(
                f"the official calendar of {day.year} is not known here: update the "
                f'chinese-calendar package, or add [calendar."{day.year}"] holidays and '
                "workdays to the city's profile"
            ) from None

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after."""
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day


# the package looks a day up slowly (~80 µs); a list over many cases asks the same days
# again and again. A year it lacks raises each time (exceptions are not cached).
_official_workday = functools.lru_cache(maxsize=8192)(chinese_calendar.is_workday)


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def days_after(served_on: dt.date, days: int, cal: Calendar) -> dt.date:
    """The last day of a period of ``days`` days from service on ``served_on``."""
    return cal.next_workday(served_on + dt.timedelta(days=days))


def working_days_after(served_on: dt.date, days: int, cal: Calendar) -> dt.date:
    """The last day of a period of ``days`` working days from service on ``served_on``."""
    day, left = served_on, days
    while left > 0:
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    return day


def months_after(served_on: dt.date, months: int, cal: Calendar) -> dt.date:
    """The last day of a period of ``months`` months from service on ``served_on``: the
    same day of the month ``months`` later (the month's last day where it has none),
    moved to the next working day when it is a rest day."""
    index = served_on.month - 1 + months
    year, month = served_on.year + index // 12, index % 12 + 1
    last = _months.monthrange(year, month)[1]
    return cal.next_workday(dt.date(year, month, min(served_on.day, last)))


def period_end(served_on: dt.date, amount: int, unit: str, cal: Calendar) -> dt.date:
    """The end of a period of ``amount`` ``unit`` (days, working_days, months)."""
    if unit == "days":
        return days_after(served_on, amount, cal)
    if unit == "working_days":
        return working_days_after(served_on, amount, cal)
    if unit == "months":
        return months_after(served_on, amount, cal)
    raise ValueError(f"unit {unit!r}: use days, working_days or months")
