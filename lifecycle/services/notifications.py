"""The tick: record what fell due, then deliver each notification once, by e-mail or to the log.

`run_tick` is what `flask --app wsgi lifecycle tick` runs, from cron at any frequency and with no
resident process:

1. In one write transaction, `attention.record_overdue` records every item that is overdue and
   has no notification yet. The notification's key is unique, so a second tick (at the same time
   or later) meets the same keys and adds nothing, and only the first writes the audit record.
2. Each unsent notification is then claimed in its own short transaction: a conditional UPDATE
   that only one tick can win (the row lock on PostgreSQL, the write lock on SQLite). The winner
   sends it and marks it sent. A claim left behind by a tick that died is taken over after
   `attention.CLAIM_TIMEOUT`; a failed send releases the claim, so the next tick tries again.

With `SMTP_HOST` set the mail goes through Flask-Mail; without it the notification is written to
the log as one structured line. The app shows every notification either way (`notifications_for`).
The mail names the network and the reason, never a person.
"""
from __future__ import annotations

import logging
import smtplib
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from flask import current_app
from flask_babel import force_locale
from flask_mail import Message

from ..extensions import db, mail
from ..models import Network, Notification, User
from ..notices import reason_text
from .attention import claim_notification, mark_sent, record_overdue, release_claim, \
    unsent_notifications
from .common import now_or
from .uow import write_transaction

log = logging.getLogger("lifecycle.notifications")


@dataclass(frozen=True)
class TickReport:
    overdue: int  # items overdue now, over all municipalities
    new: int  # of which recorded for the first time by this tick
    sent: int  # notifications this tick delivered (by e-mail or to the log)
    failed: int  # notifications it could not deliver (the next tick tries them again)
    skipped: int  # notifications another tick was delivering at the same time


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """Flask-Mail opens its SMTP connection without a timeout; a tick must not hang on a
    server that does not answer. The tick is a process of its own, so setting the default
    for the length of one send touches nothing else."""
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(before)


def _path_of(endpoint: str, **values) -> str:
    """A page's path without a request (the tick runs from cron)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _render(template: str, **context) -> str:
    """Render a mail template without a request (the pages' context processors need one)."""
    return current_app.jinja_env.get_template(template).render(**context)


def _message_parts(notification: Notification) -> tuple[str, str, User, Network | None]:
    user = db.session.get(User, notification.user_id)
    network = db.session.get(Network, notification.network_id) \
        if notification.network_id else None
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        reason = reason_text(notification.kind, notification.due_on, notification.details)
        link = current_app.config["PUBLIC_URL"] + _path_of(
            "networks.detail", network_id=network.id) if network is not None else \
            current_app.config["PUBLIC_URL"] + _path_of("dashboard.index")
        subject = _render("mail/notification_subject.txt", network=network,
                          reason=reason).strip()
        body = _render("mail/notification.txt", user=user, network=network, reason=reason,
                       link=link)
    return subject, body, user, network


def deliver_notification(notification_id: int) -> str:
    """Send one claimed notification; "smtp" or "log", as it went. Raises when SMTP fails."""
    notification = db.session.get(Notification, notification_id)
    subject, body, user, network = _message_parts(notification)
    if current_app.config.get("MAIL_SERVER"):
        with _socket_timeout(current_app.config["SMTP_TIMEOUT"]):
            mail.send(Message(subject=subject, recipients=[user.email], body=body,
                              extra_headers={"X-Voelspriet-Notification": notification.key}))
        return "smtp"
    log.info("notification", extra={"notification": {
        "id": notification.id, "key": notification.key, "kind": notification.kind,
        "user_id": user.id, "network_id": notification.network_id,
        "due_on": notification.due_on.isoformat(), "subject": subject}})
    return "log"


def deliver_pending(*, now: datetime | None = None) -> tuple[int, int, int]:
    """Claim, send and mark each unsent notification; (sent, failed, skipped)."""
    sent = failed = skipped = 0
    for notification_id in unsent_notifications():
        with write_transaction():
            claimed = claim_notification(notification_id, now=now)
        if not claimed:
            skipped += 1
            continue
        try:
            delivery = deliver_notification(notification_id)
        except (smtplib.SMTPException, OSError) as exc:
            db.session.rollback()
            log.warning("notification %s not sent: %s", notification_id, exc)
            with write_transaction():
                release_claim(notification_id)
            failed += 1
            continue
        with write_transaction():
            mark_sent(notification_id, delivery, now=now)
        sent += 1
    return sent, failed, skipped


def run_tick(*, now: datetime | None = None) -> TickReport:
    """Evaluate every due date once, record what became overdue, deliver what is unsent."""
    moment = now_or(now)
    with write_transaction():
        overdue, new = record_overdue(now=moment)
    sent, failed, skipped = deliver_pending(now=now)
    return TickReport(overdue=overdue, new=new, sent=sent, failed=failed, skipped=skipped)
