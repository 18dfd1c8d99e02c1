"""Checklist items: submit evidence, sign off, reject, revoke, and read a network's checklists."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain import checklists as rules
from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.calendar import local_date
from ..domain.composition import AutoCheck
from ..domain.errors import (DomainError, GateBlocked, NotAllowed, NotFound, ReadOnly,
                             ValidationFailed)
from ..domain.gates import ItemStatus, NetworkFacts, auto_check, item_satisfied, reopened_gates
from ..domain.maintenance import ANNUAL_REVIEW, MANDATE_DECISION, MEETING_CADENCE, clean_details
from ..domain.workflow import Checklist, Item, WorkflowDefinition
from ..extensions import db
from ..models import Evidence, ItemState, Network, SignOff, User
from .audit import append_audit
from .common import actor_of, load_network, now_or
from .composition import ALL_FACTS, facts_for, frozen_composition
from .workflows import workflow_of


def facts_of(network: Network, now: datetime | None = None,
             needs: frozenset[str] = ALL_FACTS,
             statuses: dict[str, str] | None = None) -> NetworkFacts:
    """What the automatic items of this network look at on `now` (see `composition.facts_for`);
    `needs` narrows it to the facts one gate reads; `statuses` saves reading them again."""
    return facts_for([network], now, needs,
                     None if statuses is None else {network.id: statuses})[network.id]


def item_states(network_id: int) -> dict[str, ItemState]:
    """Every item state of a network, with current evidence and sign-off, in one query."""
    rows = db.session.scalars(
        select(ItemState).where(ItemState.network_id == network_id).options(
            joinedload(ItemState.evidence).joinedload(Evidence.submitted_by),
            joinedload(ItemState.signoff).joinedload(SignOff.reviewer),
        )
    ).unique()
    return {row.item_id: row for row in rows}


def statuses_of(network_id: int) -> dict[str, str]:
    return dict(db.session.execute(
        select(ItemState.item_id, ItemState.status).where(ItemState.network_id == network_id)
    ).all())


def _writable(user: User, network_id: int, item_id: str):
    network = load_network(user, network_id, for_update=True)
    definition = workflow_of(network)
    item = definition.item(item_id) if isinstance(item_id, str) else None
    if item is None:
        raise NotFound("No such checklist item.")
    if definition.is_final(network.stage):
        raise ReadOnly("This network is closed and can no longer change.")
    state = db.session.scalars(
        select(ItemState).where(ItemState.network_id == network.id, ItemState.item_id == item_id)
    ).one_or_none()
    if state is None:  # a workflow item added after the network was created
        state = ItemState(network_id=network.id, item_id=item_id, status=ItemStatus.OPEN)
        db.session.add(state)
    return network, item, state


def _draft(user, network, item_id, action, origin, **values) -> AuditDraft:
    return AuditDraft(municipality_id=network.municipality_id, actor_id=user.id,
                      object_type="checklist_item", object_id=f"{network.id}:{item_id}",
                      network_id=network.id, action=action, origin=origin, **values)


def _refusing(exc: DomainError, user, network, item_id, action, origin,
              now: datetime | None) -> DomainError:
    """Attach a refused-attempt record to errors worth auditing (role and four-eyes refusals)."""
    if isinstance(exc, (NotAllowed, GateBlocked)):
        exc.refusal = _draft(user, network, item_id, action, origin, result=RESULT_REFUSED,
                             after={"refusal": exc.code}, attempted_at=now)
    return exc


def _clean_details(item: Item, details: Any, moment: datetime) -> dict | None:
    """The structured details an item records with its evidence (required there, else none)."""
    if item.records is None:
        if details is not None:
            raise ValidationFailed("This item records no details.",
                                   errors={"details": "unknown_field"})
        return None
    return clean_details(item.records, details, today=local_date(moment))


def _keep_on_network(network: Network, kind: str, details: dict, moment: datetime) -> None:
    """The structured data becomes the network's own (its mandate, cadence, review date)."""
    if kind == MANDATE_DECISION:
        network.mandate_body, network.mandate_reference = details["body"], details["reference"]
        network.mandate_decided_on = date.fromisoformat(details["decided_on"])
        network.mandate_valid_until = date.fromisoformat(details["valid_until"])
    elif kind == MEETING_CADENCE:
        network.meeting_cadence_weeks = details["every_weeks"]
        network.meeting_cadence_set_on = local_date(moment)
    elif kind == ANNUAL_REVIEW:
        network.review_due_on = date.fromisoformat(details["review_on"])


def submit_evidence(user: User, network_id: int, item_id: str, justification: str,
                    links: list[str] | None = None, *, details: dict | None = None,
                    origin: str | None = None, now: datetime | None = None) -> ItemState:
    """The lead submits or changes evidence; a current sign-off becomes stale.

    An item that records structured data (`records:` in the workflow: the mandate decision, the
    meeting cadence, the annual review date) takes it in `details`; the network keeps it.
    """
    network, item, state = _writable(user, network_id, item_id)
    moment = now_or(now)
    try:
        new_status = rules.submit(actor_of(user), network, item, state.status, justification)
        cleaned_links = rules.clean_links(links)
        cleaned_details = _clean_details(item, details, moment)
    except DomainError as exc:
        raise _refusing(exc, user, network, item_id, "item.evidence_submitted", origin, now)
    before = {"status": state.status, "evidence_id": state.evidence_id}
    if state.status == ItemStatus.APPROVED and state.signoff is not None:
        state.signoff.stale_at = moment
    evidence = Evidence(network_id=network.id, item_id=item_id,
                        justification=justification.strip(), links=cleaned_links,
                        submitted_by_id=user.id, submitted_at=moment, details=cleaned_details)
    db.session.add(evidence)
    if cleaned_details is not None:
        _keep_on_network(network, item.records, cleaned_details, moment)
        network.updated_at = moment
    db.session.flush()
    state.status, state.evidence_id, state.signoff_id = new_status, evidence.id, None
    state.updated_at = moment
    db.session.flush()
    append_audit(_draft(user, network, item_id, "item.evidence_submitted", origin, before=before,
                        after={"status": new_status, "evidence_id": evidence.id,
                               "stale_signoff": before["status"] == ItemStatus.APPROVED}), moment)
    return state


def _decide(user: User, network_id: int, item_id: str, decision: str, comment: str | None,
            origin: str | None, now: datetime | None) -> ItemState:
    network, item, state = _writable(user, network_id, item_id)
    submitted_by = state.evidence.submitted_by_id if state.evidence else None
    action = "item.approved" if decision == ItemStatus.APPROVED else "item.rejected"
    try:
        if decision == ItemStatus.APPROVED:
            new_status = rules.approve(actor_of(user), network, item, state.status, submitted_by)
        else:
            new_status = rules.reject(actor_of(user), network, item, state.status, submitted_by,
                                      comment)
    except DomainError as exc:
        raise _refusing(exc, user, network, item_id, action, origin, now)
    moment = now_or(now)
    signoff = SignOff(network_id=network.id, item_id=item_id, evidence_id=state.evidence_id,
                      reviewer_id=user.id, decision=decision, comment=(comment or "").strip(),
                      decided_at=moment)
    if item.watches == "composition" and decision == ItemStatus.APPROVED:
        # What the reviewer judged; a later drift from it makes the sign-off stale.
        signoff.frozen = frozen_composition(network, moment)
    db.session.add(signoff)
    db.session.flush()
    before = {"status": state.status}
    state.status, state.signoff_id, state.updated_at = new_status, signoff.id, moment
    db.session.flush()
    append_audit(_draft(user, network, item_id, action, origin, before=before,
                        after={"status": new_status, "signoff_id": signoff.id,
                               "evidence_id": state.evidence_id}), moment)
    return state


def approve_item(user: User, network_id: int, item_id: str, comment: str | None = None, *,
                 origin: str | None = None, now: datetime | None = None) -> ItemState:
    """A reviewer signs off submitted evidence (four-eyes)."""
    return _decide(user, network_id, item_id, ItemStatus.APPROVED, comment, origin, now)


def reject_item(user: User, network_id: int, item_id: str, comment: str | None, *,
                origin: str | None = None, now: datetime | None = None) -> ItemState:
    """A reviewer rejects submitted evidence, saying why (four-eyes)."""
    return _decide(user, network_id, item_id, ItemStatus.REJECTED, comment, origin, now)


def revoke_signoff(user: User, network_id: int, item_id: str, reason: str | None, *,
                   origin: str | None = None, now: datetime | None = None) -> ItemState:
    """A reviewer withdraws a current sign-off; the item needs a new one."""
    network, item, state = _writable(user, network_id, item_id)
    submitted_by = state.evidence.submitted_by_id if state.evidence else None
    try:
        new_status = rules.revoke(actor_of(user), network, item, state.status, submitted_by,
                                  reason)
    except DomainError as exc:
        raise _refusing(exc, user, network, item_id, "item.signoff_revoked", origin, now)
    moment = now_or(now)
    signoff = state.signoff
    signoff.revoked_at, signoff.revoked_by_id = moment, user.id
    signoff.revoke_reason = reason.strip()
    before = {"status": state.status, "signoff_id": signoff.id}
    state.status, state.signoff_id, state.updated_at = new_status, None, moment
    db.session.flush()
    append_audit(_draft(user, network, item_id, "item.signoff_revoked", origin, before=before,
                        after={"status": new_status}), moment)
    return state


def reopen_checklists(network: Network, definition: WorkflowDefinition,
                      checklist_ids: tuple[str, ...], moment: datetime) -> list[str]:
    """Put every sign-off item of these checklists back to open; current sign-offs go stale."""
    item_ids = [i.id for c in checklist_ids for i in definition.checklist(c).items
                if i.needs_signoff]
    reopened = []
    for state in item_states(network.id).values():
        if state.item_id in item_ids and state.status != ItemStatus.OPEN:
            if state.signoff is not None and state.status == ItemStatus.APPROVED:
                state.signoff.stale_at = moment
            state.status = rules.reopen(state.status)
            state.signoff_id = None
            state.updated_at = moment
            reopened.append(state.item_id)
    db.session.flush()
    return reopened


@dataclass(frozen=True)
class ItemView:
    """One item of a network's checklist: its definition, status, evidence and sign-off.

    `auto` is the outcome of an automatic item's rule with its numbers (None for sign-off
    items); `satisfied` says whether the item counts for a gate now (see `gates`).
    """

    item: Item
    status: str
    state: ItemState | None
    auto: AutoCheck | None
    satisfied: bool

    @property
    def auto_ok(self) -> bool | None:
        return self.auto.ok if self.auto is not None else None

    @property
    def evidence(self) -> Evidence | None:
        return self.state.evidence if self.state is not None else None

    @property
    def signoff(self) -> SignOff | None:
        return self.state.signoff if self.state is not None else None

    @property
    def updated_at(self) -> datetime | None:
        return self.state.updated_at if self.state is not None else None


@dataclass(frozen=True)
class ChecklistView:
    checklist: Checklist
    items: list[ItemView]

    @property
    def done(self) -> int:
        return sum(1 for view in self.items if view.satisfied)

    @property
    def total(self) -> int:
        return len(self.items)


def checklists_of(user: User, network_id: int) -> tuple[Network, list[ChecklistView]]:
    """Every checklist of a network with each item's status, evidence and sign-off."""
    network = load_network(user, network_id)
    definition = workflow_of(network)
    states = item_states(network.id)
    facts = facts_of(network, statuses={item_id: state.status for item_id, state in states.items()})
    views = []
    for checklist in definition.checklists:
        items = []
        for item in checklist.items:
            state = states.get(item.id)
            status = state.status if state else ItemStatus.OPEN
            items.append(ItemView(item, status, state, auto_check(item, facts, definition.limits),
                                  item_satisfied(item, status, facts, definition.limits)))
        views.append(ChecklistView(checklist, items))
    return network, views


def item_history(user: User, network_id: int, item_id: str) -> tuple[list[Evidence], list[SignOff]]:
    """All evidence and sign-offs ever given for one item, newest first."""
    network = load_network(user, network_id)
    if workflow_of(network).item(item_id) is None:
        raise NotFound("No such checklist item.")
    evidence = list(db.session.scalars(
        select(Evidence).where(Evidence.network_id == network.id, Evidence.item_id == item_id)
        .order_by(Evidence.id.desc())))
    signoffs = list(db.session.scalars(
        select(SignOff).where(SignOff.network_id == network.id, SignOff.item_id == item_id)
        .order_by(SignOff.id.desc())))
    return evidence, signoffs


def reopened_items(network: Network) -> list:
    """Items of gates the network already passed that are open again (shown as a warning)."""
    definition = workflow_of(network)
    statuses = statuses_of(network.id)
    return reopened_gates(definition, network.stage, network.paused_from, statuses,
                          facts_of(network, statuses=statuses))
