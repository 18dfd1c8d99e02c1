"""No special category of personal data (AVG art. 9) can be recorded for a person: not in a field
name, not in any term of a vocabulary a person can be given, and a vocabulary file that tries is
refused at load time. (The integration tier applies the same check to the real database schema.)
"""
from __future__ import annotations

import shutil

import pytest
import yaml

from lifecycle.domain.errors import WorkflowDefinitionError
from lifecycle.domain.privacy import special_category_terms
from lifecycle.domain.registers import MEMBER_FIELDS, ORGANISATION_FIELDS
from lifecycle.domain.vocabulary import PERSON_VOCABULARIES, load_vocabularies
from tests.unit.conftest import WORKFLOWS_DIR

VOCABULARY_FILE = WORKFLOWS_DIR / "data" / "vocabularies.yaml"


@pytest.mark.parametrize("text, stem", [
    ("religion", "religi"), ("Religieuze achtergrond", "religi"), ("geloof", "geloof"),
    ("ethnicity", "ethnic"), ("etnische afkomst", "etni"), ("country_of_origin", "origin"),
    ("herkomst", "herkomst"), ("political_view", "politi"), ("partijlidmaatschap", "partij"),
    ("health", "health"), ("medische gegevens", "medisch"), ("sexual_orientation", "sexual"),
    ("seksuele geaardheid", "seksu"), ("trade_union_member", "trade_union"),
    ("vakbond", "vakbond"), ("biometric_template", "biometri"), ("race", "race"),
])
def test_the_check_finds_every_special_category_in_dutch_and_english(text, stem):
    assert stem in special_category_terms(text)


@pytest.mark.parametrize("text", ["sector", "age_band", "gender", "member_type", "district",
                                  "known_to_municipality", "Verbinder", "Kritische denker",
                                  "education", "parents_educators", "Non-binair"])
def test_ordinary_words_are_not_taken_for_a_special_category(text):
    assert special_category_terms(text) == []


def test_no_field_of_a_person_or_an_organisation_names_a_special_category():
    for name in (*MEMBER_FIELDS, *ORGANISATION_FIELDS):
        assert special_category_terms(name) == [], name


def test_no_term_a_person_can_be_given_names_a_special_category(catalogue):
    vocabularies = catalogue.vocabularies
    terms = [*vocabularies.person_sectors,
             *(term for name in PERSON_VOCABULARIES for term in getattr(vocabularies, name))]
    assert len(terms) > 15
    for term in terms:
        found = special_category_terms(" ".join((term.id, term.title.nl, term.title.en)))
        assert found == [], (term.id, found)


def test_faith_and_belief_is_a_kind_of_organisation_and_never_a_persons_sector(catalogue):
    vocabularies = catalogue.vocabularies
    assert "faith_belief" in vocabularies.ids(vocabularies.sectors)
    assert "faith_belief" not in vocabularies.ids(vocabularies.person_sectors)
    assert vocabularies.sector_of_type("faith_belief_organisation") == "faith_belief"


def _vocabulary_with(tmp_path, change) -> object:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(VOCABULARY_FILE.with_name("vocabularies.schema.json"), folder)
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    change(raw)
    target = folder / "vocabularies.yaml"
    target.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize("vocabulary, term", [
    ("member_types", {"id": "religious_leader", "title": {"nl": "Religieus leider",
                                                          "en": "Religious leader"}}),
    ("age_bands", {"id": "health_risk", "title": {"nl": "Risicogroep gezondheid",
                                                  "en": "Health risk group"}}),
    ("genders", {"id": "orientation_gay", "title": {"nl": "Homo", "en": "Gay"}}),
    ("sectors", {"id": "ethnic_community", "title": {"nl": "Etnische gemeenschap",
                                                     "en": "Ethnic community"}}),
    ("sectors", {"id": "political_party", "title": {"nl": "Politieke partij",
                                                    "en": "Political party"}}),
])
def test_a_vocabulary_that_would_record_a_special_category_for_a_person_is_refused(
        tmp_path, vocabulary, term):
    path = _vocabulary_with(tmp_path, lambda raw: raw[vocabulary].append(term))
    with pytest.raises(WorkflowDefinitionError) as refused:
        load_vocabularies(path)
    assert term["id"] in str(refused.value)


def test_an_organisation_only_sector_may_name_faith_and_belief(tmp_path):
    path = _vocabulary_with(tmp_path, lambda raw: raw["sectors"].append(
        {"id": "belief_communities", "persons": False,
         "title": {"nl": "Levensbeschouwelijke gemeenschappen", "en": "Belief communities"}}))
    assert "belief_communities" in load_vocabularies(path).ids(load_vocabularies(path).sectors)
