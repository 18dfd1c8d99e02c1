"""The rules of a network's registers: organisations and people, and the stakeholder map.

`clean_organisation_fields` and `clean_member_fields` check what a lead writes against the
vocabularies and return clean values, or raise `ValidationFailed` naming every bad field with a
code, exactly as the network fields are checked; `clean_step_details` does the same for a step
of the member pipeline (its date, its reason, and for the intake its outcome and house rules). `quadrant` places an organisation on the
influence × involvement grid with the approach that quadrant calls for.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from email_validator import EmailNotValidError, validate_email

from .errors import ValidationFailed
from .privacy import MAX_NOTE_LENGTH
from .vocabulary import Vocabularies

LEVELS = ("high", "low")
MAX_NAME = 200
MAX_DISTRICT = 80
MAX_COMMUNITY = 60
MAX_COMMUNITIES = 12
MAX_PHONE = 40
_PHONE = re.compile(r"^\+?[0-9 ()\-]{6,40}$")

ORGANISATION_FIELDS = ("name", "type", "district", "communities", "influence", "involvement",
                       "board_approached_on", "board_approached_by_id", "board_outcome")
MEMBER_FIELDS = ("name", "email", "phone", "organisation_id", "sector", "district", "age_band",
                 "gender", "formal", "member_type", "known_to_municipality", "note")
# Fields a change of which can change the network's composition figures.
COMPOSITION_FIELDS = frozenset({"organisation_id", "sector", "district", "age_band", "gender",
                                "formal", "member_type"})
ORGANISATION_COMPOSITION_FIELDS = frozenset({"type", "communities", "district"})

QUADRANTS = {
    ("high", "high"): "manage_closely",
    ("high", "low"): "keep_satisfied",
    ("low", "high"): "keep_informed",
    ("low", "low"): "monitor",
}


def quadrant(influence: str, involvement: str) -> str:
    """The stakeholder approach for an organisation of this influence and involvement."""
    return QUADRANTS[(influence, involvement)]


class _Checker:
    """Collect field errors over one call, then raise them together."""

    def __init__(self, data: dict[str, Any], allowed: Iterable[str]) -> None:
        self.data = data
        self.errors: dict[str, str] = {name: "unknown_field"
                                       for name in sorted(set(data) - set(allowed))}
        self.clean: dict[str, Any] = {}

    def text(self, name: str, *, limit: int, required: bool = False) -> None:
        if name not in self.data:
            return
        value = self.data[name]
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.errors[name] = "not_text"
            return
        value = value.strip()
        if "\x00" in value:
            self.errors[name] = "invalid"
        elif required and not value:
            self.errors[name] = "required"
        elif len(value) > limit:
            self.errors[name] = "too_long"
        else:
            self.clean[name] = value or (None if not required else value)

    def choice(self, name: str, choices: Iterable[str], *, optional: bool = True) -> None:
        if name not in self.data:
            return
        value = self.data[name]
        if value in (None, "") and optional:
            self.clean[name] = None
        elif value not in set(choices):
            self.errors[name] = "invalid_choice"
        else:
            self.clean[name] = value

    def boolean(self, name: str, *, optional: bool = False) -> None:
        if name not in self.data:
            return
        value = self.data[name]
        if value is None and optional:
            self.clean[name] = None
        elif not isinstance(value, bool):
            self.errors[name] = "invalid"
        else:
            self.clean[name] = value

    def district(self, name: str, districts: tuple[str, ...]) -> None:
        """From the municipality's list when it has one, else a short free text."""
        if name not in self.data:
            return
        if districts:
            self.choice(name, districts)
        else:
            self.text(name, limit=MAX_DISTRICT)

    def identifier(self, name: str, allowed: Iterable[int]) -> None:
        if name not in self.data:
            return
        value = self.data[name]
        if value is None:
            self.clean[name] = None
        elif not isinstance(value, int) or isinstance(value, bool) or value not in set(allowed):
            self.errors[name] = "invalid"
        else:
            self.clean[name] = value

    def required(self, *names: str) -> None:
        for name in names:
            if name not in self.data and name not in self.errors:
                self.errors[name] = "required"

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise ValidationFailed("Some fields are not right.", errors=dict(self.errors))
        return self.clean


def clean_communities(value: Any) -> list[str] | str:
    """A list of distinct community names, or an error code."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "invalid"
    cleaned = []
    for community in value:
        community = " ".join(community.split())
        if not community:
            continue
        if len(community) > MAX_COMMUNITY or "\x00" in community:
            return "too_long" if len(community) > MAX_COMMUNITY else "invalid"
        if community.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(community)
    return cleaned if len(cleaned) <= MAX_COMMUNITIES else "too_long"


def clean_organisation_fields(data: dict[str, Any], *, partial: bool, vocabularies: Vocabularies,
                              districts: tuple[str, ...], user_ids: Iterable[int],
                              today: date) -> dict[str, Any]:
    """Check an organisation's fields; `user_ids` are who may have approached its board."""
    check = _Checker(data, ORGANISATION_FIELDS)
    check.text("name", limit=MAX_NAME, required=True)
    check.choice("type", Vocabularies.ids(vocabularies.organisation_types), optional=False)
    check.district("district", districts)
    if "communities" in data:
        communities = clean_communities(data["communities"])
        if isinstance(communities, str):
            check.errors["communities"] = communities
        else:
            check.clean["communities"] = communities
    check.choice("influence", LEVELS, optional=False)
    check.choice("involvement", LEVELS, optional=False)
    if "board_approached_on" in data:
        value = data["board_approached_on"]
        if value is None:
            check.clean["board_approached_on"] = None
        elif not isinstance(value, date):
            check.errors["board_approached_on"] = "not_a_date"
        elif value > today:
            check.errors["board_approached_on"] = "in_future"
        else:
            check.clean["board_approached_on"] = value
    check.identifier("board_approached_by_id", user_ids)
    check.choice("board_outcome", Vocabularies.ids(vocabularies.board_outcomes))
    if not partial:
        check.required("name", "type", "influence", "involvement")
    clean = check.done()
    approached = clean.get("board_approached_on", data.get("board_approached_on"))
    if clean.get("board_outcome") and approached is None and "board_approached_on" in data:
        raise ValidationFailed("Say when the board was approached.",
                               errors={"board_approached_on": "required"})
    return clean


def clean_member_fields(data: dict[str, Any], *, partial: bool, vocabularies: Vocabularies,
                        districts: tuple[str, ...], organisation_ids: Iterable[int]) -> dict[str, Any]:
    """Check a person's fields: minimal personal data, each characteristic from its vocabulary."""
    check = _Checker(data, MEMBER_FIELDS)
    check.text("name", limit=MAX_NAME, required=True)
    if "email" in data:
        value = data["email"]
        if value in (None, ""):
            check.clean["email"] = None
        elif not isinstance(value, str):
            check.errors["email"] = "not_text"
        else:
            try:
                check.clean["email"] = validate_email(value.strip(), check_deliverability=False) \
                    .normalized.lower()
            except EmailNotValidError:
                check.errors["email"] = "invalid"
    if "phone" in data:
        value = data["phone"]
        if value in (None, ""):
            check.clean["phone"] = None
        elif not isinstance(value, str) or not _PHONE.fullmatch(value.strip()):
            check.errors["phone"] = "invalid"
        else:
            check.clean["phone"] = value.strip()
    check.identifier("organisation_id", organisation_ids)
    check.choice("sector", Vocabularies.ids(vocabularies.person_sectors))
    check.district("district", districts)
    check.choice("age_band", Vocabularies.ids(vocabularies.age_bands))
    check.choice("gender", Vocabularies.ids(vocabularies.genders))
    check.boolean("formal", optional=True)
    check.choice("member_type", Vocabularies.ids(vocabularies.member_types))
    check.boolean("known_to_municipality")
    check.text("note", limit=MAX_NOTE_LENGTH)
    if not partial:
        check.required("name")
    return check.done()


MAX_REASON = 1000
INTAKE_STEP = "record_intake"  # the step that records the intake conversation ("aftasten")


def clean_step_details(step: str, data: dict[str, Any], *, today: date,
                       vocabularies: Vocabularies) -> dict[str, Any]:
    """Check a pipeline step's date, reason and (for the intake) its outcome and house rules.

    The date defaults to `today` and may not lie after it. Only the intake carries an outcome
    (suitable, not now, not suitable) and the house rules that were explained; another step that
    sends them is told they do not belong to it.
    """
    errors: dict[str, str] = {}
    details: dict[str, Any] = {}
    happened_on = data.get("happened_on")
    if happened_on is None:
        details["happened_on"] = today
    elif not isinstance(happened_on, date):
        errors["happened_on"] = "not_a_date"
    elif happened_on > today:
        errors["happened_on"] = "in_future"
    else:
        details["happened_on"] = happened_on
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        errors["reason"] = "not_text"
    elif reason is not None and len(reason.strip()) > MAX_REASON:
        errors["reason"] = "too_long"
    else:
        details["reason"] = (reason or "").strip() or None
    outcome, rules = data.get("intake_outcome"), data.get("house_rules")
    if step == INTAKE_STEP:
        if outcome not in Vocabularies.ids(vocabularies.intake_outcomes):
            errors["intake_outcome"] = "required" if outcome in (None, "") else "invalid_choice"
        rules = [] if rules is None else rules
        known = Vocabularies.ids(vocabularies.house_rules)
        if not isinstance(rules, list) or len(set(map(str, rules))) != len(rules) or \
                any(rule not in known for rule in rules):
            errors["house_rules"] = "invalid_choice"
        details["intake_outcome"] = outcome
        details["house_rules"] = [rule for rule in known if rule in (rules or [])] \
            if isinstance(rules, list) else []
    else:
        for name, value in (("intake_outcome", outcome), ("house_rules", rules)):
            if value not in (None, "", []):
                errors[name] = "unknown_field"
    if errors:
        raise ValidationFailed("Some fields are not right.", errors=errors)
    return details
