"""Rules about accounts: which login step comes next, and what administrators may change.

Plain facts go in (the actor, the user's current and new roles, how many other active
administrators the municipality has); a domain error comes out when the answer is no.
"""
from __future__ import annotations

from typing import Iterable

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
