"""Voelspriet: workflow and case management for municipal key-figure networks.

`create_app(config=None)` builds the Flask app: configuration, extensions, workflow
definitions, blueprints and CLI commands. Nothing is kept in the process between requests, so
any number of workers on any number of hosts can serve one PostgreSQL database.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PROJECT_ROOT, load_config
from .database import configure_engine
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate

log = logging.getLogger(__name__)


def select_locale() -> str:
    """The language: the session's explicit choice (pages) or Accept-Language (API), else Dutch."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands have no session to choose a language in
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # API clients have no session; they say what they want in the standard header.
        return request.accept_languages.best_match(languages) or \
            current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build and configure a Voelspriet app; `config` overrides settings (tests use this)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.update(config)
    from .applog import configure_logging

    configure_logging(app.config["LOG_LEVEL"])
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    # A broken workflow definition stops startup here, naming the file and the place in it.
    from .services.workflows import install_definitions

    install_definitions(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PROJECT_ROOT / "translations"))
    login_manager.init_app(app)
    mail.init_app(app)
    with app.app_context():
        configure_engine(db.engine, synchronous=app.config["SQLITE_SYNCHRONOUS"])
    # Throttling counters and sessions: shared in Redis when there is one, else local.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    from .sessions import init_sessions

    init_sessions(app)

    from .web import register_web
    from .api import register_api
    from .cli import register_cli

    register_web(app)
    register_api(app)
    register_cli(app)
    from .security_hooks import install_security_hooks

    install_security_hooks(app)
    return app


def client_origin() -> str | None:
    """The address a request came from, as recorded in the audit trail."""
    return request.remote_addr if request else None
