"""The JSON API under /api/v1: personal bearer tokens, problem+json errors, same services."""
from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    pass
