"""Reading the audit trail: a network's history and the municipality-wide audit log.

Both page by sequence number (keyset), so the millionth record costs what the first does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..domain.errors import ValidationFailed
from ..domain.permissions import ADMIN, AUDITOR, ensure_role
from ..extensions import db
from ..models import AuditChain, AuditRecord, User
from .audit import actor_names
from .common import actor_of, load_network


LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
EARLIEST_FILTER_DATE = date(1900, 1, 1)
LATEST_FILTER_DATE = date(9998, 12, 31)


def _local_midnight_utc(day: date) -> datetime:
    """The UTC moment a local (Amsterdam) day starts: users filter by their own calendar."""
    local = datetime.combine(day, time(), tzinfo=LOCAL_ZONE)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class AuditFilters:
    network_id: int | None = None
    actor_id: int | None = None
    action: str | None = None
    result: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditRecord]
    next_after: int | None
    actor_names: dict[int, str] = field(default_factory=dict)


def _page(query, after: int | None, limit: int) -> AuditPage:
    limit = max(1, min(limit, 200))
    if after is not None:
        query = query.where(AuditRecord.seq > after)
    rows = list(db.session.scalars(query.order_by(AuditRecord.seq).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, rows[-1].seq if has_more and rows else None,
                     actor_names({r.actor_id for r in rows} | _mentioned_users(rows)))


def _mentioned_users(rows: list[AuditRecord]) -> set[int]:
    """Users a record is about (a reassigned lead, a user whose roles changed): named alike."""
    mentioned = set()
    for record in rows:
        if record.object_type == "user" and (record.object_id or "").isdecimal():
            mentioned.add(int(record.object_id))
        for values in (record.before, record.after):
            if isinstance(values, dict) and isinstance(values.get("lead_id"), int):
                mentioned.add(values["lead_id"])
    return mentioned


def _chain_id(municipality_id: int) -> int | None:
    return db.session.scalar(
        select(AuditChain.id).where(AuditChain.municipality_id == municipality_id))


def network_history(user: User, network_id: int, *, after: int | None = None,
                    limit: int = 50) -> AuditPage:
    """Every audit record about one network, in sequence order."""
    network = load_network(user, network_id)
    query = select(AuditRecord).where(AuditRecord.chain_id == _chain_id(network.municipality_id),
                                      AuditRecord.network_id == network.id)
    return _page(query, after, limit)


DOSSIER_RECORD_LIMIT = 5000


def full_network_history(user: User, network_id: int) -> AuditPage:
    """Every audit record about one network, for its printed file (capped, in sequence order)."""
    pages = [network_history(user, network_id, limit=200)]
    total = len(pages[0].items)
    while pages[-1].next_after is not None and total < DOSSIER_RECORD_LIMIT:
        pages.append(network_history(user, network_id, after=pages[-1].next_after, limit=200))
        total += len(pages[-1].items)
    items = [record for page in pages for record in page.items]
    names = {k: v for page in pages for k, v in page.actor_names.items()}
    return AuditPage(items, pages[-1].next_after, names)


def audit_log(user: User, filters: AuditFilters, *, after: int | None = None,
              limit: int = 50) -> AuditPage:
    """The user's municipality's audit trail, filtered, in sequence order (auditor or admin)."""
    ensure_role(actor_of(user), AUDITOR, ADMIN)
    for name in ("date_from", "date_to"):
        day = getattr(filters, name)
        # Calendar edges overflow when shifted to UTC; no audit record is that old or that new.
        if day is not None and not (EARLIEST_FILTER_DATE <= day <= LATEST_FILTER_DATE):
            raise ValidationFailed("The date is out of range.", errors={name: "invalid"})
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed("The start date is after the end date.",
                               errors={"date_from": "after_date_to"})
    query = select(AuditRecord).where(AuditRecord.chain_id == _chain_id(user.municipality_id))
    if filters.network_id is not None:
        query = query.where(AuditRecord.network_id == filters.network_id)
    if filters.actor_id is not None:
        query = query.where(AuditRecord.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditRecord.action == filters.action)
    if filters.result:
        query = query.where(AuditRecord.result == filters.result)
    if filters.date_from:
        query = query.where(AuditRecord.occurred_at >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        query = query.where(
            AuditRecord.occurred_at < _local_midnight_utc(filters.date_to + timedelta(days=1)))
    return _page(query, after, limit)


def export_log(user: User, kind: str, fmt: str, filters, *, origin: str | None = None):
    """An auditor's export of their municipality's audit trail or processing log (audited)."""
    from .audit_evidence import (LOGS, default_public_keys, prepare_audit_export,
                                 prepare_processing_export)

    ensure_role(actor_of(user), AUDITOR, ADMIN)
    if kind not in LOGS:
        raise ValidationFailed("Unknown log.", errors={"log": "invalid_choice"})
    if kind == "audit":
        return prepare_audit_export(
            municipality_id=user.municipality_id, all_chains=False, filters=filters, fmt=fmt,
            actor_id=user.id, origin=origin, public_keys=default_public_keys() or None)
    return prepare_processing_export(
        municipality_id=user.municipality_id, all_chains=False, filters=filters, fmt=fmt,
        actor_id=user.id, origin=origin)


AUDIT_ACTIONS = (
    "auth.login", "auth.logout", "auth.token_refused", "auth.throttled", "user.created", "user.updated", "user.roles_changed",
    "user.deactivated", "user.activated", "user.password_changed", "user.mfa_enabled",
    "user.mfa_reset", "token.created", "token.revoked",
    "network.created", "network.updated", "network.lead_reassigned", "network.stage_changed",
    "item.evidence_submitted", "item.approved", "item.rejected", "item.signoff_revoked",
    "security.forbidden", "security.out_of_scope", "security.refusals_repeated",
    "audit.exported", "personal_data.read",
)


def municipality_users(user: User) -> list[User]:
    """Users of the municipality, for the actor filter."""
    return list(db.session.scalars(
        select(User).where(User.municipality_id == user.municipality_id).order_by(User.name)))
