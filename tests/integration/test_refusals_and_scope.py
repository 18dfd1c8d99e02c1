"""Who may do what, through the real services: four-eyes, roles, leads, and municipality scope.

Refusals that matter (four-eyes, a role that may not act, a blocked transition, a failed login)
leave an audit record with result `refused` and nothing else: no partial writes.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from lifecycle.domain.errors import (
    FourEyesViolation, GateBlocked, NotAllowed, NotFound, ValidationFailed,
)
from lifecycle.domain.gates import ItemStatus
from lifecycle.extensions import db
from lifecycle.models import Evidence, ItemState, Network, SignOff, StageChange, User
from lifecycle.services.accounts import authenticate
from lifecycle.services.checklists import (
    approve_item, checklists_of, item_history, item_states, reject_item, revoke_signoff,
    submit_evidence,
)
from lifecycle.services.history import AuditFilters, audit_log, network_history
from lifecycle.services.lifecycle import advance_network, transition_options
from lifecycle.services.networks import create_network, get_network, list_networks, update_network
from lifecycle.services.workflows import workflow_of

from tests.conftest import TEST_PASSWORD

ITEM = "mandate.sponsor_named"


def row_counts() -> dict[str, int]:
    """How many rows the tables a refusal must not touch hold."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Network, ItemState, Evidence, SignOff, StageChange)}


def snapshot(network_id: int) -> tuple:
    db.session.expire_all()
    network = db.session.get(Network, network_id)
    states = {i: (s.status, s.evidence_id, s.signoff_id)
              for i, s in item_states(network_id).items()}
    return network.stage, network.lead_id, network.version, network.goal, states


class TestFourEyes:
    def test_a_reviewer_cannot_sign_off_a_network_they_lead_and_the_refusal_is_audited(
            self, make_user, make_network, write, audit_records):
        lead_reviewer = make_user("lead", "reviewer")
        network = make_network(lead_reviewer)
        write(submit_evidence, lead_reviewer, network.id, ITEM, "Wethouder Bakker.")
        before, counts = snapshot(network.id), row_counts()

        with pytest.raises(FourEyesViolation):
            write(approve_item, lead_reviewer, network.id, ITEM, "Eigen werk, akkoord.")

        assert snapshot(network.id) == before and row_counts() == counts
        last = audit_records(municipality_id=lead_reviewer.municipality_id)[-1]
        assert (last.action, last.result, last.actor_id, last.network_id) == (
            "item.approved", "refused", lead_reviewer.id, network.id)
        assert last.object_id == f"{network.id}:{ITEM}"
        assert last.after == {"refusal": "four-eyes"}

    def test_nobody_signs_off_evidence_they_submitted_themselves(
            self, make_user, make_network, write, audit_records):
        former_lead = make_user("lead", "reviewer")
        new_lead = make_user("lead")
        admin = make_user("admin")
        network = make_network(former_lead)
        write(submit_evidence, former_lead, network.id, ITEM, "Wethouder Bakker.")
        write(update_network, admin, network.id, {"lead_id": new_lead.id})
        before, counts = snapshot(network.id), row_counts()

        with pytest.raises(FourEyesViolation) as caught:
            write(approve_item, former_lead, network.id, ITEM, "Akkoord.")
        with pytest.raises(FourEyesViolation):
            write(reject_item, former_lead, network.id, ITEM, "Toch niet.")

        assert "submitted" in caught.value.message
        assert snapshot(network.id) == before and row_counts() == counts
        refused = [r for r in audit_records(municipality_id=admin.municipality_id)
                   if r.result == "refused"]
        assert [(r.action, r.actor_id) for r in refused] == [
            ("item.approved", former_lead.id), ("item.rejected", former_lead.id)]

    def test_a_reviewer_made_lead_cannot_advance_on_their_own_sign_offs(
            self, make_user, make_network, sign_off, write, fresh_network, audit_records):
        lead = make_user("lead")
        lead_reviewer = make_user("lead", "reviewer")
        reviewer = make_user("reviewer")
        admin = make_user("admin")
        network = make_network(lead)
        sign_off(network, lead, lead_reviewer, "orientation", "mandate")
        sign_off(network, lead, reviewer, "church_state")

        write(update_network, admin, network.id, {"lead_id": lead_reviewer.id})

        with pytest.raises(GateBlocked) as caught:
            write(advance_network, lead_reviewer, network.id, "start_core")
        own = [i for i, s in item_states(network.id).items()
               if s.evidence is not None and i.split(".")[0] in ("orientation", "mandate")]
        # Their own sign-off of the mandate decision no longer counts, so neither does the mandate.
        assert sorted(m.item for m in caught.value.missing) == sorted(own + ["mandate_current.valid"])
        assert {m.reason for m in caught.value.missing} == {"awaiting_signoff", "auto_not_met"}
        assert fresh_network(network.id).stage == "orientation"
        reassigned = audit_records(municipality_id=admin.municipality_id,
                                   action="network.lead_reassigned")[-1]
        assert reassigned.after["stale_signoffs"] == sorted(own)
        stale = db.session.scalars(select(SignOff).where(
            SignOff.network_id == network.id, SignOff.reviewer_id == lead_reviewer.id)).all()
        assert stale and all(s.stale_at is not None for s in stale)

        for item_id in own:
            write(approve_item, reviewer, network.id, item_id, "Opnieuw bekeken.")
        write(advance_network, lead_reviewer, network.id, "start_core")
        assert fresh_network(network.id).stage == "small_core"


class TestRefusalsLeaveOnlyARecord:
    def test_a_blocked_transition_is_recorded_as_refused_and_changes_nothing(
            self, make_user, make_network, write, audit_records):
        lead = make_user("lead")
        network = make_network(lead)
        before, counts = snapshot(network.id), row_counts()
        records_before = len(audit_records(municipality_id=lead.municipality_id))

        with pytest.raises(GateBlocked):
            write(advance_network, lead, network.id, "start_core", origin="203.0.113.9")

        assert snapshot(network.id) == before and row_counts() == counts
        records = audit_records(municipality_id=lead.municipality_id)
        assert len(records) == records_before + 1
        refused = records[-1]
        assert (refused.action, refused.result, refused.origin) == (
            "network.stage_changed", "refused", "203.0.113.9")
        assert refused.before == {"stage": "orientation"}
        assert refused.after["trigger"] == "start_core"
        assert len(refused.after["missing"]) == 14

    def test_a_role_that_may_not_act_is_recorded_as_refused(
            self, make_user, make_network, write, audit_records):
        lead = make_user("lead")
        auditor = make_user("auditor")
        network = make_network(lead)
        write(submit_evidence, lead, network.id, ITEM, "Wethouder Bakker.")
        before = snapshot(network.id)

        with pytest.raises(NotAllowed):
            write(approve_item, auditor, network.id, ITEM, "Ik keur het goed.")
        with pytest.raises(NotAllowed):
            write(advance_network, auditor, network.id, "close", "Weg ermee.")

        assert snapshot(network.id) == before
        refused = [(r.action, r.actor_id, r.after["refusal"])
                   for r in audit_records(municipality_id=lead.municipality_id)
                   if r.result == "refused"]
        assert refused == [("item.approved", auditor.id, "forbidden"),
                           ("network.stage_changed", auditor.id, "forbidden")]

    def test_a_failed_login_is_recorded_as_refused(self, make_user, write, audit_records):
        user = make_user("lead")

        assert write(authenticate, user.email, "wrong password!", origin="198.51.100.4") is None
        assert write(authenticate, "nobody@utrecht.example.nl", TEST_PASSWORD) is None
        assert write(authenticate, user.email, TEST_PASSWORD).id == user.id

        mine = [r for r in audit_records(municipality_id=user.municipality_id)
                if r.action == "auth.login"]
        assert [(r.result, r.actor_id, r.origin, r.after) for r in mine] == [
            ("refused", user.id, "198.51.100.4", {"reason": "bad_credentials"}),
            ("ok", user.id, None, None)]
        unknown = audit_records(municipality_id=None, action="auth.login")
        assert [(r.result, r.actor_id, r.after) for r in unknown] == [
            ("refused", None, {"reason": "unknown_account"})]
        assert "nobody" not in str(unknown[0].after)

    def test_an_inactive_user_cannot_log_in(self, make_user, write, audit_records):
        user = make_user("reviewer")
        write(lambda: db.session.execute(
            update(User).where(User.id == user.id).values(active=False)))

        assert write(authenticate, user.email, TEST_PASSWORD) is None
        assert audit_records(municipality_id=user.municipality_id)[-1].result == "refused"


class TestMunicipalityScope:
    @pytest.fixture
    def utrecht_network(self, make_user, make_network, sign_off):
        lead = make_user("lead")
        reviewer = make_user("reviewer")
        network = make_network(lead)
        sign_off(network, lead, reviewer, "mandate")
        return network

    @pytest.fixture
    def outsider(self, make_user):
        return make_user("lead", "reviewer", "auditor", "admin", municipality="Venlo")

    SERVICES = {
        "get_network": lambda u, n: get_network(u, n),
        "update_network": lambda u, n: update_network(u, n, {"goal": "Overgenomen."}),
        "reassign_lead": lambda u, n: update_network(u, n, {"lead_id": u.id}),
        "checklists_of": lambda u, n: checklists_of(u, n),
        "item_history": lambda u, n: item_history(u, n, ITEM),
        "submit_evidence": lambda u, n: submit_evidence(u, n, ITEM, "Van buiten."),
        "approve_item": lambda u, n: approve_item(u, n, "orientation.problem_goal", "Ok."),
        "reject_item": lambda u, n: reject_item(u, n, ITEM, "Nee."),
        "revoke_signoff": lambda u, n: revoke_signoff(u, n, ITEM, "Verlopen."),
        "transition_options": lambda u, n: transition_options(u, n),
        "advance_network": lambda u, n: advance_network(u, n, "close", "Weg ermee."),
        "network_history": lambda u, n: network_history(u, n),
    }

    @pytest.mark.parametrize("service", sorted(SERVICES))
    def test_every_service_answers_not_found_for_another_municipalitys_network(
            self, utrecht_network, outsider, write, audit_records, service):
        before, counts = snapshot(utrecht_network.id), row_counts()
        utrecht_records = len(audit_records(municipality_id=utrecht_network.municipality_id))

        with pytest.raises(NotFound):
            write(self.SERVICES[service], outsider, utrecht_network.id)

        assert snapshot(utrecht_network.id) == before and row_counts() == counts
        assert len(audit_records(municipality_id=utrecht_network.municipality_id)) \
            == utrecht_records

    def test_lists_and_the_audit_log_stay_within_the_municipality(
            self, utrecht_network, outsider, make_network):
        venlo_network = make_network(outsider, name="Netwerk Venlo-Oost")

        assert [n.id for n in list_networks(outsider).items] == [venlo_network.id]
        venlo_log = audit_log(outsider, AuditFilters()).items
        assert venlo_log and {r.municipality_id for r in venlo_log} == {outsider.municipality_id}
        filtered = audit_log(outsider, AuditFilters(network_id=utrecht_network.id)).items
        assert filtered == []


class TestLeadsAndRoles:
    @pytest.mark.parametrize("roles", [("reviewer",), ("auditor",), ("admin",)])
    def test_only_a_lead_creates_networks(self, make_user, write, roles):
        user = make_user(*roles)
        counts = row_counts()

        with pytest.raises(NotAllowed):
            write(create_network, user, {"name": "Netwerk", "goal": "Signaleren."})

        assert row_counts() == counts

    def test_a_new_network_starts_in_orientation_with_every_item_open(self, make_user, write):
        lead = make_user("lead")

        network = write(create_network, lead, {"name": "Netwerk Zuilen", "goal": "Verbinden."})

        assert network.stage == "orientation" and network.lead_id == lead.id
        states = item_states(network.id)
        assert len(states) == len(workflow_of(network).items)
        assert {s.status for s in states.values()} == {ItemStatus.OPEN}

    def test_only_the_networks_own_lead_edits_and_advances_it(
            self, make_user, make_network, write):
        lead = make_user("lead")
        other_lead = make_user("lead")
        network = make_network(lead)
        before = snapshot(network.id)

        for service, *args in [
            (update_network, other_lead, network.id, {"goal": "Mijn doel."}),
            (submit_evidence, other_lead, network.id, ITEM, "Wethouder Bakker."),
            (advance_network, other_lead, network.id, "close", "Dubbel netwerk."),
        ]:
            with pytest.raises(NotAllowed):
                write(service, *args)

        assert snapshot(network.id) == before

    def test_another_lead_of_the_municipality_can_read_the_network(
            self, make_user, make_network):
        lead = make_user("lead")
        other_lead = make_user("lead")
        network = make_network(lead)

        assert get_network(other_lead, network.id).id == network.id
        assert len(checklists_of(other_lead, network.id)[1]) == 7
        assert {o.id for o in transition_options(other_lead, network.id)[1]} == {
            "start_core", "close"}
        assert network_history(other_lead, network.id).items

    def test_an_admin_reassigns_the_lead_and_the_new_lead_takes_over(
            self, make_user, make_network, write, audit_records, fresh_network):
        lead = make_user("lead")
        successor = make_user("lead")
        admin = make_user("admin")
        network = make_network(lead)

        write(update_network, admin, network.id, {"lead_id": successor.id}, origin="192.0.2.1")

        assert fresh_network(network.id).lead_id == successor.id
        record = audit_records(municipality_id=admin.municipality_id)[-1]
        assert (record.action, record.actor_id, record.before, record.after, record.origin) == (
            "network.lead_reassigned", admin.id, {"lead_id": lead.id},
            {"lead_id": successor.id}, "192.0.2.1")
        write(submit_evidence, successor, network.id, ITEM, "Wethouder Bakker.")
        with pytest.raises(NotAllowed):
            write(submit_evidence, lead, network.id, ITEM, "Nog van mij.")

    def test_the_lead_can_only_be_an_active_lead_of_the_same_municipality(
            self, make_user, make_network, write, fresh_network):
        lead = make_user("lead")
        admin = make_user("admin")
        reviewer = make_user("reviewer")
        venlo_lead = make_user("lead", municipality="Venlo")
        inactive_lead = make_user("lead")
        write(lambda: db.session.execute(
            update(User).where(User.id == inactive_lead.id).values(active=False)))
        network = make_network(lead)

        for candidate in (reviewer.id, venlo_lead.id, inactive_lead.id, 999_999, "1", None):
            with pytest.raises(ValidationFailed) as caught:
                write(update_network, admin, network.id, {"lead_id": candidate})
            assert caught.value.errors == {"lead_id": "invalid"}

        assert fresh_network(network.id).lead_id == lead.id

    def test_only_an_admin_reassigns_the_lead_and_an_admin_edits_nothing_else(
            self, make_user, make_network, write):
        lead = make_user("lead")
        successor = make_user("lead")
        admin = make_user("admin")
        network = make_network(lead)
        before = snapshot(network.id)

        with pytest.raises(NotAllowed):
            write(update_network, lead, network.id, {"lead_id": successor.id})
        with pytest.raises(NotAllowed):
            write(update_network, admin, network.id, {"goal": "Beheerdersdoel."})

        assert snapshot(network.id) == before
