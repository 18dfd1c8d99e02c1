"""API routes for a network's signals: themes, places and trends, each with its deadline.

A signal never names a person of concern: there is no field for one, and the description is
short. Its steps (assess, act, forward, close) are data, as a person's steps in the pipeline
are; a signal's JSON lists the steps possible now and its deadline. Only the network's lead
records and handles signals; they are read by those who may read the network's people, since a
signal may name the member it came from.
"""
from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import fields, validate

from ..domain.signals import MAX_DESCRIPTION, MAX_PARTNER_NAME
from ..services import signals as signals_service
from ..services.uow import write_transaction
from .blueprint import api_user, dumped, etag, feature_blueprint, next_link, origin
from .contract import ETAG_HEADER, LOCATION_HEADER, problems, requires_if_match
from .meetings import MemberRefSchema
from .registers import StepOptionSchema
from .schemas import (DAY_BOUNDS, ApiSchema, PageQuerySchema, PersonRefSchema, day, identifier,
                      integer_id, page_of, text, timestamp)
from .texts import N_

signals = feature_blueprint("signals", tag="Signals", description=N_(
    "What a network picks up, recorded as a theme in a district, never as a named person, and "
    "handled step by step within a deadline in working days."))

SIGNALS = "/networks/<int:network_id>/signals"
IDENTIFIER = r"^[a-z0-9][a-z0-9_]{0,39}$"
DESCRIPTION_WARNING = N_(
    "What was seen or heard, in a few sentences. No names or other personal data of third "
    "parties: a signal is about a theme or a place, never about a person of concern.")


class SignalFieldsSchema(ApiSchema):
    """A signal as the lead records it."""

    reported_on = day(**DAY_BOUNDS, description=N_("When it came in (not in the future)."))
    theme = identifier(pattern=IDENTIFIER, example="liveability", description=N_(
        "A theme from the vocabulary (GET /api/v1/vocabularies: signal_themes)."))
    deeper_theme = identifier(pattern=IDENTIFIER, allow_none=True, example="tension_between_groups",
                              description=N_("For a liveability signal: the deeper theme it "
                                             "turned out to be."))
    district = text(max_length=80, blank=True, allow_none=True, example="Venlo-Zuid")
    description = text(max_length=MAX_DESCRIPTION, description=DESCRIPTION_WARNING,
                       example="Steeds meer klachten over afval rond het buurthuis.")
    source_member_id = integer_id(allow_none=True, description=N_(
        "The person of the register it came from; null means the network as a whole."))
    urgency = identifier(pattern=IDENTIFIER, example="normal",
                         description=N_("low, normal or high."))


class SignalCreateSchema(SignalFieldsSchema):
    reported_on = day(**DAY_BOUNDS, required=True, description=N_("When it came in."))
    theme = identifier(pattern=IDENTIFIER, required=True, example="liveability")
    description = text(max_length=MAX_DESCRIPTION, required=True,
                       description=DESCRIPTION_WARNING,
                       example="Steeds meer klachten over afval rond het buurthuis.")
    urgency = identifier(pattern=IDENTIFIER, required=True, example="normal")


class SignalUpdateSchema(ApiSchema):
    """What may be corrected: the date, theme and urgency fixed the deadline and stay."""

    deeper_theme = identifier(pattern=IDENTIFIER, allow_none=True, example="tension_between_groups",
                              description=N_("For a liveability signal: the deeper theme it "
                                             "turned out to be."))
    district = text(max_length=80, blank=True, allow_none=True, example="Venlo-Zuid")
    description = text(max_length=MAX_DESCRIPTION, description=DESCRIPTION_WARNING)
    source_member_id = integer_id(allow_none=True)


class DeadlineSchema(ApiSchema):
    """When the signal must be handled (acted on, forwarded or closed)."""

    last_day = fields.Date(required=True, attribute="deadline_on")
    ends_at = timestamp(required=True, attribute="deadline_at", metadata={
        "description": N_("Midnight at the end of the last day, Amsterdam time, in UTC.")})
    three_times_last_day = fields.Date(required=True, attribute="overdue_on", metadata={
        "description": N_("The last day of three times the deadline.")})
    timeliness = fields.String(required=True, metadata={
        "enum": ["on_time", "overdue", "overdue_3x"], "description": N_(
            "Judged by when it was handled, or by now while it is open.")})


class PartnerSchema(ApiSchema):
    kind = fields.String(required=True, metadata={"example": "police"})
    name = fields.String(required=True, metadata={"example": "Wijkteam politie Venlo-Zuid"})


class SignalSchema(ApiSchema):
    """A signal, with its deadline and the steps possible now."""

    id = fields.Integer(required=True)
    network_id = fields.Integer(required=True)
    reported_on = fields.Date(required=True)
    theme = fields.String(required=True)
    deeper_theme = fields.String(required=True, allow_none=True)
    district = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    source_member = fields.Nested(MemberRefSchema, required=True, allow_none=True, metadata={
        "description": N_("The person it came from; null: the network.")})
    urgency = fields.String(required=True)
    status = fields.String(required=True, metadata={"example": "received"})
    status_since = timestamp(required=True)
    handled_at = timestamp(required=True, allow_none=True)
    partner = fields.Nested(PartnerSchema, required=True, allow_none=True)
    deadline = fields.Nested(DeadlineSchema, required=True)
    steps = fields.List(fields.Nested(StepOptionSchema), required=True)
    version = fields.Integer(required=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True)


class SignalStepRecordSchema(ApiSchema):
    step = fields.String(required=True)
    from_state = fields.String(required=True)
    to_state = fields.String(required=True)
    happened_at = timestamp(required=True)
    actor = fields.Nested(PersonRefSchema, required=True)
    note = fields.String(required=True, allow_none=True)
    partner_kind = fields.String(required=True, allow_none=True)
    partner_name = fields.String(required=True, allow_none=True)


class SignalDetailSchema(SignalSchema):
    history = fields.List(fields.Nested(SignalStepRecordSchema), required=True)


SignalPageSchema = page_of(SignalSchema, "SignalPageSchema")


class SignalQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.Regexp(IDENTIFIER, error="invalid"),
                           metadata={"example": "received"})
    theme = fields.String(validate=validate.Regexp(IDENTIFIER, error="invalid"),
                          metadata={"example": "liveability"})


class SignalStepSchema(ApiSchema):
    """One step in handling a signal."""

    step = identifier(pattern=IDENTIFIER, required=True, example="forward",
                      description=N_("assess, act, forward or close."))
    note = text(max_length=1000, blank=True, allow_none=True,
                description=N_("What was done, in a sentence (no personal data)."))
    partner_kind = identifier(pattern=IDENTIFIER, allow_none=True, example="police",
                              description=N_("With forward: police, social_team or "
                                             "youth_work."))
    partner_name = text(max_length=MAX_PARTNER_NAME, allow_none=True,
                        example="Wijkteam politie Venlo-Zuid",
                        description=N_("With forward: the partner's name."))


def signal_view(signal, now=None) -> dict[str, Any]:
    from ..models import utcnow

    return {**{name: getattr(signal, name) for name in (
        "id", "network_id", "reported_on", "theme", "deeper_theme", "district", "description",
        "source_member", "urgency", "status", "status_since", "handled_at", "version",
        "created_at", "updated_at")},
        "partner": {"kind": signal.partner_kind, "name": signal.partner_name}
        if signal.partner_kind else None,
        "deadline": {"deadline_on": signal.deadline_on, "deadline_at": signal.deadline_at,
                     "overdue_on": signal.overdue_on,
                     "timeliness": signals_service.timeliness_of(signal, now or utcnow())},
        "steps": signals_service.signal_options(signal)}


def _signal_answer(network_id: int, signal_id: int, status: int = 200):
    record = signals_service.signal_record(api_user(), network_id, signal_id)
    headers = {"ETag": etag(record.signal)}
    if status == 201:
        headers["Location"] = url_for(".get_signal", network_id=network_id, signal_id=signal_id)
    return dumped(SignalDetailSchema(), {**signal_view(record.signal), "history": record.steps},
                  status, headers)


SIGNAL_WRITE = ("forbidden", "not-found", "read-only")


@signals.route(SIGNALS, methods=["GET"], summary=N_("List a network's signals"),
               description=N_("Newest first, optionally by status or theme."))
@signals.arguments(SignalQuerySchema, location="query")
@signals.response(200, SignalPageSchema)
@problems("forbidden", "not-found")
def list_signals(query, network_id: int):
    with write_transaction():
        page = signals_service.list_signals(api_user(), network_id, status=query.get("status"),
                                            theme=query.get("theme"), after=query.get("after"),
                                            limit=query["limit"])
        return dumped(SignalPageSchema(), {
            "items": [signal_view(s) for s in page.items],
            "next": next_link(page.next_after, {"status": query.get("status"),
                                                "theme": query.get("theme"),
                                                "limit": query["limit"]})})


@signals.route(SIGNALS, methods=["POST"], summary=N_("Record a signal"),
               description=N_("Its deadline follows from its theme and urgency (the deadline "
                              "rules are data), in working days that skip weekends and Dutch "
                              "public holidays, or in calendar days."))
@signals.arguments(SignalCreateSchema, example={
    "reported_on": "2026-03-12", "theme": "liveability", "district": "Venlo-Zuid",
    "description": "Steeds meer klachten over afval rond het buurthuis.", "urgency": "normal"})
@signals.response(201, SignalDetailSchema, headers={**LOCATION_HEADER, **ETAG_HEADER})
@problems(*SIGNAL_WRITE)
def record_signal(data, network_id: int):
    with write_transaction():
        signal = signals_service.record_signal(api_user(), network_id, data, origin=origin())
        return _signal_answer(network_id, signal.id, 201)


@signals.route(f"{SIGNALS}/<int:signal_id>", methods=["GET"], summary=N_("Read a signal"),
               description=N_("A signal with its deadline, its steps so far and the steps "
                              "possible now."))
@signals.response(200, SignalDetailSchema, headers=ETAG_HEADER)
@problems("forbidden", "not-found")
def get_signal(network_id: int, signal_id: int):
    with write_transaction():
        return _signal_answer(network_id, signal_id)


@signals.route(f"{SIGNALS}/<int:signal_id>", methods=["PATCH"], summary=N_("Correct a signal"),
               description=N_("For example to link a liveability signal to the deeper theme "
                              "it turned out to be."))
@signals.arguments(SignalUpdateSchema, required=False,
                   example={"deeper_theme": "tension_between_groups"})
@signals.response(200, SignalDetailSchema, headers=ETAG_HEADER)
@requires_if_match
@problems(*SIGNAL_WRITE, "precondition-failed")
def update_signal(data, network_id: int, signal_id: int, expected_version: int | None):
    with write_transaction():
        signals_service.update_signal(api_user(), network_id, signal_id, data,
                                      expected_version=expected_version, origin=origin())
        return _signal_answer(network_id, signal_id)


@signals.route(f"{SIGNALS}/<int:signal_id>/steps", methods=["POST"],
               summary=N_("Take a step for a signal"),
               description=N_("assess, act, forward (to a partner, with its name) or close, "
                              "as the signal's steps allow."))
@signals.arguments(SignalStepSchema, example={
    "step": "forward", "partner_kind": "police", "partner_name": "Wijkteam politie Venlo-Zuid"})
@signals.response(200, SignalDetailSchema, headers=ETAG_HEADER)
@problems(*SIGNAL_WRITE, "invalid-transition", "reason-required")
def take_signal_step(data, network_id: int, signal_id: int):
    step = data.pop("step")
    with write_transaction():
        signals_service.take_signal_step(api_user(), network_id, signal_id, step, data,
                                         origin=origin())
        return _signal_answer(network_id, signal_id)
