"""Throttling of failed attempts: logins, second-factor codes and API requests with an unknown
or revoked token; per account and per address; 429 with Retry-After; one audit record per
window; and open again once the window has passed. On memory and on Redis storage.

The windows are a few seconds long here (the defaults are 15 minutes), so the recovery after a
window is shown by waiting for it, as the Retry-After header says.
"""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord
from tests.conftest import TEST_PASSWORD, TEST_REDIS_URL, next_totp_code

PER_ACCOUNT = 3
PER_ADDRESS = 6
# Long enough that a run of attempts fits in one window on a busy machine (two test workers on
# two cores); short enough that waiting one out costs little.
WINDOW_SECONDS = 4
# Retry-After may add the storage's rounding margin (services/throttling.py) to what is left.
RETRY_AFTER_AT_MOST = WINDOW_SECONDS + 1


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    return request.param


@pytest.fixture
def app_config(app_config, storage):
    config = {**app_config,
              "THROTTLE_PER_ACCOUNT": f"{PER_ACCOUNT} per {WINDOW_SECONDS} seconds",
              "THROTTLE_PER_ADDRESS": f"{PER_ADDRESS} per {WINDOW_SECONDS} seconds"}
    if storage == "redis":
        prefix = f"voelspriet-test-{uuid.uuid4().hex}:"
        config.update(REDIS_URL=TEST_REDIS_URL, RATELIMIT_KEY_PREFIX=prefix + "throttle",
                      SESSION_KEY_PREFIX=prefix + "session:")
    return config


def test_the_counters_live_in_redis_when_redis_url_is_set(app, storage):
    from lifecycle.extensions import limiter

    expected = "RedisStorage" if storage == "redis" else "MemoryStorage"
    assert type(limiter.storage).__name__ == expected


def test_the_default_limits_are_five_per_account_and_fifty_per_address_in_15_minutes(
        app, monkeypatch):
    from lifecycle.config import load_config

    monkeypatch.delenv("THROTTLE_PER_ACCOUNT", raising=False)
    monkeypatch.delenv("THROTTLE_PER_ADDRESS", raising=False)
    config = load_config(app.instance_path)
    assert config["THROTTLE_PER_ACCOUNT"] == "5 per 15 minutes"
    assert config["THROTTLE_PER_ADDRESS"] == "50 per 15 minutes"


def attempt(client, email: str, password: str = "helemaal verkeerd", address="192.0.2.1"):
    # The client keeps the address, as one browser does (the session is tied to it).
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", data={"email": email, "password": password})


def throttle_records() -> list[AuditRecord]:
    db.session.commit()
    return list(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "auth.throttled").order_by(AuditRecord.id)))


def wait_out(response) -> None:
    time.sleep(int(response.headers["Retry-After"]) + 0.2)


def test_wrong_passwords_for_one_account_are_throttled_and_the_right_one_works_after_the_window(
        app, make_user):
    user = make_user("lead")
    client = app.test_client()
    for _ in range(PER_ACCOUNT):
        assert attempt(client, user.email).status_code == 200  # the form, with its error
    refused = attempt(client, user.email, TEST_PASSWORD)  # even the right password, for now
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= RETRY_AFTER_AT_MOST
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302

    wait_out(refused)
    response = attempt(client, user.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_a_throttled_account_is_recorded_once_per_window_not_per_attempt(app, make_user):
    user = make_user("lead")
    client = app.test_client()
    for _ in range(PER_ACCOUNT + 5):
        attempt(client, user.email)
    records = throttle_records()
    assert len(records) == 1
    record = records[0]
    assert (record.result, record.municipality_id, record.actor_id, record.origin) == (
        "refused", user.municipality_id, user.id, "192.0.2.1")
    assert record.after == {"attempt": "login", "scope": "account",
                            "window_seconds": WINDOW_SECONDS}
    # The attempts refused while throttled are neither checked nor each recorded as logins.
    logins = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "auth.login", AuditRecord.actor_id == user.id)).all()
    assert len(logins) == PER_ACCOUNT

    wait_out(attempt(client, user.email))
    for _ in range(PER_ACCOUNT + 1):
        attempt(client, user.email)
    assert len(throttle_records()) == 2  # a new window, a new record


def test_one_address_trying_many_accounts_is_throttled_per_address(app, make_user):
    users = [make_user("lead") for _ in range(PER_ADDRESS + 1)]
    client = app.test_client()
    for user in users[:PER_ADDRESS]:
        assert attempt(client, user.email, address="198.51.100.9").status_code == 200
    assert attempt(client, users[-1].email, TEST_PASSWORD,
                   address="198.51.100.9").status_code == 429
    # Another address is not affected, not even for the same account.
    assert attempt(client, users[-1].email, TEST_PASSWORD,
                   address="198.51.100.10").status_code == 302
    assert throttle_records()[0].after["scope"] == "address"


def test_unknown_e_mail_addresses_are_throttled_too_and_recorded_on_the_system_chain(app):
    client = app.test_client()
    for _ in range(PER_ACCOUNT + 2):
        attempt(client, "niemand@utrecht.example.nl")
    records = throttle_records()
    assert len(records) == 1 and records[0].municipality_id is None
    assert "niemand" not in str(records[0].after)


def test_wrong_second_factor_codes_are_throttled_per_account(app, make_user):
    user = make_user("lead", mfa=True)
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    for _ in range(PER_ACCOUNT):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 422
    refused = client.post("/login/code", data={"code": next_totp_code(user.id)})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert throttle_records()[0].after["attempt"] == "second_factor"

    wait_out(refused)
    done = client.post("/login/code", data={"code": next_totp_code(user.id)})
    assert done.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_api_requests_with_unknown_tokens_are_throttled_with_a_problem(app, make_user, api,
                                                                        problem):
    owner = make_user("lead")
    good = api(owner)
    bad = api(None, token="vsp_" + "x" * 43)
    for _ in range(PER_ADDRESS):
        problem(bad.get("/api/v1/networks"), 401, "unauthorized")
    response = bad.get("/api/v1/networks")
    body = problem(response, 429, "too-many-requests")
    assert 1 <= int(response.headers["Retry-After"]) <= RETRY_AFTER_AT_MOST
    assert str(int(response.headers["Retry-After"])) in body["detail"]
    # A valid token from the same address still works: bad tokens lock nobody out.
    assert good.get("/api/v1/networks").status_code == 200
    assert len(throttle_records()) == 1
    assert throttle_records()[0].after == {"attempt": "api_token", "scope": "address",
                                           "window_seconds": WINDOW_SECONDS}

    wait_out(response)
    problem(bad.get("/api/v1/networks"), 401, "unauthorized")


def test_a_revoked_token_is_throttled_per_owner_and_recorded_in_their_municipality(
        app, make_user, api_token, api, problem):
    from lifecycle.models import ApiToken
    from lifecycle.services.accounts import revoke_token
    from lifecycle.services.uow import write_transaction

    owner = make_user("lead")
    token = api_token(owner)
    with write_transaction():
        revoke_token(owner, db.session.scalars(select(ApiToken.id)).one())
    client = api(None, token=token)
    for _ in range(PER_ACCOUNT):
        problem(client.get("/api/v1/networks"), 401, "unauthorized")
    problem(client.get("/api/v1/networks"), 429, "too-many-requests")
    record = throttle_records()[0]
    assert (record.municipality_id, record.actor_id, record.after["scope"]) == (
        owner.municipality_id, owner.id, "account")
