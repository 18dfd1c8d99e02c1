"""API routes for the audit trail: a network's history and the municipality-wide audit log.

Both page by sequence number with `after` and `limit`, oldest first.
"""
from __future__ import annotations

import re

from flask import jsonify

from ..domain.audit import RESULT_OK, RESULT_REFUSED
from ..services import history as history_service
from ..services.history import AuditFilters
from .blueprint import api_user, api_v1
from .inputs import MAX_BIG_INTEGER, QueryArgs
from .serializers import audit_record_json, page_json

# Actions are filtered as given; the pattern only keeps nonsense out of the query.
ACTION_PATTERN = re.compile(r"[a-z_]{1,30}\.[a-z_]{1,29}")


def audit_page_json(page, params):
    items = [audit_record_json(record, page.actor_names) for record in page.items]
    return jsonify(page_json(items, page.next_after, params))


@api_v1.get("/networks/<int:network_id>/history")
def network_history(network_id: int):
    args = QueryArgs()
    after, limit = args.page(maximum_after=MAX_BIG_INTEGER)
    args.done()
    page = history_service.network_history(api_user(), network_id, after=after, limit=limit)
    return audit_page_json(page, {"limit": limit})


@api_v1.get("/audit")
def audit_log():
    args = QueryArgs()
    filters = AuditFilters(
        network_id=args.integer("network"),
        actor_id=args.integer("actor"),
        action=args.pattern("action", ACTION_PATTERN),
        result=args.choice("result", (RESULT_OK, RESULT_REFUSED)),
        date_from=args.day("from"),
        date_to=args.day("to"),
    )
    after, limit = args.page(maximum_after=MAX_BIG_INTEGER)
    args.done()
    page = history_service.audit_log(api_user(), filters, after=after, limit=limit)
    return audit_page_json(page, {
        "network": filters.network_id, "actor": filters.actor_id, "action": filters.action,
        "result": filters.result,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "limit": limit,
    })
