"""The `api_v1` blueprint and what every API request goes through before its handler.

`api_v1` is the parent of the feature blueprints (networks, checklists, lifecycle, audit trail,
problem types); it owns the URL prefix, authentication and the problem+json error handlers, so
each feature only declares its routes.

Authentication is by personal API token only: `Authorization: Bearer <token>`. A session
cookie is ignored, so a page in the user's browser can never act through the API on their
behalf (which is also why the blueprint is exempt from CSRF). The user lives in `flask.g` for
this request only; Flask-Login's session is never touched.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from ..domain.errors import NotFound, TooManyAttempts
from ..models import User
from ..services.accounts import user_for_token
from .contract import MAX_BODY_BYTES, MAX_INTEGER_ID, ApiBlueprint
from ..services.throttling import refuse_token
from ..services.security_events import record_token_refusal
from ..security_hooks import route_of_request
from ..services.uow import write_transaction
from .problems import BEARER_CHALLENGE, Problem, register_problem_handlers

log = logging.getLogger(__name__)

api_v1 = ApiBlueprint("api_v1", __name__, url_prefix="/api/v1", tag="Voelspriet",
                      description="Voelspriet API version 1")
register_problem_handlers(api_v1)


def feature_blueprint(name: str, *, tag: str, description: str,
                      public: bool = False) -> ApiBlueprint:
    """A blueprint for one feature of the API, mounted under `api_v1` by `register_api`."""
    return ApiBlueprint(name, __name__, tag=tag, description=description, public=public)


def api_user() -> User:
    """The user the request's token belongs to (set by `authenticate_request`)."""
    return g.api_user


def bearer_token() -> str | None:
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _is_public_endpoint() -> bool:
    """Routes of a feature declared public (the problem types) need no token."""
    return bool(getattr(current_app.blueprints.get(request.blueprint or ""), "public", False))


@api_v1.before_request
def authenticate_request() -> None:
    """Resolve the bearer token to a user, or answer 401."""
    g.api_user = None
    request.max_content_length = MAX_BODY_BYTES
    if _is_public_endpoint():
        return
    token = bearer_token()
    if token is None:
        raise Problem("unauthorized",
                      _("Send your personal API token as 'Authorization: Bearer <token>'."),
                      headers={"WWW-Authenticate": BEARER_CHALLENGE})
    user = user_for_token(token)
    if user is None:
        log.info("API request with an unknown or revoked token",
                 extra={"origin": request.remote_addr, "route": route_of_request()})
        try:
            with write_transaction():  # counted, and audited once per window when throttled
                record_token_refusal(token, origin=request.remote_addr,
                                     route=route_of_request())
                refuse_token(token, origin=request.remote_addr)
        except TooManyAttempts as exc:
            raise Problem("too-many-requests", _(
                "Too many requests with an unknown or revoked token. Try again in %(seconds)d "
                "seconds.", seconds=exc.retry_after),
                headers={"Retry-After": str(exc.retry_after)}) from None
        raise Problem("unauthorized", _("This API token is unknown or has been revoked."),
                      headers={"WWW-Authenticate": BEARER_CHALLENGE + ', error="invalid_token"'})
    g.api_user = user


@api_v1.before_request
def refuse_impossible_ids() -> None:
    """A path id beyond the database's integer range names nothing: 404, never a DB error."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > MAX_INTEGER_ID:
            raise NotFound("No such object.")


@api_v1.after_request
def never_cache(response: Response) -> Response:
    # Answers hold personal and audit data, and they differ per token.
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Authorization")
    return response


def next_link(next_after: int | None, params: dict[str, Any]) -> str | None:
    """The URL of the next keyset page: the request's parsed filters and limit, a new `after`.

    Only parsed `params` are carried over, never raw query keys: `url_for` would read a key
    such as `_scheme` or `_external` as an instruction.
    """
    if next_after is None:
        return None
    query = {key: value for key, value in params.items() if value is not None}
    return url_for(request.endpoint, **(request.view_args or {}), **query, after=next_after)


def origin() -> str | None:
    """The address a request came from, as the audit trail records it."""
    return request.remote_addr


def etag(obj) -> str:
    """The ETag of a versioned row: its version number, quoted."""
    return f'"{obj.version}"'


def dumped(schema, value, status: int = 200, headers: dict[str, str] | None = None):
    """Serialise inside the caller's transaction (a read of personal data commits after it)."""
    response = jsonify(schema.dump(value))
    response.status_code = status
    response.headers.update(headers or {})
    return response
