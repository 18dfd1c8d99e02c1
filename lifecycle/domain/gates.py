"""Checklist progress and gate rules: which items keep a gate shut, and why.

An item is satisfied when it is not required, when its reviewer sign-off is current
(status `approved`), or, for an *auto* item, when its rule holds for the network's own data
(and, for an auto item that a reviewer signs off too, that sign-off is current).
Gates read these persisted statuses; nothing here looks at the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Mapping

from .composition import DIVERSITY_RULES, AutoCheck, Figures, figures_of
from .errors import MissingItem
from .profiles import ProfileTargets
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
    """What auto rules may look at: the network's own recorded data, in counts and figures.

    No personal data: the composition is its aggregate figures over the active members.
    """

    form: str | None
    form_justification: str | None
    roles: tuple[str, ...]
    organisations_mapped: int = 0
    boards_approached: int = 0
    intakes_held: int = 0
    composition: Figures | None = None
    profile: ProfileTargets | None = None
    core_meetings: int = 0
    # The valid-until day of the signed-off mandate decision (None when none is signed off).
    mandate_valid_until: date | None = None
    today: date | None = None


def _form_justified(facts: NetworkFacts, limits: Mapping[str, int]) -> AutoCheck:
    length = len((facts.form_justification or "").strip())
    return AutoCheck(bool(facts.form) and length >= 20, {"form": facts.form, "length": length,
                                                         "need": 20})


def _roles_chosen(facts: NetworkFacts, limits: Mapping[str, int]) -> AutoCheck:
    return AutoCheck(len(facts.roles) >= 1, {"have": len(facts.roles), "need": 1})


def _at_least(count_of: Callable[[NetworkFacts], int], limit: str, default: int):
    def rule(facts: NetworkFacts, limits: Mapping[str, int]) -> AutoCheck:
        need = limits.get(limit, default)
        have = count_of(facts)
        return AutoCheck(have >= need, {"have": have, "need": need})
    return rule


def _diversity(rule_name: str):
    def rule(facts: NetworkFacts, limits: Mapping[str, int]) -> AutoCheck:
        figures = facts.composition or figures_of(())
        return DIVERSITY_RULES[rule_name](figures, facts.profile)
    return rule


def _mandate_valid(facts: NetworkFacts, limits: Mapping[str, int]) -> AutoCheck:
    until = facts.mandate_valid_until
    ok = until is not None and facts.today is not None and until >= facts.today
    return AutoCheck(ok, {"valid_until": until.isoformat() if until else None,
                          "today": facts.today.isoformat() if facts.today else None})


AUTO_RULE_FUNCTIONS: dict[str, Callable[[NetworkFacts, Mapping[str, int]], AutoCheck]] = {
    "network_form_justified": _form_justified,
    "network_roles_chosen": _roles_chosen,
    "organisations_mapped": _at_least(lambda f: f.organisations_mapped,
                                      "min_organisations_mapped", 5),
    "boards_approached": _at_least(lambda f: f.boards_approached, "min_boards_approached", 3),
    "intakes_held": _at_least(lambda f: f.intakes_held, "min_intakes", 3),
    "core_meetings_held": _at_least(lambda f: f.core_meetings, "min_core_meetings", 3),
    "mandate_valid": _mandate_valid,
    **{name: _diversity(name) for name in DIVERSITY_RULES},
}

# The NetworkFacts fields each rule reads, so a service can gather only what a gate needs (a
# stage change then costs the queries of its own gate, not those of every rule). A rule given
# facts without the fields it reads sees them empty, which only ever keeps a gate shut;
# tests/unit/test_engine_rules.py checks that every rule reads nothing beyond its entry here.
COMPOSITION_FACTS = frozenset({"composition", "profile"})
AUTO_RULE_FACTS: dict[str, frozenset[str]] = {
    "network_form_justified": frozenset({"form", "form_justification"}),
    "network_roles_chosen": frozenset({"roles"}),
    "organisations_mapped": frozenset({"organisations_mapped"}),
    "boards_approached": frozenset({"boards_approached"}),
    "intakes_held": frozenset({"intakes_held"}),
    "core_meetings_held": frozenset({"core_meetings"}),
    "mandate_valid": frozenset({"mandate_valid_until", "today"}),
    **{name: COMPOSITION_FACTS for name in DIVERSITY_RULES},
}


def facts_read_by(definition: WorkflowDefinition, checklist_ids) -> frozenset[str]:
    """The NetworkFacts fields the automatic items of these checklists read."""
    needed: set[str] = set()
    for checklist_id in checklist_ids:
        for item in definition.checklist(checklist_id).items:
            if item.is_auto:
                needed |= AUTO_RULE_FACTS[item.rule]
    return frozenset(needed)


AUTO_RULE_EXPLANATIONS = {
    "network_form_justified": "a network form is chosen and justified in at least 20 characters",
    "network_roles_chosen": "at least one network role is chosen",
    "organisations_mapped": "enough organisations are in the register",
    "boards_approached": "the boards of enough organisations were approached",
    "intakes_held": "enough intake conversations are recorded",
    "diversity_sectors": "the active members cover the profile's sectors and organisation types",
    "diversity_communities": "the members' organisations reach enough communities",
    "diversity_voices": "every community reached has enough voices",
    "diversity_formal_informal": "the share of formal key figures is within the profile's range",
    "diversity_age_gender": "the active members cover the profile's age bands and genders",
    "diversity_member_types": "the active members cover the profile's member types",
    "core_meetings_held": "enough core meetings with the core's members took place",
    "mandate_valid": "the signed-off mandate decision is valid today",
}


def auto_check(item: Item, facts: NetworkFacts, limits: Mapping[str, int]) -> AutoCheck | None:
    """The outcome of an item's automatic rule, with its numbers; None for a sign-off item."""
    return AUTO_RULE_FUNCTIONS[item.rule](facts, limits) if item.is_auto else None


def item_satisfied(item: Item, status: str, facts: NetworkFacts,
                   limits: Mapping[str, int] | None = None) -> bool:
    """Say whether one item counts as done for a gate.

    An auto item counts when its rule holds and, if it needs a sign-off too, that is current.
    """
    if item.is_auto and not AUTO_RULE_FUNCTIONS[item.rule](facts, limits or {}).ok:
        return False
    return not item.needs_signoff or status == ItemStatus.APPROVED


def missing_reason(item: Item, status: str, facts: NetworkFacts,
                   limits: Mapping[str, int]) -> str:
    if item.is_auto and not AUTO_RULE_FUNCTIONS[item.rule](facts, limits).ok:
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
            if item.required and not item_satisfied(item, status, facts, definition.limits):
                missing.append(MissingItem(checklist_id, item.id,
                                           missing_reason(item, status, facts,
                                                          definition.limits)))
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
