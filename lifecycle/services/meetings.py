"""A network's meetings: who came, which themes, what was agreed; and each person's last contact.

Only the network's lead logs meetings. Attendees are people of the register, so reading a
meeting is reading personal data: it is for those who may read the network's people, and every
read or change writes a processing-log line per attendee (activity "contact"). Notes record
what was discussed and agreed, never who said what; the audit trail records meetings by
reference (counts and themes), never the notes or names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..domain.audit import AuditDraft
from ..domain.calendar import local_date
from ..domain.errors import NotFound, StaleVersion, ValidationFailed
from ..domain.maintenance import MAX_AGREEMENT, MAX_NOTES
from ..extensions import db
from ..models import Agreement, Meeting, MeetingAttendance, Member, Network, User
from .audit import append_audit
from .common import ensure_lead, now_or, people_readable_network, writable_network
from .privacy import log_processing
from .workflows import catalogue

MAX_ATTENDEES = 200
MAX_AGREEMENTS = 30


def _clean_meeting(network: Network, data: dict[str, Any], *, partial: bool,
                   moment: datetime) -> dict[str, Any]:
    """Check a meeting's fields; every bad field is named with a code."""
    allowed = {"held_on", "form", "attendee_ids", "topics", "notes", "agreements"}
    errors = {name: "unknown_field" for name in sorted(set(data) - allowed)}
    clean: dict[str, Any] = {}
    today = local_date(moment)
    if "held_on" in data:
        held_on = data["held_on"]
        if not isinstance(held_on, date):
            errors["held_on"] = "not_a_date" if held_on is not None else "required"
        elif held_on > today:
            errors["held_on"] = "in_future"
        else:
            clean["held_on"] = held_on
    vocabularies = catalogue().vocabularies
    if "form" in data:
        if data["form"] not in {f.id for f in vocabularies.meeting_forms}:
            errors["form"] = "invalid_choice"
        else:
            clean["form"] = data["form"]
    if "topics" in data:
        themes = {t.id for t in catalogue().signal_rules.themes}
        topics = data["topics"]
        if not isinstance(topics, list) or len(set(map(str, topics))) != len(topics) or \
                any(t not in themes for t in topics):
            errors["topics"] = "invalid_choice"
        else:
            clean["topics"] = topics
    if "notes" in data:
        notes = data["notes"]
        if notes is not None and not isinstance(notes, str):
            errors["notes"] = "not_text"
        elif len((notes or "").strip()) > MAX_NOTES or "\x00" in (notes or ""):
            errors["notes"] = "too_long"
        else:
            clean["notes"] = (notes or "").strip()
    member_ids = set(db.session.scalars(select(Member.id).where(
        Member.network_id == network.id, Member.erased_at.is_(None))))
    if "attendee_ids" in data:
        ids = data["attendee_ids"]
        if not isinstance(ids, list) or len(ids) > MAX_ATTENDEES or \
                any(not isinstance(i, int) or isinstance(i, bool) or i not in member_ids
                    for i in ids):
            errors["attendee_ids"] = "invalid"
        else:
            clean["attendee_ids"] = sorted(set(ids))
    if "agreements" in data:
        agreements = data["agreements"]
        if not isinstance(agreements, list) or len(agreements) > MAX_AGREEMENTS:
            errors["agreements"] = "invalid"
        else:
            clean["agreements"] = []
            for index, agreement in enumerate(agreements):
                found = _clean_agreement(agreement, member_ids, network, today)
                if isinstance(found, str):
                    errors[f"agreements.{index}"] = found
                else:
                    clean["agreements"].append(found)
    if not partial:
        for name in ("held_on", "form"):
            if name not in data and name not in errors:
                errors[name] = "required"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    return clean


def _clean_agreement(data: Any, member_ids: set[int], network: Network,
                     today: date) -> dict[str, Any] | str:
    """One agreement: its text, its owner (a member, or the network's lead), its due date."""
    if not isinstance(data, dict) or set(data) - {"text", "owner_member_id", "due_on"}:
        return "invalid"
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return "required"
    if len(text.strip()) > MAX_AGREEMENT or "\x00" in text:
        return "too_long"
    owner = data.get("owner_member_id")
    if owner is not None and (not isinstance(owner, int) or owner not in member_ids):
        return "invalid"
    due_on = data.get("due_on")
    if not isinstance(due_on, date):
        return "not_a_date"
    return {"text": text.strip(), "owner_member_id": owner,
            "owner_user_id": None if owner is not None else network.lead_id, "due_on": due_on}


def _people_of(meeting: Meeting) -> list[int]:
    """The people a meeting names: its attendees and the owners of its agreements."""
    people = [m.id for m in meeting.attendees if m.erased_at is None]
    people += [a.owner_member.id for a in meeting.agreements
               if a.owner_member is not None and a.owner_member.erased_at is None]
    return list(dict.fromkeys(people))


def _log_attendees(user: User, network: Network, meeting: Meeting, operation: str,
                   moment: datetime) -> None:
    log_processing(municipality_id=network.municipality_id, actor_id=user.id,
                   activity="contact", operation=operation, name=f"meeting.{operation}",
                   member_ids=_people_of(meeting), started_at=moment, ended_at=now_or(None))


def _log_owner(user: User, network: Network, agreement: Agreement, operation: str,
               moment: datetime) -> None:
    """An agreement names the member who owns it (its answer shows their name)."""
    owner = agreement.owner_member
    if owner is not None and owner.erased_at is None:
        log_processing(municipality_id=network.municipality_id, actor_id=user.id,
                       activity="contact", operation=operation, name=f"agreement.{operation}",
                       member_ids=[owner.id], started_at=moment, ended_at=now_or(None))


def _meeting_in(network: Network, meeting_id: Any) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id) if isinstance(meeting_id, int) and \
        not isinstance(meeting_id, bool) else None
    if meeting is None or meeting.network_id != network.id:
        raise NotFound("No such meeting in this network.")
    return meeting


def _audit(user: User, network: Network, meeting: Meeting, action: str, origin, moment) -> None:
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="meeting",
        object_id=str(meeting.id), network_id=network.id, action=action, origin=origin,
        after={"held_on": meeting.held_on.isoformat(), "form": meeting.form,
               "topics": list(meeting.topics or []), "attendees": len(meeting.attendees),
               "agreements": len(meeting.agreements)}), moment)


def create_meeting(user: User, network_id: int, data: dict[str, Any], *,
                   origin: str | None = None, now: datetime | None = None) -> Meeting:
    """The lead logs a meeting that took place, with its attendees and agreements."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "meeting", None, "meeting.created", origin, now)
    moment = now_or(now)
    fields = _clean_meeting(network, data, partial=False, moment=moment)
    meeting = Meeting(network_id=network.id, municipality_id=network.municipality_id,
                      held_on=fields["held_on"], form=fields["form"],
                      topics=fields.get("topics", []), notes=fields.get("notes", ""),
                      created_by_id=user.id, created_at=moment, updated_at=moment)
    db.session.add(meeting)
    db.session.flush()
    _set_attendees(meeting, fields.get("attendee_ids", []))
    for agreement in fields.get("agreements", []):
        db.session.add(Agreement(meeting_id=meeting.id, network_id=network.id, **agreement))
    db.session.flush()
    db.session.refresh(meeting)
    _log_attendees(user, network, meeting, "create", moment)
    _audit(user, network, meeting, "meeting.created", origin, moment)
    return meeting


def _set_attendees(meeting: Meeting, member_ids: list[int]) -> None:
    db.session.execute(MeetingAttendance.__table__.delete().where(
        MeetingAttendance.meeting_id == meeting.id))
    db.session.add_all(MeetingAttendance(meeting_id=meeting.id, member_id=member_id)
                       for member_id in member_ids)
    db.session.flush()


def update_meeting(user: User, network_id: int, meeting_id: int, data: dict[str, Any], *,
                   expected_version: int | None = None, origin: str | None = None,
                   now: datetime | None = None) -> Meeting:
    """The lead corrects a meeting (its agreements are kept; add more with `add_agreement`)."""
    network = writable_network(user, network_id)
    meeting = _meeting_in(network, meeting_id)
    ensure_lead(user, network, "meeting", meeting.id, "meeting.updated", origin, now)
    if expected_version is not None and expected_version != meeting.version:
        raise StaleVersion("Someone else changed this meeting meanwhile.",
                           current_version=meeting.version)
    moment = now_or(now)
    fields = _clean_meeting(network, data, partial=True, moment=moment)
    if "agreements" in fields:
        raise ValidationFailed("Agreements are added one by one.",
                               errors={"agreements": "unknown_field"})
    for name in ("held_on", "form", "topics", "notes"):
        if name in fields:
            setattr(meeting, name, fields[name])
    if "attendee_ids" in fields:
        _set_attendees(meeting, fields["attendee_ids"])
    meeting.updated_at = moment
    db.session.flush()
    db.session.refresh(meeting)
    _log_attendees(user, network, meeting, "update", moment)
    _audit(user, network, meeting, "meeting.updated", origin, moment)
    return meeting


def add_agreement(user: User, network_id: int, meeting_id: int, data: dict[str, Any], *,
                  origin: str | None = None, now: datetime | None = None) -> Agreement:
    network = writable_network(user, network_id)
    meeting = _meeting_in(network, meeting_id)
    ensure_lead(user, network, "meeting", meeting.id, "meeting.updated", origin, now)
    moment = now_or(now)
    member_ids = {m.id for m in db.session.scalars(select(Member).where(
        Member.network_id == network.id, Member.erased_at.is_(None)))}
    found = _clean_agreement(data, member_ids, network, local_date(moment))
    if isinstance(found, str):
        raise ValidationFailed("The agreement is not right.", errors={"agreement": found})
    agreement = Agreement(meeting_id=meeting.id, network_id=network.id, **found)
    db.session.add(agreement)
    db.session.flush()
    db.session.refresh(agreement)
    _log_owner(user, network, agreement, "create", moment)
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="agreement",
        object_id=str(agreement.id), network_id=network.id, action="agreement.created",
        origin=origin, after={"meeting_id": meeting.id, "due_on": found["due_on"].isoformat()}),
        moment)
    return agreement


def complete_agreement(user: User, network_id: int, agreement_id: int, done_on: date | None = None,
                       *, origin: str | None = None, now: datetime | None = None) -> Agreement:
    """The lead records that an agreement was carried out."""
    network = writable_network(user, network_id)
    agreement = db.session.get(Agreement, agreement_id) if isinstance(agreement_id, int) else None
    if agreement is None or agreement.network_id != network.id:
        raise NotFound("No such agreement in this network.")
    ensure_lead(user, network, "agreement", agreement.id, "agreement.done", origin, now)
    moment = now_or(now)
    done_on = done_on or local_date(moment)
    if done_on > local_date(moment):
        raise ValidationFailed("That day is in the future.", errors={"done_on": "in_future"})
    agreement.done_on = done_on
    db.session.flush()
    _log_owner(user, network, agreement, "update", moment)
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="agreement",
        object_id=str(agreement.id), network_id=network.id, action="agreement.done",
        origin=origin, after={"done_on": done_on.isoformat()}), moment)
    return agreement


@dataclass(frozen=True)
class MeetingPage:
    network: Network
    items: list[Meeting]
    next_after: int | None


def list_meetings(user: User, network_id: int, *, after: int | None = None, limit: int = 50,
                  now: datetime | None = None) -> MeetingPage:
    """The network's meetings, newest first by id (keyset pages); attendee reads are logged."""
    network = people_readable_network(user, network_id)
    moment = now_or(now)
    limit = max(1, min(limit, 200))
    query = select(Meeting).where(Meeting.network_id == network.id)
    if after is not None:
        query = query.where(Meeting.id < after)
    rows = list(db.session.scalars(query.order_by(Meeting.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    attendees = sorted({person for meeting in page for person in _people_of(meeting)})
    log_processing(municipality_id=network.municipality_id, actor_id=user.id,
                   activity="contact", operation="read", name="meeting.list",
                   member_ids=attendees,
                   started_at=moment, ended_at=now_or(None))
    return MeetingPage(network, page, page[-1].id if len(rows) > limit and page else None)


def get_meeting(user: User, network_id: int, meeting_id: int, *,
                now: datetime | None = None) -> Meeting:
    network = people_readable_network(user, network_id)
    meeting = _meeting_in(network, meeting_id)
    _log_attendees(user, network, meeting, "read", now_or(now))
    return meeting


def last_contacts(network_id: int) -> dict[int, date]:
    """Each person's last contact: the last meeting they attended (one-to-one included)."""
    return dict(db.session.execute(
        select(MeetingAttendance.member_id, func.max(Meeting.held_on))
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(Meeting.network_id == network_id).group_by(MeetingAttendance.member_id)).all())
