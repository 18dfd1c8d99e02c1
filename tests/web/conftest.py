"""Web tier fixtures.

API fixtures: `api_token(user)` makes a personal token through the accounts service, and
`api(user)` gives a client that sends it as `Authorization: Bearer <token>`. That client checks
every answer it gets: no 500 ever, and every error is a complete problem+json document whose
`status` matches the HTTP status. The API's last-resort handler logs at ERROR, so a test also
fails when a request only reached it.
"""
from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.web.clients import logged_in

PROBLEM_MIMETYPE = "application/problem+json"
UNEXPECTED_ERROR_LOGGER = "lifecycle.api.problems"


def assert_is_problem(response, status: int | None = None, code: str | None = None) -> dict:
    """Check that `response` is a complete RFC 9457 problem and return its body."""
    assert response.mimetype == PROBLEM_MIMETYPE, (response.status, response.data[:300])
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code
    assert body["type"].startswith("/api/v1/problems/")
    if status is not None:
        assert response.status_code == status, body
    if code is not None:
        assert body["type"] == f"/api/v1/problems/{code}", body
    return body


class ApiClient:
    """The Flask test client, speaking to the API with one user's bearer token."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.token = token

    def request(self, method: str, url: str, *, json: Any = None, data: Any = None,
                headers: dict[str, str] | None = None, content_type: str | None = None):
        headers = dict(headers or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        kwargs: dict[str, Any] = {"headers": headers}
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        if content_type is not None:
            kwargs["content_type"] = content_type
        response = self.client.open(url, method=method, **kwargs)
        assert response.status_code != 500, response.data[:500]
        if response.status_code >= 400:
            assert_is_problem(response)
        return response

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs):
        return self.request("PATCH", url, **kwargs)

    def edit(self, url: str, json: Any):
        """PATCH as a careful client does: read the current ETag first, send it in If-Match.

        When the read is refused (another municipality, a missing object), If-Match is `*`,
        so the answer shows how the edit itself is refused.
        """
        current = self.client.open(url, method="GET", headers=self._auth())
        etag = current.headers.get("ETag") if current.status_code == 200 else None
        return self.patch(url, json=json, headers={"If-Match": etag or "*"})

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token is not None else {}

    def delete(self, url: str, **kwargs):
        return self.request("DELETE", url, **kwargs)


@pytest.fixture
def api_token(app):
    """Make a personal API token for a user: api_token(user) returns the plain token."""
    from lifecycle.services.accounts import create_token
    from lifecycle.services.uow import write_transaction

    def factory(user, label: str = "tests") -> str:
        with write_transaction():
            return create_token(user, label=label)

    return factory


@pytest.fixture
def problem():
    """problem(response, status, code): assert a problem+json answer and return its body."""
    return assert_is_problem


@pytest.fixture
def unexpected_errors(caplog):
    """The records the API's last-resort handler logged during the test (a list, live)."""
    logger = logging.getLogger(UNEXPECTED_ERROR_LOGGER)
    # Alembic's fileConfig() in migrations/env.py disables every logger that existed when the
    # test schema was built; without this the check below would see nothing.
    logger.disabled = False
    caplog.set_level(logging.ERROR, logger=UNEXPECTED_ERROR_LOGGER)

    class Records(list):
        def refresh(self):
            # caplog.records holds only the current phase; teardown must look back at the call.
            records = caplog.get_records("setup") + caplog.get_records("call")
            self[:] = [r for r in records
                       if r.name == UNEXPECTED_ERROR_LOGGER and r.levelno >= logging.ERROR]
            return self

    return Records()


@pytest.fixture
def api(app, api_token, unexpected_errors):
    """api(user) is a client acting with a fresh token of `user`; api(None) sends no token.

    CSRF protection is switched on, as in production, to show the API does not depend on it.
    """
    app.config["WTF_CSRF_ENABLED"] = True

    def factory(user=None, *, token: str | None = None) -> ApiClient:
        if user is not None and token is None:
            token = api_token(user)
        return ApiClient(app.test_client(), token)

    yield factory
    assert not unexpected_errors.refresh(), "an API request reached the last-resort 500 handler"


@pytest.fixture
def browse(app):
    """browse(user): a client logged in as `user` through /login, with English chosen."""

    return lambda user: logged_in(app, user)
