"""Two-factor login (TOTP) through the pages: setting it up, the second step, recovery codes,
the administrator's reset, and `MFA_REQUIRED`."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, RecoveryCode, User
from lifecycle.services.second_factor import reset_second_factor
from lifecycle.services.uow import write_transaction
from tests.conftest import TEST_PASSWORD, next_totp_code
from tests.web.clients import ENROL_STEP, RECOVERY_CODE, SECOND_STEP, SECRET_ON_PAGE, log_in
from tests.web.html import tags, text

SVG = re.compile(r"<svg[^>]*>", re.S)


@pytest.fixture
def mfa_required(app):
    app.config["MFA_REQUIRED"] = True


def password_step(client, user, password=TEST_PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def location(response) -> str:
    return response.headers.get("Location", "")


def audit(user, action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == action, AuditRecord.object_id == str(user.id))
        .order_by(AuditRecord.seq)))


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_mfa_is_required_by_default_outside_the_tests(app, monkeypatch):
    from lifecycle.config import load_config

    monkeypatch.delenv("MFA_REQUIRED", raising=False)
    assert load_config(app.instance_path)["MFA_REQUIRED"] is True
    monkeypatch.setenv("MFA_REQUIRED", "0")
    assert load_config(app.instance_path)["MFA_REQUIRED"] is False


def test_with_mfa_required_a_user_without_it_sets_it_up_at_the_next_login(
        app, make_user, mfa_required):
    user = make_user("lead")
    client = app.test_client()
    response = password_step(client, user)
    assert response.status_code == 302 and location(response).endswith(ENROL_STEP)
    # The password alone logs nobody in.
    assert client.get("/dashboard").status_code == 302

    page = client.get(ENROL_STEP)
    html = page.get_data(as_text=True)
    svg = SVG.search(html).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg
    assert "<script" not in html
    secret = SECRET_ON_PAGE.search(html).group(1).replace(" ", "")
    assert len(secret) == 32

    wrong = client.post(ENROL_STEP, data={"code": "000000"})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    assert fresh(user).mfa_enabled_at is None

    done = client.post(ENROL_STEP, data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = RECOVERY_CODE.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/dashboard").status_code == 200
    assert fresh(user).totp_secret == secret
    assert [r.result for r in audit(user, "user.mfa_enabled")] == ["ok"]
    login = [r for r in audit(user, "auth.login") if r.result == "ok"]
    assert [r.after for r in login] == [{"second_factor": "totp"}]


def test_recovery_codes_are_stored_as_hashes_only(app, make_user, mfa_required):
    user = make_user("lead")
    client = app.test_client()
    log_in(client, user)
    rows = list(db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)))
    assert len(rows) == len(client.recovery_codes) == 10
    stored = " ".join(row.code_hash for row in rows)
    assert stored.count("$argon2id$") == 10
    for code in client.recovery_codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_a_user_with_two_factor_login_needs_the_code_after_the_password(app, make_user):
    user = make_user("lead", mfa=True)
    client = app.test_client()
    response = password_step(client, user)
    assert location(response).endswith(SECOND_STEP)
    assert client.get("/dashboard").status_code == 302  # not logged in yet
    form = client.get(SECOND_STEP).get_data(as_text=True)
    assert tags(form, "input", name="code")[0]["autocomplete"] == "one-time-code"
    done = client.post(SECOND_STEP, data={"code": next_totp_code(user.id)})
    assert done.status_code == 302 and location(done).endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200


def test_a_wrong_code_is_refused_and_audited(app, make_user):
    user = make_user("lead", mfa=True)
    client = app.test_client()
    password_step(client, user)
    response = client.post(SECOND_STEP, data={"code": "123456"})
    assert response.status_code == 422
    assert client.get("/dashboard").status_code == 302
    refused = [r for r in audit(user, "auth.login") if r.result == "refused"]
    assert [r.after for r in refused] == [{"reason": "bad_code"}]


def test_a_code_works_only_once(app, make_user):
    user = make_user("lead", mfa=True)
    code = next_totp_code(user.id)
    first, second = app.test_client(), app.test_client()
    password_step(first, user)
    assert first.post(SECOND_STEP, data={"code": code}).status_code == 302
    password_step(second, user)
    assert second.post(SECOND_STEP, data={"code": code}).status_code == 422
    assert second.get("/dashboard").status_code == 302


def test_a_recovery_code_logs_in_once_in_place_of_the_app(app, make_user, mfa_required):
    user = make_user("lead")
    setup = app.test_client()
    log_in(setup, user)
    code = setup.recovery_codes[3]
    client = app.test_client()
    password_step(client, user)
    # Typed as people do: lower case, with spaces.
    typed = code.lower().replace("-", " ")
    assert client.post(SECOND_STEP, data={"code": typed}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert audit(user, "auth.login")[-1].after == {"second_factor": "recovery_code"}
    again = app.test_client()
    password_step(again, user)
    assert again.post(SECOND_STEP, data={"code": code}).status_code == 422


def test_the_step_between_password_and_code_expires(app, make_user):
    user = make_user("lead", mfa=True)
    client = app.test_client()
    password_step(client, user)
    minutes = app.config["MFA_PENDING_MINUTES"]
    with client.session_transaction() as session:
        pending = session["_pending_login"]
        pending["since"] = int(time.time() - minutes * 60 - 1)
        session["_pending_login"] = pending
    response = client.post(SECOND_STEP, data={"code": next_totp_code(user.id)})
    assert response.status_code == 302 and location(response).endswith("/login")
    assert client.get("/dashboard").status_code == 302


def test_the_second_step_without_a_password_first_goes_back_to_the_login(app, make_user):
    client = app.test_client()
    for step in (SECOND_STEP, ENROL_STEP):
        response = client.get(step)
        assert response.status_code == 302 and location(response).endswith("/login")


def test_without_mfa_required_a_user_without_it_logs_in_with_the_password(app, make_user):
    user = make_user("lead")
    client = app.test_client()
    response = password_step(client, user)
    assert location(response).endswith("/dashboard")
    assert audit(user, "auth.login")[-1].after is None


def test_a_user_sets_up_two_factor_login_from_their_account_page(app, make_user, browse):
    user = make_user("lead")
    client = browse(user)
    page = client.get("/account/beveiliging/tweestapsverificatie").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    wrong_password = client.post("/account/beveiliging/tweestapsverificatie",
                                 data={"current_password": "niet mijn wachtwoord", "code": code})
    assert wrong_password.status_code == 422
    assert fresh(user).mfa_enabled_at is None
    done = client.post("/account/beveiliging/tweestapsverificatie",
                       data={"current_password": TEST_PASSWORD, "code": code})
    assert done.status_code == 200 and len(RECOVERY_CODE.findall(text(done))) == 10
    assert fresh(user).has_second_factor
    assert client.get("/account/beveiliging").status_code == 200  # still logged in
    # The next login asks for the code.
    assert location(password_step(app.test_client(), user)).endswith(SECOND_STEP)


def test_after_a_reset_the_user_sets_up_two_factor_login_again(app, make_user, mfa_required):
    admin = make_user("admin")
    user = make_user("lead", mfa=True)
    with write_transaction():
        reset_second_factor(user.id, by=admin, origin="192.0.2.7")
    assert fresh(user).totp_secret is None
    assert db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id)).first() is None
    record = audit(user, "user.mfa_reset")[-1]
    assert (record.actor_id, record.origin, record.before) == (
        admin.id, "192.0.2.7", {"second_factor": True})
    assert location(password_step(app.test_client(), user)).endswith(ENROL_STEP)


def test_an_administrator_of_another_municipality_cannot_reset_a_second_factor(
        app, make_user):
    from lifecycle.domain.errors import NotFound

    other_admin = make_user("admin", municipality="Venlo")
    user = make_user("lead", mfa=True)
    with pytest.raises(NotFound):
        with write_transaction():
            reset_second_factor(user.id, by=other_admin)
    assert fresh(user).has_second_factor
