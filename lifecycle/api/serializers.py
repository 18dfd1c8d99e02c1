"""Turn what the services return into the API's JSON shapes.

Timestamps are UTC in ISO 8601 with a `Z`, written exactly as the audit hash covers them
(`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so an auditor can recompute a record's hash from the API.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request, url_for

from ..domain.audit import format_timestamp
from ..domain.engine import TriggerOption
from ..domain.workflow import Text
from ..models import AuditRecord, Evidence, Network, SignOff, User
from ..services.checklists import ChecklistView, ItemView
from .problems import missing_json


def timestamp(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment is not None else None


def text_json(text: Text) -> dict[str, str]:
    return {"nl": text.nl, "en": text.en}


def person_json(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def network_json(network: Network) -> dict[str, Any]:
    return {
        "id": network.id,
        "name": network.name,
        "municipality": {"id": network.municipality.id, "name": network.municipality.name},
        "goal": network.goal,
        "form": network.form,
        "form_justification": network.form_justification,
        "level": network.level,
        "roles": list(network.roles or []),
        "stage": network.stage,
        "paused_from": network.paused_from,
        "lead": person_json(network.lead),
        "workflow": {"name": network.workflow_name, "version": network.workflow_version},
        "version": network.version,
        "created_at": timestamp(network.created_at),
        "updated_at": timestamp(network.updated_at),
    }


def evidence_json(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {
        "id": evidence.id,
        "justification": evidence.justification,
        "links": list(evidence.links or []),
        "submitted_by": person_json(evidence.submitted_by),
        "submitted_at": timestamp(evidence.submitted_at),
    }


def signoff_json(signoff: SignOff | None) -> dict[str, Any] | None:
    if signoff is None:
        return None
    return {
        "id": signoff.id,
        "decision": signoff.decision,
        "comment": signoff.comment,
        "reviewer": person_json(signoff.reviewer),
        "decided_at": timestamp(signoff.decided_at),
    }


def item_json(view: ItemView) -> dict[str, Any]:
    """One checklist item with its status, current evidence and current sign-off."""
    item, state = view.item, view.state
    satisfied = view.auto_ok if item.is_auto else view.status == "approved"
    return {
        "id": item.id,
        "checklist": item.checklist,
        "title": text_json(item.title),
        "question": text_json(item.question),
        "required": item.required,
        "check": item.check,
        "status": view.status,
        "satisfied": bool(satisfied),
        "evidence": evidence_json(state.evidence if state else None),
        "signoff": signoff_json(state.signoff if state else None),
        "updated_at": timestamp(state.updated_at if state else None),
    }


def checklist_json(view: ChecklistView) -> dict[str, Any]:
    return {
        "id": view.checklist.id,
        "title": text_json(view.checklist.title),
        "done": view.done,
        "total": len(view.items),
        "items": [item_json(item) for item in view.items],
    }


def trigger_option_json(option: TriggerOption) -> dict[str, Any]:
    return {
        "trigger": option.id,
        "title": text_json(option.trigger.title),
        "dest": option.dest,
        "available": option.available,
        "reason_required": option.trigger.reason_required,
        "missing": [missing_json(m) for m in option.missing],
    }


def audit_record_json(record: AuditRecord, actor_names: dict[int, str]) -> dict[str, Any]:
    actor = None
    if record.actor_id is not None:
        actor = {"id": record.actor_id, "name": actor_names.get(record.actor_id)}
    return {
        "seq": record.seq,
        "occurred_at": timestamp(record.occurred_at),
        "actor": actor,
        "municipality_id": record.municipality_id,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "network_id": record.network_id,
        "action": record.action,
        "result": record.result,
        "origin": record.origin,
        "before": record.before,
        "after": record.after,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def page_json(items: list[dict[str, Any]], next_after: int | None,
              params: dict[str, Any]) -> dict[str, Any]:
    """A keyset page; `next` repeats the request's parsed filters and limit with a new `after`.

    Only the parsed `params` are carried over, never raw query keys: `url_for` would read a
    key such as `_scheme` or `_external` as an instruction.
    """
    next_url = None
    if next_after is not None:
        query = {key: value for key, value in params.items() if value is not None}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **query,
                           after=next_after)
    return {"items": items, "next": next_url}
