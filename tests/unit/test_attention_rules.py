"""The attention list of one network: what is overdue on a given day, and in which order.

Each reason is checked on the day it falls due (not yet overdue) and the day after (overdue by
one day); the property test moves the clock and checks the order and the keys.
"""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import event, given
from hypothesis import strategies as st

from lifecycle.domain.maintenance import NetworkTimers, attention_items

TODAY = date(2027, 4, 27)
SILENT_MONTHS = 6


def timers(**changes) -> NetworkTimers:
    base = dict(network_id=7, stage="maintenance", active=True, closed=False,
                mandate_valid_until=None, cadence_weeks=None, cadence_since=None,
                review_due_on=None, in_review_stage=False)
    return NetworkTimers(**{**base, **changes})


def kinds(network_timers: NetworkTimers, today: date = TODAY) -> dict[str, int]:
    return {item.kind: item.overdue_days
            for item in attention_items(network_timers, today, silent_months=SILENT_MONTHS)}


def test_each_reason_is_due_the_day_after_its_last_day():
    cases = {
        "mandate_expired": timers(mandate_valid_until=TODAY),
        "meeting_cadence": timers(cadence_weeks=6, cadence_since=TODAY - timedelta(weeks=6)),
        "review_due": timers(in_review_stage=True, review_due_on=TODAY),
        "input_overdue": timers(open_inputs=((3, TODAY),)),
        "signal_overdue": timers(open_signals=((4, TODAY, TODAY + timedelta(days=20)),)),
        "members_silent": timers(member_contacts=((5, date(2026, 10, 27)),)),
    }
    for kind, network_timers in cases.items():
        assert kinds(network_timers) == {}, kind
        assert kinds(network_timers, TODAY + timedelta(days=1)) == {kind: 1}, kind


def test_a_paused_network_has_no_cadence_or_silence_but_keeps_its_other_dates():
    paused = timers(active=False, stage="paused", cadence_weeks=4,
                    cadence_since=TODAY - timedelta(weeks=10),
                    member_contacts=((5, date(2025, 1, 1)),),
                    mandate_valid_until=TODAY - timedelta(days=3))
    assert kinds(paused) == {"mandate_expired": 3}


def test_a_closed_network_needs_no_attention():
    closed = timers(closed=True, active=False, mandate_valid_until=date(2020, 1, 1),
                    open_inputs=((3, date(2020, 1, 1)),))
    assert attention_items(closed, TODAY, silent_months=SILENT_MONTHS) == []


def test_a_review_date_counts_only_in_the_stage_that_is_reviewed():
    assert kinds(timers(in_review_stage=False, review_due_on=date(2026, 1, 1))) == {}


def test_a_signal_past_three_times_its_deadline_is_a_graver_notice_with_its_own_key():
    last_day, late_day = TODAY - timedelta(days=10), TODAY - timedelta(days=1)
    before = attention_items(timers(open_signals=((4, last_day, late_day),)),
                             late_day, silent_months=SILENT_MONTHS)
    after = attention_items(timers(open_signals=((4, last_day, late_day),)),
                            TODAY, silent_months=SILENT_MONTHS)
    assert not before[0].details["three_times"] and after[0].details["three_times"]
    assert after[0].key == before[0].key + ":x3"
    assert before[0].key == f"signal_overdue:7:4:{last_day.isoformat()}"


def test_silent_members_are_one_item_counted_from_the_longest_silence():
    contacts = ((1, date(2026, 9, 1)), (2, date(2026, 6, 15)), (3, date(2027, 4, 1)))
    [item] = attention_items(timers(member_contacts=contacts), TODAY,
                             silent_months=SILENT_MONTHS)
    assert item.kind == "members_silent"
    assert item.details == {"count": 2, "months": SILENT_MONTHS}
    assert item.due_on == date(2026, 12, 15)


dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@given(today=dates, valid_until=st.none() | dates, since=dates,
       weeks=st.none() | st.integers(1, 12),
       inputs=st.lists(st.tuples(st.integers(1, 50), dates), max_size=4, unique_by=lambda t: t[0]),
       signals=st.lists(st.tuples(st.integers(1, 50), dates), max_size=4,
                        unique_by=lambda t: t[0]))
def test_items_are_overdue_most_overdue_first_with_unique_keys(today, valid_until, since, weeks,
                                                              inputs, signals):
    network_timers = timers(
        mandate_valid_until=valid_until, cadence_weeks=weeks, cadence_since=since,
        open_inputs=tuple(inputs),
        open_signals=tuple((sid, day, day + timedelta(days=14)) for sid, day in signals))
    items = attention_items(network_timers, today, silent_months=SILENT_MONTHS)
    event(f"{min(len(items), 4)}{'+' if len(items) >= 4 else ''} items overdue")
    assert all(item.overdue_days == (today - item.due_on).days > 0 for item in items)
    assert [item.overdue_days for item in items] == sorted(
        (item.overdue_days for item in items), reverse=True)
    assert len({item.key for item in items}) == len(items)
    expected = sum(1 for _sid, day in inputs if today > day) \
        + sum(1 for _sid, day in signals if today > day) \
        + (valid_until is not None and today > valid_until) \
        + (weeks is not None and today > since + timedelta(weeks=weeks))
    assert len(items) == expected
