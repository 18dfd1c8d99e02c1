"""Concurrent writers on the real database: exactly one firing wins, and the chain stays whole.

Every thread pushes its own app context, so it has its own session and connection. On SQLite
the file database runs in WAL mode with BEGIN IMMEDIATE for writes, so writers queue behind the
busy timeout instead of failing; on PostgreSQL the network row and the chain head are locked.

What each database run proves: on SQLite, BEGIN IMMEDIATE takes the one write lock before the
first read, so the write transactions run one after another even though the threads start
together. These tests would pass the same on SQLite if the threads ran in sequence: there they
show that queued writers see each other's commits and that nothing fails with "database is
locked", not that a race is handled. The PostgreSQL run, where transactions really overlap and
only the row locks and the compare-and-set keep them apart, is the proof of the race handling;
CI runs both (`scripts/test`).
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from lifecycle.domain.audit import AuditDraft
from lifecycle.domain.errors import Conflict, GateBlocked, InvalidTransition
from lifecycle.domain.gates import ItemStatus
from lifecycle.extensions import db
from lifecycle.models import SignOff, User
from lifecycle.services.audit import append_audit, verify_audit
from lifecycle.services.checklists import (
    approve_item, item_states, revoke_signoff, submit_evidence,
)
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction
from tests.builders import example_details

THREADS = 6
START_CORE_GATE = ("orientation", "mandate", "church_state", "mandate_current")
HOLD_SECONDS = 0.5


def assert_lost_with_a_conflict(error: BaseException | None) -> None:
    assert isinstance(error, (Conflict, InvalidTransition)), repr(error)
    assert error.status == 409


def assert_every_chain_verifies() -> None:
    for report in verify_audit():
        assert report.result.ok, report
        assert report.result.count == report.head_seq


@pytest.fixture
def ready_network(make_network, lead, reviewer, sign_off):
    """A network in orientation whose start_core gate is fully signed off."""
    network = make_network(lead)
    sign_off(network, lead, reviewer, *START_CORE_GATE)
    return network


def test_when_several_users_fire_the_same_trigger_at_once_exactly_one_wins(
        ready_network, lead, run_together, load_user, write, stage_changes, audit_records,
        fresh_network):
    network_id, lead_id, municipality_id = ready_network.id, lead.id, lead.municipality_id
    records_before = len(audit_records(municipality_id=municipality_id))

    outcomes = run_together(
        THREADS, lambda _: load_user(lead_id),
        lambda user: write(advance_network, user, network_id, "start_core").stage)

    winners = [o for o in outcomes if o.ok]
    assert [o.result for o in winners] == ["small_core"]
    for loser in (o for o in outcomes if not o.ok):
        assert_lost_with_a_conflict(loser.error)
    assert fresh_network(network_id).stage == "small_core"
    assert [(c.from_stage, c.to_stage) for c in stage_changes(network_id)] == [
        ("orientation", "small_core")]
    # The losers leave nothing behind: not a stage change, not a half-written refusal.
    written = audit_records(municipality_id=municipality_id)[records_before:]
    assert [(r.action, r.result, r.after["stage"]) for r in written] == [
        ("network.stage_changed", "ok", "small_core")]
    assert_every_chain_verifies()


def test_when_different_triggers_are_fired_from_the_same_stage_only_the_first_applies(
        ready_network, lead, reviewer, walk_to, run_together, load_user, write, stage_changes):
    walk_to(ready_network, lead, reviewer, "expansion")
    network_id, lead_id = ready_network.id, lead.id
    changes_before = len(stage_changes(network_id))
    attempts = [("pause", "Zomer."), ("regroup", "Te snel."), ("close", "Klaar."),
                ("pause", "Vakantie.")]

    outcomes = run_together(
        len(attempts), lambda i: (load_user(lead_id), *attempts[i]),
        lambda prepared: write(advance_network, prepared[0], network_id, prepared[1],
                               prepared[2], expected_stage="expansion").stage)

    assert len([o for o in outcomes if o.ok]) == 1
    for loser in (o for o in outcomes if not o.ok):
        assert_lost_with_a_conflict(loser.error)
    changes = stage_changes(network_id)
    assert len(changes) == changes_before + 1
    assert changes[-1].from_stage == "expansion"
    assert_every_chain_verifies()


def test_concurrent_appends_to_one_municipality_chain_leave_no_gap_or_duplicate(
        lead, run_together, audit_records):
    municipality_id = lead.municipality_id
    appends_per_thread = 8
    existing = len(audit_records(municipality_id=municipality_id))

    def append_many(thread_index: int) -> int:
        for n in range(appends_per_thread):
            with write_transaction():
                append_audit(AuditDraft(
                    municipality_id=municipality_id, actor_id=None, object_type="test",
                    object_id=f"{thread_index}-{n}", action="test.appended"))
        return thread_index

    outcomes = run_together(8, lambda i: i, append_many)

    assert [o.error for o in outcomes] == [None] * 8
    records = audit_records(municipality_id=municipality_id)
    assert [r.seq for r in records] == list(range(1, existing + 8 * appends_per_thread + 1))
    appended = sorted(r.object_id for r in records if r.action == "test.appended")
    assert appended == sorted(f"{t}-{n}" for t in range(8) for n in range(appends_per_thread))
    assert_every_chain_verifies()


def test_concurrent_evidence_on_one_network_is_all_kept(
        make_network, lead, run_together, load_user, write, audit_records):
    network_id, lead_id = make_network(lead).id, lead.id
    items = ["mandate.sponsor_named", "mandate.decision_recorded", "mandate.roles_described",
             "mandate.resources_settled", "church_state.public_purpose"]
    details = {"mandate.decision_recorded": example_details("mandate_decision")}

    outcomes = run_together(
        len(items), lambda i: (load_user(lead_id), items[i]),
        lambda prepared: write(submit_evidence, prepared[0], network_id, prepared[1],
                               f"Toelichting bij {prepared[1]}.",
                               details=details.get(prepared[1])).status)

    assert [o.error for o in outcomes] == [None] * len(items)
    db.session.expire_all()
    states = item_states(network_id)
    assert {item_id: states[item_id].status for item_id in items} == {
        item_id: ItemStatus.SUBMITTED for item_id in items}
    submitted = audit_records(municipality_id=lead.municipality_id, network_id=network_id,
                              action="item.evidence_submitted")
    assert sorted(r.object_id.split(":")[1] for r in submitted) == sorted(items)
    assert_every_chain_verifies()


def test_when_two_reviewers_sign_off_the_same_item_at_once_one_decision_counts(
        make_network, lead, reviewer, make_user, run_together, load_user, write):
    second_reviewer = make_user("reviewer")
    network_id = make_network(lead).id
    item_id = "mandate.sponsor_named"
    write(submit_evidence, lead, network_id, item_id, "Wethouder Bakker.")
    reviewer_ids = [reviewer.id, second_reviewer.id, reviewer.id, second_reviewer.id]

    outcomes = run_together(
        len(reviewer_ids), lambda i: load_user(reviewer_ids[i]),
        lambda user: write(approve_item, user, network_id, item_id, "Akkoord.").status)

    assert [o.result for o in outcomes if o.ok] == [ItemStatus.APPROVED]
    for loser in (o for o in outcomes if not o.ok):
        assert_lost_with_a_conflict(loser.error)
    assert db.session.scalar(select(func.count()).select_from(SignOff).where(
        SignOff.network_id == network_id)) == 1
    assert_every_chain_verifies()


def run_while_holding_the_network(app, hold, then):
    """Run `hold` in one thread inside a write transaction that stays open a moment; start
    `then` in a second thread once `hold` has locked the network, so it must wait for it."""
    locked = threading.Event()
    finished = {}

    def holder():
        with app.app_context():
            try:
                with write_transaction():
                    hold()
                    locked.set()
                    time.sleep(HOLD_SECONDS)
                finished["hold"] = time.monotonic()
            except BaseException as exc:
                finished["hold_error"] = exc
            finally:
                locked.set()

    def follower():
        with app.app_context():
            locked.wait(timeout=30)
            try:
                finished["then"] = then()
            except BaseException as exc:
                finished["then_error"] = exc
            finished["then_done"] = time.monotonic()

    db.session.commit()
    threads = [threading.Thread(target=holder), threading.Thread(target=follower)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert "hold_error" not in finished, finished.get("hold_error")
    assert finished["then_done"] >= finished["hold"]
    return finished


def test_a_firing_that_waits_for_a_revocation_sees_it_and_is_blocked(
        app, ready_network, lead, reviewer, write, fresh_network, stage_changes):
    network_id, lead_id, reviewer_id = ready_network.id, lead.id, reviewer.id
    item_id = "church_state.members_briefed"

    finished = run_while_holding_the_network(
        app,
        hold=lambda: revoke_signoff(db.session.get(User, reviewer_id), network_id, item_id,
                                    "De leden zijn nog niet ingelicht."),
        then=lambda: write(advance_network, db.session.get(User, lead_id), network_id,
                           "start_core"),
    )

    assert isinstance(finished.get("then_error"), GateBlocked), finished
    assert [m.item for m in finished["then_error"].missing] == [item_id]
    assert fresh_network(network_id).stage == "orientation"
    assert stage_changes(network_id) == []


def test_a_firing_that_waits_for_the_last_sign_off_sees_it_and_succeeds(
        app, make_network, lead, reviewer, sign_off, write, fresh_network, stage_changes):
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "mandate")
    sign_off(network, lead, reviewer, "church_state")
    item_id = "church_state.members_briefed"
    write(revoke_signoff, reviewer, network.id, item_id, "Nog een keer bekijken.")
    network_id, lead_id, reviewer_id = network.id, lead.id, reviewer.id

    finished = run_while_holding_the_network(
        app,
        hold=lambda: approve_item(db.session.get(User, reviewer_id), network_id, item_id,
                                  "Nu wel."),
        then=lambda: write(advance_network, db.session.get(User, lead_id), network_id,
                           "start_core").stage,
    )

    assert finished.get("then_error") is None, finished.get("then_error")
    assert finished["then"] == "small_core"
    assert fresh_network(network_id).stage == "small_core"
    assert len(stage_changes(network_id)) == 1

