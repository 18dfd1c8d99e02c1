"""Health endpoints for the load balancer and the process manager; neither needs a login.

`GET /healthz` answers 200 while the process can serve a request at all. `GET /readyz` answers
200 only when the database answers and its schema is at the newest migration, and 503
otherwise, so a host that cannot serve yet (or any more) gets no traffic. Neither answer names
versions, revisions or data.
"""
from __future__ import annotations

import logging

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from ..config import PROJECT_ROOT
from ..extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

HEADS_KEY = "voelspriet.migration_heads"


def migration_heads() -> frozenset[str]:
    """The newest revisions in migrations/ (read once per process: they are code)."""
    heads = current_app.extensions.get(HEADS_KEY)
    if heads is None:
        script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
        heads = current_app.extensions[HEADS_KEY] = frozenset(script.get_heads())
    return heads


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        with db.engine.connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        log.warning("not ready: the database does not answer (%s)", type(exc).__name__)
        return jsonify(status="unavailable", reason="database"), 503
    if current != migration_heads():
        log.warning("not ready: the database schema is not at the newest migration")
        return jsonify(status="unavailable", reason="migrations"), 503
    return jsonify(status="ready")
