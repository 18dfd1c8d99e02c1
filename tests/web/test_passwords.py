"""Changing one's own password, and the session cookie's attributes."""
from __future__ import annotations

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, User
from tests.conftest import TEST_PASSWORD
from tests.web.clients import log_in

LONG = "een wachtwoord van ruim vierenzestig tekens, met spaties en leestekens: ok! " * 2


def change(client, current: str, new: str, repeat: str | None = None):
    return client.post("/account/wachtwoord", data={
        "current_password": current, "new_password": new,
        "repeat_password": new if repeat is None else repeat})


def test_a_password_change_needs_the_current_password(app, make_user, browse):
    user = make_user("lead")
    client = browse(user)
    response = change(client, "niet het huidige", "een nieuw lang wachtwoord")
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert log_in(app.test_client(), user).status_code == 302  # the old one still works


def test_a_long_password_of_any_characters_is_accepted_exactly_as_typed(app, make_user, browse):
    user = make_user("lead")
    assert change(browse(user), TEST_PASSWORD, LONG).status_code == 303
    assert log_in(app.test_client(), user, password=LONG).status_code == 302
    assert log_in(app.test_client(), user, password=LONG.strip()).status_code == 200
    record = db.session.query(AuditRecord).filter_by(action="user.password_changed").one()
    assert record.actor_id == user.id and record.after is None


def test_a_short_or_mistyped_new_password_is_refused(app, make_user, browse):
    user = make_user("lead")
    client = browse(user)
    assert change(client, TEST_PASSWORD, "te kort").status_code == 422
    assert change(client, TEST_PASSWORD, "een nieuw lang wachtwoord",
                  repeat="een ander lang wachtwoord").status_code == 422
    db.session.expire_all()
    assert db.session.get(User, user.id).session_generation == 1  # nothing changed


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_https(app, make_user):
    user = make_user("lead")
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                           base_url="https://localhost")
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite", "path"} <= attributes
    assert "SameSite=Lax" in cookie
    assert "expires" not in attributes  # a browser-session cookie
