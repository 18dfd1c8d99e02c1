"""Accounts: municipalities, users and roles, logging in, and personal API tokens.

User administration (editing, deactivating) is in `users`, the second factor in
`second_factor`, the throttling of failed attempts in `throttling`.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from dataclasses import dataclass

from ..domain.accounts import STEP_NONE, second_login_step
from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.errors import NotAllowed, NotFound, ValidationFailed
from ..domain.permissions import ADMIN, ROLES
from ..extensions import db
from ..models import ApiToken, Municipality, User, UserRole
from . import throttling
from .audit import append_audit
from .common import now_or

password_hasher = PasswordHasher()  # Argon2id with the library's current recommended costs
# Verifying against this keeps a login for an unknown e-mail as slow as one for a known one.
_DUMMY_HASH = password_hasher.hash("not a real password")

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "vsp_"


def _slugify(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    return "-".join(part for part in slug.split("-") if part) or "gemeente"


def get_or_create_municipality(name: str) -> Municipality:
    """Find a municipality by name (case-insensitive), or create it with its audit chain."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Give the municipality's name.", errors={"municipality": "required"})
    municipality = db.session.scalars(
        select(Municipality).where(func.lower(Municipality.name) == name.lower())
    ).one_or_none()
    if municipality is None:
        municipality = Municipality(name=name, slug=_slugify(name))
        db.session.add(municipality)
        db.session.flush()
    return municipality


def normalise_email(email: str) -> str:
    try:
        return validate_email(email or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed("This is not a valid e-mail address.",
                               errors={"email": "invalid"}) from exc


def _check_roles(roles: list[str]) -> list[str]:
    roles = sorted(set(roles or []))
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise ValidationFailed(f"Roles must be one or more of: {', '.join(ROLES)}.",
                               errors={"role": "invalid"}, unknown=unknown)
    return roles


def create_user(*, email: str, name: str, municipality_name: str, roles: list[str],
                password: str, created_by: User | None = None, origin: str | None = None,
                now: datetime | None = None) -> User:
    """Create a user in a municipality (created if new), with roles and an Argon2id password."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Give the user's name.", errors={"name": "required"})
    roles = _check_roles(roles)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
                               errors={"password": "too_short"})
    if created_by is not None and ADMIN not in created_by.roles:
        raise NotAllowed("Only an administrator creates users.")
    if db.session.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise ValidationFailed("A user with this e-mail address exists already.",
                               errors={"email": "taken"})
    municipality = get_or_create_municipality(municipality_name)
    if created_by is not None and created_by.municipality_id != municipality.id:
        raise NotAllowed("Administrators create users in their own municipality only.")
    user = User(email=email, name=name, municipality_id=municipality.id,
                password_hash=password_hasher.hash(password), created_at=now_or(now),
                role_rows=[UserRole(role=r) for r in roles])
    db.session.add(user)
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=municipality.id, actor_id=created_by.id if created_by else None,
        object_type="user", object_id=str(user.id), action="user.created", origin=origin,
        after={"roles": roles, "municipality_id": municipality.id},
    ), now_or(now))
    return user


def replace_roles(user: User, roles: list[str], actor_id: int | None, origin: str | None,
                   now: datetime | None) -> User:
    roles = _check_roles(roles)
    before = sorted(user.roles)
    user.role_rows = [UserRole(role=r) for r in roles]
    if roles != before:
        end_sessions(user)  # what a session may do was decided at login
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=user.municipality_id, actor_id=actor_id, object_type="user",
        object_id=str(user.id), action="user.roles_changed", origin=origin,
        before={"roles": before}, after={"roles": roles},
    ), now_or(now))
    return user


def end_sessions(user: User) -> None:
    """End every session of `user`, on every worker and host (see `lifecycle.sessions`)."""
    user.session_generation = (user.session_generation or 1) + 1


def list_users(municipality_name: str | None = None) -> list[User]:
    """Every user (for the operator), optionally of one municipality, by municipality and e-mail."""
    query = select(User).join(Municipality).order_by(Municipality.name, User.email)
    if municipality_name is not None:
        municipality = db.session.scalars(select(Municipality).where(
            func.lower(Municipality.name) == municipality_name.strip().lower())).one_or_none()
        if municipality is None:
            raise NotFound("No such municipality.")
        query = query.where(User.municipality_id == municipality.id)
    return list(db.session.scalars(query))


def password_matches(user: User, password: str | None) -> bool:
    try:
        return password_hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _user_with_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(User.email == (email or "").strip().lower())
    ).one_or_none()


def authenticate(email: str, password: str, *, origin: str | None = None,
                 now: datetime | None = None, complete: bool = True) -> User | None:
    """Check a login; record the outcome either way. Return the user, or None if refused.

    `complete=False`: a correct password is only the first step (a second factor follows),
    so only a refusal is recorded here.
    """
    user = _user_with_email(email)
    ok = False
    try:
        ok = password_hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.is_active
    if ok and password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
    if ok and not complete:
        db.session.flush()
        return user
    append_audit(AuditDraft(
        municipality_id=user.municipality_id if user else None,
        actor_id=user.id if user else None, object_type="session",
        object_id=str(user.id) if user else None, action="auth.login",
        result="ok" if ok else RESULT_REFUSED, origin=origin,
        # Unknown addresses are not stored: a mistyped password in the e-mail field is personal.
        after=None if ok else {"reason": "bad_credentials" if user else "unknown_account"},
    ), now_or(now))
    return user if ok else None


@dataclass(frozen=True)
class LoginStep:
    """The outcome of the password step: the user (None if refused) and what comes next."""

    user: User | None
    next_step: str = STEP_NONE


def log_in(email: str, password: str, *, mfa_required: bool, origin: str | None = None,
           now: datetime | None = None) -> LoginStep:
    """The password step of a login through the pages, throttled per account and address.

    Raises `TooManyAttempts` while either counter is full, before the password is checked.
    When no second factor follows, the login is complete (and audited as such).
    """
    known = _user_with_email(email)
    subject = throttling.Subject(
        throttling.LOGIN, account=(email or "").strip().lower() or None, address=origin,
        municipality_id=known.municipality_id if known else None,
        actor_id=known.id if known else None)
    throttling.ensure_allowed(subject, origin=origin)
    has_factor = known is not None and known.has_second_factor
    step = second_login_step(has_second_factor=has_factor, mfa_required=mfa_required)
    user = authenticate(email, password, origin=origin, now=now, complete=step == STEP_NONE)
    if user is None:
        throttling.record_failure(subject)
        return LoginStep(None)
    return LoginStep(user, step)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, *, label: str | None = None, origin: str | None = None,
                 now: datetime | None = None) -> str:
    """Make a new personal API token; the plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10],
                   label=(label or "").strip()[:100] or None, created_at=now_or(now))
    db.session.add(row)
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=user.municipality_id, actor_id=user.id, object_type="api_token",
        object_id=str(row.id), action="token.created", origin=origin,
        after={"prefix": row.prefix},
    ), now_or(now))
    return token


def revoke_token(user: User, token_id: int, *, origin: str | None = None,
                 now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens (an administrator may revoke any in scope)."""
    row = db.session.get(ApiToken, token_id)
    allowed = row is not None and (
        row.user_id == user.id
        or (ADMIN in user.roles and row.user.municipality_id == user.municipality_id)
    )
    if not allowed:
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = now_or(now)
        append_audit(AuditDraft(
            municipality_id=row.user.municipality_id, actor_id=user.id,
            object_type="api_token", object_id=str(row.id), action="token.revoked",
            origin=origin,
        ), now_or(now))
    db.session.flush()
    return row


def user_for_token(token: str) -> User | None:
    """Resolve a bearer token to an active user; revoked or unknown tokens give None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    return row.user


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ))


def find_user_by_email(email: str) -> User:
    user = db.session.scalars(
        select(User).where(User.email == (email or "").strip().lower())
    ).one_or_none()
    if user is None:
        raise NotFound("No user with this e-mail address.")
    return user
