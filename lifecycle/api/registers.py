"""API routes for a network's composition: organisations, people and their steps, profiles.

Scope and roles are those of the pages, decided by the services: only the network's lead
changes its registers; organisations and the composition figures are readable by anyone in the
municipality; people are read by the lead, reviewers, auditors and administrators. Every route
that reads or changes a person runs in one write transaction, because the processing log line
it writes must commit with it (a processing that cannot be logged fails).
"""
from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import fields, validate

from ..domain.composition import LIST_CHARACTERISTICS
from ..domain.privacy import MAX_NOTE_LENGTH
from ..domain.registers import LEVELS, MAX_COMMUNITIES, MAX_COMMUNITY, MAX_NAME, MAX_PHONE
from ..services import composition as composition_service
from ..services import privacy as privacy_service
from ..services import registers as registers_service
from ..services.uow import write_transaction
from ..services.workflows import catalogue
from .blueprint import api_user, dumped, etag, feature_blueprint, next_link, origin
from .contract import ETAG_HEADER, LOCATION_HEADER, problems, requires_if_match
from .schemas import (DAY_BOUNDS, ApiSchema, PageQuerySchema, PersonRefSchema, TextSchema, day,
                      identifier, integer_id, page_of, text, timestamp)
from .texts import N_

registers = feature_blueprint("registers", tag="Composition", description=N_(
    "Who is in a network: its organisations and their power relations, its people on their way "
    "from candidate to member, the profile it aims for, and its composition in figures."))

IDENTIFIER = r"^[a-z0-9][a-z0-9_]{0,39}$"
ORGANISATION = "/networks/<int:network_id>/organisations"
MEMBERS = "/networks/<int:network_id>/members"



# --- Schemas ----------------------------------------------------------------------------------

class OrganisationFieldsSchema(ApiSchema):
    """An organisation's fields as its lead writes them; on edit, only those sent change."""

    name = text(max_length=MAX_NAME, example="Stichting Moskee Al Amal",
                description=N_("The organisation's name."))
    type = identifier(pattern=IDENTIFIER, example="faith_belief_organisation",
                      description=N_("A kind of organisation from the vocabulary "
                                     "(GET /api/v1/vocabularies)."))
    district = text(max_length=80, blank=True, allow_none=True, example="Venlo-Zuid",
                    description=N_("A district of your municipality."))
    communities = fields.List(
        text(max_length=MAX_COMMUNITY, blank=True), validate=validate.Length(max=MAX_COMMUNITIES),
        metadata={"example": ["Marokkaans-Nederlands", "Turks-Nederlands"], "description": N_(
            "The communities the organisation reaches. Recorded for the organisation, never for "
            "a person.")})
    influence = fields.String(validate=validate.OneOf(LEVELS, error="invalid_choice"),
                              metadata={"example": "high"})
    involvement = fields.String(validate=validate.OneOf(LEVELS, error="invalid_choice"),
                                metadata={"example": "low"})
    board_approached_on = day(allow_none=True, **DAY_BOUNDS, description=N_(
        "When the organisation's board was approached (not in the future)."))
    board_approached_by_id = integer_id(allow_none=True, description=N_(
        "Who approached the board: a user of your municipality (default: you)."))
    board_outcome = identifier(pattern=IDENTIFIER, allow_none=True, example="willing",
                               description=N_("The board's answer, from the vocabulary."))


class OrganisationCreateSchema(OrganisationFieldsSchema):
    name = text(max_length=MAX_NAME, required=True, example="Stichting Moskee Al Amal")
    type = identifier(pattern=IDENTIFIER, required=True, example="faith_belief_organisation")
    influence = fields.String(required=True,
                              validate=validate.OneOf(LEVELS, error="invalid_choice"))
    involvement = fields.String(required=True,
                                validate=validate.OneOf(LEVELS, error="invalid_choice"))


class OrganisationSchema(ApiSchema):
    """An organisation in a network's register, with its place on the stakeholder map."""

    id = fields.Integer(required=True)
    network_id = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    district = fields.String(required=True, allow_none=True)
    communities = fields.List(fields.String(), required=True)
    influence = fields.String(required=True, metadata={"enum": list(LEVELS)})
    involvement = fields.String(required=True, metadata={"enum": list(LEVELS)})
    quadrant = fields.String(required=True, metadata={
        "enum": ["manage_closely", "keep_satisfied", "keep_informed", "monitor"],
        "description": N_("Where it stands on the influence × involvement grid, and so how to "
                          "approach it.")})
    board_approached_on = fields.Date(required=True, allow_none=True)
    board_approached_by = fields.Nested(PersonRefSchema, required=True, allow_none=True)
    board_outcome = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True)


class OrganisationListSchema(ApiSchema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)
    next = fields.String(required=True, allow_none=True)


def _choice_or_none(description: str, example: str) -> fields.String:
    return identifier(pattern=IDENTIFIER, allow_none=True, example=example,
                      description=description)


class MemberFieldsSchema(ApiSchema):
    """A person's fields: minimal personal data, each characteristic from its vocabulary.

    No field records religion, ethnic origin, political view or any other special category.
    """

    name = text(max_length=MAX_NAME, example="Karim Bouzid", description=N_("The person's name."))
    email = text(max_length=254, blank=True, allow_none=True, example="k.bouzid@example.nl")
    phone = text(max_length=MAX_PHONE, blank=True, allow_none=True, example="+31 6 12345678")
    organisation_id = integer_id(allow_none=True, description=N_(
        "The organisation of the network's register they come from, or null."))
    sector = _choice_or_none(N_("Their sector, from the vocabulary."), "education")
    district = text(max_length=80, blank=True, allow_none=True, example="Venlo-Zuid")
    age_band = _choice_or_none(N_("Their age band, from the vocabulary."), "25_39")
    gender = _choice_or_none(N_("Optional; prefers_not_to_say is a choice too."), "man")
    formal = fields.Boolean(allow_none=True, metadata={"description": N_(
        "true: holds a formal position (a board seat); false: an informal key figure.")})
    member_type = _choice_or_none(N_("verbinder, vertegenwoordiger, doener or kritische_denker."),
                                  "verbinder")
    known_to_municipality = fields.Boolean(metadata={"description": N_(
        "Whether the municipality knows this person already.")})
    note = text(max_length=MAX_NOTE_LENGTH, blank=True, allow_none=True, description=N_(
        "A short note. Never a person's religion, origin, political view, health or any other "
        "special category of personal data."))


class MemberCreateSchema(MemberFieldsSchema):
    name = text(max_length=MAX_NAME, required=True, example="Karim Bouzid")


class StepOptionSchema(ApiSchema):
    """A step possible from the current state (of a person, of a signal), and whether it can be
    taken now."""

    step = fields.String(required=True, attribute="step.id", metadata={"example": "activate"})
    title = fields.Nested(TextSchema, required=True, attribute="step.title")
    dest = fields.String(required=True, attribute="step.dest")
    reason_required = fields.Boolean(required=True, attribute="step.reason_required")
    available = fields.Boolean(required=True)
    refusal = fields.String(required=True, allow_none=True, attribute="refusal_code",
                            metadata={"description": N_(
                                "Why not, as a problem type (e.g. growth-limit), or null.")})


class MemberSchema(ApiSchema):
    """A person in a network's register, with the steps possible now."""

    id = fields.Integer(required=True)
    network_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": N_(
        "Empty once the person's data has been erased.")})
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    organisation = fields.Nested(lambda: OrganisationRefSchema(), required=True, allow_none=True)
    sector = fields.String(required=True, allow_none=True)
    district = fields.String(required=True, allow_none=True)
    age_band = fields.String(required=True, allow_none=True)
    gender = fields.String(required=True, allow_none=True)
    formal = fields.Boolean(required=True, allow_none=True)
    member_type = fields.String(required=True, allow_none=True)
    known_to_municipality = fields.Boolean(required=True)
    note = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"example": "active"})
    status_since = timestamp(required=True)
    ended_at = timestamp(required=True, allow_none=True)
    erased_at = timestamp(required=True, allow_none=True)
    steps = fields.List(fields.Nested(StepOptionSchema), required=True)
    version = fields.Integer(required=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True)


class OrganisationRefSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class MemberStepRecordSchema(ApiSchema):
    """A step the person took: when, by whom, and for the intake its outcome."""

    step = fields.String(required=True)
    from_state = fields.String(required=True)
    to_state = fields.String(required=True)
    happened_on = fields.Date(required=True)
    recorded_at = timestamp(required=True)
    actor = fields.Nested(PersonRefSchema, required=True)
    reason = fields.String(required=True, allow_none=True)
    intake_outcome = fields.String(required=True, allow_none=True)
    house_rules = fields.List(fields.String(), required=True, allow_none=True)


class MemberDetailSchema(MemberSchema):
    history = fields.List(fields.Nested(MemberStepRecordSchema), required=True)


MemberPageSchema = page_of(MemberSchema, "MemberPageSchema")


class MemberQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.Regexp(IDENTIFIER, error="invalid"),
                           metadata={"example": "candidate", "description": N_(
                               "Only people in this state of the pipeline.")})
    organisation = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1,
                                                          error="out_of_range"),
                                  metadata={"description": N_(
                                      "Only people of this organisation.")})


class StepSchema(ApiSchema):
    """One step for a person through the pipeline."""

    step = identifier(pattern=IDENTIFIER, required=True, example="record_intake",
                      description=N_("record_intake, invite, activate, deactivate, leave or "
                                     "decline (the steps of the member pipeline)."))
    reason = text(max_length=1000, blank=True, allow_none=True,
                  description=N_("Why; leaving needs one."))
    happened_on = day(allow_none=True, **DAY_BOUNDS, description=N_(
        "When it happened (default today; not in the future)."))
    intake_outcome = _choice_or_none(N_("With record_intake: suitable, not_now or "
                                        "not_suitable."), "suitable")
    house_rules = fields.List(identifier(pattern=IDENTIFIER), metadata={
        "example": ["openness", "no_lobbying", "safe_setting", "church_state"],
        "description": N_("With record_intake: the house rules that were explained.")})


class EraseSchema(ApiSchema):
    REASON_FIELDS = ("reason",)
    reason = text(max_length=1000, required=True, example="Verzoek van betrokkene.",
                  description=N_("Why the person's data is erased now."))


class TargetsSchema(ApiSchema):
    """What a network needs for its goal (see GET /api/v1/profiles for the meaning)."""

    sectors = fields.List(fields.String(), required=True)
    organisation_types = fields.List(fields.String(), required=True)
    member_types = fields.List(fields.String(), required=True)
    age_bands = fields.List(fields.String(), required=True)
    genders = fields.List(fields.String(), required=True)
    districts = fields.List(fields.String(), required=True)
    formal_share = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                               metadata={"example": {"min": 0.2, "max": 0.6}})
    min_communities = fields.Integer(required=True)
    min_voices_per_community = fields.Integer(required=True)


class ProfileSchema(ApiSchema):
    """A starting profile for potential members."""

    id = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    description = fields.Nested(TextSchema, required=True)
    targets = fields.Nested(TargetsSchema, required=True, attribute="targets_json")


class ProfileListSchema(ApiSchema):
    items = fields.List(fields.Nested(ProfileSchema), required=True)


class NetworkProfileSchema(ApiSchema):
    network_id = fields.Integer(required=True)
    profile_id = fields.String(required=True, allow_none=True)
    targets = fields.Nested(TargetsSchema, required=True, allow_none=True)
    version = fields.Integer(required=True, allow_none=True)


class NetworkProfileInputSchema(ApiSchema):
    profile_id = identifier(pattern=IDENTIFIER, required=True, example="neighbourhood_signaling")
    targets = fields.Dict(allow_none=True, metadata={"description": N_(
        "Adjusted targets (the shape of TargetsSchema); leave out to take the profile's own.")})


class GapSchema(ApiSchema):
    characteristic = fields.String(required=True, metadata={
        "enum": [*LIST_CHARACTERISTICS, "formal_share", "communities", "voices"]})
    value = fields.String(required=True, allow_none=True)
    have = fields.Float(required=True)
    need = fields.Float(required=True)


class AutoItemSchema(ApiSchema):
    item = fields.String(required=True, attribute="item_id")
    rule = fields.String(required=True)
    ok = fields.Boolean(required=True)
    figures = fields.Dict(required=True)


class LimitsSchema(ApiSchema):
    applies = fields.String(required=True, metadata={"enum": ["core", "growth", "none"]})
    max_core_size = fields.Integer(required=True, allow_none=True)
    active = fields.Integer(required=True)
    max_growth_per_quarter = fields.Integer(required=True, allow_none=True)
    joined_this_quarter = fields.Integer(required=True)
    quarter_start = timestamp(required=True)
    quarter_end = timestamp(required=True)


class CompositionSchema(ApiSchema):
    """A network's composition in figures: no personal data."""

    network_id = fields.Integer(required=True)
    figures = fields.Dict(required=True)
    profile_id = fields.String(required=True, allow_none=True)
    gaps = fields.List(fields.Nested(GapSchema), required=True)
    auto_items = fields.List(fields.Nested(AutoItemSchema), required=True)
    limits = fields.Nested(LimitsSchema, required=True)


class CandidateSchema(ApiSchema):
    member = fields.Nested(MemberSchema, required=True)
    fills = fields.List(fields.Nested(GapSchema), required=True)


class CandidateListSchema(ApiSchema):
    items = fields.List(fields.Nested(CandidateSchema), required=True)


class TermSchema(ApiSchema):
    id = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)


class VocabulariesSchema(ApiSchema):
    """The terms the registers, meetings and signals use, as data (workflows/data/)."""

    organisation_types = fields.List(fields.Nested(TermSchema), required=True)
    sectors = fields.List(fields.Nested(TermSchema), required=True)
    person_sectors = fields.List(fields.Nested(TermSchema), required=True)
    age_bands = fields.List(fields.Nested(TermSchema), required=True)
    genders = fields.List(fields.Nested(TermSchema), required=True)
    member_types = fields.List(fields.Nested(TermSchema), required=True)
    intake_outcomes = fields.List(fields.Nested(TermSchema), required=True)
    house_rules = fields.List(fields.Nested(TermSchema), required=True)
    board_outcomes = fields.List(fields.Nested(TermSchema), required=True)
    districts = fields.List(fields.String(), required=True, metadata={
        "description": N_("Your municipality's districts; empty when any text is allowed.")})
    meeting_forms = fields.List(fields.Nested(TermSchema), required=True)
    signal_themes = fields.List(fields.Nested(TermSchema), required=True)
    urgencies = fields.List(fields.Nested(TermSchema), required=True)
    partners = fields.List(fields.Nested(TermSchema), required=True, metadata={
        "description": N_("The partners a signal can be forwarded to.")})


# --- Views shaped for the schemas ---------------------------------------------------------

def organisation_view(organisation) -> dict[str, Any]:
    from ..domain.registers import quadrant

    return {**{name: getattr(organisation, name) for name in (
        "id", "network_id", "name", "type", "district", "communities", "influence",
        "involvement", "board_approached_on", "board_approached_by", "board_outcome",
        "version", "created_at", "updated_at")},
        "quadrant": quadrant(organisation.influence, organisation.involvement)}


def member_view(member, options) -> dict[str, Any]:
    return {**{name: getattr(member, name) for name in MemberSchema._declared_fields
               if name not in ("steps",)}, "steps": options}


def profile_view(profile) -> dict[str, Any]:
    return {"id": profile.id, "title": profile.title, "description": profile.description,
            "targets_json": profile.targets.as_json()}



ORGANISATION_WRITE = ("forbidden", "not-found", "read-only", "precondition-failed")


# --- Organisations ----------------------------------------------------------------------------

@registers.route(ORGANISATION, methods=["GET"], summary=N_("List a network's organisations"),
                 description=N_("The network's register of organisations, by name, each with "
                                "its place on the stakeholder map."))
@registers.response(200, OrganisationListSchema)
@problems("not-found")
def list_organisations(network_id: int):
    _network, organisations = registers_service.list_organisations(api_user(), network_id)
    return {"items": [organisation_view(o) for o in organisations], "next": None}


@registers.route(ORGANISATION, methods=["POST"], summary=N_("Add an organisation"))
@registers.arguments(OrganisationCreateSchema, example={
    "name": "Stichting Moskee Al Amal", "type": "faith_belief_organisation",
    "district": "Venlo-Zuid", "communities": ["Marokkaans-Nederlands"],
    "influence": "high", "involvement": "low"})
@registers.response(201, OrganisationSchema, headers={**LOCATION_HEADER, **ETAG_HEADER})
@problems(*ORGANISATION_WRITE)
def create_organisation(data, network_id: int):
    with write_transaction():
        organisation = registers_service.create_organisation(api_user(), network_id, data,
                                                             origin=origin())
    return organisation_view(organisation), 201, {
        "Location": url_for(".get_organisation", network_id=network_id,
                            organisation_id=organisation.id), "ETag": etag(organisation)}


@registers.route(f"{ORGANISATION}/<int:organisation_id>", methods=["GET"],
                 summary=N_("Read an organisation"))
@registers.response(200, OrganisationSchema, headers=ETAG_HEADER)
@problems("not-found")
def get_organisation(network_id: int, organisation_id: int):
    organisation = registers_service.get_organisation(api_user(), network_id, organisation_id)
    return organisation_view(organisation), 200, {"ETag": etag(organisation)}


@registers.route(f"{ORGANISATION}/<int:organisation_id>", methods=["PATCH"],
                 summary=N_("Edit an organisation"),
                 description=N_("The lead edits an organisation, for example to record when "
                                "its board was approached and what it answered."))
@registers.arguments(OrganisationFieldsSchema, required=False, example={
    "board_approached_on": "2026-03-12", "board_outcome": "willing"})
@registers.response(200, OrganisationSchema, headers=ETAG_HEADER)
@requires_if_match
@problems(*ORGANISATION_WRITE)
def update_organisation(data, network_id: int, organisation_id: int,
                        expected_version: int | None):
    with write_transaction():
        organisation = registers_service.update_organisation(
            api_user(), network_id, organisation_id, data, expected_version=expected_version,
            origin=origin())
    return organisation_view(organisation), 200, {"ETag": etag(organisation)}


# --- People -----------------------------------------------------------------------------------

PEOPLE_READ = ("forbidden", "not-found")


@registers.route(MEMBERS, methods=["GET"], summary=N_("List a network's people"),
                 description=N_("The people of the network's register, by id, each with the "
                                "steps possible now. Every read is in the processing log."))
@registers.arguments(MemberQuerySchema, location="query")
@registers.response(200, MemberPageSchema)
@problems(*PEOPLE_READ)
def list_members(query, network_id: int):
    with write_transaction():
        page = registers_service.list_members(
            api_user(), network_id, status=query.get("status"),
            organisation_id=query.get("organisation"), after=query.get("after"),
            limit=query["limit"])
        return dumped(MemberPageSchema(), {
            "items": [member_view(m, page.options[m.id]) for m in page.items],
            "next": next_link(page.next_after, {"status": query.get("status"),
                                                "organisation": query.get("organisation"),
                                                "limit": query["limit"]})})


@registers.route(MEMBERS, methods=["POST"], summary=N_("Add a person"),
                 description=N_("The lead adds a person to the register, as a candidate."))
@registers.arguments(MemberCreateSchema, example={
    "name": "Karim Bouzid", "sector": "education", "age_band": "25_39", "formal": False,
    "member_type": "verbinder"})
@registers.response(201, MemberDetailSchema, headers={**LOCATION_HEADER, **ETAG_HEADER})
@problems("forbidden", "not-found", "read-only")
def create_member(data, network_id: int):
    with write_transaction():
        member = registers_service.create_member(api_user(), network_id, data, origin=origin())
        return _member_answer(network_id, member.id, 201)


def _member_answer(network_id: int, member_id: int, status: int = 200):
    record = registers_service.member_record(api_user(), network_id, member_id)
    headers = {"ETag": etag(record.member)}
    if status == 201:
        headers["Location"] = url_for(".get_member", network_id=network_id, member_id=member_id)
    return dumped(MemberDetailSchema(), {**member_view(record.member, record.options),
                                         "history": record.steps}, status, headers)


@registers.route(f"{MEMBERS}/<int:member_id>", methods=["GET"], summary=N_("Read a person"),
                 description=N_("A person's data, their steps so far and the steps possible "
                                "now. The read is in the processing log."))
@registers.response(200, MemberDetailSchema, headers=ETAG_HEADER)
@problems(*PEOPLE_READ)
def get_member(network_id: int, member_id: int):
    with write_transaction():
        return _member_answer(network_id, member_id)


@registers.route(f"{MEMBERS}/<int:member_id>", methods=["PATCH"], summary=N_("Edit a person"))
@registers.arguments(MemberFieldsSchema, required=False, example={"phone": "+31 6 12345678"})
@registers.response(200, MemberDetailSchema, headers=ETAG_HEADER)
@requires_if_match
@problems("forbidden", "not-found", "read-only", "precondition-failed")
def update_member(data, network_id: int, member_id: int, expected_version: int | None):
    with write_transaction():
        registers_service.update_member(api_user(), network_id, member_id, data,
                                        expected_version=expected_version, origin=origin())
        return _member_answer(network_id, member_id)


@registers.route(f"{MEMBERS}/<int:member_id>/steps", methods=["POST"],
                 summary=N_("Take a step for a person"),
                 description=N_("The lead moves a person through the pipeline: record the "
                                "intake, invite, activate, deactivate, leave or decline. "
                                "Activating is refused beyond the workflow's growth limits."))
@registers.arguments(StepSchema, example={
    "step": "record_intake", "intake_outcome": "suitable",
    "house_rules": ["openness", "no_lobbying", "safe_setting", "church_state"]})
@registers.response(200, MemberDetailSchema, headers=ETAG_HEADER)
@problems("forbidden", "not-found", "invalid-transition", "growth-limit", "read-only",
          "reason-required")
def take_member_step(data, network_id: int, member_id: int):
    step = data.pop("step")
    with write_transaction():
        registers_service.take_member_step(api_user(), network_id, member_id, step, data,
                                           origin=origin())
        return _member_answer(network_id, member_id)


@registers.route(f"{MEMBERS}/<int:member_id>/erase", methods=["POST"],
                 summary=N_("Erase a person's data now"),
                 description=N_("An administrator erases a person's personal data ahead of "
                                "the retention period, with a reason. The row stays, emptied, "
                                "so the audit trail still verifies."))
@registers.arguments(EraseSchema, example={"reason": "Verzoek van betrokkene."})
@registers.response(200, MemberDetailSchema)
@problems("forbidden", "not-found", "reason-required")
def erase_member(data, network_id: int, member_id: int):
    with write_transaction():
        privacy_service.erase_member(api_user(), network_id, member_id, data["reason"],
                                     origin=origin())
        return _member_answer(network_id, member_id)


@registers.route("/networks/<int:network_id>/candidates", methods=["GET"],
                 summary=N_("List the candidates and the gaps they would fill"),
                 description=N_("The people on their way in, each with the gaps in the "
                                "network's profile they would fill as members."))
@registers.response(200, CandidateListSchema)
@problems(*PEOPLE_READ)
def list_candidates(network_id: int):
    with write_transaction():
        _network, candidates = registers_service.candidates_with_gaps(api_user(), network_id)
        return dumped(CandidateListSchema(), {"items": [
            {"member": member_view(c.member, []), "fills": c.fills} for c in candidates]})


# --- Profiles and composition -------------------------------------------------------------

@registers.route("/profiles", methods=["GET"], summary=N_("List the starting profiles"),
                 description=N_("The profiles for potential members a lead can start from."))
@registers.response(200, ProfileListSchema)
def list_profiles():
    return {"items": [profile_view(p) for p in registers_service.starting_profiles()]}


@registers.route("/vocabularies", methods=["GET"], summary=N_("List the vocabularies"),
                 description=N_("The terms the registers use, and your municipality's districts."))
@registers.response(200, VocabulariesSchema)
def list_vocabularies():
    vocabularies, signal_rules = catalogue().vocabularies, catalogue().signal_rules
    return {**{name: getattr(vocabularies, name) for name in (
        "organisation_types", "sectors", "person_sectors", "age_bands", "genders",
        "member_types", "intake_outcomes", "house_rules", "board_outcomes")},
        "districts": list(vocabularies.districts_of(api_user().municipality.slug)),
        "meeting_forms": vocabularies.meeting_forms, "signal_themes": signal_rules.themes,
        "urgencies": signal_rules.urgencies, "partners": signal_rules.partners}


@registers.route("/networks/<int:network_id>/profile", methods=["GET"],
                 summary=N_("Read a network's profile"))
@registers.response(200, NetworkProfileSchema, headers=ETAG_HEADER)
@problems("not-found")
def get_network_profile(network_id: int):
    network, row = registers_service.network_profile(api_user(), network_id)
    headers = {"ETag": etag(row)} if row else {}
    return {"network_id": network.id, "profile_id": row.profile_id if row else None,
            "targets": row.targets if row else None,
            "version": row.version if row else None}, 200, headers


@registers.route("/networks/<int:network_id>/profile", methods=["PUT"],
                 summary=N_("Choose or adjust a network's profile"),
                 description=N_("The lead picks a starting profile and may adjust its targets. "
                                "Send If-Match with the profile's ETag, or * for the first."))
@registers.arguments(NetworkProfileInputSchema, example={"profile_id": "neighbourhood_signaling"})
@registers.response(200, NetworkProfileSchema, headers=ETAG_HEADER)
@requires_if_match
@problems("forbidden", "not-found", "read-only")
def set_network_profile(data, network_id: int, expected_version: int | None):
    with write_transaction():
        row = registers_service.set_network_profile(
            api_user(), network_id, data["profile_id"], data.get("targets"),
            expected_version=expected_version, origin=origin())
    return {"network_id": row.network_id, "profile_id": row.profile_id,
            "targets": row.targets, "version": row.version}, 200, {"ETag": etag(row)}


@registers.route("/networks/<int:network_id>/composition", methods=["GET"],
                 summary=N_("Read a network's composition"),
                 description=N_("The figures of the active members, the gaps against the "
                                "profile, the automatic checklist items and the growth limits."))
@registers.response(200, CompositionSchema)
@problems("not-found")
def get_composition(network_id: int):
    view = composition_service.composition_of(api_user(), network_id)
    return {"network_id": view.network.id, "figures": view.figures.as_json(),
            "profile_id": view.profile_id, "gaps": view.gaps,
            "auto_items": [{"item_id": item.id, "rule": item.rule, "ok": check.ok,
                            "figures": check.figures} for item, check in view.auto_items],
            "limits": view.limits}
