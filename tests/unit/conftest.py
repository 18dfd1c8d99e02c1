"""Unit tier: the domain on its own, with no app, no database and no Flask.

The root conftest's app and database fixtures are shadowed here by fixtures that fail at once,
so a unit test cannot quietly start an app or open a database. The fixtures below give the
default workflow definition, its engine and a cast of actors, all as plain domain objects.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from lifecycle.domain.catalogue import Catalogue, load_catalogue
from lifecycle.domain.composition import MemberFacts, figures_of
from lifecycle.domain.engine import LifecycleEngine
from lifecycle.domain.gates import NetworkFacts
from lifecycle.domain.permissions import ADMIN, AUDITOR, LEAD, REVIEWER, Actor
from lifecycle.domain.workflow import WorkflowDefinition, load_workflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = PROJECT_ROOT / "workflows"
DEFAULT_WORKFLOW = WORKFLOWS_DIR / "network-lifecycle.yaml"
SCHEMA = WORKFLOWS_DIR / "schema.json"

HOME = 1
ELSEWHERE = 2


def _refuse_fixture(name: str):
    @pytest.fixture(name=name)
    def refused():
        pytest.fail(f"`{name}` belongs to the integration tier; unit tests run without an app")

    return refused


for _name in ("migrated_database", "database_url", "app_config", "app", "client",
              "make_user", "make_network", "sign_off"):
    globals()[f"_no_{_name}"] = _refuse_fixture(_name)


@dataclass
class NetworkRef:
    """The three facts permissions look at, as a plain object (the domain's ScopedNetwork)."""

    id: int
    municipality_id: int
    lead_id: int


@dataclass(frozen=True)
class Cast:
    lead: Actor
    other_lead: Actor
    reviewer: Actor
    second_reviewer: Actor
    lead_reviewer: Actor
    auditor: Actor
    admin: Actor
    outsider: Actor


@pytest.fixture(scope="session")
def definition() -> WorkflowDefinition:
    return load_workflow(DEFAULT_WORKFLOW, SCHEMA)


@pytest.fixture(scope="session")
def engine(definition) -> LifecycleEngine:
    return LifecycleEngine(definition)


@pytest.fixture
def cast() -> Cast:
    return Cast(
        lead=Actor(1, HOME, frozenset({LEAD})),
        other_lead=Actor(2, HOME, frozenset({LEAD})),
        reviewer=Actor(3, HOME, frozenset({REVIEWER})),
        second_reviewer=Actor(4, HOME, frozenset({REVIEWER})),
        lead_reviewer=Actor(5, HOME, frozenset({LEAD, REVIEWER})),
        auditor=Actor(6, HOME, frozenset({AUDITOR})),
        admin=Actor(7, HOME, frozenset({ADMIN})),
        outsider=Actor(8, ELSEWHERE, frozenset({LEAD, REVIEWER, ADMIN})),
    )


@pytest.fixture
def network(cast) -> NetworkRef:
    return NetworkRef(id=10, municipality_id=HOME, lead_id=cast.lead.user_id)


# Six active members who meet the starting profile "Signaleren in de wijk" (as tests/builders.py
# builds them through the services): sectors, organisation types, member types, age bands,
# genders, a third formal, three communities with two or more voices each.
GOOD_MEMBERS = (
    MemberFacts(1, "education", "school", "education", ("Noord", "Oost"), True, "16_24",
                "woman", "verbinder"),
    MemberFacts(2, "youth_work", "youth_work", "youth_work", ("Oost", "West"), False, "25_39",
                "man", "doener"),
    MemberFacts(3, "womens_neighbourhood", "neighbourhood_initiative", "womens_neighbourhood",
                ("Noord", "West"), False, "40_54", "woman", "kritische_denker"),
    MemberFacts(4, "professionals", "faith_belief_organisation", "faith_belief", ("Noord",),
                True, "25_39", "man", "verbinder"),
    MemberFacts(5, "sport", "sports_club", "sport", ("Oost", "West"), False, "16_24", "man",
                "doener"),
    MemberFacts(6, "parents_educators", "parents_initiative", "parents_educators", ("West",),
                False, "40_54", "woman", "vertegenwoordiger"),
)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(WORKFLOWS_DIR)


@pytest.fixture
def good_facts(catalogue) -> NetworkFacts:
    """A network whose every automatic item holds: justified form, roles, registers, members,
    core meetings and a mandate that is valid on its `today`."""
    return NetworkFacts(
        form="structural",
        form_justification="Een vast netwerk past bij de langdurige opgave in de wijk.",
        roles=("signaling", "mediation"),
        organisations_mapped=6, boards_approached=4, intakes_held=6,
        composition=figures_of(GOOD_MEMBERS),
        profile=catalogue.profile("neighbourhood_signaling").targets,
        core_meetings=3, mandate_valid_until=date(2028, 5, 1), today=date(2024, 5, 1),
    )
