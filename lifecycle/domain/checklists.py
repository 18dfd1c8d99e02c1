"""Rules for one checklist item on one network: submit, approve, reject, revoke, re-open.

Each function checks who may act and in which status, and returns the new status. The service
stores it, with the evidence or sign-off row and the audit record. An auto item is computed from
the network's data and is never submitted or signed off by hand, unless the workflow marks it
as one a reviewer signs off too (`signoff: true`).
"""
from __future__ import annotations

from .errors import InvalidTransition, NotAllowed, NotFound, ReasonRequired, ValidationFailed
from .gates import ItemStatus
from .permissions import (REVIEWER, Actor, ScopedNetwork, ensure_can_sign_off,
                          ensure_is_lead_of)
from .workflow import Item

MAX_TEXT = 10_000
MAX_LINKS = 20


def _ensure_manual(item: Item) -> None:
    if not item.needs_signoff:
        raise InvalidTransition(
            "This item is computed from the network's data and needs no evidence or sign-off.",
            item=item.id,
        )


def clean_links(links: list[str] | None) -> list[str]:
    """Keep non-empty http(s) links; refuse anything else with a clear error."""
    cleaned = []
    for link in links or []:
        link = (link or "").strip()
        if not link:
            continue
        if not link.lower().startswith(("https://", "http://")) or len(link) > 2000 or " " in link:
            raise ValidationFailed("A link must start with http:// or https://.",
                                   errors={"links": "invalid"}, link=link[:200])
        cleaned.append(link)
    if len(cleaned) > MAX_LINKS:
        raise ValidationFailed(f"At most {MAX_LINKS} links.", errors={"links": "too_many"})
    return cleaned


def submit(actor: Actor, network: ScopedNetwork, item: Item, status: str,
           justification: str | None) -> str:
    """The lead submits or changes evidence; a current sign-off becomes stale."""
    ensure_is_lead_of(actor, network)
    _ensure_manual(item)
    text = (justification or "").strip()
    if not text:
        raise ValidationFailed("Write a justification.", errors={"justification": "required"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed("The justification is too long.",
                               errors={"justification": "too_long"})
    return ItemStatus.SUBMITTED


def approve(actor: Actor, network: ScopedNetwork, item: Item, status: str,
            submitted_by: int | None) -> str:
    ensure_can_sign_off(actor, network, submitted_by)
    _ensure_manual(item)
    if status != ItemStatus.SUBMITTED:
        raise InvalidTransition("Only submitted evidence can be signed off.", status=status)
    return ItemStatus.APPROVED


def reject(actor: Actor, network: ScopedNetwork, item: Item, status: str,
           submitted_by: int | None, comment: str | None) -> str:
    ensure_can_sign_off(actor, network, submitted_by)
    _ensure_manual(item)
    if not (comment or "").strip():
        raise ReasonRequired("Say why you reject this.", errors={"comment": "required"})
    if status != ItemStatus.SUBMITTED:
        raise InvalidTransition("Only submitted evidence can be rejected.", status=status)
    return ItemStatus.REJECTED


def revoke(actor: Actor, network: ScopedNetwork, item: Item, status: str,
           submitted_by: int | None, reason: str | None) -> str:
    """Withdraw an earlier sign-off: the item needs a new one."""
    ensure_can_sign_off(actor, network, submitted_by)
    _ensure_manual(item)
    if not (reason or "").strip():
        raise ReasonRequired("Say why you revoke this sign-off.", errors={"reason": "required"})
    if status != ItemStatus.APPROVED:
        raise InvalidTransition("Only a current sign-off can be revoked.", status=status)
    return ItemStatus.SUBMITTED


def reopen(status: str) -> str:
    """Periodic review: the item must be confirmed again (evidence is kept for reference)."""
    return ItemStatus.OPEN


def item_actions(actor: Actor, network: ScopedNetwork, item: Item, status: str,
                 submitted_by: int | None, *, closed: bool) -> dict[str, bool]:
    """Which of the acts above this actor may take on this item now, for the pages to offer.

    The same rules as `submit`, `approve`, `reject` and `revoke`: a page shows a form only when
    its act would pass, and says why a reviewer may not sign off (four eyes) rather than show
    nothing. The services check the rules again on every request.
    """
    def passes(check, *args) -> bool:
        try:
            check(*args)
        except (NotAllowed, NotFound):
            return False
        return True

    open_to_change = item.needs_signoff and not closed
    reviewer = (open_to_change and actor.has(REVIEWER)
                and network.municipality_id == actor.municipality_id)
    signs_off = reviewer and passes(ensure_can_sign_off, actor, network, submitted_by)
    decided = status in (ItemStatus.SUBMITTED, ItemStatus.APPROVED)
    leads_it = network.lead_id == actor.user_id
    return {
        "submit": open_to_change and passes(ensure_is_lead_of, actor, network),
        "decide": signs_off and status == ItemStatus.SUBMITTED,
        "revoke": signs_off and status == ItemStatus.APPROVED,
        "four_eyes_lead": reviewer and leads_it and decided,
        "four_eyes_own": reviewer and not leads_it and submitted_by == actor.user_id and decided,
    }
