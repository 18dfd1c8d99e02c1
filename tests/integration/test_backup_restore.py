"""`flask --app wsgi backup PATH` and `restore PATH [--force]` on the test's own database.

A backup taken while another thread keeps writing is consistent: restored, its audit trail
verifies and its counts are those of one moment between the first and the last write. A
restore refuses a database that holds data unless forced, and runs `audit verify` after.
"""
from __future__ import annotations

import sqlite3
import stat
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, Evidence, Network
from lifecycle.services.audit import verify_audit

WRITES_BEFORE_BACKUP = 5
WRITES_AFTER_BACKUP = 5
WRITER_TIMEOUT_SECONDS = 60


@pytest.fixture
def cli(app, tmp_path):
    # An instance folder of the test's own, with the secret key file the backup carries.
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text("k" * 64)
    app.instance_path = str(tmp_path / "instance")
    runner = app.test_cli_runner()

    def invoke(*args: str):
        db.session.remove()  # hold no lock or snapshot while the command works
        result = runner.invoke(args=list(args))
        db.session.remove()
        return result

    return invoke


def counts() -> dict[str, int]:
    db.session.remove()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Network, Evidence, AuditRecord)}


class Writer(threading.Thread):
    """Submits evidence again and again, each time in its own transaction, until stopped."""

    def __init__(self, app, lead_id: int, network_id: int):
        super().__init__(name="writer", daemon=True)
        self.app, self.lead_id, self.network_id = app, lead_id, network_id
        self.done = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from lifecycle.models import User
        from lifecycle.services.checklists import submit_evidence
        from lifecycle.services.uow import write_transaction

        with self.app.app_context():
            try:
                while not self.stop.is_set():
                    lead = db.session.get(User, self.lead_id)
                    with write_transaction():
                        submit_evidence(lead, self.network_id, "mandate.sponsor_named",
                                        f"Versie {self.done}: de wethouder is opdrachtgever.")
                    self.done += 1
            except BaseException as exc:  # reported to the test
                self.error = exc
            finally:
                db.session.remove()

    def wait_for(self, writes: int) -> None:
        deadline = time.monotonic() + WRITER_TIMEOUT_SECONDS
        while self.done < writes and self.error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.error is None, self.error
        assert self.done >= writes, "the writer made no progress"


def test_a_backup_taken_while_writes_go_on_restores_and_verifies(app, cli, make_user,
                                                                 make_network, tmp_path):
    lead = make_user("lead")
    network = make_network(lead)
    writer = Writer(app, lead.id, network.id)
    writer.start()
    try:
        writer.wait_for(WRITES_BEFORE_BACKUP)
        at_start = writer.done
        result = cli("backup", str(tmp_path / "voelspriet.backup"))
        at_end = writer.done
        writer.wait_for(at_end + WRITES_AFTER_BACKUP)
    finally:
        writer.stop.set()
        writer.join(WRITER_TIMEOUT_SECONDS)
    assert result.exit_code == 0, result.output
    assert at_end > at_start, "no write happened while the backup ran; the test proves less"
    final = counts()

    restored = cli("restore", "--force", str(tmp_path / "voelspriet.backup"))
    assert restored.exit_code == 0, restored.output
    assert "OK" in restored.output  # audit verify ran on the restored database

    after = counts()
    evidence_written_before = WRITES_BEFORE_BACKUP  # at least these were in the database
    assert evidence_written_before <= after["evidence"] < final["evidence"]
    assert after["network"] == final["network"] == 1
    assert all(report.result.ok for report in verify_audit())
    # Every submission left exactly one audit record: the snapshot is of one moment.
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "item.evidence_submitted")) == after["evidence"]


def test_a_backup_is_private_and_holds_the_database_and_the_secret_key(app, cli, make_user,
                                                                       tmp_path, db_backend):
    make_user("lead")
    target = tmp_path / "voelspriet.backup"
    assert cli("backup", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with tarfile.open(target) as archive:
        names = set(archive.getnames())
        assert archive.extractfile("secret_key").read() == b"k" * 64
    dump = "database.sqlite3" if db_backend == "sqlite" else "database.pgdump"
    assert names == {"manifest.json", dump, "secret_key"}


def test_a_restore_refuses_a_database_with_data_without_force(app, cli, make_user,
                                                              tmp_path):
    make_user("lead")
    assert cli("backup", str(tmp_path / "b")).exit_code == 0
    make_user("reviewer")
    before = counts()
    result = cli("restore", str(tmp_path / "b"))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert counts() == before


def test_a_backup_restores_into_an_empty_database_without_force(app, cli, make_user,
                                                                make_network, tmp_path,
                                                                db_backend):
    lead = make_user("lead")
    make_network(lead)
    before = counts()
    assert cli("backup", str(tmp_path / "b")).exit_code == 0
    db.session.remove()
    db.engine.dispose()
    if db_backend == "sqlite":
        Path(db.engine.url.database).unlink()
        sqlite3.connect(db.engine.url.database).close()  # an empty file, no tables
    else:
        with create_engine(db.engine.url).begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    (Path(app.instance_path) / "secret_key").unlink()
    result = cli("restore", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert counts() == before
    assert (Path(app.instance_path) / "secret_key").read_text() == "k" * 64


def test_a_file_that_is_not_a_backup_is_refused_with_exit_code_2(app, cli, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    result = cli("restore", "--force", str(junk))
    assert result.exit_code == 2 and result.stderr.strip()
    assert "Traceback" not in result.output


def test_a_restore_whose_audit_trail_is_broken_exits_with_1(app, cli, make_user, tmp_path,
                                                             db_backend):
    """The verification after a restore is real: a backup of a tampered trail fails it."""
    make_user("lead")
    db.session.remove()
    with db.engine.begin() as connection:
        # Someone with the database's own tools gets past the append-only guard.
        if db_backend == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_record_no_update")
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_update_or_delete")
        connection.exec_driver_sql("UPDATE audit_record SET action = 'user.deleted'")
    target = tmp_path / "b"
    assert cli("backup", str(target)).exit_code == 0
    try:
        result = cli("restore", "--force", str(target))
    finally:
        if db_backend == "postgresql":  # the schema outlives this test; put the guard back
            with db.engine.begin() as connection:
                connection.exec_driver_sql(
                    "ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_update_or_delete")
    assert result.exit_code == 1
    assert "BROKEN" in result.output
