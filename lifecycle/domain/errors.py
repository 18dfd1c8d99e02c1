"""Domain errors: what can go wrong when a rule says no.

Each error carries a stable `code` (used as the problem+json type and in tests) and an HTTP-like
`status` so that the web and API layers can map them without knowing every subclass. The
message is English; the layers above translate through the `code`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DomainError(Exception):
    """Base class: a rule refused the request."""

    code = "domain-error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # A service may attach an audit draft describing the refused attempt; the unit of work
        # records it in a fresh transaction after rolling back everything else.
        self.refusal: Any = None


class NotFound(DomainError):
    """The object does not exist, or is outside the actor's municipality (never say which)."""

    code = "not-found"
    status = 404


class NotAllowed(DomainError):
    """The actor's role or relation to the object does not permit the action."""

    code = "forbidden"
    status = 403


class LastAdministrator(NotAllowed):
    """A municipality must keep at least one active administrator."""

    code = "last-administrator"


class OwnAdministratorRole(NotAllowed):
    """Administrators do not remove their own administrator role, nor deactivate themselves."""

    code = "own-admin-role"


class TooManyAttempts(DomainError):
    """Too many failed attempts in a short time; `retry_after` says when to try again."""

    code = "too-many-requests"
    status = 429

    def __init__(self, message: str, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class FourEyesViolation(NotAllowed):
    """Nobody signs off their own network's items or their own evidence."""

    code = "four-eyes"


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule; `errors` maps field names to messages."""

    code = "validation-failed"
    status = 422

    def __init__(self, message: str, errors: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.errors = errors or {}


class ReasonRequired(ValidationFailed):
    """The action needs a reason or comment and none was given."""

    code = "reason-required"


class InvalidTransition(DomainError):
    """The trigger is unknown, or not possible from the network's current stage."""

    code = "invalid-transition"
    status = 409


class Conflict(DomainError):
    """Somebody else changed the object first; reload and try again."""

    code = "conflict"
    status = 409


class StaleVersion(Conflict):
    """The version the caller last saw is no longer current (an If-Match that failed)."""

    code = "precondition-failed"
    status = 412


class ReadOnly(DomainError):
    """The object can no longer change (a closed network)."""

    code = "read-only"
    status = 409


@dataclass(frozen=True)
class MissingItem:
    """A checklist item that keeps a gate shut, and why."""

    checklist: str
    item: str
    reason: str  # not_submitted | awaiting_signoff | rejected | auto_not_met


class GateBlocked(DomainError):
    """The trigger's gate has required items that are not signed off."""

    code = "gate-blocked"
    status = 409

    def __init__(self, message: str, missing: list[MissingItem], **details: Any) -> None:
        super().__init__(message, **details)
        self.missing = missing


@dataclass
class WorkflowDefinitionError(Exception):
    """A workflow file is broken; names the file and the place in it."""

    path: str
    location: str
    problem: str
    line: int | None = None
    extra: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: at {self.location or '(top)'}: {self.problem}"
