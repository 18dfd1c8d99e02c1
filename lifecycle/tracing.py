"""Trace ids (W3C Trace Context) that tie a request's audit records to its processing log.

Every request gets a trace id: the one in its `traceparent` header when that is well formed,
otherwise a new random one. The CLI starts a new trace per command. The audit trail and the
processing log write the current trace id on every record, so an auditor can follow one request
from "who did it" (audit trail) to "whose data was processed" (processing log) and back. The id
lives in a context variable, so it never leaks from one request into the next.
"""
from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_current: ContextVar[str | None] = ContextVar("trace_id", default=None)


def new_trace_id() -> str:
    return secrets.token_hex(16)


def new_span_id() -> str:
    return secrets.token_hex(8)


def trace_id_from(traceparent: str | None) -> str:
    """The trace id of a `traceparent` header, or a new one when it is absent or malformed."""
    match = _TRACEPARENT.match((traceparent or "").strip().lower())
    if match and match.group(1) != "0" * 32:
        return match.group(1)
    return new_trace_id()


def start_trace(trace_id: str | None = None) -> str:
    """Make `trace_id` (or a new one) the current trace; return it."""
    trace_id = trace_id or new_trace_id()
    _current.set(trace_id)
    return trace_id


def peek_trace_id() -> str | None:
    """The current trace id, or None: for log lines, which must not start a trace themselves."""
    return _current.get()


def current_trace_id() -> str:
    """The current trace id; outside any request or command, a fresh one is started."""
    trace_id = _current.get()
    return trace_id if trace_id is not None else start_trace()
