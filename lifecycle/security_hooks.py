"""What every request goes through for accountability: a request id, and refusals recorded.

- Before each request: its trace id (from a well-formed `traceparent` header, else new) becomes
  the request id of every log line, audit record and processing-log line it writes; it is sent
  back as `X-Request-Id` and left in the WSGI environ for gunicorn's access log.
- After each request: a 403, and a 404 given because the object lies in another municipality,
  go to the audit trail with result `refused` and the route (flood-bounded, see
  `services.security_events`), unless the domain's own refusal record was written already.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from flask_login import current_user

from .extensions import db
from .services.security_events import (FORBIDDEN, OUT_OF_SCOPE, out_of_scope_note,
                                       record_refusal, refusal_recorded, reset_request_notes)
from .services.uow import write_transaction
from .tracing import start_trace, trace_id_from

log = logging.getLogger(__name__)

REQUEST_ID_ENVIRON = "voelspriet.request_id"
UNRECORDED_ENDPOINTS = frozenset({"static", "vendor_asset"})


def route_of_request() -> str:
    """The method and URL rule (never the concrete path or query, which could name someone)."""
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    return f"{request.method} {rule}"


def acting_user():
    """The user of this request: the API token's, or the logged-in session's, or None."""
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    return user


def _start_request() -> None:
    trace_id = start_trace(trace_id_from(request.headers.get("traceparent")))
    reset_request_notes()
    request.environ[REQUEST_ID_ENVIRON] = trace_id


def _record_refused_request(response: Response) -> Response:
    status = response.status_code
    if status not in (403, 404) or request.endpoint in UNRECORDED_ENDPOINTS:
        return response
    note = out_of_scope_note()
    if (status == 404 and note is None) or (status == 403 and refusal_recorded()):
        return response
    user = acting_user()
    try:
        db.session.rollback()  # nothing of a refused request is kept, except this record
        with write_transaction():
            record_refusal(
                action=OUT_OF_SCOPE if status == 404 else FORBIDDEN, route=route_of_request(),
                status=status, municipality_id=user.municipality_id if user else None,
                actor_id=user.id if user else None, origin=request.remote_addr,
                object_type=note["object_type"] if note else "request",
                object_id=note["object_id"] if note else None)
    except Exception:  # the answer still goes out; the failure is in the log
        db.session.rollback()
        log.exception("could not record a refused request in the audit trail",
                      extra={"route": route_of_request(), "status": status})
    return response


def install_security_hooks(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)

    @app.after_request
    def _after(response: Response) -> Response:
        response = _record_refused_request(response)
        response.headers.setdefault("X-Request-Id", request.environ.get(REQUEST_ID_ENVIRON, ""))
        return response
