"""The network pages: list, create, edit, change lead, the network page and its steps.

Each test logs in through /login like a user does and reads the HTML it gets back. Requests
run in their own app context (`FreshContextClient` in tests/conftest.py), as they do in production, so nothing
cached on `g` (the locale, the logged-in user) leaks from one request into the next.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from lifecycle.extensions import db
from lifecycle.models import Network
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.networks import update_network
from lifecycle.services.uow import write_transaction
from lifecycle.services.workflows import latest_workflow, workflow_of
from tests.builders import example_details, satisfy_auto_items
from tests.conftest import TEST_PASSWORD
from tests.web.html import tags, text

DEFINITION_NAME = "network-lifecycle"


def step_section(html: str, trigger: str) -> str:
    """The part of the network page about one step (its card)."""
    start = html.index(f'id="step-{trigger}-title"')
    return html[start:html.index("</section>", start)]


def definition():
    return latest_workflow(DEFINITION_NAME)


def english_title(item_id: str) -> str:
    return definition().item(item_id).title.en


def manual_items(*checklist_ids: str) -> list[str]:
    return [item.id for c in checklist_ids for item in definition().checklist(c).items
            if item.needs_signoff]


def saved_network(network_id: int) -> Network:
    db.session.rollback()  # end the test's own read transaction, to see what requests wrote
    return db.session.get(Network, network_id)


def stage_of(network_id: int) -> str:
    return saved_network(network_id).stage


def networks_named(name: str) -> list[Network]:
    db.session.rollback()
    return list(db.session.query(Network).filter_by(name=name))


def fire(client, network_id: int, trigger: str, expected_stage: str, reason: str | None = None,
         follow: bool = True):
    data = {"trigger": trigger, "expected_stage": expected_stage}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/netwerken/{network_id}/stap", data=data, follow_redirects=follow)


def advance_with_services(network, lead, reviewer, sign_off, *triggers: str):
    gates = {"start_core": ("orientation", "mandate", "church_state"),
             "expand": ("core_functioning", "diversity"),
             "consolidate": ("maintenance_plan",)}
    for trigger in triggers:
        sign_off(network, lead, reviewer, *gates[trigger])
        with write_transaction():
            advance_network(lead, network.id, trigger)


# --- the list ---------------------------------------------------------------------------

def test_the_list_filters_networks_by_stage(make_user, make_network, sign_off, browse):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    starting = make_network(lead, name="Netwerk Overvecht")
    moving = make_network(lead, name="Netwerk Lombok")
    advance_with_services(moving, lead, reviewer, sign_off, "start_core")
    client = browse(reviewer)

    everything = text(client.get("/netwerken"))
    in_core = text(client.get("/netwerken?stage=small_core"))
    in_orientation = text(client.get("/netwerken?stage=orientation"))

    assert "Netwerk Overvecht" in everything and "Netwerk Lombok" in everything
    assert "Netwerk Lombok" in in_core and "Netwerk Overvecht" not in in_core
    assert "Netwerk Overvecht" in in_orientation and "Netwerk Lombok" not in in_orientation
    assert f'href="/netwerken/{moving.id}"' in in_core
    assert "Small core" in in_core  # the stage column, localized
    selected = tags(in_core, "option", value="small_core")
    assert selected and "selected" in selected[0]
    assert tags(everything, "label", **{"for": "stage"}), "the stage filter has a label"


def test_the_list_pages_through_networks_with_a_next_link(app, make_user, make_network, browse):
    app.config["PAGE_SIZE"] = 2
    lead = make_user("lead")
    names = [f"Netwerk {n}" for n in ("Noord", "Oost", "Zuid")]
    for name in names:
        make_network(lead, name=name)
    client = browse(lead)

    first = text(client.get("/netwerken"))
    next_links = tags(first, "a", rel="next")
    second = text(client.get(next_links[0]["href"]))

    assert [n for n in names if n in first] == names[:2]
    assert [n for n in names if n in second] == names[2:]
    assert not tags(second, "a", rel="next")


@pytest.mark.parametrize("query", ["stage=nonsense", "after=abc", "after=-1", "after=1e3",
                                   "after=99999999999999999999", "after=%C2%B2"])
def test_an_unknown_stage_or_cursor_in_the_list_is_a_bad_request(make_user, browse, query):
    client = browse(make_user("reviewer"))
    assert client.get(f"/netwerken?{query}").status_code == 400


def test_an_empty_list_says_so_and_only_leads_get_the_new_network_button(make_user, browse):
    lead_page = text(browse(make_user("lead")).get("/netwerken"))
    reviewer_page = text(browse(make_user("reviewer")).get("/netwerken"))

    assert "There are no networks yet." in lead_page
    assert 'href="/netwerken/nieuw"' in lead_page
    assert 'href="/netwerken/nieuw"' not in reviewer_page


def test_the_list_runs_as_many_queries_for_thirty_networks_as_for_three(
        app, make_user, make_network, browse):
    leads = [make_user("lead") for _ in range(3)]
    viewer = make_user("reviewer")
    client = browse(viewer)

    def statements_for_the_list_page() -> int:
        db.session.rollback()
        client.get("/netwerken")  # warm-up: connection set-up statements are not the page's
        counted: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            counted.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get("/netwerken")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(counted), text(response).count('scope="row"')

    for n in range(3):
        make_network(leads[n % 3], name=f"Netwerk {n}")
    few, rows_few = statements_for_the_list_page()
    for n in range(3, 30):
        make_network(leads[n % 3], name=f"Netwerk {n}")
    many, rows_many = statements_for_the_list_page()

    assert (rows_few, rows_many) == (3, 30)
    assert many == few


# --- creating and editing ---------------------------------------------------------------

def test_a_lead_creates_a_network_and_lands_on_its_page(make_user, browse):
    lead = make_user("lead")
    client = browse(lead)
    assert client.get("/netwerken/nieuw").status_code == 200

    response = client.post("/netwerken/nieuw", data={
        "name": "Netwerk Hoograven", "goal": "Spanningen in de wijk vroeg zien.",
        "form": "ad_hoc", "form_justification": "Er speelt nu een concrete kwestie in de wijk.",
        "level": "individual", "roles": ["policy", "prevention"]})

    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "<h1 class=\"utrecht-heading-1\">Netwerk Hoograven</h1>" in page
    assert "The network Netwerk Hoograven has been created." in page
    assert "Ad hoc network" in page and "Think along with policy, Run preventive activities" in page
    assert "Current stage: Orientation." in page
    [network] = networks_named("Netwerk Hoograven")
    assert (network.lead_id, network.roles) == (lead.id, ["policy", "prevention"])


def test_creating_a_network_without_name_and_goal_ties_the_errors_to_the_fields(
        make_user, browse):
    client = browse(make_user("lead"))

    response = client.post("/netwerken/nieuw", data={
        "name": " ", "goal": "", "form": "structural", "level": "group", "roles": ["nonsense"]})

    page = text(response)
    assert response.status_code == 422
    for field_name, tag in (("name", "input"), ("goal", "textarea")):
        control = tags(page, tag, name=field_name)[0]
        assert control["aria-invalid"] == "true"
        assert f"{field_name}-error" in control["aria-describedby"].split()
        assert f'id="{field_name}-error"' in page
    assert 'href="#name"' in page  # the error summary links to the field
    assert "utrecht-form-fieldset--invalid" in page  # the roles fieldset, with a bad choice
    assert networks_named("Netwerk") == networks_named(" ") == []


def test_a_reviewer_cannot_create_a_network(make_user, browse):
    client = browse(make_user("reviewer", "auditor"))

    assert client.get("/netwerken/nieuw").status_code == 403
    response = client.post("/netwerken/nieuw", data={"name": "Netwerk", "goal": "Een doel.",
                                                      "form": "structural", "level": "group"})
    assert response.status_code == 403
    assert networks_named("Netwerk") == networks_named(" ") == []


def test_the_lead_edits_the_network_and_others_may_not(make_user, make_network, browse):
    lead = make_user("lead")
    network = make_network(lead)
    other_lead = browse(make_user("lead"))
    client = browse(lead)

    form_page = text(client.get(f"/netwerken/{network.id}/bewerken"))
    version = tags(form_page, "input", name="version")[0]["value"]
    response = client.post(f"/netwerken/{network.id}/bewerken", data={
        "name": "Netwerk Zuilen", "goal": network.goal, "form": "structural",
        "form_justification": network.form_justification, "level": "broad",
        "roles": ["signaling"], "version": version})

    assert response.status_code == 303
    saved = saved_network(network.id)
    assert (saved.name, saved.level, saved.roles) == ("Netwerk Zuilen", "broad", ["signaling"])
    assert other_lead.get(f"/netwerken/{network.id}/bewerken").status_code == 403
    assert 'href="/netwerken/%d/bewerken"' % network.id not in text(
        other_lead.get(f"/netwerken/{network.id}"))


def test_an_edit_based_on_an_old_version_gets_a_conflict_instead_of_overwriting(
        make_user, make_network, browse):
    lead = make_user("lead")
    network = make_network(lead)
    client = browse(lead)
    version = tags(text(client.get(f"/netwerken/{network.id}/bewerken")), "input",
                   name="version")[0]["value"]
    with write_transaction():
        update_network(lead, network.id, {"name": "Netwerk Elders Bewerkt"})

    response = client.post(f"/netwerken/{network.id}/bewerken", data={
        "name": "Netwerk Mijn Versie", "goal": "Een doel.", "form": "structural",
        "level": "group", "version": version}, follow_redirects=True)

    page = text(response)
    assert "Someone else changed this at the same moment." in page
    assert tags(page, "input", name="name")[0]["value"] == "Netwerk Elders Bewerkt"
    assert saved_network(network.id).name == "Netwerk Elders Bewerkt"


def test_an_admin_changes_the_lead_and_a_lead_may_not(make_user, make_network, browse):
    lead = make_user("lead", name="Anna de Vries")
    successor = make_user("lead", name="Bram Jansen")
    network = make_network(lead)
    admin = browse(make_user("admin"))
    url = f"/netwerken/{network.id}/projectleider"

    picker = text(admin.get(url))
    assert tags(picker, "label", **{"for": "lead_id"})
    assert tags(picker, "option", value=str(successor.id))
    version = tags(picker, "input", name="version")[0]["value"]
    response = admin.post(url, data={"lead_id": successor.id, "version": version},
                          follow_redirects=True)

    assert "Bram Jansen is now the project lead of this network." in text(response)
    assert saved_network(network.id).lead_id == successor.id
    assert browse(lead).get(url).status_code == 403
    bad = admin.post(url, data={"lead_id": "not-a-number", "version": version})
    assert bad.status_code == 422


# --- the network page and its steps -----------------------------------------------------

def test_the_network_page_lists_exactly_the_missing_items_and_no_step_forms_for_non_leads(
        make_user, make_network, sign_off, browse):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "mandate")
    still_missing = manual_items("church_state")

    for viewer in (reviewer, make_user("lead"), make_user("auditor")):
        page = text(browse(viewer).get(f"/netwerken/{network.id}"))
        start_core = step_section(page, "start_core")
        listed = re.findall(r'/items/([\w.]+)"', start_core)
        assert listed == still_missing
        assert all(english_title(item_id) in start_core for item_id in still_missing)
        assert "no evidence submitted yet" in start_core
        assert f'action="/netwerken/{network.id}/stap"' not in page
        assert "Possible now" in step_section(page, "close")

    lead_page = text(browse(lead).get(f"/netwerken/{network.id}"))
    assert f'action="/netwerken/{network.id}/stap"' not in step_section(lead_page, "start_core")
    assert tags(step_section(lead_page, "close"), "input", name="trigger", value="close")
    assert tags(step_section(lead_page, "close"), "input", name="expected_stage",
                value="orientation")


def test_firing_a_blocked_step_names_the_missing_items_and_keeps_the_stage(
        make_user, make_network, sign_off, browse):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "church_state")
    client = browse(lead)

    response = fire(client, network.id, "start_core", "orientation", follow=False)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))

    assert "This step is not possible yet. Still missing:" in page
    for item_id in manual_items("mandate"):
        assert english_title(item_id) in page
    assert stage_of(network.id) == "orientation"


def test_a_lead_and_a_reviewer_walk_a_network_to_maintenance_through_the_pages(
        make_user, make_network, browse):
    lead_user, reviewer_user = make_user("lead"), make_user("reviewer")
    network = make_network(lead_user)
    lead, reviewer = browse(lead_user), browse(reviewer_user)
    base = f"/netwerken/{network.id}"
    # `consolidate` also needs `diversity`: signed off on the way into expansion, still current.
    walk = [("start_core", "orientation", ("orientation", "mandate", "church_state"), "Small core"),
            ("expand", "small_core", ("core_functioning", "diversity"), "Expansion"),
            ("consolidate", "expansion", ("maintenance_plan",), "Maintenance")]

    for trigger, stage, checklists, next_title in walk:
        satisfy_auto_items(network.id, lead_user, checklists)  # the registers, via the services
        for item_id in manual_items(*checklists):
            details = example_details(workflow_of(network).item(item_id).records) or {}
            submitted = lead.post(f"{base}/items/{item_id}/bewijs",
                                  data={"justification": f"Zo is {item_id} geregeld.",
                                        "links": "https://example.org/verslag",
                                        **{f"details_{name}": str(value)
                                           for name, value in details.items()}})
            approved = reviewer.post(f"{base}/items/{item_id}/aftekenen",
                                     data={"comment": "In orde."})
            assert (submitted.status_code, approved.status_code) == (303, 303)
        page = text(fire(lead, network.id, trigger, stage))
        assert f"The network is now in stage {next_title}." in page

    assert stage_of(network.id) == "maintenance"
    page = text(reviewer.get(base))
    assert "Current stage: Maintenance." in page
    timeline = page[page.index('class="vs-timeline"'):]
    assert timeline.index("from Orientation to Small core") < \
        timeline.index("from Small core to Expansion") < \
        timeline.index("from Expansion to Maintenance")
    assert f"By {lead_user.name} on" in timeline


def test_pausing_needs_a_reason_and_resuming_returns_to_the_stage_it_left(
        make_user, make_network, sign_off, browse):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    network = make_network(lead)
    advance_with_services(network, lead, reviewer, sign_off, "start_core")
    client = browse(lead)

    refused = fire(client, network.id, "pause", "small_core", reason="   ")
    page = text(refused)
    reason_field = tags(page, "textarea", id="step-pause-reason")[0]
    assert refused.status_code == 422
    assert reason_field["aria-invalid"] == "true"
    assert "step-pause-reason-error" in reason_field["aria-describedby"].split()
    assert 'id="step-pause-reason-error"' in page
    assert "The step Pause the network was not taken." in page
    assert "Reason: This step needs a reason." in page
    assert stage_of(network.id) == "small_core"

    paused = text(fire(client, network.id, "pause", "small_core",
                       reason="Zomerstop van de sleutelfiguren."))
    assert "The network is now in stage Paused." in paused
    assert "(paused from Small core)" in paused
    assert "Reason: Zomerstop van de sleutelfiguren." in paused

    resumed = text(fire(client, network.id, "resume", "paused"))
    assert "The network is now in stage Small core." in resumed
    assert stage_of(network.id) == "small_core"


def test_a_step_fired_from_a_stale_page_gets_a_conflict(make_user, make_network, browse):
    lead = make_user("lead")
    network = make_network(lead)
    client = browse(lead)
    fire(client, network.id, "close", "orientation", reason="Dubbel aangemaakt.")

    page = text(fire(client, network.id, "close", "orientation", reason="Nog eens."))

    assert "Someone else changed this at the same moment." in page
    assert stage_of(network.id) == "closed"


def test_a_closed_network_is_read_only_and_refuses_changes(make_user, make_network, browse):
    lead_user = make_user("lead", "admin")
    network = make_network(lead_user)
    client = browse(lead_user)
    base = f"/netwerken/{network.id}"

    page = text(fire(client, network.id, "close", "orientation", reason="Het doel is bereikt."))

    assert "The network is now in stage Closed." in page
    assert "This network is closed. It is read-only" in page
    assert 'method="post" action="/netwerken' not in page
    assert f'href="{base}/bewerken"' not in page and f'href="{base}/projectleider"' not in page
    refused_step = text(fire(client, network.id, "resume", "closed"))
    assert "This network is closed. It can no longer change." in refused_step
    edit = client.post(f"{base}/bewerken", data={"name": "Heropend", "goal": "Een doel.",
                                                  "form": "structural", "level": "group",
                                                  "version": "99"})
    assert edit.status_code == 303
    assert client.get(f"{base}/bewerken").headers["Location"] == base
    evidence = client.post(f"{base}/items/mandate.sponsor_named/bewijs",
                           data={"justification": "Te laat."}, follow_redirects=True)
    assert "This network is closed. It can no longer change." in text(evidence)
    assert "Te laat." not in text(evidence)
    assert (saved_network(network.id).name, stage_of(network.id)) == ("Netwerk Kanaleneiland",
                                                                      "closed")


# --- scope and ids ----------------------------------------------------------------------

NETWORK_ROUTES = [("GET", "/netwerken/{id}"), ("GET", "/netwerken/{id}/bewerken"),
                  ("POST", "/netwerken/{id}/bewerken"), ("GET", "/netwerken/{id}/projectleider"),
                  ("POST", "/netwerken/{id}/projectleider"), ("POST", "/netwerken/{id}/stap")]


def test_every_network_route_answers_404_for_another_municipality(
        make_user, make_network, browse):
    network = make_network(make_user("lead"))
    outsider = browse(make_user("lead", "reviewer", "admin", municipality="Venlo"))

    for method, route in NETWORK_ROUTES:
        response = outsider.open(route.format(id=network.id), method=method,
                                 data={"trigger": "close", "reason": "x", "name": "x",
                                       "goal": "x", "form": "structural", "level": "group",
                                       "lead_id": "1", "version": "1"})
        assert response.status_code == 404, (method, route)
    assert network.name not in text(outsider.get("/netwerken"))
    assert stage_of(network.id) == "orientation"


@pytest.mark.parametrize("network_id", [2**31, 2**63, 10**30])
def test_huge_network_ids_are_not_found(make_user, browse, network_id):
    client = browse(make_user("lead", "admin"))
    for method, route in NETWORK_ROUTES:
        response = client.open(route.format(id=network_id), method=method,
                               data={"trigger": "close", "reason": "x"})
        assert response.status_code == 404, (method, route)


def test_a_missing_network_is_not_found(make_user, browse):
    assert browse(make_user("lead")).get(f"/netwerken/{2**31 - 1}").status_code == 404


# --- CSRF, as in production -------------------------------------------------------------

class TestWithCsrfProtectionOn:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @staticmethod
    def token_in(page: str) -> str:
        return tags(page, "input", name="csrf_token")[0]["value"]

    def test_a_form_post_without_its_csrf_token_is_refused(self, app, make_user):
        lead = make_user("lead")
        client = app.test_client()
        login_page = text(client.get("/login"))
        client.post("/login", data={"email": lead.email, "password": TEST_PASSWORD,
                                    "csrf_token": self.token_in(login_page)})
        data = {"name": "Netwerk Zonder Token", "goal": "Een doel.", "form": "structural",
                "level": "group"}

        refused = client.post("/netwerken/nieuw", data=data)
        token = self.token_in(text(client.get("/netwerken/nieuw")))
        accepted = client.post("/netwerken/nieuw", data={**data, "csrf_token": token})

        assert refused.status_code == 400
        assert accepted.status_code == 303
        step_page = text(client.get(accepted.headers["Location"]))
        close_form = step_section(step_page, "close")
        fired = client.post(accepted.headers["Location"] + "/stap", data={
            "trigger": "close", "expected_stage": "orientation", "reason": "Klaar.",
            "csrf_token": self.token_in(close_form)})
        assert fired.status_code == 303
        assert len(networks_named("Netwerk Zonder Token")) == 1
