"""The command-line administration: users, roles, tokens, demo data and `audit verify`.

Misuse must end with exit code 2 and one clear line, never a traceback. The assertions look at
exit codes, the database and the values the operator typed, not at English wording, so they keep
working once the messages are translated.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lifecycle.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from lifecycle.extensions import db
from lifecycle.models import (
    ApiToken, AuditRecord, Evidence, Municipality, Network, SignOff, User,
)
from lifecycle.services.accounts import authenticate, user_for_token
from lifecycle.services.audit import verify_audit
from lifecycle.services.uow import write_transaction

PASSWORD = "een lang genoeg wachtwoord"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(args=list(args), input=input)
        db.session.rollback()  # see what the command committed, not a stale snapshot
        return result

    return invoke


def assert_misuse(result) -> None:
    """Exit code 2, a message on stderr, and no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.strip()
    assert "Traceback" not in result.output


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user_with_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == email)).one_or_none()


def create_args(email="anna@venlo.example.nl", *extra: str) -> list[str]:
    return ["users", "create", email, "--name", "Anna de Wit", "--municipality", "Venlo",
            "--role", "lead", "--role", "reviewer", *extra]


def test_an_operator_creates_a_user_whose_password_comes_from_stdin(cli):
    result = cli(*create_args(), input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    user = user_with_email("anna@venlo.example.nl")
    assert user is not None
    assert user.municipality.name == "Venlo"
    assert user.roles == {"lead", "reviewer"}
    assert str(user.id) in result.stdout and "anna@venlo.example.nl" in result.stdout
    with write_transaction():
        assert authenticate("anna@venlo.example.nl", PASSWORD) is not None


def test_a_password_keeps_its_spaces_and_loses_only_the_line_ending(cli):
    cli(*create_args(), input="  spaties tellen mee  \r\n")

    with write_transaction():
        assert authenticate("anna@venlo.example.nl", "  spaties tellen mee  ") is not None
    with write_transaction():
        assert authenticate("anna@venlo.example.nl", "spaties tellen mee") is None


def test_an_unknown_role_is_refused_with_exit_code_2_naming_the_role(cli):
    result = cli("users", "create", "anna@venlo.example.nl", "--name", "Anna",
                 "--municipality", "Venlo", "--role", "chef", input=PASSWORD + "\n")

    assert_misuse(result)
    assert "chef" in result.stderr
    assert user_with_email("anna@venlo.example.nl") is None


def test_a_second_user_with_the_same_email_is_refused_with_exit_code_2(cli, make_user):
    make_user("auditor", municipality="Venlo", email="anna@venlo.example.nl")

    result = cli(*create_args("Anna@Venlo.example.nl"), input=PASSWORD + "\n")

    assert_misuse(result)
    assert count(User, func.lower(User.email) == "anna@venlo.example.nl") == 1
    assert user_with_email("anna@venlo.example.nl").roles == {"auditor"}


def test_a_short_password_is_refused_with_exit_code_2(cli):
    result = cli(*create_args(), input="te kort\n")

    assert_misuse(result)
    assert user_with_email("anna@venlo.example.nl") is None


def test_an_empty_stdin_is_refused_with_exit_code_2(cli):
    result = cli(*create_args(), input="")

    assert_misuse(result)
    assert user_with_email("anna@venlo.example.nl") is None


def test_an_invalid_email_address_is_refused_with_exit_code_2(cli):
    result = cli(*create_args("geen-adres"), input=PASSWORD + "\n")

    assert_misuse(result)
    assert count(User) == 0


@pytest.mark.parametrize("args", [
    ["users", "create", "anna@venlo.example.nl", "--name", "Anna", "--municipality", "Venlo",
     "--role", "lead", "--admin"],
    ["users", "create", "anna@venlo.example.nl", "--role", "lead"],
    ["users", "frobnicate"],
    ["tokens", "revoke", "anna@venlo.example.nl", "not-a-number"],
], ids=["unknown-option", "missing-options", "unknown-command", "non-numeric-token-id"])
def test_malformed_commands_exit_with_code_2(cli, args):
    result = cli(*args, input=PASSWORD + "\n")

    assert_misuse(result)
    assert count(User) == 0


def test_an_operator_replaces_a_users_roles_and_the_change_is_audited(cli, make_user):
    user = make_user("lead", municipality="Venlo", email="anna@venlo.example.nl")

    result = cli("users", "roles", "anna@venlo.example.nl", "--role", "auditor",
                 "--role", "reviewer")

    assert result.exit_code == 0, result.output
    assert db.session.get(User, user.id).roles == {"auditor", "reviewer"}
    record = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.roles_changed")).one()
    assert record.actor_id is None
    assert record.object_id == str(user.id)
    assert record.before == {"roles": ["lead"]}
    assert record.after == {"roles": ["auditor", "reviewer"]}


def test_changing_the_roles_of_an_unknown_user_exits_with_code_2(cli):
    result = cli("users", "roles", "niemand@venlo.example.nl", "--role", "auditor")

    assert_misuse(result)
    assert "niemand@venlo.example.nl" in result.stderr


def test_users_list_shows_only_the_chosen_municipality(cli, make_user):
    make_user("lead", municipality="Venlo", email="anna@venlo.example.nl")
    make_user("lead", municipality="Amersfoort", email="bas@amersfoort.example.nl")

    everyone = cli("users", "list")
    venlo_only = cli("users", "list", "--municipality", "venlo")

    assert everyone.exit_code == 0 and venlo_only.exit_code == 0
    assert "anna@venlo.example.nl" in everyone.stdout
    assert "bas@amersfoort.example.nl" in everyone.stdout
    assert "anna@venlo.example.nl" in venlo_only.stdout
    assert "bas@amersfoort.example.nl" not in venlo_only.stdout


def test_users_list_of_an_unknown_municipality_exits_with_code_2(cli, make_user):
    make_user("lead", municipality="Venlo")

    result = cli("users", "list", "--municipality", "Atlantis")

    assert_misuse(result)
    assert "Atlantis" in result.stderr


def test_a_new_token_is_printed_once_on_stdout_and_resolves_to_its_user(cli, make_user):
    user = make_user("lead", municipality="Venlo", email="anna@venlo.example.nl")

    result = cli("tokens", "create", "anna@venlo.example.nl", "--label", "rapportage")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert result.stderr.strip()  # the "shown only once" note goes to stderr
    assert token not in result.stderr
    assert user_for_token(token).id == user.id
    row = db.session.scalars(select(ApiToken)).one()
    assert row.label == "rapportage"
    assert row.token_hash != token and token not in row.token_hash


def test_tokens_list_shows_the_prefix_but_never_the_token(cli, make_user):
    make_user("lead", municipality="Venlo", email="anna@venlo.example.nl")
    token = cli("tokens", "create", "anna@venlo.example.nl").stdout.strip()

    result = cli("tokens", "list", "anna@venlo.example.nl")

    assert result.exit_code == 0, result.output
    assert token[:10] in result.stdout
    assert token not in result.stdout


def test_a_revoked_token_no_longer_resolves(cli, make_user):
    make_user("lead", municipality="Venlo", email="anna@venlo.example.nl")
    token = cli("tokens", "create", "anna@venlo.example.nl").stdout.strip()
    token_id = db.session.scalars(select(ApiToken.id)).one()

    result = cli("tokens", "revoke", "anna@venlo.example.nl", str(token_id))

    assert result.exit_code == 0, result.output
    assert user_for_token(token) is None
    assert count(AuditRecord, AuditRecord.action == "token.revoked") == 1


def test_revoking_another_users_token_exits_with_code_2_and_leaves_it_working(cli, make_user):
    make_user("lead", municipality="Venlo", email="anna@venlo.example.nl")
    make_user("lead", municipality="Venlo", email="bas@venlo.example.nl")
    token = cli("tokens", "create", "bas@venlo.example.nl").stdout.strip()
    token_id = db.session.scalars(select(ApiToken.id)).one()

    result = cli("tokens", "revoke", "anna@venlo.example.nl", str(token_id))

    assert_misuse(result)
    assert user_for_token(token) is not None


def test_a_token_for_an_unknown_user_exits_with_code_2(cli):
    result = cli("tokens", "create", "niemand@venlo.example.nl")

    assert_misuse(result)
    assert result.stdout == ""
    assert count(ApiToken) == 0


def test_audit_verify_prints_ok_with_the_number_of_records(cli, make_user, make_network):
    lead = make_user("lead", municipality="Venlo")
    make_network(lead)
    make_network(lead, name="Netwerk Blerick")
    make_user("lead", municipality="Amersfoort")
    records = count(AuditRecord)

    result = cli("audit", "verify")

    assert result.exit_code == 0, result.output
    reported = re.match(r"OK: (\d+)\D", result.stdout)
    assert reported and int(reported.group(1)) == records == 4
    assert "Venlo" in result.stdout and "Amersfoort" in result.stdout


def test_the_demo_loads_two_municipalities_with_networks_in_most_stages(cli):
    result = cli("demo")

    assert result.exit_code == 0, result.output
    assert count(Municipality) == 2
    stages = set(db.session.scalars(select(Network.stage).distinct()))
    assert len(stages) >= 5, stages
    assert count(User) == len(DEMO_ACCOUNTS)
    reports = verify_audit()
    assert reports and all(report.result.ok for report in reports)
    assert sum(report.result.count for report in reports) == count(AuditRecord)
    # The demo also shows refused attempts, as the audit trail records them.
    assert count(AuditRecord, AuditRecord.result == "refused") >= 2
    assert DEMO_PASSWORD in result.stdout
    assert all(account.email in result.stdout for account in DEMO_ACCOUNTS)

    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and verified.stdout.startswith("OK: ")
    _the_demo_shows_networks_alive_between_incidents()


def _the_demo_shows_networks_alive_between_incidents() -> None:
    """Months of meetings, signals, inputs and answers: the dashboard shows something real,
    and each kind of attention item appears in one of the two municipalities."""
    from lifecycle.models import Briefing, Meeting, Notification, PolicyInput, Signal
    from lifecycle.services.attention import attention_list
    from lifecycle.services.insights import insights_for

    kinds, overdue = set(), 0
    for municipality in db.session.scalars(select(Municipality)):
        auditor = db.session.scalars(select(User).where(
            User.municipality_id == municipality.id).order_by(User.id)).first()
        entries = attention_list(auditor)
        kinds |= {entry.item.kind for entry in entries}
        overdue += len(entries)
        figures = insights_for(auditor)
        assert sum(sum(m.values()) for m in figures.signals_by_month.values()) >= 8
        assert sum(1 for m in figures.signals_by_month.values() if sum(m.values())) >= 5
        assert figures.on_time_total.on_time and figures.on_time_total.late
        assert figures.inputs.answered >= 2 and figures.inputs.median_days
        assert any(stage.median_days for stage in figures.stages)
    # (A periodic review is due too when the demo is loaded in some months of the year.)
    assert kinds >= {"meeting_cadence", "mandate_expired", "input_overdue", "signal_overdue",
                     "members_silent"}, kinds
    for model in (Meeting, Signal, PolicyInput, Briefing):
        assert count(model) >= 8, model
    assert count(PolicyInput, PolicyInput.answered_on.is_not(None)) >= 5
    # What is overdue today is recorded once, for the first tick to send.
    assert count(Notification) == overdue
    assert count(Notification, Notification.sent_at.is_not(None)) == 0


def test_no_demo_sign_off_breaks_the_four_eyes_principle(cli):
    cli("demo")

    approvals = db.session.execute(
        select(SignOff.reviewer_id, Evidence.submitted_by_id, Network.lead_id)
        .join(Evidence, SignOff.evidence_id == Evidence.id)
        .join(Network, SignOff.network_id == Network.id)
        .where(SignOff.decision == "approved", SignOff.revoked_at.is_(None),
               SignOff.stale_at.is_(None))
    ).all()
    assert approvals
    for reviewer_id, submitter_id, lead_id in approvals:
        assert reviewer_id not in (submitter_id, lead_id)


def test_every_demo_account_logs_in_with_the_documented_password(cli):
    cli("demo")

    for account in DEMO_ACCOUNTS:
        with write_transaction():
            user = authenticate(account.email, DEMO_PASSWORD)
        assert user is not None, account.email
        assert user.municipality.name == account.municipality
        assert user.roles == set(account.roles)


def test_running_the_demo_twice_is_refused_and_changes_nothing(cli):
    cli("demo")
    records, networks = count(AuditRecord), count(Network)

    again = cli("demo")
    if_empty = cli("demo", "--if-empty")

    assert_misuse(again)
    assert if_empty.exit_code == 0, if_empty.output
    assert DEMO_PASSWORD in if_empty.stdout
    assert (count(AuditRecord), count(Network)) == (records, networks)


def test_the_demo_refuses_a_database_with_users_of_its_own(cli, make_user):
    make_user("admin", municipality="Utrecht")

    result = cli("demo")
    if_empty = cli("demo", "--if-empty")

    assert_misuse(result)
    assert if_empty.exit_code == 0
    assert DEMO_PASSWORD not in if_empty.stdout
    assert count(Network) == 0
    assert count(User) == 1


def test_a_database_that_was_never_upgraded_gets_advice_not_a_traceback(tmp_path):
    from lifecycle import create_app

    empty = create_app({"TESTING": True, "SECRET_KEY": "test",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    runner = empty.test_cli_runner()

    for args in (["audit", "verify"], ["demo"], ["users", "list"]):
        result = runner.invoke(args=args)
        assert_misuse(result)
        assert "db upgrade" in result.stderr
