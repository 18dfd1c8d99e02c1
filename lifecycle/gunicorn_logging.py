"""Gunicorn's access log as one JSON object per line, for the log collector to read as is.

Gunicorn's own `access_log_format` is a printf template: a quote in a path or a user agent
would break JSON written that way. This logger builds each line with `json.dumps` instead, and
adds the request id the app put in the environ (`security_hooks`). The
query string is left out (filters can name people); the path, status, size and duration stay.
"""
from __future__ import annotations

import json
import traceback
from datetime import datetime, timezone

from gunicorn.glogging import Logger


class JsonAccessLogger(Logger):
    """Gunicorn's logger with a JSON access log; everything else as gunicorn does it."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "protocol": environ.get("SERVER_PROTOCOL"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "referer": environ.get("HTTP_REFERER"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            # The request id the app's log lines, audit records and processing log carry.
            "request_id": environ.get("voelspriet.request_id"),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:
            self.error(traceback.format_exc())
