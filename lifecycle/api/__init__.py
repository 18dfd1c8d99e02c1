"""The JSON API under /api/v1: personal bearer tokens, problem+json errors, same services.

Handlers stay thin: the schemas read and check the input, the handler calls one service
(writes inside one `write_transaction()`), and a response schema turns the result into JSON.
Every refusal from a service is a `DomainError`, which `problems` answers with its status and
code. `contract` explains how a route declares itself; `FEATURES` lists the blueprints.
"""
from __future__ import annotations

from flask import Flask

from ..extensions import csrf
from .attention import attention
from .blueprint import api_v1
from .checklists import EvidenceInputSchema, checklists
from .contract import VoelsprietApi, api_settings, openapi_cli
from .feedback import feedback
from .history import history
from .lifecycle import lifecycle
from .meetings import meetings
from .meta import meta
from .networks import networks
from .problems import install_routing_hook
from .registers import registers
from .schemas import ProblemSchema
from .signals import signals

FEATURES = (networks, checklists, lifecycle, registers, meetings, signals, feedback, attention,
            history, meta)

for _feature in FEATURES:
    api_v1.register_blueprint(_feature)


def register_api(app: Flask) -> None:
    """Mount the API and build its contract; CSRF does not apply to bearer-token requests.

    The flask-smorest `Api` holds the app's OpenAPI document, so each app gets its own.
    """
    for key, value in api_settings().items():
        app.config.setdefault(key, value)
    api = VoelsprietApi(app)
    api.spec.components.schema("Problem", schema=ProblemSchema)
    api.spec.components.schema("EvidenceInput", schema=EvidenceInputSchema)
    for feature in FEATURES:
        api.spec.tag({"name": feature.tag, "description": feature.description})
    for blueprint in (api_v1, *FEATURES):  # Flask-WTF looks up the innermost blueprint
        csrf.exempt(blueprint)
    api.register_blueprint(api_v1)
    app.cli.add_command(openapi_cli)  # ours, in place of the library's: see contract.py
    install_routing_hook(app)
