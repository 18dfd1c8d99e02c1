"""Workflow definitions: load a YAML file, validate it, and expose it as immutable objects.

A definition is data (see `workflows/`): states, triggers with their sources, destinations and
gates, and checklists with their items. Loading validates the file against
`workflows/schema.json` and then checks what a schema cannot (references between parts, unique
item ids, trigger names that would clash with the engine). Every problem is reported as a
`WorkflowDefinitionError` naming the file, the place in it and, where known, the line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

from .definitions import load_definition
from .errors import WorkflowDefinitionError

PREVIOUS_STAGE = "@previous"
ANY_SOURCE = "*"

# Names the engine's model already uses; a trigger with such a name would silently not bind
# (a known `transitions` pitfall), so the validator refuses them.
RESERVED_TRIGGER_NAMES = frozenset(
    {"state", "stage", "trigger", "paused_from", "gate_missing", "machine", "gate_open",
     "came_from", "id", "name"}
)
RESERVED_TRIGGER_PREFIXES = ("is_", "may_", "to_", "on_enter_", "on_exit_")

# The rules an automatic item can name; `gates.AUTO_RULE_FUNCTIONS` computes each one.
AUTO_RULES = frozenset({
    "network_form_justified", "network_roles_chosen",
    "organisations_mapped", "boards_approached", "intakes_held",
    "diversity_sectors", "diversity_communities", "diversity_voices",
    "diversity_formal_informal", "diversity_age_gender", "diversity_member_types",
    "core_meetings_held", "mandate_valid",
})
# What a sign-off can watch: it goes stale when that changes too much (see `composition`).
WATCHABLE = frozenset({"composition"})


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
    signoff: bool = False  # an auto item that a reviewer signs off as well
    watches: str | None = None  # a sign-off that goes stale when this changes too much
    records: str | None = None  # structured details entered with the evidence (maintenance)

    @property
    def is_auto(self) -> bool:
        """Computed from the network's own data (shown as evidence with its numbers)."""
        return self.check == "auto"

    @property
    def needs_signoff(self) -> bool:
        """The lead submits evidence and a reviewer signs it off (four-eyes)."""
        return not self.is_auto or self.signoff


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
    growth: dict[str, tuple[str, ...]] = field(default_factory=dict)
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
    return load_definition(path, schema_path or path.parent / "schema.json", _build,
                           _semantic_problems)


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
                    signoff=i.get("signoff", False), watches=i.get("watches"),
                    records=i.get("records"),
                )
                for i in c["items"]
            ),
        )
        for c in raw["checklists"]
    )
    return WorkflowDefinition(
        name=raw["name"], version=raw["version"], title=_text(raw["title"]),
        initial=raw["initial"], states=states, triggers=triggers, checklists=checklists,
        limits=dict(raw.get("limits", {})),
        growth={key: tuple(stages) for key, stages in raw.get("growth", {}).items()},
        source_path=source_path,
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
            if item.records is not None and not item.needs_signoff:
                yield place + ["records"], "only an item with evidence can record details"
            if item.watches is not None and item.watches not in WATCHABLE:
                yield place + ["watches"], f"a sign-off cannot watch '{item.watches}'"
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
    for key, stages in d.growth.items():
        for index, stage in enumerate(stages):
            if stage not in state_ids:
                yield ["growth", key, index], f"'{stage}' is not a state"
