"""Networks: create, edit, reassign the lead, list and read them (always within scope)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.errors import NotAllowed, ReadOnly, StaleVersion, ValidationFailed
from ..domain.gates import ItemStatus
from ..domain.permissions import LEAD, ensure_can_create_network, ensure_can_reassign_lead, \
    ensure_in_scope, ensure_is_lead_of
from ..extensions import db
from ..models import ItemState, Network, SignOff, User, UserRole
from .audit import append_audit
from .common import actor_of, load_network, now_or
from .workflows import latest_workflow, workflow_of

FORMS = ("structural", "ad_hoc")
LEVELS = ("individual", "group", "broad")
NETWORK_ROLES = ("policy", "mediation", "prevention", "signaling")
EDITABLE_FIELDS = ("name", "goal", "form", "form_justification", "level", "roles")
MAX_NAME = 200
MAX_TEXT = 10_000


def clean_network_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check and normalise network fields; raise ValidationFailed listing every bad field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    unknown = set(data) - set(EDITABLE_FIELDS) - {"lead_id"}
    for field in sorted(unknown):
        errors[field] = "unknown_field"
    for field in ("name", "goal", "form_justification"):
        if field not in data:
            continue
        value = data[field]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = "not_text"
            continue
        value = value.strip()
        limit = MAX_NAME if field == "name" else MAX_TEXT
        if field in ("name", "goal") and not value:
            errors[field] = "required"
        elif len(value) > limit:
            errors[field] = "too_long"
        else:
            clean[field] = value
    for field, allowed in (("form", FORMS), ("level", LEVELS)):
        if field in data:
            if data[field] not in allowed:
                errors[field] = "invalid_choice"
            else:
                clean[field] = data[field]
    if "roles" in data:
        roles = data["roles"]
        if not isinstance(roles, (list, tuple)) or any(r not in NETWORK_ROLES for r in roles):
            errors["roles"] = "invalid_choice"
        else:
            clean["roles"] = [r for r in NETWORK_ROLES if r in roles]
    if not partial:
        for field in ("name", "goal"):
            if field not in data and field not in errors:
                errors[field] = "required"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    return clean


def _snapshot(network: Network, fields=EDITABLE_FIELDS) -> dict[str, Any]:
    return {field: getattr(network, field) for field in fields}


def _lead_in_municipality(lead_id: Any, municipality_id: int) -> User:
    if not isinstance(lead_id, int) or isinstance(lead_id, bool):
        raise ValidationFailed("Choose a lead.", errors={"lead_id": "invalid"})
    lead = db.session.get(User, lead_id)
    if lead is None or lead.municipality_id != municipality_id or LEAD not in lead.roles \
            or not lead.is_active:
        raise ValidationFailed("The lead must be an active project lead of this municipality.",
                               errors={"lead_id": "invalid"})
    return lead


def create_network(user: User, data: dict[str, Any], *, origin: str | None = None,
                   now: datetime | None = None) -> Network:
    """A project lead creates a network; it starts in the workflow's initial stage."""
    actor = actor_of(user)
    ensure_can_create_network(actor)
    fields = clean_network_fields(data, partial=False)
    lead_id = data.get("lead_id", user.id)
    if lead_id != user.id:
        _lead_in_municipality(lead_id, user.municipality_id)
    definition = latest_workflow(user.municipality.workflow_name)
    moment = now_or(now)
    network = Network(
        municipality_id=user.municipality_id, lead_id=lead_id,
        stage=definition.initial, workflow_name=definition.name,
        workflow_version=definition.version, created_at=moment, updated_at=moment,
        **{"form": "structural", "form_justification": "", "level": "group", "roles": [],
           **fields},
    )
    db.session.add(network)
    db.session.flush()
    db.session.add_all(ItemState(network_id=network.id, item_id=item_id, updated_at=moment)
                       for item_id in definition.items)
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="network",
        object_id=str(network.id), network_id=network.id, action="network.created",
        origin=origin, after={**_snapshot(network), "stage": network.stage,
                              "lead_id": network.lead_id,
                              "workflow": f"{definition.name}@{definition.version}"},
    ), moment)
    return network


def _unsign_items_signed_by(network_id: int, new_lead_id: int, moment: datetime) -> list[str]:
    """Four-eyes after a lead change: the new lead's own current sign-offs stop counting.

    Without this a reviewer could sign off a gate, be made the lead, and advance the network on
    their own sign-offs. Like changed evidence, the item goes back to `submitted`.
    """
    states = db.session.scalars(
        select(ItemState).join(SignOff, SignOff.id == ItemState.signoff_id).where(
            ItemState.network_id == network_id, ItemState.status == ItemStatus.APPROVED,
            SignOff.reviewer_id == new_lead_id)
    ).all()
    for state in states:
        state.signoff.stale_at = moment
        state.status, state.signoff_id, state.updated_at = ItemStatus.SUBMITTED, None, moment
    return sorted(state.item_id for state in states)


def update_network(user: User, network_id: int, data: dict[str, Any], *,
                   expected_version: int | None = None, origin: str | None = None,
                   now: datetime | None = None) -> Network:
    """The network's lead edits its fields; an admin may change only `lead_id`."""
    network = load_network(user, network_id, for_update=True)
    actor = actor_of(user)
    if workflow_of(network).is_final(network.stage):
        raise ReadOnly("This network is closed and can no longer change.")
    if expected_version is not None and expected_version != network.version:
        raise StaleVersion("Someone else changed this network meanwhile. Reload and try again.",
                           current_version=network.version)
    fields_data = {k: v for k, v in data.items() if k != "lead_id"}
    try:
        if fields_data:
            ensure_is_lead_of(actor, network)
        if "lead_id" in data and data["lead_id"] != network.lead_id:
            ensure_can_reassign_lead(actor, network)
    except NotAllowed as exc:
        exc.refusal = AuditDraft(
            municipality_id=network.municipality_id, actor_id=user.id, object_type="network",
            object_id=str(network.id), network_id=network.id, action="network.updated",
            result=RESULT_REFUSED, origin=origin, after={"refusal": exc.code},
            attempted_at=now)
        raise
    fields = clean_network_fields(fields_data, partial=True)
    moment = now_or(now)
    changes = {k: v for k, v in fields.items() if getattr(network, k) != v}
    before = {k: getattr(network, k) for k in changes}
    for key, value in changes.items():
        setattr(network, key, value)
    if "lead_id" in data and data["lead_id"] != network.lead_id:
        new_lead = _lead_in_municipality(data["lead_id"], network.municipality_id)
        before["lead_id"] = network.lead_id
        changes["lead_id"] = new_lead.id
        network.lead_id = new_lead.id
        network.lead = new_lead  # keep the loaded relationship in step within this transaction
        stale_signoffs = _unsign_items_signed_by(network.id, new_lead.id, moment)
    else:
        stale_signoffs = []
    if not changes:
        return network
    network.updated_at = moment
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="network",
        object_id=str(network.id), network_id=network.id,
        action="network.lead_reassigned" if set(changes) == {"lead_id"} else "network.updated",
        origin=origin, before=before,
        after={**changes, "stale_signoffs": stale_signoffs} if stale_signoffs else changes,
    ), moment)
    return network


def get_network(user: User, network_id: int) -> Network:
    """Read one network in the user's municipality."""
    return load_network(user, network_id)


@dataclass(frozen=True)
class NetworkPage:
    items: list[Network]
    next_after: int | None


def list_networks(user: User, *, stage: str | None = None, lead_id: int | None = None,
                  after: int | None = None, limit: int = 50) -> NetworkPage:
    """List the municipality's networks by id (keyset pages), optionally by stage or lead."""
    limit = max(1, min(limit, 200))
    query = select(Network).where(Network.municipality_id == user.municipality_id)
    if stage:
        query = query.where(Network.stage == stage)
    if lead_id is not None:
        query = query.where(Network.lead_id == lead_id)
    if after is not None:
        query = query.where(Network.id > after)
    rows = list(db.session.scalars(query.order_by(Network.id).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return NetworkPage(rows, rows[-1].id if has_more and rows else None)


def count_networks_by_stage(user: User, *, lead_id: int | None = None) -> dict[str, int]:
    query = (select(Network.stage, func.count()).where(
        Network.municipality_id == user.municipality_id).group_by(Network.stage))
    if lead_id is not None:
        query = query.where(Network.lead_id == lead_id)
    return dict(db.session.execute(query).all())


def leads_of_municipality(user: User) -> list[User]:
    """Active project leads of the user's municipality (for the lead picker)."""
    return list(db.session.scalars(
        select(User).join(UserRole).where(
            User.municipality_id == user.municipality_id, UserRole.role == LEAD,
            User.active.is_(True)).order_by(User.name)
    ))


def ensure_network_in_scope(user: User, network: Network) -> None:
    ensure_in_scope(actor_of(user), network.municipality_id)
