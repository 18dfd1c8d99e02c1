"""The two-way exchange: input for policy and the answers it gets, and what members are told.

"Thanks to the network the members got information; in turn they could give the government
feedback." Any signal or meeting agreement can be handed to policy as input, with a recipient
(a department or an official) and a due date; it stays on the lead's list until the answer is
recorded, and the answers are the network's "what we did with your input" log. Information
shared *to* the members (an update, a briefing) is logged too. `exchange_by_quarter` counts both
directions per calendar quarter, for the network page.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..domain.audit import AuditDraft
from ..domain.calendar import local_date
from ..domain.errors import InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..models import Agreement, Briefing, Network, PolicyInput, Signal, User
from .audit import append_audit
from .common import ensure_lead, load_network, now_or, writable_network

BRIEFING_KINDS = ("update", "briefing")
MAX_SUMMARY = 1000
MAX_ANSWER = 2000


def _text(data: dict[str, Any], name: str, limit: int, errors: dict[str, str]) -> str | None:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        errors[name] = "required" if value in (None, "") or isinstance(value, str) else "not_text"
        return None
    if len(value.strip()) > limit or "\x00" in value:
        errors[name] = "too_long"
        return None
    return value.strip()


def _day(data: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    value = data.get(name)
    if not isinstance(value, date):
        errors[name] = "required" if value is None else "not_a_date"
        return None
    return value


def _audit(user: User, network: Network, object_type: str, object_id: int, action: str,
           origin: str | None, moment: datetime, **after: Any) -> None:
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type=object_type,
        object_id=str(object_id), network_id=network.id, action=action, origin=origin,
        after=after), moment)


def hand_to_policy(user: User, network_id: int, data: dict[str, Any], *,
                   origin: str | None = None, now: datetime | None = None) -> PolicyInput:
    """The lead marks a signal or an agreement as input for policy, for a recipient, by a date."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "policy_input", None, "input.created", origin, now)
    moment = now_or(now)
    allowed = {"signal_id", "agreement_id", "summary", "recipient", "due_on"}
    errors = {name: "unknown_field" for name in sorted(set(data) - allowed)}
    signal_id, agreement_id = data.get("signal_id"), data.get("agreement_id")
    if (signal_id is None) == (agreement_id is None):
        errors["source"] = "required"
    elif signal_id is not None:
        signal = db.session.get(Signal, signal_id) if isinstance(signal_id, int) else None
        if signal is None or signal.network_id != network.id:
            errors["signal_id"] = "invalid"
    else:
        agreement = db.session.get(Agreement, agreement_id) \
            if isinstance(agreement_id, int) else None
        if agreement is None or agreement.network_id != network.id:
            errors["agreement_id"] = "invalid"
    summary = _text(data, "summary", MAX_SUMMARY, errors)
    recipient = _text(data, "recipient", 200, errors)
    due_on = _day(data, "due_on", errors)
    if due_on and due_on < local_date(moment):
        errors["due_on"] = "in_past"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    item = PolicyInput(network_id=network.id, municipality_id=network.municipality_id,
                       signal_id=signal_id, agreement_id=agreement_id, summary=summary,
                       recipient=recipient, due_on=due_on, created_on=local_date(moment),
                       created_by_id=user.id, created_at=moment)
    db.session.add(item)
    db.session.flush()
    _audit(user, network, "policy_input", item.id, "input.created", origin, moment,
           signal_id=signal_id, agreement_id=agreement_id, due_on=due_on.isoformat())
    return item


def _input_in(network: Network, input_id: Any) -> PolicyInput:
    item = db.session.get(PolicyInput, input_id) if isinstance(input_id, int) and \
        not isinstance(input_id, bool) else None
    if item is None or item.network_id != network.id:
        raise NotFound("No such input for policy in this network.")
    return item


def record_answer(user: User, network_id: int, input_id: int, data: dict[str, Any], *,
                  origin: str | None = None, now: datetime | None = None) -> PolicyInput:
    """The lead records what policy did with an input: the answer members hear back."""
    network = writable_network(user, network_id)
    item = _input_in(network, input_id)
    ensure_lead(user, network, "policy_input", item.id, "input.answered", origin, now)
    if item.answered_on is not None:
        raise InvalidTransition("This input has its answer already.")
    moment = now_or(now)
    errors = {name: "unknown_field" for name in sorted(set(data) - {"answer", "answered_on"})}
    answer = _text(data, "answer", MAX_ANSWER, errors)
    answered_on = data.get("answered_on") or local_date(moment)
    if not isinstance(answered_on, date):
        errors["answered_on"] = "not_a_date"
    elif answered_on > local_date(moment):
        errors["answered_on"] = "in_future"
    elif answered_on < item.created_on:
        errors["answered_on"] = "before_created_on"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    item.answer, item.answered_on, item.answered_by_id = answer, answered_on, user.id
    db.session.flush()
    _audit(user, network, "policy_input", item.id, "input.answered", origin, moment,
           answered_on=answered_on.isoformat())
    return item


def is_overdue(item: PolicyInput, now: datetime | None = None) -> bool:
    """Unanswered past its due date: it is then on the attention list."""
    return item.answered_on is None and local_date(now_or(now)) > item.due_on


def list_inputs(user: User, network_id: int, *, open_only: bool = False) -> list[PolicyInput]:
    """The network's inputs for policy, the open ones first (by due date)."""
    network = load_network(user, network_id)
    query = select(PolicyInput).where(PolicyInput.network_id == network.id)
    if open_only:
        query = query.where(PolicyInput.answered_on.is_(None))
    return list(db.session.scalars(query.order_by(PolicyInput.answered_on.is_not(None),
                                                  PolicyInput.due_on, PolicyInput.id)))


def open_inputs_of_lead(user: User) -> list[PolicyInput]:
    """Every unanswered input of the networks this user leads: the lead's list."""
    return list(db.session.scalars(
        select(PolicyInput).join(Network, Network.id == PolicyInput.network_id)
        .where(Network.lead_id == user.id, Network.municipality_id == user.municipality_id,
               PolicyInput.answered_on.is_(None)).order_by(PolicyInput.due_on)))


def share_briefing(user: User, network_id: int, data: dict[str, Any], *,
                   origin: str | None = None, now: datetime | None = None) -> Briefing:
    """The lead logs information shared with the members: an update or a briefing."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "briefing", None, "briefing.shared", origin, now)
    moment = now_or(now)
    errors = {name: "unknown_field"
              for name in sorted(set(data) - {"shared_on", "kind", "title", "summary"})}
    shared_on = _day(data, "shared_on", errors) if "shared_on" in data else local_date(moment)
    if isinstance(shared_on, date) and shared_on > local_date(moment):
        errors["shared_on"] = "in_future"
    kind = data.get("kind", "update")
    if kind not in BRIEFING_KINDS:
        errors["kind"] = "invalid_choice"
    title = _text(data, "title", 200, errors)
    summary = _text(data, "summary", 2000, errors)
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    briefing = Briefing(network_id=network.id, municipality_id=network.municipality_id,
                        shared_on=shared_on, kind=kind, title=title, summary=summary,
                        created_by_id=user.id, created_at=moment)
    db.session.add(briefing)
    db.session.flush()
    _audit(user, network, "briefing", briefing.id, "briefing.shared", origin, moment,
           kind=kind, shared_on=shared_on.isoformat())
    return briefing


def list_briefings(user: User, network_id: int) -> list[Briefing]:
    network = load_network(user, network_id)
    return list(db.session.scalars(select(Briefing).where(Briefing.network_id == network.id)
                                   .order_by(Briefing.shared_on.desc(), Briefing.id.desc())))


@dataclass(frozen=True)
class QuarterExchange:
    """Both directions of the exchange in one calendar quarter."""

    quarter: str  # e.g. 2026-Q2
    signals: int  # from the network to the municipality
    inputs: int  # handed to policy
    answers: int  # back to the network: what was done with its input
    briefings: int  # information shared with the members


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def exchange_by_quarter(user: User, network_id: int) -> list[QuarterExchange]:
    """Counts per quarter of what flowed in and out, oldest quarter first."""
    network = load_network(user, network_id)
    counts: dict[str, Counter] = {}

    def add(kind: str, day: date | None) -> None:
        if day is not None:
            counts.setdefault(quarter_label(day), Counter())[kind] += 1

    for day in db.session.scalars(select(Signal.reported_on).where(
            Signal.network_id == network.id)):
        add("signals", day)
    for created, answered in db.session.execute(select(
            PolicyInput.created_on, PolicyInput.answered_on).where(
            PolicyInput.network_id == network.id)):
        add("inputs", created)
        add("answers", answered)
    for day in db.session.scalars(select(Briefing.shared_on).where(
            Briefing.network_id == network.id)):
        add("briefings", day)
    return [QuarterExchange(label, c["signals"], c["inputs"], c["answers"], c["briefings"])
            for label, c in sorted(counts.items())]
