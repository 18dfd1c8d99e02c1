"""Personal data by the book, on the real database: retention and `privacy purge` (idempotent,
safe from cron), an administrator's erasure, `audit verify` after both, the subject access export
(`privacy export PERSON_ID`), and the database schema itself checked for special categories.
"""
from __future__ import annotations

import json
import os
import re
import stat
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from lifecycle.domain.errors import NotAllowed, NotFound, ReasonRequired
from lifecycle.domain.privacy import special_category_terms
from lifecycle.domain.vocabulary import PERSON_VOCABULARIES
from lifecycle.extensions import db
from lifecycle.models import AuditRecord, Erasure, Member, MemberStep, ProcessingLogLine
from lifecycle.services.audit import verify_audit
from lifecycle.services.privacy import erase_member, member_reference, purge_expired
from lifecycle.services.registers import create_member, list_members, take_member_step
from lifecycle.services.workflows import catalogue

NAME, EMAIL, PHONE = "Fatima el Amrani", "f.elamrani@example.nl", "06-12345678"
INTAKE = {"intake_outcome": "suitable", "house_rules": ["openness", "church_state"]}
# Columns whose names match a stem but say nothing about a person: where a request came from.
NOT_ABOUT_A_PERSON = {("audit_record", "origin"), ("audit_refusal_window", "origin")}


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=list(args))
        db.session.rollback()  # see what the command committed
        return result

    return invoke


def person(write, lead, network_id, **extra) -> Member:
    return write(create_member, lead, network_id, {"name": NAME, "email": EMAIL, "phone": PHONE,
                                                   "note": "Contact via de moskee.", **extra})


def left_on(write, lead, network_id, moment: datetime) -> Member:
    """A person who joined and left the network at `moment` (their retention starts there)."""
    someone = person(write, lead, network_id)
    for step, data in (("record_intake", INTAKE), ("invite", {}), ("activate", {}),
                       ("leave", {"reason": f"{NAME} is verhuisd."})):
        write(take_member_step, lead, network_id, someone.id, step, data, now=moment)
    return db.session.get(Member, someone.id)


def fresh(member_id: int) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


def assert_erased(member_id: int) -> None:
    member = fresh(member_id)
    assert member.erased_at is not None
    assert (member.name, member.email, member.phone, member.note) == ("", None, None, None)
    assert member.status in ("left", "declined", "active", "inactive", "candidate", "invited",
                             "intake_held")  # the pipeline's state and dates stay
    reasons = db.session.scalars(select(MemberStep.reason).where(
        MemberStep.member_id == member_id)).all()
    assert reasons and all(reason is None for reason in reasons)


def audit_verifies() -> bool:
    return all(report.result.ok for report in verify_audit())


# --- Retention and purge ------------------------------------------------------------------

def test_purge_erases_what_has_expired_and_a_second_run_does_nothing(
        lead, make_network, write, audit_records):
    network = make_network(lead)
    left = left_on(write, lead, network.id, datetime(2026, 1, 10, 9, 0))
    staying = person(write, lead, network.id)
    declined = person(write, lead, network.id)
    write(take_member_step, lead, network.id, declined.id, "decline",
          now=datetime(2026, 6, 1, 9, 0))
    # Composition keeps data 24 months after leaving; the intake 12; the longest applies.
    almost = datetime(2028, 1, 10, 8, 59)
    assert write(purge_expired, now=almost).erased == 0
    assert fresh(left.id).erased_at is None

    report = write(purge_expired, now=datetime(2028, 1, 10, 9, 0))
    assert (report.erased, report.member_ids, report.checked) == (1, (left.id,), 2)
    assert_erased(left.id)
    assert fresh(staying.id).name == NAME and fresh(declined.id).name == NAME
    erasures = db.session.scalars(select(Erasure)).all()
    assert [(e.member_id, e.cause) for e in erasures] == [(left.id, "retention")]
    [record] = audit_records(municipality_id=lead.municipality_id, action="member.erased")
    assert (record.object_id, record.actor_id, record.after["cause"]) == (str(left.id), None,
                                                                         "retention")
    assert audit_verifies()

    audit_count = db.session.scalar(select(func.count()).select_from(AuditRecord))
    log_count = db.session.scalar(select(func.count()).select_from(ProcessingLogLine))
    again = write(purge_expired, now=datetime(2028, 1, 10, 9, 5))
    assert (again.erased, again.member_ids) == (0, ())
    assert db.session.scalar(select(func.count()).select_from(AuditRecord)) == audit_count
    assert db.session.scalar(select(func.count()).select_from(ProcessingLogLine)) == log_count
    assert db.session.scalar(select(func.count()).select_from(Erasure)) == 1
    assert audit_verifies()


def test_the_purge_command_reports_what_it_did_and_is_idempotent(lead, make_network, write,
                                                                 cli):
    network = make_network(lead)
    long_gone = left_on(write, lead, network.id, datetime.utcnow() - timedelta(days=3 * 365))
    person(write, lead, network.id)

    dry = cli("privacy", "purge", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert re.search(r"\b1\b.*\b1\b", dry.stdout)  # 1 would be erased, of 1 checked
    assert fresh(long_gone.id).erased_at is None

    first = cli("privacy", "purge")
    assert first.exit_code == 0, first.output
    assert f"{long_gone.id}" in first.stdout and first.stdout.lstrip().startswith("1 ")
    assert_erased(long_gone.id)
    second = cli("privacy", "purge")
    assert second.exit_code == 0, second.output
    assert second.stdout.lstrip().startswith("0 ")
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and verified.stdout.startswith("OK"), verified.output


def test_the_people_of_a_closed_network_expire_from_its_closing(lead, make_network, write):
    from lifecycle.services.lifecycle import advance_network

    network = make_network(lead)
    member = person(write, lead, network.id)
    write(advance_network, lead, network.id, "close", reason="Doel bereikt.")
    closed_at = db.session.get(type(network), network.id).closed_at
    assert write(purge_expired, now=closed_at + timedelta(days=700)).erased == 0
    assert write(purge_expired, now=closed_at + timedelta(days=24 * 31)).member_ids == \
        (member.id,)


# --- Erasure by an administrator ----------------------------------------------------------

def test_an_administrator_erases_a_person_now_with_a_reason_and_the_trail_verifies(
        lead, make_user, make_network, write, audit_records):
    network = make_network(lead)
    admin = make_user("admin")
    member = person(write, lead, network.id)
    write(take_member_step, lead, network.id, member.id, "record_intake",
          {**INTAKE, "reason": f"Gesprek met {NAME}."})
    for refused_user in (lead, make_user("reviewer"), make_user("auditor")):
        with pytest.raises(NotAllowed):
            write(erase_member, refused_user, network.id, member.id, "Verzoek.")
    with pytest.raises(NotFound):
        write(erase_member, make_user("admin", municipality="Venlo"), network.id, member.id,
              "Verzoek.")
    with pytest.raises(ReasonRequired):
        write(erase_member, admin, network.id, member.id, "  ")
    assert fresh(member.id).erased_at is None

    write(erase_member, admin, network.id, member.id, f"Verzoek van {NAME} zelf.")
    assert_erased(member.id)
    [erasure] = db.session.scalars(select(Erasure)).all()
    assert (erasure.cause, erasure.reason) == ("request", f"Verzoek van {NAME} zelf.")
    [record] = audit_records(municipality_id=lead.municipality_id, action="member.erased")
    assert (record.actor_id, record.after) == (admin.id, {"cause": "request",
                                                          "erasure_id": erasure.id})
    assert audit_verifies()
    # Erasing again changes nothing; the person stays listed as an empty row, and no read of
    # them is logged any more (there is nothing left to process).
    write(erase_member, admin, network.id, member.id, "Nogmaals.")
    assert len(audit_records(municipality_id=lead.municipality_id,
                             action="member.erased")) == 1
    before = db.session.scalar(select(func.count()).select_from(ProcessingLogLine))
    assert [m.id for m in write(list_members, lead, network.id).items] == [member.id]
    assert db.session.scalar(select(func.count()).select_from(ProcessingLogLine)) == before
    with pytest.raises(Exception) as read_only:
        write(take_member_step, lead, network.id, member.id, "invite")
    assert getattr(read_only.value, "code", None) == "read-only"


# --- Subject access -----------------------------------------------------------------------

def test_the_export_holds_the_persons_data_and_their_processing_log(lead, make_network, write,
                                                                   cli, tmp_path):
    network = make_network(lead)
    member = person(write, lead, network.id, sector="education", age_band="25_39")
    write(take_member_step, lead, network.id, member.id, "record_intake", INTAKE)
    write(list_members, lead, network.id)
    other = write(create_member, lead, network.id, {"name": "Iemand Anders"})

    result = cli("privacy", "export", str(member.id))
    assert result.exit_code == 0, result.output
    export = json.loads(result.stdout)
    assert export["person"]["id"] == member.id
    assert (export["person"]["name"], export["person"]["email"], export["person"]["phone"]) == (
        NAME, EMAIL, PHONE)
    assert export["person"]["sector"] == "education" and export["person"]["status"] == \
        "intake_held"
    assert [s["step"] for s in export["steps"]] == ["record_intake"]
    assert export["steps"][0]["house_rules_explained"] == ["openness", "church_state"]
    assert {a["id"] for a in export["processing_activities"]} == {"composition", "intake"}
    names = [line["name"] for line in export["processing_log"]]
    assert names[:3] == ["member.create", "member.step.record_intake", "member.list"]
    assert names[-1] == "member.export"  # the export itself is a processing, and logged
    reference = member_reference(member.id)
    assert {line["subject"] for line in export["processing_log"]} == {reference}
    assert member_reference(other.id) != reference
    assert "Iemand Anders" not in result.stdout

    target = tmp_path / "export.json"
    written = cli("privacy", "export", str(member.id), "--output", str(target))
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text(encoding="utf-8"))["person"]["name"] == NAME
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


@pytest.mark.parametrize("person_id", ["987654", "0"])
def test_an_export_of_an_unknown_person_exits_with_code_2_and_a_message(cli, person_id):
    result = cli("privacy", "export", person_id)
    assert result.exit_code == 2, result.output
    assert person_id in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_an_export_id_that_is_not_a_number_is_misuse(cli):
    result = cli("privacy", "export", "fatima")
    assert result.exit_code == 2 and "Traceback" not in result.output


# --- The schema check -----------------------------------------------------------------------

def special_category_fields(engine) -> list[str]:
    """Every table or column of the real database whose name points at a special category."""
    inspector = inspect(engine)
    found = []
    for table in inspector.get_table_names():
        if special_category_terms(table):
            found.append(table)
        for column in inspector.get_columns(table):
            if (table, column["name"]) not in NOT_ABOUT_A_PERSON and \
                    special_category_terms(column["name"]):
                found.append(f"{table}.{column['name']}")
    return found


def special_category_terms_in_vocabularies() -> list[str]:
    vocabularies = catalogue().vocabularies
    terms = [*vocabularies.person_sectors,
             *(term for name in PERSON_VOCABULARIES for term in getattr(vocabularies, name))]
    return [term.id for term in terms
            if special_category_terms(f"{term.id} {term.title.nl} {term.title.en}")]


def test_no_table_column_or_vocabulary_records_a_special_category(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"member", "member_step", "organisation", "processing_log"} <= tables
    assert special_category_fields(db.engine) == []
    assert special_category_terms_in_vocabularies() == []


def test_the_schema_check_finds_a_special_category_column_someone_adds(app):
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch_person_extra "
                                "(id INTEGER PRIMARY KEY, religion VARCHAR(40), "
                                "country_of_origin VARCHAR(40))"))
    try:
        assert special_category_fields(db.engine) == ["scratch_person_extra.religion",
                                                      "scratch_person_extra.country_of_origin"]
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE scratch_person_extra"))


def test_the_processing_log_holds_no_user(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("processing_log")}
    assert not columns & {"actor_id", "user_id", "user", "actor", "email", "name_of_user"}
    assert {"trace_id", "span_id", "activity", "operation", "subject_ref", "started_at",
            "ended_at", "status"} <= columns
