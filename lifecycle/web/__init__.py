"""The HTML interface: one blueprint per feature, registered by `register_web`.

Also installs what all pages share: the login manager, the HTML error pages, the language and
theme in every template, and the vendored NL Design System stylesheets.
"""
from __future__ import annotations

import logging
from flask import Flask, abort, render_template, request, send_from_directory
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..config import THEMES
from ..extensions import login_manager
from ..sessions import load_session_user
from ..domain.errors import DomainError
from .common import domain_error_message, localized
from .request_locale import install_template_gettext, local_date_text, local_datetime_text

log = logging.getLogger(__name__)

ERROR_TITLES = {
    400: _l("The request is not valid"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    409: _l("Conflict"),
    413: _l("The request is too large"),
    500: _l("Something went wrong"),
}


# What /assets/ may serve from node_modules: the component library, the token themes and the
# theme's fonts (send_from_directory refuses paths that climb out of the folder).
VENDOR_ASSET_FOLDERS = (
    "@utrecht/component-library-css/dist/",
    "@nl-design-system-unstable/voorbeeld-design-tokens/dist/",
    "@utrecht/design-tokens/dist/",
    "@fontsource/noto-sans/",
    "@fontsource/noto-serif/",
)
VENDOR_ASSET_TYPES = (".css", ".woff2", ".woff")

# Stylesheets and fonts, the same for everyone; every other answer is marked no-store.
CACHEABLE_ENDPOINTS = frozenset({"static", "vendor_asset"})
# Behind HTTPS (SESSION_COOKIE_SECURE=1) browsers must never use plain HTTP for us again.
HSTS = "max-age=31536000; includeSubDomains"

# Everything the pages use comes from this app; no page needs a script.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'none'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _theme_for_request(app: Flask) -> dict:
    name = app.config["DEFAULT_THEME"]
    if current_user.is_authenticated:
        name = app.config["MUNICIPALITY_THEMES"].get(current_user.municipality.slug, name)
    return {"name": name, **THEMES.get(name, THEMES["voorbeeld"])}


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def register_web(app: Flask) -> None:
    from . import (account, admin, api_reference, auth, composition, dashboard, exchange, health,
                   history, i18n, items, meetings, networks, overview, pages, security, signals)

    login_manager.user_loader(load_session_user)
    # Flashed texts are stored in the server-side session, which holds plain strings only.
    login_manager.localize_callback = str
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    for feature in (auth, i18n, dashboard, networks, composition, meetings, signals, exchange,
                    overview, items, history, account, security, admin, api_reference, pages,
                    health):
        app.register_blueprint(feature.bp)

    @app.route("/assets/<path:filename>")
    def vendor_asset(filename: str):
        """Serve the installed NL Design System CSS and fonts; nothing comes from a CDN."""
        if not filename.startswith(VENDOR_ASSET_FOLDERS) or \
                not filename.endswith(VENDOR_ASSET_TYPES):
            abort(404)
        return send_from_directory(app.config["NODE_MODULES"], filename, max_age=3600)

    @app.context_processor
    def _template_globals():
        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        return {
            "current_locale": locale,
            "languages": app.config["LANGUAGES"],
            "theme": _theme_for_request(app),
        }

    @app.after_request
    def _security_headers(response):
        """Headers a municipal application is expected to send (BIO, the NCSC web guidelines)."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            # Pages and API answers hold personal data: no browser or proxy may keep them.
            response.headers["Cache-Control"] = "no-store"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    install_template_gettext(app)
    # A stored (naive UTC) moment in the user's locale and Europe/Amsterdam time.
    app.add_template_filter(local_datetime_text, "localtime")

    @app.template_filter("machine_time")
    def _machine_time(value) -> str:
        """A stored (naive UTC) moment for <time datetime>: HTML allows at most three digits
        of a second's fraction, and isoformat() writes six."""
        return value.isoformat(timespec="milliseconds") + "Z"

    app.add_template_filter(local_date_text, "localdate")

    app.add_template_global(localized, "localized")

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        if _is_api_request():
            return error
        return render_template("errors/error.html", status=400, title=ERROR_TITLES[400],
                               detail=_l("The form has expired. Go back, reload the page and "
                                         "try again.")), 400

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        """A safety net: a domain error no view handled still gets a clear page, never a 500."""
        if _is_api_request():
            raise error
        status = error.status if error.status in ERROR_TITLES else 400
        return render_template("errors/error.html", status=status, title=ERROR_TITLES[status],
                               detail=domain_error_message(error)), status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api_request():
            return error  # the API blueprint answers with problem+json itself
        status = error.code or 500
        return render_template("errors/error.html", status=status,
                               title=ERROR_TITLES.get(status, error.name), detail=None), status
