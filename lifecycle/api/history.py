"""API routes for the audit trail: a network's history and the municipality-wide audit log.

Both page by sequence number with `after` and `limit`, oldest first. Records keep references,
not copies of personal data; the actor's current display name is added for reading.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import fields, validate

from ..domain.audit import RESULT_OK, RESULT_REFUSED
from ..models import AuditRecord
from ..services import history as history_service
from ..services.history import EARLIEST_FILTER_DATE, LATEST_FILTER_DATE, AuditFilters
from .blueprint import api_user, feature_blueprint, next_link
from .contract import MAX_BIG_INTEGER, problems
from .schemas import (ApiSchema, PageQuerySchema, PersonRefSchema, day, integer, page_of,
                      timestamp)
from .texts import N_

history = feature_blueprint("history", tag="Audit trail", description=N_(
    "The tamper-evident audit trail: who did what to which object, when, and with what "
    "result. Each record carries the hash that chains it to the one before."))

# Actions are filtered as given; the pattern only keeps nonsense out of the query.
ACTION_PATTERN = r"^[a-z_]{1,30}\.[a-z_]{1,29}$"

RECORD_EXAMPLE = {
    "seq": 42, "occurred_at": "2026-03-14T15:02:11.000000Z",
    "actor": {"id": 3, "name": "Sanne Hermans"}, "municipality_id": 1,
    "object_type": "network", "object_id": "7", "network_id": 7,
    "action": "network.stage_changed", "result": "ok", "origin": "192.0.2.21",
    "before": {"stage": "orientation", "paused_from": None},
    "after": {"stage": "small_core", "paused_from": None, "trigger": "start_core",
              "reason": None, "reopened": []},
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "prev_hash": "9f2c…", "hash": "4b7e…",
}


@dataclass(frozen=True)
class AuditEntry:
    """An audit record with its actor's display name, as the API shows it."""

    record: AuditRecord
    actor_name: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.record, name)

    @property
    def actor(self) -> dict[str, Any] | None:
        if self.record.actor_id is None:
            return None
        return {"id": self.record.actor_id, "name": self.actor_name}


class AuditRecordSchema(ApiSchema):
    """One audit record; `hash` = sha256(prev_hash + "\\n" + canonical JSON), see the README."""

    seq = fields.Integer(required=True)
    occurred_at = timestamp(required=True)
    actor = fields.Nested(PersonRefSchema, required=True, allow_none=True)
    municipality_id = fields.Integer(required=True, allow_none=True)
    object_type = fields.String(required=True, metadata={"example": "network"})
    object_id = fields.String(required=True, allow_none=True)
    network_id = fields.Integer(required=True, allow_none=True)
    action = fields.String(required=True, metadata={"example": "network.stage_changed"})
    result = fields.String(required=True, metadata={"enum": [RESULT_OK, RESULT_REFUSED]})
    origin = fields.String(required=True, allow_none=True)
    before = fields.Dict(required=True, allow_none=True)
    after = fields.Dict(required=True, allow_none=True)
    trace_id = fields.String(required=True, allow_none=True, metadata={
        "pattern": "^[0-9a-f]{32}$", "description": N_(
            "The trace id of the request (W3C Trace Context); the processing log's lines of the "
            "same request carry it too. Hashed when present.")})
    prev_hash = fields.String(required=True, metadata={"pattern": "^[0-9a-f]{64}$"})
    hash = fields.String(required=True, metadata={"pattern": "^[0-9a-f]{64}$"})


AuditPageSchema = page_of(AuditRecordSchema, "AuditPageSchema")


class HistoryQuerySchema(PageQuerySchema):
    after = integer(in_query=True, maximum=MAX_BIG_INTEGER, example=120,
                    description=N_("Give the `after` of the `next` link to read on."))


class AuditQuerySchema(HistoryQuerySchema):
    network = integer(in_query=True, example=7, description=N_("Only records of this network."))
    actor = integer(in_query=True, example=3, description=N_("Only records by this user."))
    action = fields.String(validate=validate.Regexp(ACTION_PATTERN, error="invalid"),
                           metadata={"example": "item.approved",
                                     "description": N_("Only records of this action.")})
    result = fields.String(validate=validate.OneOf([RESULT_OK, RESULT_REFUSED],
                                                   error="invalid_choice"),
                           metadata={"description": N_("Only successful or refused attempts.")})
    date_from = day(data_key="from", earliest=EARLIEST_FILTER_DATE, latest=LATEST_FILTER_DATE,
                    description=N_("From this day on (Europe/Amsterdam)."))
    date_to = day(data_key="to", earliest=EARLIEST_FILTER_DATE, latest=LATEST_FILTER_DATE,
                  description=N_("Up to and including this day (Europe/Amsterdam)."))


def audit_entries(page) -> list[AuditEntry]:
    return [AuditEntry(record, page.actor_names.get(record.actor_id)) for record in page.items]


@history.route("/networks/<int:network_id>/history", methods=["GET"],
               summary=N_("Read a network's history"),
               description=N_("Every audit record about one network, in sequence order."))
@history.arguments(HistoryQuerySchema, location="query")
@history.response(200, AuditPageSchema, example={"items": [RECORD_EXAMPLE], "next": None})
@problems("not-found")
def network_history(query, network_id: int):
    page = history_service.network_history(api_user(), network_id, after=query.get("after"),
                                           limit=query["limit"])
    return {"items": audit_entries(page),
            "next": next_link(page.next_after, {"limit": query["limit"]})}


@history.route("/audit", methods=["GET"], summary=N_("Read the audit trail"),
               description=N_("Your municipality's whole audit trail, filtered, in sequence "
                              "order: for auditors and administrators."))
@history.arguments(AuditQuerySchema, location="query")
@history.response(200, AuditPageSchema, example={"items": [RECORD_EXAMPLE], "next": None})
@problems("forbidden")
def audit_log(query):
    filters = AuditFilters(
        network_id=query.get("network"), actor_id=query.get("actor"),
        action=query.get("action"), result=query.get("result"),
        date_from=query.get("date_from"), date_to=query.get("date_to"),
    )
    page = history_service.audit_log(api_user(), filters, after=query.get("after"),
                                     limit=query["limit"])
    return {"items": audit_entries(page), "next": next_link(page.next_after, {
        "network": filters.network_id, "actor": filters.actor_id, "action": filters.action,
        "result": filters.result,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "limit": query["limit"],
    })}
