"""The dashboard: my networks by stage, items waiting for my sign-off, networks blocked at a gate,
the attention list of the municipality and my notifications.

One service call (`dashboard_for`) gathers all three panels; this module only adds the workflow
texts (stage, step and item titles) in the user's language.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import NotFound
from ..domain.permissions import LEAD, REVIEWER
from ..domain.workflow import WorkflowDefinition
from ..notices import reason_text
from ..services.attention import attention_list, notifications_for
from ..services.dashboard import DASHBOARD_LIMIT, dashboard_for
from ..services.workflows import all_workflows, latest_workflow
from .common import localized, require_login

bp = Blueprint("dashboard", __name__)
require_login(bp)

MISSING_REASONS = {
    "not_submitted": _l("no evidence yet"),
    "awaiting_signoff": _l("waiting for sign-off"),
    "rejected": _l("rejected"),
    "auto_not_met": _l("not met by the network's data"),
}


def _definition_of(network) -> WorkflowDefinition | None:
    return all_workflows().get((network.workflow_name, network.workflow_version))


def _municipality_definition() -> WorkflowDefinition | None:
    try:
        return latest_workflow(current_user.municipality.workflow_name)
    except NotFound:
        return None


def stage_title(definition: WorkflowDefinition | None, stage_id: str) -> str:
    """The stage's title in the user's language; the bare id when the workflow lacks it."""
    if definition is not None:
        for state in definition.states:
            if state.id == stage_id:
                return localized(state.title)
    return stage_id


def step_title(definition: WorkflowDefinition | None, trigger_id: str) -> str:
    trigger = definition.trigger(trigger_id) if definition is not None else None
    return localized(trigger.title) if trigger is not None else trigger_id


def item_title(definition: WorkflowDefinition | None, item_id: str) -> str:
    item = definition.item(item_id) if definition is not None else None
    return localized(item.title) if item is not None else item_id


def _stage_rows(counts: dict[str, int], definition: WorkflowDefinition | None):
    """(stage id, title, count) in the workflow's own order; unknown stages last."""
    order = [s.id for s in definition.states] if definition is not None else []
    ordered = sorted(counts, key=lambda s: (order.index(s) if s in order else len(order), s))
    return [(stage, stage_title(definition, stage), counts[stage]) for stage in ordered]


@bp.get("/dashboard")
def index():
    user = current_user._get_current_object()
    dashboard = dashboard_for(user)
    definition = _municipality_definition()
    waiting = [
        {"entry": entry, "item_title": item_title(_definition_of(entry.network), entry.item_id)}
        for entry in dashboard.waiting_for_me
    ]
    blocked = []
    for entry in dashboard.blocked:
        network_definition = _definition_of(entry.network)
        blocked.append({
            "entry": entry,
            "stage_title": stage_title(network_definition, entry.network.stage),
            "step_title": step_title(network_definition, entry.trigger_id),
            "missing": [(item_title(network_definition, m.item),
                         MISSING_REASONS.get(m.reason, m.reason)) for m in entry.missing],
        })
    return render_template(
        "dashboard/index.html",
        is_lead=LEAD in user.roles,
        is_reviewer=REVIEWER in user.roles,
        stage_rows=_stage_rows(dashboard.my_stage_counts, definition),
        total_led=sum(dashboard.my_stage_counts.values()),
        waiting=waiting,
        blocked=blocked,
        panel_limit=DASHBOARD_LIMIT,
        attention=_attention_rows(user),
        notifications=[(n, reason_text(n.kind, n.due_on, n.details))
                       for n in notifications_for(user)],
    )


def _attention_rows(user) -> list[dict]:
    """The municipality's attention list, most overdue first, each with its reason and where
    to act on it (the signal or input it is about, else the network)."""
    rows = []
    for entry in attention_list(user):
        item, network = entry.item, entry.network
        if item.kind == "signal_overdue" and item.ref:
            target = ("signals.signal", {"network_id": network.id, "signal_id": int(item.ref)})
        elif item.kind == "input_overdue":
            target = ("exchange.exchange", {"network_id": network.id})
        else:
            target = ("networks.detail", {"network_id": network.id})
        rows.append({"item": item, "network": network, "target": target,
                     "reason": reason_text(item.kind, item.due_on, item.details)})
    return rows
