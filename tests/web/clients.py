"""Test clients that act as a logged-in user, the way a person would: through /login."""
from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def logged_in(app, user, language: str = "en"):
    """A client logged in as `user`, with `language` chosen through the language switch."""
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.post("/taal", data={"lang": language, "next": "/dashboard"})
    return client
