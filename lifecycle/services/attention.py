"""The attention list, and recording what became overdue once.

`attention_list(user)` gathers, for the user's municipality, everything that is overdue today
(see `domain.maintenance.attention_items`), most overdue first, each with its network and reason.
It reads dates and counts only: a member who has gone quiet is counted, never named.

`record_overdue(now)` is the first half of the tick (`services.notifications.run_tick`): it
records every overdue item as a notification for the network's lead, with a unique key (the
item, its network and the day it fell due), and writes an `attention.overdue` audit record for
each new one. Ticks take a transaction-scoped lock first (an advisory lock on PostgreSQL; SQLite
already holds its write lock from BEGIN IMMEDIATE), so two ticks at once run one after the other
and the second finds every key taken. The claim helpers below let each notification be sent once.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.audit import AuditDraft
from ..domain.calendar import local_date
from ..domain.maintenance import AttentionItem, NetworkTimers, attention_items
from ..extensions import db
from ..models import (Meeting, MeetingAttendance, Member, Network, Notification, PolicyInput,
                      Signal, User)
from .audit import append_audit
from .common import now_or
from .composition import member_states
from .workflows import all_workflows

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
# The advisory lock that serialises ticks on PostgreSQL (any fixed number of our own).
TICK_LOCK = 8_460_231
DEFAULT_SILENT_MONTHS = 6


def _definition(network: Network):
    return all_workflows().get((network.workflow_name, network.workflow_version))


def timers_for(networks: list[Network]) -> list[NetworkTimers]:
    """The dates behind the attention list, for many networks in a handful of queries."""
    ids = [n.id for n in networks]
    if not ids:
        return []
    last_meeting = dict(db.session.execute(
        select(Meeting.network_id, func.max(Meeting.held_on))
        .where(Meeting.network_id.in_(ids)).group_by(Meeting.network_id)).all())
    inputs: dict[int, list] = defaultdict(list)
    for network_id, input_id, due_on in db.session.execute(
            select(PolicyInput.network_id, PolicyInput.id, PolicyInput.due_on)
            .where(PolicyInput.network_id.in_(ids), PolicyInput.answered_on.is_(None))):
        inputs[network_id].append((input_id, due_on))
    signals: dict[int, list] = defaultdict(list)
    for network_id, signal_id, last_day, late_day in db.session.execute(
            select(Signal.network_id, Signal.id, Signal.deadline_on, Signal.overdue_on)
            .where(Signal.network_id.in_(ids), Signal.handled_at.is_(None))):
        signals[network_id].append((signal_id, last_day, late_day))
    contacts: dict[int, list] = defaultdict(list)
    last_contact = (select(MeetingAttendance.member_id, func.max(Meeting.held_on).label("last"))
                    .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
                    .group_by(MeetingAttendance.member_id).subquery())
    for network_id, member_id, since, last in db.session.execute(
            select(Member.network_id, Member.id, Member.status_since, last_contact.c.last)
            .outerjoin(last_contact, last_contact.c.member_id == Member.id)
            .where(Member.network_id.in_(ids), Member.status.in_(member_states()))):
        contacts[network_id].append((member_id, last or local_date(since)))
    timers = []
    for network in networks:
        definition = _definition(network)
        if definition is None:
            continue
        state = definition.state(network.stage)
        in_review_stage = any(t.reopens for t in definition.triggers_from(network.stage))
        timers.append(NetworkTimers(
            network_id=network.id, stage=network.stage, active=state.active,
            closed=definition.is_final(network.stage),
            mandate_valid_until=network.mandate_valid_until,
            cadence_weeks=network.meeting_cadence_weeks,
            cadence_since=last_meeting.get(network.id) or network.meeting_cadence_set_on,
            review_due_on=network.review_due_on, in_review_stage=in_review_stage,
            open_inputs=tuple(inputs.get(network.id, ())),
            open_signals=tuple(signals.get(network.id, ())),
            member_contacts=tuple(contacts.get(network.id, ()))))
    return timers


def _silent_months(network: Network) -> int:
    definition = _definition(network)
    return definition.limits.get("silent_months", DEFAULT_SILENT_MONTHS) if definition \
        else DEFAULT_SILENT_MONTHS


def overdue_items(networks: list[Network], today: date) -> list[tuple[AttentionItem, Network]]:
    by_id = {n.id: n for n in networks}
    found = []
    for timers in timers_for(networks):
        network = by_id[timers.network_id]
        for item in attention_items(timers, today, silent_months=_silent_months(network)):
            found.append((item, network))
    return sorted(found, key=lambda pair: (-pair[0].overdue_days, pair[1].id, pair[0].key))


@dataclass(frozen=True)
class AttentionEntry:
    item: AttentionItem
    network: Network


def attention_list(user: User, *, now: datetime | None = None) -> list[AttentionEntry]:
    """Everything overdue in the user's municipality, most overdue first, with the reason."""
    networks = list(db.session.scalars(select(Network).where(
        Network.municipality_id == user.municipality_id, Network.closed_at.is_(None))))
    today = local_date(now_or(now))
    return [AttentionEntry(item, network) for item, network in overdue_items(networks, today)]


def _insert_ignoring_duplicates(rows: list[dict]) -> list[int]:
    """Insert notifications; a key that exists already is skipped. The ids of the new ones."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Notification).values(rows).on_conflict_do_nothing(
        index_elements=["key"]).returning(Notification.id)
    return list(db.session.scalars(statement))


def record_overdue(*, now: datetime | None = None, origin: str | None = "cli") -> tuple[int, int]:
    """Record each overdue item once: a notification for the lead and an audit record."""
    moment = now_or(now)
    today = local_date(moment)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TICK_LOCK})
    networks = list(db.session.scalars(select(Network).where(Network.closed_at.is_(None))
                                       .order_by(Network.id)))
    items = overdue_items(networks, today)
    rows = [{"key": item.key, "municipality_id": network.municipality_id,
             "network_id": network.id, "user_id": network.lead_id, "kind": item.kind,
             "due_on": item.due_on, "details": {"ref": item.ref, **item.details},
             "created_at": moment, "attempts": 0} for item, network in items]
    new_ids = set(_insert_ignoring_duplicates(rows))
    if new_ids:
        for notification in db.session.scalars(select(Notification).where(
                Notification.id.in_(new_ids)).order_by(Notification.id)):
            append_audit(AuditDraft(
                municipality_id=notification.municipality_id, actor_id=None,
                object_type="network", object_id=str(notification.network_id),
                network_id=notification.network_id, action="attention.overdue", origin=origin,
                after={"kind": notification.kind, "due_on": notification.due_on.isoformat(),
                       "ref": notification.details.get("ref") or None,
                       "notification_id": notification.id}), moment)
    db.session.flush()
    return len(items), len(new_ids)


def claim_notification(notification_id: int, *, now: datetime | None = None) -> bool:
    """Take one unsent notification for delivery; False when another tick has it."""
    moment = now_or(now)
    result = db.session.execute(
        update(Notification).where(
            Notification.id == notification_id, Notification.sent_at.is_(None),
            (Notification.claimed_at.is_(None))
            | (Notification.claimed_at < moment - CLAIM_TIMEOUT))
        .values(claimed_at=moment, attempts=Notification.attempts + 1))
    return result.rowcount == 1


def mark_sent(notification_id: int, delivery: str, *, now: datetime | None = None) -> None:
    db.session.execute(update(Notification).where(Notification.id == notification_id)
                       .values(sent_at=now_or(now), delivery=delivery))


def release_claim(notification_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.id == notification_id)
                       .values(claimed_at=None))


def unsent_notifications(limit: int = 500) -> list[int]:
    return list(db.session.scalars(select(Notification.id).where(Notification.sent_at.is_(None))
                                   .order_by(Notification.id).limit(limit)))


def notifications_for(user: User, limit: int = 20) -> list[Notification]:
    """The user's latest notifications, as the app shows them whether or not mail went out."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(),
                                             Notification.id.desc()).limit(limit)))
