"""The lifecycle through the real services and database: gates, sign-offs, pause, review, close."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lifecycle.domain.errors import (
    GateBlocked, InvalidTransition, MissingItem, ReadOnly, ReasonRequired,
)
from lifecycle.domain.gates import ItemStatus
from lifecycle.extensions import db
from lifecycle.models import AuditRecord, Evidence, SignOff
from lifecycle.services.checklists import (
    approve_item, checklists_of, item_states, reject_item, reopened_items, revoke_signoff,
    submit_evidence,
)
from lifecycle.services.lifecycle import advance_network, transition_options
from lifecycle.services.networks import update_network
from lifecycle.services.workflows import workflow_of

START_CORE_GATE = ("orientation", "mandate", "church_state", "mandate_current")


@pytest.fixture
def second_reviewer(make_user):
    return make_user("reviewer")


@pytest.fixture
def network(make_network, lead):
    return make_network(lead)


def status_of(network_id: int, item_id: str) -> str:
    db.session.expire_all()
    return item_states(network_id)[item_id].status


def manual_item_ids(network, *checklist_ids) -> list[str]:
    definition = workflow_of(network)
    return [i.id for c in checklist_ids for i in definition.checklist(c).items if i.needs_signoff]


def test_a_network_walks_from_orientation_to_maintenance_leaving_a_timeline(
        network, lead, reviewer, walk_to, stage_changes, audit_records):
    walked = walk_to(network, lead, reviewer, "maintenance")

    assert walked.stage == "maintenance"
    assert [(c.trigger, c.from_stage, c.to_stage, c.actor_id)
            for c in stage_changes(network.id)] == [
        ("start_core", "orientation", "small_core", lead.id),
        ("expand", "small_core", "expansion", lead.id),
        ("consolidate", "expansion", "maintenance", lead.id),
    ]
    changed = audit_records(municipality_id=lead.municipality_id, network_id=network.id,
                            action="network.stage_changed")
    assert [(r.before["stage"], r.after["stage"], r.result) for r in changed] == [
        ("orientation", "small_core", "ok"), ("small_core", "expansion", "ok"),
        ("expansion", "maintenance", "ok")]


def test_the_options_show_each_trigger_with_the_exact_items_still_missing(
        network, lead, reviewer, sign_off, write):
    sign_off(network, lead, reviewer, "orientation", "mandate")
    write(submit_evidence, lead, network.id, "church_state.public_purpose", "Openbaar doel.")

    _, options = transition_options(reviewer, network.id)

    by_id = {option.id: option for option in options}
    assert set(by_id) == {"start_core", "close"}
    assert not by_id["start_core"].available
    assert list(by_id["start_core"].missing) == [
        MissingItem("church_state", "church_state.public_purpose", "awaiting_signoff"),
        *[MissingItem("church_state", item_id, "not_submitted")
          for item_id in manual_item_ids(network, "church_state")[1:]],
    ]
    assert by_id["close"].available


def test_a_trigger_without_its_gate_is_blocked_and_nothing_changes(
        network, lead, write, fresh_network, stage_changes, audit_records):
    version_before = fresh_network(network.id).version

    with pytest.raises(GateBlocked) as caught:
        write(advance_network, lead, network.id, "start_core")

    assert {m.checklist for m in caught.value.missing} == set(START_CORE_GATE)
    assert fresh_network(network.id).stage == "orientation"
    assert fresh_network(network.id).version == version_before
    assert stage_changes(network.id) == []
    refused = audit_records(municipality_id=lead.municipality_id, network_id=network.id,
                            action="network.stage_changed")
    assert [r.result for r in refused] == ["refused"]
    assert refused[0].after["refusal"] == "gate-blocked"
    assert {(m["checklist"], m["item"]) for m in refused[0].after["missing"]} == {
        (m.checklist, m.item) for m in caught.value.missing}


def test_the_gate_is_checked_again_at_the_moment_of_firing(
        network, lead, reviewer, sign_off, write, fresh_network, stage_changes):
    sign_off(network, lead, reviewer, *START_CORE_GATE)
    _, options = transition_options(lead, network.id)
    assert {o.id: o.available for o in options}["start_core"]

    write(revoke_signoff, reviewer, network.id, "mandate.decision_recorded",
          "Het besluit is ingetrokken door de raad.")
    with pytest.raises(GateBlocked) as caught:
        write(advance_network, lead, network.id, "start_core")

    assert caught.value.missing == [
        MissingItem("mandate", "mandate.decision_recorded", "awaiting_signoff"),
        MissingItem("mandate_current", "mandate_current.valid", "auto_not_met")]
    assert fresh_network(network.id).stage == "orientation"
    assert stage_changes(network.id) == []


def test_a_revoked_sign_off_puts_the_item_back_to_submitted_until_signed_off_again(
        network, lead, reviewer, second_reviewer, sign_off, write, fresh_network):
    sign_off(network, lead, reviewer, *START_CORE_GATE)
    item_id = "church_state.equal_treatment"
    first_signoff_id = item_states(network.id)[item_id].signoff_id

    write(revoke_signoff, second_reviewer, network.id, item_id, "Niet alle besturen uitgenodigd.")

    assert status_of(network.id, item_id) == ItemStatus.SUBMITTED
    state = item_states(network.id)[item_id]
    assert state.signoff_id is None and state.evidence_id is not None
    revoked = db.session.get(SignOff, first_signoff_id)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == second_reviewer.id
    assert revoked.revoke_reason == "Niet alle besturen uitgenodigd."
    with pytest.raises(InvalidTransition):
        write(revoke_signoff, reviewer, network.id, item_id, "Nog een keer.")

    write(approve_item, second_reviewer, network.id, item_id, "Nu wel compleet.")
    write(advance_network, lead, network.id, "start_core")

    assert fresh_network(network.id).stage == "small_core"


def test_rejected_evidence_blocks_the_gate_until_new_evidence_is_signed_off(
        network, lead, reviewer, sign_off, write, fresh_network):
    sign_off(network, lead, reviewer, "orientation", "church_state")
    sign_off(network, lead, reviewer, "mandate")
    item_id = "mandate.resources_settled"
    write(submit_evidence, lead, network.id, item_id, "Budget volgt later.")
    write(reject_item, reviewer, network.id, item_id, "Zonder budget geen mandaat.")

    with pytest.raises(GateBlocked) as caught:
        write(advance_network, lead, network.id, "start_core")
    assert caught.value.missing == [MissingItem("mandate", item_id, "rejected")]

    write(submit_evidence, lead, network.id, item_id, "Budget 2024: 15.000 euro, besluit B&W.")
    write(approve_item, reviewer, network.id, item_id, "Akkoord.")
    write(advance_network, lead, network.id, "start_core")
    assert fresh_network(network.id).stage == "small_core"


def test_changing_approved_evidence_makes_the_sign_off_stale_and_shows_the_passed_gate_open(
        network, lead, reviewer, walk_to, write, fresh_network):
    walk_to(network, lead, reviewer, "small_core")
    item_id = "mandate.sponsor_named"
    old_state = item_states(network.id)[item_id]
    old_signoff_id, old_evidence_id = old_state.signoff_id, old_state.evidence_id
    assert reopened_items(fresh_network(network.id)) == []

    write(submit_evidence, lead, network.id, item_id, "Nieuwe wethouder sinds de verkiezingen.",
          ["https://gemeente.example.nl/besluit/2024-77"])

    db.session.expire_all()
    state = item_states(network.id)[item_id]
    assert state.status == ItemStatus.SUBMITTED and state.signoff_id is None
    assert state.evidence_id != old_evidence_id
    assert db.session.get(Evidence, state.evidence_id).links == [
        "https://gemeente.example.nl/besluit/2024-77"]
    stale = db.session.get(SignOff, old_signoff_id)
    assert stale.stale_at is not None and stale.revoked_at is None
    assert fresh_network(network.id).stage == "small_core"
    assert reopened_items(fresh_network(network.id)) == [
        MissingItem("mandate", item_id, "awaiting_signoff")]


def test_review_in_maintenance_reopens_mandate_church_state_and_diversity(
        network, lead, reviewer, walk_to, write, fresh_network):
    walk_to(network, lead, reviewer, "maintenance")
    before = {item_id: state.signoff_id for item_id, state in item_states(network.id).items()}

    write(advance_network, lead, network.id, "review")

    db.session.expire_all()
    states = item_states(network.id)
    reopened = set(manual_item_ids(network, "mandate", "church_state", "diversity"))
    untouched = set(manual_item_ids(network, "orientation", "core_functioning",
                                    "maintenance_plan"))
    assert {i for i in reopened if states[i].status == ItemStatus.OPEN} == reopened
    assert {i for i in untouched if states[i].status == ItemStatus.APPROVED} == untouched
    assert all(db.session.get(SignOff, before[i]).stale_at is not None for i in reopened)
    assert fresh_network(network.id).stage == "maintenance"
    # The mandate is no longer signed off, so it no longer counts as current either.
    assert {m.item for m in reopened_items(fresh_network(network.id))} == \
        reopened | {"mandate_current.valid"}


def test_pause_needs_a_reason_and_resume_returns_to_the_stage_it_was_paused_from(
        network, lead, reviewer, walk_to, write, fresh_network):
    walk_to(network, lead, reviewer, "expansion")

    with pytest.raises(ReasonRequired):
        write(advance_network, lead, network.id, "pause", "   ")
    assert fresh_network(network.id).stage == "expansion"

    write(advance_network, lead, network.id, "pause", "Zomerreces van de kern.")
    paused = fresh_network(network.id)
    assert (paused.stage, paused.paused_from) == ("paused", "expansion")
    _, options = transition_options(lead, network.id)
    assert {o.id: o.dest for o in options} == {"resume": "expansion", "close": "closed"}

    write(advance_network, lead, network.id, "resume")
    resumed = fresh_network(network.id)
    assert (resumed.stage, resumed.paused_from) == ("expansion", None)


def test_regroup_needs_a_reason_and_goes_back_to_the_small_core(
        network, lead, reviewer, walk_to, write, fresh_network, stage_changes):
    walk_to(network, lead, reviewer, "expansion")

    with pytest.raises(ReasonRequired):
        write(advance_network, lead, network.id, "regroup")
    write(advance_network, lead, network.id, "regroup", "Te snel gegroeid; eerst de kern.")

    assert fresh_network(network.id).stage == "small_core"
    assert stage_changes(network.id)[-1].reason == "Te snel gegroeid; eerst de kern."


def test_a_stage_cannot_be_skipped(network, lead, reviewer, sign_off, write, fresh_network):
    sign_off(network, lead, reviewer, *(c.id for c in workflow_of(network).checklists))

    for trigger in ("expand", "consolidate", "resume", "to_maintenance"):
        with pytest.raises(InvalidTransition):
            write(advance_network, lead, network.id, trigger)
    assert fresh_network(network.id).stage == "orientation"


def test_a_closed_network_is_read_only(
        network, lead, reviewer, make_user, sign_off, write, fresh_network, audit_records):
    admin = make_user("admin")
    other_lead = make_user("lead")
    sign_off(network, lead, reviewer, "mandate")
    write(submit_evidence, lead, network.id, "orientation.problem_goal", "Doel beschreven.")
    write(advance_network, lead, network.id, "close", "Het project is gestopt.")
    records_before = len(audit_records(municipality_id=lead.municipality_id))
    evidence_before = db.session.scalar(select(func.count()).select_from(Evidence))

    attempts = [
        (submit_evidence, lead, network.id, "orientation.intakes_held", "Gesprekken gevoerd."),
        (submit_evidence, lead, network.id, "mandate.sponsor_named", "Andere wethouder."),
        (approve_item, reviewer, network.id, "orientation.problem_goal", "Akkoord."),
        (reject_item, reviewer, network.id, "orientation.problem_goal", "Nee."),
        (revoke_signoff, reviewer, network.id, "mandate.sponsor_named", "Verlopen."),
        (update_network, lead, network.id, {"goal": "Een nieuw doel."}),
        (update_network, admin, network.id, {"lead_id": other_lead.id}),
        *[(advance_network, lead, network.id, trigger, "Toch weer open.")
          for trigger in ("start_core", "resume", "close", "pause")],
    ]
    for service, *args in attempts:
        with pytest.raises(ReadOnly):
            write(service, *args)

    closed = fresh_network(network.id)
    assert closed.stage == "closed" and closed.lead_id == lead.id
    assert closed.goal != "Een nieuw doel."
    assert status_of(network.id, "mandate.sponsor_named") == ItemStatus.APPROVED
    assert status_of(network.id, "orientation.problem_goal") == ItemStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == evidence_before
    assert len(audit_records(municipality_id=lead.municipality_id)) == records_before
    _, options = transition_options(lead, network.id)
    assert options == []


def test_auto_items_follow_the_networks_own_data(make_network, lead, reviewer, sign_off, write,
                                                 fresh_network):
    network = make_network(lead, roles=[], form_justification="")
    sign_off(network, lead, reviewer, *START_CORE_GATE)

    with pytest.raises(GateBlocked) as caught:
        write(advance_network, lead, network.id, "start_core")
    assert caught.value.missing == [
        MissingItem("orientation", "orientation.form_justified", "auto_not_met"),
        MissingItem("orientation", "orientation.roles_chosen", "auto_not_met")]

    write(update_network, lead, network.id, {
        "roles": ["prevention"],
        "form_justification": "Ad hoc: het gaat om spanningen rond één gebeurtenis."})
    write(advance_network, lead, network.id, "start_core")
    assert fresh_network(network.id).stage == "small_core"


def test_the_checklists_view_shows_status_evidence_and_sign_off(network, lead, reviewer, write):
    write(submit_evidence, lead, network.id, "mandate.sponsor_named", "Wethouder Jansen.")
    write(approve_item, reviewer, network.id, "mandate.sponsor_named", "Klopt.")

    _, views = checklists_of(reviewer, network.id)

    items = {view.item.id: view for checklist in views for view in checklist.items}
    assert len(items) == len(workflow_of(network).items)
    sponsor = items["mandate.sponsor_named"]
    assert sponsor.status == ItemStatus.APPROVED
    assert sponsor.state.evidence.justification == "Wethouder Jansen."
    assert sponsor.state.signoff.reviewer_id == reviewer.id
    assert sponsor.state.signoff.comment == "Klopt."
    assert items["orientation.roles_chosen"].auto_ok is True
    assert items["orientation.problem_goal"].status == ItemStatus.OPEN


def test_every_successful_change_has_exactly_one_audit_record(
        network, lead, reviewer, walk_to, audit_records):
    walk_to(network, lead, reviewer, "expansion")

    records = audit_records(municipality_id=lead.municipality_id, network_id=network.id)
    manual = manual_item_ids(network, *START_CORE_GATE, "core_functioning", "diversity")
    counts = {action: sum(1 for r in records if r.action == action and r.result == "ok")
              for action in ("network.created", "item.evidence_submitted", "item.approved",
                             "network.stage_changed")}
    assert counts == {"network.created": 1, "item.evidence_submitted": len(manual),
                      "item.approved": len(manual), "network.stage_changed": 2}
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.network_id == network.id, AuditRecord.result != "ok")) == 0
