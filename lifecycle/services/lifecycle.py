"""Advancing a network through its workflow, and showing which steps are possible now.

`advance_network` locks the network row, reads its stage, fires the trigger through the domain
engine (which re-checks the gate at this moment), and writes the new stage, the timeline row and
the audit record in the caller's single transaction. The optimistic version column turns a
concurrent change into a `Conflict` on both databases.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.calendar import add_months, local_date
from ..domain.engine import TriggerOption
from ..domain.errors import Conflict, DomainError, GateBlocked, NotAllowed
from ..domain.permissions import ensure_is_lead_of
from ..extensions import db
from ..models import Network, StageChange, User
from .audit import append_audit
from .checklists import facts_of, reopen_checklists, statuses_of
from .common import actor_of, load_network, now_or
from .workflows import engine_of, workflow_of


def transition_options(user: User, network_id: int) -> tuple[Network, list[TriggerOption]]:
    """Every trigger from the network's stage: available, or blocked with the missing items."""
    network = load_network(user, network_id)
    if workflow_of(network).is_final(network.stage):
        return network, []
    statuses = statuses_of(network.id)
    options = engine_of(network).options(network.stage, network.paused_from, statuses,
                                         facts_of(network, statuses=statuses))
    return network, options


def advance_network(user: User, network_id: int, trigger: str, reason: str | None = None, *,
                    expected_stage: str | None = None, origin: str | None = None,
                    now: datetime | None = None) -> Network:
    """The network's lead fires a trigger; the gate is checked again at this moment."""
    network = load_network(user, network_id, for_update=True)
    moment = now_or(now)
    try:
        ensure_is_lead_of(actor_of(user), network)
        if expected_stage is not None and expected_stage != network.stage:
            raise Conflict("The network changed stage meanwhile. Reload and try again.",
                           stage=network.stage)
        engine = engine_of(network)
        # Only what this step's gate reads: an ungated step runs no query for it at all.
        statuses = statuses_of(network.id) if engine.gated(trigger) else {}
        firing = engine.fire(
            stage=network.stage, paused_from=network.paused_from, trigger_id=trigger,
            statuses=statuses, facts=facts_of(network, moment, engine.facts_needed(trigger),
                                              statuses),
            reason=reason, actor_id=user.id, now=moment,
        )
    except DomainError as exc:
        if isinstance(exc, (GateBlocked, NotAllowed)):
            missing = [{"checklist": m.checklist, "item": m.item}
                       for m in getattr(exc, "missing", [])]
            exc.refusal = AuditDraft(
                municipality_id=network.municipality_id, actor_id=user.id,
                object_type="network", object_id=str(network.id), network_id=network.id,
                action="network.stage_changed", result=RESULT_REFUSED, origin=origin,
                before={"stage": network.stage},
                after={"trigger": str(trigger)[:80], "refusal": exc.code, "missing": missing},
                attempted_at=moment,
            )
        raise
    before = {"stage": network.stage, "paused_from": network.paused_from}
    network.stage, network.paused_from = firing.to_stage, firing.paused_from
    network.updated_at = moment
    if workflow_of(network).is_final(network.stage):
        network.closed_at = moment  # the retention of its people's data runs from here
    db.session.add(StageChange(network_id=network.id, trigger=firing.trigger,
                               from_stage=firing.from_stage, to_stage=firing.to_stage,
                               reason=firing.reason, actor_id=user.id, occurred_at=moment))
    reopened = reopen_checklists(network, workflow_of(network), firing.reopens, moment) \
        if firing.reopens else []
    if firing.reopens:  # a periodic review: the next one is due a year from now
        network.review_due_on = add_months(local_date(moment), 12)
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="network",
        object_id=str(network.id), network_id=network.id, action="network.stage_changed",
        origin=origin, before=before,
        after={"stage": network.stage, "paused_from": network.paused_from,
               "trigger": firing.trigger, "reason": firing.reason, "reopened": reopened},
    ), moment)
    return network


def stage_timeline(network: Network) -> list[StageChange]:
    return list(db.session.scalars(
        select(StageChange).where(StageChange.network_id == network.id)
        .order_by(StageChange.occurred_at, StageChange.id)
    ))
