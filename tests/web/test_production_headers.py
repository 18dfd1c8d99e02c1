"""What production needs from every answer: health endpoints without a login that reveal
nothing, no caching of anything personal, and HSTS behind HTTPS."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from lifecycle.extensions import db


def test_healthz_answers_without_a_login_and_says_nothing_more(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_answers_when_the_database_answers_and_is_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_answers_503_while_a_migration_is_missing(app, client):
    with db.engine.begin() as connection:
        (current,) = connection.execute(text("SELECT version_num FROM alembic_version")).one()
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        response = client.get("/readyz")
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"),
                               {"v": current})
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"status": "unavailable", "reason": "migrations"}
    assert "0001" not in response.get_data(as_text=True)
    assert current not in response.get_data(as_text=True)


def test_readyz_answers_503_when_the_database_does_not_answer(app_config, tmp_path):
    from lifecycle import create_app

    broken = create_app({**app_config, "SQLALCHEMY_DATABASE_URI":
                         f"sqlite:///{tmp_path}/missing-folder/none.sqlite3"})
    with broken.app_context():
        response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database"}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/toegankelijkheid"])
def test_public_answers_are_not_cached_either(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_pages_and_api_answers_with_personal_data_are_marked_no_store(app, make_user, browse,
                                                                      api_token):
    user = make_user("lead")
    client = browse(user)
    for path in ("/dashboard", "/netwerken", "/account/tokens", "/account/beveiliging"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    answer = app.test_client().get("/api/v1/networks",
                                   headers={"Authorization": f"Bearer {api_token(user)}"})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"


def test_stylesheets_may_be_cached(client):
    response = client.get("/static/css/voelspriet.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_is_sent_only_behind_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    hsts = client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
