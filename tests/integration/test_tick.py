"""The tick: overdue items are recorded once, notified once, and mailed through real SMTP."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, Notification
from lifecycle.services.notifications import run_tick
from lifecycle.services.signals import record_signal
from lifecycle.services.uow import write_transaction


@pytest.fixture
def app_config(app_config, smtp_sink):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_sink.port,
            "MAIL_USE_TLS": False, "MAIL_DEFAULT_SENDER": "voelspriet@gemeente.example"}


def _late_signal(lead, network):
    with write_transaction():
        return record_signal(lead, network.id, {
            "reported_on": date.today() - timedelta(days=40), "theme": "polarisation",
            "description": "Spanningen na een voorval op school.", "urgency": "high"})


def test_a_tick_mails_the_lead_once_and_records_it_in_the_audit_trail(
        make_user, make_network, smtp_sink):
    lead = make_user("lead")
    network = make_network(lead)
    signal = _late_signal(lead, network)

    # The day after its deadline; then today, when it is past three times its deadline.
    first = run_tick(now=signal.deadline_at + timedelta(hours=12))
    again = run_tick(now=signal.deadline_at + timedelta(hours=13))
    graver = run_tick()
    last = run_tick()

    assert (first.new, first.sent, first.failed) == (1, 1, 0)
    assert (again.new, again.sent) == (0, 0)
    assert (graver.new, graver.sent) == (1, 1)
    assert (last.new, last.sent) == (0, 0)
    assert len(smtp_sink.messages) == 2
    assert {m["To"] for m in smtp_sink.messages} == {lead.email}
    assert all(network.name in m["Subject"] for m in smtp_sink.messages)
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "attention.overdue")) == 2
    assert {n.delivery for n in db.session.scalars(select(Notification))} == {"smtp"}


def test_ticks_at_the_same_moment_record_and_mail_each_overdue_item_once(
        make_user, make_network, smtp_sink, run_together):
    # On SQLite the write lock queues the ticks, so this passes even if they ran one after
    # another; on PostgreSQL they really overlap, and the advisory lock and the conditional
    # claim are what keep them from sending twice.
    lead = make_user("lead")
    signals = [_late_signal(lead, make_network(lead, name=f"Netwerk {n}")) for n in range(3)]
    moment = max(s.deadline_at for s in signals) + timedelta(hours=12)

    reports = run_together(4, lambda _: None, lambda _: run_tick(now=moment))

    assert all(report.ok for report in reports), [r.error for r in reports]
    assert sum(r.result.new for r in reports) == 3
    assert sum(r.result.sent for r in reports) == 3
    assert all(r.result.failed == 0 for r in reports)
    assert len(smtp_sink.messages) == 3
    assert len({m["X-Voelspriet-Notification"] for m in smtp_sink.messages}) == 3
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "attention.overdue")) == 3


def test_a_failed_send_is_tried_again_by_the_next_tick(make_user, make_network, smtp_sink):
    lead = make_user("lead")
    signal = _late_signal(lead, make_network(lead))
    moment = signal.deadline_at + timedelta(hours=12)

    smtp_sink.stop()  # nothing listens: the send fails and the claim is released
    failed = run_tick(now=moment)
    smtp_sink.start()
    retried = run_tick(now=moment)

    assert (failed.new, failed.sent, failed.failed) == (1, 0, 1)
    assert (retried.new, retried.sent, retried.failed) == (0, 1, 0)
    assert len(smtp_sink.messages) == 1
