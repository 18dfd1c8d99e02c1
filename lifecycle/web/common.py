"""What every HTML blueprint shares: login enforcement, domain-error messages, small helpers.

Routes stay thin: parse a form, call one service inside `write_transaction()`, and on a
`DomainError` show `domain_error_message(exc)` as a flash message or form error.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import DomainError, GateBlocked
from ..domain.workflow import Text

MAX_DB_ID = 2**31 - 1

DOMAIN_MESSAGES = {
    "not-found": _l("This item does not exist, or you do not have access to it."),
    "forbidden": _l("You are not allowed to do this."),
    "four-eyes": _l("Four-eyes principle: you cannot sign off items of a network you lead, "
                    "or evidence you submitted yourself."),
    "validation-failed": _l("Some fields are not right. Check the form."),
    "reason-required": _l("Please give a reason."),
    "invalid-transition": _l("This step is not possible from the current stage."),
    "conflict": _l("Someone else changed this at the same moment. The page now shows the "
                   "latest state. Please try again."),
    # The HTML forms carry the version they were built from, as the API's If-Match does.
    "precondition-failed": _l("Someone else changed this at the same moment. The page now "
                              "shows the latest state. Please try again."),
    "read-only": _l("This network is closed. It can no longer change."),
    "gate-blocked": _l("Not every required checklist item is signed off yet."),
    "growth-limit": _l("Start small, grow slowly: the network cannot take another member now. "
                       "The small core is full, or this quarter's growth is used up."),
    "last-administrator": _l("This is the last active administrator of your municipality. "
                             "Make someone else administrator first."),
    "own-admin-role": _l("You cannot take away your own administrator rights. Ask another "
                         "administrator."),
    "too-many-requests": _l("Too many failed attempts. Wait a few minutes and try again."),
}

FIELD_ERROR_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long."),
    "invalid_choice": _l("Choose one of the options."),
    "invalid": _l("This value is not valid."),
    "taken": _l("This value is already in use."),
    "too_short": _l("This is too short."),
    "not_text": _l("This value is not valid."),
    "after_date_to": _l("The start date must be before the end date."),
    "too_many": _l("There are too many values."),
    "in_future": _l("This date is in the future."),
    "not_a_date": _l("This is not a valid date."),
    "wrong_password": _l("This password is not right."),
    "wrong_code": _l("This code is not right."),
}


def domain_error_message(exc: DomainError) -> str:
    """A translated, plain-language sentence for a domain error."""
    return str(DOMAIN_MESSAGES.get(exc.code, DOMAIN_MESSAGES["validation-failed"]))


def field_error_message(code: str) -> str:
    return str(FIELD_ERROR_MESSAGES.get(code, FIELD_ERROR_MESSAGES["invalid"]))


def apply_field_errors(form, exc: DomainError) -> bool:
    """Copy a ValidationFailed's field errors onto a WTForms form; True if any field matched."""
    matched = False
    for field_name, code in getattr(exc, "errors", {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [field_error_message(code)]
            matched = True
    return matched


def flash_domain_error(exc: DomainError) -> None:
    flash(domain_error_message(exc), "error")


def origin() -> str | None:
    return request.remote_addr


def require_login(blueprint: Blueprint) -> None:
    """Every view of this blueprint needs a logged-in user."""

    @blueprint.before_request
    def _require_login():
        if not current_user.is_authenticated:
            from ..extensions import login_manager

            return login_manager.unauthorized()
        return None


def check_id(value: int) -> int:
    """Ids beyond the database's integer range cannot exist: answer 404, not an overflow."""
    if value > MAX_DB_ID:
        abort(404)
    return value


def safe_next_url(target: str | None, fallback: str) -> str:
    """Only follow redirects to this site's own paths."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    # Browsers read "\" as "/" and drop control characters, so "/\evil.example" leaves the site.
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    return target


def back_to(fallback_endpoint: str, **values: Any):
    return redirect(url_for(fallback_endpoint, **values))


def localized(text: Text) -> str:
    """Pick the workflow text (title, question) in the user's language."""
    from .request_locale import current_language

    return text.get(current_language())


def gate_missing_titles(exc: GateBlocked, definition) -> list[str]:
    return [localized(definition.item(m.item).title) for m in exc.missing
            if definition.item(m.item) is not None]


def has_role(role: str) -> bool:
    return current_user.is_authenticated and role in current_user.roles


__all__ = ["_", "_l"]
