"""API routes that describe the API itself: the problem types the error `type` URIs name."""
from __future__ import annotations

from flask import jsonify

from ..domain.errors import NotFound
from .blueprint import api_v1
from .problems import PROBLEM_TYPES, ProblemType, problem_type_url


def problem_type_json(problem: ProblemType) -> dict:
    return {"type": problem_type_url(problem.code), "code": problem.code,
            "status": problem.status, "title": str(problem.title),
            "description": str(problem.description)}


@api_v1.get("/problems")
def problem_types():
    return jsonify({"items": [problem_type_json(p) for p in PROBLEM_TYPES.values()]})


@api_v1.get("/problems/<code>")
def problem_type(code: str):
    problem = PROBLEM_TYPES.get(code)
    if problem is None:
        raise NotFound("No such problem type.")
    return jsonify(problem_type_json(problem))
