"""API routes for moving a network through its workflow: the possible steps, and firing one."""
from __future__ import annotations

from flask import jsonify, request

from ..services import lifecycle as lifecycle_service
from ..services.uow import write_transaction
from .blueprint import api_user, api_v1
from .inputs import BodyFields, json_object
from .networks import network_response
from .serializers import trigger_option_json


@api_v1.get("/networks/<int:network_id>/transitions")
def list_transitions(network_id: int):
    network, options = lifecycle_service.transition_options(api_user(), network_id)
    return jsonify({"network_id": network.id, "stage": network.stage,
                    "paused_from": network.paused_from,
                    "transitions": [trigger_option_json(option) for option in options]})


@api_v1.post("/networks/<int:network_id>/transitions")
def fire_transition(network_id: int):
    fields = BodyFields(json_object(), ("trigger", "reason", "expected_stage"))
    trigger = fields.text("trigger", required=True)
    reason = fields.text("reason")
    expected_stage = fields.text("expected_stage")
    fields.done()
    with write_transaction():
        network = lifecycle_service.advance_network(
            api_user(), network_id, trigger, reason, expected_stage=expected_stage,
            origin=request.remote_addr)
    return network_response(network)
