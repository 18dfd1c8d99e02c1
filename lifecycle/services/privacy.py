"""Personal data by the book: the processing log, retention and purge, erasure, subject access.

- `log_processing` writes one processing-log line per data subject, in the caller's transaction:
  if the line cannot be written, the processing fails with it (the standard forbids processing
  that is not logged). A line names the processing activity, the operation, the pseudonymous
  subject, the times, the status and the request's trace id, and never the user. Who did it
  is in the audit trail under the same trace id: a change has its own audit record, and a
  read (or an export) by a user gets one `personal_data.read` record per processing, so "who
  looked at this person?" has an answer there too.
- `purge_expired` erases what has passed its retention period; `erase_member` erases one person
  now; both leave the row (and an `Erasure` record) so references in the audit trail stay valid.
- `export_member` gathers a person's data and their processing-log lines (subject access).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import insert, or_, select

from ..domain.audit import AuditDraft, format_timestamp
from ..domain.permissions import ensure_can_erase_person
from ..domain.privacy import retention_ends, subject_reference
from ..domain.errors import ReasonRequired, ValidationFailed
from ..extensions import db
from ..models import Erasure, Member, MemberStep, Network, ProcessingLogLine, User
from ..tracing import current_trace_id, new_span_id
from .audit import append_audit
from .common import actor_of, load_network, now_or
from .workflows import catalogue

MEMBER_SUBJECT = "member"
PERSONAL_FIELDS = ("email", "phone", "sector", "district", "age_band", "gender", "formal",
                   "member_type", "note")
MAX_REASON = 1000


def member_reference(member_id: int) -> str:
    """The pseudonymous reference of a person in the processing log."""
    key = current_app.config["PROCESSING_LOG_KEY"].encode("utf-8")
    return subject_reference(key, MEMBER_SUBJECT, member_id)


# Operations that change nothing, so no other audit record says who did them.
READ_OPERATIONS = ("read", "export")


def log_processing(*, municipality_id: int, actor_id: int | None, activity: str, operation: str,
                   name: str, member_ids: Iterable[int], started_at: datetime,
                   ended_at: datetime | None = None, status: str = "ok") -> None:
    """Write one line per person whose data this processing touched, in this transaction.

    `actor_id` is the acting user (None only for work no user does: the purge, the command
    line). It never goes on the lines; for a read it goes into one audit record under the
    request's trace id, which is how the audit trail names who read.

    One INSERT for all the lines (a list page names dozens of people), and no ORM objects: the
    lines are written once and never read back in the same request.
    """
    catalogue().vocabularies.activity(activity)  # an activity of the register, or a bug
    trace_id = current_trace_id()
    ended_at = ended_at or started_at
    lines = [dict(
        trace_id=trace_id, span_id=new_span_id(), name=name, operation=operation,
        activity=activity, subject_ref=member_reference(member_id),
        municipality_id=municipality_id, started_at=started_at, ended_at=ended_at,
        status=status) for member_id in dict.fromkeys(member_ids)]
    if lines:
        db.session.execute(insert(ProcessingLogLine), lines)
        if actor_id is not None and operation in READ_OPERATIONS:
            append_audit(AuditDraft(
                municipality_id=municipality_id, actor_id=actor_id, object_type="processing",
                object_id=None, action="personal_data.read", trace_id=trace_id,
                after={"activity": activity, "name": name, "operation": operation,
                       "subjects": len(lines)}), ended_at)


def _erase(member: Member, *, cause: str, moment: datetime, reason: str | None = None) -> Erasure:
    """Empty every personal field of a person; keep the row, the pipeline states and dates."""
    member.name = ""
    for name in PERSONAL_FIELDS:
        setattr(member, name, None)
    member.known_to_municipality = False
    member.erased_at = moment
    member.updated_at = moment
    for step in db.session.scalars(select(MemberStep).where(MemberStep.member_id == member.id)):
        step.reason, step.house_rules = None, None
    erasure = Erasure(member_id=member.id, network_id=member.network_id,
                      municipality_id=member.municipality_id, erased_at=moment, cause=cause,
                      reason=reason)
    db.session.add(erasure)
    db.session.flush()
    return erasure


def erase_member(user: User, network_id: int, member_id: int, reason: str | None, *,
                 origin: str | None = None, now: datetime | None = None) -> Member:
    """An administrator erases one person's data now, with a reason (audited, by reference)."""
    network = load_network(user, network_id, for_update=True)
    ensure_can_erase_person(actor_of(user), network)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("Say why this person's data is erased.",
                             errors={"reason": "required"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed("The reason is too long.", errors={"reason": "too_long"})
    member = _member_in(network, member_id)
    moment = now_or(now)
    if member.erased_at is None:
        erasure = _erase(member, cause="request", moment=moment, reason=reason)
        log_processing(municipality_id=network.municipality_id, actor_id=user.id,
                       activity="composition", operation="erase", name="member.erase",
                       member_ids=[member.id], started_at=moment)
        # The reason stays with the erasure record: free text could name someone.
        append_audit(AuditDraft(
            municipality_id=network.municipality_id, actor_id=user.id, object_type="member",
            object_id=str(member.id), network_id=network.id, action="member.erased",
            origin=origin, after={"cause": "request", "erasure_id": erasure.id}), moment)
    return member


def _member_in(network: Network, member_id: Any) -> Member:
    from ..domain.errors import NotFound

    member = db.session.get(Member, member_id) if isinstance(member_id, int) and \
        not isinstance(member_id, bool) else None
    if member is None or member.network_id != network.id:
        raise NotFound("No such person in this network.")
    return member


def activities_of(member: Member) -> list[str]:
    """The processing activities that used this person's data (for their retention period)."""
    activities = ["composition"]
    if db.session.scalar(select(MemberStep.id).where(MemberStep.member_id == member.id,
                                                     MemberStep.intake_outcome.is_not(None))):
        activities.append("intake")
    return activities


def retention_end_of(member: Member, network: Network) -> datetime | None:
    """When this person's data must be erased; None while they are in an open network."""
    starts = [moment for moment in (member.ended_at, network.closed_at) if moment is not None]
    vocabularies = catalogue().vocabularies
    months = [vocabularies.activity(a).retention_months for a in activities_of(member)]
    return retention_ends(min(starts) if starts else None, months)


@dataclass(frozen=True)
class PurgeReport:
    erased: int
    checked: int
    member_ids: tuple[int, ...]


def expired_members(*, now: datetime | None = None,
                    for_update: bool = False) -> tuple[int, list[tuple[Member, datetime]]]:
    """The people whose retention period has ended (with when it ended), of how many checked."""
    moment = now_or(now)
    query = (select(Member, Network).join(Network, Network.id == Member.network_id)
             .where(Member.erased_at.is_(None),
                    or_(Member.ended_at.is_not(None), Network.closed_at.is_not(None)))
             .order_by(Member.id))
    candidates = db.session.execute(query.with_for_update(of=Member) if for_update
                                    else query).all()
    expired = []
    for member, network in candidates:
        ends = retention_end_of(member, network)
        if ends is not None and ends <= moment:
            expired.append((member, ends))
    return len(candidates), expired


def purge_expired(*, now: datetime | None = None, origin: str | None = "cli") -> PurgeReport:
    """Erase every person whose retention period has ended. Safe to run again: idempotent."""
    moment = now_or(now)
    checked, expired = expired_members(now=moment, for_update=True)
    erased = []
    for member, ends in expired:
        erasure = _erase(member, cause="retention", moment=moment)
        log_processing(municipality_id=member.municipality_id, actor_id=None,
                       activity="composition", operation="erase", name="member.purge",
                       member_ids=[member.id], started_at=moment)
        append_audit(AuditDraft(
            municipality_id=member.municipality_id, actor_id=None, object_type="member",
            object_id=str(member.id), network_id=member.network_id, action="member.erased",
            origin=origin, after={"cause": "retention", "erasure_id": erasure.id,
                                  "retention_ended": format_timestamp(ends)}), moment)
        erased.append(member.id)
    db.session.flush()
    return PurgeReport(len(erased), checked, tuple(erased))


def export_member(member_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything kept about one person, and every processing of it (subject access)."""
    from ..domain.errors import NotFound

    member = db.session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None:
        raise NotFound("No such person.")
    moment = now_or(now)
    log_processing(municipality_id=member.municipality_id, actor_id=None,  # the command line
                   activity="composition", operation="export", name="member.export",
                   member_ids=[member.id], started_at=moment)
    network = db.session.get(Network, member.network_id)
    steps = db.session.scalars(select(MemberStep).where(MemberStep.member_id == member.id)
                               .order_by(MemberStep.id)).all()
    reference = member_reference(member.id)
    lines = db.session.scalars(select(ProcessingLogLine)
                               .where(ProcessingLogLine.subject_ref == reference)
                               .order_by(ProcessingLogLine.id)).all()
    erasures = db.session.scalars(select(Erasure).where(Erasure.member_id == member.id)).all()
    vocabularies = catalogue().vocabularies
    ends = retention_end_of(member, network)
    return {
        "exported_at": _iso(moment),
        "person": {
            "id": member.id, "network": {"id": network.id, "name": network.name},
            "municipality": network.municipality.name,
            "name": member.name or None, "email": member.email, "phone": member.phone,
            "organisation": member.organisation.name if member.organisation else None,
            "sector": member.sector, "district": member.district, "age_band": member.age_band,
            "gender": member.gender, "formal": member.formal, "member_type": member.member_type,
            "known_to_municipality": member.known_to_municipality, "note": member.note,
            "status": member.status, "created_at": _iso(member.created_at),
            "ended_at": _iso(member.ended_at), "erased_at": _iso(member.erased_at),
            "retention_ends": _iso(ends),
        },
        "steps": [{"step": s.step, "from": s.from_state, "to": s.to_state,
                   "happened_on": s.happened_on.isoformat(), "recorded_at": _iso(s.recorded_at),
                   "reason": s.reason, "intake_outcome": s.intake_outcome,
                   "house_rules_explained": s.house_rules} for s in steps],
        "erasures": [{"erased_at": _iso(e.erased_at), "cause": e.cause, "reason": e.reason}
                     for e in erasures],
        "processing_activities": [
            {"id": a.id, "title": a.title.en, "purpose": a.purpose.en,
             "legal_basis": a.legal_basis.en, "retention_months": a.retention_months}
            for a in vocabularies.processing_activities if a.id in activities_of(member)],
        "processing_log": [{"trace_id": line.trace_id, "span_id": line.span_id,
                            "name": line.name, "operation": line.operation,
                            "activity": line.activity, "subject": line.subject_ref,
                            "started_at": _iso(line.started_at), "ended_at": _iso(line.ended_at),
                            "status": line.status} for line in lines],
    }


def _iso(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment is not None else None
