"""Personal API tokens in the HTML interface: create (shown once), list, revoke."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import ApiToken, AuditRecord
from lifecycle.services.accounts import create_token, list_tokens, user_for_token
from lifecycle.services.uow import write_transaction
from tests.conftest import TEST_PASSWORD

NEW_TOKEN = re.compile(r'<code class="vs-hash" id="new-token">([^<]+)</code>')


def logged_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email,
                                       "password": TEST_PASSWORD}).status_code == 302
    client.post("/taal", data={"lang": "en", "next": "/dashboard"})
    return client


def make_token(user, label="script"):
    with write_transaction():
        return create_token(user, label=label)


def token_row(token: str) -> ApiToken:
    db.session.expire_all()
    return db.session.scalars(select(ApiToken).where(ApiToken.prefix == token[:10])).one()


def test_a_new_token_is_shown_once_and_then_only_by_its_prefix(app, make_user):
    lead = make_user("lead")
    client = logged_in(app, lead)
    response = client.post("/account/tokens", data={"label": "Rapportage-script"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Copy it now: it will not be shown again." in html
    token = NEW_TOKEN.search(html).group(1)
    assert user_for_token(token).id == lead.id
    with client.session_transaction() as session:
        assert token not in repr(dict(session))  # not parked in the session or a flash
    later = client.get("/account/tokens").get_data(as_text=True)
    assert token not in later
    assert f"{token[:10]}…" in later
    assert "Rapportage-script" in later
    assert "Copy it now" not in later


def test_creating_a_token_is_audited_without_the_token(app, make_user):
    lead = make_user("lead")
    html = logged_in(app, lead).post("/account/tokens", data={"label": ""}).get_data(
        as_text=True)
    token = NEW_TOKEN.search(html).group(1)
    record = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "token.created")).one()
    assert record.actor_id == lead.id and record.result == "ok"
    assert token not in repr((record.before, record.after))


def test_the_list_shows_only_the_users_own_tokens_with_their_status(app, make_user):
    lead = make_user("lead")
    colleague = make_user("lead")
    active = make_token(lead, "actief")
    revoked = make_token(lead, "ingetrokken")
    theirs = make_token(colleague, "van een collega")
    client = logged_in(app, lead)
    client.post(f"/account/tokens/{token_row(revoked).id}/intrekken")
    html = client.get("/account/tokens").get_data(as_text=True)
    assert f"{active[:10]}…" in html and f"{revoked[:10]}…" in html
    assert theirs[:10] not in html and "van een collega" not in html
    rows = {label: html[html.index(label):html.index("</tr>", html.index(label))]
            for label in ("actief", "ingetrokken")}
    assert ">Active</span>" in rows["actief"] and "Revoke" in rows["actief"]
    assert ">Revoked</span>" in rows["ingetrokken"]
    assert "<button" not in rows["ingetrokken"]


def test_a_revoked_token_no_longer_authenticates(app, make_user):
    lead = make_user("lead")
    token = make_token(lead)
    assert user_for_token(token) is not None
    client = logged_in(app, lead)
    response = client.post(f"/account/tokens/{token_row(token).id}/intrekken")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/tokens")
    assert user_for_token(token) is None
    assert token_row(token).revoked_at is not None
    page = client.get("/account/tokens").get_data(as_text=True)
    assert f"The token {token[:10]}… is revoked." in page


@pytest.mark.parametrize("owner_municipality", ["Utrecht", "Venlo"])
def test_revoking_another_users_token_is_404_and_changes_nothing(app, make_user,
                                                                 owner_municipality):
    owner = make_user("lead", municipality=owner_municipality)
    token = make_token(owner)
    intruder = make_user("lead", "reviewer", "auditor", municipality="Utrecht")
    response = logged_in(app, intruder).post(f"/account/tokens/{token_row(token).id}/intrekken")
    assert response.status_code == 404
    assert token_row(token).revoked_at is None
    assert user_for_token(token).id == owner.id


@pytest.mark.parametrize("token_id", ["999999", str(2**31), str(2**70)])
def test_revoking_a_token_that_does_not_exist_is_404(app, make_user, token_id):
    response = logged_in(app, make_user("lead")).post(f"/account/tokens/{token_id}/intrekken")
    assert response.status_code == 404


def test_revoke_is_post_only(app, make_user):
    lead = make_user("lead")
    token = make_token(lead)
    response = logged_in(app, lead).get(f"/account/tokens/{token_row(token).id}/intrekken")
    assert response.status_code == 405
    assert user_for_token(token) is not None


def test_a_too_long_label_is_an_error_at_the_field_and_makes_no_token(app, make_user):
    lead = make_user("lead")
    response = logged_in(app, lead).post("/account/tokens", data={"label": "x" * 101})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="label-error"' in html and 'aria-invalid="true"' in html
    assert NEW_TOKEN.search(html) is None
    assert list_tokens(lead) == []


def test_the_page_explains_how_to_use_a_token(app, make_user):
    html = logged_in(app, make_user("reviewer")).get("/account/tokens").get_data(as_text=True)
    assert "Authorization: Bearer &lt;token&gt;" in html
    assert "/api/v1" in html
    assert "You have no API tokens." in html
