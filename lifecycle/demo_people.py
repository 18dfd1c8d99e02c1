"""The composition of each demo network: its organisations, its people and its profile.

`kit_for` builds, for one network, a register that meets the network's profile by construction:
one organisation per organisation type the profile asks for (and one for each sector that only an
organisation can bring in), each reaching two of the network's communities, and a core of people
spread over the profile's sectors, member types, age bands and genders with a formal share in
the profile's range. It then checks itself against the domain's own gap computation, so a demo
that would not meet its profile fails to load rather than showing a wrong picture.

Besides the core, a kit has people to add later (growth during expansion) and people in every
other state of the pipeline (a candidate, one with an intake held, one invited, one who declined;
for older networks one inactive member and one who left). All names are fictional; no text says
anything about anyone's faith or origin: communities are recorded for organisations only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .domain.composition import MemberFacts, figures_of, gaps
from .domain.profiles import ProfileTargets
from .domain.vocabulary import Vocabularies

PEOPLE_NAMES = (
    "Karim Bouzid", "Anouk Hendriks", "Sevda Yilmaz", "Jan-Willem de Groot", "Mehmet Kaya",
    "Priya Ramdin", "Kofi Mensah", "Lotte van Dam", "Ahmed Benali", "Marloes Janssen",
    "Yusuf Demir", "Esther Cohen", "Tom Verhoeven", "Nadia Haddou", "Ricardo Martina",
    "Sanne de Wit", "Bilal Azzouzi", "Grace Owusu", "Pieter Smeets", "Hatice Arslan",
    "Samira Ouali", "Luuk Bosch", "Jeroen Coenen", "Ayse Celik", "Mo Essabri",
    "Linda Kuijpers", "Rachid Tahiri", "Eva Wouters", "Hamza Boukhari", "Tamara Kerkhoffs",
    "Abdi Warsame", "Iris Vermeulen", "Omar Farah", "Maaike Linders", "Selin Aydin",
    "Ruben Hermans", "Dewi Soerjadi", "Milan Novak", "Fenna Brouwer", "Ibrahim Diallo",
    "Charlotte Maas", "Youness Amrani", "Roos Claessens", "Daniel Amankwah", "Zeynep Koc",
    "Bart Willems", "Layla Saidi", "Hugo Lemmens", "Naima Chaouch", "Wim Gielen",
    "Astrid Maassen", "Tarik el Idrissi", "Nicole Verbeek", "Emre Ozturk", "Joyce Pinas",
    "Stefan Peters", "Meryem Bakkali", "Koen Driessen", "Saskia Baars", "Jamal Fadil",
)

WAITING_STATES = ("candidate", "intake_held", "invited", "declined")
LATER_STATES = ("inactive", "left")


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    type: str
    communities: tuple[str, ...]
    influence: str
    involvement: str
    board_approached: bool
    district: str | None = None


@dataclass(frozen=True)
class PersonSpec:
    name: str
    organisation: int | None  # index into the kit's organisations
    sector: str | None
    age_band: str | None
    gender: str | None
    formal: bool
    member_type: str | None
    district: str | None
    target: str  # the pipeline state this person ends in
    note: str | None = None


@dataclass
class Kit:
    organisations: list[OrganisationSpec]
    core: list[PersonSpec]
    later: list[PersonSpec] = field(default_factory=list)
    waiting: list[PersonSpec] = field(default_factory=list)


def _names(offset: int):
    index = offset
    while True:
        yield PEOPLE_NAMES[index % len(PEOPLE_NAMES)]
        index += 1


def kit_for(targets: ProfileTargets, vocabularies: Vocabularies, *, organisation_names: dict,
            communities: tuple[str, ...], districts: tuple[str, ...], name_offset: int,
            later: int = 0, with_leavers: bool = False) -> Kit:
    """A register that meets `targets`, with `later` people to activate during expansion.

    `organisation_names` names an organisation per type: those the profile asks for, and any
    others the network maps as well.
    """
    kinds = list(targets.organisation_types)
    covered = {vocabularies.sector_of_type(kind) for kind in kinds}
    person_sectors = {s.id for s in vocabularies.person_sectors}
    for sector in targets.sectors:
        if sector not in covered and sector not in person_sectors:
            kinds.append(next(t.id for t in vocabularies.organisation_types
                              if t.sector == sector))
            covered.add(sector)
    # Organisations the profile does not ask for, but the network works with too.
    kinds += [kind for kind in organisation_names if kind not in kinds]
    count = max(len(communities), targets.min_communities)
    reached = communities[:count]
    organisations = [OrganisationSpec(
        name=organisation_names[kind], type=kind,
        communities=(reached[i % len(reached)], reached[(i + 1) % len(reached)]),
        influence="high" if i % 3 != 2 else "low", involvement="high" if i % 2 == 0 else "low",
        board_approached=i < max(3, len(kinds) - 1),
        district=districts[i % len(districts)] if districts else None)
        for i, kind in enumerate(kinds)]
    needed = [s for s in targets.sectors if s in person_sectors and s not in covered]
    size = max(len(organisations) + 1, len(targets.member_types), len(targets.age_bands),
               len(targets.genders), len(needed), 2 * len(reached), 6)
    formal_count = max(1, round(size * (targets.formal_share_min + targets.formal_share_max) / 2))
    names = _names(name_offset)
    person_sector_cycle = needed + [s for s in targets.sectors if s in person_sectors] or \
        ["professionals"]

    def person(j: int, target: str) -> PersonSpec:
        return PersonSpec(
            name=next(names), organisation=j % len(organisations),
            sector=person_sector_cycle[j % len(person_sector_cycle)],
            age_band=targets.age_bands[j % len(targets.age_bands)],
            gender=targets.genders[j % len(targets.genders)], formal=j < formal_count,
            member_type=targets.member_types[j % len(targets.member_types)],
            district=(list(targets.districts) or list(districts) or [None])[
                j % max(1, len(targets.districts) or len(districts))],
            target=target)

    core = [person(j, "active") for j in range(size)]
    kit = Kit(organisations, core,
              later=[person(size + j, "active") for j in range(later)],
              waiting=[person(size + later + j, state) for j, state in enumerate(
                  WAITING_STATES + (LATER_STATES if with_leavers else ()))])
    _check(kit, targets, vocabularies)
    return kit


def facts_of(kit: Kit, people: list[PersonSpec], vocabularies: Vocabularies) -> list[MemberFacts]:
    facts = []
    for number, spec in enumerate(people):
        organisation = kit.organisations[spec.organisation] if spec.organisation is not None \
            else None
        facts.append(MemberFacts(
            id=number, sector=spec.sector,
            organisation_type=organisation.type if organisation else None,
            organisation_sector=vocabularies.sector_of_type(organisation.type)
            if organisation else None,
            communities=organisation.communities if organisation else (),
            formal=spec.formal, age_band=spec.age_band, gender=spec.gender,
            member_type=spec.member_type, district=spec.district))
    return facts


def _check(kit: Kit, targets: ProfileTargets, vocabularies: Vocabularies) -> None:
    missing = gaps(figures_of(facts_of(kit, kit.core, vocabularies)), targets)
    if missing:
        raise RuntimeError(f"a demo composition does not meet its profile: {missing}")
