"""Member profiles: the characteristics a network needs for its goal, and their validation.

A profile answers the article's open question "how do you draw up a profile for potential
members?": which sectors, organisation types and member types, which age bands and genders,
which districts, what share of formal key figures, and how many communities with how many voices
each. Starting profiles are data (`workflows/data/profiles.yaml`); a lead picks one for a network
and adjusts its targets, which `clean_targets` checks against the vocabularies.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from .definitions import duplicates, load_definition
from .errors import ValidationFailed
from .vocabulary import Vocabularies
from .workflow import Text

LIST_TARGETS = ("sectors", "organisation_types", "member_types", "age_bands", "genders")
MAX_DISTRICT_LENGTH = 80


@dataclass(frozen=True)
class ProfileTargets:
    sectors: tuple[str, ...]
    organisation_types: tuple[str, ...]
    member_types: tuple[str, ...]
    age_bands: tuple[str, ...]
    genders: tuple[str, ...]
    districts: tuple[str, ...]
    formal_share_min: float
    formal_share_max: float
    min_communities: int
    min_voices_per_community: int

    def as_json(self) -> dict[str, Any]:
        """The targets as stored and as the API shows them."""
        data = asdict(self)
        data = {key: list(value) if isinstance(value, tuple) else value
                for key, value in data.items()}
        data["formal_share"] = {"min": data.pop("formal_share_min"),
                                "max": data.pop("formal_share_max")}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ProfileTargets":
        return cls(**{name: tuple(data[name]) for name in (*LIST_TARGETS, "districts")},
                   formal_share_min=float(data["formal_share"]["min"]),
                   formal_share_max=float(data["formal_share"]["max"]),
                   min_communities=int(data["min_communities"]),
                   min_voices_per_community=int(data["min_voices_per_community"]))


@dataclass(frozen=True)
class Profile:
    id: str
    title: Text
    description: Text
    targets: ProfileTargets


def clean_targets(data: Any, vocabularies: Vocabularies,
                  districts: tuple[str, ...]) -> ProfileTargets:
    """Check adjusted targets (as JSON) against the vocabularies; every bad field is named."""
    if not isinstance(data, dict):
        raise ValidationFailed("The targets must be an object.", errors={"targets": "invalid"})
    errors: dict[str, str] = {}
    expected = {*LIST_TARGETS, "districts", "formal_share", "min_communities",
                "min_voices_per_community"}
    for name in sorted(set(data) - expected):
        errors[name] = "unknown_field"
    for name in sorted(expected - set(data)):
        errors[name] = "required"
    allowed = {"sectors": Vocabularies.ids(vocabularies.sectors),
               "organisation_types": Vocabularies.ids(vocabularies.organisation_types),
               "member_types": Vocabularies.ids(vocabularies.member_types),
               "age_bands": Vocabularies.ids(vocabularies.age_bands),
               "genders": Vocabularies.ids(vocabularies.genders)}
    for name, choices in allowed.items():
        values = data.get(name)
        if name in data and (not isinstance(values, list) or len(set(map(str, values))) != len(values)
                             or any(value not in choices for value in values)):
            errors[name] = "invalid_choice"
    district_values = data.get("districts")
    if "districts" in data:
        if not isinstance(district_values, list) or len(set(map(str, district_values))) != \
                len(district_values) or not all(isinstance(d, str) and d.strip() and
                                                len(d) <= MAX_DISTRICT_LENGTH
                                                for d in district_values):
            errors["districts"] = "invalid"
        elif districts and any(d not in districts for d in district_values):
            errors["districts"] = "invalid_choice"
    share = data.get("formal_share")
    if "formal_share" in data:
        if not (isinstance(share, dict) and set(share) == {"min", "max"}
                and all(_is_number(share[k]) and 0 <= share[k] <= 1 for k in ("min", "max"))
                and share["min"] <= share["max"]):
            errors["formal_share"] = "invalid"
    for name, maximum in (("min_communities", 50), ("min_voices_per_community", 10)):
        value = data.get(name)
        if name in data and not (isinstance(value, int) and not isinstance(value, bool)
                                 and (0 if name == "min_communities" else 1) <= value <= maximum):
            errors[name] = "out_of_range"
    if errors:
        raise ValidationFailed("Some targets are not right.", errors=errors)
    return ProfileTargets.from_json({**data, "districts": [d.strip() for d in data["districts"]]})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_profiles(path: str | Path, vocabularies: Vocabularies,
                  schema_path: str | Path | None = None) -> tuple[Profile, ...]:
    """Load the starting profiles and check every target against the vocabularies."""
    path = Path(path)

    def build(raw: dict[str, Any], _source: str) -> tuple[Profile, ...]:
        return tuple(Profile(p["id"], Text(**p["title"]), Text(**p["description"]),
                             ProfileTargets.from_json(p["targets"])) for p in raw["profiles"])

    def problems(profiles: tuple[Profile, ...]) -> Iterable[tuple[list, str]]:
        yield from duplicates([p.id for p in profiles], ["profiles"])
        for index, profile in enumerate(profiles):
            try:
                clean_targets(profile.targets.as_json(), vocabularies, ())
            except ValidationFailed as exc:
                for name, code in exc.errors.items():
                    yield (["profiles", index, "targets", name],
                           f"target '{name}' is not right ({code})")

    return load_definition(path, schema_path or path.parent / "profiles.schema.json", build,
                           problems)
