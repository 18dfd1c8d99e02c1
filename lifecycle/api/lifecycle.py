"""API routes for moving a network through its workflow: the possible steps, and firing one."""
from __future__ import annotations

from marshmallow import fields

from ..services import lifecycle as lifecycle_service
from ..services.networks import MAX_TEXT
from ..services.uow import write_transaction
from .blueprint import api_user, feature_blueprint, origin
from .contract import ETAG_HEADER, problems
from .networks import NETWORK_EXAMPLE, STAGE_PATTERN, NetworkSchema, etag
from .schemas import ApiSchema, MissingItemSchema, TextSchema, identifier, text
from .texts import N_

lifecycle = feature_blueprint("lifecycle", tag="Lifecycle", description=N_(
    "The steps of a network through its workflow, behind the checklist gates."))

TRIGGER_PATTERN = r"^[a-z][a-z0-9_]{0,79}$"


class TransitionOptionSchema(ApiSchema):
    """One step from the current stage: whether it can be taken now, and what is missing."""

    trigger = fields.String(required=True, attribute="id", metadata={"example": "start_core"})
    title = fields.Nested(TextSchema, required=True, attribute="trigger.title")
    dest = fields.String(required=True, allow_none=True, metadata={
        "example": "small_core", "description": N_(
            "The stage it leads to; for resume, the stage the network was paused from.")})
    available = fields.Boolean(required=True)
    reason_required = fields.Boolean(required=True, attribute="trigger.reason_required")
    missing = fields.List(fields.Nested(MissingItemSchema), required=True)


class TransitionListSchema(ApiSchema):
    network_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    paused_from = fields.String(required=True, allow_none=True)
    transitions = fields.List(fields.Nested(TransitionOptionSchema), required=True)


class FireSchema(ApiSchema):
    trigger = identifier(pattern=TRIGGER_PATTERN, required=True, example="start_core",
                         description=N_("The step to take: a trigger of the network's workflow."))
    reason = text(max_length=MAX_TEXT, blank=True, allow_none=True, example=None,
                  description=N_("Why; some steps (pause, regroup, close) need one."))
    expected_stage = identifier(pattern=STAGE_PATTERN, allow_none=True, example="orientation",
                                description=N_(
        "The stage you saw; if the network has moved on meanwhile, the step is refused "
        "with 409 instead of taken from a stage you did not see."))


@lifecycle.route("/networks/<int:network_id>/transitions", methods=["GET"],
                 summary=N_("List the possible steps"),
                 description=N_("Every step from the network's current stage: available, or "
                                "blocked with exactly the checklist items that are missing."))
@lifecycle.response(200, TransitionListSchema)
@problems("not-found")
def list_transitions(network_id: int):
    network, options = lifecycle_service.transition_options(api_user(), network_id)
    return {"network_id": network.id, "stage": network.stage,
            "paused_from": network.paused_from, "transitions": options}


@lifecycle.route("/networks/<int:network_id>/transitions", methods=["POST"],
                 summary=N_("Take a step"),
                 description=N_("The network's lead takes a step; its gate is checked again "
                                "at this moment. Answers the network in its new stage."))
@lifecycle.arguments(FireSchema, example={"trigger": "start_core",
                                          "expected_stage": "orientation"})
@lifecycle.response(200, NetworkSchema, headers=ETAG_HEADER, example=NETWORK_EXAMPLE)
@problems("forbidden", "not-found", "gate-blocked", "invalid-transition", "conflict",
          "read-only", "reason-required")
def fire_transition(data, network_id: int):
    with write_transaction():
        network = lifecycle_service.advance_network(
            api_user(), network_id, data["trigger"], data.get("reason"),
            expected_stage=data.get("expected_stage"), origin=origin())
    return network, 200, {"ETag": etag(network)}
