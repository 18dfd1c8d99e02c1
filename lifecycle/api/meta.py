"""API routes that describe the API itself: the problem types the error `type` URIs name.

They need no token, so every `type` in a problem answer resolves for anyone.
"""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import fields

from ..domain.errors import NotFound
from .blueprint import feature_blueprint
from .contract import problems
from .problems import PROBLEM_TYPES, ProblemType, problem_type_url
from .schemas import ApiSchema
from .texts import N_

meta = feature_blueprint("meta", tag="Problem types", public=True, description=N_(
    "What each problem `type` in an error answer means. No token needed."))


class ProblemTypeSchema(ApiSchema):
    """One kind of problem the API answers with."""

    type = fields.String(required=True, metadata={"format": "uri-reference",
                                                  "example": "/api/v1/problems/gate-blocked"})
    code = fields.String(required=True, metadata={"example": "gate-blocked"})
    status = fields.Integer(required=True, allow_none=True, metadata={
        "example": 409, "description": N_("Null when it varies (other HTTP errors).")})
    title = fields.String(required=True, metadata={"example": "Gate not signed off"})
    description = fields.String(required=True)


class ProblemTypeListSchema(ApiSchema):
    items = fields.List(fields.Nested(ProblemTypeSchema), required=True)


def problem_type_view(problem: ProblemType) -> dict:
    return {"type": problem_type_url(problem.code), "code": problem.code,
            "status": problem.status, "title": _(problem.title),
            "description": _(problem.description)}


@meta.route("/problems", methods=["GET"], summary=N_("List the problem types"))
@meta.response(200, ProblemTypeListSchema)
def problem_types():
    return {"items": [problem_type_view(p) for p in PROBLEM_TYPES.values()]}


@meta.route("/problems/<code>", methods=["GET"], summary=N_("Describe one problem type"))
@meta.response(200, ProblemTypeSchema)
@problems("not-found")
def problem_type(code: str):
    problem = PROBLEM_TYPES.get(code)
    if problem is None:
        raise NotFound("No such problem type.")
    return problem_type_view(problem)
