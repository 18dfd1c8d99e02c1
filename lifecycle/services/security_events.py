"""Security events in the audit trail: refused authorisations, refused tokens, logouts.

`record_refusal` writes a refusal with result `refused` and the route. Floods are bounded:
identical refusals (same origin, actor, chain, action, route and status) within
`FLOOD_WINDOW_SECONDS` give one audit record for the first, and the repeats are counted in an
`AuditRefusalWindow` row; once the minute is over, `flush_refusal_windows` writes the count as
one `security.refusals_repeated` record (it runs before each new refusal and before every
`audit checkpoint`). A thousand refusals in a minute are two records, not a thousand.

Two request-scoped notes tie the pages to this module without passing flags around:
`note_out_of_scope` (a service answered "not found" because the object is in another
municipality) and `note_refusal_recorded` (the domain's own refusal record was written already,
so the 403 it leads to is not recorded twice).
"""
from __future__ import annotations

import hashlib
import logging
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..extensions import db
from ..models import AuditRefusalWindow, utcnow
from .audit import append_audit

log = logging.getLogger(__name__)

FLOOD_WINDOW_SECONDS = 60
FORBIDDEN = "security.forbidden"
OUT_OF_SCOPE = "security.out_of_scope"
TOKEN_REFUSED = "auth.token_refused"
REPEATED = "security.refusals_repeated"
LOGOUT = "auth.logout"

_out_of_scope: ContextVar[dict[str, Any] | None] = ContextVar("out_of_scope", default=None)
_refusal_recorded: ContextVar[bool] = ContextVar("refusal_recorded", default=False)


def reset_request_notes() -> None:
    """Start a request with no notes (context variables outlive a request in its thread)."""
    _out_of_scope.set(None)
    _refusal_recorded.set(False)


def note_out_of_scope(object_type: str, object_id: Any) -> None:
    """The object exists, but in another municipality: the 404 it gives is a refusal."""
    _out_of_scope.set({"object_type": object_type, "object_id": str(object_id)})


def out_of_scope_note() -> dict[str, Any] | None:
    return _out_of_scope.get()


def note_refusal_recorded() -> None:
    _refusal_recorded.set(True)


def refusal_recorded() -> bool:
    return _refusal_recorded.get()


def _window_key(*parts: Any) -> str:
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_refusal(*, action: str, route: str, status: int, municipality_id: int | None,
                   actor_id: int | None, origin: str | None, object_type: str = "request",
                   object_id: str | None = None, details: dict[str, Any] | None = None,
                   now: datetime | None = None) -> bool:
    """Record one refusal, or count it when an identical one was recorded within the minute.

    Returns True when an audit record was written, False when the refusal was only counted.
    Call inside a write transaction.
    """
    moment = now or utcnow()
    flush_refusal_windows(moment)
    key = _window_key(origin, actor_id, municipality_id, action, route, status, object_type,
                      object_id)
    window = db.session.scalars(select(AuditRefusalWindow).where(
        AuditRefusalWindow.key == key).with_for_update()).one_or_none()
    if window is not None:
        window.repeats += 1
        db.session.flush()
        return False
    window = AuditRefusalWindow(key=key, started_at=moment, repeats=0,
                                municipality_id=municipality_id, actor_id=actor_id,
                                action=action, route=route[:200], origin=origin, first_seq=0)
    try:
        with db.session.begin_nested():
            db.session.add(window)
    except IntegrityError:  # an identical refusal at the same moment opened the window
        window = db.session.scalars(select(AuditRefusalWindow).where(
            AuditRefusalWindow.key == key).with_for_update()).one()
        window.repeats += 1
        db.session.flush()
        return False
    record = append_audit(AuditDraft(
        municipality_id=municipality_id, actor_id=actor_id, object_type=object_type,
        object_id=object_id, action=action, result=RESULT_REFUSED, origin=origin,
        after={"route": route, "status": status, **(details or {})}), moment)
    window.first_seq = record.seq
    db.session.flush()
    return True


def flush_refusal_windows(now: datetime | None = None) -> int:
    """Close the windows whose minute is over; write one record per window with repeats."""
    moment = now or utcnow()
    cutoff = moment - timedelta(seconds=FLOOD_WINDOW_SECONDS)
    closed = list(db.session.scalars(select(AuditRefusalWindow).where(
        AuditRefusalWindow.started_at <= cutoff).order_by(AuditRefusalWindow.id)
        .with_for_update(skip_locked=True)))
    written = 0
    for window in closed:
        if window.repeats:
            append_audit(AuditDraft(
                municipality_id=window.municipality_id, actor_id=window.actor_id,
                object_type="request", object_id=None, action=REPEATED,
                result=RESULT_REFUSED, origin=window.origin,
                after={"route": window.route, "repeated_action": window.action,
                       "repeats": window.repeats, "first_seq": window.first_seq,
                       "window_seconds": FLOOD_WINDOW_SECONDS}), moment)
            written += 1
        db.session.delete(window)
    if closed:
        db.session.flush()
    return written


def record_logout(*, municipality_id: int | None, actor_id: int, origin: str | None,
                  route: str) -> None:
    append_audit(AuditDraft(
        municipality_id=municipality_id, actor_id=actor_id, object_type="session",
        object_id=str(actor_id), action=LOGOUT, origin=origin, after={"route": route}))


def record_token_refusal(token: str, *, origin: str | None, route: str) -> None:
    """An API request with an unknown or revoked token: to the owner's chain when the token is
    known (revoked), else to the system chain. The token itself is never written, only the
    stored token's id."""
    from ..models import ApiToken
    from .accounts import hash_token

    row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))).one_or_none()
    owner = row.user if row is not None else None
    record_refusal(
        action=TOKEN_REFUSED, route=route, status=401,
        municipality_id=owner.municipality_id if owner else None,
        actor_id=owner.id if owner else None, origin=origin, object_type="api_token",
        object_id=str(row.id) if row is not None else None,
        details={"reason": "revoked" if row is not None and row.revoked_at else
                 "inactive_user" if row is not None else "unknown"})
