"""Two-factor login with TOTP (RFC 6238, `pyotp`) and one-time recovery codes.

A user enrols by confirming one code from their authenticator app; only then is the secret
stored and two-factor login on. Each code is accepted once: the last time step used is kept,
and a code of that step or an earlier one is refused, so an overheard code cannot be replayed.
Codes of the step before and after the current one count too, for clocks that drift a little
(the rule is `lifecycle.domain.accounts.accepted_totp_step`).

Enrolment makes ten recovery codes, shown once and stored as Argon2id hashes (at 50 bits each
they are too short for a plain hash). A recovery code works once, in place of a TOTP code.

Enrolling and resetting the second factor end all the user's sessions (their generation goes
up), as changing any authentication factor should.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from ..domain.accounts import accepted_totp_step, ensure_can_administer
from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import RecoveryCode, User
from . import accounts, throttling
from .audit import append_audit
from .common import actor_of, now_or

ISSUER = "Voelspriet"
RECOVERY_CODE_COUNT = 10
# Crockford's base32 alphabet: no I, L, O or U, which are easily misread.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUP = 5
RECOVERY_LENGTH = 2 * RECOVERY_GROUP

METHOD_TOTP = "totp"
METHOD_RECOVERY = "recovery_code"


def new_totp_secret() -> str:
    """A random 160-bit TOTP secret, base32, as authenticator apps expect."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI that the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _normalise_recovery_code(code: str) -> str | None:
    value = "".join(ch for ch in code.upper() if ch not in " -")
    if len(value) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in value):
        return None
    return value


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, created_at=now,
                                    code_hash=accounts.password_hasher.hash(raw)))
        codes.append(f"{raw[:RECOVERY_GROUP]}-{raw[RECOVERY_GROUP:]}")
    return codes


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    value = _normalise_recovery_code(code)
    if value is None:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    for row in unused:
        try:
            accounts.password_hasher.verify(row.code_hash, value)
        except (VerificationError, InvalidHashError):
            continue
        row.used_at = now
        return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _login_subject(user: User, origin: str | None) -> throttling.Subject:
    return throttling.Subject(throttling.SECOND_FACTOR, account=f"user:{user.id}",
                              address=origin, municipality_id=user.municipality_id,
                              actor_id=user.id)


def _pending_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("No such user.")
    return user


@dataclass(frozen=True)
class Enrolment:
    user: User
    recovery_codes: list[str]


def enrol_second_factor(user_id: int, secret: str, code: str, *, logging_in: bool = False,
                        password: str | None = None, origin: str | None = None,
                        now: datetime | None = None) -> Enrolment:
    """Switch two-factor login on once `code` proves the app holds `secret`.

    `logging_in`: the user set it up as the second step of a login, which this completes (and
    audits as a login). Otherwise a logged-in user sets it up from their account page, and
    confirms it with their `password` first, as any change to how they log in requires.
    """
    now = now_or(now)
    user = _pending_user(user_id)
    subject = _login_subject(user, origin)
    throttling.ensure_allowed(subject, origin=origin)
    if not logging_in and not accounts.password_matches(user, password):
        throttling.record_failure(subject)
        raise ValidationFailed("The password is not right.",
                               errors={"current_password": "wrong_password"})
    step = accepted_totp_step(secret, code or "", now, None) if secret else None
    if step is None:
        throttling.record_failure(subject)
        raise ValidationFailed("This code is not right.", errors={"code": "wrong_code"})
    user.totp_secret = secret
    user.totp_last_step = step
    user.mfa_enabled_at = now
    user.session_generation += 1
    codes = _new_recovery_codes(user, now)
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=user.municipality_id, actor_id=user.id, object_type="user",
        object_id=str(user.id), action="user.mfa_enabled", origin=origin,
        after={"recovery_codes": RECOVERY_CODE_COUNT}), now)
    if logging_in:
        _audit_login(user, METHOD_TOTP, origin, now)
    return Enrolment(user, codes)


def _audit_login(user: User, method: str, origin: str | None, now: datetime,
                 result: str = "ok") -> None:
    append_audit(AuditDraft(
        municipality_id=user.municipality_id, actor_id=user.id, object_type="session",
        object_id=str(user.id), action="auth.login", result=result, origin=origin,
        after={"second_factor": method} if result == "ok" else {"reason": "bad_code"},
    ), now)


def verify_second_factor(user_id: int, code: str, *, origin: str | None = None,
                         now: datetime | None = None) -> User | None:
    """The second step of a login: a TOTP code, or an unused recovery code.

    Return the user when the code is right (the login is then audited as complete), or None
    when it is not (audited as refused, and counted by the throttle).
    """
    now = now_or(now)
    user = _pending_user(user_id)
    if not user.has_second_factor:
        raise NotFound("This user has no second factor.")
    subject = _login_subject(user, origin)
    throttling.ensure_allowed(subject, origin=origin)
    step = accepted_totp_step(user.totp_secret, code or "", now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        method = METHOD_TOTP
    elif _use_recovery_code(user, code or "", now):
        method = METHOD_RECOVERY
    else:
        throttling.record_failure(subject)
        _audit_login(user, METHOD_TOTP, origin, now, result=RESULT_REFUSED)
        return None
    db.session.flush()
    _audit_login(user, method, origin, now)
    return user


def reset_second_factor(user_id: int, *, by: User | None, origin: str | None = None,
                        now: datetime | None = None) -> User:
    """Switch a user's two-factor login off: they enrol again at their next login.

    `by` is the administrator acting (same municipality), or None for the operator at the
    command line. The user's sessions end; the reset is audited.
    """
    now = now_or(now)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if by is not None:
        ensure_can_administer(actor_of(by), user.municipality_id)
    had_second_factor = user.has_second_factor
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enabled_at = None
    user.session_generation += 1
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=user.municipality_id, actor_id=by.id if by else None,
        object_type="user", object_id=str(user.id), action="user.mfa_reset", origin=origin,
        before={"second_factor": had_second_factor}, after={"second_factor": False}), now)
    return user
