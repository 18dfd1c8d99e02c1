"""Sessions that really end: an old session cookie, replayed after each ending event, gets the
login page. On both session stores: the database (the default) and Redis (`REDIS_URL`).

Each test keeps the cookie of a logged-in browser, makes the event happen (logout,
deactivation, password change, role change, two-factor reset, time running out), and then
sends that cookie from a fresh client, as an attacker who copied it would.
"""
from __future__ import annotations

import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from lifecycle.extensions import db
from lifecycle.models import User, WebSession, utcnow
from lifecycle.services.second_factor import reset_second_factor
from lifecycle.services.uow import write_transaction
from lifecycle.services.users import change_password, set_active, set_user_roles
from tests.conftest import TEST_PASSWORD, TEST_REDIS_URL
from tests.web.clients import logged_in

COOKIE = "session"


@pytest.fixture(params=["database", "redis"])
def session_store(request) -> str:
    return request.param


@pytest.fixture
def app_config(app_config, session_store):
    if session_store == "database":
        return app_config
    # A prefix of its own, so parallel runs on the same Redis never meet.
    prefix = f"voelspriet-test-{uuid.uuid4().hex}:"
    return {**app_config, "REDIS_URL": TEST_REDIS_URL, "SESSION_KEY_PREFIX": prefix + "session:",
            "RATELIMIT_KEY_PREFIX": prefix + "throttle"}


def session_id(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "the client has no session cookie"
    return cookie.value


def replay(app, sid: str):
    """What a fresh client carrying the old session cookie gets for the dashboard."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, sid, domain="localhost")
    return thief.get("/dashboard")


def is_login_page(response) -> bool:
    return response.status_code == 302 and \
        urlsplit(response.headers["Location"]).path == "/login"


def test_a_logged_in_session_works_from_its_cookie_alone(app, make_user):
    """The control for every replay below: before the event, the same replay gets in."""
    client = logged_in(app, make_user("lead"))
    response = replay(app, session_id(client))
    assert response.status_code == 200


def test_the_cookie_holds_only_a_random_session_id_and_no_data(app, make_user, session_store):
    user = make_user("lead", name="Geheime Naam")
    client = logged_in(app, user)
    sid = session_id(client)
    # 32 random bytes, URL-safe: no signed payload (Flask's own cookie is "data.time.sig").
    assert len(sid) == 43 and "." not in sid
    key = app.config["SESSION_KEY_PREFIX"] + sid
    if session_store == "database":
        stored = db.session.scalar(select(WebSession.data).where(WebSession.session_id == key))
    else:
        stored = app.session_interface.client.get(key)
    assert stored is not None and b"_user_id" in stored


def test_an_old_cookie_after_logout_gets_the_login_page(app, make_user, session_store):
    client = logged_in(app, make_user("lead"))
    sid = session_id(client)
    client.post("/logout")
    assert is_login_page(replay(app, sid))
    if session_store == "database":
        assert db.session.scalar(select(func.count()).select_from(WebSession).where(
            WebSession.session_id.endswith(sid))) == 0


def test_the_session_id_changes_at_login(app, make_user):
    user = make_user("lead")
    client = app.test_client()
    client.post("/taal", data={"lang": "en", "next": "/login"})  # an anonymous session first
    before = session_id(client)
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    after = session_id(client)
    assert after != before
    assert is_login_page(replay(app, before))
    assert replay(app, after).status_code == 200


def test_an_old_cookie_after_deactivation_by_an_administrator_gets_the_login_page(
        app, make_user):
    admin = make_user("admin")
    user = make_user("lead")
    sid = session_id(logged_in(app, user))
    admin_client = logged_in(app, admin)
    response = admin_client.post(f"/beheer/gebruikers/{user.id}/deactiveren")
    assert response.status_code == 303
    assert is_login_page(replay(app, sid))


def test_an_old_cookie_after_a_password_change_gets_the_login_page(app, make_user):
    user = make_user("lead")
    old_browser = logged_in(app, user)
    sid = session_id(old_browser)
    new_browser = logged_in(app, user)
    response = new_browser.post("/account/wachtwoord", data={
        "current_password": TEST_PASSWORD, "new_password": "een nieuw lang wachtwoord",
        "repeat_password": "een nieuw lang wachtwoord"})
    assert response.status_code == 303
    assert is_login_page(replay(app, sid))
    # The browser that changed it stays logged in, on a new session id.
    assert new_browser.get("/dashboard").status_code == 200


def test_an_old_cookie_after_a_role_change_gets_the_login_page(app, make_user):
    admin = make_user("admin")
    user = make_user("lead")
    sid = session_id(logged_in(app, user))
    with write_transaction():
        set_user_roles(admin, user.id, ["reviewer"])
    assert is_login_page(replay(app, sid))


def test_an_old_cookie_after_a_second_factor_reset_gets_the_login_page(app, make_user):
    admin = make_user("admin")
    user = make_user("lead", mfa=True)
    sid = session_id(logged_in(app, user))
    assert replay(app, sid).status_code == 200
    with write_transaction():
        reset_second_factor(user.id, by=admin)
    assert is_login_page(replay(app, sid))


def test_the_events_end_the_sessions_of_that_user_only(app, make_user):
    admin = make_user("admin")
    user = make_user("lead")
    bystander = make_user("lead")
    user_sid = session_id(logged_in(app, user))
    bystander_sid = session_id(logged_in(app, bystander))
    with write_transaction():
        set_active(user.id, False, by=admin)
    assert is_login_page(replay(app, user_sid))
    assert replay(app, bystander_sid).status_code == 200


def test_a_reactivated_user_does_not_get_their_old_session_back(app, make_user):
    admin = make_user("admin")
    user = make_user("lead")
    sid = session_id(logged_in(app, user))
    with write_transaction():
        set_active(user.id, False, by=admin)
    with write_transaction():
        set_active(user.id, True, by=admin)
    assert is_login_page(replay(app, sid))


def test_a_changed_password_does_not_revive_an_old_session_either(app, make_user):
    """The generation only goes up: no later event can make an ended session valid again."""
    user = make_user("lead")
    sid = session_id(logged_in(app, user))
    with write_transaction():
        change_password(db.session.get(User, user.id), TEST_PASSWORD, "nog een ander wachtwoord")
    assert is_login_page(replay(app, sid))
    assert db.session.get(User, user.id).session_generation == 2


def test_a_session_unused_for_longer_than_the_idle_timeout_gets_the_login_page(
        app, make_user):
    client = logged_in(app, make_user("lead"))
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=1)
    with client.session_transaction() as session:
        session["_seen_at"] = int(time.time() - idle.total_seconds())
    assert is_login_page(client.get("/dashboard"))


def test_the_store_forgets_a_session_whose_idle_time_has_passed(app, make_user,
                                                                session_store):
    client = logged_in(app, make_user("lead"))
    sid = session_id(client)
    if session_store == "database":
        with write_transaction():
            db.session.execute(update(WebSession).values(expiry=utcnow() - timedelta(seconds=1)))
    else:
        key = app.config["SESSION_KEY_PREFIX"] + sid
        app.session_interface.client.expire(key, 1)
        deadline = time.monotonic() + 5
        while app.session_interface.client.exists(key) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert is_login_page(replay(app, sid))


def test_use_within_the_idle_timeout_keeps_the_session_alive(app, make_user, session_store):
    """Activity moves the store's expiry on, so a working user is not logged out."""
    app.config["SESSION_REFRESH_SECONDS"] = 0
    client = logged_in(app, make_user("lead"))
    sid = session_id(client)
    if session_store == "database":
        first = db.session.scalar(select(WebSession.expiry).where(
            WebSession.session_id.endswith(sid)))
        time.sleep(1.1)
        assert client.get("/dashboard").status_code == 200
        db.session.commit()
        later = db.session.scalar(select(WebSession.expiry).where(
            WebSession.session_id.endswith(sid)))
        assert later > first
    else:
        key = app.config["SESSION_KEY_PREFIX"] + sid
        app.session_interface.client.expire(key, 5)
        assert client.get("/dashboard").status_code == 200
        assert app.session_interface.client.ttl(key) > 5


def test_a_session_older_than_the_absolute_timeout_gets_the_login_page(app, make_user):
    client = logged_in(app, make_user("lead"))
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    with client.session_transaction() as session:
        session["_login_at"] = int(time.time() - hours * 3600 - 1)
        session["_seen_at"] = int(time.time())  # in use all along
    assert is_login_page(client.get("/dashboard"))


def test_the_timeouts_default_to_30_minutes_idle_and_12_hours_in_all(app):
    from lifecycle.config import load_config

    config = load_config(app.instance_path)
    assert config["SESSION_IDLE_MINUTES"] == 30
    assert config["SESSION_ABSOLUTE_HOURS"] == 12


def test_the_timeouts_are_configurable_from_the_environment(app, monkeypatch):
    from lifecycle.config import load_config

    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_ABSOLUTE_HOURS", "8")
    config = load_config(app.instance_path)
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_ABSOLUTE_HOURS"]) == (15, 8)


def test_a_stylesheet_request_does_not_write_the_session(app, make_user, session_store):
    if session_store != "database":
        pytest.skip("the count of writes is read from the database store")
    app.config["SESSION_REFRESH_SECONDS"] = 0
    client = logged_in(app, make_user("lead"))
    sid = session_id(client)
    before = db.session.scalar(select(WebSession.expiry).where(
        WebSession.session_id.endswith(sid)))
    time.sleep(1.1)
    assert client.get("/static/css/voelspriet.css").status_code == 200
    db.session.commit()
    assert db.session.scalar(select(WebSession.expiry).where(
        WebSession.session_id.endswith(sid))) == before
