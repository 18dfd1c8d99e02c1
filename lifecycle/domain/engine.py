"""The lifecycle engine: fire a workflow trigger on a network, behind its gate.

Built on `transitions`. Each engine builds its `Machine` once, from its workflow definition,
with no model: every use adds a fresh snapshot of one network as the model, at the stage read
from the database (never at the machine's initial state), fires or asks, and removes it again.
So the machine holds only the definition's description, which never changes, and nothing of a
network outlives the call. Its conditions read the model they are called for (`send_event`),
never a captured one. `auto_transitions=False` means no `to_<state>()` shortcut can bypass a
gate.

Firing a trigger evaluates that trigger's gate only; `facts_needed` tells the caller which
facts that gate reads, so it need not gather the facts of every rule.

The engine never writes anything. It returns a `Firing` that the service persists, together with
the audit record, in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from transitions import Machine, MachineError

from .errors import GateBlocked, InvalidTransition, MissingItem, ReadOnly, ReasonRequired
from .gates import NetworkFacts, facts_read_by, missing_items
from .workflow import Trigger, WorkflowDefinition


@dataclass(frozen=True)
class TriggerOption:
    """One trigger whose source is the current stage, and whether it can fire now."""

    trigger: Trigger
    dest: str | None
    available: bool
    missing: tuple[MissingItem, ...]

    @property
    def id(self) -> str:
        return self.trigger.id


@dataclass(frozen=True)
class Firing:
    """The outcome of a successful firing, for the service to persist."""

    trigger: str
    from_stage: str
    to_stage: str
    paused_from: str | None
    reason: str | None
    reopens: tuple[str, ...]
    at: datetime
    actor_id: int


@dataclass(eq=False)  # identity, not equality: the machine tells its models apart by `==`
class _Subject:
    """The model the machine drives: a snapshot of one network, never the ORM row itself."""

    state: str
    paused_from: str | None
    gate_missing: Mapping[str, list[MissingItem]] = field(default_factory=dict)


def _came_from(stage: str):
    """Condition of a return-to-previous transition into `stage`."""
    def condition(event) -> bool:
        return event.model.paused_from == stage
    return condition


def _gate_open(trigger_id: str):
    """Condition of a gated transition: nothing of its gate is missing for this model."""
    def condition(event) -> bool:
        return not event.model.gate_missing.get(trigger_id)
    return condition


class LifecycleEngine:
    """Evaluate and fire the triggers of one workflow definition."""

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self._machine = self._build_machine()

    def _build_machine(self) -> Machine:
        transitions = []
        for trigger in self.definition.triggers:
            for source in trigger.sources:
                if trigger.returns_to_previous:
                    # One transition per possible previous stage, guarded on where the network
                    # actually came from: the machine itself then refuses any other destination.
                    for stage in self.definition.active_stages:
                        transitions.append({"trigger": trigger.id, "source": source,
                                            "dest": stage, "conditions": [_came_from(stage)]})
                else:
                    transitions.append({"trigger": trigger.id, "source": source,
                                        "dest": trigger.dest,
                                        "conditions": [_gate_open(trigger.id)]})
        return Machine(
            model=None,
            states=[s.id for s in self.definition.states],
            transitions=transitions,
            initial=self.definition.states[0].id,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=True,
        )

    def _driving(self, subject: _Subject):
        """Add `subject` to the machine at its own stage; the caller removes it (finally)."""
        self._machine.add_model(subject, initial=subject.state)
        return subject

    def gated(self, trigger_id: str) -> bool:
        """Whether `trigger_id` has a gate of checklists (an unknown trigger has none)."""
        trigger = self.definition.trigger(trigger_id)
        return trigger is not None and bool(trigger.gate)

    def facts_needed(self, trigger_id: str) -> frozenset[str]:
        """The NetworkFacts fields the gate of `trigger_id` reads (none for an unknown one)."""
        trigger = self.definition.trigger(trigger_id)
        return facts_read_by(self.definition, trigger.gate) if trigger is not None else frozenset()

    def _gate_missing(self, triggers, statuses: Mapping[str, str], facts: NetworkFacts):
        return {t.id: missing_items(self.definition, t.gate, statuses, facts) for t in triggers}

    def options(
        self, stage: str, paused_from: str | None, statuses: Mapping[str, str], facts: NetworkFacts
    ) -> list[TriggerOption]:
        """List every trigger whose source is `stage`, available or blocked with what is missing."""
        triggers = self.definition.triggers_from(stage)
        gate_missing = self._gate_missing(triggers, statuses, facts)
        subject = self._driving(_Subject(stage, paused_from, gate_missing))
        try:
            options = []
            for trigger in triggers:
                dest = paused_from if trigger.returns_to_previous else trigger.dest
                available = bool(getattr(subject, f"may_{trigger.id}")())
                options.append(TriggerOption(trigger, dest, available,
                                             tuple(gate_missing.get(trigger.id, ()))))
        finally:
            self._machine.remove_model(subject)
        return options

    def fire(
        self,
        *,
        stage: str,
        paused_from: str | None,
        trigger_id: str,
        statuses: Mapping[str, str],
        facts: NetworkFacts,
        reason: str | None,
        actor_id: int,
        now: datetime,
    ) -> Firing:
        """Fire `trigger_id` from `stage`; raise if it is unknown, impossible or gated shut."""
        if self.definition.is_final(stage):
            raise ReadOnly("This network is closed and can no longer change.", stage=stage)
        trigger = self.definition.trigger(trigger_id)
        if trigger is None:
            raise InvalidTransition(f"There is no step '{trigger_id}'.", trigger=trigger_id)
        if stage not in trigger.sources:
            raise InvalidTransition(
                f"The step '{trigger_id}' is not possible from the stage '{stage}'.",
                trigger=trigger_id, stage=stage,
            )
        reason = (reason or "").strip() or None
        if trigger.reason_required and not reason:
            raise ReasonRequired("This step needs a reason.", errors={"reason": "required"})
        # Only the fired trigger's gate: the others are not being asked.
        gate_missing = self._gate_missing([trigger], statuses, facts)
        subject = self._driving(_Subject(stage, paused_from, gate_missing))
        try:
            fired = subject.trigger(trigger_id)
        except MachineError as exc:
            raise InvalidTransition(str(exc.value), trigger=trigger_id, stage=stage) from exc
        finally:
            self._machine.remove_model(subject)
        if not fired:
            missing = gate_missing.get(trigger_id, [])
            if missing:
                raise GateBlocked(
                    "Not every required checklist item is signed off.", missing,
                    trigger=trigger_id, stage=stage,
                )
            raise InvalidTransition(
                "There is no previous stage to return to.", trigger=trigger_id, stage=stage
            )
        new_stage = subject.state
        return Firing(
            trigger=trigger_id,
            from_stage=stage,
            to_stage=new_stage,
            paused_from=stage if self.definition.state(new_stage).active is False
            and not self.definition.is_final(new_stage) else None,
            reason=reason,
            reopens=trigger.reopens,
            at=now,
            actor_id=actor_id,
        )
