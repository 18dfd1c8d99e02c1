"""The audit trail through the real services: what each record holds, one chain per municipality,
and a chain that still verifies after a long mixed sequence of changes and refusals."""
from __future__ import annotations

from datetime import datetime

import pytest

from lifecycle.domain.audit import GENESIS_HASH, compute_hash
from lifecycle.domain.errors import (
    DomainError, FourEyesViolation, GateBlocked, InvalidTransition, NotAllowed, NotFound,
)
from lifecycle.extensions import db
from lifecycle.models import AuditChain
from lifecycle.services.accounts import (
    authenticate, create_token, create_user, list_tokens, revoke_token,
)
from lifecycle.services.audit import verify_audit
from lifecycle.services.users import set_user_roles
from lifecycle.services.checklists import (
    approve_item, reject_item, revoke_signoff, submit_evidence,
)
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.networks import update_network

from lifecycle.services.uow import write_transaction
from tests.conftest import TEST_PASSWORD

ORIGIN = "203.0.113.77"
ITEM = "church_state.public_purpose"


def chain_head(municipality_id: int) -> tuple[int, str]:
    db.session.expire_all()
    chain = db.session.query(AuditChain).filter_by(municipality_id=municipality_id).one()
    return chain.last_seq, chain.last_hash


def assert_all_chains_verify() -> None:
    reports = verify_audit()
    assert reports
    for report in reports:
        assert report.result.ok, report
        assert report.result.count == report.head_seq


def test_every_kind_of_change_is_recorded_with_who_what_where_and_before_after(
        make_user, make_network, write, audit_records):
    admin = make_user("admin")
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    municipality_id = admin.municipality_id
    moment = datetime(2024, 6, 3, 10, 15, 0, 123456)

    clerk = write(create_user, email="griffier@utrecht.example.nl", name="Griffier",
                  municipality_name="Utrecht", roles=["auditor"], password=TEST_PASSWORD,
                  created_by=admin, origin=ORIGIN, now=moment)
    write(set_user_roles, admin, clerk.id, ["auditor", "reviewer"], origin=ORIGIN)
    write(authenticate, clerk.email, TEST_PASSWORD, origin=ORIGIN)
    token = write(create_token, clerk, label="rapportage", origin=ORIGIN)
    network = make_network(lead)
    write(update_network, lead, network.id, {"goal": "Spanningen vroeg opmerken."},
          origin=ORIGIN)
    write(submit_evidence, lead, network.id, ITEM, "Doel: sociale stabiliteit.", origin=ORIGIN)
    write(reject_item, reviewer, network.id, ITEM, "Te vaag.", origin=ORIGIN)
    write(submit_evidence, lead, network.id, ITEM, "Doel: vroeg signaleren van polarisatie.",
          origin=ORIGIN)
    write(approve_item, reviewer, network.id, ITEM, "Helder.", origin=ORIGIN)
    write(revoke_signoff, clerk, network.id, ITEM, "Doel is inmiddels gewijzigd.", origin=ORIGIN)
    write(advance_network, lead, network.id, "close", "Opgegaan in een ander netwerk.",
          origin=ORIGIN)
    token_row_id = next(t.id for t in list_tokens(clerk) if token.startswith(t.prefix))
    write(revoke_token, clerk, token_row_id, origin=ORIGIN)

    records = audit_records(municipality_id=municipality_id)
    summary = [(r.action, r.actor_id, r.object_type, r.object_id, r.result)
               for r in records if r.origin == ORIGIN]
    item_object = f"{network.id}:{ITEM}"
    assert summary == [
        ("user.created", admin.id, "user", str(clerk.id), "ok"),
        ("user.roles_changed", admin.id, "user", str(clerk.id), "ok"),
        ("auth.login", clerk.id, "session", str(clerk.id), "ok"),
        ("token.created", clerk.id, "api_token", str(token_row_id), "ok"),
        ("network.updated", lead.id, "network", str(network.id), "ok"),
        ("item.evidence_submitted", lead.id, "checklist_item", item_object, "ok"),
        ("item.rejected", reviewer.id, "checklist_item", item_object, "ok"),
        ("item.evidence_submitted", lead.id, "checklist_item", item_object, "ok"),
        ("item.approved", reviewer.id, "checklist_item", item_object, "ok"),
        ("item.signoff_revoked", clerk.id, "checklist_item", item_object, "ok"),
        ("network.stage_changed", lead.id, "network", str(network.id), "ok"),
        ("token.revoked", clerk.id, "api_token", str(token_row_id), "ok"),
    ]
    assert {r.municipality_id for r in records} == {municipality_id}
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    by_action = {r.action: r for r in records if r.origin == ORIGIN}
    created = by_action["user.created"]
    assert created.occurred_at == moment
    assert created.after == {"roles": ["auditor"], "municipality_id": municipality_id}
    assert by_action["user.roles_changed"].before == {"roles": ["auditor"]}
    assert by_action["user.roles_changed"].after == {"roles": ["auditor", "reviewer"]}
    assert by_action["network.updated"].before == {
        "goal": "Vroeg signaleren van spanningen tussen jongeren in de wijk."}
    assert by_action["network.updated"].after == {"goal": "Spanningen vroeg opmerken."}
    assert by_action["item.signoff_revoked"].before["status"] == "approved"
    assert by_action["item.signoff_revoked"].after == {"status": "submitted"}
    closed = by_action["network.stage_changed"]
    assert closed.network_id == network.id
    assert closed.before == {"stage": "orientation", "paused_from": None}
    assert closed.after["stage"] == "closed"
    assert closed.after["reason"] == "Opgegaan in een ander netwerk."
    assert "griffier" not in str([r.after for r in records])  # references, not personal data
    assert_all_chains_verify()


def test_each_record_links_to_the_one_before_it_in_its_own_chain(
        make_user, make_network, write, audit_records):
    lead = make_user("lead")
    network = make_network(lead)
    write(submit_evidence, lead, network.id, ITEM, "Doel vastgelegd.")

    records = audit_records(municipality_id=lead.municipality_id)

    prev_hash = GENESIS_HASH
    for record in records:
        assert record.prev_hash == prev_hash
        assert record.hash == compute_hash(prev_hash, record)
        prev_hash = record.hash
    assert chain_head(lead.municipality_id) == (records[-1].seq, records[-1].hash)


def test_chains_are_per_municipality_so_one_never_advances_another(
        make_user, make_network, sign_off, write, audit_records):
    utrecht_lead = make_user("lead")
    utrecht_reviewer = make_user("reviewer")
    utrecht_network = make_network(utrecht_lead)
    utrecht_head = chain_head(utrecht_lead.municipality_id)

    venlo_lead = make_user("lead", municipality="Venlo")
    venlo_reviewer = make_user("reviewer", municipality="Venlo")
    venlo_network = make_network(venlo_lead, name="Netwerk Venlo-Oost")
    sign_off(venlo_network, venlo_lead, venlo_reviewer, "mandate")
    with pytest.raises(DomainError):
        write(advance_network, venlo_lead, venlo_network.id, "start_core")

    assert chain_head(utrecht_lead.municipality_id) == utrecht_head
    venlo = audit_records(municipality_id=venlo_lead.municipality_id)
    assert [r.seq for r in venlo] == list(range(1, len(venlo) + 1))
    assert venlo[0].prev_hash == GENESIS_HASH
    assert {r.municipality_id for r in venlo} == {venlo_lead.municipality_id}
    assert venlo[-1].result == "refused"

    sign_off(utrecht_network, utrecht_lead, utrecht_reviewer, "mandate")
    utrecht = audit_records(municipality_id=utrecht_lead.municipality_id)
    assert [r.seq for r in utrecht] == list(range(1, len(utrecht) + 1))
    assert utrecht[utrecht_head[0]].prev_hash == utrecht_head[1]
    assert_all_chains_verify()


def test_the_audit_trail_verifies_after_a_long_mixed_sequence(
        make_user, make_network, sign_off, walk_to, write, audit_records):
    lead = make_user("lead")
    lead_reviewer = make_user("lead", "reviewer")
    reviewer = make_user("reviewer")
    admin = make_user("admin")
    venlo_lead = make_user("lead", municipality="Venlo")
    first = make_network(lead)
    second = make_network(lead_reviewer, name="Netwerk Overvecht")
    venlo_network = make_network(venlo_lead, name="Netwerk Venlo")

    walk_to(first, lead, reviewer, "maintenance")
    # Each attempt with the outcome it must have: the refusal it raises, or what it returns.
    attempts = [
        (FourEyesViolation, approve_item, lead_reviewer, second.id, ITEM, "Eigen netwerk."),
        (GateBlocked, advance_network, lead_reviewer, second.id, "start_core", None),
        (NotFound, advance_network, venlo_lead, first.id, "close", "Niet van mij."),
        (NotAllowed, submit_evidence, reviewer, second.id, ITEM, "Niet de lead."),
        (None, authenticate, lead.email, "not the password"),  # no user: a refused login
        ("maintenance", advance_network, lead, first.id, "review", None),
        (InvalidTransition, advance_network, lead, first.id, "consolidate", None),
    ]
    write(submit_evidence, lead_reviewer, second.id, ITEM, "Doel.")
    for expected, service, *args in attempts:
        if isinstance(expected, type):
            with pytest.raises(expected):
                write(service, *args)
        elif expected is None:
            assert write(service, *args) is None, service.__name__
        else:
            assert write(service, *args).stage == expected, service.__name__
    write(update_network, admin, second.id, {"lead_id": lead.id})
    write(approve_item, reviewer, second.id, ITEM, "Akkoord.")
    write(advance_network, lead, first.id, "pause", "Zomer.")
    write(advance_network, lead, first.id, "resume")
    write(advance_network, venlo_lead, venlo_network.id, "close", "Dubbel aangemaakt.")

    results = {r.result for r in audit_records(municipality_id=lead.municipality_id)}
    assert results == {"ok", "refused"}
    assert len(audit_records(municipality_id=lead.municipality_id)) > 60
    municipality_ids = {lead.municipality_id, venlo_lead.municipality_id}
    assert_all_chains_verify()  # note: verification expunges the session's objects
    assert {report.municipality_id for report in verify_audit()} >= municipality_ids


def test_a_refused_attempt_is_recorded_at_the_moment_the_service_was_given(
        make_user, make_network, audit_records):
    lead, other_lead = make_user("lead"), make_user("lead")
    network = make_network(lead)
    attempt = datetime(2025, 3, 4, 10, 30)
    for service, args in ((advance_network, (lead, network.id, "start_core")),
                          (update_network, (other_lead, network.id, {"name": "Overgenomen"}))):
        with pytest.raises(DomainError):
            with write_transaction():
                service(*args, now=attempt)
    refused = [r for r in audit_records(municipality_id=network.municipality_id,
                                        network_id=network.id) if r.result == "refused"]
    assert [r.action for r in refused] == ["network.stage_changed", "network.updated"]
    assert all(r.occurred_at == attempt for r in refused)
