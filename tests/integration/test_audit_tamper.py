"""A tampered audit trail is caught by `flask --app wsgi audit verify`.

The tampering is done the way an insider would do it: with the database's own tools, around
the app. On SQLite the `sqlite3` module opens the file and drops the guard triggers; on
PostgreSQL a plain psycopg connection disables the triggers for the change (and re-enables them,
since the test database is shared). Without that step the database itself refuses UPDATE and
DELETE on the audit table, which the last tests show.
"""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from lifecycle.domain.audit import HASHED_FIELDS, OPTIONAL_HASHED_FIELDS, compute_hash
from lifecycle.extensions import db
from lifecycle.models import AuditRecord
from tests.audit_builders import Tamperer, audited_history

MUNICIPALITY = "Utrecht"


@pytest.fixture
def tamper(database_url) -> Tamperer:
    return Tamperer(database_url)


@pytest.fixture
def verify(app):
    runner = app.test_cli_runner()

    def run():
        result = runner.invoke(args=["audit", "verify"])
        db.session.rollback()
        return result

    return run


@pytest.fixture
def history(make_user, make_network, sign_off, verify):
    """A municipality with some real history; returns its chain id and last sequence number."""
    history = audited_history(make_user, make_network, sign_off, MUNICIPALITY)
    untouched = verify()
    assert untouched.exit_code == 0, untouched.output  # the trail verifies before tampering
    assert history.last_seq >= 8
    return history


def record(chain_id: int, seq: int) -> AuditRecord:
    return db.session.scalars(select(AuditRecord).where(
        AuditRecord.chain_id == chain_id, AuditRecord.seq == seq)).one()


def first_action_seq(chain_id: int, action: str) -> int:
    return db.session.scalar(select(AuditRecord.seq).where(
        AuditRecord.chain_id == chain_id, AuditRecord.action == action)
        .order_by(AuditRecord.seq).limit(1))


def assert_broken_at(result, seq: int) -> None:
    """Exit code 1, and a BROKEN line for the municipality naming exactly this sequence number."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines()
             if line.startswith("BROKEN") and MUNICIPALITY in line]
    assert len(lines) == 1, result.output
    assert re.search(rf"\b{seq}: ", lines[0]), lines[0]
    assert not re.search(rf"\b(?!{seq}\b)\d+: ", lines[0]), lines[0]


def test_a_changed_after_value_is_caught_at_its_sequence_number(history, tamper, verify):
    seq = first_action_seq(history.chain_id, "item.approved")
    assert record(history.chain_id, seq).after["status"] == "approved"

    tamper.set_json(history.chain_id, seq, "after",
                    '{"status": "approved", "signoff_id": 1, "evidence_id": 999}')

    assert_broken_at(verify(), seq)


def test_a_changed_result_is_caught_at_its_sequence_number(history, tamper, verify):
    seq = first_action_seq(history.chain_id, "item.evidence_submitted")

    tamper.set_text(history.chain_id, seq, "result", "refused")

    assert_broken_at(verify(), seq)


def test_a_changed_record_with_a_recomputed_hash_is_caught_at_the_next_record(
        history, tamper, verify):
    seq = first_action_seq(history.chain_id, "network.created")
    original = record(history.chain_id, seq)
    forged = SimpleNamespace(**{name: getattr(original, name)
                                for name in (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS)})
    forged.after = {**original.after, "lead_id": 999}
    forged_hash = compute_hash(original.prev_hash, forged)

    tamper.set_json(history.chain_id, seq, "after", json.dumps(forged.after))
    tamper.set_text(history.chain_id, seq, "hash", forged_hash)

    assert_broken_at(verify(), seq + 1)


def test_a_deleted_record_leaves_a_gap_that_is_caught(history, tamper, verify):
    seq = history.last_seq // 2

    tamper.delete(history.chain_id, seq)

    assert_broken_at(verify(), seq)


def test_a_deleted_last_record_is_caught_because_the_chain_head_remembers_it(
        history, tamper, verify):
    tamper.delete(history.chain_id, history.last_seq)

    assert_broken_at(verify(), history.last_seq)


def test_a_record_that_no_longer_parses_is_reported_not_crashed_on(
        history, tamper, verify, db_backend):
    if db_backend != "sqlite":
        pytest.skip("PostgreSQL's json type refuses text that is not JSON")
    seq = first_action_seq(history.chain_id, "item.approved")

    tamper.set_json(history.chain_id, seq, "after", "{not json")

    result = verify()
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("BROKEN")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_record SET result = 'refused' WHERE seq = 1",
    'UPDATE audit_record SET "after" = NULL',
    "DELETE FROM audit_record WHERE seq = 1",
    "DELETE FROM audit_record",
], ids=["update-one", "update-all", "delete-one", "delete-all"])
def test_the_database_itself_refuses_to_change_or_delete_audit_records(
        history, verify, statement):
    before = db.session.execute(select(AuditRecord.id, AuditRecord.hash)).all()
    db.session.remove()

    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(text(statement))

    assert db.session.execute(select(AuditRecord.id, AuditRecord.hash)).all() == before
    assert verify().exit_code == 0
