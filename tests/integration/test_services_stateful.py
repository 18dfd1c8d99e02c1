"""Hypothesis stateful test at the service level: the real services on the real database.

Any sequence of submit, approve, reject, revoke, edit (evidence and network), reassign the lead
and fire, by any mix of users: the network's lead, a lead who is also a reviewer (and sometimes
the network's lead), two reviewers, an auditor, an admin and a user of another municipality.
Every write runs in `write_transaction()`, as a route does. A model of the rules predicts
whether each attempt may succeed and the services must agree; after every step the database
must match the model:
- the network's stage, paused_from and lead, and every item's status;
- one stage_change row per firing, each from a stage in its trigger's sources;
- every current sign-off is by someone who is neither the network's lead nor the submitter,
  and when a gated trigger fired, its whole gate was signed off that way;
- one `ok` audit record per change and one `refused` record per refusal that matters
  (a role or four-eyes refusal, a blocked transition); the chain links up after every step
  and `verify_audit` passes at the end of every example.

Every sign-off a gate counted, and every current one, is read from the database and must be
current: of the item's latest evidence, not revoked, not stale, and by someone who is neither the
network's lead (as the row says now) nor that evidence's submitter.

Besides random attempts, the rules hand the network to a second lead (an earlier lead's
evidence then meets its submitter as a reviewer: both kinds of four-eyes refusal), and walk
along the gates to maintenance and its review. The test fails unless the run reached every
stage, fired every trigger, changed the lead and saw both refusals; it prints in how many
examples it saw each. HYPOTHESIS_PROFILE=thorough runs many more examples.

Each example gets a fresh network, so examples never see each other's items or stages.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, event, settings, strategies as st, target
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from lifecycle.config import PROJECT_ROOT
from lifecycle.domain.audit import compute_hash
from lifecycle.domain.errors import DomainError, FourEyesViolation, GateBlocked, NotAllowed
from lifecycle.domain.gates import ItemStatus
from lifecycle.domain.workflow import load_workflow
from lifecycle.extensions import db
from lifecycle.models import AuditChain, AuditRecord, Network, StageChange, User
from lifecycle.services.audit import verify_audit
from lifecycle.services.checklists import (
    approve_item, item_states, reject_item, revoke_signoff, submit_evidence,
)
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.networks import create_network, update_network
from lifecycle.services.uow import write_transaction
from lifecycle.services.workflows import latest_workflow
from tests.builders import example_details, satisfy_auto_items

GOOD_TEXT = "Verslag van het gesprek met de besturen van de moskee en de sportclub."
JUSTIFIED = "Een vast netwerk past bij de langdurige opgave in de wijk."
ITEM_ACTIONS = ("submit", "approve", "reject", "revoke")

texts = st.sampled_from([None, "", "   ", GOOD_TEXT])
actor_names = st.sampled_from(["lead", "lead_reviewer", "reviewer", "second_reviewer",
                               "auditor", "admin", "outsider"])
reviewer_names = st.sampled_from(["reviewer", "second_reviewer", "lead_reviewer"])
# The ids only; the services read the definition the app loaded at startup.
item_ids = st.sampled_from(sorted(
    load_workflow(PROJECT_ROOT / "workflows" / "network-lifecycle.yaml").items))


WORKFLOW = load_workflow(PROJECT_ROOT / "workflows" / "network-lifecycle.yaml")
REQUIRED_COVERAGE = (
    {f"stage reached: {stage}" for stage in WORKFLOW.active_stages + ("paused", "closed")}
    | {f"trigger fired: {t.id}" for t in WORKFLOW.triggers}
    | {"refused: four-eyes, leads the network", "refused: four-eyes, submitted the evidence",
       "lead changed", "a second lead", "evidence submitted by a lead who no longer leads"}
)
COVERAGE: set[str] = set()
COUNTS: Counter = Counter()
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
SIGNOFF_ITEMS = sorted(i for i, item in WORKFLOW.items.items() if item.needs_signoff)


def auto_rule_holds(rule_name: str, form_justification: str, roles: list[str]) -> bool:
    """The two auto rules as the domain brief states them, independent of gates.py."""
    if rule_name == "network_form_justified":
        return len(form_justification.strip()) >= 20
    if rule_name == "network_roles_chosen":
        return len(roles) >= 1
    raise AssertionError(f"no model for auto rule {rule_name}")


def blank(text: str | None) -> bool:
    return not (text or "").strip()


@dataclass
class ModelItem:
    status: str = ItemStatus.OPEN
    submitter: str | None = None
    approver: str | None = None


def assert_current_and_by_someone_else(state, lead_id: int, item_id: str) -> None:
    """The item's sign-off row as the database holds it: an approval of the latest evidence,
    neither revoked nor stale, by someone who neither leads the network nor submitted it."""
    signoff, evidence = state.signoff, state.evidence
    assert signoff is not None and evidence is not None, item_id
    assert signoff.decision == "approved", (item_id, signoff.decision)
    assert signoff.evidence_id == evidence.id, (item_id, "a sign-off of older evidence")
    assert signoff.revoked_at is None, (item_id, "revoked")
    assert signoff.stale_at is None, (item_id, "stale")
    assert signoff.reviewer_id not in (lead_id, evidence.submitted_by_id), item_id


class ServiceLifecycle(RuleBasedStateMachine):
    """Set `user_ids` (name -> id) and `municipality_id` before running."""

    user_ids: dict[str, int] = {}
    municipality_id: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.definition = latest_workflow("network-lifecycle")
        self.network_id: int | None = None
        self.lead = "lead"
        self.stage = self.definition.initial
        self.paused_from: str | None = None
        self.form_justification = JUSTIFIED
        self.roles = ["signaling"]
        self.items = {item_id: ModelItem() for item_id in self.definition.items}
        self.expected_ok = 0
        self.expected_refused = 0
        self.firings = 0
        self.checked_seq, self.checked_hash = self._chain_head()
        self.original_lead = "lead"
        self.seen_here: set[str] = {f"stage reached: {self.definition.initial}"}

    def seen(self, what: str) -> None:
        """Show it in the statistics and remember it for the coverage check."""
        if what not in self.seen_here:
            event(what)
            self.seen_here.add(what)

    # -- helpers -----------------------------------------------------------------------------

    def user(self, name: str) -> User:
        return db.session.get(User, self.user_ids[name])

    def _chain_head(self) -> tuple[int, str]:
        db.session.expire_all()
        head = db.session.scalars(select(AuditChain).where(
            AuditChain.municipality_id == self.municipality_id)).one()
        return head.last_seq, head.last_hash

    def _attempt(self, description: str, why_not: str | None, service, *args):
        """Run one service in a write transaction; the model must agree on success or refusal.

        Every service audits a role, four-eyes or gate refusal (NotAllowed, GateBlocked).
        """
        try:
            with write_transaction():
                result = service(*args)
        except DomainError as refusal:
            assert why_not is not None, (
                f"{description} was refused ({refusal.code}: {refusal}) but the rules allow it")
            if why_not.startswith("four-eyes"):
                assert isinstance(refusal, FourEyesViolation), (description, refusal)
                self.seen("refused: " + why_not.replace(": ", ", "))
            if isinstance(refusal, (NotAllowed, GateBlocked)):
                self.expected_refused += 1
            return None
        assert why_not is None, f"{description} succeeded although {why_not}"
        return result

    def _auto_holds(self, rule_name: str) -> bool:
        """The network-field rules as the brief states them; the mandate holds while its
        decision is signed off (its valid-until lies years ahead); the register rules hold by
        construction of the registers built at the start."""
        if rule_name in ("network_form_justified", "network_roles_chosen"):
            return auto_rule_holds(rule_name, self.form_justification, self.roles)
        if rule_name == "mandate_valid":
            return self.items["mandate.decision_recorded"].status == ItemStatus.APPROVED
        return True

    def _in_scope(self, name: str) -> bool:
        return name != "outsider"

    def _closed(self) -> bool:
        return self.definition.is_final(self.stage)

    def _is_lead(self, name: str) -> bool:
        return name == self.lead

    def _is_reviewer(self, name: str) -> bool:
        return name in ("reviewer", "second_reviewer", "lead_reviewer")

    # -- set-up ------------------------------------------------------------------------------

    @initialize(lead=st.sampled_from(["lead", "lead_reviewer"]))
    def create_the_network(self, lead):
        self.lead = self.original_lead = lead
        network = self._attempt("create", None, create_network, self.user(lead), {
            "name": "Netwerk Kanaleneiland", "goal": "Vroeg signaleren van spanningen.",
            "form": "structural", "form_justification": self.form_justification,
            "roles": self.roles})
        self.network_id = network.id
        self.expected_ok += 1
        # The registers, members and core meetings the automatic items look at, built through
        # the services once; their own audit records are counted, not modelled.
        satisfy_auto_items(network.id, self.user(lead),
                           [checklist.id for checklist in self.definition.checklists])
        self.expected_ok += db.session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.network_id == network.id, AuditRecord.result == "ok")) - 1

    # -- item rules --------------------------------------------------------------------------

    def _why_not_item(self, action: str, name: str, item_id: str, text: str | None):
        item = self.items[item_id]
        if not self._in_scope(name):
            return "another municipality"
        if self._closed():
            return "the network is closed"
        if action == "submit":
            if not self._is_lead(name):
                return "only the network's lead submits"
        else:
            if not self._is_reviewer(name):
                return "not a reviewer"
            if self._is_lead(name):
                return "four-eyes: leads the network"
            if name == item.submitter:
                return "four-eyes: submitted the evidence"
        if not self.definition.item(item_id).needs_signoff:
            return "auto items are computed"
        if action != "approve" and blank(text):
            return "text required"
        needed = {"submit": None, "approve": ItemStatus.SUBMITTED,
                  "reject": ItemStatus.SUBMITTED, "revoke": ItemStatus.APPROVED}[action]
        if needed and item.status != needed:
            return f"the item is {item.status}"
        return None

    def _item_action(self, action: str, name: str, item_id: str, text: str | None) -> None:
        why_not = self._why_not_item(action, name, item_id, text)
        service = {"submit": submit_evidence, "approve": approve_item, "reject": reject_item,
                   "revoke": revoke_signoff}[action]
        args = (self.user(name), self.network_id, item_id, text)
        if action == "submit":  # with the structured details an item records, if any
            details = example_details(self.definition.item(item_id).records)
            result = self._attempt(f"{action} {item_id} by {name}", why_not,
                                   lambda *a: service(*a, details=details), *args)
        else:
            result = self._attempt(f"{action} {item_id} by {name}", why_not, service, *args)
        if result is None:
            return
        item = self.items[item_id]
        if action == "submit":
            item.status, item.submitter, item.approver = ItemStatus.SUBMITTED, name, None
        elif action == "approve":
            item.status, item.approver = ItemStatus.APPROVED, name
        elif action == "reject":
            item.status, item.approver = ItemStatus.REJECTED, None
        else:
            item.status, item.approver = ItemStatus.SUBMITTED, None
        assert result.status == item.status
        self.expected_ok += 1

    @rule(action=st.sampled_from(ITEM_ACTIONS), name=actor_names, item_id=item_ids, text=texts)
    def act_on_an_item(self, action, name, item_id, text):
        """Submit (also: change approved evidence), approve, reject or revoke one item."""
        self._item_action(action, name, item_id, text)

    @precondition(lambda self: self.network_id is not None and self.stage != "closed")
    @rule(data=st.data(), reviewer=reviewer_names)
    def sign_off_a_gate_ahead(self, data, reviewer):
        """The lead submits and a reviewer signs off a gate the network could pass next."""
        gates = [t.gate for t in self.definition.triggers_from(self.stage) if t.gate]
        if not gates:
            return
        for checklist_id in data.draw(st.sampled_from(gates), label="gate"):
            for item in self.definition.checklist(checklist_id).items:
                if item.needs_signoff and self.items[item.id].status != ItemStatus.APPROVED:
                    self._item_action("submit", self.lead, item.id, GOOD_TEXT)
                    self._item_action("approve", reviewer, item.id, "Akkoord.")

    @precondition(lambda self: self.network_id is not None
                  and self.stage in self.definition.active_stages)
    @rule(reviewer=st.sampled_from(["reviewer", "second_reviewer"]))
    def advance_along_the_main_path(self, reviewer):
        """The bias towards the gates: sign off the gate of the way forward from this stage
        (the periodic review in maintenance) and fire it, so runs reach maintenance often."""
        forward = [t for t in self.definition.triggers_from(self.stage) if t.gate or t.reopens]
        if not forward:
            return
        for checklist_id in forward[0].gate:
            for item in self.definition.checklist(checklist_id).items:
                if item.needs_signoff and self.items[item.id].status != ItemStatus.APPROVED:
                    self._item_action("submit", self.lead, item.id, GOOD_TEXT)
                    self._item_action("approve", reviewer, item.id, "Akkoord.")
        self._fire(self.lead, forward[0].id, GOOD_TEXT)

    @precondition(lambda self: self.network_id is not None and self.stage != "closed")
    @rule(item_id=st.sampled_from(SIGNOFF_ITEMS))
    def hand_over_and_sign_own_evidence(self, item_id):
        """A lead who is also a reviewer submits evidence, cannot sign it off while leading,
        is replaced as lead, and still cannot sign it off: they submitted it."""
        if self.lead != "lead_reviewer":
            self.reassign_the_lead("admin", "lead_reviewer")
        self._item_action("submit", "lead_reviewer", item_id, GOOD_TEXT)
        self._item_action("approve", "lead_reviewer", item_id, "Akkoord.")
        self.reassign_the_lead("admin", "lead")
        self._item_action("approve", "lead_reviewer", item_id, "Akkoord.")

    # -- network rules -----------------------------------------------------------------------

    @rule(name=actor_names, form_justification=st.sampled_from([JUSTIFIED, "Kort."]),
          roles=st.sampled_from([["signaling"], ["policy", "mediation"], []]))
    def edit_the_network(self, name, form_justification, roles):
        why_not = ("another municipality" if not self._in_scope(name)
                   else "the network is closed" if self._closed()
                   else None if self._is_lead(name) else "not the network's lead")
        result = self._attempt(
            f"edit by {name}", why_not, update_network, self.user(name), self.network_id,
            {"form_justification": form_justification, "roles": roles})
        if result is None:
            return
        if (form_justification, roles) != (self.form_justification, self.roles):
            self.expected_ok += 1
        self.form_justification, self.roles = form_justification, roles

    @rule(name=st.sampled_from(["admin", "lead", "outsider"]),
          new_lead=st.sampled_from(["lead", "lead_reviewer", "reviewer"]))
    def reassign_the_lead(self, name, new_lead):
        changes = new_lead != self.lead
        why_not = ("another municipality" if not self._in_scope(name)
                   else "the network is closed" if self._closed()
                   else None if not changes
                   else "only an admin reassigns" if name != "admin"
                   else "not a lead" if new_lead == "reviewer" else None)
        result = self._attempt(
            f"reassign to {new_lead} by {name}", why_not, update_network, self.user(name),
            self.network_id, {"lead_id": self.user_ids[new_lead]})
        if result is None or not changes:
            return
        self.seen("lead changed")
        if new_lead != self.original_lead:
            self.seen("a second lead")
        if any(item.submitter == self.lead and item.status != ItemStatus.OPEN
               for item in self.items.values()):
            self.seen("evidence submitted by a lead who no longer leads")
        self.lead = new_lead
        for item in self.items.values():
            if item.status == ItemStatus.APPROVED and item.approver == new_lead:
                item.status, item.approver = ItemStatus.SUBMITTED, None
        self.expected_ok += 1

    def _why_not_fire(self, name: str, trigger_id: str, reason: str | None) -> str | None:
        if not self._in_scope(name):
            return "another municipality"
        if not self._is_lead(name):
            return "not the network's lead"
        if self._closed():
            return "the network is closed"
        trigger = self.definition.trigger(trigger_id)
        if trigger is None or self.stage not in trigger.sources:
            return "not possible from this stage"
        if trigger.reason_required and blank(reason):
            return "a reason is required"
        if trigger.returns_to_previous and self.paused_from is None:
            return "nowhere to resume to"
        for checklist_id in trigger.gate:
            for item in self.definition.checklist(checklist_id).items:
                if not item.required:
                    continue
                if item.is_auto and not self._auto_holds(item.rule):
                    return f"auto item {item.id} not met"
                if item.needs_signoff and self.items[item.id].status != ItemStatus.APPROVED:
                    return f"{item.id} not signed off"
        return None

    def _fire(self, name: str, trigger_id: str, reason: str | None) -> None:
        why_not = self._why_not_fire(name, trigger_id, reason)
        result = self._attempt(f"fire {trigger_id} by {name}", why_not, advance_network,
                               self.user(name), self.network_id, trigger_id, reason)
        if result is None:
            return
        trigger = self.definition.trigger(trigger_id)
        old_stage = self.stage
        new_stage = self.paused_from if trigger.returns_to_previous else trigger.dest
        self.paused_from = old_stage if new_stage == "paused" else None
        self.stage = new_stage
        self.seen(f"trigger fired: {trigger_id}")
        self.seen(f"stage reached: {new_stage}")
        self.firings += 1
        self.expected_ok += 1
        assert result.stage == new_stage
        for checklist_id in trigger.reopens:
            for item in self.definition.checklist(checklist_id).items:
                if item.needs_signoff:
                    self.items[item.id].status = ItemStatus.OPEN
                    self.items[item.id].approver = None
        self._assert_gate_was_signed_off_by_others(trigger)

    def _assert_gate_was_signed_off_by_others(self, trigger) -> None:
        db.session.expire_all()
        network = db.session.get(Network, self.network_id)
        states = item_states(self.network_id)
        for checklist_id in trigger.gate:
            for item in self.definition.checklist(checklist_id).items:
                if not item.required:
                    continue
                if item.is_auto:
                    assert self._auto_holds(item.rule), item.id
                    if not item.needs_signoff:
                        continue
                assert states[item.id].status == ItemStatus.APPROVED, item.id
                assert_current_and_by_someone_else(states[item.id], network.lead_id, item.id)

    @rule(name=actor_names, trigger_id=st.sampled_from(
        ["start_core", "expand", "consolidate", "regroup", "pause", "resume", "close", "review",
         "to_maintenance"]), reason=texts)
    def fire_a_trigger(self, name, trigger_id, reason):
        self._fire(name, trigger_id, reason)

    @precondition(lambda self: self.network_id is not None and self.stage != "closed")
    @rule(data=st.data())
    def lead_takes_a_next_step(self, data):
        # The side steps (the way forward has its own rule); closing ends a run's use, so it
        # is offered only to a paused network.
        offered = sorted(t.id for t in self.definition.triggers_from(self.stage)
                         if not (t.gate or t.reopens)
                         and (t.id != "close" or self.stage == "paused"))
        if offered:
            self._fire(self.lead, data.draw(st.sampled_from(offered), label="trigger"),
                       GOOD_TEXT)

    # -- invariants: the database matches the model ------------------------------------------

    @invariant()
    def the_network_row_matches(self):
        if self.network_id is None:
            return
        db.session.expire_all()
        network = db.session.get(Network, self.network_id)
        assert (network.stage, network.paused_from, network.lead_id) == (
            self.stage, self.paused_from, self.user_ids[self.lead])

    @invariant()
    def every_item_status_matches_and_every_sign_off_is_by_someone_else(self):
        if self.network_id is None:
            return
        lead_id = db.session.get(Network, self.network_id).lead_id
        for item_id, state in item_states(self.network_id).items():
            assert state.status == self.items[item_id].status, item_id
            if state.status == ItemStatus.APPROVED:
                assert_current_and_by_someone_else(state, lead_id, item_id)

    @invariant()
    def the_timeline_only_moves_along_triggers(self):
        if self.network_id is None:
            return
        changes = list(db.session.scalars(select(StageChange).where(
            StageChange.network_id == self.network_id).order_by(StageChange.id)))
        assert len(changes) == self.firings
        stage = self.definition.initial
        for change in changes:
            assert change.from_stage == stage
            assert stage in self.definition.trigger(change.trigger).sources
            stage = change.to_stage
        assert stage == self.stage

    @invariant()
    def the_audit_trail_has_each_change_and_each_refusal_that_matters(self):
        if self.network_id is None:
            return
        counts = dict(db.session.execute(
            select(AuditRecord.result, func.count()).where(
                AuditRecord.network_id == self.network_id).group_by(AuditRecord.result)).all())
        assert counts.get("ok", 0) == self.expected_ok
        assert counts.get("refused", 0) == self.expected_refused

    @invariant()
    def the_chain_links_up(self):
        new_records = db.session.scalars(
            select(AuditRecord).join(AuditChain, AuditChain.id == AuditRecord.chain_id).where(
                AuditChain.municipality_id == self.municipality_id,
                AuditRecord.seq > self.checked_seq).order_by(AuditRecord.seq)).all()
        for record in new_records:
            assert record.seq == self.checked_seq + 1
            assert record.prev_hash == self.checked_hash
            assert compute_hash(record.prev_hash, record) == record.hash
            self.checked_seq, self.checked_hash = record.seq, record.hash
        assert self._chain_head() == (self.checked_seq, self.checked_hash)

    def teardown(self):
        COVERAGE.update(self.seen_here)
        COUNTS.update(self.seen_here)
        target(float(sum(w.startswith("trigger fired") for w in self.seen_here)),
               label="distinct triggers fired")
        for report in verify_audit():
            assert report.result.ok, report
            assert report.result.count == report.head_seq


def test_the_services_keep_every_rule_under_any_sequence_by_any_mix_of_users(make_user):
    users = {
        "lead": make_user("lead"),
        "lead_reviewer": make_user("lead", "reviewer"),
        "reviewer": make_user("reviewer"),
        "second_reviewer": make_user("reviewer"),
        "auditor": make_user("auditor"),
        "admin": make_user("admin"),
        "outsider": make_user("lead", "reviewer", "admin", municipality="Venlo"),
    }
    ServiceLifecycle.user_ids = {name: user.id for name, user in users.items()}
    ServiceLifecycle.municipality_id = users["lead"].municipality_id

    COVERAGE.clear()
    COUNTS.clear()
    run_state_machine_as_test(ServiceLifecycle, settings=settings(
        max_examples=150 if THOROUGH else 12, stateful_step_count=50 if THOROUGH else 25,
        deadline=None, derandomize=not THOROUGH, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))
    print("examples in which each was seen:")
    for what, count in sorted(COUNTS.items()):
        print(f"  {count:5d}  {what}")
    missing = sorted(REQUIRED_COVERAGE - COVERAGE)
    assert not missing, f"the run never saw: {missing}"
