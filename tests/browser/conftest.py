"""Browser-tier fixtures: the real app served on 127.0.0.1 and headless Debian Chromium.

Browser downloads are blocked here, so Playwright drives the system's `chromium` through
`executable_path` (override with CHROMIUM_PATH). CSRF protection is on, as in production.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parents[2]
                                / "test-artifacts"))


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or \
        shutil.which("chromium-browser")


@pytest.fixture
def app_config(database_url, tmp_path):
    return {
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "browser-test-secret",
        "WTF_CSRF_ENABLED": True,
        "MFA_REQUIRED": False,
        "AUDIT_SIGNING_KEY": str(tmp_path / "audit_signing_key"),
        "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
    }


@pytest.fixture
def live_server(app):
    """Serve the app on a free local port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed: run scripts/setup (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (one per user); all are closed after the test."""
    contexts = []

    def factory(locale: str = "nl-NL", width: int = 1280, height: int = 900):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# When this run began; the summary names only the artifacts written since (under xdist the
# workers write them, and the controller, which prints the summary, only sees the folder).
RUN_STARTED = time.time()


def pytest_terminal_summary(terminalreporter):
    """Name the folder with the screenshots, so a reader of the test output can find them."""
    if not ARTIFACTS.is_dir():
        return
    shots = sorted(path.name for path in ARTIFACTS.glob("*.png")
                   if path.stat().st_mtime >= RUN_STARTED)
    if shots:
        terminalreporter.write_sep("-", "browser test artifacts")
        terminalreporter.write_line(f"Screenshots: {ARTIFACTS}")
        for name in shots:
            terminalreporter.write_line(f"  {name}")
