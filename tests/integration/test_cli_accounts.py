"""The command line for accounts: `users deactivate`, `users activate`, `users reset-mfa`, and
the operator bound by the last-administrator rule too."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, User
from lifecycle.services.accounts import authenticate, create_token, user_for_token
from lifecycle.services.uow import write_transaction
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=list(args))
        db.session.rollback()  # see what the command committed
        return result

    return invoke


def records(action: str, user) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == action, AuditRecord.object_id == str(user.id))))


def test_an_operator_deactivates_a_user_who_can_then_neither_log_in_nor_use_a_token(
        cli, make_user):
    user = make_user("lead")
    with write_transaction():
        token = create_token(user)
    result = cli("users", "deactivate", user.email)
    assert result.exit_code == 0, result.output
    assert user.email in result.output
    assert db.session.get(User, user.id).active is False
    with write_transaction():
        assert authenticate(user.email, TEST_PASSWORD) is None
    assert user_for_token(token) is None
    record = records("user.deactivated", user)[0]
    assert (record.actor_id, record.origin, record.after) == (None, "cli", {"active": False})


def test_an_operator_reactivates_a_user(cli, make_user):
    user = make_user("lead")
    cli("users", "deactivate", user.email)
    result = cli("users", "activate", user.email)
    assert result.exit_code == 0, result.output
    with write_transaction():
        assert authenticate(user.email, TEST_PASSWORD) is not None
    assert [r.after for r in records("user.activated", user)] == [{"active": True}]


def test_an_operator_resets_a_second_factor(cli, make_user):
    user = make_user("lead", mfa=True)
    result = cli("users", "reset-mfa", user.email)
    assert result.exit_code == 0, result.output
    assert db.session.get(User, user.id).has_second_factor is False
    assert records("user.mfa_reset", user)[0].actor_id is None


@pytest.mark.parametrize("command", ["deactivate", "activate", "reset-mfa"])
def test_an_unknown_e_mail_address_exits_with_code_2(cli, command):
    result = cli("users", command, "niemand@venlo.example.nl")
    assert result.exit_code == 2
    assert "niemand@venlo.example.nl" in result.stderr
    assert "Traceback" not in result.output


def test_the_operator_cannot_deactivate_the_last_administrator_of_a_municipality(
        cli, make_user):
    admin = make_user("admin")
    result = cli("users", "deactivate", admin.email)
    assert result.exit_code == 2 and result.stderr.strip()
    assert db.session.get(User, admin.id).active is True
    result = cli("users", "roles", admin.email, "--role", "lead")
    assert result.exit_code == 2
    assert db.session.get(User, admin.id).roles == {"admin"}
    # With a second administrator, the first may go.
    make_user("admin")
    assert cli("users", "deactivate", admin.email).exit_code == 0


def test_session_cleanup_removes_expired_sessions_and_keeps_the_others(cli, write):
    from datetime import timedelta

    from lifecycle.models import WebSession, utcnow

    def add_sessions():
        db.session.add_all([
            WebSession(session_id="old", data=b"\x80", expiry=utcnow() - timedelta(minutes=1)),
            WebSession(session_id="live", data=b"\x80", expiry=utcnow() + timedelta(minutes=9)),
        ])
        db.session.flush()

    write(add_sessions)
    result = cli("session_cleanup")
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert db.session.scalars(select(WebSession.session_id)).all() == ["live"]
