"""Reading API input: the JSON body, query parameters and the few body fields the API shapes.

Malformed input (a body that is not JSON or not an object, a query parameter of the wrong type
or out of range) is a `Problem` answering 400. Well-formed values that break a rule are a
`ValidationFailed` answering 422, exactly as when a service finds them, with `errors` mapping
each field to a code. Every integer that reaches a query is bounded first: PostgreSQL refuses
an integer parameter beyond its column type, SQLite one beyond 64 bits, and neither may turn a
client's typo into a 500.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Iterable

from flask import request
from flask_babel import gettext as _

from ..domain.errors import ValidationFailed
from .problems import Problem

MAX_INTEGER_ID = 2**31 - 1  # the Integer primary keys
MAX_BIG_INTEGER = 2**63 - 1  # the audit sequence numbers
MAX_BODY_BYTES = 1024 * 1024
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

_DIGITS = re.compile(r"[0-9]{1,19}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_strict_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def json_object(*, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}` when the body is optional."""
    raw = request.get_data(cache=True)  # raises 413 beyond the request's max_content_length
    if not raw.strip():
        if required:
            raise Problem("bad-request", _("Send a JSON object as the request body."),
                          errors={"body": "required"})
        return {}
    if not request.is_json:
        raise Problem("unsupported-media-type",
                      _("Send the request body as JSON, with Content-Type: application/json."))
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise Problem("bad-request", _("The request body is not valid JSON."),
                      errors={"body": "malformed_json"}) from None
    if not isinstance(data, dict):
        raise Problem("bad-request", _("The request body must be a JSON object."),
                      errors={"body": "not_an_object"})
    return data


class QueryArgs:
    """Read query parameters, collecting every problem before answering one 400."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def _raw(self, name: str) -> str | None:
        value = request.args.get(name)
        return value if value not in (None, "") else None

    def integer(self, name: str, *, default: int | None = None, minimum: int = 0,
                maximum: int = MAX_INTEGER_ID) -> int | None:
        raw = self._raw(name)
        if raw is None:
            return default
        if not _DIGITS.fullmatch(raw):
            self.errors[name] = "not_an_integer"
            return default
        value = int(raw)
        if not minimum <= value <= maximum:
            self.errors[name] = "out_of_range"
            return default
        return value

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        raw = self._raw(name)
        if raw is not None and raw not in set(allowed):
            self.errors[name] = "invalid_choice"
            return None
        return raw

    def pattern(self, name: str, regex: re.Pattern[str]) -> str | None:
        raw = self._raw(name)
        if raw is not None and not regex.fullmatch(raw):
            self.errors[name] = "invalid"
            return None
        return raw

    def day(self, name: str) -> date | None:
        raw = self._raw(name)
        if raw is None:
            return None
        try:
            if not _DAY.fullmatch(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = "not_a_date"
            return None

    def page(self, *, maximum_after: int = MAX_INTEGER_ID) -> tuple[int | None, int]:
        """The keyset page: `after` (exclusive) and `limit` (1..200, default 50)."""
        after = self.integer("after", maximum=maximum_after)
        limit = self.integer("limit", default=DEFAULT_PAGE_SIZE, minimum=1,
                             maximum=MAX_PAGE_SIZE)
        return after, limit

    def done(self) -> None:
        """Answer 400 if any parameter was malformed."""
        if self.errors:
            raise Problem("bad-request", _("Some query parameters are not right."),
                          errors=dict(self.errors))


class BodyFields:
    """Check the fields of a JSON object the API itself reads, collecting every error (422)."""

    def __init__(self, data: dict[str, Any], allowed: Iterable[str]) -> None:
        self.data = data
        self.errors: dict[str, str] = {
            field: "unknown_field" for field in sorted(set(data) - set(allowed))
        }

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A string or null; services judge whether an empty text is acceptable."""
        if name not in self.data:
            if required:
                self.errors[name] = "required"
            return None
        value = self.data[name]
        if value is not None and not isinstance(value, str):
            self.errors[name] = "not_text"
            return None
        if required and not (value or "").strip():
            self.errors[name] = "required"
        return value

    def text_list(self, name: str, value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors[name] = "invalid"
            return None
        return value

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed("Some fields are not right.", errors=dict(self.errors))


def check_lead_id(data: dict[str, Any]) -> None:
    """A lead id must be an integer that can exist; the service checks who it is."""
    if "lead_id" in data:
        value = data["lead_id"]
        if not is_strict_int(value) or not 1 <= value <= MAX_INTEGER_ID:
            raise ValidationFailed("Choose a lead.", errors={"lead_id": "invalid"})


def expected_version(data: dict[str, Any]) -> int | None:
    """The version the client last saw: the If-Match header (an ETag) or a `version` field.

    The field is taken out of `data`, which then holds only the network's own fields.
    """
    version = data.pop("version", None)
    header = request.headers.get("If-Match")
    if header and header.strip() != "*":
        tag = header.strip().removeprefix("W/").strip('"')
        if not _DIGITS.fullmatch(tag):
            raise Problem("bad-request", _("If-Match must be the ETag of the network."),
                          errors={"If-Match": "invalid"})
        version = int(tag)
    if version is not None and (not is_strict_int(version) or not 1 <= version <= MAX_INTEGER_ID):
        raise ValidationFailed("The version must be a positive whole number.",
                               errors={"version": "invalid"})
    return version
