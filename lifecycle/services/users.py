"""User administration: what a municipality's administrator (and the operator) does to accounts.

List, create, edit, set roles, deactivate and reactivate users, see and revoke every API token
of the municipality, and a user's own password change. Administrators act within their own
municipality only (anything else is not found), never take away their own administrator
rights, and never leave their municipality without an active administrator. `by=None` means
the operator at the command line. Every change is audited with references, not names, and
every change that alters what a user may do ends that user's sessions.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select

from ..domain.accounts import ensure_admin_rights_kept, ensure_can_administer, keeps_admin
from ..domain.audit import AuditDraft
from ..domain.errors import NotFound, ValidationFailed
from ..domain.permissions import ADMIN, ensure_role
from ..extensions import db
from ..models import ApiToken, User, UserRole
from . import accounts
from .audit import append_audit
from .common import actor_of, now_or

INITIAL_PASSWORD_BYTES = 15  # 20 URL-safe characters, 120 bits


def _audit(user: User, by: User | None, action: str, origin: str | None, now: datetime,
           before: dict | None = None, after: dict | None = None) -> None:
    append_audit(AuditDraft(
        municipality_id=user.municipality_id, actor_id=by.id if by else None,
        object_type="user", object_id=str(user.id), action=action, origin=origin,
        before=before, after=after), now)


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).join(UserRole)
        .where(User.municipality_id == user.municipality_id, User.id != user.id,
               User.active.is_(True), UserRole.role == ADMIN))


def _administered(by: User | None, user_id: int) -> User:
    """Load a user the actor may administer: scope first (else 404), then the admin role."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound("No such user.")
    if by is not None:
        _note_if_elsewhere(by, "user", user.id, user.municipality_id)
        ensure_can_administer(actor_of(by), user.municipality_id)
    return user


def _note_if_elsewhere(by: User, object_type: str, object_id: int,
                       municipality_id: int | None) -> None:
    """An object of another municipality: its 404 goes to the audit trail as a refusal."""
    if municipality_id != by.municipality_id:
        from .security_events import note_out_of_scope

        note_out_of_scope(object_type, object_id)


def _keep_admin_rights(by: User | None, user: User, *, roles: list[str], active: bool) -> None:
    ensure_admin_rights_kept(
        actor_of(by) if by else None, user.id,
        is_admin=keeps_admin(user.roles, user.active), stays_admin=keeps_admin(roles, active),
        other_active_admins=_other_active_admins(user))


def list_municipality_users(admin: User) -> list[User]:
    """The users of the administrator's municipality, by name."""
    ensure_role(actor_of(admin), ADMIN)
    return list(db.session.scalars(
        select(User).where(User.municipality_id == admin.municipality_id)
        .order_by(func.lower(User.name), User.id)))


def get_user(admin: User, user_id: int) -> User:
    """One user of the administrator's municipality."""
    return _administered(admin, user_id)


def create_municipality_user(admin: User, *, email: str, name: str, roles: list[str],
                             origin: str | None = None,
                             now: datetime | None = None) -> tuple[User, str]:
    """Create a user in the administrator's municipality with a random initial password.

    Returns the user and the password, which is shown to the administrator once and stored
    only as its hash; the user sets up two-factor login at their first login.
    """
    ensure_role(actor_of(admin), ADMIN)
    password = secrets.token_urlsafe(INITIAL_PASSWORD_BYTES)
    user = accounts.create_user(email=email, name=name, roles=roles, password=password,
                                municipality_name=admin.municipality.name, created_by=admin,
                                origin=origin, now=now)
    return user, password


def update_user(admin: User, user_id: int, *, name: str, email: str, roles: list[str],
                origin: str | None = None, now: datetime | None = None) -> User:
    """Change a user's name, e-mail address and roles."""
    now = now_or(now)
    user = _administered(admin, user_id)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Give the user's name.", errors={"name": "required"})
    email = accounts.normalise_email(email)
    taken = db.session.scalar(select(User.id).where(User.email == email, User.id != user.id))
    if taken is not None:
        raise ValidationFailed("A user with this e-mail address exists already.",
                               errors={"email": "taken"})
    changed = sorted(field for field, value in (("name", name), ("email", email))
                     if getattr(user, field) != value)
    if changed:
        user.name, user.email = name, email
        db.session.flush()
        # The values are personal data; the trail records which fields changed.
        _audit(user, admin, "user.updated", origin, now, after={"fields": changed})
    return _set_roles(admin, user, roles, origin, now)


def _set_roles(by: User | None, user: User, roles: list[str], origin: str | None,
               now: datetime) -> User:
    _keep_admin_rights(by, user, roles=roles or [], active=user.active)
    return accounts.replace_roles(user, roles, by.id if by else None, origin, now)


def set_user_roles(admin: User, user_id: int, roles: list[str], *, origin: str | None = None,
                   now: datetime | None = None) -> User:
    """An administrator replaces the roles of a user of their municipality."""
    return _set_roles(admin, _administered(admin, user_id), roles, origin, now_or(now))


def set_user_roles_as_operator(user_id: int, roles: list[str], *, origin: str | None = None,
                               now: datetime | None = None) -> User:
    """The operator (command line, no acting user) replaces a user's roles; audited, actor None."""
    return _set_roles(None, _administered(None, user_id), roles, origin, now_or(now))


def set_active(user_id: int, active: bool, *, by: User | None, origin: str | None = None,
               now: datetime | None = None) -> User:
    """Deactivate (its sessions end, it cannot log in, its tokens stop working) or reactivate."""
    now = now_or(now)
    user = _administered(by, user_id)
    if not active:
        _keep_admin_rights(by, user, roles=sorted(user.roles), active=False)
    before = bool(user.active)
    user.active = active
    if not active:
        accounts.end_sessions(user)
    db.session.flush()
    _audit(user, by, "user.activated" if active else "user.deactivated", origin, now,
           before={"active": before}, after={"active": active})
    return user


def list_municipality_tokens(admin: User) -> list[ApiToken]:
    """Every API token of the administrator's municipality, newest first."""
    ensure_role(actor_of(admin), ADMIN)
    return list(db.session.scalars(
        select(ApiToken).join(User, ApiToken.user_id == User.id)
        .where(User.municipality_id == admin.municipality_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_municipality_token(admin: User, token_id: int, *, origin: str | None = None,
                              now: datetime | None = None) -> ApiToken:
    """An administrator revokes any token of their municipality."""
    row = db.session.get(ApiToken, token_id) if isinstance(token_id, int) else None
    if row is None:
        raise NotFound("No such token.")
    _note_if_elsewhere(admin, "api_token", row.id, row.user.municipality_id)
    ensure_can_administer(actor_of(admin), row.user.municipality_id)
    return accounts.revoke_token(admin, token_id, origin=origin, now=now)


def change_password(user: User, current: str, new: str, *, origin: str | None = None,
                    now: datetime | None = None) -> User:
    """A user sets a new password; all their sessions end (the caller may renew its own)."""
    now = now_or(now)
    if not accounts.password_matches(user, current):
        raise ValidationFailed("The current password is not right.",
                               errors={"current_password": "wrong_password"})
    if len(new or "") < accounts.MIN_PASSWORD_LENGTH:
        raise ValidationFailed("The new password is too short.",
                               errors={"new_password": "too_short"})
    user.password_hash = accounts.password_hasher.hash(new)
    accounts.end_sessions(user)
    db.session.flush()
    _audit(user, user, "user.password_changed", origin, now)
    return user
