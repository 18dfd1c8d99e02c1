"""Throttling of failed attempts: logins, second-factor codes, and unknown or revoked API tokens.

Only failures count, per account and per address, in fixed windows (`THROTTLE_PER_ACCOUNT`,
default 5 per 15 minutes; `THROTTLE_PER_ADDRESS`, default 50 per 15 minutes). Once a counter is
full, further attempts are refused with `TooManyAttempts` (HTTP 429 with Retry-After) *before*
the password or code is even checked, so guessing stops. A refused attempt is not counted, so
when the window ends the account is open again: an attacker can slow a user down for one window
at a time, never lock them out for good. A user's valid API token is never throttled.

The first refusal in each window is written to the audit trail (`auth.throttled`), the rest are
not: the marker that says "already recorded" is itself a one-per-window counter. Counters live
in Flask-Limiter's storage: Redis when `REDIS_URL` is set, so every worker and host shares them;
memory otherwise. Keys hold a hash of the e-mail address, never the address itself.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import select

from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.errors import TooManyAttempts
from ..extensions import db, limiter
from ..models import ApiToken, utcnow

LOGIN = "login"
SECOND_FACTOR = "second_factor"
API_TOKEN = "api_token"
KINDS = (LOGIN, SECOND_FACTOR, API_TOKEN)

ACCOUNT = "account"
ADDRESS = "address"
LIMIT_SETTINGS = {ACCOUNT: "THROTTLE_PER_ACCOUNT", ADDRESS: "THROTTLE_PER_ADDRESS"}


@dataclass(frozen=True)
class Subject:
    """Who an attempt is about: an account (e-mail or user id) and/or an address."""

    kind: str
    account: str | None = None
    address: str | None = None
    # Where the audit record goes: the account's municipality, or the system chain.
    municipality_id: int | None = None
    actor_id: int | None = None

    def counters(self) -> list[tuple[str, str]]:
        found = [(ACCOUNT, self.account), (ADDRESS, self.address)]
        return [(scope, _digest(value)) for scope, value in found if value]

    @property
    def names(self) -> tuple[str, str]:
        """What every counter's key starts with: the app's prefix, then the kind of attempt."""
        return current_app.config["RATELIMIT_KEY_PREFIX"], self.kind


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()[:32]


def _limit(scope: str) -> RateLimitItem:
    return parse(current_app.config[LIMIT_SETTINGS[scope]])


def ensure_allowed(subject: Subject, *, origin: str | None = None) -> None:
    """Refuse the attempt with `TooManyAttempts` if any of its counters is full."""
    full = [(scope, key) for scope, key in subject.counters()
            if not limiter.limiter.test(_limit(scope), *subject.names, scope, key)]
    if not full:
        return
    retry_after = max(_seconds_left(subject, scope, key) for scope, key in full)
    error = TooManyAttempts("Too many failed attempts; try again later.",
                            retry_after=retry_after, scopes=[scope for scope, _ in full])
    scope, key = full[0]
    window = _limit(scope).get_expiry()
    # One record per window and counter: the marker is a counter that admits one hit.
    marker = parse(f"1 per {window} seconds")
    if limiter.limiter.hit(marker, *subject.names, "audited", scope, key):
        error.refusal = AuditDraft(
            municipality_id=subject.municipality_id, actor_id=subject.actor_id,
            object_type="session" if subject.kind != API_TOKEN else "api_token",
            object_id=str(subject.actor_id) if subject.actor_id else None,
            action="auth.throttled", result=RESULT_REFUSED, origin=origin,
            after={"attempt": subject.kind, "scope": scope, "window_seconds": window},
            attempted_at=utcnow())
    raise error


def record_failure(subject: Subject) -> None:
    """Count one failed attempt against each of the subject's counters."""
    for scope, key in subject.counters():
        limiter.limiter.hit(_limit(scope), *subject.names, scope, key)


def refuse_token(token: str, *, origin: str | None) -> None:
    """Count an API request whose token is unknown or revoked, per address and per owner.

    Raises `TooManyAttempts` once a counter is full; a user's valid tokens are never
    throttled, so nobody can lock a user out of the API with bad tokens.
    """
    from .accounts import hash_token  # accounts imports this module

    row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))).one_or_none()
    owner = row.user if row is not None else None
    subject = Subject(API_TOKEN, account=f"user:{owner.id}" if owner else None, address=origin,
                      municipality_id=owner.municipality_id if owner else None,
                      actor_id=owner.id if owner else None)
    ensure_allowed(subject, origin=origin)
    record_failure(subject)


# Redis reports a key's time to live in whole seconds, rounded, so a window can end up to half
# a second after the reset time the storage gives; Retry-After must never send a client back
# before the window has passed.
RESET_TIME_MARGIN_SECONDS = 0.5


def _seconds_left(subject: Subject, scope: str, key: str) -> int:
    stats = limiter.limiter.get_window_stats(_limit(scope), *subject.names, scope, key)
    return max(1, math.ceil(stats.reset_time - time.time() + RESET_TIME_MARGIN_SECONDS))
