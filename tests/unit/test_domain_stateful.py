"""Hypothesis stateful test of the domain: any sequence of actions by any mix of users.

The test keeps its own in-memory store of one network (stage, paused_from, each item's status,
who submitted its evidence and who signed it off) and an audit list chained with
`lifecycle.domain.audit.chain`. Each rule tries one action the way the services compose the
domain (scope, closed check, permission, rule), catches a `DomainError` as a refusal and
otherwise updates the store; both outcomes are appended to the audit list.

A small, independent model of the rules from the domain brief says beforehand whether each
attempt may succeed, and the domain must agree with it both ways. On top of that:
- the stage only changes through a trigger whose source contains the old stage;
- when a gated trigger fires, every required sign-off item of its gate is approved by someone
  who is neither the network's lead nor the item's evidence submitter, and every auto item holds;
- a closed network never changes again;
- the audit chain always verifies (each new record after every step, `verify_chain` over the
  whole chain at the end of every run), and replaying its stage changes gives the current stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hypothesis import event, settings, strategies as st, target
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from lifecycle.domain import checklists as rules
from lifecycle.domain.audit import (
    GENESIS_HASH, RESULT_OK, RESULT_REFUSED, AuditDraft, chain, compute_hash, verify_chain,
)
from lifecycle.domain.catalogue import load_catalogue
from lifecycle.domain.composition import figures_of
from lifecycle.domain.engine import LifecycleEngine
from lifecycle.domain.errors import DomainError, ReadOnly
from lifecycle.domain.gates import ItemStatus, NetworkFacts
from lifecycle.domain.permissions import (
    AUDITOR, LEAD, REVIEWER, Actor, ensure_in_scope, ensure_is_lead_of,
)
from lifecycle.domain.workflow import load_workflow

from .conftest import DEFAULT_WORKFLOW, ELSEWHERE, GOOD_MEMBERS, HOME, SCHEMA

DEFINITION = load_workflow(DEFAULT_WORKFLOW, SCHEMA)
ENGINE = LifecycleEngine(DEFINITION)
NETWORK_ID = 1

ACTORS = {
    "lead": Actor(1, HOME, frozenset({LEAD})),
    "lead_reviewer": Actor(2, HOME, frozenset({LEAD, REVIEWER})),
    "reviewer": Actor(3, HOME, frozenset({REVIEWER})),
    "second_reviewer": Actor(4, HOME, frozenset({REVIEWER})),
    "outsider": Actor(5, ELSEWHERE, frozenset({LEAD, REVIEWER})),
    "auditor": Actor(6, HOME, frozenset({AUDITOR})),
}
GOOD_TEXT = "Verslag van het gesprek met de besturen van de moskee en de sportclub."

actor_names = st.sampled_from(sorted(ACTORS))
item_ids = st.sampled_from(sorted(DEFINITION.items))
checklist_ids = st.sampled_from([c.id for c in DEFINITION.checklists])
trigger_ids = st.sampled_from(sorted(t.id for t in DEFINITION.triggers)
                              + ["to_maintenance", "teleport"])
texts = st.sampled_from([None, "", "   ", GOOD_TEXT])
# The form and roles vary; the registers, composition, core meetings and mandate are those of
# the unit tier's good network (their own rules are tested in the composition and maintenance
# tests), so only the two network-field rules decide here.
_GOOD_REGISTERS = dict(
    organisations_mapped=6, boards_approached=4, intakes_held=6,
    composition=figures_of(GOOD_MEMBERS),
    profile=load_catalogue(DEFAULT_WORKFLOW.parent).profile("neighbourhood_signaling").targets,
    core_meetings=3, mandate_valid_until=date(2030, 1, 1), today=date(2026, 6, 1))
facts = st.builds(
    NetworkFacts,
    form=st.sampled_from(["structural", "ad_hoc"]),
    form_justification=st.sampled_from(["Een vast netwerk past bij de opgave.",
                                        "Ad hoc, want het gaat om één incident.", "Kort."]),
    roles=st.sampled_from([("signaling",), ("policy", "mediation"), ()]),
    **{name: st.just(value) for name, value in _GOOD_REGISTERS.items()},
)


def auto_rule_holds(rule_name: str, network_facts: NetworkFacts) -> bool:
    """The two network-field rules as the domain brief states them, written independently of
    gates.py; every other automatic rule holds by construction of the drawn facts."""
    if rule_name == "network_form_justified":
        return bool(network_facts.form) and len(network_facts.form_justification.strip()) >= 20
    if rule_name == "network_roles_chosen":
        return len(network_facts.roles) >= 1
    return True


def blank(text: str | None) -> bool:
    return not (text or "").strip()


@dataclass
class StoredItem:
    status: str = ItemStatus.OPEN
    submitter: int | None = None
    approver: int | None = None


@dataclass
class StoredNetwork:
    """The domain's ScopedNetwork, plus what the store keeps about it."""

    id: int
    municipality_id: int
    lead_id: int
    stage: str
    paused_from: str | None = None
    facts: NetworkFacts | None = None
    items: dict[str, StoredItem] = field(default_factory=dict)


class DomainLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = datetime(2024, 1, 1, 9, 0)
        self.audit: list = []
        self.network: StoredNetwork | None = None
        self.lead_name = "lead"
        self.was_closed = False
        self.deepest_stage = 0
        self.verified_count, self.verified_head = 0, GENESIS_HASH

    # -- set-up -----------------------------------------------------------------------------

    @initialize(lead_name=st.sampled_from(["lead", "lead_reviewer"]), network_facts=facts)
    def create_network(self, lead_name, network_facts):
        self.lead_name = lead_name
        self.network = StoredNetwork(
            id=NETWORK_ID, municipality_id=HOME, lead_id=ACTORS[lead_name].user_id,
            stage=DEFINITION.initial, facts=network_facts,
            items={item_id: StoredItem() for item_id in DEFINITION.items},
        )
        self._log("network.created", ACTORS[lead_name], RESULT_OK,
                  after={"stage": self.network.stage, "lead_id": self.network.lead_id})

    # -- the independent model of who may do what ------------------------------------------

    def _is_networks_lead(self, actor: Actor) -> bool:
        return LEAD in actor.roles and actor.user_id == self.network.lead_id

    def _why_not_change_item(self, actor: Actor, item_id: str) -> str | None:
        if actor.municipality_id != self.network.municipality_id:
            return "another municipality"
        if self.network.stage == "closed":
            return "the network is closed"
        if not DEFINITION.item(item_id).needs_signoff:
            return "auto items are computed"
        return None

    def _why_not_sign(self, actor: Actor, item_id: str) -> str | None:
        why = self._why_not_change_item(actor, item_id)
        if why:
            return why
        if REVIEWER not in actor.roles:
            return "not a reviewer"
        if actor.user_id == self.network.lead_id:
            return "four-eyes: leads this network"
        if actor.user_id == self.network.items[item_id].submitter:
            return "four-eyes: submitted the evidence"
        return None

    def _unmet_gate_items(self, trigger) -> list[str]:
        unmet = []
        for checklist_id in trigger.gate:
            for item in DEFINITION.checklist(checklist_id).items:
                if not item.required:
                    continue
                if item.is_auto and not auto_rule_holds(item.rule, self.network.facts):
                    unmet.append(item.id)
                elif item.needs_signoff and \
                        self.network.items[item.id].status != ItemStatus.APPROVED:
                    unmet.append(item.id)
        return unmet

    def _why_not_fire(self, actor: Actor, trigger_id: str, reason: str | None) -> str | None:
        if actor.municipality_id != self.network.municipality_id:
            return "another municipality"
        if not self._is_networks_lead(actor):
            return "not the network's lead"
        if self.network.stage == "closed":
            return "the network is closed"
        trigger = DEFINITION.trigger(trigger_id)
        if trigger is None:
            return "no such trigger"
        if self.network.stage not in trigger.sources:
            return "not possible from this stage"
        if trigger.reason_required and blank(reason):
            return "a reason is required"
        if trigger.returns_to_previous and self.network.paused_from is None:
            return "nowhere to resume to"
        unmet = self._unmet_gate_items(trigger)
        if unmet:
            return f"gate not signed off: {unmet}"
        return None

    # -- running one attempt ----------------------------------------------------------------

    def _attempt(self, action: str, actor_name: str, object_id: str, why_not: str | None,
                 operation):
        """Run `operation`; the domain must refuse exactly when the model has a reason to."""
        actor = ACTORS[actor_name]
        try:
            outcome = operation(actor)
        except DomainError as refusal:
            assert why_not is not None, (
                f"{action} by {actor_name} on {object_id} was refused "
                f"({refusal.code}: {refusal}) although the rules allow it")
            self._log(action, actor, RESULT_REFUSED, object_id=object_id,
                      after={"refusal": refusal.code})
            return None
        assert why_not is None, (
            f"{action} by {actor_name} on {object_id} succeeded although {why_not}")
        return outcome

    def _writable_item(self, actor: Actor):
        """What the service does before any item rule: scope first, then the closed check."""
        ensure_in_scope(actor, self.network.municipality_id)
        if DEFINITION.is_final(self.network.stage):
            raise ReadOnly("closed")

    def _log(self, action: str, actor: Actor, result: str, *, object_id: str | None = None,
             before: dict | None = None, after: dict | None = None) -> None:
        self.clock += timedelta(seconds=1)
        draft = AuditDraft(
            municipality_id=HOME, actor_id=actor.user_id,
            object_type="checklist_item" if object_id and "." in object_id else "network",
            object_id=object_id or str(NETWORK_ID), network_id=NETWORK_ID, action=action,
            result=result, before=before, after=after,
        )
        prev_hash = self.audit[-1].hash if self.audit else GENESIS_HASH
        self.audit.append(chain(draft, seq=len(self.audit) + 1, prev_hash=prev_hash,
                                now=self.clock))

    # -- rules -------------------------------------------------------------------------------

    @rule(actor_name=actor_names, item_id=item_ids, justification=texts)
    def submit(self, actor_name, item_id, justification):
        """Submit evidence; on an approved item this is the 'edit evidence' case."""
        stored = self.network.items[item_id]
        actor = ACTORS[actor_name]
        why_not = self._why_not_change_item(actor, item_id)
        if why_not is None and not self._is_networks_lead(actor):
            why_not = "only the network's lead submits"
        if why_not is None and blank(justification):
            why_not = "a justification is required"

        def operation(actor):
            self._writable_item(actor)
            return rules.submit(actor, self.network, DEFINITION.item(item_id), stored.status,
                                justification)

        new_status = self._attempt("item.evidence_submitted", actor_name, item_id, why_not,
                                   operation)
        if new_status is None:
            return
        assert new_status == ItemStatus.SUBMITTED
        before = {"status": stored.status}
        stored.status, stored.submitter, stored.approver = new_status, actor.user_id, None
        self._log("item.evidence_submitted", actor, RESULT_OK, object_id=item_id,
                  before=before, after={"status": new_status,
                                        "stale_signoff": before["status"] == ItemStatus.APPROVED})

    @rule(actor_name=actor_names, item_id=item_ids)
    def approve(self, actor_name, item_id):
        stored = self.network.items[item_id]
        why_not = self._why_not_sign(ACTORS[actor_name], item_id)
        if why_not is None and stored.status != ItemStatus.SUBMITTED:
            why_not = f"the item is {stored.status}"

        def operation(actor):
            self._writable_item(actor)
            return rules.approve(actor, self.network, DEFINITION.item(item_id), stored.status,
                                 stored.submitter)

        new_status = self._attempt("item.approved", actor_name, item_id, why_not, operation)
        if new_status is None:
            return
        actor = ACTORS[actor_name]
        assert new_status == ItemStatus.APPROVED
        assert actor.user_id not in (self.network.lead_id, stored.submitter)
        stored.status, stored.approver = new_status, actor.user_id
        self._log("item.approved", actor, RESULT_OK, object_id=item_id,
                  before={"status": ItemStatus.SUBMITTED}, after={"status": new_status})

    @rule(actor_name=actor_names, item_id=item_ids, comment=texts)
    def reject(self, actor_name, item_id, comment):
        stored = self.network.items[item_id]
        why_not = self._why_not_sign(ACTORS[actor_name], item_id)
        if why_not is None and blank(comment):
            why_not = "a comment is required"
        if why_not is None and stored.status != ItemStatus.SUBMITTED:
            why_not = f"the item is {stored.status}"

        def operation(actor):
            self._writable_item(actor)
            return rules.reject(actor, self.network, DEFINITION.item(item_id), stored.status,
                                stored.submitter, comment)

        new_status = self._attempt("item.rejected", actor_name, item_id, why_not, operation)
        if new_status is None:
            return
        assert new_status == ItemStatus.REJECTED
        stored.status, stored.approver = new_status, None
        self._log("item.rejected", ACTORS[actor_name], RESULT_OK, object_id=item_id,
                  before={"status": ItemStatus.SUBMITTED}, after={"status": new_status})

    @rule(actor_name=actor_names, item_id=item_ids, reason=texts)
    def revoke(self, actor_name, item_id, reason):
        stored = self.network.items[item_id]
        why_not = self._why_not_sign(ACTORS[actor_name], item_id)
        if why_not is None and blank(reason):
            why_not = "a reason is required"
        if why_not is None and stored.status != ItemStatus.APPROVED:
            why_not = f"the item is {stored.status}"

        def operation(actor):
            self._writable_item(actor)
            return rules.revoke(actor, self.network, DEFINITION.item(item_id), stored.status,
                                stored.submitter, reason)

        new_status = self._attempt("item.signoff_revoked", actor_name, item_id, why_not,
                                   operation)
        if new_status is None:
            return
        assert new_status == ItemStatus.SUBMITTED
        stored.status, stored.approver = new_status, None
        self._log("item.signoff_revoked", ACTORS[actor_name], RESULT_OK, object_id=item_id,
                  before={"status": ItemStatus.APPROVED}, after={"status": new_status})

    @rule(checklist_id=checklist_ids, reviewer_name=actor_names)
    def sign_off_checklist(self, checklist_id, reviewer_name):
        """The lead submits and someone signs off every item of a checklist (to get further)."""
        for item in DEFINITION.checklist(checklist_id).items:
            if item.needs_signoff and self.network.items[item.id].status != ItemStatus.APPROVED:
                self.submit(self.lead_name, item.id, GOOD_TEXT)
                self.approve(reviewer_name, item.id)

    @precondition(lambda self: self.network is not None and self.network.stage != "closed")
    @rule(data=st.data(), reviewer_name=st.sampled_from(["reviewer", "second_reviewer",
                                                         "lead_reviewer"]))
    def sign_off_a_gate_ahead(self, data, reviewer_name):
        """Sign off every checklist of one gate the network could pass next (to get further)."""
        gates = [t.gate for t in DEFINITION.triggers_from(self.network.stage) if t.gate]
        if gates:
            for checklist_id in data.draw(st.sampled_from(gates), label="gate"):
                self.sign_off_checklist(checklist_id, reviewer_name)

    @rule(actor_name=actor_names, network_facts=facts)
    def edit_network(self, actor_name, network_facts):
        """Editing the network's form and roles changes what its auto items compute."""
        actor = ACTORS[actor_name]
        why_not = ("another municipality" if actor.municipality_id != HOME
                   else "the network is closed" if self.network.stage == "closed"
                   else None if self._is_networks_lead(actor) else "not the network's lead")

        def operation(actor):
            self._writable_item(actor)
            ensure_is_lead_of(actor, self.network)

        self._attempt("network.updated", actor_name, str(NETWORK_ID), why_not, operation)
        if why_not is None:
            self.network.facts = network_facts
            self._log("network.updated", actor, RESULT_OK,
                      after={"form_justification": network_facts.form_justification,
                             "roles": list(network_facts.roles)})

    @rule(actor_name=actor_names, trigger_id=trigger_ids, reason=texts)
    def fire(self, actor_name, trigger_id, reason):
        self._fire(actor_name, trigger_id, reason)

    @rule(trigger_id=trigger_ids, reason=texts)
    def lead_fires(self, trigger_id, reason):
        self._fire(self.lead_name, trigger_id, reason)

    @precondition(lambda self: self.network is not None and self.network.stage != "closed")
    @rule(data=st.data())
    def lead_takes_a_next_step(self, data):
        """The lead fires one of the triggers offered from the current stage, with a reason."""
        offered = sorted(t.id for t in DEFINITION.triggers_from(self.network.stage)
                         if t.id != "close")
        if offered:
            self._fire(self.lead_name, data.draw(st.sampled_from(offered), label="trigger"),
                       GOOD_TEXT)

    def _fire(self, actor_name: str, trigger_id: str, reason: str | None) -> None:
        network = self.network
        actor = ACTORS[actor_name]
        why_not = self._why_not_fire(actor, trigger_id, reason)
        statuses = {item_id: stored.status for item_id, stored in network.items.items()}

        def operation(actor):
            ensure_in_scope(actor, network.municipality_id)
            ensure_is_lead_of(actor, network)
            return ENGINE.fire(stage=network.stage, paused_from=network.paused_from,
                               trigger_id=trigger_id, statuses=statuses, facts=network.facts,
                               reason=reason, actor_id=actor.user_id, now=self.clock)

        firing = self._attempt("network.stage_changed", actor_name, str(NETWORK_ID), why_not,
                               operation)
        if firing is None:
            return
        trigger = DEFINITION.trigger(trigger_id)
        old_stage, old_paused_from = network.stage, network.paused_from
        assert old_stage in trigger.sources
        assert firing.from_stage == old_stage
        assert firing.to_stage == (old_paused_from if trigger.returns_to_previous else trigger.dest)
        self._assert_gate_signed_off_by_others(trigger)
        network.stage, network.paused_from = firing.to_stage, firing.paused_from
        for checklist_id in firing.reopens:
            for item in DEFINITION.checklist(checklist_id).items:
                if item.needs_signoff:
                    stored = network.items[item.id]
                    stored.status, stored.approver = rules.reopen(stored.status), None
        self.was_closed = self.was_closed or network.stage == "closed"
        self._log("network.stage_changed", actor, RESULT_OK,
                  before={"stage": old_stage, "paused_from": old_paused_from},
                  after={"stage": network.stage, "paused_from": network.paused_from,
                         "trigger": trigger_id})
        if network.stage in DEFINITION.active_stages:
            self.deepest_stage = max(self.deepest_stage,
                                     DEFINITION.active_stages.index(network.stage))

    def _assert_gate_signed_off_by_others(self, trigger) -> None:
        for checklist_id in trigger.gate:
            for item in DEFINITION.checklist(checklist_id).items:
                if not item.required:
                    continue
                if item.is_auto:
                    assert auto_rule_holds(item.rule, self.network.facts), item.id
                    if not item.needs_signoff:
                        continue
                stored = self.network.items[item.id]
                assert stored.status == ItemStatus.APPROVED, item.id
                assert stored.approver is not None, item.id
                assert stored.approver != self.network.lead_id, item.id
                assert stored.approver != stored.submitter, item.id

    def teardown(self):
        # Steer the search towards walks that get further, and show (with
        # --hypothesis-show-statistics) how far they get.
        target(float(self.deepest_stage), label="deepest active stage reached")
        event(f"deepest active stage: {DEFINITION.active_stages[self.deepest_stage]}")
        event(f"final stage: {self.network.stage if self.network else None}")
        result = verify_chain(self.audit)
        assert result.ok, result
        assert result.count == len(self.audit)

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def the_audit_chain_verifies(self):
        # Records are frozen and the list only grows, so checking the new ones against the
        # verified head after each step equals re-walking the chain; teardown walks it whole.
        for record in self.audit[self.verified_count:]:
            assert record.seq == self.verified_count + 1
            assert record.prev_hash == self.verified_head
            assert compute_hash(record.prev_hash, record) == record.hash
            self.verified_count, self.verified_head = record.seq, record.hash

    @invariant()
    def replaying_the_audited_stage_changes_gives_the_current_stage(self):
        if self.network is None:
            return
        stage = DEFINITION.initial
        for record in self.audit:
            if record.action == "network.stage_changed" and record.result == RESULT_OK:
                assert record.before["stage"] == stage
                stage = record.after["stage"]
        assert stage == self.network.stage

    @invariant()
    def a_paused_network_remembers_where_it_came_from_and_only_then(self):
        if self.network is None:
            return
        if self.network.stage == "paused":
            assert self.network.paused_from in DEFINITION.active_stages
        else:
            assert self.network.paused_from is None

    @invariant()
    def a_closed_network_stays_closed(self):
        if self.was_closed:
            assert self.network.stage == "closed"

    @invariant()
    def every_current_sign_off_is_by_someone_else(self):
        if self.network is None:
            return
        for stored in self.network.items.values():
            if stored.status == ItemStatus.APPROVED:
                assert stored.approver not in (None, self.network.lead_id, stored.submitter)


DomainLifecycle.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None,
)
TestDomainLifecycle = DomainLifecycle.TestCase
