"""Security logging as ASVS V16 asks: refusals and authentication events in the audit trail,
floods bounded, one request id across the log, the trail and the processing log, structured
lines that cannot be forged, and no secret in any line.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import select

from lifecycle.applog import RequestJsonFormatter
from lifecycle.domain.audit_evidence import verify_export
from lifecycle.extensions import db
from lifecycle.models import AuditRecord, ProcessingLogLine, utcnow
from lifecycle.services.accounts import revoke_token
from lifecycle.services.security_events import FLOOD_WINDOW_SECONDS, flush_refusal_windows
from lifecycle.services.uow import write_transaction
from tests.conftest import TEST_PASSWORD, SecretScanningHandler
from tests.web.clients import logged_in

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def records(action: str) -> list[AuditRecord]:
    db.session.commit()
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                                   .order_by(AuditRecord.id)))


def test_a_403_is_in_the_trail_as_refused_with_the_route(app, make_user):
    lead = make_user("lead")
    client = logged_in(app, lead)

    assert client.get("/audit").status_code == 403

    [record] = records("security.forbidden")
    assert record.result == "refused" and record.actor_id == lead.id
    assert record.municipality_id == lead.municipality_id
    assert record.after == {"route": "GET /audit", "status": 403}


def test_a_404_for_an_object_of_another_municipality_is_a_refusal_and_a_missing_one_is_not(
        app, make_user, make_network):
    network = make_network(make_user("lead", municipality="Utrecht"))
    stranger = make_user("lead", municipality="Venlo")
    client = logged_in(app, stranger)

    assert client.get(f"/netwerken/{network.id}").status_code == 404
    assert client.get("/netwerken/2147483000").status_code == 404

    [record] = records("security.out_of_scope")
    assert (record.object_type, record.object_id) == ("network", str(network.id))
    assert record.municipality_id == stranger.municipality_id  # the prober's own chain
    assert record.after["route"] == "GET /netwerken/<int:network_id>"


def test_the_api_records_a_refusal_of_another_municipalitys_network(app, make_user, make_network,
                                                                      api):
    network = make_network(make_user("lead", municipality="Utrecht"))
    stranger = make_user("auditor", municipality="Venlo")

    assert api(stranger).get(f"/api/v1/networks/{network.id}").status_code == 404

    [record] = records("security.out_of_scope")
    assert record.after["route"] == "GET /api/v1/networks/<int:network_id>"


def test_repeated_identical_refusals_within_a_minute_are_counted_in_one_record(app, make_user):
    lead = make_user("lead")
    client = logged_in(app, lead)

    for _ in range(30):
        assert client.get("/audit").status_code == 403

    assert len(records("security.forbidden")) == 1
    with write_transaction():
        written = flush_refusal_windows(utcnow() + timedelta(seconds=FLOOD_WINDOW_SECONDS + 1))
    assert written == 1
    [summary] = records("security.refusals_repeated")
    assert summary.after["repeats"] == 29
    assert summary.after["repeated_action"] == "security.forbidden"
    assert summary.after["first_seq"] == records("security.forbidden")[0].seq
    # After the window a new refusal is a record of its own again.
    client.get("/audit")
    assert len(records("security.forbidden")) == 2


def test_login_logout_and_a_failed_login_are_in_the_trail(app, make_user):
    user = make_user("reviewer")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": "niet het wachtwoord"})
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    client.post("/logout")

    logins = records("auth.login")
    assert [r.result for r in logins if r.actor_id == user.id] == ["refused", "ok"]
    [logout] = records("auth.logout")
    assert logout.actor_id == user.id and logout.after == {"route": "POST /logout"}


def test_unknown_and_revoked_tokens_are_refused_in_the_trail(app, make_user, api_token, api):
    user = make_user("lead")
    token = api_token(user)
    with write_transaction():
        from lifecycle.models import ApiToken

        revoke_token(user, db.session.scalars(select(ApiToken)).one().id)

    assert api(None).get("/api/v1/networks", headers={
        "Authorization": "Bearer vsp_onbekend-token-van-een-aanvaller"}).status_code == 401
    assert api(None).get("/api/v1/networks",
                         headers={"Authorization": f"Bearer {token}"}).status_code == 401

    unknown, revoked = records("auth.token_refused")
    assert unknown.municipality_id is None and unknown.after["reason"] == "unknown"
    assert revoked.municipality_id == user.municipality_id
    assert revoked.actor_id == user.id and revoked.after["reason"] == "revoked"
    assert revoked.after["route"] == "GET /api/v1/networks"
    assert all(token not in json.dumps(r.after) for r in (unknown, revoked))


def test_one_request_id_ties_the_log_the_audit_record_and_the_processing_log(
        app, make_user, make_network, caplog):
    lead = make_user("lead")
    client = logged_in(app, lead)

    with caplog.at_level(logging.INFO):
        response = client.get("/audit", headers={"traceparent": TRACEPARENT})
        logging.getLogger("lifecycle.test").info("outside any request")

    assert response.headers["X-Request-Id"] == TRACE_ID
    [record] = records("security.forbidden")
    assert record.trace_id == TRACE_ID
    formatter = RequestJsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records]
    assert all("request_id" in line for line in lines)


def test_the_processing_log_and_the_audit_record_share_the_request_id(
        app, make_user, make_network, api):
    lead = make_user("lead")
    network = make_network(lead)
    created = api(lead).post(f"/api/v1/networks/{network.id}/members",
                             json={"name": "Sleutelfiguur Een"},
                             headers={"traceparent": TRACEPARENT})
    assert created.status_code == 201, created.get_json()
    assert created.headers["X-Request-Id"] == TRACE_ID

    db.session.commit()
    lines = db.session.scalars(select(ProcessingLogLine)).all()
    [record] = records("member.created")
    assert lines and {line.trace_id for line in lines} == {record.trace_id} == {TRACE_ID}


def test_a_log_line_is_one_json_object_whatever_the_values_hold():
    formatter = RequestJsonFormatter()
    forged = 'x"}\n{"level": "INFO", "message": "admin logged in'
    record = logging.LogRecord("lifecycle.test", logging.WARNING, __file__, 1,
                               "refused for %s", (forged,), None)
    record.origin = forged

    line = formatter.format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == f"refused for {forged}"
    assert parsed["origin"] == forged and parsed["level"] == "WARNING"


def test_the_secret_scanner_catches_a_password_a_token_and_a_session_id():
    scanner = SecretScanningHandler()
    logger = logging.getLogger("lifecycle.scanner-check")
    logger.addHandler(scanner)
    logger.propagate = False
    try:
        logger.warning("harmless")
        logger.warning("login with %s", TEST_PASSWORD)
        logger.warning("token", extra={"token": "vsp_" + "a" * 43})
        logger.warning("cookie session=0123456789abcdef0123456789")
    finally:
        logger.removeHandler(scanner)
        logger.propagate = True
    assert scanner.lines_seen == 4 and len(scanner.leaks) == 3


def test_no_log_line_so_far_in_this_run_holds_a_secret(app, make_user, api_token, api):
    """The run-wide scan (tests/conftest.py) fails the whole run at its end; this test shows
    it saw lines and, for the lines so far, fails here with them."""
    from tests import conftest

    user = make_user("lead")
    token = api_token(user)
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": "verkeerd " + TEST_PASSWORD})
    api(None).get("/api/v1/networks", headers={"Authorization": f"Bearer {token}x"})

    assert conftest.SECRET_SCANNER is not None and conftest.SECRET_SCANNER.lines_seen > 0
    assert conftest.SECRET_SCANNER.leaks == []


def test_an_auditor_downloads_an_export_that_verifies_and_is_recorded(
        app, make_user, make_network):
    lead = make_user("lead")
    make_network(lead)
    auditor = make_user("auditor")
    client = logged_in(app, auditor)

    page = client.get("/audit").get_data(as_text=True)
    assert 'action="/audit/export"' in page
    response = client.post("/audit/export", data={"export-log": "audit",
                                                   "export-format": "jsonl"})

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data(as_text=True).splitlines()
    report = verify_export(body)
    assert report.ok, report.problems
    assert report.records == int(response.headers["X-Export-Records"]) > 0
    [record] = records("audit.exported")
    assert record.actor_id == auditor.id
    assert record.after["records"] == report.records and record.after["format"] == "jsonl"
    assert {json.loads(line).get("municipality_id") for line in body
            if '"type":"record"' in line} == {auditor.municipality_id}


def test_an_export_form_with_a_bad_filter_answers_422_and_records_nothing(app, make_user):
    client = logged_in(app, make_user("auditor"))

    response = client.post("/audit/export", data={"export-log": "audit",
                                                   "export-format": "jsonl",
                                                   "export-network": "twaalf"})

    assert response.status_code == 422
    assert records("audit.exported") == []


def test_a_csv_export_of_the_processing_log_downloads(app, make_user):
    client = logged_in(app, make_user("admin"))

    response = client.post("/audit/export", data={"export-log": "processing",
                                                   "export-format": "csv"})

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("id,trace_id")


def test_an_administrator_probing_a_user_of_another_municipality_is_recorded(app, make_user):
    other = make_user("lead", municipality="Venlo")
    client = logged_in(app, make_user("admin", municipality="Utrecht"))

    assert client.get(f"/beheer/gebruikers/{other.id}").status_code == 404

    [record] = records("security.out_of_scope")
    assert (record.object_type, record.object_id) == ("user", str(other.id))
