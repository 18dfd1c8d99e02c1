"""The dashboard panels: my networks by stage, waiting for my sign-off, blocked at a gate."""
from __future__ import annotations

import pytest

from lifecycle.services.checklists import approve_item, submit_evidence
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction
from lifecycle.services.workflows import workflow_of
from tests.builders import example_details
from tests.web.clients import logged_in


def dashboard_panels(client) -> dict[str, str]:
    """The dashboard's HTML split into its three panels, keyed by their heading ids."""
    html = client.get("/dashboard").get_data(as_text=True)
    starts = {name: html.index(f'id="{name}-heading"')
              for name in ("my-networks", "waiting", "blocked")}
    ordered = sorted(starts, key=starts.get)
    ends = {name: starts[nxt] for name, nxt in zip(ordered, ordered[1:])}
    return {name: html[starts[name]:ends.get(name, html.index("</main>"))] for name in starts}


def submit(lead, network, item_id):
    details = example_details(workflow_of(network).item(item_id).records)
    with write_transaction():
        submit_evidence(lead, network.id, item_id, f"Toelichting bij {item_id}.",
                        details=details)


def item_title_en(network, item_id):
    return workflow_of(network).item(item_id).title.en


def test_a_reviewer_sees_an_item_waiting_for_their_sign_off(app, make_user, make_network):
    lead = make_user("lead", name="Leo Lead")
    reviewer = make_user("reviewer")
    network = make_network(lead, name="Netwerk Lombok")
    submit(lead, network, "mandate.sponsor_named")
    waiting = dashboard_panels(logged_in(app, reviewer))["waiting"]
    assert "Netwerk Lombok" in waiting
    assert item_title_en(network, "mandate.sponsor_named") in waiting
    assert "Leo Lead" in waiting
    if "items.detail" in app.view_functions:
        assert f'href="/netwerken/{network.id}/items/mandate.sponsor_named"' in waiting


def test_a_signed_off_item_no_longer_waits(app, make_user, make_network):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    network = make_network(lead)
    submit(lead, network, "mandate.sponsor_named")
    with write_transaction():
        approve_item(reviewer, network.id, "mandate.sponsor_named", "Akkoord.")
    waiting = dashboard_panels(logged_in(app, reviewer))["waiting"]
    assert item_title_en(network, "mandate.sponsor_named") not in waiting
    assert "Nothing is waiting for your sign-off." in waiting


def test_a_lead_who_is_also_a_reviewer_does_not_see_items_of_their_own_network(
        app, make_user, make_network):
    lead_reviewer = make_user("lead", "reviewer")
    other_lead = make_user("lead")
    own = make_network(lead_reviewer, name="Netwerk Eigen")
    other = make_network(other_lead, name="Netwerk Ander")
    submit(lead_reviewer, own, "mandate.sponsor_named")
    submit(other_lead, other, "mandate.decision_recorded")
    waiting = dashboard_panels(logged_in(app, lead_reviewer))["waiting"]
    assert "Netwerk Ander" in waiting
    assert item_title_en(other, "mandate.decision_recorded") in waiting
    assert "Netwerk Eigen" not in waiting
    assert item_title_en(own, "mandate.sponsor_named") not in waiting


def test_a_reviewer_does_not_see_items_of_another_municipality(app, make_user, make_network):
    venlo_lead = make_user("lead", municipality="Venlo")
    network = make_network(venlo_lead, name="Netwerk Venlo-Oost")
    submit(venlo_lead, network, "mandate.sponsor_named")
    reviewer = make_user("reviewer", municipality="Utrecht")
    page = dashboard_panels(logged_in(app, reviewer))
    assert all("Netwerk Venlo-Oost" not in panel for panel in page.values())
    assert "Nothing is waiting for your sign-off." in page["waiting"]


def test_a_lead_sees_their_own_networks_counted_by_stage_with_links_to_the_filtered_list(
        app, make_user, make_network, sign_off):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    somebody_else = make_user("lead")
    make_network(lead, name="Een")
    make_network(lead, name="Twee")
    advanced = make_network(lead, name="Drie")
    make_network(somebody_else, name="Niet van mij")
    sign_off(advanced, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, advanced.id, "start_core")
    definition = workflow_of(advanced)
    panel = dashboard_panels(logged_in(app, lead))["my-networks"]
    assert "You lead 3 networks." in panel
    for stage, count in (("orientation", "2 networks"), ("small_core", "1 network")):
        title = definition.state(stage).title.en
        if "networks.list_networks" in app.view_functions:
            assert f'<a class="utrecht-link" href="/netwerken?stage={stage}">{title}</a>: ' \
                   f'{count}' in panel
        else:
            assert f"{title}: {count}" in panel
    assert definition.state("expansion").title.en not in panel


def test_stage_titles_are_dutch_by_default(app, make_user, make_network):
    lead = make_user("lead")
    network = make_network(lead)
    panel = dashboard_panels(logged_in(app, lead, language="nl"))["my-networks"]
    assert workflow_of(network).state("orientation").title.nl in panel


def test_the_blocked_panel_names_the_step_and_every_missing_item(
        app, make_user, make_network, sign_off):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    network = make_network(lead, name="Netwerk Hoograven")
    sign_off(network, lead, reviewer, "orientation")
    definition = workflow_of(network)
    gate = definition.trigger("start_core").gate
    missing = [item for checklist in gate for item in definition.checklist(checklist).items
               if checklist != "orientation" and item.required and item.needs_signoff]
    panel = dashboard_panels(logged_in(app, lead))["blocked"]
    assert "Netwerk Hoograven" in panel
    assert definition.trigger("start_core").title.en in panel
    # and the mandate is not current until its decision is signed off
    assert f"{len(missing) + 1} items missing" in panel
    for item in missing:
        assert item.title.en in panel
    for item in definition.checklist("orientation").items:
        assert item.title.en not in panel  # signed off or met automatically


@pytest.mark.parametrize("roles", [("auditor",), ("admin",)])
def test_users_without_a_lead_or_reviewer_role_get_an_explanation_instead_of_empty_panels(
        app, make_user, make_network, roles):
    lead = make_user("lead")
    make_network(lead, name="Netwerk Zuilen")
    panels = dashboard_panels(logged_in(app, make_user(*roles)))
    assert "You are not a project lead." in panels["my-networks"]
    assert "You are not a reviewer." in panels["waiting"]
    assert "<table" not in panels["my-networks"] + panels["waiting"]
    # They see every blocked network of the municipality, not only their own.
    assert "Netwerk Zuilen" in panels["blocked"]


def test_each_panel_has_a_clear_empty_state(app, make_user):
    panels = dashboard_panels(logged_in(app, make_user("lead", "reviewer")))
    assert "You do not lead any networks yet." in panels["my-networks"]
    assert "Nothing is waiting for your sign-off." in panels["waiting"]
    assert "None of your networks is blocked at a gate." in panels["blocked"]


@pytest.mark.parametrize("path, current", [
    ("/dashboard", "/dashboard"), ("/netwerken", "/netwerken"), ("/audit", "/audit"),
    ("/account/tokens", "/account/tokens")])
def test_the_navigation_marks_the_section_the_user_is_in(app, make_user, path, current):
    client = logged_in(app, make_user("auditor", "lead"))
    page = client.get(path).get_data(as_text=True)
    nav = page.split('<nav class="utrecht-nav-bar', 1)[1].split("</nav>", 1)[0]
    assert nav.count('aria-current="page"') == 1
    assert f'href="{current}" aria-current="page"' in nav


def test_the_audit_trail_is_only_in_the_navigation_of_auditors_and_admins(app, make_user):
    lead_page = logged_in(app, make_user("lead", "reviewer")).get("/dashboard")
    auditor_page = logged_in(app, make_user("auditor")).get("/dashboard")
    assert 'href="/audit"' not in lead_page.get_data(as_text=True)
    assert 'href="/audit"' in auditor_page.get_data(as_text=True)


def test_the_blocked_panel_looks_past_the_first_batch_of_networks_and_stops_when_full(
        app, make_user, make_network):
    from lifecycle.services.dashboard import DASHBOARD_LIMIT, SCAN_BATCH, blocked_networks

    lead = make_user("lead")
    waiting = make_network(lead, name="Netwerk Lunetten")  # the oldest: blocked at its gate
    # More closed networks after it than one batch holds; closed ones are never blocked.
    for n in range(SCAN_BATCH + 1):
        closed = make_network(lead, name=f"Netwerk {n}")
        with write_transaction():
            advance_network(lead, closed.id, "close", "Opgeheven.")

    assert [b.network.id for b in blocked_networks(lead)] == [waiting.id]
    assert "Netwerk Lunetten" in dashboard_panels(logged_in(app, lead))["blocked"]

    for n in range(DASHBOARD_LIMIT + 3):  # newer networks, all blocked: the panel fills up
        make_network(lead, name=f"Netwerk nieuw {n}")
    shown = blocked_networks(lead)
    assert len(shown) == DASHBOARD_LIMIT and waiting.id not in {b.network.id for b in shown}
