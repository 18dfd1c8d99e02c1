"""The API reference page: the OpenAPI contract rendered as plain HTML, in Dutch and English.

Integrators read the routes, parameters, bodies, responses and examples here without any
JavaScript (the Content-Security-Policy forbids scripts, so there is no Swagger UI). The page is
built from the same document `GET /api/v1/openapi.json` serves, so it cannot drift from the
contract; its English texts are marked in the code (`N_`) and translated through the catalogue.
The page is public, like the contract itself: it holds no data, only the API's shape.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..api.contract import openapi_document

bp = Blueprint("api_reference", __name__)
bp.add_app_template_filter(lambda text: prose(text or ""), "prose")

METHODS = ("get", "post", "put", "patch", "delete")
LOCATIONS = {"path": _l("path"), "query": _l("query"), "header": _l("header")}
SUCCESS_PHRASES = {200: _l("OK"), 201: _l("Created"), 204: _l("No content")}


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass
class Response:
    status: int
    phrase: str
    content_type: str | None
    type: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (code, title)
    headers: list[tuple[str, str]] = field(default_factory=list)
    example: str | None = None


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    public: bool
    parameters: list[Parameter]
    body_type: str | None
    body_required: bool
    body_example: str | None
    responses: list[Response]


@dataclass
class Tag:
    anchor: str
    name: str
    description: str
    operations: list[Operation]


@dataclass
class SchemaRow:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Schema:
    anchor: str
    name: str
    rows: list[SchemaRow]


def translated(text: str | None) -> str:
    """A contract text in the user's language (the catalogue holds the English originals)."""
    return _(text) if text else ""


def schema_anchor(name: str) -> str:
    return f"schema-{name}"


def describe(schema: dict[str, Any] | None) -> str:
    """A short readable type: `Network`, `list of text`, `whole number (1 to 200)`, ..."""
    if not schema:
        return _("any JSON value")
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return _(" or ").join(describe(option) for option in schema["oneOf"])
    types = schema.get("type", "object")
    if isinstance(types, list):
        nullable = "null" in types
        base = describe({**schema, "type": next((t for t in types if t != "null"), "object")})
        return _("%(type)s, or null", type=base) if nullable else base
    if types == "array":
        return _("list of %(type)s", type=describe(schema.get("items")))
    words = {"string": _("text"), "integer": _("whole number"), "boolean": _("true or false"),
             "object": _("object"), "number": _("number")}
    text = words.get(types, types)
    details = []
    if schema.get("format") == "date-time":
        details.append(_("date and time, UTC"))
    elif schema.get("format") == "date":
        details.append(_("date, YYYY-MM-DD"))
    if "enum" in schema:
        details.append(_("one of: %(values)s", values=", ".join(map(str, schema["enum"]))))
    if "maxLength" in schema:
        details.append(_("at most %(count)d characters", count=schema["maxLength"]))
    if "minimum" in schema and "maximum" in schema:
        details.append(_("%(low)s to %(high)s", low=schema["minimum"], high=schema["maximum"]))
    if "pattern" in schema and "enum" not in schema:
        details.append(_("pattern %(pattern)s", pattern=schema["pattern"]))
    return f"{text} ({'; '.join(details)})" if details else text


_CODE = re.compile(r"`([^`]+)`")


def prose(text: str) -> list[Markup]:
    """Paragraphs of a contract text, with `code` marked up as code (everything escaped)."""
    return [Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(paragraph))))
            for paragraph in text.split("\n\n") if paragraph.strip()]


def _example(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _responses(operation: dict[str, Any]) -> list[Response]:
    responses = []
    for status_text, response in operation.get("responses", {}).items():
        status = int(status_text)
        content_type, media = next(iter(response.get("content", {}).items()), (None, {}))
        examples = media.get("examples", {})
        problems = [(code, translated(example.get("summary"))) for code, example in
                    examples.items()] if content_type == "application/problem+json" else []
        example = media.get("example")
        responses.append(Response(
            status=status,
            phrase=str(SUCCESS_PHRASES.get(status, HTTPStatus(status).phrase)) if status < 400
            else _("Problem"),
            content_type=content_type, type=describe(media.get("schema")) if media else "",
            problems=problems,
            headers=[(name, translated(header.get("description")))
                     for name, header in response.get("headers", {}).items()],
            example=_example(example) if example is not None else None,
        ))
    return sorted(responses, key=lambda r: r.status)


def _operation(method: str, path: str, operation: dict[str, Any],
               path_parameters: list[dict[str, Any]]) -> Operation:
    parameters = [
        Parameter(p["name"], str(LOCATIONS.get(p["in"], p["in"])), p.get("required", False),
                  describe(p.get("schema")), translated(p.get("description")))
        for p in (*path_parameters, *operation.get("parameters", ()))
    ]
    body = operation.get("requestBody")
    body_media = next(iter(body["content"].values())) if body else {}
    return Operation(
        anchor=operation.get("operationId", f"{method}-{path}"), method=method.upper(),
        path=path, summary=translated(operation.get("summary")),
        description=translated(operation.get("description")),
        public=operation.get("security") == [], parameters=parameters,
        body_type=describe(body_media.get("schema")) if body else None,
        body_required=bool(body and body.get("required", True)),
        body_example=_example(body_media["example"]) if "example" in body_media else None,
        responses=_responses(operation),
    )


def reference(document: dict[str, Any]) -> tuple[list[Tag], list[Schema]]:
    """The document's operations by tag, in its own order, and its schemas."""
    tags = {tag["name"]: Tag(f"tag-{index}", translated(tag["name"]),
                             translated(tag.get("description")), [])
            for index, tag in enumerate(document.get("tags", ()))}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = tags[operation.get("tags", ["?"])[0]]
                tag.operations.append(_operation(method, path, operation,
                                                 item.get("parameters", [])))
    schemas = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", ()))
        schemas.append(Schema(schema_anchor(name), name, [
            SchemaRow(prop, describe(spec), prop in required,
                      translated(spec.get("description")))
            for prop, spec in schema.get("properties", {}).items()]))
    return list(tags.values()), schemas


@bp.get("/api-referentie")
def index():
    document = openapi_document()
    tags, schemas = reference(document)
    return render_template("api_reference/index.html", tags=tags, schemas=schemas,
                           introduction=translated(document["info"].get("description")),
                           version=document["info"]["version"],
                           openapi_version=document["openapi"])
