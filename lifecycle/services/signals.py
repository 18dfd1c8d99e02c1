"""Signals: what a network picks up, as themes and places, handled against a deadline.

A signal's status follows the signal pipeline (`workflows/data/signal-handling.yaml`, run on
`transitions` like every pipeline): received → assessed → acted on → closed, or forwarded to a
partner. Its deadline is fixed when it comes in, from the rule for its theme and urgency, in
working days (weekends and Dutch public holidays skipped) or calendar days. Only the network's
lead records and handles signals; they are read by those who may read the network's people,
because a signal names the member it came from. Nothing in a signal names a person of concern.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..domain.audit import AuditDraft
from ..domain.calendar import local_date
from ..domain.errors import NotFound, StaleVersion, ValidationFailed
from ..domain.pipeline import PipelineEngine, StepOption
from ..domain.signals import MAX_DESCRIPTION, MAX_PARTNER_NAME, deadline_of, timeliness
from ..extensions import db
from ..models import Member, Network, Signal, SignalStep, User
from .audit import append_audit
from .common import districts_of, ensure_lead, now_or, people_readable_network, writable_network
from .privacy import log_processing
from .workflows import catalogue

FORWARD = "forward"
LIVEABILITY = "liveability"


def _clean_signal(network: Network, data: dict[str, Any], *, partial: bool,
                  moment: datetime) -> dict[str, Any]:
    allowed = {"reported_on", "theme", "deeper_theme", "district", "description",
               "source_member_id", "urgency"}
    errors = {name: "unknown_field" for name in sorted(set(data) - allowed)}
    clean: dict[str, Any] = {}
    rules = catalogue().signal_rules
    themes = {t.id for t in rules.themes}
    if "reported_on" in data:
        value = data["reported_on"]
        if not isinstance(value, date):
            errors["reported_on"] = "not_a_date" if value is not None else "required"
        elif value > local_date(moment):
            errors["reported_on"] = "in_future"
        else:
            clean["reported_on"] = value
    for name, choices in (("theme", themes), ("urgency", {u.id for u in rules.urgencies})):
        if name in data:
            if data[name] not in choices:
                errors[name] = "invalid_choice"
            else:
                clean[name] = data[name]
    if "deeper_theme" in data:
        value = data["deeper_theme"]
        if value is not None and value not in themes - {LIVEABILITY}:
            errors["deeper_theme"] = "invalid_choice"
        else:
            clean["deeper_theme"] = value
    if "district" in data:
        value = data["district"]
        districts = districts_of(network)
        if value in (None, ""):
            clean["district"] = None
        elif not isinstance(value, str) or (districts and value not in districts) or \
                len(value) > 80:
            errors["district"] = "invalid_choice"
        else:
            clean["district"] = value.strip()
    if "description" in data:
        value = data["description"]
        if not isinstance(value, str) or not value.strip():
            errors["description"] = "required" if value in (None, "") or isinstance(value, str) \
                else "not_text"
        elif len(value.strip()) > MAX_DESCRIPTION or "\x00" in value:
            errors["description"] = "too_long"
        else:
            clean["description"] = value.strip()
    if "source_member_id" in data:
        value = data["source_member_id"]
        members = set(db.session.scalars(select(Member.id).where(
            Member.network_id == network.id, Member.erased_at.is_(None))))
        if value is not None and (not isinstance(value, int) or value not in members):
            errors["source_member_id"] = "invalid"
        else:
            clean["source_member_id"] = value
    if not partial:
        for name in ("reported_on", "theme", "description", "urgency"):
            if name not in data and name not in errors:
                errors[name] = "required"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    if clean.get("deeper_theme") and clean.get("theme", None) not in (None, LIVEABILITY):
        raise ValidationFailed("Only a liveability signal turns out to have a deeper theme.",
                               errors={"deeper_theme": "invalid"})
    return clean


def _log_source(user: User, network: Network, signals, operation: str, moment: datetime) -> None:
    """A signal names the member it came from: that is a read of their data."""
    member_ids = [s.source_member_id for s in signals if s.source_member_id is not None]
    log_processing(municipality_id=network.municipality_id, actor_id=user.id,
                   activity="contact", operation=operation, name=f"signal.{operation}",
                   member_ids=member_ids, started_at=moment, ended_at=now_or(None))


def _audit(user: User, network: Network, signal: Signal, action: str, origin, moment,
           **after) -> None:
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="signal",
        object_id=str(signal.id), network_id=network.id, action=action, origin=origin,
        after={"theme": signal.theme, "urgency": signal.urgency, "status": signal.status,
               **after}), moment)


def record_signal(user: User, network_id: int, data: dict[str, Any], *,
                  origin: str | None = None, now: datetime | None = None) -> Signal:
    """The lead records a signal; its deadline follows from its theme and urgency."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "signal", None, "signal.recorded", origin, now)
    moment = now_or(now)
    fields = _clean_signal(network, data, partial=False, moment=moment)
    if fields.get("deeper_theme") and fields["theme"] != LIVEABILITY:
        raise ValidationFailed("Only a liveability signal has a deeper theme.",
                               errors={"deeper_theme": "invalid"})
    deadline = deadline_of(catalogue().signal_rules, fields["theme"], fields["urgency"],
                           fields["reported_on"])
    signal = Signal(network_id=network.id, municipality_id=network.municipality_id,
                    status=catalogue().signal_pipeline.initial, status_since=moment,
                    deadline_on=deadline.last_day, deadline_at=deadline.ends_at,
                    overdue_on=deadline.overdue_last_day, overdue_at=deadline.overdue_ends_at,
                    created_by_id=user.id, created_at=moment, updated_at=moment, **fields)
    db.session.add(signal)
    db.session.flush()
    _log_source(user, network, [signal], "create", moment)
    _audit(user, network, signal, "signal.recorded", origin, moment,
           deadline_on=deadline.last_day.isoformat())
    return signal


def _signal_in(network: Network, signal_id: Any) -> Signal:
    signal = db.session.get(Signal, signal_id) if isinstance(signal_id, int) and \
        not isinstance(signal_id, bool) else None
    if signal is None or signal.network_id != network.id:
        raise NotFound("No such signal in this network.")
    return signal


def update_signal(user: User, network_id: int, signal_id: int, data: dict[str, Any], *,
                  expected_version: int | None = None, origin: str | None = None,
                  now: datetime | None = None) -> Signal:
    """The lead corrects a signal: its description, district or the deeper theme it turned out
    to have (theme, urgency and date fix the deadline and stay as recorded)."""
    network = writable_network(user, network_id)
    signal = _signal_in(network, signal_id)
    ensure_lead(user, network, "signal", signal.id, "signal.updated", origin, now)
    if expected_version is not None and expected_version != signal.version:
        raise StaleVersion("Someone else changed this signal meanwhile.",
                           current_version=signal.version)
    fixed = {"reported_on", "theme", "urgency"} & set(data)
    if fixed:
        raise ValidationFailed("The date, theme and urgency set the deadline and stay.",
                               errors={name: "unknown_field" for name in sorted(fixed)})
    moment = now_or(now)
    fields = _clean_signal(network, data, partial=True, moment=moment)
    if fields.get("deeper_theme") and signal.theme != LIVEABILITY:
        raise ValidationFailed("Only a liveability signal has a deeper theme.",
                               errors={"deeper_theme": "invalid"})
    changes = {k: v for k, v in fields.items() if getattr(signal, k) != v}
    for name, value in changes.items():
        setattr(signal, name, value)
    if changes:
        signal.updated_at = moment
        db.session.flush()
        _log_source(user, network, [signal], "update", moment)
        _audit(user, network, signal, "signal.updated", origin, moment, fields=sorted(changes))
    return signal


def signal_engine() -> PipelineEngine:
    return PipelineEngine(catalogue().signal_pipeline)


def signal_options(signal: Signal) -> list[StepOption]:
    return signal_engine().options(signal.status)


def take_signal_step(user: User, network_id: int, signal_id: int, step: str,
                     data: dict[str, Any] | None = None, *, origin: str | None = None,
                     now: datetime | None = None) -> Signal:
    """The lead assesses, acts on, forwards (to a named partner) or closes a signal."""
    data = data or {}
    network = writable_network(user, network_id)
    signal = _signal_in(network, signal_id)
    ensure_lead(user, network, "signal", signal.id, "signal.step", origin, now)
    moment = now_or(now)
    errors = {name: "unknown_field"
              for name in sorted(set(data) - {"note", "partner_kind", "partner_name"})}
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note.strip()) > 1000):
        errors["note"] = "too_long" if isinstance(note, str) else "not_text"
    partner_kind, partner_name = data.get("partner_kind"), data.get("partner_name")
    if step == FORWARD:
        if partner_kind not in {p.id for p in catalogue().signal_rules.partners}:
            errors["partner_kind"] = "required" if partner_kind is None else "invalid_choice"
        if not isinstance(partner_name, str) or not partner_name.strip():
            errors["partner_name"] = "required"
        elif len(partner_name.strip()) > MAX_PARTNER_NAME:
            errors["partner_name"] = "too_long"
    elif partner_kind is not None or partner_name is not None:
        errors["partner_kind" if partner_kind is not None else "partner_name"] = "unknown_field"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    note = (note or "").strip() or None
    before = signal.status
    signal.status = signal_engine().fire(signal.status, step, reason=note)
    signal.status_since = signal.updated_at = moment
    if step == FORWARD:
        signal.partner_kind, signal.partner_name = partner_kind, partner_name.strip()
    if signal.handled_at is None and \
            signal.status in catalogue().signal_pipeline.states_marked("handled"):
        signal.handled_at = moment
    db.session.add(SignalStep(signal_id=signal.id, network_id=network.id, step=step,
                              from_state=before, to_state=signal.status, happened_at=moment,
                              actor_id=user.id, note=note,
                              partner_kind=signal.partner_kind if step == FORWARD else None,
                              partner_name=signal.partner_name if step == FORWARD else None))
    db.session.flush()
    _audit(user, network, signal, "signal.step", origin, moment, step=step, before=before,
           partner_kind=signal.partner_kind if step == FORWARD else None)
    # A step changes a record tied to its source member, whoever then reads it back.
    _log_source(user, network, [signal], "update", moment)
    return signal


@dataclass(frozen=True)
class SignalPage:
    network: Network
    items: list[Signal]
    next_after: int | None


def list_signals(user: User, network_id: int, *, status: str | None = None,
                 theme: str | None = None, after: int | None = None, limit: int = 50,
                 now: datetime | None = None) -> SignalPage:
    """The network's signals, newest first (keyset pages), optionally by status or theme."""
    network = people_readable_network(user, network_id)
    moment = now_or(now)
    limit = max(1, min(limit, 200))
    query = select(Signal).where(Signal.network_id == network.id)
    if status:
        query = query.where(Signal.status == status)
    if theme:
        query = query.where(Signal.theme == theme)
    if after is not None:
        query = query.where(Signal.id < after)
    rows = list(db.session.scalars(query.order_by(Signal.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    _log_source(user, network, page, "read", moment)
    return SignalPage(network, page, page[-1].id if len(rows) > limit and page else None)


@dataclass(frozen=True)
class SignalRecord:
    network: Network
    signal: Signal
    steps: list[SignalStep]
    options: list[StepOption]
    timeliness: str


def signal_record(user: User, network_id: int, signal_id: int, *,
                  now: datetime | None = None) -> SignalRecord:
    network = people_readable_network(user, network_id)
    signal = _signal_in(network, signal_id)
    moment = now_or(now)
    _log_source(user, network, [signal], "read", moment)
    steps = list(db.session.scalars(select(SignalStep).where(SignalStep.signal_id == signal.id)
                                    .order_by(SignalStep.happened_at, SignalStep.id)))
    return SignalRecord(network, signal, steps, signal_options(signal),
                        timeliness_of(signal, moment))


def timeliness_of(signal: Signal, now: datetime) -> str:
    """on_time, overdue or overdue_3x: judged by when it was handled, or by now if still open."""
    from ..domain.signals import Deadline

    deadline = Deadline(None, signal.deadline_on, signal.deadline_at, signal.overdue_on,
                        signal.overdue_at)
    return timeliness(deadline, signal.handled_at, now)
