"""Loading definition files (YAML checked against a JSON Schema), with errors that say where.

Every definition the app reads from `workflows/` (the lifecycle, the member pipeline, the
vocabularies, the profiles) goes through `load_definition`: the file is parsed, validated against
its schema, and then checked by the caller for what a schema cannot express. Every problem is a
`WorkflowDefinitionError` naming the file, the place in it and, where known, the line, so a broken
file stops startup with a message an administrator can act on.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema
import yaml

from .errors import WorkflowDefinitionError

# libyaml's C loader when installed (it is, with PyYAML's wheels): parsing is then ~10x faster.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Problems = Iterable[tuple[list, str]]


def load_definition(path: str | Path, schema_path: str | Path,
                    build: Callable[[dict[str, Any], str], Any],
                    problems: Callable[[Any], Problems] = lambda definition: ()) -> Any:
    """Parse `path`, validate it against `schema_path`, `build` it, and refuse any `problems`."""
    path = Path(path)
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
            str(path), format_place(place), first.message, line=line_of(text, place),
            extra=[f"{format_place(list(e.absolute_path))}: {e.message}" for e in errors[1:]],
        )
    definition = build(raw, str(path))
    found = list(problems(definition))
    if found:
        place, problem = found[0]
        raise WorkflowDefinitionError(
            str(path), format_place(place), problem, line=line_of(text, place),
            extra=[f"{format_place(p)}: {msg}" for p, msg in found[1:]],
        )
    return definition


def duplicates(ids: list[str], where: list) -> Problems:
    """Each id defined twice, placed at its second definition (`where` + [index, "id"])."""
    for index, item_id in enumerate(ids):
        if ids.index(item_id) != index:
            yield [*where, index, "id"], f"'{item_id}' is defined twice"


def format_place(place: list) -> str:
    text = ""
    for part in place:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(text: str, place: list) -> int | None:
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
