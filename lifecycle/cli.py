"""Command-line administration: users, tokens, demo data and audit verification."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    pass
