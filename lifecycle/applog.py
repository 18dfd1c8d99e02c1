"""The application log: one JSON object per line (python-json-logger), with the request id.

Every line carries `request_id`, the trace id of the request or command it was written in —
the same id the audit records and the processing log's lines carry — so one request can be
followed from the log to the trail and back. Values go into the line as JSON fields (the
message's `%s` arguments and `extra=`), so a newline or a quote in a value can never start a
forged line. Nothing here adds secrets; see SECURITY.md on what is never logged.
"""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from .tracing import peek_trace_id

HANDLER_NAME = "voelspriet-json"


class RequestJsonFormatter(JsonFormatter):
    """JSON lines with the time, level, logger, message and request id on every line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level",
                                        "name": "logger"},
                         json_ensure_ascii=False)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["request_id"] = peek_trace_id()


def configure_logging(level: str = "INFO") -> None:
    """Send the root logger's lines to standard error as JSON (once per process)."""
    root = logging.getLogger()
    if any(getattr(handler, "name", None) == HANDLER_NAME for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.name = HANDLER_NAME
    handler.setFormatter(RequestJsonFormatter())
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
