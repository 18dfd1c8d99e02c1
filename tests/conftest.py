"""Shared fixtures: an app on a freshly migrated database, and factories for users and networks.

Choose the database with `--db sqlite` (default) or `--db postgresql`; the PostgreSQL URL comes
from TEST_DATABASE_URL (default: the local `test` database). The schema is built once per run
with the real Alembic migrations (so the audit triggers exist), then every test gets a clean
copy: a copied SQLite file, or truncated PostgreSQL tables.

The suite runs in parallel with pytest-xdist (`-n 2`, as scripts/test does). Each worker has a
database of its own: SQLite files under its own temporary folder, and on PostgreSQL a database
named after TEST_DATABASE_URL's with the worker's id added (`test_gw0`, `test_gw1`, …), created
when missing. What a worker has to tell the whole run (leaked secrets, the summary lines a test
records as `summary:<title>` properties) travels to the controller through xdist's own channels.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
from collections import defaultdict

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lifecycle.config import normalise_database_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
# The Redis the session and throttling tests use; each test keeps to keys of its own prefix.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_PASSWORD = "correct horse battery staple"
TABLES = ("audit_record", "audit_chain", "audit_refusal_window", "processing_log", "erasure", "notification",
          "briefing", "policy_input", "signal_step", "signal", "agreement", "meeting_attendance",
          "meeting", "member_step", "member",
          "organisation", "network_profile", "stage_change", "item_state", "signoff", "evidence",
          "network", "api_token", "recovery_code", "web_session", "user_role", "user_account",
          "municipality")


# Hypothesis profiles: `standard` (the default, sized for CI) and `thorough`, many more
# examples for running by hand before a release: HYPOTHESIS_PROFILE=thorough scripts/test.
# The stateful tests scale their own example counts by the same variable (see their settings).
settings.register_profile("standard", deadline=None)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "standard"))
# --- no secret in any log line -------------------------------------------------------------
# Every log record of the whole run passes through this handler, formatted as the app writes
# it; a line that holds a test password, an API token, a bearer header or a session cookie is
# kept, and the run fails at the end (`pytest_sessionfinish`) naming those lines.
SECRET_PATTERNS = (
    re.escape(TEST_PASSWORD),
    r"een heel nieuw wachtwoord",
    r"vsp_[A-Za-z0-9_-]{16,}",          # a personal API token (TOKEN_PREFIX and its secret)
    r"[Bb]earer\s+\S{8,}",
    r"[Ss]ession=[A-Za-z0-9_.-]{16,}",  # a session cookie value
)


class SecretScanningHandler(logging.Handler):
    """Format each record as the app's JSON log does and keep the lines that leak a secret."""

    def __init__(self, patterns=SECRET_PATTERNS):
        super().__init__(logging.NOTSET)
        from lifecycle.applog import RequestJsonFormatter

        self.setFormatter(RequestJsonFormatter())
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        self.lines_seen = 0
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted is a bug shown elsewhere
            return
        self.lines_seen += 1
        if self.pattern.search(line):
            self.leaks.append(line)


SECRET_SCANNER: SecretScanningHandler | None = None


def pytest_configure(config):
    global SECRET_SCANNER
    SECRET_SCANNER = SecretScanningHandler()
    root = logging.getLogger()
    root.addHandler(SECRET_SCANNER)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def pytest_runtest_setup(item):
    """Keep the scanner on the root logger: Alembic's fileConfig() (run when the test schema is
    built) replaces the root logger's handlers."""
    root = logging.getLogger()
    if SECRET_SCANNER is not None and SECRET_SCANNER not in root.handlers:
        root.addHandler(SECRET_SCANNER)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run on a leaked secret. An xdist worker hands its leaks to the controller
    (`pytest_testnodedown`), which alone decides the run's exit status."""
    leaks = SECRET_SCANNER.leaks if SECRET_SCANNER is not None else []
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["secret_leaks"] = list(leaks)
        return
    leaks = leaks + WORKER_LEAKS
    if not leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = (f"{len(leaks)} log line(s) of this run hold a password, token "
               "or session id:\n" + "\n".join(leaks[:20]))
    if reporter is not None:
        reporter.write_line(message, red=True)
    session.exitstatus = 1


WORKER_LEAKS: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller collects what each xdist worker's secret scanner kept."""
    WORKER_LEAKS.extend(getattr(node, "workeroutput", {}).get("secret_leaks", []))


def pytest_terminal_summary(terminalreporter):
    """Print the lines tests recorded as `summary:<title>` properties (e.g. schemathesis's
    figures), under their titles. Properties ride on the test reports, so this works the same
    with and without xdist."""
    sections: dict[str, list[str]] = defaultdict(list)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if isinstance(name, str) and name.startswith("summary:"):
                    sections[name.removeprefix("summary:")].extend(value)
    for title, lines in sections.items():
        terminalreporter.write_sep("-", title)
        for line in lines:
            terminalreporter.write_line(line)


def pytest_addoption(parser):
    parser.addoption("--db", action="store", default="sqlite", choices=("sqlite", "postgresql"),
                     help="database backend for integration, web and browser tests")


@pytest.fixture(scope="session")
def db_backend(request) -> str:
    return request.config.getoption("--db")


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    from lifecycle import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        upgrade()
        from lifecycle.extensions import db

        db.engine.dispose()


def worker_database(url: str) -> str:
    """This xdist worker's own PostgreSQL database, created from `url`'s when missing; `url`
    itself when the run is not parallel."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(db_backend, tmp_path_factory):
    """Build the schema once with the real migrations; yield a recipe for a clean copy."""
    if db_backend == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _upgrade(f"sqlite:///{template}")
        yield ("sqlite", template)
    else:
        url = worker_database(normalise_database_url(
            os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)))
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _upgrade(url)
        yield ("postgresql", url)


_counter = itertools.count()


@pytest.fixture
def database_url(migrated_database, tmp_path):
    kind, source = migrated_database
    if kind == "sqlite":
        target = tmp_path / f"test-{next(_counter)}.sqlite3"
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    engine = create_engine(source)
    with engine.begin() as conn:
        # TRUNCATE does not fire the DELETE trigger; the app's own role should not have it.
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_chain (municipality_id, last_seq, last_hash) "
                          "VALUES (NULL, 0, :h)"), {"h": "0" * 64})
    engine.dispose()
    return source


@pytest.fixture
def app_config(database_url, tmp_path):
    """Settings for the test app; override this fixture in a tier to change them."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        # Most tests log in with a password only; the two-factor tests switch this on.
        "MFA_REQUIRED": False,
        # Never the developer's instance folder: each test has its own key and checkpoints.
        "AUDIT_SIGNING_KEY": str(tmp_path / "audit_signing_key"),
        "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
    }


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in a fresh app context, as in production.

    The `app` fixture keeps an app context open for the test's own service calls; without this,
    requests would reuse it and its `g` (where Flask-Login caches the user, Flask-Babel the
    locale, Flask-WTF the CSRF token) and its database session.
    """

    def open(self, *args, **kwargs):
        from lifecycle.extensions import db

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own read transaction, so its next query sees what the request wrote.
        db.session.commit()
        return response


@pytest.fixture
def fast_password_hashing(monkeypatch):
    """Argon2id with the smallest costs: the tests check behaviour, not hashing strength."""
    from argon2 import PasswordHasher

    from lifecycle.services import accounts

    monkeypatch.setattr(accounts, "password_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(app_config, fast_password_hashing):
    from lifecycle import create_app
    from lifecycle.extensions import db

    app = create_app(app_config)

    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def next_totp_code(user_id: int) -> str:
    """The code a user's authenticator app shows, for the earliest time step still unused.

    The app accepts the steps just before and after the current one, once each, so a test can
    log one user in up to three times within 30 seconds (after `make_user(mfa=True)`).
    """
    import pyotp

    from datetime import timezone

    from lifecycle.domain.accounts import TOTP_DRIFT_STEPS
    from lifecycle.extensions import db
    from lifecycle.models import User, utcnow

    db.session.commit()  # a fresh snapshot: the last step used may have just changed
    db.session.expire_all()
    user = db.session.get(User, user_id)
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(utcnow().replace(tzinfo=timezone.utc))
    step = current - TOTP_DRIFT_STEPS
    if user.totp_last_step is not None:
        step = max(step, user.totp_last_step + 1)
    assert step <= current + TOTP_DRIFT_STEPS, "this user used every code of the last minute"
    return totp.generate_otp(step)


@pytest.fixture
def make_user(app):
    """Create a user: make_user("lead"), make_user("reviewer", municipality="Venlo").

    `mfa=True`: the user has set up two-factor login (their app's secret is `user.totp_secret`;
    `next_totp_code(user.id)` gives the code the app would show).
    """
    import pyotp

    from lifecycle.extensions import db
    from lifecycle.models import User
    from lifecycle.services.accounts import create_user
    from lifecycle.services.second_factor import enrol_second_factor, new_totp_secret
    from lifecycle.services.uow import write_transaction

    numbers = itertools.count(1)

    def factory(*roles: str, municipality: str = "Utrecht", name: str | None = None,
                email: str | None = None, mfa: bool = False):
        n = next(numbers)
        roles = list(roles) or ["lead"]
        with write_transaction():
            user = create_user(
                email=email or f"{'-'.join(roles)}{n}@{municipality.lower()}.example.nl",
                name=name or f"{' '.join(roles).title()} {n}",
                municipality_name=municipality, roles=roles, password=TEST_PASSWORD,
            )
        if mfa:
            secret = new_totp_secret()
            with write_transaction():
                enrol_second_factor(user.id, secret, pyotp.TOTP(secret).now(),
                                    password=TEST_PASSWORD)
            with write_transaction():
                # Setting it up used the current step; free the last minute for test logins.
                db.session.get(User, user.id).totp_last_step = None
        return db.session.get(User, user.id)

    return factory


@pytest.fixture
def make_network(app):
    """Create a network led by `lead`; fields default to something a lead would write."""
    from lifecycle.services.networks import create_network
    from lifecycle.services.uow import write_transaction

    def factory(lead, **fields):
        data = {
            "name": "Netwerk Kanaleneiland",
            "goal": "Vroeg signaleren van spanningen tussen jongeren in de wijk.",
            "form": "structural",
            "form_justification": "Een vast netwerk past bij de langdurige opgave in de wijk.",
            "level": "group",
            "roles": ["signaling", "mediation"],
            **fields,
        }
        with write_transaction():
            network = create_network(lead, data)
        return network

    return factory


@pytest.fixture
def sign_off(app):
    """Make whole checklists hold: the data their automatic items need (see tests/builders.py),
    then evidence submitted (as the lead) and approved (as the reviewer) for each item that
    needs a sign-off."""
    from lifecycle.services.checklists import approve_item, submit_evidence
    from lifecycle.services.uow import write_transaction
    from lifecycle.services.workflows import workflow_of
    from tests.builders import example_details, satisfy_auto_items

    def helper(network, lead, reviewer, *checklist_ids: str):
        definition = workflow_of(network)
        satisfy_auto_items(network.id, lead, checklist_ids)
        for checklist_id in checklist_ids:
            for item in definition.checklist(checklist_id).items:
                if not item.needs_signoff:
                    continue
                with write_transaction():
                    submit_evidence(lead, network.id, item.id, f"Toelichting bij {item.id}.",
                                    details=example_details(item.records))
                with write_transaction():
                    approve_item(reviewer, network.id, item.id, "Akkoord.")

    return helper


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free local port; `.messages` holds what it received."""
    import email
    import socket

    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    handler.port = port
    running = []

    def start():
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)

    def stop():
        while running:
            running.pop().stop()

    # A test can take the server away and bring it back on the same port (a failing send).
    handler.start, handler.stop = start, stop
    start()
    try:
        yield handler
    finally:
        stop()
