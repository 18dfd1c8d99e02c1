"""SQLAlchemy models: persistence only. Rules live in `lifecycle.domain`, use cases in services.

Every foreign key and every column a list filters on has an index. The audit table is
append-only: the migration installs database triggers that refuse UPDATE and DELETE on it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask_login import UserMixin
from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Now in UTC, naive: the database stores UTC without a zone on both backends."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Municipality(db.Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    workflow_name: Mapped[str] = mapped_column(String(80), default="network-lifecycle")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Every session stores the generation it was made in; bumping it ends all of them at once,
    # on every worker and host (see `lifecycle.sessions`).
    session_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Two-factor login: the TOTP secret (base32), when it was confirmed, and the last time step
    # accepted, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def has_second_factor(self) -> bool:
        return self.mfa_enabled_at is not None and self.totp_secret is not None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored (tokens are long random strings)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(db.Model):
    """A one-time recovery code for two-factor login; only its Argon2id hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class WebSession(db.Model):
    """A server-side session (Flask-Session, database store): the cookie holds only its id."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expiry: Mapped[datetime] = mapped_column(DateTime, index=True)


class Network(db.Model):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(20), default="structural")
    form_justification: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(20), default="group")
    roles: Mapped[list] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    paused_from: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    workflow_name: Mapped[str] = mapped_column(String(80))
    workflow_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # When the network was closed: the retention of its people's data starts here.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Structured data entered with the evidence of maintenance items (see domain.maintenance):
    # the mandate decision, the meeting cadence and the next periodic review.
    mandate_body: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mandate_decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    mandate_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    mandate_valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    meeting_cadence_weeks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    meeting_cadence_set_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Optimistic lock: every UPDATE checks and bumps it, so a lost update raises instead.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    lead: Mapped[User] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_network_municipality_stage", "municipality_id", "stage"),
        # The network list's keyset pages of one stage (see migration 0007).
        Index("ix_network_municipality_stage_id", "municipality_id", "stage", "id"),
    )


class ItemState(db.Model):
    """The current status of one checklist item on one network."""

    __tablename__ = "item_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id"), nullable=True, index=True
    )
    signoff_id: Mapped[int | None] = mapped_column(
        ForeignKey("signoff.id"), nullable=True, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    evidence: Mapped["Evidence | None"] = relationship(foreign_keys=[evidence_id])
    signoff: Mapped["SignOff | None"] = relationship(foreign_keys=[signoff_id])

    __table_args__ = (UniqueConstraint("network_id", "item_id", name="uq_item_state_network_item"),)


class Evidence(db.Model):
    """One submission of evidence for an item; earlier ones stay as history."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(120))
    justification: Mapped[str] = mapped_column(Text)
    links: Mapped[list] = mapped_column(JSON, default=list)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # For an item that records structured data (a mandate decision, a cadence, a review date).
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    submitted_by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_evidence_network_item", "network_id", "item_id"),)


class SignOff(db.Model):
    """A reviewer's decision on one piece of evidence; revoked or stale ones stay as history."""

    __tablename__ = "signoff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(120))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # approved | rejected
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), nullable=True, index=True
    )
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    stale_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # For an item that watches the composition: the figures the reviewer judged.
    frozen: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    __table_args__ = (Index("ix_signoff_network_item", "network_id", "item_id"),)


class StageChange(db.Model):
    """The network's timeline: one row per stage change (the audit trail has them too)."""

    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(80))
    from_stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined")


class AuditChain(db.Model):
    """The head of one hash chain: one per municipality, plus one system chain (NULL)."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id"), unique=True, nullable=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditRecord(db.Model):
    """One append-only audit record; see `lifecycle.domain.audit` for what its hash covers.

    Actor, municipality and network are plain references, not foreign keys: personal data may be
    erased after its retention period, and the trail must stay complete and verifiable.
    """

    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("audit_chain.id"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    municipality_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    network_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    result: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str | None] = mapped_column(String(64), nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The W3C trace id of the request, shared with the processing log's lines.
    trace_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("chain_id", "seq", name="uq_audit_record_chain_seq"),
        Index("ix_audit_record_network_seq", "network_id", "seq"),
        # The audit log's filtered keyset pages (see migration 0007).
        Index("ix_audit_record_chain_action_seq", "chain_id", "action", "seq"),
        Index("ix_audit_record_chain_actor_seq", "chain_id", "actor_id", "seq"),
        Index("ix_audit_record_chain_result_seq", "chain_id", "result", "seq"),
        Index("ix_audit_record_chain_occurred_at", "chain_id", "occurred_at"),
    )


class AuditRefusalWindow(db.Model):
    """Identical refusals from one origin within a minute: the first is an audit record, the
    repeats are counted here and written as one record when the minute is over."""

    __tablename__ = "audit_refusal_window"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A hash of what makes refusals identical: origin, actor, chain, action, route, status.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    municipality_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    route: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str | None] = mapped_column(String(64), nullable=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)


class Organisation(db.Model):
    """An organisation in a network's register: its kind, reach, power and its board's answer.

    Communities are recorded for the organisation (the communities it reaches), never for a
    person. Nothing here is personal data.
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    communities: Mapped[list] = mapped_column(JSON, default=list)
    influence: Mapped[str] = mapped_column(String(8))  # high | low
    involvement: Mapped[str] = mapped_column(String(8))  # high | low
    board_approached_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    board_approached_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), nullable=True, index=True)
    board_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    board_approached_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Member(db.Model):
    """A person in a network's register, wherever they are in the pipeline (candidate to left).

    Minimal personal data: name, contact, organisation, role in the network, and the
    characteristics composition is measured over. No field records religion, ethnic origin,
    political view or any other special category (AVG art. 9); `note` is short and says so.
    Erasure empties every personal field and keeps the row, so references stay valid.
    """

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sector: Mapped[str | None] = mapped_column(String(40), nullable=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(20), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(20), nullable=True)
    formal: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    member_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    known_to_municipality: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    status_since: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When the person left or declined: the retention period of their data starts here.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_member_network_status", "network_id", "status"),)


class MemberStep(db.Model):
    """One step of a person through the pipeline: when, by whom, and the intake's outcome."""

    __tablename__ = "member_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    step: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    happened_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    intake_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    house_rules: Mapped[list | None] = mapped_column(JSON, nullable=True)

    actor: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_member_step_network_step_recorded", "network_id", "step",
                            "recorded_at"),)


class NetworkProfile(db.Model):
    """The member profile a network aims for: a starting profile, as its lead adjusted it."""

    __tablename__ = "network_profile"

    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(40))
    targets: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ProcessingLogLine(db.Model):
    """One processing of one data subject's personal data (the Logboek Dataverwerkingen idea).

    It holds no user: who did it is in the audit trail (or the request log), under the same
    trace id. The data subject is a pseudonymous reference, so the log alone says nobody's name.
    """

    __tablename__ = "processing_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(32), index=True)
    span_id: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    operation: Mapped[str] = mapped_column(String(10))  # read | create | update | erase | export
    activity: Mapped[str] = mapped_column(String(40))
    subject_ref: Mapped[str] = mapped_column(String(32), index=True)
    municipality_id: Mapped[int] = mapped_column(Integer, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="ok")


class Erasure(db.Model):
    """What is left of a person whose data was erased: that it happened, when and why."""

    __tablename__ = "erasure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    network_id: Mapped[int] = mapped_column(Integer, index=True)
    municipality_id: Mapped[int] = mapped_column(Integer, index=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime)
    cause: Mapped[str] = mapped_column(String(20))  # retention | request
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why, for a request


class Meeting(db.Model):
    """A meeting of a network: when, in what form, who came, what themes, what was agreed.

    The notes record what was discussed and agreed, not who said what (the article's safe
    setting).
    """

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    form: Mapped[str] = mapped_column(String(20))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    attendees: Mapped[list["Member"]] = relationship(secondary="meeting_attendance",
                                                    lazy="selectin", order_by="Member.id")
    agreements: Mapped[list["Agreement"]] = relationship(
        back_populates="meeting", lazy="selectin", order_by="Agreement.id",
        cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_meeting_network_held_on", "network_id", "held_on"),)


class MeetingAttendance(db.Model):
    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)


class Agreement(db.Model):
    """Something agreed at a meeting, with its owner (a member or the lead) and due date."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), nullable=True, index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                      nullable=True, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="agreements")
    owner_member: Mapped["Member | None"] = relationship(lazy="joined")
    owner_user: Mapped[User | None] = relationship(lazy="joined")


class Signal(db.Model):
    """A signal a network picked up: a theme, a place and what was seen; never a named person.

    The deadline is fixed when the signal comes in, from the deadline rules of that moment.
    """

    __tablename__ = "signal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date, index=True)
    theme: Mapped[str] = mapped_column(String(40), index=True)
    deeper_theme: Mapped[str | None] = mapped_column(String(40), nullable=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    description: Mapped[str] = mapped_column(String(1000))
    source_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), nullable=True, index=True)
    urgency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_since: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_on: Mapped[date] = mapped_column(Date)
    deadline_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    overdue_on: Mapped[date] = mapped_column(Date)  # three times the deadline
    overdue_at: Mapped[datetime] = mapped_column(DateTime)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    partner_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    partner_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    source_member: Mapped["Member | None"] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_signal_municipality_reported", "municipality_id", "reported_on"),)


class SignalStep(db.Model):
    """One step in handling a signal: who, when, and for a forward the partner."""

    __tablename__ = "signal_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signal.id", ondelete="CASCADE"),
                                           index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    step: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    happened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    partner_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    partner_name: Mapped[str | None] = mapped_column(String(200), nullable=True)

    actor: Mapped[User] = relationship(lazy="joined")


class PolicyInput(db.Model):
    """A signal or an agreement handed to policy: to whom, by when, and the answer it got."""

    __tablename__ = "policy_input"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signal.id", ondelete="SET NULL"),
                                                  nullable=True, index=True)
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement.id", ondelete="SET NULL"), nullable=True, index=True)
    summary: Mapped[str] = mapped_column(String(1000))
    recipient: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    created_on: Mapped[date] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                       nullable=True, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Briefing(db.Model):
    """Information the municipality shared with the network's members (an update, a briefing)."""

    __tablename__ = "briefing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                            index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    shared_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # update | briefing
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(2000))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    created_by: Mapped[User] = relationship(lazy="joined")


class Notification(db.Model):
    """A message that something fell due, sent once: its key is unique across every tick."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"),
                                                   nullable=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    delivery: Mapped[str | None] = mapped_column(String(10), nullable=True)  # smtp | log
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
