"""Hypothesis stateful test of the domain: any sequence of actions by any mix of users.

The test keeps its own in-memory store of one network (stage, paused_from, each item's status,
who submitted its evidence and who signed it off) and an audit list chained with
`lifecycle.domain.audit.chain`. Each rule tries one action the way the services compose the
domain (scope, closed check, permission, rule), catches a `DomainError` as a refusal and
otherwise updates the store; both outcomes are appended to the audit list.

A small, independent model of the rules from the domain brief says beforehand whether each
attempt may succeed, and the domain must agree with it both ways. On top of that:
- the stage only changes through a trigger whose source contains the old stage;
- when a gated trigger fires, every required sign-off item of its gate holds a current sign-off
  (after the latest evidence, not revoked, not re-opened by a review, not made stale by a lead
  change) by someone who is neither the network's lead nor that evidence's submitter, and every
  auto item holds. Who submitted and who signed off is read from the audit chain the domain's
  `chain()` built of the accepted attempts, never from the store's own fields;
- a closed network never changes again;
- the audit chain always verifies (each new record after every step, `verify_chain` over the
  whole chain at the end of every run), and replaying its stage changes gives the current stage.

The rules include an administrator handing the network to a second lead (sign-offs by the new
lead go stale, as the service does), so evidence submitted by an earlier lead meets a reviewer
who submitted it: both kinds of four-eyes refusal happen. `event()` shows the stages reached,
the triggers fired and the refusals seen; `test_a_standard_run_reaches_every_stage_trigger_and_
refusal` runs the machine with fixed settings and fails if any of them never happened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import os
from collections import Counter

from hypothesis import HealthCheck, event, settings, strategies as st, target
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)

from lifecycle.domain import checklists as rules
from lifecycle.domain.audit import (
    GENESIS_HASH, RESULT_OK, RESULT_REFUSED, AuditDraft, chain, compute_hash, verify_chain,
)
from lifecycle.domain.catalogue import load_catalogue
from lifecycle.domain.composition import figures_of
from lifecycle.domain.engine import LifecycleEngine
from lifecycle.domain.errors import DomainError, FourEyesViolation, ReadOnly
from lifecycle.domain.gates import ItemStatus, NetworkFacts
from lifecycle.domain.permissions import (
    ADMIN, AUDITOR, LEAD, REVIEWER, Actor, ensure_can_reassign_lead, ensure_in_scope,
    ensure_is_lead_of,
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
    "admin": Actor(7, HOME, frozenset({ADMIN})),
}
LEAD_CAPABLE = ("lead", "lead_reviewer")
# What a standard run must have seen at least once (filled by the machine, checked after it).
REQUIRED_COVERAGE = (
    {f"stage reached: {stage}" for stage in DEFINITION.active_stages + ("paused", "closed")}
    | {f"trigger fired: {t.id}" for t in DEFINITION.triggers}
    | {"refused: four-eyes, leads the network", "refused: four-eyes, submitted the evidence",
       "lead changed", "a second lead", "evidence submitted by a lead who no longer leads"}
)
COVERAGE: set[str] = set()
COUNTS: Counter = Counter()  # in how many examples each was seen, for the printed summary
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"



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


@dataclass(frozen=True)
class RecordedSignOff:
    approver_id: int
    submitter_id: int | None


def recorded_signoffs(audit) -> tuple[int, dict[str, RecordedSignOff]]:
    """The network's lead and its current sign-offs, replayed from the accepted audit records.

    A sign-off is current when it came after the item's latest evidence and no rejection,
    revocation, re-opening by a review, or hand-over to its approver came after it.
    """
    lead_id, submitter, current = None, {}, {}
    for record in audit:
        if record.result != RESULT_OK:
            continue
        item_id = record.object_id
        if record.action == "network.created":
            lead_id = record.after["lead_id"]
        elif record.action == "item.evidence_submitted":
            submitter[item_id] = record.actor_id
            current.pop(item_id, None)
        elif record.action == "item.approved":
            current[item_id] = RecordedSignOff(record.actor_id, submitter.get(item_id))
        elif record.action in ("item.rejected", "item.signoff_revoked"):
            current.pop(item_id, None)
        elif record.action == "network.stage_changed":
            for reopened in record.after.get("reopened", []):
                current.pop(reopened, None)
        elif record.action == "network.lead_changed":
            lead_id = record.after["lead_id"]
            current = {i: c for i, c in current.items() if c.approver_id != lead_id}
    return lead_id, current


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
        self.original_lead = "lead"
        self.seen_here: set[str] = set()

    def seen(self, what: str) -> None:
        """Show it in the statistics and remember it for the coverage test."""
        if what not in self.seen_here:
            event(what)
            self.seen_here.add(what)
            COVERAGE.add(what)

    # -- set-up -----------------------------------------------------------------------------

    @initialize(lead_name=st.sampled_from(["lead", "lead_reviewer"]), network_facts=facts)
    def create_network(self, lead_name, network_facts):
        self.lead_name = self.original_lead = lead_name
        self.seen(f"stage reached: {DEFINITION.initial}")
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
            return "four-eyes: leads the network"
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
            if why_not.startswith("four-eyes"):
                assert isinstance(refusal, FourEyesViolation), (why_not, refusal)
                self.seen("refused: " + why_not.replace(": ", ", "))
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

    @rule(actor_name=actor_names, new_lead=st.sampled_from(LEAD_CAPABLE))
    def reassign_lead(self, actor_name, new_lead):
        """An administrator hands the network to another lead; the new lead's own sign-offs
        on it no longer count (as `update_network` does)."""
        actor, network = ACTORS[actor_name], self.network
        new_id = ACTORS[new_lead].user_id
        why_not = ("another municipality" if actor.municipality_id != HOME
                   else "the network is closed" if network.stage == "closed"
                   else None if ADMIN in actor.roles else "not an administrator")

        def operation(actor):
            self._writable_item(actor)
            ensure_can_reassign_lead(actor, network)

        self._attempt("network.lead_changed", actor_name, str(NETWORK_ID), why_not, operation)
        if why_not is not None or new_id == network.lead_id:
            return
        old_id, network.lead_id, self.lead_name = network.lead_id, new_id, new_lead
        self.seen("lead changed")
        if new_lead != self.original_lead:
            self.seen("a second lead")
        if any(stored.submitter == old_id and stored.status != ItemStatus.OPEN
               for stored in network.items.values()):
            self.seen("evidence submitted by a lead who no longer leads")
        unsigned = []
        for item_id, stored in network.items.items():
            if stored.status == ItemStatus.APPROVED and stored.approver == new_id:
                stored.status, stored.approver = ItemStatus.SUBMITTED, None
                unsigned.append(item_id)
        self._log("network.lead_changed", actor, RESULT_OK, before={"lead_id": old_id},
                  after={"lead_id": new_id, "unsigned": unsigned})

    @precondition(lambda self: self.network is not None and self.network.stage != "closed")
    @rule(item_id=st.sampled_from(sorted(i for i, item in DEFINITION.items.items()
                                         if item.needs_signoff)))
    def hand_over_and_sign_own_evidence(self, item_id):
        """A lead who is also a reviewer submits evidence, cannot sign it off while leading,
        hands the network over, and still cannot sign it off: they submitted it."""
        if self.lead_name != "lead_reviewer":
            self.reassign_lead("admin", "lead_reviewer")
        self.submit("lead_reviewer", item_id, GOOD_TEXT)
        self.approve("lead_reviewer", item_id)
        self.reassign_lead("admin", "lead")
        self.approve("lead_reviewer", item_id)

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
        # Closing ends a run's use, so it is offered only to a paused network.
        offered = sorted(t.id for t in DEFINITION.triggers_from(self.network.stage)
                         if t.id != "close" or self.network.stage == "paused")
        if offered:
            self._fire(self.lead_name, data.draw(st.sampled_from(offered), label="trigger"),
                       GOOD_TEXT)

    @precondition(lambda self: self.network is not None
                  and self.network.stage in DEFINITION.active_stages)
    @rule(reviewer_name=st.sampled_from(["reviewer", "second_reviewer"]))
    def advance_along_the_main_path(self, reviewer_name):
        """The bias towards the gates: sign off the gate of the way forward from this stage
        (the periodic review in maintenance) and fire it, so runs reach maintenance often."""
        forward = [t for t in DEFINITION.triggers_from(self.network.stage)
                   if t.gate or t.reopens]
        if forward:
            for checklist_id in forward[0].gate:
                self.sign_off_checklist(checklist_id, reviewer_name)
            self._fire(self.lead_name, forward[0].id, GOOD_TEXT)

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
        reopened = []
        for checklist_id in firing.reopens:
            for item in DEFINITION.checklist(checklist_id).items:
                if item.needs_signoff:
                    stored = network.items[item.id]
                    stored.status, stored.approver = rules.reopen(stored.status), None
                    reopened.append(item.id)
        self.seen(f"trigger fired: {trigger_id}")
        self.seen(f"stage reached: {network.stage}")
        self.was_closed = self.was_closed or network.stage == "closed"
        self._log("network.stage_changed", actor, RESULT_OK,
                  before={"stage": old_stage, "paused_from": old_paused_from},
                  after={"stage": network.stage, "paused_from": network.paused_from,
                         "trigger": trigger_id, "reopened": reopened})
        if network.stage in DEFINITION.active_stages:
            self.deepest_stage = max(self.deepest_stage,
                                     DEFINITION.active_stages.index(network.stage))

    def _assert_gate_signed_off_by_others(self, trigger) -> None:
        """Every sign-off the gate counted is current and by someone else, as recorded."""
        lead_id, signoffs = recorded_signoffs(self.audit)
        for checklist_id in trigger.gate:
            for item in DEFINITION.checklist(checklist_id).items:
                if not item.required:
                    continue
                if item.is_auto:
                    assert auto_rule_holds(item.rule, self.network.facts), item.id
                    if not item.needs_signoff:
                        continue
                assert item.id in signoffs, f"{item.id}: no current sign-off recorded"
                signoff = signoffs[item.id]
                assert signoff.approver_id not in (lead_id, signoff.submitter_id), (
                    item.id, signoff)

    def teardown(self):
        # Steer the search towards walks that get further, and show (with
        # --hypothesis-show-statistics) how far they get.
        target(float(self.deepest_stage), label="deepest active stage reached")
        target(float(sum(w.startswith("trigger fired") for w in self.seen_here)),
               label="distinct triggers fired")
        COUNTS.update(self.seen_here)
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
        """Read from the audit chain: the recorded current sign-offs are exactly the approved
        items, each by someone who neither leads the network nor submitted its evidence."""
        if self.network is None:
            return
        lead_id, signoffs = recorded_signoffs(self.audit)
        assert lead_id == self.network.lead_id
        approved = {item_id for item_id, stored in self.network.items.items()
                    if stored.status == ItemStatus.APPROVED}
        assert set(signoffs) == approved
        for item_id, signoff in signoffs.items():
            assert signoff.approver_id not in (lead_id, signoff.submitter_id), (item_id, signoff)


STANDARD = settings(
    max_examples=2000 if THOROUGH else 200, stateful_step_count=100 if THOROUGH else 50,
    deadline=None, derandomize=not THOROUGH, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_a_standard_run_reaches_every_stage_trigger_and_refusal():
    """Run the machine, then fail if the run never reached a stage, fired a trigger, changed
    the lead or saw a four-eyes refusal of each kind: then it proved nothing about them."""
    COVERAGE.clear()
    COUNTS.clear()
    run_state_machine_as_test(DomainLifecycle, settings=STANDARD)
    print("examples in which each was seen:")
    for what, count in sorted(COUNTS.items()):
        print(f"  {count:5d}  {what}")
    missing = sorted(REQUIRED_COVERAGE - COVERAGE)
    assert not missing, f"the run never saw: {missing}"
