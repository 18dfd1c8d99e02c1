"""Every page is valid HTML: the Nu Html Checker (npm's vnu-jar, run with Debian's Java) reads
the pages the accessibility suite visits.

The pages come from the browser tier's visit plan (`PAGE_PLAN` and `ERROR_PAGES` of
tests/browser/test_accessibility.py), built on the same data (`build_world`), so a page added
there is validated here too. Visits that need a browser to act first (fill in a form, follow a
link) are left to the browser tier; every other one is fetched with the test client as its
user and all of them go to one run of the checker. Any error fails the test, one line each,
naming the page.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.pages import ROLES
from tests.browser.test_accessibility import ERROR_PAGES, LIST_PAGE_SIZE, PAGE_PLAN, build_world
from tests.web.clients import log_in

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_SIZE": LIST_PAGE_SIZE}


def java() -> str:
    path = shutil.which("java")
    if path is None or not VNU_JAR.exists():
        pytest.fail("The Nu Html Checker needs Java and vnu-jar: run scripts/setup")
    return path


def check_html(documents: dict[str, str], folder: Path) -> list[str]:
    """Run the checker once over every document; one readable line per error."""
    names = {}
    for number, (label, html) in enumerate(documents.items()):
        path = folder / f"page-{number:03}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = label
    run = subprocess.run([java(), "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
                          "--exit-zero-always", *sorted(str(p) for p in folder.glob("*.html"))],
                         capture_output=True, text=True, timeout=600)
    report = json.loads(run.stderr or run.stdout or '{"messages": []}')
    problems = []
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        url = message.get("url", "?")
        label = names.get(url.rsplit("/", 1)[-1], url)
        problems.append(f"{label}, line {message.get('lastLine', '?')}: {message['message']} "
                        f"[{(message.get('extract') or '').strip()[:80]}]")
    return problems


def test_the_checker_finds_an_error_it_is_shown(tmp_path):
    """The check can fail: a page with a fraction of six digits in <time datetime> is refused."""
    page = ('<!doctype html><html lang="nl"><head><title>t</title></head><body><p><time '
            'datetime="2026-03-12T10:00:00.123456Z">12 maart</time></p></body></html>')
    problems = check_html({"broken page": page}, tmp_path)
    assert problems and problems[0].startswith("broken page, line 1:"), problems


def test_every_page_the_accessibility_suite_visits_is_valid_html(
        app, make_user, make_network, sign_off, tmp_path):
    world = build_world(make_user, make_network, sign_off)
    visits = [visit for plan in PAGE_PLAN.values() for visit in plan(world)] + ERROR_PAGES
    clients: dict[tuple[str, str], object] = {}
    documents: dict[str, str] = {}
    for visit in visits:
        if visit.act is not None:
            continue  # needs a browser to act first: the browser tier checks it
        key = (visit.municipality, visit.role)
        if key not in clients:
            client = app.test_client()
            if visit.role != "anonymous":
                log_in(client, world[visit.municipality].users[visit.role])
            clients[key] = client
        response = clients[key].get(visit.path)
        if response.status_code in (301, 302, 303):
            response = clients[key].get(response.headers["Location"])
        label = f"{visit.label} [{visit.role}, {visit.municipality}: {visit.path}]"
        assert response.status_code == visit.status, (label, response.status_code)
        assert response.mimetype == "text/html", label
        documents[label] = response.get_data(as_text=True)
    assert {role for _place, role in clients} >= {*ROLES, "anonymous"}
    assert len(documents) > 50, "the visit plan gave too few pages to be the real one"

    problems = check_html(documents, tmp_path)
    assert not problems, f"{len(problems)} HTML error(s):\n" + "\n".join(problems)
