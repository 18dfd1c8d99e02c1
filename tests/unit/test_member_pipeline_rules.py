"""The member pipeline as the issue draws it: candidate → intake_held → invited → active →
inactive → left, plus declined from candidate, intake_held and invited. Every step is tried from
every state; a step the pipeline does not allow is refused, leaving needs a reason, a guard (the
growth limits) refuses with its own error, and the intake carries its outcome and house rules."""
from __future__ import annotations

from datetime import date

import pytest

from lifecycle.domain.composition import GrowthLimitReached
from lifecycle.domain.errors import InvalidTransition, ReadOnly, ReasonRequired, ValidationFailed
from lifecycle.domain.pipeline import PipelineEngine
from lifecycle.domain.registers import INTAKE_STEP, clean_step_details

STATES = ("candidate", "intake_held", "invited", "active", "inactive", "left", "declined")
STEPS = ("record_intake", "invite", "activate", "deactivate", "leave", "decline")
# The issue's table, written out: (state, step) -> where the step leads.
ALLOWED = {
    ("candidate", "record_intake"): "intake_held",
    ("candidate", "decline"): "declined",
    ("intake_held", "invite"): "invited",
    ("intake_held", "decline"): "declined",
    ("invited", "activate"): "active",
    ("invited", "decline"): "declined",
    ("active", "deactivate"): "inactive",
    ("active", "leave"): "left",
    ("inactive", "activate"): "active",
    ("inactive", "leave"): "left",
}
FINAL = {"left", "declined"}
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def pipeline(catalogue):
    return catalogue.member_pipeline


@pytest.fixture(scope="module")
def engine(pipeline):
    return PipelineEngine(pipeline)


def test_the_pipeline_has_the_states_and_steps_of_the_issue(pipeline):
    assert tuple(s.id for s in pipeline.states) == STATES
    assert tuple(s.id for s in pipeline.steps) == STEPS
    assert pipeline.initial == "candidate"
    assert {s.id for s in pipeline.states if s.final} == FINAL
    assert pipeline.member_states == ("active",)
    assert [s.id for s in pipeline.steps if s.reason_required] == ["leave"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("step", STEPS)
def test_every_step_from_every_state_goes_where_the_table_says_or_is_refused(engine, state,
                                                                              step):
    reason = "Verhuisd naar een andere stad."
    if state in FINAL:
        with pytest.raises(ReadOnly):
            engine.fire(state, step, reason=reason)
    elif (state, step) in ALLOWED:
        assert engine.fire(state, step, reason=reason) == ALLOWED[(state, step)]
    else:
        with pytest.raises(InvalidTransition) as refused:
            engine.fire(state, step, reason=reason)
        assert refused.value.code == "invalid-transition"


@pytest.mark.parametrize("state", STATES)
def test_the_options_of_a_state_are_exactly_its_allowed_steps(engine, state):
    options = engine.options(state)
    assert {(state, o.step.id) for o in options} == {k for k in ALLOWED if k[0] == state}
    assert all(o.available and o.refusal_code is None for o in options)
    assert {o.step.dest for o in options} == {v for k, v in ALLOWED.items() if k[0] == state}


def test_an_unknown_step_is_refused_by_name(engine):
    with pytest.raises(InvalidTransition):
        engine.fire("candidate", "to_active")
    with pytest.raises(InvalidTransition):
        engine.fire("candidate", "promote")


@pytest.mark.parametrize("reason", [None, "", "   \n"])
@pytest.mark.parametrize("state", ["active", "inactive"])
def test_leaving_needs_a_reason(engine, state, reason):
    with pytest.raises(ReasonRequired) as refused:
        engine.fire(state, "leave", reason=reason)
    assert refused.value.errors == {"reason": "required"}


def test_declining_and_the_other_steps_need_no_reason(engine):
    assert engine.fire("invited", "decline") == "declined"
    assert engine.fire("active", "deactivate") == "inactive"


def test_a_guard_refuses_with_its_own_error_and_shows_it_in_the_options(engine):
    refusal = GrowthLimitReached("The small core is full.", limit="max_core_size", maximum=12,
                                 count=12)

    def guard(step):
        return refusal if step.dest == "active" else None

    with pytest.raises(GrowthLimitReached):
        engine.fire("invited", "activate", guard=guard)
    with pytest.raises(GrowthLimitReached):
        engine.fire("inactive", "activate", guard=guard)
    assert engine.fire("invited", "decline", guard=guard) == "declined"
    options = {o.step.id: o for o in engine.options("invited", guard)}
    assert options["activate"].available is False
    assert options["activate"].refusal_code == "growth-limit"
    assert options["decline"].available is True


def test_a_step_the_pipeline_refuses_is_refused_before_the_guard_is_asked(engine):
    asked = []
    engine.fire("candidate", "record_intake", guard=lambda step: asked.append(step) or None)
    assert len(asked) == 1
    asked.clear()
    with pytest.raises(InvalidTransition):
        engine.fire("candidate", "activate", guard=lambda step: asked.append(step) or None)
    assert asked == []


# --- The intake and the step's details ----------------------------------------------------

def details(step, data, catalogue):
    return clean_step_details(step, data, today=TODAY, vocabularies=catalogue.vocabularies)


def test_the_intake_records_its_outcome_and_the_house_rules_explained(catalogue):
    got = details(INTAKE_STEP, {"intake_outcome": "not_now",
                                "house_rules": ["church_state", "openness"]}, catalogue)
    assert got["intake_outcome"] == "not_now"
    assert got["house_rules"] == ["openness", "church_state"]  # in the vocabulary's order
    assert got["happened_on"] == TODAY and got["reason"] is None
    every_rule = details(INTAKE_STEP, {"intake_outcome": "suitable", "house_rules": [
        "openness", "no_lobbying", "safe_setting", "church_state"]}, catalogue)
    assert every_rule["house_rules"] == ["openness", "no_lobbying", "safe_setting",
                                         "church_state"]
    assert details(INTAKE_STEP, {"intake_outcome": "not_suitable"},
                   catalogue)["house_rules"] == []


@pytest.mark.parametrize("outcome, code", [(None, "required"), ("", "required"),
                                           ("maybe", "invalid_choice")])
def test_an_intake_without_a_known_outcome_is_refused(catalogue, outcome, code):
    with pytest.raises(ValidationFailed) as refused:
        details(INTAKE_STEP, {"intake_outcome": outcome}, catalogue)
    assert refused.value.errors == {"intake_outcome": code}


@pytest.mark.parametrize("rules", [["openness", "openness"], ["lobbying"], "openness",
                                   [["openness"]]])
def test_house_rules_must_be_distinct_rules_of_the_vocabulary(catalogue, rules):
    with pytest.raises(ValidationFailed) as refused:
        details(INTAKE_STEP, {"intake_outcome": "suitable", "house_rules": rules}, catalogue)
    assert refused.value.errors == {"house_rules": "invalid_choice"}


def test_only_the_intake_carries_an_outcome_or_house_rules(catalogue):
    with pytest.raises(ValidationFailed) as refused:
        details("invite", {"intake_outcome": "suitable", "house_rules": ["openness"]},
                catalogue)
    assert refused.value.errors == {"intake_outcome": "unknown_field",
                                    "house_rules": "unknown_field"}


def test_a_step_happens_today_or_earlier_with_a_short_reason(catalogue):
    assert details("invite", {"happened_on": date(2026, 11, 3)},
                   catalogue)["happened_on"] == date(2026, 11, 3)
    with pytest.raises(ValidationFailed) as refused:
        details("leave", {"happened_on": date(2026, 12, 2), "reason": "x" * 1001}, catalogue)
    assert refused.value.errors == {"happened_on": "in_future", "reason": "too_long"}
    with pytest.raises(ValidationFailed) as refused:
        details("leave", {"happened_on": "2026-11-03", "reason": 12}, catalogue)
    assert refused.value.errors == {"happened_on": "not_a_date", "reason": "not_text"}
    assert details("leave", {"reason": "  Verhuisd.  "}, catalogue)["reason"] == "Verhuisd."
