"""The administration pages: users and API tokens of one municipality, for its administrators
only, through the same audited services as the command line."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import ApiToken, AuditRecord, User
from tests.web.clients import log_in
from tests.web.html import tags, text

INITIAL_PASSWORD = re.compile(r'id="initial-password">([^<]+)<')


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Pieter Beheer")


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def flashed_errors(client) -> list[str]:
    with client.session_transaction() as session:
        return [m for category, m in session.get("_flashes", []) if category == "error"]


def records(action: str) -> list[AuditRecord]:
    db.session.commit()
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_the_user_list_shows_the_municipality_and_nobody_else(app, make_user, admin, browse):
    make_user("lead", name="Anna Utrecht")
    make_user("lead", municipality="Venlo", name="Bram Venlo")
    html = text(browse(admin).get("/beheer/gebruikers"))
    assert "Anna Utrecht" in html and "Pieter Beheer" in html
    assert "Bram Venlo" not in html


def test_the_pages_are_in_dutch_by_default_and_in_english_on_request(app, admin, browse):
    english = browse(admin)
    assert '<html lang="en"' in english.get("/beheer/gebruikers").get_data(as_text=True)
    dutch = english
    dutch.post("/taal", data={"lang": "nl", "next": "/beheer/gebruikers"})
    html = text(dutch.get("/beheer/gebruikers"))
    assert '<html lang="nl"' in html and "Gebruiker toevoegen" in html


def test_only_administrators_open_the_pages(app, make_user, browse):
    for role in ("lead", "reviewer", "auditor"):
        client = browse(make_user(role))
        for path in ("/beheer/gebruikers", "/beheer/gebruikers/nieuw", "/beheer/tokens"):
            assert client.get(path).status_code == 403, (role, path)


def test_another_municipalitys_user_and_token_answer_404(app, make_user, admin, browse,
                                                         api_token):
    other = make_user("lead", municipality="Venlo")
    api_token(other)
    token_id = db.session.scalars(select(ApiToken.id)).one()
    client = browse(admin)
    assert client.get(f"/beheer/gebruikers/{other.id}").status_code == 404
    for action in ("deactiveren", "activeren", "tweestapsverificatie-herstellen"):
        assert client.post(f"/beheer/gebruikers/{other.id}/{action}").status_code == 404
    assert client.post(f"/beheer/tokens/{token_id}/intrekken").status_code == 404
    assert fresh(other).active is True
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_an_administrator_adds_a_user_who_logs_in_with_the_password_shown_once(
        app, admin, browse):
    client = browse(admin)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "name": "Sanne Nieuw", "email": "Sanne.Nieuw@utrecht.example.nl",
        "roles": ["lead", "reviewer"]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = INITIAL_PASSWORD.search(response.get_data(as_text=True)).group(1)
    assert len(password) >= 20
    user = db.session.scalars(select(User).where(
        User.email == "sanne.nieuw@utrecht.example.nl")).one()
    assert user.roles == {"lead", "reviewer"} and user.municipality_id == admin.municipality_id
    assert password not in user.password_hash
    record = records("user.created")[-1]
    assert (record.actor_id, record.object_id) == (admin.id, str(user.id))
    newcomer = app.test_client()
    assert log_in(newcomer, user, password=password).status_code == 302
    assert newcomer.get("/dashboard").status_code == 200


def test_a_new_user_without_a_role_or_with_a_taken_address_gets_form_errors(
        app, make_user, admin, browse):
    taken = make_user("lead")
    client = browse(admin)
    no_role = client.post("/beheer/gebruikers/nieuw", data={
        "name": "Zonder Rol", "email": "zonder.rol@utrecht.example.nl"})
    assert no_role.status_code == 422
    assert tags(no_role.get_data(as_text=True), "fieldset")
    duplicate = client.post("/beheer/gebruikers/nieuw", data={
        "name": "Dubbel", "email": taken.email, "roles": ["lead"]})
    assert duplicate.status_code == 422
    assert 'aria-invalid="true"' in duplicate.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.name == "Dubbel")).first() is None


def test_an_administrator_edits_a_user_and_the_trail_keeps_no_names(app, make_user, admin,
                                                                    browse):
    user = make_user("lead", name="Oude Naam")
    client = browse(admin)
    response = client.post(f"/beheer/gebruikers/{user.id}", data={
        "name": "Nieuwe Naam", "email": "nieuw.adres@utrecht.example.nl",
        "roles": ["reviewer"]})
    assert response.status_code == 303
    user = fresh(user)
    assert (user.name, user.email, user.roles) == (
        "Nieuwe Naam", "nieuw.adres@utrecht.example.nl", {"reviewer"})
    updated = records("user.updated")[-1]
    assert updated.after == {"fields": ["email", "name"]}
    assert "Naam" not in str(updated.before) + str(updated.after)
    roles = records("user.roles_changed")[-1]
    assert (roles.before, roles.after) == ({"roles": ["lead"]}, {"roles": ["reviewer"]})


def test_an_administrator_cannot_take_away_their_own_admin_role(app, admin, browse):
    client = browse(admin)
    response = client.post(f"/beheer/gebruikers/{admin.id}", data={
        "name": admin.name, "email": admin.email, "roles": ["lead"]})
    assert response.status_code == 303
    assert flashed_errors(client)
    assert fresh(admin).roles == {"admin"}
    assert client.post(f"/beheer/gebruikers/{admin.id}/deactiveren").status_code == 303
    assert fresh(admin).active is True


def test_an_administrator_may_add_roles_to_themselves_and_stays_logged_in(app, admin, browse):
    client = browse(admin)
    response = client.post(f"/beheer/gebruikers/{admin.id}", data={
        "name": admin.name, "email": admin.email, "roles": ["admin", "auditor"]})
    assert response.status_code == 303 and not flashed_errors(client)
    assert fresh(admin).roles == {"admin", "auditor"}


def test_deactivating_and_reactivating_a_user_is_audited(app, make_user, admin, browse):
    user = make_user("lead")
    client = browse(admin)
    assert client.post(f"/beheer/gebruikers/{user.id}/deactiveren").status_code == 303
    assert fresh(user).active is False
    assert "Deactivated" in text(client.get("/beheer/gebruikers"))
    assert client.post(f"/beheer/gebruikers/{user.id}/activeren").status_code == 303
    assert fresh(user).active is True
    assert [r.actor_id for r in records("user.deactivated")] == [admin.id]
    assert [r.actor_id for r in records("user.activated")] == [admin.id]


def test_the_administrator_resets_a_second_factor_from_the_users_page(app, make_user, admin,
                                                                       browse):
    user = make_user("lead", mfa=True)
    client = browse(admin)
    assert "On" in text(client.get(f"/beheer/gebruikers/{user.id}"))
    response = client.post(f"/beheer/gebruikers/{user.id}/tweestapsverificatie-herstellen")
    assert response.status_code == 303
    assert fresh(user).has_second_factor is False
    assert records("user.mfa_reset")[-1].actor_id == admin.id


def test_the_administrator_sees_and_revokes_every_token_of_the_municipality(
        app, make_user, admin, browse, api_token):
    owner = make_user("lead", name="Token Eigenaar")
    outsider = make_user("lead", municipality="Venlo", name="Buiten Gemeente")
    token = api_token(owner, label="Rapportage")
    api_token(outsider, label="Van Venlo")
    client = browse(admin)
    html = text(client.get("/beheer/tokens"))
    assert "Token Eigenaar" in html and "Rapportage" in html
    assert "Van Venlo" not in html and "Buiten Gemeente" not in html
    token_id = db.session.scalars(select(ApiToken.id).where(
        ApiToken.user_id == owner.id)).one()
    assert client.post(f"/beheer/tokens/{token_id}/intrekken").status_code == 303
    script = app.test_client()
    response = script.get("/api/v1/networks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert records("token.revoked")[-1].actor_id == admin.id


def test_a_token_owner_who_is_no_administrator_cannot_use_the_admin_revoke(
        app, make_user, browse, api_token):
    owner = make_user("lead")
    api_token(owner)
    token_id = db.session.scalars(select(ApiToken.id)).one()
    assert browse(owner).post(f"/beheer/tokens/{token_id}/intrekken").status_code == 403
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_the_navigation_shows_administration_to_administrators_only(app, make_user, admin,
                                                                     browse):
    assert 'href="/beheer/gebruikers"' in text(browse(admin).get("/dashboard"))
    assert 'href="/beheer/gebruikers"' not in text(browse(make_user("lead")).get("/dashboard"))
