"""The lifecycle engine: fire a workflow trigger on a network, behind its gate.

Built on `transitions`. A fresh `Machine` is built for every use: it is cheap (the definition
is parsed once at startup) and it avoids sharing a machine between threads or leaking models.
`auto_transitions=False` means no `to_<state>()` shortcut can bypass a gate, and the model is
always started at the stage read from the database, never at the machine's initial state.

The engine never writes anything. It returns a `Firing` that the service persists, together with
the audit record, in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from transitions import Machine, MachineError

from .errors import GateBlocked, InvalidTransition, MissingItem, ReadOnly, ReasonRequired
from .gates import NetworkFacts, missing_items
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


@dataclass
class _Subject:
    """The model the machine drives: a snapshot of one network, never the ORM row itself."""

    state: str
    paused_from: str | None
    gate_missing: Mapping[str, list[MissingItem]] = field(default_factory=dict)


class LifecycleEngine:
    """Evaluate and fire the triggers of one workflow definition."""

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition

    def _machine(self, subject: _Subject) -> Machine:
        transitions = []
        for trigger in self.definition.triggers:
            for source in trigger.sources:
                if trigger.returns_to_previous:
                    # One transition per possible previous stage, guarded on where the network
                    # actually came from: the machine itself then refuses any other destination.
                    for stage in self.definition.active_stages:
                        transitions.append({
                            "trigger": trigger.id, "source": source, "dest": stage,
                            "conditions": [lambda s=stage: subject.paused_from == s],
                        })
                else:
                    transitions.append({
                        "trigger": trigger.id, "source": source, "dest": trigger.dest,
                        "conditions": [lambda t=trigger.id: not subject.gate_missing.get(t)],
                    })
        return Machine(
            model=subject,
            states=[s.id for s in self.definition.states],
            transitions=transitions,
            initial=subject.state,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    def _gate_missing(self, stage: str, statuses: Mapping[str, str], facts: NetworkFacts):
        return {
            t.id: missing_items(self.definition, t.gate, statuses, facts)
            for t in self.definition.triggers_from(stage)
        }

    def options(
        self, stage: str, paused_from: str | None, statuses: Mapping[str, str], facts: NetworkFacts
    ) -> list[TriggerOption]:
        """List every trigger whose source is `stage`, available or blocked with what is missing."""
        gate_missing = self._gate_missing(stage, statuses, facts)
        subject = _Subject(stage, paused_from, gate_missing)
        machine = self._machine(subject)
        options = []
        for trigger in self.definition.triggers_from(stage):
            dest = paused_from if trigger.returns_to_previous else trigger.dest
            available = bool(getattr(subject, f"may_{trigger.id}")())
            options.append(
                TriggerOption(trigger, dest, available, tuple(gate_missing.get(trigger.id, ())))
            )
        machine.remove_model(subject)
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
        gate_missing = self._gate_missing(stage, statuses, facts)
        subject = _Subject(stage, paused_from, gate_missing)
        machine = self._machine(subject)
        try:
            fired = subject.trigger(trigger_id)
        except MachineError as exc:
            raise InvalidTransition(str(exc.value), trigger=trigger_id, stage=stage) from exc
        finally:
            machine.remove_model(subject)
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
