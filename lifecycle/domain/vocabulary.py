"""The vocabularies of a network's composition, read from `workflows/data/vocabularies.yaml`.

Organisation types (each with the sector it brings in), sectors, age bands, genders, member
types, intake outcomes, house rules, outcomes of approaching a board, forms of meeting, the
districts of each
municipality, and the register of processing activities with their purpose, legal basis and
retention. Loading refuses a vocabulary that would let a person be recorded by a special category
of personal data: a term a person can be given may not name one (see `privacy`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .definitions import duplicates, load_definition
from .privacy import special_category_terms
from .workflow import Text


@dataclass(frozen=True)
class Term:
    id: str
    title: Text


@dataclass(frozen=True)
class OrganisationType(Term):
    sector: str = ""


@dataclass(frozen=True)
class Sector(Term):
    persons: bool = True  # False: only an organisation's type brings this sector in


@dataclass(frozen=True)
class ProcessingActivity:
    id: str
    title: Text
    purpose: Text
    legal_basis: Text
    retention_months: int


@dataclass(frozen=True)
class Vocabularies:
    organisation_types: tuple[OrganisationType, ...]
    sectors: tuple[Sector, ...]
    age_bands: tuple[Term, ...]
    genders: tuple[Term, ...]
    member_types: tuple[Term, ...]
    intake_outcomes: tuple[Term, ...]
    house_rules: tuple[Term, ...]
    board_outcomes: tuple[Term, ...]
    meeting_forms: tuple[Term, ...]
    processing_activities: tuple[ProcessingActivity, ...]
    districts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source_path: str = ""

    @staticmethod
    def ids(terms: Iterable[Term]) -> tuple[str, ...]:
        return tuple(term.id for term in terms)

    @property
    def person_sectors(self) -> tuple[Sector, ...]:
        return tuple(sector for sector in self.sectors if sector.persons)

    def sector_of_type(self, organisation_type: str | None) -> str | None:
        return next((t.sector for t in self.organisation_types if t.id == organisation_type), None)

    def districts_of(self, municipality_slug: str) -> tuple[str, ...]:
        """The municipality's districts; empty when it has no list (then a district is free text)."""
        return self.districts.get(municipality_slug, ())

    def activity(self, activity_id: str) -> ProcessingActivity:
        return next(a for a in self.processing_activities if a.id == activity_id)

    def title_of(self, vocabulary: str, term_id: str | None) -> Text | None:
        """The title of a term of one vocabulary (e.g. "sectors", "age_bands"), or None."""
        return next((t.title for t in getattr(self, vocabulary) if t.id == term_id), None)


PERSON_VOCABULARIES = ("age_bands", "genders", "member_types")


def load_vocabularies(path: str | Path, schema_path: str | Path | None = None) -> Vocabularies:
    """Load, validate and build the vocabularies; raise WorkflowDefinitionError if broken."""
    path = Path(path)
    return load_definition(path, schema_path or path.parent / "vocabularies.schema.json",
                           _build, _problems)


def _text(raw: dict[str, str]) -> Text:
    return Text(nl=raw["nl"], en=raw["en"])


def _terms(raw: list[dict[str, Any]]) -> tuple[Term, ...]:
    return tuple(Term(t["id"], _text(t["title"])) for t in raw)


def _build(raw: dict[str, Any], source_path: str) -> Vocabularies:
    return Vocabularies(
        organisation_types=tuple(OrganisationType(t["id"], _text(t["title"]), t["sector"])
                                 for t in raw["organisation_types"]),
        sectors=tuple(Sector(s["id"], _text(s["title"]), s.get("persons", True))
                      for s in raw["sectors"]),
        age_bands=_terms(raw["age_bands"]), genders=_terms(raw["genders"]),
        member_types=_terms(raw["member_types"]), intake_outcomes=_terms(raw["intake_outcomes"]),
        house_rules=_terms(raw["house_rules"]), board_outcomes=_terms(raw["board_outcomes"]),
        meeting_forms=_terms(raw["meeting_forms"]),
        processing_activities=tuple(
            ProcessingActivity(a["id"], _text(a["title"]), _text(a["purpose"]),
                               _text(a["legal_basis"]), a["retention_months"])
            for a in raw["processing_activities"]),
        districts={slug: tuple(names) for slug, names in raw.get("districts", {}).items()},
        source_path=source_path,
    )


def _problems(v: Vocabularies) -> Iterable[tuple[list, str]]:
    for name in ("organisation_types", "sectors", *PERSON_VOCABULARIES, "intake_outcomes",
                 "house_rules", "board_outcomes", "meeting_forms", "processing_activities"):
        yield from duplicates([t.id for t in getattr(v, name)], [name])
    sector_ids = {s.id for s in v.sectors}
    for index, organisation_type in enumerate(v.organisation_types):
        if organisation_type.sector not in sector_ids:
            yield (["organisation_types", index, "sector"],
                   f"sector '{organisation_type.sector}' is not a sector")
    # Terms a person can be given must never name a special category of personal data.
    person_terms = [("sectors", index, sector) for index, sector in enumerate(v.sectors)
                    if sector.persons]
    person_terms += [(name, index, term) for name in PERSON_VOCABULARIES
                     for index, term in enumerate(getattr(v, name))]
    for name, index, term in person_terms:
        found = special_category_terms(" ".join((term.id, term.title.nl, term.title.en)))
        if found:
            yield ([name, index, "title"],
                   f"'{term.id}' names a special category of personal data ({', '.join(found)}); "
                   "record that for an organisation, never for a person")
