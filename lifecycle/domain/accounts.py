"""Rules about accounts: which login step comes next, which TOTP code counts, and what
administrators may change.

Plain facts go in (the actor, the user's current and new roles, how many other active
administrators the municipality has); a domain error comes out when the answer is no.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timezone
from typing import Iterable

import pyotp

from .errors import LastAdministrator, OwnAdministratorRole
from .permissions import ADMIN, Actor, ensure_in_scope, ensure_role

# What a correct password leads to.
STEP_NONE = "none"      # logged in: no second factor needed
STEP_VERIFY = "verify"  # enter the code of the authenticator app (or a recovery code)
STEP_ENROL = "enrol"    # two-factor login is required, and the user has yet to set it up


def second_login_step(*, has_second_factor: bool, mfa_required: bool) -> str:
    """Which step follows a correct password."""
    if has_second_factor:
        return STEP_VERIFY
    return STEP_ENROL if mfa_required else STEP_NONE


# Codes of the steps just before and after the current one count too (clocks drift a little).
TOTP_DRIFT_STEPS = 1


def accepted_totp_step(secret: str, code: str, now: datetime,
                       last_step: int | None) -> int | None:
    """The 30-second time step whose code `code` is, if it is current and newer than
    `last_step` (the last one accepted), so that each code works once; else None.

    `now` is UTC; a naive datetime is taken to be UTC (pyotp would read it as local time).
    """
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def ensure_can_administer(actor: Actor, municipality_id: int) -> None:
    """Administration of a user or token: in scope first (else 404), then the admin role."""
    ensure_in_scope(actor, municipality_id)
    ensure_role(actor, ADMIN)


def ensure_admin_rights_kept(actor: Actor | None, target_id: int, *, is_admin: bool,
                             stays_admin: bool, other_active_admins: int) -> None:
    """Refuse a change (of roles, or a deactivation) that takes away administrator rights
    the municipality or the administrator acting cannot do without.

    `actor` None is the operator at the command line: bound by the last-administrator rule
    too (they appoint another administrator first), since only they can break it.
    """
    if not is_admin or stays_admin:
        return
    if actor is not None and actor.user_id == target_id:
        raise OwnAdministratorRole("You cannot take away your own administrator rights.")
    if other_active_admins == 0:
        raise LastAdministrator(
            "This is the municipality's last active administrator; appoint another first.")


def keeps_admin(roles: Iterable[str], active: bool) -> bool:
    return active and ADMIN in set(roles)
