"""Audit evidence that holds against someone with database access.

Tried as an auditor with database access would (the rows are changed with the database's own
tools, around the app, as in `test_audit_tamper`): a changed chain head, a whole chain
rewritten with recomputed hashes, a cut at the end with the head row fixed up. The head check
catches the first; the signed checkpoints (outside the database) catch the other two. Exports
verify offline, a tampered export fails, and a large export streams in bounded memory.
"""
from __future__ import annotations

import json
import logging
import os
import stat
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from lifecycle.domain import audit as audit_domain
from lifecycle.domain.audit import (HASHED_FIELDS, OPTIONAL_HASHED_FIELDS, AuditDraft,
                                    ChainHeadMismatch, compute_hash)
from lifecycle.domain.audit_evidence import load_public_key, verify_export
from lifecycle.extensions import db
from lifecycle.models import AuditChain, AuditRecord
from lifecycle.services.audit import append_audit
from lifecycle.services.audit_evidence import ExportFilters, prepare_audit_export
from lifecycle.services.privacy import member_reference
from lifecycle.services.registers import create_member, member_record
from lifecycle.services.uow import write_transaction
from lifecycle.tracing import start_trace
from tests.audit_builders import Tamperer, append_bulk_records, audited_history

MUNICIPALITY = "Utrecht"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        result = runner.invoke(args=list(args))
        db.session.rollback()
        return result

    return run


@pytest.fixture
def tamper(database_url) -> Tamperer:
    return Tamperer(database_url)


@pytest.fixture
def history(make_user, make_network, sign_off, cli):
    history = audited_history(make_user, make_network, sign_off, MUNICIPALITY)
    assert cli("audit", "verify").exit_code == 0
    return history


@pytest.fixture
def signed(app, cli, history):
    """A signing key and one checkpoint of every chain, as cron would have made them."""
    made = cli("audit", "keygen")
    assert made.exit_code == 0, made.output
    done = cli("audit", "checkpoint")
    assert done.exit_code == 0, done.output
    return history


def set_head(chain_id: int, seq: int, hash: str) -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(update(AuditChain).where(AuditChain.id == chain_id)
                           .values(last_seq=seq, last_hash=hash))


def records_of(chain_id: int) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.chain_id == chain_id)
                                   .order_by(AuditRecord.seq)))


def broken_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("BROKEN")]
    assert lines, result.output
    return "\n".join(lines)


# --- 1. the chain head ---------------------------------------------------------------------

def test_a_changed_head_hash_is_caught_by_verify(history, cli):
    set_head(history.chain_id, history.last_seq, "f" * 64)

    assert "de hash van de ketenkop wijkt af" in broken_line(cli("audit", "verify"))


def test_a_head_that_says_fewer_records_than_there_are_is_caught(history, cli):
    last = records_of(history.chain_id)[-2]
    set_head(history.chain_id, last.seq, last.hash)

    assert f"de ketenkop zegt {last.seq}" in broken_line(cli("audit", "verify"))


def test_the_next_append_refuses_to_build_on_a_changed_head_and_logs_it(history, caplog):
    set_head(history.chain_id, history.last_seq, "e" * 64)
    municipality_id = db.session.get(AuditChain, history.chain_id).municipality_id

    with caplog.at_level(logging.ERROR, logger="lifecycle.services.audit"):
        with pytest.raises(ChainHeadMismatch, match="damaged"):
            with write_transaction():
                append_audit(AuditDraft(municipality_id=municipality_id, actor_id=None,
                                        object_type="test", object_id=None, action="test.x"))

    assert any("chain head disagrees" in r.getMessage() for r in caplog.records)
    assert db.session.scalar(select(AuditRecord.seq).where(
        AuditRecord.chain_id == history.chain_id).order_by(AuditRecord.seq.desc()).limit(1)) \
        == history.last_seq


# --- 2. signed checkpoints ---------------------------------------------------------------

def test_keygen_writes_the_private_key_with_mode_0600_and_prints_the_public_key(app, cli):
    result = cli("audit", "keygen")

    assert result.exit_code == 0, result.output
    path = app.config["AUDIT_SIGNING_KEY"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "BEGIN PUBLIC KEY" in result.stdout
    load_public_key(open(path + ".pub", "rb").read())
    again = cli("audit", "keygen")
    assert again.exit_code == 2 and "bestaat al" in again.stderr


def test_checkpoint_without_a_key_is_misuse_with_a_message(cli, history):
    result = cli("audit", "checkpoint")

    assert result.exit_code == 2
    assert "audit keygen" in result.stderr


def test_a_checkpoint_run_writes_one_signed_line_per_chain(app, signed, cli):
    files = sorted(os.listdir(app.config["AUDIT_CHECKPOINT_DIR"]))
    lines = [json.loads(line) for name in files
             for line in open(os.path.join(app.config["AUDIT_CHECKPOINT_DIR"], name))]
    chains = db.session.scalars(select(AuditChain)).all()

    assert len(lines) == len(chains)
    assert {(line["municipality_id"], line["seq"], line["hash"]) for line in lines} == \
        {(c.municipality_id, c.last_seq, c.last_hash) for c in chains}
    assert all(line["signature"] and line["key_id"] for line in lines)
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "2 ondertekende controlepunten kloppen" in result.stdout  # the CLI speaks Dutch


def test_a_whole_chain_rewritten_with_recomputed_hashes_is_caught_by_the_checkpoint(
        signed, tamper, cli):
    rows = records_of(signed.chain_id)
    prev_hash = audit_domain.GENESIS_HASH
    target = next(r for r in rows if r.action == "network.created").seq
    forged = []
    for row in rows:
        values = SimpleNamespace(**{name: getattr(row, name)
                                    for name in (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS)})
        if row.seq == target:
            values.after = {**row.after, "lead_id": 999}
        new_hash = compute_hash(prev_hash, values)
        forged.append((row.seq, values.after, prev_hash, new_hash))
        prev_hash = new_hash
    for seq, after, prev, new in forged:
        if seq == target:
            tamper.set_json(signed.chain_id, seq, "after", json.dumps(after))
        tamper.set_text(signed.chain_id, seq, "prev_hash", prev)
        tamper.set_text(signed.chain_id, seq, "hash", new)
    set_head(signed.chain_id, forged[-1][0], forged[-1][3])

    report = broken_line(cli("audit", "verify"))
    assert "ondertekende controlepunt" in report and "herschreven" in report


def test_the_rewrite_would_pass_without_the_checkpoint(signed, tamper, cli, app):
    """The control: the same rewrite with the checkpoints gone passes `verify`, so the
    previous test shows what the checkpoint adds."""
    rows = records_of(signed.chain_id)
    prev_hash = audit_domain.GENESIS_HASH
    for row in rows:
        values = SimpleNamespace(**{name: getattr(row, name)
                                    for name in (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS)})
        if row.seq == 1:
            values.result = "refused"
            tamper.set_text(signed.chain_id, row.seq, "result", "refused")
        new_hash = compute_hash(prev_hash, values)
        tamper.set_text(signed.chain_id, row.seq, "prev_hash", prev_hash)
        tamper.set_text(signed.chain_id, row.seq, "hash", new_hash)
        prev_hash = new_hash
    set_head(signed.chain_id, rows[-1].seq, prev_hash)
    for name in os.listdir(app.config["AUDIT_CHECKPOINT_DIR"]):
        os.remove(os.path.join(app.config["AUDIT_CHECKPOINT_DIR"], name))

    assert cli("audit", "verify").exit_code == 0


def test_a_cut_at_the_end_with_the_head_fixed_up_is_caught_by_the_checkpoint(
        signed, tamper, cli):
    rows = records_of(signed.chain_id)
    tamper.delete(signed.chain_id, rows[-1].seq)
    tamper.delete(signed.chain_id, rows[-2].seq)
    set_head(signed.chain_id, rows[-3].seq, rows[-3].hash)

    report = broken_line(cli("audit", "verify"))
    assert f"stopt bij {rows[-3].seq}" in report and "afgeknipt" in report


def test_a_forged_checkpoint_line_is_reported(app, signed, cli):
    directory = app.config["AUDIT_CHECKPOINT_DIR"]
    name = sorted(os.listdir(directory))[0]
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        line = json.loads(handle.readline())
    line["seq"] += 5
    with open(os.path.join(directory, name), "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")

    assert "handtekening klopt niet" in broken_line(cli("audit", "verify"))


# --- 3. exports -------------------------------------------------------------------------

def test_an_export_verifies_offline_and_a_tampered_one_fails(signed, cli, tmp_path):
    export = tmp_path / "trail.jsonl"
    result = cli("audit", "export", "--format", "jsonl", "--output", str(export))
    assert result.exit_code == 0, result.output

    lines = export.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["type"] == "header"
    assert [json.loads(line)["type"] for line in lines[-3:]].count("checkpoint") >= 1
    ok = cli("audit", "verify", "--file", str(export))
    assert ok.exit_code == 0, ok.output
    assert "ondertekende controlepunten gecontroleerd" in ok.stdout

    tampered = tmp_path / "tampered.jsonl"
    changed = []
    for line in lines:
        values = json.loads(line)
        if values.get("action") == "item.approved" and not changed:
            values["actor_id"] = 999
            changed.append(values["seq"])
        tampered.write_text((tampered.read_text() if tampered.exists() else "")
                            + json.dumps(values) + "\n", encoding="utf-8")
    assert changed
    report = broken_line(cli("audit", "verify", "--file", str(tampered)))
    assert f"auditregel {changed[0]} geeft niet zijn eigen hash" in report


def test_an_export_cut_short_fails_offline(signed, cli, tmp_path):
    export = tmp_path / "trail.jsonl"
    assert cli("audit", "export", "--format", "jsonl", "--output", str(export)).exit_code == 0
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    records = [i for i, line in enumerate(lines) if '"type":"record"' in line]
    del lines[records[-1]]
    export.write_text("".join(lines), encoding="utf-8")

    assert "de ketenkop telt" in broken_line(cli("audit", "verify", "--file", str(export)))


def test_a_filtered_export_verifies_each_record_and_is_itself_audited(signed, cli, tmp_path):
    export = tmp_path / "approved.jsonl"
    result = cli("audit", "export", "--format", "jsonl", "--action", "item.approved",
                 "--output", str(export))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in export.read_text().splitlines()
               if '"type":"record"' in line]

    assert records and {r["action"] for r in records} == {"item.approved"}
    assert cli("audit", "verify", "--file", str(export)).exit_code == 0
    logged = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "audit.exported")).all()
    assert [r.after["records"] for r in logged] == [len(records)]
    assert logged[0].after["filters"]["action"] == "item.approved"
    assert logged[0].origin == "cli"


def test_a_csv_export_of_the_processing_log_has_its_header(cli, tmp_path, history):
    export = tmp_path / "processing.csv"
    result = cli("audit", "export", "--format", "csv", "--log", "processing",
                 "--output", str(export))

    assert result.exit_code == 0, result.output
    assert export.read_text().splitlines()[0].startswith("id,trace_id,span_id,name")


def test_the_processing_export_finds_a_read_only_request_under_its_actor(
        history, make_user, write, cli, tmp_path):
    """"Who looked at this person?": a read changes nothing, so the audit trail gets a
    `personal_data.read` record naming the reader (by id) under the request's trace id, and
    the processing-log lines, which name no user, are found through it."""
    auditor = make_user("auditor", municipality=MUNICIPALITY)
    start_trace()  # each service call below is a request of its own, with its own trace id
    person = write(create_member, history.lead, history.network.id, {"name": "Fatima"})
    start_trace()
    write(member_record, auditor, history.network.id, person.id)
    start_trace()

    def exported(actor_id: int) -> list[dict]:
        export = tmp_path / f"processing-{actor_id}.jsonl"
        result = cli("audit", "export", "--format", "jsonl", "--log", "processing",
                     "--actor", str(actor_id), "--output", str(export))
        assert result.exit_code == 0, result.output
        return [line for line in map(json.loads, export.read_text().splitlines())
                if line["type"] == "processing"]

    read = exported(auditor.id)
    assert [(line["name"], line["operation"]) for line in read] == [("member.read", "read")]
    assert read[0]["subject_ref"] == member_reference(person.id)
    assert "actor_id" not in read[0] and "Fatima" not in json.dumps(read)
    record = db.session.scalars(select(AuditRecord).where(
        AuditRecord.trace_id == read[0]["trace_id"])).one()
    assert (record.action, record.actor_id, record.object_type) == (
        "personal_data.read", auditor.id, "processing")
    assert record.after == {"activity": "composition", "name": "member.read",
                            "operation": "read", "subjects": 1}
    by_lead = {line["name"] for line in exported(history.lead.id)}
    assert "member.create" in by_lead and "member.read" not in by_lead
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["audit", "export", "--format", "xml", "--output", "x"], "xml"),
    (["audit", "export", "--format", "jsonl"], "--output"),
    (["audit", "export", "--format", "jsonl", "--network", "0", "--output", "x"], "--network"),
    (["audit", "export", "--format", "jsonl", "--from", "gisteren", "--output", "x"], "gisteren"),
    (["audit", "export", "--format", "jsonl", "--from", "2026-05-02", "--to", "2026-05-01",
      "--output", "EXPORT"], "ligt na"),
    (["audit", "verify", "--file", "/nonexistent/export.jsonl"], "/nonexistent/export.jsonl"),
    (["audit", "verify", "--public-key", "/nonexistent/key.pub"], "/nonexistent/key.pub"),
], ids=["format", "no-output", "network", "date", "period", "no-file", "no-key"])
def test_bad_input_to_the_audit_commands_is_misuse_with_a_message(cli, args, message, tmp_path):
    args = [str(tmp_path / "e.jsonl") if a == "EXPORT" else a for a in args]
    result = cli(*args)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def _misuse(result) -> str:
    """Exit code 2 and one translated line on stderr (the CLI speaks Dutch), no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Fout: "), result.stderr
    return result.stderr


@pytest.mark.parametrize("spoil, message", [
    (lambda key: os.chmod(key, 0o644), "is leesbaar voor anderen (modus 0644)"),
    (lambda key: open(key, "wb").write(b"geen sleutel"), "is geen geheime Ed25519-sleutel"),
    (lambda key: (os.remove(key), os.mkdir(key)), "is geen bestand met een ondertekensleutel"),
    (lambda key: os.remove(key), "geen ondertekensleutel op"),
], ids=["readable-by-others", "garbage", "a-directory", "missing"])
def test_a_bad_signing_key_file_stops_the_checkpoint_with_a_message(app, cli, history, spoil,
                                                                    message):
    assert cli("audit", "keygen").exit_code == 0
    spoil(app.config["AUDIT_SIGNING_KEY"])

    assert message in _misuse(cli("audit", "checkpoint"))
    assert not os.path.isdir(app.config["AUDIT_CHECKPOINT_DIR"]) or \
        not os.listdir(app.config["AUDIT_CHECKPOINT_DIR"])  # nothing half signed


def test_a_public_key_file_that_is_no_key_is_misuse(cli, tmp_path):
    bogus = tmp_path / "key.pub"
    bogus.write_text("-----BEGIN PUBLIC KEY-----\nbogus\n", encoding="utf-8")

    assert "is geen publieke Ed25519-sleutel" in _misuse(
        cli("audit", "verify", "--public-key", str(bogus)))


@pytest.mark.parametrize("spoil", [
    lambda path: path.write_bytes(b"\xff\xfe\x00 not text"),
    lambda path: (path.unlink(), path.mkdir()),
], ids=["not-utf8", "a-directory"])
def test_an_unreadable_checkpoint_file_is_misuse_for_verify_and_export(signed, app, cli,
                                                                       tmp_path, spoil):
    directory = app.config["AUDIT_CHECKPOINT_DIR"]
    spoil(Path(directory) / sorted(os.listdir(directory))[0])

    assert "kan het controlepuntbestand" in _misuse(cli("audit", "verify"))
    assert "kan het controlepuntbestand" in _misuse(
        cli("audit", "export", "--format", "jsonl", "--output", str(tmp_path / "e.jsonl")))


@pytest.mark.parametrize("content, message", [
    (b"", "de export is leeg"),
    (b"id,seq,hash\n1,2,3\n", "begint niet met zijn kop"),
    (b"{\"type\": \"record\", \"seq\": 1}\n", "begint niet met zijn kop"),
    (b"\x89PNG\r\n\x1a\n\x00\xff", "niet lezen"),
], ids=["empty", "csv", "no-header", "binary"])
def test_a_file_that_is_no_export_is_misuse_for_verify(cli, tmp_path, content, message):
    path = tmp_path / "not-an-export.jsonl"
    path.write_bytes(content)

    assert message in _misuse(cli("audit", "verify", "--file", str(path)))


def test_a_processing_log_export_given_to_verify_is_misuse(cli, tmp_path, history):
    export = tmp_path / "processing.jsonl"
    assert cli("audit", "export", "--format", "jsonl", "--log", "processing",
               "--output", str(export)).exit_code == 0

    assert "alleen exports van het auditspoor" in _misuse(
        cli("audit", "verify", "--file", str(export)))


def _bulk_records(municipality_id: int, count: int) -> None:
    """Append `count` records of some 300 bytes each to the chain, fast and hashed the real way."""
    append_bulk_records(municipality_id, count, lambda n: {
        "actor_id": 1, "object_id": str(n), "network_id": n % 50,
        "after": {"name": f"Netwerk {n}", "goal": "x" * 200}})


def test_an_export_of_50000_records_streams_in_bounded_memory(history):
    municipality_id = db.session.get(AuditChain, history.chain_id).municipality_id
    _bulk_records(municipality_id, 50_000)
    db.session.expire_all()

    tracemalloc.start()
    try:
        with write_transaction():
            export = prepare_audit_export(municipality_id=municipality_id, all_chains=False,
                                          filters=ExportFilters(), fmt="jsonl", actor_id=None,
                                          origin="test")
        size = lines = 0
        for line in export.lines:
            size += len(line)
            lines += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert export.count >= 50_000 and lines == export.count + 2
    # The export is far larger than what it held at once: it streamed.
    assert size > 20_000_000
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB export"


def test_verifying_a_large_export_offline_uses_bounded_memory(history, tmp_path):
    municipality_id = db.session.get(AuditChain, history.chain_id).municipality_id
    _bulk_records(municipality_id, 20_000)
    path = tmp_path / "big.jsonl"
    with write_transaction():
        export = prepare_audit_export(municipality_id=municipality_id, all_chains=False,
                                      filters=ExportFilters(), fmt="jsonl", actor_id=None,
                                      origin="test")
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(export.lines)

    tracemalloc.start()
    try:
        with open(path, encoding="utf-8") as handle:
            report = verify_export(handle)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.ok, report.problems
    assert report.records == export.count
    assert peak < 4_000_000


def test_an_empty_database_exports_and_verifies(app, cli, tmp_path):
    export = tmp_path / "empty.jsonl"
    assert cli("audit", "export", "--format", "jsonl", "--output", str(export)).exit_code == 0

    result = cli("audit", "verify", "--file", str(export))
    assert result.exit_code == 0, result.output


def _readme_export_check() -> str:
    """The auditor's stdlib snippet from the README, exactly as printed there."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("standard-library Python an auditor needs", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_snippet_checks_an_export_and_catches_a_changed_record(signed, cli, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("audit", "export", "--format", "jsonl", "--output", "export.jsonl").exit_code == 0
    snippet = _readme_export_check()

    exec(compile(snippet, "README.md", "exec"), {})  # passes on the real export

    lines = (tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if '"action":"item.approved"' in line)
    lines[index] = lines[index].replace('"result":"ok"', '"result":"refused"')
    (tmp_path / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        exec(compile(snippet, "README.md", "exec"), {})
