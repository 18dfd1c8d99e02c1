"""Test clients that act as a logged-in user, the way a person would: through /login.

When the user has two-factor login, the helper types the code their app would show; when
two-factor login is required and not yet set up, it sets it up as the user would (reading the
key the page shows) and keeps the recovery codes on the client as `client.recovery_codes`.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp

from tests.conftest import TEST_PASSWORD, next_totp_code

SECOND_STEP = "/login/code"
ENROL_STEP = "/login/tweestapsverificatie"
SECRET_ON_PAGE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
RECOVERY_CODE = re.compile(r"<code class=\"vs-hash\">([0-9A-Z]{5}-[0-9A-Z]{5})</code>")


def log_in(client, user, password: str = TEST_PASSWORD):
    """Log in through the pages, second step included; return the last response."""
    response = client.post("/login", data={"email": user.email, "password": password})
    step = urlsplit(response.headers.get("Location", "")).path
    if response.status_code == 302 and step == SECOND_STEP:
        response = client.post(SECOND_STEP, data={"code": next_totp_code(user.id)})
    elif response.status_code == 302 and step == ENROL_STEP:
        page = client.get(ENROL_STEP).get_data(as_text=True)
        secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
        response = client.post(ENROL_STEP, data={"code": pyotp.TOTP(secret).now()})
        client.recovery_codes = RECOVERY_CODE.findall(response.get_data(as_text=True))
    return response


def logged_in(app, user, language: str = "en"):
    """A client logged in as `user`, with `language` chosen through the language switch."""
    client = app.test_client()
    response = log_in(client, user)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    assert client.get("/dashboard").status_code == 200, "the login did not complete"
    client.post("/taal", data={"lang": language, "next": "/dashboard"})
    return client
