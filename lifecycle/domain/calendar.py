"""Days and deadlines on the Dutch calendar, in Europe/Amsterdam.

Working days skip Saturdays, Sundays and Dutch public holidays (as the `holidays` package lists
them for the Netherlands: New Year's Day, Good Friday, Easter, King's Day, Ascension Day,
Whitsun, Christmas, and Liberation Day in the years it is a day off). A deadline of n working
days counts the working days after the day something came in; something that comes in on a
weekend or a holiday starts counting on the next working day, as Signalen does. A deadline ends at midnight local time at
the end of its last day, whatever the daylight-saving time is then.

Every function takes the clock as an argument, so tests can put it anywhere.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Netherlands(years=year))


def is_holiday(day: date) -> bool:
    return day in _holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (counting from the next working day on)."""
    day = next_working_day(start)
    for _ in range(count):
        day = next_working_day(day + timedelta(days=1))
    return day


def local_date(moment: datetime) -> date:
    """The calendar day in Amsterdam of a stored (naive UTC) or aware moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE).date()


def end_of_day(day: date) -> datetime:
    """The moment (naive UTC) a local day ends: midnight at its end, Amsterdam time."""
    local = datetime.combine(day + timedelta(days=1), time(), tzinfo=LOCAL_ZONE)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def deadline_day(start: date, days: int, *, working_days: bool) -> date:
    """The last day of a deadline of `days` working or calendar days from `start`."""
    return add_working_days(start, days) if working_days else start + timedelta(days=days)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when that day is missing."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
