"""Workflow definitions: load a YAML file, validate it, and expose it as immutable objects.

A definition is data (see `workflows/`): states, triggers with their sources, destinations and
gates, and checklists with their items. Loading validates the file against
`workflows/schema.json` and then checks what a schema cannot (references between parts, unique
item ids, trigger names that would clash with the engine). Every problem is reported as a
`WorkflowDefinitionError` naming the file, the place in it and, where known, the line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from .errors import WorkflowDefinitionError

PREVIOUS_STAGE = "@previous"
ANY_SOURCE = "*"

# Names the engine's model already uses; a trigger with such a name would silently not bind
# (a known `transitions` pitfall), so the validator refuses them.
RESERVED_TRIGGER_NAMES = frozenset(
    {"state", "stage", "trigger", "paused_from", "machine", "gate_open", "came_from", "id", "name"}
)
RESERVED_TRIGGER_PREFIXES = ("is_", "may_", "to_", "on_enter_", "on_exit_")

# libyaml's C loader when installed (it is, with PyYAML's wheels): parsing is then ~10x faster.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

AUTO_RULES = frozenset({"network_form_justified", "network_roles_chosen"})


@dataclass(frozen=True)
class Text:
    """A text in Dutch and English."""

    nl: str
    en: str

    def get(self, locale: str) -> str:
        return self.en if str(locale).startswith("en") else self.nl


@dataclass(frozen=True)
class State:
    id: str
    title: Text
    active: bool = False
    final: bool = False


@dataclass(frozen=True)
class Trigger:
    id: str
    title: Text
    sources: tuple[str, ...]
    dest: str
    gate: tuple[str, ...] = ()
    reason_required: bool = False
    reopens: tuple[str, ...] = ()

    @property
    def returns_to_previous(self) -> bool:
        return self.dest == PREVIOUS_STAGE


@dataclass(frozen=True)
class Item:
    id: str
    checklist: str
    title: Text
    question: Text
    required: bool = True
    check: str = "signoff"  # signoff | auto
    rule: str | None = None

    @property
    def is_auto(self) -> bool:
        return self.check == "auto"


@dataclass(frozen=True)
class Checklist:
    id: str
    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class WorkflowDefinition:
    """One parsed, validated workflow: immutable, so it can be shared by every request."""

    name: str
    version: int
    title: Text
    initial: str
    states: tuple[State, ...]
    triggers: tuple[Trigger, ...]
    checklists: tuple[Checklist, ...]
    limits: dict[str, int] = field(default_factory=dict)
    source_path: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    def state(self, state_id: str) -> State:
        return next(s for s in self.states if s.id == state_id)

    def trigger(self, trigger_id: str) -> Trigger | None:
        return next((t for t in self.triggers if t.id == trigger_id), None)

    def checklist(self, checklist_id: str) -> Checklist:
        return next(c for c in self.checklists if c.id == checklist_id)

    @cached_property
    def items(self) -> dict[str, Item]:
        return {item.id: item for checklist in self.checklists for item in checklist.items}

    def item(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    @property
    def active_stages(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.states if s.active)

    def is_final(self, state_id: str) -> bool:
        return any(s.id == state_id and s.final for s in self.states)

    def triggers_from(self, stage: str) -> tuple[Trigger, ...]:
        return tuple(t for t in self.triggers if stage in t.sources)

    def gated_checklists_passed(self, stage: str, paused_from: str | None = None) -> tuple[str, ...]:
        """Checklists of every gate on the way into `stage` (or the stage a pause came from)."""
        stage = paused_from or stage
        order = self.active_stages
        if stage not in order:
            return ()
        reached = set(order[: order.index(stage) + 1])
        passed = [c for t in self.triggers if t.dest in reached for c in t.gate]
        return tuple(dict.fromkeys(passed))


def load_workflow(path: str | Path, schema_path: str | Path | None = None) -> WorkflowDefinition:
    """Load, validate and build the workflow in `path`; raise WorkflowDefinitionError if broken."""
    path = Path(path)
    schema_path = Path(schema_path) if schema_path else path.parent / "schema.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowDefinitionError(str(path), "", f"cannot read the file: {exc.strerror}") from exc
    try:
        raw = yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise WorkflowDefinitionError(
            str(path), "", f"not valid YAML: {getattr(exc, 'problem', exc)}",
            line=mark.line + 1 if mark else None,
        ) from exc
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        place = list(first.absolute_path)
        raise WorkflowDefinitionError(
            str(path), _format_place(place), first.message, line=_line_of(text, place),
            extra=[f"{_format_place(list(e.absolute_path))}: {e.message}" for e in errors[1:]],
        )
    definition = _build(raw, str(path))
    problems = list(_semantic_problems(definition))
    if problems:
        place, problem = problems[0]
        raise WorkflowDefinitionError(
            str(path), _format_place(place), problem, line=_line_of(text, place),
            extra=[f"{_format_place(p)}: {msg}" for p, msg in problems[1:]],
        )
    return definition


def load_workflows(directory: str | Path) -> dict[tuple[str, int], WorkflowDefinition]:
    """Load every `*.yaml` definition in `directory`, keyed by (name, version)."""
    directory = Path(directory)
    definitions: dict[tuple[str, int], WorkflowDefinition] = {}
    for path in sorted(directory.glob("*.yaml")):
        definition = load_workflow(path, directory / "schema.json")
        if definition.key in definitions:
            raise WorkflowDefinitionError(
                str(path), "version",
                f"{definition.name} version {definition.version} is also defined in "
                f"{definitions[definition.key].source_path}",
            )
        definitions[definition.key] = definition
    return definitions


def _text(raw: dict[str, str]) -> Text:
    return Text(nl=raw["nl"], en=raw["en"])


def _build(raw: dict[str, Any], source_path: str) -> WorkflowDefinition:
    states = tuple(
        State(s["id"], _text(s["title"]), s.get("active", False), s.get("final", False))
        for s in raw["states"]
    )
    state_ids = [s.id for s in states]
    final_ids = {s.id for s in states if s.final}
    triggers = tuple(
        Trigger(
            id=t["id"],
            title=_text(t["title"]),
            # "*" means every stage a network can leave: all but the final ones.
            sources=tuple(s for s in state_ids if s not in final_ids)
            if t["source"] == ANY_SOURCE else tuple(t["source"]),
            dest=t["dest"],
            gate=tuple(t.get("gate", ())),
            reason_required=t.get("reason_required", False),
            reopens=tuple(t.get("reopens", ())),
        )
        for t in raw["triggers"]
    )
    checklists = tuple(
        Checklist(
            id=c["id"],
            title=_text(c["title"]),
            items=tuple(
                Item(
                    id=i["id"], checklist=c["id"], title=_text(i["title"]),
                    question=_text(i["question"]), required=i.get("required", True),
                    check=i.get("check", "signoff"), rule=i.get("rule"),
                )
                for i in c["items"]
            ),
        )
        for c in raw["checklists"]
    )
    return WorkflowDefinition(
        name=raw["name"], version=raw["version"], title=_text(raw["title"]),
        initial=raw["initial"], states=states, triggers=triggers, checklists=checklists,
        limits=dict(raw.get("limits", {})), source_path=source_path,
    )


def _semantic_problems(d: WorkflowDefinition) -> Iterable[tuple[list, str]]:
    state_ids = [s.id for s in d.states]
    checklist_ids = [c.id for c in d.checklists]
    for index, state_id in enumerate(state_ids):
        if state_ids.index(state_id) != index:
            yield ["states", index, "id"], f"state '{state_id}' is defined twice"
    if d.initial not in state_ids:
        yield ["initial"], f"initial state '{d.initial}' is not a state"
    elif d.is_final(d.initial):
        yield ["initial"], "the initial state cannot be a final state"
    for index, checklist_id in enumerate(checklist_ids):
        if checklist_ids.index(checklist_id) != index:
            yield ["checklists", index, "id"], f"checklist '{checklist_id}' is defined twice"
    seen_items: set[str] = set()
    for c_index, checklist in enumerate(d.checklists):
        for i_index, item in enumerate(checklist.items):
            place = ["checklists", c_index, "items", i_index]
            if not item.id.startswith(checklist.id + "."):
                yield place + ["id"], f"item id '{item.id}' must start with '{checklist.id}.'"
            if item.id in seen_items:
                yield place + ["id"], f"item id '{item.id}' is used twice"
            seen_items.add(item.id)
            if item.is_auto and item.rule not in AUTO_RULES:
                yield place + ["rule"], (
                    f"unknown auto rule '{item.rule}'; known rules: {', '.join(sorted(AUTO_RULES))}"
                )
    trigger_ids = [t.id for t in d.triggers]
    for t_index, trigger in enumerate(d.triggers):
        place = ["triggers", t_index]
        if trigger_ids.index(trigger.id) != t_index:
            yield place + ["id"], f"trigger '{trigger.id}' is defined twice"
        if trigger.id in RESERVED_TRIGGER_NAMES or trigger.id.startswith(RESERVED_TRIGGER_PREFIXES):
            yield place + ["id"], f"trigger name '{trigger.id}' is reserved by the engine"
        if trigger.id in state_ids:
            yield place + ["id"], f"trigger '{trigger.id}' has the same name as a state"
        for s_index, source in enumerate(trigger.sources):
            if source not in state_ids:
                yield place + ["source", s_index], f"source '{source}' is not a state"
            elif d.is_final(source):
                yield place + ["source", s_index], f"'{source}' is final; nothing may leave it"
        if trigger.returns_to_previous:
            if trigger.gate:
                yield place + ["gate"], "a trigger back to the previous stage cannot have a gate"
        elif trigger.dest not in state_ids:
            yield place + ["dest"], f"destination '{trigger.dest}' is not a state"
        for g_index, checklist_id in enumerate(trigger.gate):
            if checklist_id not in checklist_ids:
                yield place + ["gate", g_index], f"gate checklist '{checklist_id}' does not exist"
        for r_index, checklist_id in enumerate(trigger.reopens):
            if checklist_id not in checklist_ids:
                yield place + ["reopens", r_index], f"checklist '{checklist_id}' does not exist"
    if not any(s.active for s in d.states):
        yield ["states"], "at least one state must be active"


def _format_place(place: list) -> str:
    text = ""
    for part in place:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(text: str, place: list) -> int | None:
    """Follow `place` through the composed YAML tree and return its 1-based line.

    Composing keeps positions but is slow, so it only runs when there is an error to place.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    best = node
    for part in place:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is not None:
            best = node
    return best.start_mark.line + 1 if best is not None else None
