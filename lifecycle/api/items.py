"""API routes for checklists: list them, submit evidence, approve, reject and revoke.

Each write answers the item in the same shape as the checklists listing, read back after the
write has committed, so a client sees exactly what the next listing will show.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from ..domain.errors import NotFound
from ..services import checklists as checklist_service
from ..services.uow import write_transaction
from .blueprint import api_user, api_v1
from .inputs import BodyFields, json_object
from .serializers import checklist_json, item_json

ITEM_ROUTE = "/networks/<int:network_id>/items/<item_id>"


@api_v1.get("/networks/<int:network_id>/checklists")
def list_checklists(network_id: int):
    network, views = checklist_service.checklists_of(api_user(), network_id)
    return jsonify({"network_id": network.id, "stage": network.stage,
                    "checklists": [checklist_json(view) for view in views]})


def item_answer(network_id: int, item_id: str):
    _network, views = checklist_service.checklists_of(api_user(), network_id)
    for checklist in views:
        for view in checklist.items:
            if view.item.id == item_id:
                return jsonify(item_json(view))
    raise NotFound("No such checklist item.")  # only if the workflow changed under us


def evidence_input(data: dict[str, Any]) -> tuple[str | None, list[str] | None]:
    """`evidence` is the justification text, or an object {justification, links}.

    An empty justification is left for the service to refuse, as it is in the HTML form.
    """
    fields = BodyFields(data, ("evidence", "links"))
    evidence = data.get("evidence")
    links = fields.text_list("links", data.get("links"))
    justification = None
    if "evidence" not in data:
        fields.errors["evidence"] = "required"
    elif isinstance(evidence, str):
        justification = evidence
    elif isinstance(evidence, dict):
        nested = BodyFields(evidence, ("justification", "links"))
        justification = nested.text("justification")
        if "links" in evidence:
            links = nested.text_list("links", evidence["links"])
        fields.errors.update({f"evidence.{k}": v for k, v in nested.errors.items()})
    else:
        fields.errors["evidence"] = "invalid"
    fields.done()
    return justification, links


@api_v1.post(f"{ITEM_ROUTE}/submit")
def submit_evidence(network_id: int, item_id: str):
    justification, links = evidence_input(json_object())
    with write_transaction():
        checklist_service.submit_evidence(api_user(), network_id, item_id, justification, links,
                                          origin=request.remote_addr)
    return item_answer(network_id, item_id)


@api_v1.post(f"{ITEM_ROUTE}/approve")
def approve_item(network_id: int, item_id: str):
    fields = BodyFields(json_object(required=False), ("comment",))
    comment = fields.text("comment")
    fields.done()
    with write_transaction():
        checklist_service.approve_item(api_user(), network_id, item_id, comment,
                                       origin=request.remote_addr)
    return item_answer(network_id, item_id)


@api_v1.post(f"{ITEM_ROUTE}/reject")
def reject_item(network_id: int, item_id: str):
    fields = BodyFields(json_object(required=False), ("comment",))
    # Required, but the service checks that after who may reject: a lead gets 403, not 422.
    comment = fields.text("comment")
    fields.done()
    with write_transaction():
        checklist_service.reject_item(api_user(), network_id, item_id, comment,
                                      origin=request.remote_addr)
    return item_answer(network_id, item_id)


@api_v1.post(f"{ITEM_ROUTE}/revoke")
def revoke_signoff(network_id: int, item_id: str):
    fields = BodyFields(json_object(required=False), ("reason", "comment"))
    reason = fields.text("reason")
    comment = fields.text("comment")
    fields.done()
    with write_transaction():
        checklist_service.revoke_signoff(api_user(), network_id, item_id, reason or comment,
                                         origin=request.remote_addr)
    return item_answer(network_id, item_id)
