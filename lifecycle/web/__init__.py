"""The HTML interface: one blueprint per feature, registered by `register_web`."""
from __future__ import annotations

from flask import Flask

from ..extensions import db, login_manager
from ..models import User


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def register_web(app: Flask) -> None:
    login_manager.login_view = "auth.login"
