"""Working days, deadlines and their ends on the Dutch calendar, with a clock the test controls.

The oracle is a hand-written list of the Dutch public holidays of 2026 and 2027 (as the
Rijksoverheid publishes them, with Good Friday, which the `holidays` package counts too) and a
day-by-day count; the code under test uses the `holidays` package and its own stepping. The
property tests show with `event()` that they cross King's Day, Christmas, Easter Monday,
weekends and the daylight-saving changes of Europe/Amsterdam.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import event, given
from hypothesis import strategies as st

from lifecycle.domain import calendar as cal
from lifecycle.domain.signals import (ON_TIME, OVERDUE, OVERDUE_3X, DeadlineRule, SignalRules,
                                      deadline_of, timeliness)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOLIDAYS = {
    date(2026, 1, 1): "New Year", date(2026, 4, 3): "Good Friday",
    date(2026, 4, 5): "Easter", date(2026, 4, 6): "Easter Monday",
    date(2026, 4, 27): "King's Day", date(2026, 5, 14): "Ascension",
    date(2026, 5, 24): "Whitsun", date(2026, 5, 25): "Whit Monday",
    date(2026, 12, 25): "Christmas", date(2026, 12, 26): "Boxing Day",
    date(2027, 1, 1): "New Year", date(2027, 3, 26): "Good Friday",
    date(2027, 3, 28): "Easter", date(2027, 3, 29): "Easter Monday",
    date(2027, 4, 27): "King's Day", date(2027, 5, 6): "Ascension",
    date(2027, 5, 16): "Whitsun", date(2027, 5, 17): "Whit Monday",
    date(2027, 12, 25): "Christmas", date(2027, 12, 26): "Boxing Day",
}
# The days the clocks change in Amsterdam: the last Sundays of March and October.
DST_CHANGES = {date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28), date(2027, 10, 31)}
# Any day, with a bias to the days around the holidays and the clock changes.
days_2026_2027 = st.one_of(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 10, 31)),
    st.builds(lambda day, shift: day + timedelta(days=shift),
              st.sampled_from(sorted(DST_CHANGES | HOLIDAYS.keys() - {date(2027, 12, 25),
                                                                    date(2027, 12, 26)})),
              st.integers(min_value=-3, max_value=1)))


def oracle_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def oracle_add_working_days(start: date, count: int) -> date:
    """Step one day at a time; a start on a weekend or holiday counts from the next working day."""
    day = start
    while not oracle_working_day(day):
        day += timedelta(days=1)
    counted = 0
    while counted < count:
        day += timedelta(days=1)
        counted += oracle_working_day(day)
    return day


def note_what_is_crossed(start: date, end: date) -> None:
    crossed = {HOLIDAYS[d] for d in HOLIDAYS if start <= d <= end}
    for name in sorted(crossed & {"King's Day", "Christmas", "Easter Monday"}):
        event(f"crosses {name}")
    if not oracle_working_day(start):
        event("starts on a weekend or holiday")
    if any(start <= d <= end for d in DST_CHANGES):
        event("crosses a daylight-saving change")


def test_the_holidays_are_those_the_government_lists():
    for day, name in HOLIDAYS.items():
        assert cal.is_holiday(day), (day, name)
    assert not cal.is_holiday(date(2026, 5, 5))  # Liberation Day is a day off in 2025, 2030...
    assert cal.is_holiday(date(2030, 5, 5))
    assert not cal.is_working_day(date(2026, 12, 5))  # a Saturday


@given(days_2026_2027, st.integers(min_value=0, max_value=45))
def test_working_days_skip_weekends_and_public_holidays(start, count):
    end = cal.add_working_days(start, count)
    note_what_is_crossed(start, end)
    assert end == oracle_add_working_days(start, count)
    assert cal.is_working_day(end)
    assert cal.deadline_day(start, count, working_days=True) == end
    assert cal.deadline_day(start, count, working_days=False) == start + timedelta(days=count)


def test_examples_around_the_holidays():
    # Thursday 24 December 2026 + 1 working day: Christmas (Fri, Sat) and Sunday are skipped.
    assert cal.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    # Friday 26 March 2027 is Good Friday, the Monday after is Easter Monday.
    assert cal.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    # King's Day on Tuesday 27 April 2027.
    assert cal.add_working_days(date(2027, 4, 26), 1) == date(2027, 4, 28)
    # A signal that comes in on Saturday starts counting on Monday.
    assert cal.add_working_days(date(2026, 12, 5), 0) == date(2026, 12, 7)


@given(days_2026_2027 | st.sampled_from(sorted(DST_CHANGES)))
def test_a_day_ends_at_local_midnight_whatever_the_daylight_saving_time(day):
    ends = cal.end_of_day(day)
    hours = (ends - cal.end_of_day(day - timedelta(days=1))).total_seconds() / 3600
    event(f"a day of {hours:g} hours")
    local_end = ends.replace(tzinfo=timezone.utc).astimezone(AMSTERDAM)
    assert (local_end.date(), local_end.hour, local_end.minute) == (day + timedelta(days=1), 0, 0)
    assert cal.local_date(ends - timedelta(microseconds=1)) == day
    assert cal.local_date(ends) == day + timedelta(days=1)
    assert hours == (23 if day in DST_CHANGES and day.month == 3 else
                     25 if day in DST_CHANGES else 24)


@given(st.builds(date, st.integers(2020, 2035), st.integers(1, 12), st.integers(1, 28))
       | st.sampled_from([date(2027, 1, 31), date(2028, 1, 30), date(2027, 3, 31),
                          date(2027, 8, 31), date(2028, 2, 29)]),
       st.integers(min_value=0, max_value=36))
def test_adding_months_keeps_the_day_or_takes_the_months_last(day, months):
    later = cal.add_months(day, months)
    event("clamped to the month's last day" if later.day != day.day else "same day")
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day
                                    and (later + timedelta(days=1)).month != later.month)


RULES = SignalRules(themes=(), urgencies=(), partners=(), deadlines=(
    DeadlineRule("*", "*", 10, True),
    DeadlineRule("*", "high", 2, True),
    DeadlineRule("liveability", "*", 20, False),
    DeadlineRule("liveability", "high", 5, False),
))


def test_the_most_specific_deadline_rule_wins():
    assert RULES.rule_for("polarisation", "normal").days == 10
    assert RULES.rule_for("polarisation", "high").days == 2
    assert RULES.rule_for("liveability", "low").days == 20
    assert RULES.rule_for("liveability", "high").days == 5


@given(days_2026_2027, st.sampled_from(["polarisation", "liveability"]),
       st.sampled_from(["low", "high"]),
       st.integers(min_value=-72, max_value=24 * 60))
def test_a_signal_is_on_time_then_overdue_then_past_three_times_its_deadline(
        reported_on, theme, urgency, hours_after_deadline):
    deadline = deadline_of(RULES, theme, urgency, reported_on)
    note_what_is_crossed(reported_on, deadline.overdue_last_day)
    now = deadline.ends_at + timedelta(hours=hours_after_deadline)
    verdict = timeliness(deadline, None, now)
    event(verdict)
    expected = (OVERDUE_3X if now >= deadline.overdue_ends_at else
                OVERDUE if now >= deadline.ends_at else ON_TIME)
    assert verdict == expected
    # A handled signal is judged by when it was handled, not by the clock now.
    assert timeliness(deadline, deadline.ends_at - timedelta(seconds=1), now + timedelta(days=400)) \
        == ON_TIME
    # The last day is the day the deadline ends, in Amsterdam.
    assert cal.local_date(deadline.ends_at - timedelta(microseconds=1)) == deadline.last_day
    if RULES.rule_for(theme, urgency).working_days:
        assert deadline.last_day == oracle_add_working_days(reported_on,
                                                            RULES.rule_for(theme, urgency).days)
        assert deadline.overdue_last_day == oracle_add_working_days(
            reported_on, 3 * RULES.rule_for(theme, urgency).days)


def test_a_deadline_ending_on_the_night_the_clocks_go_back_ends_at_local_midnight():
    # Saturday 30 October 2027 ends at 00:00 CEST = 22:00 UTC; the Sunday is 25 hours long.
    assert cal.end_of_day(date(2027, 10, 30)) == datetime(2027, 10, 30, 22, 0)
    assert cal.end_of_day(date(2027, 10, 31)) == datetime(2027, 10, 31, 23, 0)
