"""The marshmallow building blocks of the API contract, shared by every feature.

`ApiSchema` makes every validation error an error code (`required`, `not_text`,
`invalid_choice`, `too_long`, `unknown_field`, ...) instead of marshmallow's English prose, so
the 422 answer `errors: {field: code}` is the same whether the schema or a service refused a
value. The field helpers (`text`, `choice`, `integer_id`, ...) carry the limits the services
enforce, taken from the services' own constants, so the contract documents the real rules.

Timestamps are UTC in ISO 8601 with a `Z`, written exactly as the audit hash covers them
(`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so an auditor can recompute a record's hash from the API.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

import marshmallow as ma
from marshmallow import fields, validate

from ..domain.audit import format_timestamp
from .problems import PROBLEM_TYPES
from .texts import N_

MAX_INTEGER_ID = 2**31 - 1  # the Integer primary keys
MAX_BIG_INTEGER = 2**63 - 1  # the audit sequence numbers
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# What a field type's own messages mean, as the API's error codes.
_INVALID_CODE_BY_FIELD = (
    (fields.String, "not_text"),
    (fields.Integer, "not_an_integer"),
    (fields.Date, "not_a_date"),
    (fields.Nested, "not_an_object"),
)
_CODE_BY_KEY = {"required": "required", "null": "required", "too_large": "out_of_range",
                "validator_failed": "invalid"}


def _code_for(field: fields.Field, key: str) -> str:
    if key in _CODE_BY_KEY:
        return _CODE_BY_KEY[key]
    for field_type, code in _INVALID_CODE_BY_FIELD:
        if isinstance(field, field_type):
            return code
    return "invalid"


def use_error_codes(field: fields.Field) -> None:
    """Replace the field's English default messages by codes; explicit codes stay."""
    from .contract import ERROR_CODES

    field.error_messages = {
        key: message if message in ERROR_CODES else _code_for(field, key)
        for key, message in field.error_messages.items()
    }
    inner = getattr(field, "inner", None)
    if inner is not None:
        use_error_codes(inner)
        if inner.error_messages.get("null") == "required":
            inner.error_messages["null"] = "invalid"  # a null inside a list is not a gap


class ApiSchema(ma.Schema):
    """Base of every API schema: unknown fields are refused, every error is a code."""

    error_messages = {"unknown": "unknown_field", "type": "not_an_object"}

    class Meta:
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        use_error_codes(field_obj)


class QuerySchema(ApiSchema):
    """Query parameters: others than the declared ones are ignored, as HTTP clients expect."""

    class Meta:
        unknown = ma.EXCLUDE


# --- Validators that carry our error codes --------------------------------------------------

# Exactly the characters Python's str.strip() removes (str.isspace()), spelt out: `\s` means
# other things in JSON Schema's (ECMAScript) patterns than in Python's.
UNICODE_SPACES = r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0" + UNICODE_SPACES


class TextRules(validate.Validator):
    """A text the database can store: no NUL or lone surrogates, and not blank if required.

    `regex` documents the same rule as a JSON Schema `pattern` (apispec reads it).
    """

    def __init__(self, *, blank: bool) -> None:
        self.blank = blank
        self.regex = re.compile(r"^[^\u0000]*$" if blank else
                                rf"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$")

    def __call__(self, value: str) -> str:
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            raise ma.ValidationError("invalid")
        if not self.blank and not value.strip():
            raise ma.ValidationError("required")
        return value


class _Length(validate.Length):
    """Length with our codes: shorter than the minimum is `required`, longer `too_long`."""

    def __call__(self, value):
        if self.min is not None and len(value) < self.min:
            raise ma.ValidationError("required")
        if self.max is not None and len(value) > self.max:
            raise ma.ValidationError("too_long")
        return value


def identifier(*, pattern: str, required: bool = False, description: str = "",
               example: Any = None, **kwargs: Any) -> fields.String:
    """A name out of the workflow (a trigger, a stage): empty is `required`, odd is `invalid`."""
    return fields.String(required=required, metadata=_metadata(description, example),
                         validate=[_Length(min=1, max=80),
                                   validate.Regexp(pattern, error="invalid")], **kwargs)


def _metadata(description: str, example: Any, **extra: Any) -> dict[str, Any]:
    metadata = {"description": description, **extra}
    if example is not None:
        metadata["example"] = example
    return metadata


def text(*, max_length: int, required: bool = False, blank: bool = False,
         allow_none: bool = False, description: str = "", example: Any = None,
         **kwargs: Any) -> fields.String:
    """A text field up to `max_length` characters; `blank=False` refuses an empty text."""
    return fields.String(
        required=required, allow_none=allow_none, metadata=_metadata(description, example),
        validate=[_Length(min=None if blank else 1, max=max_length), TextRules(blank=blank)],
        **kwargs)


def choice(values: Iterable[str], *, required: bool = False, description: str = "",
           example: Any = None, **kwargs: Any) -> fields.String:
    """One value out of a fixed list."""
    return fields.String(required=required,
                         validate=validate.OneOf(list(values), error="invalid_choice"),
                         error_messages={"invalid": "invalid_choice"},
                         metadata=_metadata(description, example), **kwargs)


def _each_once(values: list) -> list:
    if len(set(values)) != len(values):
        raise ma.ValidationError("invalid_choice")
    return values


def choice_list(values: Iterable[str], *, description: str = "", example: Any = None,
                **kwargs: Any) -> fields.List:
    """Several values out of a fixed list (each at most once)."""
    return fields.List(choice(values), error_messages={"invalid": "invalid_choice"},
                       validate=_each_once,
                       metadata=_metadata(description, example, uniqueItems=True), **kwargs)


class QueryInteger(fields.Integer):
    """A whole number in a query string: plain ASCII digits only (no "+5", " 5" or "٥")."""

    _DIGITS = re.compile(r"-?[0-9]{1,40}")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self._DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        return int(value)


def integer(*, minimum: int = 0, maximum: int = MAX_INTEGER_ID, in_query: bool = False,
            description: str = "", example: Any = None, **kwargs: Any) -> fields.Integer:
    """A whole number in a range a database column can hold (in a body, or in the query)."""
    field_type = QueryInteger if in_query else fields.Integer
    return field_type(strict=True, metadata=_metadata(description, example),
                      validate=validate.Range(min=minimum, max=maximum, error="out_of_range"),
                      **kwargs)


def integer_id(*, description: str = "", example: Any = None, **kwargs: Any) -> fields.Integer:
    """The id of an object: any wrong value is simply `invalid` (the service says who it is)."""
    field = fields.Integer(strict=True, metadata=_metadata(description, example),
                           validate=validate.Range(min=1, max=MAX_INTEGER_ID, error="invalid"),
                           **kwargs)
    field.error_messages = {key: "invalid" for key in field.error_messages}
    field.error_messages["required"] = "required"
    return field


class Timestamp(fields.DateTime):
    """A stored (naive UTC) moment, written as the audit hash writes it."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_timestamp(value)


def timestamp(**kwargs: Any) -> Timestamp:
    kwargs.setdefault("metadata", {}).setdefault("example", "2026-03-12T09:30:00.000000Z")
    return Timestamp(**kwargs)


class Day(fields.Date):
    """A calendar day written exactly as YYYY-MM-DD (no other ISO 8601 spellings)."""

    _DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self._DAY.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# The years 1900 to 9998, as a pattern: a day at the edge of the calendar cannot be shifted to
# UTC, and no record is that old or that new. JSON Schema has no bounds for dates but this.
YEARS_1900_TO_9998 = r"^(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"


# The days a body may hold (see YEARS_1900_TO_9998): `day(**DAY_BOUNDS, ...)`.
DAY_BOUNDS = {"earliest": date(1900, 1, 1), "latest": date(9998, 12, 31)}


def day(*, earliest: date, latest: date, description: str = "", **kwargs: Any) -> Day:
    """A day within bounds (the bounds are documented as the pattern of the years)."""
    return Day(metadata={"description": description, "example": "2026-03-12",
                         "pattern": YEARS_1900_TO_9998},
               validate=validate.Range(min=earliest, max=latest, error="out_of_range"), **kwargs)


# --- Schemas every feature uses --------------------------------------------------------------

class TextSchema(ApiSchema):
    """A text of the workflow definition, in Dutch and English."""

    nl = fields.String(required=True, metadata={"example": "Kleine kern"})
    en = fields.String(required=True, metadata={"example": "Small core"})


class PersonRefSchema(ApiSchema):
    """A user, by id and display name."""

    id = fields.Integer(required=True, metadata={"example": 3})
    name = fields.String(required=True, allow_none=True,
                         metadata={"example": "Sanne Hermans",
                                   "description": N_("Null when the user's data was erased.")})


class MissingItemSchema(ApiSchema):
    """A checklist item that keeps a gate shut, and why."""

    checklist = fields.String(required=True, metadata={"example": "mandate"})
    item = fields.String(required=True, metadata={"example": "mandate.sponsor_named"})
    reason = fields.String(
        required=True, validate=validate.OneOf(
            ["not_submitted", "awaiting_signoff", "rejected", "auto_not_met"]),
        metadata={"example": "awaiting_signoff"})


class ProblemSchema(ApiSchema):
    """A problem (RFC 9457); domain errors add members of their own, such as `trigger`."""

    class Meta:
        unknown = ma.INCLUDE

    type = fields.String(required=True, metadata={
        "format": "uri-reference", "example": "/api/v1/problems/not-found",
        "enum": [f"/api/v1/problems/{code}" for code in PROBLEM_TYPES],
        "description": N_("What kind of problem; GET it for a description.")})
    title = fields.String(required=True, metadata={"example": "Not found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(required=True, metadata={"example": "No such network."})
    instance = fields.String(metadata={"format": "uri-reference",
                                       "example": "/api/v1/networks/7"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": N_("For invalid input: each field with an error code."),
        "example": {"name": "required"}})
    missing = fields.List(fields.Nested(MissingItemSchema), metadata={
        "description": N_("For a blocked step: the checklist items that keep its gate shut.")})


class PageQuerySchema(QuerySchema):
    """A keyset page: everything after `after`, at most `limit`."""

    after = integer(in_query=True, example=12,
                    description=N_("Give the `after` of the `next` link to read on."))
    limit = integer(minimum=1, maximum=MAX_PAGE_SIZE, in_query=True,
                    load_default=DEFAULT_PAGE_SIZE,
                    description=N_("How many items a page holds at most."), example=50)


def page_of(item_schema: type[ma.Schema], name: str) -> type[ApiSchema]:
    """The envelope every list shares: {"items": [...], "next": <url or null>}."""
    return type(name, (ApiSchema,), {
        "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')} items.",
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next": fields.String(required=True, allow_none=True, metadata={
            "format": "uri-reference", "example": "/api/v1/networks?limit=50&after=50",
            "description": N_("The next page, or null on the last page.")}),
    })
