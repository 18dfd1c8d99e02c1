"""API routes for networks: list, create, read and edit."""
from __future__ import annotations

from flask import Response, jsonify, request, url_for

from ..services import networks as network_service
from ..services.uow import write_transaction
from ..services.workflows import all_workflows
from .blueprint import api_user, api_v1
from .inputs import QueryArgs, check_lead_id, expected_version, json_object
from .serializers import network_json, page_json


def known_stages() -> set[str]:
    return {state.id for definition in all_workflows().values() for state in definition.states}


def network_response(network, status: int = 200) -> Response:
    response = jsonify(network_json(network))
    response.status_code = status
    response.set_etag(str(network.version))
    return response


@api_v1.get("/networks")
def list_networks():
    args = QueryArgs()
    stage = args.choice("stage", known_stages())
    after, limit = args.page()
    args.done()
    page = network_service.list_networks(api_user(), stage=stage, after=after, limit=limit)
    return jsonify(page_json([network_json(n) for n in page.items], page.next_after,
                             {"stage": stage, "limit": limit}))


@api_v1.post("/networks")
def create_network():
    data = json_object()
    check_lead_id(data)
    with write_transaction():
        network = network_service.create_network(api_user(), data, origin=request.remote_addr)
    response = network_response(network, 201)
    response.headers["Location"] = url_for("api_v1.get_network", network_id=network.id)
    return response


@api_v1.get("/networks/<int:network_id>")
def get_network(network_id: int):
    return network_response(network_service.get_network(api_user(), network_id))


@api_v1.patch("/networks/<int:network_id>")
def update_network(network_id: int):
    data = json_object()
    version = expected_version(data)
    check_lead_id(data)
    with write_transaction():
        network = network_service.update_network(api_user(), network_id, data,
                                                 expected_version=version,
                                                 origin=request.remote_addr)
    return network_response(network)
