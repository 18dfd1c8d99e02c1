"""The dashboard: my networks by stage, items waiting for my sign-off, networks blocked at a gate."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ..domain.errors import MissingItem
from ..domain.permissions import LEAD, REVIEWER
from ..extensions import db
from ..models import Evidence, ItemState, Network, User
from .composition import facts_for
from .networks import count_networks_by_stage
from .workflows import all_workflows, engine_for

DASHBOARD_LIMIT = 20
# How many of a user's networks the blocked panel looks at, and how many at a time.
SCAN_LIMIT = 200
SCAN_BATCH = DASHBOARD_LIMIT


@dataclass(frozen=True)
class WaitingItem:
    network: Network
    item_id: str
    evidence: Evidence


@dataclass(frozen=True)
class BlockedNetwork:
    network: Network
    trigger_id: str
    missing: tuple[MissingItem, ...]


@dataclass(frozen=True)
class Dashboard:
    my_stage_counts: dict[str, int]
    waiting_for_me: list[WaitingItem]
    blocked: list[BlockedNetwork]


def items_waiting_for(user: User, limit: int = DASHBOARD_LIMIT) -> list[WaitingItem]:
    """Submitted items this reviewer may sign off: not their network, not their evidence."""
    if REVIEWER not in user.roles:
        return []
    rows = db.session.execute(
        select(Network, ItemState.item_id, Evidence)
        .join(ItemState, ItemState.network_id == Network.id)
        .join(Evidence, Evidence.id == ItemState.evidence_id)
        .where(Network.municipality_id == user.municipality_id,
               ItemState.status == "submitted",
               Network.lead_id != user.id,
               Evidence.submitted_by_id != user.id)
        .order_by(Evidence.submitted_at).limit(limit)
    ).all()
    return [WaitingItem(n, item_id, ev) for n, item_id, ev in rows]


def blocked_networks(user: User, limit: int = DASHBOARD_LIMIT) -> list[BlockedNetwork]:
    """Networks whose forward (gated) step is blocked: a lead sees their own, others all.

    The most recently changed networks are looked at first, at most `SCAN_LIMIT` of them, a
    batch at a time until the panel is full: most networks wait at a gate, so the first batch
    usually fills it, and the page's cost follows the panel, not the size of the municipality.
    """
    query = select(Network).where(Network.municipality_id == user.municipality_id)
    if LEAD in user.roles:
        query = query.where(Network.lead_id == user.id)
    networks = list(db.session.scalars(
        query.order_by(Network.updated_at.desc(), Network.id.desc()).limit(SCAN_LIMIT)))
    workflows = all_workflows()
    blocked: list[BlockedNetwork] = []
    for start in range(0, len(networks), SCAN_BATCH):
        batch = networks[start:start + SCAN_BATCH]
        statuses: dict[int, dict[str, str]] = defaultdict(dict)
        for network_id, item_id, status in db.session.execute(
            select(ItemState.network_id, ItemState.item_id, ItemState.status)
            .where(ItemState.network_id.in_([n.id for n in batch]))
        ):
            statuses[network_id][item_id] = status
        facts = facts_for(batch, statuses=statuses)
        for network in batch:
            definition = workflows.get((network.workflow_name, network.workflow_version))
            if definition is None or definition.is_final(network.stage):
                continue
            for option in engine_for(definition).options(
                    network.stage, network.paused_from, statuses[network.id], facts[network.id]):
                if option.trigger.gate and not option.available:
                    blocked.append(BlockedNetwork(network, option.id, option.missing))
                    break
            if len(blocked) >= limit:
                return blocked
    return blocked


def dashboard_for(user: User) -> Dashboard:
    """Gather the three dashboard panels for this user."""
    return Dashboard(
        my_stage_counts=count_networks_by_stage(user, lead_id=user.id) if LEAD in user.roles
        else {},
        waiting_for_me=items_waiting_for(user),
        blocked=blocked_networks(user),
    )
