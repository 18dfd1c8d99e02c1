"""The JSON API under /api/v1: personal bearer tokens, problem+json errors, same services.

Handlers stay thin: read and check the input, call one service (writes inside one
`write_transaction()`), and turn the result into JSON with `serializers`. Every refusal from a
service is a `DomainError`, which `problems` answers with its status and code.
"""
from __future__ import annotations

from flask import Flask

from ..extensions import csrf
from . import history, items, meta, networks, stages  # noqa: F401  (they add the routes)
from .blueprint import api_v1
from .problems import install_routing_hook


def register_api(app: Flask) -> None:
    """Mount the API blueprint; it authenticates by bearer token, so CSRF does not apply."""
    csrf.exempt(api_v1)
    app.register_blueprint(api_v1)
    install_routing_hook(app)
