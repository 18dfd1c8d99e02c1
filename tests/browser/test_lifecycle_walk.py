"""A lead and a reviewer walk a network from orientation to maintenance in a real browser;
then an auditor reads its history. CSRF protection and two-factor login are on, as in
production: the lead and the auditor set up two-factor login at their first login, the
reviewer has it already and types the code of their app."""
from __future__ import annotations

import re

import pytest

from lifecycle.extensions import db
from lifecycle.models import User
from lifecycle.services.workflows import latest_workflow
from tests.builders import example_details, satisfy_auto_items
from tests.browser.pages import log_in


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MFA_REQUIRED": True}

GATES = {
    "start_core": ("orientation", "mandate", "church_state"),
    "expand": ("core_functioning", "diversity"),
    "consolidate": ("maintenance_plan",),
}


def submit_evidence(page, base_url: str, network_id: int, item_id: str,
                    details: dict | None = None) -> None:
    page.goto(f"{base_url}/netwerken/{network_id}/items/{item_id}")
    form = page.locator("form[action$='/bewijs']")
    form.locator("textarea[name=justification]").fill(f"Toelichting bij {item_id}: besproken "
                                                      "met de besturen en vastgelegd.")
    for name, value in (details or {}).items():  # what the item records, e.g. the mandate
        form.locator(f"input[name=details_{name}]").fill(str(value))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def approve(page, base_url: str, network_id: int, item_id: str) -> None:
    page.goto(f"{base_url}/netwerken/{network_id}/items/{item_id}")
    form = page.locator("form[action$='/aftekenen']")
    form.locator("textarea[name=comment]").fill("Akkoord, voldoende onderbouwd.")
    form.locator("button[type=submit]:not([formaction])").click()
    page.wait_for_load_state()


def fire(page, base_url: str, network_id: int, trigger: str) -> None:
    page.goto(f"{base_url}/netwerken/{network_id}")
    form = page.locator(f"form[action$='/stap']:has(input[name=trigger][value={trigger}])")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_network_is_walked_to_maintenance_and_its_history_read_by_the_auditor(
        live_server, new_page, make_user, artifacts_dir):
    lead = make_user("lead", name="Fatima de Vries")
    reviewer = make_user("reviewer", name="Johan Bakker", mfa=True)
    auditor = make_user("auditor", name="Ilse Jansen")
    definition = latest_workflow("network-lifecycle")

    lead_page = new_page()
    reviewer_page = new_page()
    log_in(lead_page, live_server, lead.email)
    log_in(reviewer_page, live_server, reviewer.email)
    db.session.rollback()  # end the test's own read snapshot: see what the browsers did
    for user in (lead, reviewer):
        assert db.session.get(User, user.id).has_second_factor

    lead_page.goto(f"{live_server}/netwerken/nieuw")
    lead_page.fill("input[name=name]", "Sleutelfiguren Noordwest")
    lead_page.fill("textarea[name=goal]", "Spanningen tussen jongeren vroeg zien en samen "
                                          "met gemeenschappen dempen.")
    lead_page.fill("textarea[name=form_justification]",
                   "Een vast netwerk past bij een opgave die jaren duurt.")
    lead_page.check("input[name=roles][value=signaling]")
    lead_page.locator("main form button[type=submit]").click()
    lead_page.wait_for_url(re.compile(r"/netwerken/\d+$"))
    network_id = int(lead_page.url.rstrip("/").rsplit("/", 1)[1])

    # Before anything is signed off, the first step is blocked and says what is missing.
    assert "mandate.sponsor_named" in lead_page.content()
    assert lead_page.locator("form[action$='/stap']:has(input[value=start_core])").count() == 0

    for trigger, checklists in GATES.items():
        # The registers behind the automatic items (organisations, people, a profile) are
        # built through the services; the composition pages have their own browser tests.
        satisfy_auto_items(network_id, lead, checklists)
        for checklist_id in checklists:
            for item in definition.checklist(checklist_id).items:
                if not item.needs_signoff:
                    continue
                if checklist_id == "diversity" and trigger == "consolidate":
                    continue  # still signed off from the expand gate
                submit_evidence(lead_page, live_server, network_id, item.id,
                                example_details(item.records))
                approve(reviewer_page, live_server, network_id, item.id)
        fire(lead_page, live_server, network_id, trigger)

    lead_page.goto(f"{live_server}/netwerken/{network_id}")
    assert definition.state("maintenance").title.nl in lead_page.locator("main").inner_text()
    lead_page.screenshot(path=str(artifacts_dir / "walk-network-maintenance.png"), full_page=True)

    auditor_page = new_page()
    log_in(auditor_page, live_server, auditor.email)
    auditor_page.goto(f"{live_server}/netwerken/{network_id}/geschiedenis")
    history = auditor_page.locator("main").inner_text()
    while auditor_page.locator("a[rel=next]").count():  # the history spans several pages
        auditor_page.locator("a[rel=next]").click()
        auditor_page.wait_for_load_state()
        history += auditor_page.locator("main").inner_text()
    for stage in ("small_core", "expansion", "maintenance"):
        assert definition.state(stage).title.nl in history
    assert "Johan Bakker" in history and "Fatima de Vries" in history
    auditor_page.goto(f"{live_server}/audit?network={network_id}")
    assert auditor_page.locator("main table tbody tr").count() > 0
