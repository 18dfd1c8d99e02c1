"""Checklist progress and gate rules: which items keep a gate shut, and why.

An item is satisfied when it is not required, when its reviewer sign-off is current
(status `approved`), or, for an *auto* item, when its rule holds for the network's own data.
Gates read these persisted statuses; nothing here looks at the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from .errors import MissingItem
from .workflow import Item, WorkflowDefinition


class ItemStatus:
    """The life of one checklist item on one network."""

    OPEN = "open"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ALL = (OPEN, SUBMITTED, APPROVED, REJECTED)


@dataclass(frozen=True)
class NetworkFacts:
    """What auto rules may look at: the network's own recorded data, nothing personal."""

    form: str | None
    form_justification: str | None
    roles: tuple[str, ...]


def _form_justified(facts: NetworkFacts) -> bool:
    return bool(facts.form) and len((facts.form_justification or "").strip()) >= 20


def _roles_chosen(facts: NetworkFacts) -> bool:
    return len(facts.roles) >= 1


AUTO_RULE_FUNCTIONS: dict[str, Callable[[NetworkFacts], bool]] = {
    "network_form_justified": _form_justified,
    "network_roles_chosen": _roles_chosen,
}

AUTO_RULE_EXPLANATIONS = {
    "network_form_justified": "a network form is chosen and justified in at least 20 characters",
    "network_roles_chosen": "at least one network role is chosen",
}


def item_satisfied(item: Item, status: str, facts: NetworkFacts) -> bool:
    """Say whether one item counts as done for a gate."""
    if item.is_auto:
        return AUTO_RULE_FUNCTIONS[item.rule](facts)
    return status == ItemStatus.APPROVED


def missing_reason(item: Item, status: str) -> str:
    if item.is_auto:
        return "auto_not_met"
    return {
        ItemStatus.SUBMITTED: "awaiting_signoff",
        ItemStatus.REJECTED: "rejected",
    }.get(status, "not_submitted")


def missing_items(
    definition: WorkflowDefinition,
    checklist_ids: tuple[str, ...] | list[str],
    statuses: Mapping[str, str],
    facts: NetworkFacts,
) -> list[MissingItem]:
    """List the required items of these checklists that are not satisfied, in definition order."""
    missing: list[MissingItem] = []
    for checklist_id in checklist_ids:
        for item in definition.checklist(checklist_id).items:
            status = statuses.get(item.id, ItemStatus.OPEN)
            if item.required and not item_satisfied(item, status, facts):
                missing.append(MissingItem(checklist_id, item.id, missing_reason(item, status)))
    return missing


def reopened_gates(
    definition: WorkflowDefinition, stage: str, paused_from: str | None,
    statuses: Mapping[str, str], facts: NetworkFacts,
) -> list[MissingItem]:
    """Items of gates already passed on the way into `stage` that are open again."""
    if definition.is_final(stage):
        return []
    checklists = definition.gated_checklists_passed(stage, paused_from)
    return missing_items(definition, checklists, statuses, facts)
