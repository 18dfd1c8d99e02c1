"""Logging in and out: credentials, the audit of refusals, safe redirects, CSRF and language."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, User
from tests.conftest import TEST_PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def log_in(client, user, password=TEST_PASSWORD, **extra):
    return client.post("/login", data={"email": user.email, "password": password, **extra})


def in_dutch(message: str) -> str:
    """The Dutch text of a message, as the default (Dutch) interface shows it."""
    from flask import current_app
    from flask_babel import force_locale, gettext

    with current_app.test_request_context(), force_locale("nl"):
        translated = gettext(message)
    assert translated != message, f"no Dutch translation for {message!r}"
    return translated


WRONG_CREDENTIALS = "The e-mail address or password is not correct."


def location_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


def login_records(user) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "auth.login", AuditRecord.actor_id == user.id)
        .order_by(AuditRecord.seq)))


@pytest.fixture
def csrf_enabled(app):
    """Switch CSRF protection on, as in production (the test settings switch it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_user_with_the_right_password_is_logged_in_and_sent_to_the_dashboard(
        app, make_user):
    lead = make_user("lead", name="Fatima Lead")
    client = app.test_client()
    response = log_in(client, lead)
    assert response.status_code == 302
    assert location_path(response) == "/dashboard"
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Fatima Lead" in page.get_data(as_text=True)
    assert [r.result for r in login_records(lead)] == ["ok"]


def test_a_wrong_password_shows_an_error_and_is_audited_as_refused(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    response = log_in(client, lead, password="not the password at all")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert in_dutch(WRONG_CREDENTIALS) in html
    assert 'id="password-error"' in html  # the error is tied to the password field
    assert client.get("/dashboard").status_code == 302
    records = login_records(lead)
    assert [(r.result, r.action) for r in records] == [("refused", "auth.login")]
    assert records[0].after == {"reason": "bad_credentials"}


def test_an_inactive_user_cannot_log_in_even_with_the_right_password(app, make_user):
    lead = make_user("lead")
    lead.active = False
    db.session.commit()
    client = app.test_client()
    response = log_in(client, lead)
    assert response.status_code == 200
    assert in_dutch(WRONG_CREDENTIALS) in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert [r.result for r in login_records(lead)] == ["refused"]


def test_logging_out_is_post_only_and_clears_the_session(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    log_in(client, lead)
    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200  # a GET did not log anybody out
    response = client.post("/logout")
    assert response.status_code == 302
    assert location_path(response) == "/login"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    after = client.get("/dashboard")
    assert after.status_code == 302
    assert location_path(after) == "/login"


def test_logging_out_keeps_the_chosen_language(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    log_in(client, lead)
    client.post("/taal", data={"lang": "en", "next": "/dashboard"})
    client.post("/logout")
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("next_url", [
    "//evil.example", "https://evil.example", "http://evil.example/dashboard",
    "/\\evil.example", "///evil.example", "javascript:alert(1)", "evil.example",
])
def test_after_login_next_never_leads_off_the_site(app, make_user, next_url):
    lead = make_user("lead")
    response = log_in(app.test_client(), lead, next=next_url)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.netloc in ("", "localhost")
    assert target.path == "/dashboard"


def test_after_login_next_returns_to_a_local_page_with_its_query(app, make_user):
    lead = make_user("lead")
    response = log_in(app.test_client(), lead, next="/account/tokens?x=1")
    assert response.headers["Location"].endswith("/account/tokens?x=1")


@pytest.mark.parametrize("path", ["/dashboard", "/account/tokens", "/audit",
                                  "/netwerken/1/geschiedenis"])
def test_a_protected_page_sends_an_anonymous_visitor_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [path]


def test_the_login_page_hands_next_on_so_the_visitor_returns_after_logging_in(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    login_page = client.get("/login?next=/account/tokens").get_data(as_text=True)
    assert 'value="/account/tokens"' in login_page
    response = log_in(client, lead, next="/account/tokens")
    assert location_path(response) == "/account/tokens"


def test_a_logged_in_user_who_opens_the_login_page_goes_to_the_dashboard(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    log_in(client, lead)
    response = client.get("/login")
    assert response.status_code == 302
    assert location_path(response) == "/dashboard"


def test_with_csrf_on_a_login_without_the_token_is_refused_with_400(app, make_user,
                                                                      csrf_enabled):
    lead = make_user("lead")
    client = app.test_client()
    response = log_in(client, lead)
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302
    assert login_records(lead) == []


def test_with_csrf_on_a_login_with_the_pages_token_succeeds(app, make_user, csrf_enabled):
    lead = make_user("lead")
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    response = log_in(client, lead, csrf_token=token)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_with_csrf_on_a_logout_without_the_token_keeps_the_user_logged_in(app, make_user,
                                                                          csrf_enabled):
    lead = make_user("lead")
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    log_in(client, lead, csrf_token=token)
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_with_csrf_on_revoking_a_token_without_the_csrf_token_is_refused(app, make_user,
                                                                        csrf_enabled):
    from lifecycle.services.accounts import create_token, list_tokens
    from lifecycle.services.uow import write_transaction

    lead = make_user("lead")
    with write_transaction():
        create_token(lead, label="script")
    token_id = list_tokens(lead)[0].id
    client = app.test_client()
    csrf = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    log_in(client, lead, csrf_token=csrf)
    assert client.post(f"/account/tokens/{token_id}/intrekken").status_code == 400
    db.session.expire_all()
    assert list_tokens(lead)[0].revoked_at is None


def test_dutch_is_the_default_language(app, make_user):
    client = app.test_client()
    assert '<html lang="nl"' in client.get("/login").get_data(as_text=True)


def test_the_language_switch_keeps_the_user_on_the_same_page_and_sets_english(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    log_in(client, lead)
    response = client.post("/taal", data={"lang": "en", "next": "/account/tokens"})
    assert response.status_code == 302
    assert location_path(response) == "/account/tokens"
    page = client.get("/account/tokens").get_data(as_text=True)
    assert '<html lang="en"' in page


def test_the_language_switch_ignores_an_unknown_language_and_a_foreign_next(app, make_user):
    client = app.test_client()
    response = client.post("/taal", data={"lang": "xx", "next": "https://evil.example/"})
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")
    assert '<html lang="nl"' in client.get("/login").get_data(as_text=True)


def test_the_session_does_not_keep_data_from_before_the_login(app, make_user):
    lead = make_user("lead")
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    log_in(client, lead)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(db.session.get(User, lead.id).id)
