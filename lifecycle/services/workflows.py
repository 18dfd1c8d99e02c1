"""Access to the definitions loaded at startup (immutable, shared by all requests): the lifecycle
workflows with one engine each, and the catalogue of vocabularies, member profiles and the
member pipeline. They come from the workflow files only, never from the database, so every
worker on every host holds the same ones."""
from __future__ import annotations

from flask import Flask, current_app

from ..domain.catalogue import Catalogue, load_catalogue
from ..domain.composition import GrowthRules
from ..domain.engine import LifecycleEngine
from ..domain.errors import NotFound
from ..domain.workflow import WorkflowDefinition, load_workflows

EXTENSION_KEY = "voelspriet.workflows"
ENGINES_KEY = "voelspriet.engines"
CATALOGUE_KEY = "voelspriet.catalogue"


def install_definitions(app: Flask) -> None:
    """Load the workflow files and the catalogue, and build each workflow version's engine."""
    workflows = load_workflows(app.config["WORKFLOWS_DIR"])
    app.extensions[EXTENSION_KEY] = workflows
    app.extensions[ENGINES_KEY] = {key: LifecycleEngine(definition)
                                   for key, definition in workflows.items()}
    app.extensions[CATALOGUE_KEY] = load_catalogue(app.config["WORKFLOWS_DIR"])


def catalogue() -> Catalogue:
    return current_app.extensions[CATALOGUE_KEY]


def all_workflows() -> dict[tuple[str, int], WorkflowDefinition]:
    return current_app.extensions[EXTENSION_KEY]


def latest_workflow(name: str) -> WorkflowDefinition:
    versions = [d for (n, _v), d in all_workflows().items() if n == name]
    if not versions:
        raise NotFound(f"No workflow called '{name}' is installed.")
    return max(versions, key=lambda d: d.version)


def workflow_of(network) -> WorkflowDefinition:
    """The exact definition a network runs on (it keeps its version when a newer one arrives)."""
    definition = all_workflows().get((network.workflow_name, network.workflow_version))
    if definition is None:
        raise NotFound(
            f"Workflow {network.workflow_name} version {network.workflow_version} is not installed."
        )
    return definition


def engine_for(definition: WorkflowDefinition) -> LifecycleEngine:
    """The engine of this installed workflow version (built once, at startup)."""
    return current_app.extensions[ENGINES_KEY][definition.key]


def engine_of(network) -> LifecycleEngine:
    """The engine of the network's exact workflow version."""
    return engine_for(workflow_of(network))


def growth_rules_of(definition: WorkflowDefinition) -> GrowthRules:
    """The workflow's "start small, grow slowly" limits and the stages they apply to."""
    return GrowthRules(
        max_core_size=definition.limits.get("max_core_size"),
        max_growth_per_quarter=definition.limits.get("max_growth_per_quarter"),
        core_stages=definition.growth.get("core_stages", ()),
        growth_stages=definition.growth.get("growth_stages", ()),
    )
