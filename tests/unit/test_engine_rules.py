"""The lifecycle engine on the default workflow: options, gates, reasons, pause/resume, closing."""
from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import date, datetime

import pytest

from lifecycle.domain.engine import _Subject
from lifecycle.domain.errors import (
    GateBlocked, InvalidTransition, MissingItem, ReadOnly, ReasonRequired,
)
from lifecycle.domain.composition import figures_of
from lifecycle.domain.gates import AUTO_RULE_FACTS, AUTO_RULE_FUNCTIONS, ItemStatus, NetworkFacts
from tests.unit.conftest import GOOD_MEMBERS

NOW = datetime(2024, 5, 1, 9, 30)
ACTOR_ID = 42

# The table of the domain brief, written out by hand so the engine is checked against the brief.
TRIGGERS_FROM = {
    "orientation": {"start_core", "close"},
    "small_core": {"expand", "pause", "close"},
    "expansion": {"consolidate", "regroup", "pause", "close"},
    "maintenance": {"review", "pause", "close"},
    "paused": {"resume", "close"},
    "closed": set(),
}
NON_FINAL_STAGES = ["orientation", "small_core", "expansion", "maintenance", "paused"]


def manual_items(definition, *checklist_ids):
    return [item for c in checklist_ids for item in definition.checklist(c).items
            if item.needs_signoff]


def approved(definition, *checklist_ids) -> dict[str, str]:
    return {item.id: ItemStatus.APPROVED for item in manual_items(definition, *checklist_ids)}


def fire(engine, facts, stage, trigger, statuses=None, reason=None, paused_from=None):
    return engine.fire(stage=stage, paused_from=paused_from, trigger_id=trigger,
                       statuses=statuses or {}, facts=facts, reason=reason,
                       actor_id=ACTOR_ID, now=NOW)


@pytest.mark.parametrize("stage", sorted(TRIGGERS_FROM))
def test_options_list_exactly_the_triggers_whose_source_is_the_stage(engine, good_facts, stage):
    options = engine.options(stage, "small_core" if stage == "paused" else None, {}, good_facts)

    assert {option.id for option in options} == TRIGGERS_FROM[stage]


def test_a_blocked_option_lists_exactly_the_missing_items_in_definition_order(
        engine, definition, good_facts):
    statuses = approved(definition, "orientation", "mandate", "church_state")
    statuses["mandate.decision_recorded"] = ItemStatus.SUBMITTED
    statuses["church_state.members_briefed"] = ItemStatus.REJECTED
    del statuses["orientation.problem_goal"]

    options = {o.id: o for o in engine.options("orientation", None, statuses, good_facts)}

    start_core = options["start_core"]
    assert not start_core.available
    assert start_core.dest == "small_core"
    assert start_core.missing == (
        MissingItem("orientation", "orientation.problem_goal", "not_submitted"),
        MissingItem("mandate", "mandate.decision_recorded", "awaiting_signoff"),
        MissingItem("church_state", "church_state.members_briefed", "rejected"),
    )
    assert options["close"].available and options["close"].missing == ()


def test_with_nothing_signed_off_every_sign_off_item_of_the_gate_is_missing(
        engine, definition, good_facts):
    options = {o.id: o for o in engine.options("small_core", None, {}, good_facts)}

    expected = [MissingItem(item.checklist, item.id, "not_submitted")
                for item in manual_items(definition, "core_functioning", "diversity")]
    assert list(options["expand"].missing) == expected
    assert options["pause"].available and options["pause"].dest == "paused"


def test_an_option_becomes_available_once_its_gate_is_signed_off(engine, definition, good_facts):
    statuses = approved(definition, "core_functioning", "diversity")

    options = {o.id: o for o in engine.options("small_core", None, statuses, good_facts)}

    assert options["expand"].available and options["expand"].missing == ()


def test_resume_offers_the_stage_the_network_was_paused_from(engine, good_facts):
    (resume, close) = sorted(engine.options("paused", "expansion", {}, good_facts),
                             key=lambda o: o.id != "resume")

    assert resume.id == "resume" and resume.dest == "expansion" and resume.available
    assert close.id == "close"


def test_firing_a_gated_trigger_is_refused_with_the_missing_items(engine, definition, good_facts):
    statuses = approved(definition, "orientation", "mandate", "church_state")
    statuses["church_state.public_purpose"] = ItemStatus.SUBMITTED

    with pytest.raises(GateBlocked) as caught:
        fire(engine, good_facts, "orientation", "start_core", statuses)

    assert caught.value.missing == [
        MissingItem("church_state", "church_state.public_purpose", "awaiting_signoff")]
    assert caught.value.status == 409


def test_a_signed_off_gate_lets_the_trigger_fire(engine, definition, good_facts):
    statuses = approved(definition, "orientation", "mandate", "church_state")

    firing = fire(engine, good_facts, "orientation", "start_core", statuses)

    assert (firing.trigger, firing.from_stage, firing.to_stage) == (
        "start_core", "orientation", "small_core")
    assert firing.paused_from is None
    assert firing.actor_id == ACTOR_ID and firing.at == NOW


def test_auto_items_count_from_the_networks_own_facts(engine, definition, good_facts):
    statuses = approved(definition, "orientation", "mandate", "church_state")
    unjustified = replace(good_facts, form_justification="Omdat.", roles=())

    with pytest.raises(GateBlocked) as caught:
        fire(engine, unjustified, "orientation", "start_core", statuses)

    assert caught.value.missing == [
        MissingItem("orientation", "orientation.form_justified", "auto_not_met"),
        MissingItem("orientation", "orientation.roles_chosen", "auto_not_met"),
    ]


def test_auto_items_cannot_be_satisfied_by_a_status_alone(engine, definition, good_facts):
    statuses = approved(definition, "orientation", "mandate", "church_state")
    statuses["orientation.roles_chosen"] = ItemStatus.APPROVED
    no_roles = replace(good_facts, form="ad_hoc",
                       form_justification="Ad hoc past bij dit incident.", roles=())

    with pytest.raises(GateBlocked) as caught:
        fire(engine, no_roles, "orientation", "start_core", statuses)

    assert [m.item for m in caught.value.missing] == ["orientation.roles_chosen"]


@pytest.mark.parametrize("trigger, stage", [
    ("pause", "small_core"), ("regroup", "expansion"), ("close", "orientation")])
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_a_trigger_that_needs_a_reason_is_refused_without_one(
        engine, good_facts, trigger, stage, reason):
    with pytest.raises(ReasonRequired):
        fire(engine, good_facts, stage, trigger, reason=reason)


def test_the_reason_is_kept_trimmed(engine, good_facts):
    firing = fire(engine, good_facts, "expansion", "regroup", reason="  Te snel gegroeid.  ")

    assert firing.to_stage == "small_core" and firing.reason == "Te snel gegroeid."


@pytest.mark.parametrize("stage", ["small_core", "expansion", "maintenance"])
def test_resume_returns_to_the_stage_the_network_was_paused_from(engine, good_facts, stage):
    paused = fire(engine, good_facts, stage, "pause", reason="Zomerstop.")
    assert (paused.to_stage, paused.paused_from) == ("paused", stage)

    resumed = fire(engine, good_facts, "paused", "resume", paused_from=paused.paused_from)

    assert (resumed.to_stage, resumed.paused_from) == (stage, None)


def test_resume_without_a_remembered_stage_is_an_invalid_transition(engine, good_facts):
    with pytest.raises(InvalidTransition):
        fire(engine, good_facts, "paused", "resume", paused_from=None)


@pytest.mark.parametrize("stage", NON_FINAL_STAGES)
def test_close_works_from_every_stage_that_is_not_final(engine, good_facts, stage):
    firing = fire(engine, good_facts, stage, "close", reason="Opdracht afgerond.",
                  paused_from="expansion" if stage == "paused" else None)

    assert firing.to_stage == "closed" and firing.paused_from is None


@pytest.mark.parametrize("trigger",
                         sorted(set().union(*TRIGGERS_FROM.values())) + ["to_orientation"])
def test_nothing_leaves_closed(engine, definition, good_facts, trigger):
    everything = approved(definition, *(c.id for c in definition.checklists))

    with pytest.raises(ReadOnly):
        fire(engine, good_facts, "closed", trigger, everything, reason="Toch weer open.",
             paused_from="maintenance")


def test_review_stays_in_maintenance_and_reopens_its_checklists(engine, good_facts):
    firing = fire(engine, good_facts, "maintenance", "review")

    assert firing.to_stage == "maintenance"
    assert set(firing.reopens) == {"mandate", "church_state", "diversity"}


@pytest.mark.parametrize("trigger", ["teleport", "", "to_maintenance", "may_expand"])
def test_an_unknown_trigger_is_an_invalid_transition(engine, good_facts, trigger):
    with pytest.raises(InvalidTransition):
        fire(engine, good_facts, "expansion", trigger, reason="Waarom niet.")


@pytest.mark.parametrize("stage, trigger", [
    ("orientation", "expand"), ("orientation", "consolidate"), ("small_core", "consolidate"),
    ("orientation", "pause"), ("small_core", "resume"), ("maintenance", "regroup"),
    ("expansion", "review"), ("small_core", "start_core")])
def test_a_trigger_from_the_wrong_stage_is_an_invalid_transition(
        engine, definition, good_facts, stage, trigger):
    everything = approved(definition, *(c.id for c in definition.checklists))

    with pytest.raises(InvalidTransition):
        fire(engine, good_facts, stage, trigger, everything, reason="Door.",
             paused_from="small_core")


def test_no_stage_is_skipped_even_with_every_item_signed_off(engine, definition, good_facts):
    everything = approved(definition, *(c.id for c in definition.checklists))

    for stage in definition.active_stages:
        for option in engine.options(stage, None, everything, good_facts):
            if option.available and option.dest in definition.active_stages:
                order = definition.active_stages
                assert abs(order.index(option.dest) - order.index(stage)) <= 1


def test_the_machine_has_no_auto_transitions_to_bypass_a_gate(engine, good_facts):
    subject = engine._driving(_Subject("orientation", None, {}))
    try:
        assert engine._machine.auto_transitions is False
        assert not hasattr(subject, "to_maintenance")
        assert not hasattr(subject, "to_closed")
        assert hasattr(subject, "start_core")
    finally:
        engine._machine.remove_model(subject)
    with pytest.raises(InvalidTransition):
        fire(engine, good_facts, "orientation", "to_maintenance")


def test_one_machine_drives_several_networks_at_once_without_mixing_them(engine):
    # Two snapshots on the shared machine at the same time, alike in all but their gates: each
    # is judged on its own gate, and equal-looking snapshots are still two models.
    missing = [MissingItem("diversity", "diversity.fits_goal", "not_submitted")]
    shut = engine._driving(_Subject("small_core", None, {"expand": missing}))
    open_ = engine._driving(_Subject("small_core", None, {"expand": []}))
    twin = engine._driving(_Subject("small_core", None, {"expand": []}))
    try:
        assert len(engine._machine.models) == 3
        assert open_.may_expand() and not shut.may_expand()
        assert shut.trigger("expand") is False and shut.state == "small_core"
        assert open_.trigger("expand") is True and open_.state == "expansion"
        assert twin.state == "small_core"
    finally:
        for subject in (shut, open_, twin):
            engine._machine.remove_model(subject)


def test_asking_and_firing_leave_no_network_behind_on_the_machine(engine, definition,
                                                                   good_facts):
    statuses = approved(definition, "orientation", "mandate", "church_state", "mandate_current")
    engine.options("orientation", None, statuses, good_facts)
    fire(engine, good_facts, "orientation", "start_core", statuses)
    with pytest.raises(GateBlocked):
        fire(engine, good_facts, "orientation", "start_core")
    with pytest.raises(InvalidTransition):
        fire(engine, good_facts, "small_core", "resume")

    assert engine._machine.models == []


def test_a_gate_asks_only_for_the_facts_its_automatic_items_read(engine):
    # Written out from workflows/network-lifecycle.yaml: expand is gated on core_functioning
    # (core meetings), diversity (the composition against the profile) and mandate_current.
    assert engine.facts_needed("expand") == {"core_meetings", "composition", "profile",
                                             "mandate_valid_until", "today"}
    assert engine.facts_needed("start_core") == {
        "form", "form_justification", "roles", "organisations_mapped", "boards_approached",
        "intakes_held", "mandate_valid_until", "today"}
    assert engine.facts_needed("regroup") == frozenset()
    assert engine.facts_needed("no_such_step") == frozenset()


def _fact_variants(good_facts: NetworkFacts) -> list[NetworkFacts]:
    """Facts that pass every rule, facts with nothing recorded, and facts that fall just short."""
    nothing = NetworkFacts(form=None, form_justification=None, roles=())
    short = replace(good_facts, form_justification="Te kort.", roles=(),
                    organisations_mapped=4, boards_approached=2, intakes_held=2,
                    composition=figures_of(GOOD_MEMBERS[:2]), core_meetings=2,
                    mandate_valid_until=date(2024, 4, 30))
    return [good_facts, nothing, short]


def test_every_automatic_rule_says_which_facts_it_reads():
    fields = {f.name for f in dataclass_fields(NetworkFacts)}

    assert set(AUTO_RULE_FACTS) == set(AUTO_RULE_FUNCTIONS)
    for rule, reads in AUTO_RULE_FACTS.items():
        assert reads and reads <= fields, rule


@pytest.mark.parametrize("rule", sorted(AUTO_RULE_FUNCTIONS))
def test_a_rule_reads_nothing_beyond_the_facts_it_declares(rule, definition, good_facts):
    # Every declared field from one variant, every other field from another: the outcome must
    # be the first variant's, or a service gathering only the declared facts would judge wrongly.
    variants = _fact_variants(good_facts)
    undeclared = {f.name for f in dataclass_fields(NetworkFacts)} - AUTO_RULE_FACTS[rule]
    outcomes = set()
    for source in variants:
        expected = AUTO_RULE_FUNCTIONS[rule](source, definition.limits)
        outcomes.add(expected.ok)
        for other in variants:
            mixed = replace(source, **{name: getattr(other, name) for name in undeclared})
            assert AUTO_RULE_FUNCTIONS[rule](mixed, definition.limits) == expected
    assert outcomes == {True, False}, f"the variants never make {rule} both hold and fail"
