"""Step pipelines: small state machines defined as data, such as a person's way into a network.

A pipeline file (`workflows/data/member-pipeline.yaml`) names its states and its steps, each step
with the states it leaves from, where it goes and whether it needs a reason. `PipelineEngine`
runs one on `transitions`, the same way the network lifecycle runs: `auto_transitions=False`, a
fresh machine for each use started at the state read from the database, and a guard the caller
passes in (for example the growth limits of a network) that can refuse a step with its own error.
The engine never writes anything; the service stores the new state and the step's history.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from transitions import Machine, MachineError

from .definitions import duplicates, load_definition
from .errors import DomainError, InvalidTransition, ReadOnly, ReasonRequired
from .workflow import RESERVED_TRIGGER_NAMES, RESERVED_TRIGGER_PREFIXES, Text

# A guard looks at a step about to fire and returns the refusal to raise, or None to allow it.
Guard = Callable[["PipelineStep"], DomainError | None]


@dataclass(frozen=True)
class PipelineState:
    id: str
    title: Text
    final: bool = False
    # What the state counts as, e.g. "member" (the member pipeline) or "handled" (signals).
    marks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PipelineStep:
    id: str
    title: Text
    sources: tuple[str, ...]
    dest: str
    reason_required: bool = False


@dataclass(frozen=True)
class PipelineDefinition:
    name: str
    version: int
    initial: str
    states: tuple[PipelineState, ...]
    steps: tuple[PipelineStep, ...]
    source_path: str = ""

    def state(self, state_id: str) -> PipelineState:
        return next(s for s in self.states if s.id == state_id)

    def step(self, step_id: str) -> PipelineStep | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def steps_from(self, state: str) -> tuple[PipelineStep, ...]:
        return tuple(s for s in self.steps if state in s.sources)

    def is_final(self, state: str) -> bool:
        return any(s.id == state and s.final for s in self.states)

    def states_marked(self, mark: str) -> tuple[str, ...]:
        return tuple(s.id for s in self.states if mark in s.marks)

    @property
    def member_states(self) -> tuple[str, ...]:
        return self.states_marked("member")


@dataclass(frozen=True)
class StepOption:
    """A step possible from the current state by the pipeline, and whether the guard allows it."""

    step: PipelineStep
    refusal: DomainError | None

    @property
    def available(self) -> bool:
        return self.refusal is None

    @property
    def refusal_code(self) -> str | None:
        """Why the step cannot be taken now, as an error code (e.g. growth-limit)."""
        return self.refusal.code if self.refusal is not None else None


@dataclass
class _Subject:
    state: str


class PipelineEngine:
    """Evaluate and fire the steps of one pipeline definition."""

    def __init__(self, definition: PipelineDefinition) -> None:
        self.definition = definition

    def _machine(self, subject: _Subject, allowed: Callable[[str], bool]) -> Machine:
        transitions = [
            {"trigger": step.id, "source": source, "dest": step.dest,
             "conditions": [lambda step_id=step.id: allowed(step_id)]}
            for step in self.definition.steps for source in step.sources
        ]
        return Machine(model=subject, states=[s.id for s in self.definition.states],
                       transitions=transitions, initial=subject.state,
                       auto_transitions=False, ignore_invalid_triggers=False)

    def options(self, state: str, guard: Guard | None = None) -> list[StepOption]:
        """Every step from `state`, each with the guard's refusal (None when it may fire)."""
        return [StepOption(step, guard(step) if guard else None)
                for step in self.definition.steps_from(state)]

    def fire(self, state: str, step_id: str, *, reason: str | None = None,
             guard: Guard | None = None) -> str:
        """Take `step_id` from `state` and return the new state, or raise why not."""
        if self.definition.is_final(state):
            raise ReadOnly("This record has reached its final state and cannot change.",
                           state=state)
        step = self.definition.step(step_id) if isinstance(step_id, str) else None
        if step is None:
            raise InvalidTransition(f"There is no step '{step_id}'.", step=str(step_id)[:80])
        if state not in step.sources:
            raise InvalidTransition(f"The step '{step_id}' is not possible from '{state}'.",
                                    step=step_id, state=state)
        if step.reason_required and not (reason or "").strip():
            raise ReasonRequired("This step needs a reason.", errors={"reason": "required"})
        refusal = guard(step) if guard else None
        subject = _Subject(state)
        machine = self._machine(subject, lambda _step_id: refusal is None)
        try:
            fired = subject.trigger(step_id)
        except MachineError as exc:  # defensive: the checks above already cover this
            raise InvalidTransition(str(exc.value), step=step_id, state=state) from exc
        finally:
            machine.remove_model(subject)
        if not fired:
            raise refusal
        return subject.state


def load_pipeline(path: str | Path, schema_path: str | Path | None = None) -> PipelineDefinition:
    """Load, validate and build a pipeline file; raise WorkflowDefinitionError if broken."""
    path = Path(path)
    return load_definition(path, schema_path or path.parent / "pipeline.schema.json",
                           _build, _problems)


def _text(raw: dict[str, str]) -> Text:
    return Text(nl=raw["nl"], en=raw["en"])


def _build(raw: dict[str, Any], source_path: str) -> PipelineDefinition:
    return PipelineDefinition(
        name=raw["name"], version=raw["version"], initial=raw["initial"],
        states=tuple(PipelineState(s["id"], _text(s["title"]), s.get("final", False),
                                   frozenset(s.get("marks", ()))) for s in raw["states"]),
        steps=tuple(PipelineStep(s["id"], _text(s["title"]), tuple(s["source"]), s["dest"],
                                 s.get("reason_required", False)) for s in raw["steps"]),
        source_path=source_path,
    )


def _problems(d: PipelineDefinition) -> Iterable[tuple[list, str]]:
    state_ids = [s.id for s in d.states]
    yield from duplicates(state_ids, ["states"])
    yield from duplicates([s.id for s in d.steps], ["steps"])
    if d.initial not in state_ids:
        yield ["initial"], f"initial state '{d.initial}' is not a state"
    for index, step in enumerate(d.steps):
        if step.id in RESERVED_TRIGGER_NAMES or step.id.startswith(RESERVED_TRIGGER_PREFIXES) \
                or step.id in state_ids:
            yield ["steps", index, "id"], f"step name '{step.id}' is reserved or a state's name"
        for s_index, source in enumerate(step.sources):
            if source not in state_ids:
                yield ["steps", index, "source", s_index], f"source '{source}' is not a state"
            elif d.is_final(source):
                yield ["steps", index, "source", s_index], f"'{source}' is final"
        if step.dest not in state_ids:
            yield ["steps", index, "dest"], f"destination '{step.dest}' is not a state"
