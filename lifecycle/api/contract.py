"""The API contract: how a route declares its parameters, body, responses and problems.

The JSON API is built on flask-smorest (marshmallow schemas, OpenAPI 3.1 through apispec). It
is an extension on the plain Flask app, so the HTML blueprints and Flask-WTF are untouched. The
same marshmallow schema validates a request and documents it; response schemas serialise and
document the answers. `GET /api/v1/openapi.json` serves the document, `openapi.json` at the top
of the repository is a committed copy, and `flask --app wsgi openapi write` refreshes it.

Declaring a route takes the library's own decorators plus `problems(...)`:

    @networks.route("/networks/<int:network_id>", methods=["PATCH"],
                    summary=N_("Edit a network"))
    @networks.arguments(NetworkPatchSchema)
    @networks.response(200, NetworkSchema, headers=ETAG_HEADER)
    @requires_if_match
    @problems("forbidden", "not-found", "conflict", "read-only")
    def update_network(data, network_id, expected_version): ...

`ApiBlueprint` adds what every operation shares: 401 for routes that need a token, and for a
route with a body 400 (unreadable JSON), 413, 415 and 422. Problems are documented with the
content type `application/problem+json`, one response per status with an example of each
problem type that can answer with it.

Where flask-smorest would reach into the whole app, `VoelsprietApi` holds it back: the library
registers its JSON error handler for every HTTP error of the app, which would turn the HTML
pages' error pages into JSON. Only the API blueprint answers problem+json (see `problems.py`).

Texts in the contract (summaries, descriptions) are English, marked with `N_` so that the
reference page (`lifecycle.web.api_reference`) can show them in Dutch through the catalogue.
"""
from __future__ import annotations

import copy
import json
import re
from functools import wraps
from typing import Any, Callable, Iterable

import click
from flask import Flask, current_app, request
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from ..config import PROJECT_ROOT
from ..domain.errors import ReasonRequired, ValidationFailed
from .problems import PROBLEM_MIMETYPE, PROBLEM_TYPES, Problem
from .texts import N_

API_TITLE = "Voelspriet API"
API_VERSION = "1.0"
OPENAPI_VERSION = "3.1.0"
COMMITTED_CONTRACT = PROJECT_ROOT / "openapi.json"
SECURITY_SCHEME = "bearerToken"

MAX_INTEGER_ID = 2**31 - 1  # the Integer primary keys
MAX_BIG_INTEGER = 2**63 - 1  # the audit sequence numbers
MAX_BODY_BYTES = 1024 * 1024


# --- Reading requests ------------------------------------------------------------------------

# The error codes the API answers in `errors`; a message marshmallow writes itself (English
# prose) is never passed on: `error_code` turns it into one of these.
ERROR_CODES = frozenset({
    "required", "not_text", "not_an_integer", "not_a_date", "not_an_object", "invalid",
    "invalid_choice", "too_long", "out_of_range", "unknown_field", "malformed_json", "taken",
    "in_future",
})


def error_code(message: Any) -> str:
    """The first error code in a marshmallow message (a code, a list, or nested)."""
    if isinstance(message, str):
        return message if message in ERROR_CODES else "invalid"
    if isinstance(message, (list, tuple)) and message:
        return error_code(message[0])
    if isinstance(message, dict) and message:
        return error_code(next(iter(message.values())))
    return "invalid"


def flatten_errors(messages: dict[Any, Any], prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested messages into {"field": code, "nested.field": code}.

    Errors inside a list (keyed by index) count for the list field itself; errors of a nested
    object are named with a dot; errors about the whole body are named `body`.
    """
    flat: dict[str, str] = {}
    for key, message in messages.items():
        name = str(key)
        if key == "_schema":
            name = prefix.rstrip(".") or "body"
            flat[name] = error_code(message)
            continue
        if isinstance(message, dict) and message and all(isinstance(k, str) for k in message):
            flat.update(flatten_errors(message, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = error_code(message)
    return flat


class ApiParser(FlaskParser):
    """webargs' Flask parser, answering in the API's own problem shapes.

    An unreadable body is a 400 problem, a body that is not JSON a 415, and every value that
    breaks the schema a `ValidationFailed` (422) with `errors` per field, exactly as when a
    service finds it. An empty body reads as `{}`, so the schema says what is required.
    """

    DEFAULT_VALIDATION_STATUS = 422

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)  # raises 413 beyond the request's max_content_length
        if not raw.strip():
            return core.missing
        if not is_json_request(req):
            raise Problem("unsupported-media-type",
                          _("Send the request body as JSON, with Content-Type: application/json."))
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise Problem("bad-request", _("The request body is not valid JSON."),
                          errors={"body": "malformed_json"}) from None

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = {}
        for location_messages in error.messages.values():  # {"json": {...}} or {"query": ...}
            messages.update(location_messages if isinstance(location_messages, dict)
                            else {"_schema": location_messages})
        errors = flatten_errors(messages)
        reason_fields = set(getattr(schema, "REASON_FIELDS", ()))
        if reason_fields and set(errors) <= reason_fields and set(errors.values()) == {"required"}:
            # A missing reason is its own documented problem type, whoever notices it.
            raise ReasonRequired("This action needs a reason.", errors=errors)
        raise ValidationFailed("Some fields are not right.", errors=errors)


# --- Documenting problems --------------------------------------------------------------------

def problem_example(code: str, instance: str = "/api/v1/networks/1") -> dict[str, Any]:
    """What a problem of this type looks like, for the contract's examples."""
    problem = PROBLEM_TYPES[code]
    example: dict[str, Any] = {
        "type": f"/api/v1/problems/{code}", "title": problem.title,
        "status": problem.status or 400, "detail": problem.description, "instance": instance,
    }
    example.update(copy.deepcopy(problem.example_members))
    return example


def _problem_responses(codes: Iterable[str]) -> dict[int, dict[str, Any]]:
    """One response per status, with an example of each problem type of that status."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        status = PROBLEM_TYPES[code].status
        by_status.setdefault(status, [])
        if code not in by_status[status]:
            by_status[status].append(code)
    responses = {}
    for status, status_codes in sorted(by_status.items()):
        titles = "; ".join(f"`{code}`: {PROBLEM_TYPES[code].title}" for code in status_codes)
        responses[status] = {
            "description": f"Problem ({titles})",
            "examples": {code: {"summary": PROBLEM_TYPES[code].title,
                                "value": problem_example(code)} for code in status_codes},
        }
    return responses


def problems(*codes: str) -> Callable:
    """Declare the problem types a route answers with, besides the ones every route shares."""
    unknown = [code for code in codes if code not in PROBLEM_TYPES]
    if unknown:
        raise ValueError(f"unknown problem types: {unknown}")

    def decorator(func):
        func._api_problems = tuple(dict.fromkeys((*getattr(func, "_api_problems", ()), *codes)))
        return func

    return decorator


ETAG_HEADER = {"ETag": {
    "description": N_("The network's version as a strong entity tag, e.g. \"3\". Send it back "
                      "in If-Match to edit the network."),
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'}, "example": '"3"'}}
LOCATION_HEADER = {"Location": {
    "description": N_("Where the new object can be read."),
    "schema": {"type": "string", "format": "uri-reference"}, "example": "/api/v1/networks/7"}}

_ETAG = re.compile(r'(W/)?"([0-9]{1,10})"')
IF_MATCH_PARAMETER = {
    "name": "If-Match", "in": "header", "required": True,
    "description": N_("The ETag of the network as you last read it (or `*` to edit whatever "
                      "version is current). If someone else changed the network meanwhile the "
                      "edit is refused with 412, so no change is lost unseen; without this "
                      "header the edit is refused with 428."),
    "schema": {"type": "string", "pattern": '^(\\*|(W/)?"[0-9]{1,10}")$'}, "example": '"3"',
}


def requires_if_match(func: Callable) -> Callable:
    """Read the required If-Match header into `expected_version` (None for `*`).

    Missing answers 428, unreadable 400; a version that is no longer current is the service's
    to refuse (412), under the same lock that guards the write.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        header = request.headers.get("If-Match")
        if header is None or not header.strip():
            raise Problem("precondition-required", _(
                "Send the ETag of the network as you last read it in the If-Match header."))
        header = header.strip()
        match = _ETAG.fullmatch(header)
        if header != "*" and match is None:
            raise Problem("bad-request", _("If-Match must be the ETag of the network."),
                          errors={"If-Match": "invalid"})
        # A version beyond any the database holds is simply not the current one (412).
        kwargs["expected_version"] = None if header == "*" else int(match.group(2))
        return func(*args, **kwargs)

    wrapper._api_problems = (*getattr(func, "_api_problems", ()), "bad-request",
                             "precondition-failed", "precondition-required")
    wrapper._api_parameters = [IF_MATCH_PARAMETER]
    return wrapper


# --- The blueprint and the extension ---------------------------------------------------------

# Path parameters by name, documented the same way on every route that has them.
PATH_PARAMETERS = {
    "network_id": {"description": N_("The id of a network of your municipality."),
                   "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                   "example": 1},
    "item_id": {"description": N_("The id of a checklist item of the network's workflow."),
                "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
                           "maxLength": 120},
                "example": "mandate.sponsor_named"},
    "organisation_id": {"description": N_("The id of an organisation in the network's register."),
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                        "example": 1},
    "member_id": {"description": N_("The id of a person in the network's register."),
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                  "example": 1},
    "meeting_id": {"description": N_("The id of a meeting of the network."),
                   "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                   "example": 1},
    "agreement_id": {"description": N_("The id of an agreement made at one of the network's "
                                       "meetings."),
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                     "example": 1},
    "signal_id": {"description": N_("The id of a signal of the network."),
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                  "example": 1},
    "input_id": {"description": N_("The id of an input for policy of the network."),
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER_ID},
                 "example": 1},
    "code": {"description": N_("The code of a problem type."),
             "schema": {"type": "string", "pattern": "^[a-z][a-z-]*$"},
             "example": "gate-blocked"},
}


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    names = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
    return [{"in": "path", "name": name, "required": True, **PATH_PARAMETERS[name]}
            for name in names]

BODY_PROBLEMS = ("bad-request", "payload-too-large", "unsupported-media-type",
                 "validation-failed")


class ApiBlueprint(SmorestBlueprint):
    """A flask-smorest blueprint of one API feature, documented under its own tag.

    `public=True` marks a feature whose routes need no token (the problem type descriptions).
    """

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, name: str, import_name: str, *, tag: str, description: str,
                 public: bool = False, **kwargs) -> None:
        super().__init__(name, import_name, description=description, **kwargs)
        self.tag = tag
        self.public = public

    def route(self, rule, *, summary: str, description: str | None = None,
              links: dict[int, dict[str, Any]] | None = None, parameters=None, tags=None,
              **options):
        """Register a view with its summary (and description) in the contract.

        The view's name is its `operationId`; `links` maps a success status to OpenAPI links
        from its answer to other operations (clients and schemathesis follow them).
        """
        register = super().route

        def decorator(func):
            codes = list(getattr(func, "_api_problems", ()))
            apidoc = getattr(func, "_apidoc", {})
            if not self.public:
                # A token that is unknown or revoked answers 401; too many of them, 429.
                codes[0:0] = ["unauthorized", "too-many-requests"]
            if any(p["in"] in self.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING
                   for p in apidoc.get("arguments", {}).get("parameters", [])):
                codes.extend(BODY_PROBLEMS)
            elif apidoc.get("arguments"):
                codes.append("validation-failed")
            doc: dict[str, Any] = {"summary": summary, "operationId": func.__name__,
                                   "responses": _problem_responses(dict.fromkeys(codes))}
            if description:
                doc["description"] = description
            if self.public:
                doc["security"] = []
            if getattr(func, "_api_parameters", None):
                doc["parameters"] = list(func._api_parameters)
            documented = self.doc(**doc)(func)
            # The arguments decorator adds a bare 422 of its own; ours has the problem shape.
            documented._apidoc.get("arguments", {}).get("responses", {}).clear()
            for response in documented._apidoc["manual_doc"]["responses"].values():
                response["content"] = {PROBLEM_MIMETYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": response.pop("examples")}}
            for status, status_links in (links or {}).items():
                documented._apidoc["manual_doc"]["responses"][status] = {"links": status_links}
            register(rule, parameters=[*_path_parameters(rule), *(parameters or ())],
                     tags=tags or [self.tag], **options)(documented)
            return func

        return decorator


class VoelsprietApi(Api):
    """flask-smorest's Api, minus its app-wide JSON error handler and default error responses."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        """Leave errors alone: the HTML pages keep their pages, the API blueprint its problems."""

    def _register_responses(self):
        """No generic error responses: every route documents its own problems."""

    def _register_etag_headers(self):
        """The ETag and If-Match headers are documented where they are used (ETAG_HEADER)."""

    def _register_pagination_header(self):
        """Pages are keyset pages with a `next` link, not the library's numbered pages."""

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register the parent blueprint; its features bring their own tags (no parent tag)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)


def api_settings() -> dict[str, Any]:
    """The flask-smorest settings; the document is served at /api/v1/openapi.json."""
    return {
        "API_TITLE": API_TITLE,
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": OPENAPI_VERSION,
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": API_DESCRIPTION},
            "components": {"securitySchemes": {SECURITY_SCHEME: {
                "type": "http", "scheme": "bearer",
                "description": N_("A personal API token, made on the page API tokens or with "
                                  "`flask --app wsgi tokens create EMAIL`."),
            }}},
            "security": [{SECURITY_SCHEME: []}],
        },
    }


API_DESCRIPTION = N_(
    "The JSON API of Voelspriet: the networks of your municipality, their checklists, their "
    "steps through the lifecycle and their audit trail. It uses the same rules as the pages.\n\n"
    "Authenticate with a personal API token: `Authorization: Bearer <token>`. Session cookies "
    "are not accepted. Answers are in the language of `Accept-Language` (Dutch by default).\n\n"
    "Lists answer `{\"items\": [...], \"next\": <url or null>}`; follow `next` for the next "
    "page. Errors answer `application/problem+json` (RFC 9457) with `type`, `title`, "
    "`status` and `detail`; `GET /api/v1/problems` describes every type. Objects of another "
    "municipality answer 404, as if they did not exist.")


def openapi_document(app: Flask | None = None) -> dict[str, Any]:
    """The OpenAPI document the app serves, as a plain dict."""
    app = app or current_app
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def serialise_contract(document: dict[str, Any]) -> str:
    """The committed form of the contract: stable, readable, ending with a newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def contract_differences(served: dict[str, Any], committed: dict[str, Any],
                         path: str = "") -> list[str]:
    """Where two contracts differ, as readable JSON paths (empty when they are the same)."""
    if isinstance(served, dict) and isinstance(committed, dict):
        differences = []
        for key in list(dict.fromkeys((*served, *committed))):
            where = f"{path}/{key}"
            if key not in committed:
                differences.append(f"{where}: served, but not in the committed contract")
            elif key not in served:
                differences.append(f"{where}: committed, but no longer served")
            else:
                differences.extend(contract_differences(served[key], committed[key], where))
        return differences
    if isinstance(served, list) and isinstance(committed, list) and len(served) == len(committed):
        return [d for i, (s, c) in enumerate(zip(served, committed))
                for d in contract_differences(s, c, f"{path}/{i}")]
    return [] if served == committed else [f"{path or '/'}: {committed!r} became {served!r}"]


openapi_cli = AppGroup("openapi", help="Write or print the OpenAPI contract of the JSON API.")


@openapi_cli.command("write")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def write_contract_command(path: str | None) -> None:
    """Write the contract to PATH (default: openapi.json at the top of the repository)."""
    target = path or str(COMMITTED_CONTRACT)
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(serialise_contract(openapi_document()))
    click.echo(target)


@openapi_cli.command("print")
def print_contract_command() -> None:
    """Print the contract on standard output."""
    click.echo(serialise_contract(openapi_document()), nl=False)
