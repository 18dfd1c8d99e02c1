"""SQLAlchemy models: persistence only. Rules live in `lifecycle.domain`, use cases in services.

Every foreign key and every column a list filters on has an index. The audit table is
append-only: the migration installs database triggers that refuse UPDATE and DELETE on it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import (
    JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
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
    # Optimistic lock: every UPDATE checks and bumps it, so a lost update raises instead.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    lead: Mapped[User] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_network_municipality_stage", "municipality_id", "stage"),)


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
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("chain_id", "seq", name="uq_audit_record_chain_seq"),
        Index("ix_audit_record_network_seq", "network_id", "seq"),
    )
