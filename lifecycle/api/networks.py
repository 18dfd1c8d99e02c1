"""API routes for networks: list, create, read and edit, with their schemas."""
from __future__ import annotations

from flask import url_for
from marshmallow import fields, validate

from ..services import networks as network_service
from ..services.networks import FORMS, LEVELS, MAX_NAME, MAX_TEXT, NETWORK_ROLES
from ..services.uow import write_transaction
from .blueprint import api_user, feature_blueprint, next_link, origin
from .contract import ETAG_HEADER, LOCATION_HEADER, problems, requires_if_match
from .schemas import (ApiSchema, PageQuerySchema, PersonRefSchema, choice, choice_list,
                      integer_id, page_of, text, timestamp)
from .texts import N_

networks = feature_blueprint("networks", tag="Networks", description=N_(
    "The key-figure networks of your municipality: create, read and edit them."))

STAGE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

NETWORK_EXAMPLE = {
    "id": 7, "name": "Netwerk Venlo-Zuid",
    "municipality": {"id": 1, "name": "Venlo"},
    "goal": "Vroeg signaleren van spanningen tussen jongeren in de wijk.",
    "form": "structural",
    "form_justification": "Een vast netwerk past bij de langdurige opgave in de wijk.",
    "level": "group", "roles": ["mediation", "signaling"], "stage": "orientation",
    "paused_from": None, "lead": {"id": 3, "name": "Sanne Hermans"},
    "workflow": {"name": "network-lifecycle", "version": 1}, "version": 2,
    "created_at": "2026-03-12T09:30:00.000000Z", "updated_at": "2026-03-14T15:02:11.000000Z",
}


def _name(*, required: bool):
    return text(max_length=MAX_NAME, required=required, example="Netwerk Venlo-Zuid",
                description=N_("The network's name."))


def _goal(*, required: bool):
    return text(max_length=MAX_TEXT, required=required, description=N_(
        "Which problem the network addresses, and what it should achieve."),
        example="Vroeg signaleren van spanningen tussen jongeren in de wijk.")


class NetworkFieldsSchema(ApiSchema):
    """The fields of a network its lead writes; on edit, only those you send change."""

    name = _name(required=False)
    goal = _goal(required=False)
    form = choice(FORMS, example="structural", description=N_(
        "A structural key-figure network, or an ad hoc one."))
    form_justification = text(max_length=MAX_TEXT, blank=True, allow_none=True,
                              example="Een vast netwerk past bij de langdurige opgave.",
                              description=N_("Why this form fits the goal."))
    level = choice(LEVELS, example="group", description=N_(
        "Individual (parents, key figures), group (schools, clubs) or broad (a social agenda)."))
    roles = choice_list(NETWORK_ROLES, example=["signaling", "mediation"], description=N_(
        "The roles of the network, out of the four the workflow knows."))
    lead_id = integer_id(example=3, description=N_(
        "The project lead: an active lead of your municipality. On create it defaults to you; "
        "on edit only an administrator may change it."))


class NetworkCreateSchema(NetworkFieldsSchema):
    """A new network: a name and a goal at least."""

    name = _name(required=True)
    goal = _goal(required=True)


class WorkflowRefSchema(ApiSchema):
    """The workflow version a network runs on (it keeps it when a newer one arrives)."""

    name = fields.String(required=True, attribute="workflow_name",
                         metadata={"example": "network-lifecycle"})
    version = fields.Integer(required=True, attribute="workflow_version",
                             metadata={"example": 1})


class MunicipalityRefSchema(ApiSchema):
    id = fields.Integer(required=True, metadata={"example": 1})
    name = fields.String(required=True, metadata={"example": "Venlo"})


class OwnAttributes(fields.Nested):
    """Nest some of the object's own attributes under one key (workflow_name -> workflow.name)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj


class NetworkSchema(ApiSchema):
    """A network as the API shows it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    municipality = fields.Nested(MunicipalityRefSchema, required=True)
    goal = fields.String(required=True)
    form = fields.String(required=True, metadata={"enum": list(FORMS)})
    form_justification = fields.String(required=True)
    level = fields.String(required=True, metadata={"enum": list(LEVELS)})
    roles = fields.List(fields.String(metadata={"enum": list(NETWORK_ROLES)}), required=True)
    stage = fields.String(required=True, metadata={"description": N_(
        "The current stage, a state of the network's workflow (e.g. orientation).")})
    paused_from = fields.String(required=True, allow_none=True, metadata={"description": N_(
        "When paused: the stage it was paused from, to which resume returns.")})
    lead = fields.Nested(PersonRefSchema, required=True)
    workflow = OwnAttributes(WorkflowRefSchema, required=True)
    version = fields.Integer(required=True, metadata={"description": N_(
        "Goes up with every change; the ETag header carries it too.")})
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True)


class NetworkListQuerySchema(PageQuerySchema):
    stage = fields.String(validate=validate.Regexp(STAGE_PATTERN, error="invalid"), metadata={
        "example": "small_core", "description": N_(
            "Only networks in this stage: a state of your municipality's workflow.")})


NetworkPageSchema = page_of(NetworkSchema, "NetworkPageSchema")


def etag(network) -> str:
    return f'"{network.version}"'


@networks.route("/networks", methods=["GET"], summary=N_("List the networks"),
                description=N_("The networks of your municipality, by id, a page at a time."))
@networks.arguments(NetworkListQuerySchema, location="query")
@networks.response(200, NetworkPageSchema)
def list_networks(query):
    page = network_service.list_networks(api_user(), stage=query.get("stage"),
                                         after=query.get("after"), limit=query["limit"])
    return {"items": page.items,
            "next": next_link(page.next_after, {"stage": query.get("stage"),
                                                "limit": query["limit"]})}


NEW_NETWORK = {"network_id": "$response.body#/id"}


@networks.route("/networks", methods=["POST"], summary=N_("Create a network"),
                description=N_("A project lead creates a network; it starts in the workflow's "
                               "first stage."),
                links={201: {
                    "GetNetwork": {"operationId": "get_network", "parameters": NEW_NETWORK},
                    "ListChecklists": {"operationId": "list_checklists",
                                       "parameters": NEW_NETWORK},
                    "ListTransitions": {"operationId": "list_transitions",
                                        "parameters": NEW_NETWORK},
                }})
@networks.arguments(NetworkCreateSchema, example={
    "name": "Netwerk Venlo-Zuid", "goal": "Vroeg signaleren van spanningen in de wijk.",
    "form": "structural", "roles": ["signaling"]})
@networks.response(201, NetworkSchema, headers={**LOCATION_HEADER, **ETAG_HEADER},
                   example=NETWORK_EXAMPLE)
@problems("forbidden")
def create_network(data):
    with write_transaction():
        network = network_service.create_network(api_user(), data, origin=origin())
    return network, 201, {"Location": url_for(".get_network", network_id=network.id),
                          "ETag": etag(network)}


@networks.route("/networks/<int:network_id>", methods=["GET"], summary=N_("Read a network"),
                links={200: {
                    "EditNetwork": {"operationId": "update_network", "parameters": {
                        "network_id": "$response.body#/id",
                        "header.If-Match": "$response.header.ETag"}},
                    "ReadHistory": {"operationId": "network_history",
                                    "parameters": {"network_id": "$response.body#/id"}},
                }})
@networks.response(200, NetworkSchema, headers=ETAG_HEADER, example=NETWORK_EXAMPLE)
@problems("not-found")
def get_network(network_id: int):
    network = network_service.get_network(api_user(), network_id)
    return network, 200, {"ETag": etag(network)}


@networks.route("/networks/<int:network_id>", methods=["PATCH"], summary=N_("Edit a network"),
                description=N_("The network's lead edits its fields; an administrator may "
                               "change only `lead_id`. Send the ETag you read in If-Match."))
@networks.arguments(NetworkFieldsSchema, required=False,
                    example={"goal": "Een scherper doel.", "roles": ["signaling", "policy"]})
@networks.response(200, NetworkSchema, headers=ETAG_HEADER, example=NETWORK_EXAMPLE)
@requires_if_match
@problems("forbidden", "not-found", "conflict", "read-only")
def update_network(data, network_id: int, expected_version: int | None):
    with write_transaction():
        network = network_service.update_network(api_user(), network_id, data,
                                                 expected_version=expected_version,
                                                 origin=origin())
    return network, 200, {"ETag": etag(network)}
