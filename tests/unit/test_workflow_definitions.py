"""Loading workflow definitions: the default one loads, and every broken one is named precisely.

Each broken definition is a small valid workflow with one deliberate fault. The expected line is
found in the text written to disk, so the assertion follows the fixture rather than a number.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lifecycle.domain.errors import WorkflowDefinitionError
from lifecycle.domain.workflow import load_workflow, load_workflows

from .conftest import DEFAULT_WORKFLOW, SCHEMA

TINY_WORKFLOW = """\
name: tiny
version: 1
title: {nl: Klein, en: Tiny}
initial: start
states:
  - {id: start, active: true, title: {nl: Start, en: Start}}
  - {id: done, final: true, title: {nl: Klaar, en: Done}}
triggers:
  - id: finish
    title: {nl: Afronden, en: Finish}
    source: [start]
    dest: done
    gate: [basics]
  - id: stop
    title: {nl: Stoppen, en: Stop}
    source: "*"
    dest: done
checklists:
  - id: basics
    title: {nl: Basis, en: Basics}
    items:
      - id: basics.first
        title: {nl: Eerste, en: First}
        question: {nl: "Wat eerst?", en: "What first?"}
      - id: basics.second
        title: {nl: Tweede, en: Second}
        question: {nl: "Wat daarna?", en: "What next?"}
"""


def write_workflow(directory: Path, text: str, name: str = "broken.yaml") -> Path:
    """Write a definition next to a copy of the real schema, as `load_workflows` expects."""
    shutil.copy(SCHEMA, directory / "schema.json")
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line on which `fragment` occurs for the n-th time."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return hits[occurrence - 1]


def load_error(path: Path) -> WorkflowDefinitionError:
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(path)
    return caught.value


def test_the_default_workflow_loads_with_its_states_triggers_and_30_unique_items(definition):
    raw = yaml.safe_load(DEFAULT_WORKFLOW.read_text(encoding="utf-8"))
    raw_item_ids = [item["id"] for checklist in raw["checklists"] for item in checklist["items"]]

    assert len(raw_item_ids) == 30
    assert len(set(raw_item_ids)) == 30
    assert sorted(definition.items) == sorted(raw_item_ids)
    assert [s.id for s in definition.states] == [
        "orientation", "small_core", "expansion", "maintenance", "paused", "closed"]
    assert definition.active_stages == ("orientation", "small_core", "expansion", "maintenance")
    assert definition.initial == "orientation"
    assert definition.is_final("closed") and not definition.is_final("paused")
    assert {t.id for t in definition.triggers} == {
        "start_core", "expand", "consolidate", "regroup", "pause", "resume", "close", "review"}


def test_the_default_gates_are_the_ones_from_the_domain_brief(definition):
    """The brief's gates, each forward step also asking for a mandate that has not expired."""
    gates = {t.id: set(t.gate) for t in definition.triggers}

    assert gates["start_core"] == {"orientation", "mandate", "church_state", "mandate_current"}
    assert gates["expand"] == {"core_functioning", "diversity", "mandate_current"}
    assert gates["consolidate"] == {"diversity", "maintenance_plan", "mandate_current"}
    assert not (gates["regroup"] or gates["pause"] or gates["resume"] or gates["close"])
    assert set(definition.trigger("review").reopens) == {"mandate", "church_state", "diversity"}
    assert {t.id for t in definition.triggers if t.reason_required} == {"regroup", "pause", "close"}


def test_every_item_id_starts_with_its_checklist(definition):
    for checklist in definition.checklists:
        for item in checklist.items:
            assert item.id.startswith(checklist.id + ".")
            assert item.checklist == checklist.id


def test_the_tiny_workflow_used_below_is_valid_on_its_own(tmp_path):
    definition = load_workflow(write_workflow(tmp_path, TINY_WORKFLOW))

    assert definition.name == "tiny"
    assert sorted(definition.items) == ["basics.first", "basics.second"]


def test_an_unknown_destination_state_is_named_with_file_place_and_line(tmp_path):
    text = TINY_WORKFLOW.replace('source: "*"\n    dest: done', 'source: "*"\n    dest: nowhere')
    path = write_workflow(tmp_path, text)

    error = load_error(path)

    assert error.path == str(path)
    assert error.location == "triggers[1].dest"
    assert error.line == line_of(text, "dest: nowhere")
    assert "nowhere" in error.problem
    assert str(error).startswith(f"{path}:{error.line}: at triggers[1].dest:")


def test_a_gate_naming_an_unknown_checklist_is_refused(tmp_path):
    text = TINY_WORKFLOW.replace("gate: [basics]", "gate: [basics, paperwork]")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "triggers[0].gate[1]"
    assert error.line == line_of(text, "gate: [basics, paperwork]")
    assert "paperwork" in error.problem


def test_a_duplicate_item_id_is_refused(tmp_path):
    text = TINY_WORKFLOW.replace("id: basics.second", "id: basics.first")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "checklists[0].items[1].id"
    assert error.line == line_of(text, "id: basics.first", occurrence=2)
    assert "twice" in error.problem


def test_an_item_id_not_prefixed_by_its_checklist_is_refused(tmp_path):
    text = TINY_WORKFLOW.replace("id: basics.second", "id: extras.second")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "checklists[0].items[1].id"
    assert error.line == line_of(text, "id: extras.second")
    assert "basics." in error.problem


@pytest.mark.parametrize("reserved_name", ["to_closed", "state", "may_finish", "trigger"])
def test_a_trigger_name_the_engine_reserves_is_refused(tmp_path, reserved_name):
    text = TINY_WORKFLOW.replace("  - id: stop", f"  - id: {reserved_name}")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "triggers[1].id"
    assert error.line == line_of(text, f"- id: {reserved_name}")
    assert "reserved" in error.problem


def test_an_auto_item_without_a_rule_is_refused(tmp_path):
    text = TINY_WORKFLOW + "        check: auto\n"

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "checklists[0].items[1]"
    assert error.line == line_of(text, "- id: basics.second")
    assert "'rule' is a required property" in error.problem


def test_an_unknown_auto_rule_is_refused_with_the_known_rules(tmp_path):
    text = TINY_WORKFLOW + "        check: auto\n        rule: crystal_ball\n"

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "checklists[0].items[1].rule"
    assert error.line == line_of(text, "rule: crystal_ball")
    assert "crystal_ball" in error.problem and "network_roles_chosen" in error.problem


def test_invalid_yaml_is_refused_with_the_line_where_it_breaks(tmp_path):
    text = TINY_WORKFLOW.replace("  - id: stop", " - id: stop")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == ""
    assert error.line == line_of(text, " - id: stop")
    assert error.problem.startswith("not valid YAML")


def test_a_missing_required_key_is_refused(tmp_path):
    text = TINY_WORKFLOW.replace("initial: start\n", "")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == ""
    assert error.line == 1
    assert "'initial' is a required property" in error.problem


def test_a_value_of_the_wrong_type_is_refused(tmp_path):
    text = TINY_WORKFLOW.replace("version: 1", "version: one")

    error = load_error(write_workflow(tmp_path, text))

    assert error.location == "version"
    assert error.line == line_of(text, "version: one")
    assert "integer" in error.problem


def test_a_schema_path_can_be_given_explicitly(tmp_path):
    path = tmp_path / "elsewhere" / "tiny.yaml"
    path.parent.mkdir()
    path.write_text(TINY_WORKFLOW.replace("dest: done\n    gate", "dest: limbo\n    gate"),
                    encoding="utf-8")

    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(path, schema_path=SCHEMA)

    assert caught.value.location == "triggers[0].dest"


def test_a_missing_file_is_reported_by_name(tmp_path):
    error = load_error(tmp_path / "absent.yaml")

    assert error.path == str(tmp_path / "absent.yaml")
    assert "cannot read" in error.problem


def test_two_files_with_the_same_name_and_version_are_refused(tmp_path):
    write_workflow(tmp_path, TINY_WORKFLOW, "a.yaml")
    write_workflow(tmp_path, TINY_WORKFLOW, "b.yaml")

    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflows(tmp_path)

    assert caught.value.path == str(tmp_path / "b.yaml")
    assert str(tmp_path / "a.yaml") in caught.value.problem
