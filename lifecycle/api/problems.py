"""Problem details (RFC 9457) for the JSON API: the known problem types and the error handlers.

Every error under `/api/` answers `application/problem+json` with `type`, `title`, `status`,
`detail` and `instance`. `type` is `/api/v1/problems/<code>`, where `code` is the `code` of the
`DomainError` a service raised (`gate-blocked`, `four-eyes`, ...) or the code of an HTTP error
(`unauthorized`, `method-not-allowed`, ...). `GET /api/v1/problems/<code>` describes each type,
so every type URI resolves. Extension members: `missing` for a blocked gate, `errors` for
invalid input, and the domain error's own details (trigger, stage, ...).

The handlers are registered on the API blueprint only, by class and by every HTTP status code:
Flask prefers an app-wide handler registered for a status code over a blueprint handler
registered for an exception class, and the HTML app has its own handlers. Routing errors
(unknown path, wrong method) happen before any blueprint is known, so an app-level
`before_request` hook answers those, and only for paths under `/api/`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import RequestRedirect

from ..domain.errors import DomainError, GateBlocked, MissingItem, ValidationFailed
from .texts import N_

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
API_PATH_PREFIX = "/api/"
# Members a problem always has; a domain error's details never overwrite them.
# What RFC 3986 allows unescaped in a path; everything else in `instance` is percent-encoded.
URI_PATH_CHARACTERS = "/!$&'()*+,;=:@-._~"
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
# The item rules report the item's own status as `status`, which is the HTTP status here.
RENAMED_DETAILS = {"status": "item_status"}


@dataclass(frozen=True)
class ProblemType:
    """One documented kind of problem; `status` is None when it varies (other HTTP errors).

    `title` and `description` are English, as in the contract; answers translate them.
    `example_members` are the extension members an example of this problem shows.
    """

    code: str
    status: int | None
    title: str
    description: str
    example_members: dict[str, Any] = field(default_factory=dict)


PROBLEM_TYPES: dict[str, ProblemType] = {problem.code: problem for problem in (
    ProblemType("bad-request", 400, N_("Bad request"), N_(
        "The request could not be read: the body is not valid JSON, or a header such as "
        "If-Match is malformed. See `errors`."), {"errors": {"body": "malformed_json"}}),
    ProblemType("domain-error", 400, N_("Request refused"), N_(
        "A rule refused the request; the detail says which.")),
    ProblemType("unauthorized", 401, N_("Not authenticated"), N_(
        "Send a valid personal API token in the header 'Authorization: Bearer <token>'. "
        "Session cookies are not accepted by the API.")),
    ProblemType("forbidden", 403, N_("Not allowed"), N_(
        "Your role, or your relation to this network, does not permit this action.")),
    ProblemType("four-eyes", 403, N_("Four-eyes principle"), N_(
        "Nobody signs off an item of a network they lead, nor evidence they submitted "
        "themselves.")),
    ProblemType("last-administrator", 403, N_("Last administrator"), N_(
        "A municipality keeps at least one active administrator; appoint another one first.")),
    ProblemType("own-admin-role", 403, N_("Own administrator rights"), N_(
        "Administrators do not take away their own administrator rights.")),
    ProblemType("not-found", 404, N_("Not found"), N_(
        "There is no such object or route, or it is outside your municipality.")),
    ProblemType("method-not-allowed", 405, N_("Method not allowed"), N_(
        "This route does not accept this HTTP method; the Allow header lists those it does.")),
    ProblemType("invalid-transition", 409, N_("Step not possible"), N_(
        "The step or action is unknown, or not possible in the current stage or status."),
        {"trigger": "expand", "stage": "orientation"}),
    ProblemType("gate-blocked", 409, N_("Gate not signed off"), N_(
        "Required checklist items of the step's gate are not signed off. `missing` lists each "
        "one as {checklist, item, reason}."),
        {"trigger": "start_core", "stage": "orientation", "missing": [
            {"checklist": "mandate", "item": "mandate.sponsor_named",
             "reason": "awaiting_signoff"}]}),
    ProblemType("conflict", 409, N_("Changed meanwhile"), N_(
        "Someone else changed this object first. Reload it and try again.")),
    ProblemType("growth-limit", 409, N_("Start small, grow slowly"), N_(
        "Activating this member would grow the network faster than its workflow allows: the "
        "small core has its maximum size, or the quarter's growth is used up. `limit` names "
        "which, with `maximum` and `count`."),
        {"limit": "max_core_size", "maximum": 12, "count": 12}),
    ProblemType("read-only", 409, N_("Read-only"), N_(
        "The object can no longer change, for example a closed network.")),
    ProblemType("precondition-failed", 412, N_("Version no longer current"), N_(
        "The If-Match header names a version that is no longer current: someone else changed "
        "the object since you read it. Read it again, and edit with its new ETag.")),
    ProblemType("payload-too-large", 413, N_("Request body too large"), N_(
        "The request body is larger than the API accepts.")),
    ProblemType("unsupported-media-type", 415, N_("Unsupported media type"), N_(
        "Send the request body as JSON, with Content-Type: application/json.")),
    ProblemType("validation-failed", 422, N_("Invalid input"), N_(
        "The request is well-formed but some values break a rule. `errors` maps each field to "
        "a code such as required, not_text, not_an_integer, not_a_date, invalid_choice, "
        "too_long, out_of_range, invalid or unknown_field."),
        {"errors": {"name": "required", "colour": "unknown_field"}}),
    ProblemType("reason-required", 422, N_("Reason required"), N_(
        "This action needs a reason or comment, and none was given. See `errors`."),
        {"errors": {"reason": "required"}}),
    ProblemType("precondition-required", 428, N_("If-Match required"), N_(
        "This edit needs the If-Match header with the ETag of the object as you last read it, "
        "so that no change made meanwhile is lost.")),
    ProblemType("too-many-requests", 429, N_("Too many failed attempts"), N_(
        "Too many requests with an unknown or revoked token came from this address or for "
        "this account. Wait the number of seconds in the Retry-After header.")),
    ProblemType("internal-error", 500, N_("Internal error"), N_(
        "Something unexpected went wrong on our side. It has been logged.")),
    ProblemType("http-error", None, N_("HTTP error"), N_(
        "Another HTTP error; `status` gives its code.")),
)}

HTTP_STATUS_CODES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 409: "conflict", 412: "precondition-failed",
    413: "payload-too-large", 415: "unsupported-media-type", 422: "validation-failed",
    428: "precondition-required", 429: "too-many-requests", 500: "internal-error",
}

# Our own wording for the HTTP errors a client meets; werkzeug's texts are meant for browsers.
HTTP_DETAILS = {
    404: _l("There is no such route in the API, or no such object."),
    405: _l("This route does not accept this HTTP method; see the Allow header."),
    413: _l("The request body is too large."),
}

BEARER_CHALLENGE = 'Bearer realm="voelspriet"'


class Problem(Exception):
    """An error the API layer itself finds (unreadable body, bad query, missing token)."""

    def __init__(self, code: str, detail: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None, **members: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.status = status or PROBLEM_TYPES[code].status or 400
        self.detail = detail
        self.headers = headers or {}
        self.members = members


def problem_type_url(code: str) -> str:
    return url_for("api_v1.meta.problem_type", code=code)


def problem_response(code: str, status: int, detail: str, *,
                     headers: dict[str, str] | None = None,
                     members: dict[str, Any] | None = None) -> Response:
    """Build one problem+json response; `members` are its extension members."""
    known = PROBLEM_TYPES.get(code)
    body = {key: value for key, value in (members or {}).items() if key not in STANDARD_MEMBERS}
    body.update({
        "type": problem_type_url(code),
        "title": _(known.title if known else PROBLEM_TYPES["http-error"].title),
        "status": status,
        "detail": str(detail),
        "instance": quote(request.path, safe=URI_PATH_CHARACTERS),
    })
    response = current_app.response_class(current_app.json.dumps(body), status=status,
                                          mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    return response


def missing_json(missing: MissingItem) -> dict[str, str]:
    return {"checklist": missing.checklist, "item": missing.item, "reason": missing.reason}


def _json_safe(value: Any) -> bool:
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v) for k, v in value.items())
    return False


def domain_problem(exc: DomainError) -> Response:
    """Answer a refusal from the services with its own status and code."""
    members = {RENAMED_DETAILS.get(key, key): value for key, value in exc.details.items()
               if _json_safe(value)}
    if isinstance(exc, ValidationFailed):
        members["errors"] = dict(exc.errors)
    if isinstance(exc, GateBlocked):
        members["missing"] = [missing_json(m) for m in exc.missing]
    return problem_response(exc.code, exc.status, exc.message, members=members)


def api_problem(exc: Problem) -> Response:
    return problem_response(exc.code, exc.status, exc.detail, headers=exc.headers,
                            members=exc.members)


def http_problem(exc: HTTPException) -> Response:
    """Answer an HTTP error (404, 405, 413, ...) as a problem, keeping headers such as Allow."""
    status = exc.code or 500
    headers = {key: value for key, value in exc.get_headers()
               if key.lower() not in ("content-type", "content-length")}
    if status == 401:
        headers.setdefault("WWW-Authenticate", BEARER_CHALLENGE)
    detail = HTTP_DETAILS.get(status) or exc.description or exc.name
    return problem_response(HTTP_STATUS_CODES.get(status, "http-error"), status, str(detail),
                            headers=headers)


def unexpected_problem(exc: Exception) -> Response:
    """The last resort: log the bug and answer 500 without a traceback."""
    log.exception("unexpected error in API request %s %s", request.method, request.path)
    return problem_response("internal-error", 500, _(
        "Something unexpected went wrong. It has been logged; please try again later."))


def is_api_path() -> bool:
    return request.path.startswith(API_PATH_PREFIX) or request.path == API_PATH_PREFIX[:-1]


def answer_api_routing_errors() -> Response | None:
    """An unknown path or a wrong method under /api/ answers problem+json, not HTML."""
    exc = request.routing_exception
    if exc is None or isinstance(exc, RequestRedirect) or not is_api_path():
        return None
    return http_problem(exc)


def register_problem_handlers(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(Problem, api_problem)
    blueprint.register_error_handler(DomainError, domain_problem)
    blueprint.register_error_handler(HTTPException, http_problem)
    for status in default_exceptions:
        blueprint.register_error_handler(status, http_problem)
    blueprint.register_error_handler(Exception, unexpected_problem)


def install_routing_hook(app: Flask) -> None:
    # First in line: another app-wide hook must not turn an API 404 into an HTML page.
    app.before_request_funcs.setdefault(None, []).insert(0, answer_api_routing_errors)
