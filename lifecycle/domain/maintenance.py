"""Keeping a network alive between incidents: structured evidence, and the attention list.

Some checklist items record data the app acts on, entered with their evidence (`records:` in
the workflow): the mandate decision (body, date, reference, valid until), the meeting cadence
(every so many weeks) and the annual review date. `clean_details` checks them; the service keeps
them on the network.

`attention_items` says what about one network needs attention now, each with the day it fell due
and how many days it is overdue: a meeting cadence overrun, an expired mandate, a periodic review
that is due, an input for policy without an answer past its due date, a signal past its
deadline, members not heard from in months. The dashboard orders them by how overdue they are;
`lifecycle tick` records each the first time it falls due and sends a notification.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

from .calendar import add_months
from .errors import ValidationFailed

MANDATE_DECISION = "mandate_decision"
MEETING_CADENCE = "meeting_cadence"
ANNUAL_REVIEW = "annual_review"
RECORD_KINDS = (MANDATE_DECISION, MEETING_CADENCE, ANNUAL_REVIEW)
MAX_CADENCE_WEEKS = 52
MAX_NOTES = 4000
MAX_AGREEMENT = 500


def _day(data: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    value = data.get(name)
    if value is None or value == "":
        errors[name] = "required"
        return None
    if not isinstance(value, date):
        errors[name] = "not_a_date"
        return None
    return value


def clean_details(kind: str, data: Any, *, today: date) -> dict[str, Any]:
    """Check the structured part of an item's evidence; stored as JSON (dates as text)."""
    if not isinstance(data, dict):
        raise ValidationFailed("This item records structured details.",
                               errors={"details": "required"})
    errors: dict[str, str] = {}
    allowed = {MANDATE_DECISION: {"body", "decided_on", "reference", "valid_until"},
               MEETING_CADENCE: {"every_weeks"},
               ANNUAL_REVIEW: {"review_on"}}[kind]
    for name in sorted(set(data) - allowed):
        errors[f"details.{name}"] = "unknown_field"
    clean: dict[str, Any] = {}
    if kind == MANDATE_DECISION:
        for name, limit in (("body", 200), ("reference", 100)):
            value = data.get(name)
            if not isinstance(value, str) or not value.strip():
                errors[f"details.{name}"] = "required" if value in (None, "") else "not_text"
            elif len(value.strip()) > limit or "\x00" in value:
                errors[f"details.{name}"] = "too_long"
            else:
                clean[name] = value.strip()
        day_errors: dict[str, str] = {}
        decided, valid = _day(data, "decided_on", day_errors), _day(data, "valid_until", day_errors)
        errors.update({f"details.{k}": v for k, v in day_errors.items()})
        if decided and decided > today:
            errors["details.decided_on"] = "in_future"
        if decided and valid and valid < decided:
            errors["details.valid_until"] = "before_decided_on"
        if decided and valid:
            clean.update(decided_on=decided.isoformat(), valid_until=valid.isoformat())
    elif kind == MEETING_CADENCE:
        weeks = data.get("every_weeks")
        if not isinstance(weeks, int) or isinstance(weeks, bool):
            errors["details.every_weeks"] = "required" if weeks is None else "not_an_integer"
        elif not 1 <= weeks <= MAX_CADENCE_WEEKS:
            errors["details.every_weeks"] = "out_of_range"
        else:
            clean["every_weeks"] = weeks
    else:
        day_errors = {}
        review_on = _day(data, "review_on", day_errors)
        errors.update({f"details.{k}": v for k, v in day_errors.items()})
        if review_on:
            clean["review_on"] = review_on.isoformat()
    if errors:
        raise ValidationFailed("Some details are not right.", errors=errors)
    return clean


@dataclass(frozen=True)
class AttentionItem:
    """One thing about a network that is overdue, with the day it fell due."""

    kind: str  # meeting_cadence | mandate_expired | review_due | input_overdue
    #            | signal_overdue | members_silent
    network_id: int
    due_on: date
    overdue_days: int
    ref: str = ""  # which object: an input, a signal (empty for the network itself)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Unique per thing and due day: it is recorded and notified once. A signal past three
        times its deadline is a second, graver notice, so it has a key of its own."""
        grave = ":x3" if self.details.get("three_times") else ""
        return f"{self.kind}:{self.network_id}:{self.ref}:{self.due_on.isoformat()}{grave}"


@dataclass(frozen=True)
class NetworkTimers:
    """The dates the attention list looks at for one network."""

    network_id: int
    stage: str
    active: bool  # in an active stage (not paused, not closed)
    closed: bool
    mandate_valid_until: date | None
    cadence_weeks: int | None
    cadence_since: date | None  # the last meeting, or when the cadence was set
    review_due_on: date | None
    in_review_stage: bool
    open_inputs: tuple[tuple[int, date], ...] = ()  # (input id, due on)
    open_signals: tuple[tuple[int, date, date], ...] = ()  # (signal id, last day, 3x last day)
    member_contacts: tuple[tuple[int, date], ...] = ()  # (member id, last contact or start)


def attention_items(timers: NetworkTimers, today: date, *, silent_months: int) -> list[AttentionItem]:
    """What about this network is overdue on `today`, most overdue first."""
    if timers.closed:
        return []
    items: list[AttentionItem] = []

    def overdue(kind: str, due: date, ref: str = "", **details: Any) -> None:
        if today > due:
            items.append(AttentionItem(kind, timers.network_id, due, (today - due).days, ref,
                                       details))

    if timers.mandate_valid_until is not None:
        overdue("mandate_expired", timers.mandate_valid_until,
                valid_until=timers.mandate_valid_until.isoformat())
    if timers.active and timers.cadence_weeks and timers.cadence_since:
        overdue("meeting_cadence", timers.cadence_since + timedelta(weeks=timers.cadence_weeks),
                every_weeks=timers.cadence_weeks, since=timers.cadence_since.isoformat())
    if timers.in_review_stage and timers.review_due_on:
        overdue("review_due", timers.review_due_on)
    for input_id, due_on in timers.open_inputs:
        overdue("input_overdue", due_on, ref=str(input_id))
    for signal_id, last_day, late_day in timers.open_signals:
        overdue("signal_overdue", last_day, ref=str(signal_id), three_times=today > late_day)
    if timers.active:
        silent = [(member_id, contact) for member_id, contact in timers.member_contacts
                  if today > add_months(contact, silent_months)]
        if silent:
            oldest = min(add_months(contact, silent_months) for _member, contact in silent)
            overdue("members_silent", oldest, count=len(silent), months=silent_months)
    return sorted(items, key=lambda item: (-item.overdue_days, item.kind, item.ref))


def core_meetings_held(meetings: Iterable[tuple[str, int, date]], today: date, *,
                       core_form: str = "core", min_attendees: int = 2) -> int:
    """How many core meetings took place: (form, attendees, held on) up to today."""
    return sum(1 for form, attendees, held_on in meetings
               if form == core_form and attendees >= min_attendees and held_on <= today)
