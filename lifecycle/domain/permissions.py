"""Who may do what: roles, municipality scope and the four-eyes principle.

The functions take an `Actor` and plain facts about the object (its municipality, its lead,
who submitted the evidence) and raise a domain error when the answer is no. Objects in another
municipality raise `NotFound`, never `NotAllowed`, so that nobody learns they exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .errors import FourEyesViolation, NotAllowed, NotFound

LEAD = "lead"
REVIEWER = "reviewer"
AUDITOR = "auditor"
ADMIN = "admin"
ROLES = (LEAD, REVIEWER, AUDITOR, ADMIN)


@dataclass(frozen=True)
class Actor:
    """The user acting, as the domain sees them."""

    user_id: int
    municipality_id: int
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles


class ScopedNetwork(Protocol):
    id: int
    municipality_id: int
    lead_id: int


def ensure_in_scope(actor: Actor, municipality_id: int) -> None:
    """Refuse anything outside the actor's municipality as if it did not exist."""
    if actor.municipality_id != municipality_id:
        raise NotFound("No such object.")


def ensure_role(actor: Actor, *roles: str) -> None:
    if not any(actor.has(role) for role in roles):
        raise NotAllowed(f"This needs the role {' or '.join(roles)}.", roles=list(roles))


def ensure_can_create_network(actor: Actor) -> None:
    ensure_role(actor, LEAD)


def ensure_is_lead_of(actor: Actor, network: ScopedNetwork) -> None:
    """Only the network's own lead edits it, records evidence and advances it."""
    ensure_in_scope(actor, network.municipality_id)
    if not actor.has(LEAD) or network.lead_id != actor.user_id:
        raise NotAllowed("Only the lead of this network may do this.")


def ensure_can_reassign_lead(actor: Actor, network: ScopedNetwork) -> None:
    ensure_in_scope(actor, network.municipality_id)
    ensure_role(actor, ADMIN)


def ensure_can_sign_off(actor: Actor, network: ScopedNetwork, submitted_by: int | None) -> None:
    """A reviewer signs off, but never on a network they lead nor on evidence they submitted."""
    ensure_in_scope(actor, network.municipality_id)
    ensure_role(actor, REVIEWER)
    if network.lead_id == actor.user_id:
        raise FourEyesViolation("You lead this network, so you cannot sign off its items.")
    if submitted_by is not None and submitted_by == actor.user_id:
        raise FourEyesViolation("You submitted this evidence, so you cannot sign it off.")


def ensure_can_read_people(actor: Actor, network: ScopedNetwork) -> None:
    """A network's personal data is for its lead, reviewers, auditors and administrators.

    Other project leads of the municipality see the composition in figures only (need to know).
    """
    ensure_in_scope(actor, network.municipality_id)
    if network.lead_id == actor.user_id and actor.has(LEAD):
        return
    ensure_role(actor, REVIEWER, AUDITOR, ADMIN)


def may_read_people(actor: Actor, network: ScopedNetwork) -> bool:
    """The same rule as `ensure_can_read_people`, for pages deciding what to show."""
    try:
        ensure_can_read_people(actor, network)
    except (NotAllowed, NotFound):
        return False
    return True


def ensure_can_erase_person(actor: Actor, network: ScopedNetwork) -> None:
    """Erasing a person's data ahead of its retention period is an administrator's act."""
    ensure_in_scope(actor, network.municipality_id)
    ensure_role(actor, ADMIN)
