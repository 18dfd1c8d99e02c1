"""API routes for a network's meetings and the agreements made at them.

Only the network's lead logs and corrects meetings. Attendees are people of the register, so
meetings are read by those who may read the network's people, and every read or change writes
its processing-log line in the same transaction. Notes record what was discussed and agreed,
never who said what.
"""
from __future__ import annotations

from flask import url_for
from marshmallow import fields, validate

from ..domain.maintenance import MAX_AGREEMENT, MAX_NOTES
from ..services import meetings as meetings_service
from ..services.meetings import MAX_AGREEMENTS, MAX_ATTENDEES
from ..services.uow import write_transaction
from .blueprint import api_user, dumped, etag, feature_blueprint, next_link, origin
from .contract import ETAG_HEADER, LOCATION_HEADER, problems, requires_if_match
from .schemas import (DAY_BOUNDS, ApiSchema, PageQuerySchema, PersonRefSchema, day,
                      integer_id, page_of, text, timestamp)
from .texts import N_

meetings = feature_blueprint("meetings", tag="Meetings", description=N_(
    "A network's meetings: when, in what form, who came, which themes, what was agreed. Notes "
    "record what was discussed and agreed, not who said what."))

MEETINGS = "/networks/<int:network_id>/meetings"
IDENTIFIER = r"^[a-z0-9][a-z0-9_]{0,39}$"


class MemberRefSchema(ApiSchema):
    """A person of the network's register, by id and name."""

    id = fields.Integer(required=True, metadata={"example": 12})
    name = fields.String(required=True, metadata={
        "example": "Karim Bouzid", "description": N_("Empty once the person's data is erased.")})


class AgreementInputSchema(ApiSchema):
    """Something agreed, with its owner (a person of the register, or else the lead)."""

    text = text(max_length=MAX_AGREEMENT, required=True,
                example="De kern nodigt de jongerenwerkers uit voor de volgende bijeenkomst.")
    owner_member_id = integer_id(allow_none=True, description=N_(
        "The person of the register who carries it out; null means the network's lead."))
    due_on = day(**DAY_BOUNDS, required=True, description=N_("When it should be done."))


class AgreementSchema(ApiSchema):
    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    text = fields.String(required=True)
    owner_member = fields.Nested(MemberRefSchema, required=True, allow_none=True)
    owner_user = fields.Nested(PersonRefSchema, required=True, allow_none=True)
    due_on = fields.Date(required=True)
    done_on = fields.Date(required=True, allow_none=True)


class MeetingFieldsSchema(ApiSchema):
    """A meeting as its lead records it; on edit, only the fields sent change."""

    held_on = day(**DAY_BOUNDS, description=N_("When it took place (not in the future)."))
    form = fields.String(metadata={"example": "core", "description": N_(
        "plenary, core, one_to_one or online (GET /api/v1/vocabularies).")},
        validate=validate.Regexp(IDENTIFIER, error="invalid_choice"))
    attendee_ids = fields.List(integer_id(), validate=validate.Length(
        max=MAX_ATTENDEES, error="too_many"), metadata={"description": N_(
            "Who came: people of the network's register.")})
    topics = fields.List(fields.String(validate=validate.Regexp(IDENTIFIER,
                                                               error="invalid_choice")),
                         metadata={"example": ["liveability", "tension_between_groups"],
                                   "description": N_("The themes discussed (signal themes).")})
    notes = text(max_length=MAX_NOTES, blank=True, allow_none=True, description=N_(
        "What was discussed and agreed, not who said what."))


class MeetingCreateSchema(MeetingFieldsSchema):
    held_on = day(**DAY_BOUNDS, required=True, description=N_("When it took place."))
    form = fields.String(required=True, metadata={"example": "core"},
                         validate=validate.Regexp(IDENTIFIER, error="invalid_choice"))
    agreements = fields.List(fields.Nested(AgreementInputSchema), validate=validate.Length(
        max=MAX_AGREEMENTS, error="too_many"))


class MeetingSchema(ApiSchema):
    """A meeting with its attendees and agreements."""

    id = fields.Integer(required=True)
    network_id = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    form = fields.String(required=True)
    topics = fields.List(fields.String(), required=True)
    notes = fields.String(required=True)
    attendees = fields.List(fields.Nested(MemberRefSchema), required=True)
    agreements = fields.List(fields.Nested(AgreementSchema), required=True)
    version = fields.Integer(required=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True)


MeetingPageSchema = page_of(MeetingSchema, "MeetingPageSchema")


class AgreementDoneSchema(ApiSchema):
    done_on = day(**DAY_BOUNDS, allow_none=True, description=N_(
        "When it was done (default today; not in the future)."))


def _meeting_answer(meeting, status: int = 200):
    headers = {"ETag": etag(meeting)}
    if status == 201:
        headers["Location"] = url_for(".get_meeting", network_id=meeting.network_id,
                                      meeting_id=meeting.id)
    return dumped(MeetingSchema(), meeting, status, headers)


MEETING_WRITE = ("forbidden", "not-found", "read-only")


@meetings.route(MEETINGS, methods=["GET"], summary=N_("List a network's meetings"),
                description=N_("Newest first. Attendees are people of the register, so every "
                               "read is in the processing log."))
@meetings.arguments(PageQuerySchema, location="query")
@meetings.response(200, MeetingPageSchema)
@problems("forbidden", "not-found")
def list_meetings(query, network_id: int):
    with write_transaction():
        page = meetings_service.list_meetings(api_user(), network_id, after=query.get("after"),
                                              limit=query["limit"])
        return dumped(MeetingPageSchema(), {
            "items": page.items, "next": next_link(page.next_after, {"limit": query["limit"]})})


@meetings.route(MEETINGS, methods=["POST"], summary=N_("Log a meeting"),
                description=N_("The lead logs a meeting that took place, with who came, the "
                               "themes discussed and what was agreed."))
@meetings.arguments(MeetingCreateSchema, example={
    "held_on": "2026-03-12", "form": "core", "attendee_ids": [12, 14],
    "topics": ["liveability"], "notes": "Zorgen over de sfeer op het plein besproken.",
    "agreements": [{"text": "Wijkagent uitnodigen voor de volgende bijeenkomst.",
                    "owner_member_id": None, "due_on": "2026-04-01"}]})
@meetings.response(201, MeetingSchema, headers={**LOCATION_HEADER, **ETAG_HEADER})
@problems(*MEETING_WRITE)
def create_meeting(data, network_id: int):
    with write_transaction():
        meeting = meetings_service.create_meeting(api_user(), network_id, data, origin=origin())
        return _meeting_answer(meeting, 201)


@meetings.route(f"{MEETINGS}/<int:meeting_id>", methods=["GET"], summary=N_("Read a meeting"))
@meetings.response(200, MeetingSchema, headers=ETAG_HEADER)
@problems("forbidden", "not-found")
def get_meeting(network_id: int, meeting_id: int):
    with write_transaction():
        return _meeting_answer(meetings_service.get_meeting(api_user(), network_id, meeting_id))


@meetings.route(f"{MEETINGS}/<int:meeting_id>", methods=["PATCH"],
                summary=N_("Correct a meeting"),
                description=N_("Its agreements stay; add more with POST .../agreements."))
@meetings.arguments(MeetingFieldsSchema, required=False, example={"topics": ["liveability"]})
@meetings.response(200, MeetingSchema, headers=ETAG_HEADER)
@requires_if_match
@problems(*MEETING_WRITE, "precondition-failed")
def update_meeting(data, network_id: int, meeting_id: int, expected_version: int | None):
    with write_transaction():
        meeting = meetings_service.update_meeting(api_user(), network_id, meeting_id, data,
                                                  expected_version=expected_version,
                                                  origin=origin())
        return _meeting_answer(meeting)


@meetings.route(f"{MEETINGS}/<int:meeting_id>/agreements", methods=["POST"],
                summary=N_("Add an agreement to a meeting"))
@meetings.arguments(AgreementInputSchema, example={
    "text": "Wijkagent uitnodigen.", "owner_member_id": None, "due_on": "2026-04-01"})
@meetings.response(201, AgreementSchema)
@problems(*MEETING_WRITE)
def add_agreement(data, network_id: int, meeting_id: int):
    with write_transaction():
        agreement = meetings_service.add_agreement(api_user(), network_id, meeting_id, data,
                                                   origin=origin())
        return dumped(AgreementSchema(), agreement, 201)


@meetings.route("/networks/<int:network_id>/agreements/<int:agreement_id>/done",
                methods=["POST"], summary=N_("Record that an agreement was carried out"))
@meetings.arguments(AgreementDoneSchema, example={"done_on": "2026-03-30"})
@meetings.response(200, AgreementSchema)
@problems(*MEETING_WRITE)
def complete_agreement(data, network_id: int, agreement_id: int):
    with write_transaction():
        agreement = meetings_service.complete_agreement(
            api_user(), network_id, agreement_id, data.get("done_on"), origin=origin())
        return dumped(AgreementSchema(), agreement)
