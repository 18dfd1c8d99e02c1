"""API routes for the feedback loop: inputs for policy and their answers, and what the
municipality shared with the members; both directions counted per quarter.

Only the network's lead writes; anyone of the municipality reads (no personal data).
"""
from __future__ import annotations

from marshmallow import fields

from ..services import feedback as feedback_service
from ..services.feedback import BRIEFING_KINDS, MAX_ANSWER, MAX_SUMMARY
from ..services.uow import write_transaction
from .blueprint import api_user, feature_blueprint, origin
from .contract import problems
from .schemas import DAY_BOUNDS, ApiSchema, PersonRefSchema, QuerySchema, choice, day, \
    integer_id, text, timestamp
from .texts import N_

feedback = feature_blueprint("feedback", tag="Feedback", description=N_(
    "Both directions of the exchange: what the network gives the municipality (signals and "
    "agreements handed to policy, with the answer they got) and what the municipality shares "
    "with the members."))

NETWORK = "/networks/<int:network_id>"


class PolicyInputCreateSchema(ApiSchema):
    """A signal or a meeting agreement marked as input for policy (give exactly one of them)."""

    signal_id = integer_id(allow_none=True, description=N_("The signal it comes from."))
    agreement_id = integer_id(allow_none=True, description=N_(
        "Or the meeting agreement it comes from."))
    summary = text(max_length=MAX_SUMMARY, required=True,
                   example="Jongeren missen een plek om 's avonds samen te komen.")
    recipient = text(max_length=200, required=True, example="Afdeling Jeugd, mevrouw De Wit",
                     description=N_("The department or official it goes to."))
    due_on = day(**DAY_BOUNDS, required=True, description=N_(
        "When an answer is due (today or later)."))


class AnswerSchema(ApiSchema):
    answer = text(max_length=MAX_ANSWER, required=True,
                  example="Het buurthuis gaat op vrijdagavond open voor jongeren.",
                  description=N_("What policy did with the input: what the members hear back."))
    answered_on = day(**DAY_BOUNDS, allow_none=True, description=N_(
        "When the answer came (default today)."))


class PolicyInputSchema(ApiSchema):
    id = fields.Integer(required=True)
    network_id = fields.Integer(required=True)
    signal_id = fields.Integer(required=True, allow_none=True)
    agreement_id = fields.Integer(required=True, allow_none=True)
    summary = fields.String(required=True)
    recipient = fields.String(required=True)
    due_on = fields.Date(required=True)
    created_on = fields.Date(required=True)
    answered_on = fields.Date(required=True, allow_none=True)
    answer = fields.String(required=True, allow_none=True)
    overdue = fields.Boolean(required=True, metadata={"description": N_(
        "Unanswered past its due date.")})
    created_at = timestamp(required=True)


class PolicyInputListSchema(ApiSchema):
    items = fields.List(fields.Nested(PolicyInputSchema), required=True)


class InputQuerySchema(QuerySchema):
    open = fields.Boolean(load_default=False, truthy={"true", "1"}, falsy={"false", "0"},
                          metadata={"description": N_("Only inputs still waiting for an "
                                                      "answer.")})


class BriefingCreateSchema(ApiSchema):
    """Information shared with the members: an update or a briefing."""

    shared_on = day(**DAY_BOUNDS, allow_none=True, description=N_(
        "When it was shared (default today; not in the future)."))
    kind = choice(BRIEFING_KINDS, load_default="update", example="briefing")
    title = text(max_length=200, required=True, example="Toelichting op het nieuwe jongerenbeleid")
    summary = text(max_length=2000, required=True,
                   example="De wethouder lichtte de plannen voor het jongerenwerk toe.")


class BriefingSchema(ApiSchema):
    id = fields.Integer(required=True)
    network_id = fields.Integer(required=True)
    shared_on = fields.Date(required=True)
    kind = fields.String(required=True, metadata={"enum": list(BRIEFING_KINDS)})
    title = fields.String(required=True)
    summary = fields.String(required=True)
    created_by = fields.Nested(PersonRefSchema, required=True)
    created_at = timestamp(required=True)


class BriefingListSchema(ApiSchema):
    items = fields.List(fields.Nested(BriefingSchema), required=True)


class QuarterSchema(ApiSchema):
    quarter = fields.String(required=True, metadata={"example": "2026-Q2"})
    signals = fields.Integer(required=True, metadata={"description": N_(
        "Signals from the network.")})
    inputs = fields.Integer(required=True, metadata={"description": N_("Inputs for policy.")})
    answers = fields.Integer(required=True, metadata={"description": N_(
        "Answers back to the network.")})
    briefings = fields.Integer(required=True, metadata={"description": N_(
        "Information shared with the members.")})


class ExchangeSchema(ApiSchema):
    network_id = fields.Integer(required=True)
    quarters = fields.List(fields.Nested(QuarterSchema), required=True)


WRITE = ("forbidden", "not-found", "read-only")


def input_view(item) -> dict:
    return {**{name: getattr(item, name) for name in PolicyInputSchema._declared_fields
               if name != "overdue"}, "overdue": feedback_service.is_overdue(item)}


@feedback.route(f"{NETWORK}/inputs", methods=["GET"], summary=N_("List the inputs for policy"),
                description=N_("The open ones first, by due date; the answered ones are the "
                               "network's \"what we did with your input\" log."))
@feedback.arguments(InputQuerySchema, location="query")
@feedback.response(200, PolicyInputListSchema)
@problems("not-found")
def list_inputs(query, network_id: int):
    items = feedback_service.list_inputs(api_user(), network_id, open_only=query["open"])
    return {"items": [input_view(item) for item in items]}


@feedback.route(f"{NETWORK}/inputs", methods=["POST"], summary=N_("Hand an input to policy"),
                description=N_("Mark a signal or a meeting agreement as input for policy, with "
                               "its recipient and a due date. It stays on the lead's list "
                               "until its answer is recorded."))
@feedback.arguments(PolicyInputCreateSchema, example={
    "signal_id": 4, "summary": "Jongeren missen een plek om 's avonds samen te komen.",
    "recipient": "Afdeling Jeugd", "due_on": "2026-04-15"})
@feedback.response(201, PolicyInputSchema)
@problems(*WRITE)
def hand_to_policy(data, network_id: int):
    with write_transaction():
        item = feedback_service.hand_to_policy(api_user(), network_id, data, origin=origin())
    return input_view(item), 201


@feedback.route(f"{NETWORK}/inputs/<int:input_id>/answer", methods=["POST"],
                summary=N_("Record the answer to an input"))
@feedback.arguments(AnswerSchema, example={
    "answer": "Het buurthuis gaat op vrijdagavond open voor jongeren."})
@feedback.response(200, PolicyInputSchema)
@problems(*WRITE, "invalid-transition")
def record_answer(data, network_id: int, input_id: int):
    with write_transaction():
        item = feedback_service.record_answer(api_user(), network_id, input_id, data,
                                              origin=origin())
    return input_view(item)


@feedback.route(f"{NETWORK}/briefings", methods=["GET"],
                summary=N_("List what was shared with the members"))
@feedback.response(200, BriefingListSchema)
@problems("not-found")
def list_briefings(network_id: int):
    return {"items": feedback_service.list_briefings(api_user(), network_id)}


@feedback.route(f"{NETWORK}/briefings", methods=["POST"],
                summary=N_("Log information shared with the members"))
@feedback.arguments(BriefingCreateSchema, example={
    "kind": "briefing", "title": "Toelichting jongerenbeleid",
    "summary": "De wethouder lichtte de plannen toe."})
@feedback.response(201, BriefingSchema)
@problems(*WRITE)
def share_briefing(data, network_id: int):
    with write_transaction():
        briefing = feedback_service.share_briefing(api_user(), network_id, data,
                                                   origin=origin())
    return briefing, 201


@feedback.route(f"{NETWORK}/exchange", methods=["GET"],
                summary=N_("Count both directions of the exchange per quarter"))
@feedback.response(200, ExchangeSchema)
@problems("not-found")
def get_exchange(network_id: int):
    return {"network_id": network_id,
            "quarters": feedback_service.exchange_by_quarter(api_user(), network_id)}
