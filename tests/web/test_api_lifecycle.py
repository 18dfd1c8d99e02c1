"""API tests: the possible steps, blocked gates, firing, pause and resume, and closing."""
from __future__ import annotations

import pytest

from tests.builders import compose_through_api, example_details_json, meet_through_api

GATES = {
    "start_core": ("orientation", "mandate", "church_state", "mandate_current"),
    "expand": ("core_functioning", "diversity", "mandate_current"),
    "consolidate": ("diversity", "maintenance_plan", "mandate_current"),
}


def sign_off_through_api(as_lead, as_reviewer, network_id, *checklist_ids):
    """Build the registers the automatic items need, then submit and approve every item that
    needs a sign-off in these checklists: all through the API."""
    if {"orientation", "diversity"} & set(checklist_ids):
        compose_through_api(as_lead, network_id, activate="diversity" in checklist_ids)
    listing = as_lead.get(f"/api/v1/networks/{network_id}/checklists").get_json()
    for checklist in listing["checklists"]:
        if checklist["id"] not in checklist_ids:
            continue
        for item in checklist["items"]:
            if not item["needs_signoff"] or item["status"] == "approved":
                continue
            base = f"/api/v1/networks/{network_id}/items/{item['id']}"
            evidence = {"justification": f"Toelichting bij {item['id']}."}
            if item["records"]:
                evidence["details"] = example_details_json(item["records"])
            submitted = as_lead.post(f"{base}/submit", json={"evidence": evidence})
            assert submitted.get_json()["status"] == "submitted"
            approved = as_reviewer.post(f"{base}/approve", json={"comment": "Akkoord."})
            assert approved.get_json()["status"] == "approved"


def fire(client, network_id, trigger, **body):
    return client.post(f"/api/v1/networks/{network_id}/transitions",
                       json={"trigger": trigger, **body})


def options_by_trigger(client, network_id):
    listing = client.get(f"/api/v1/networks/{network_id}/transitions").get_json()
    return {option["trigger"]: option for option in listing["transitions"]}


@pytest.fixture
def team(make_user, api):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    return lead, api(lead), api(reviewer)


@pytest.fixture
def network_id(team):
    _lead, as_lead, _as_reviewer = team
    response = as_lead.post("/api/v1/networks", json={
        "name": "Netwerk Kanaleneiland", "goal": "Vroeg signaleren van spanningen.",
        "form": "structural", "roles": ["signaling"],
        "form_justification": "Een vast netwerk past bij de langdurige opgave in de wijk."})
    return response.get_json()["id"]


def test_the_transitions_of_a_new_network_show_what_is_missing(team, network_id):
    _lead, as_lead, _as_reviewer = team
    listing = as_lead.get(f"/api/v1/networks/{network_id}/transitions").get_json()
    assert listing["stage"] == "orientation"
    options = {o["trigger"]: o for o in listing["transitions"]}
    assert set(options) == {"start_core", "close"}
    start = options["start_core"]
    assert (start["available"], start["dest"], start["reason_required"]) == (
        False, "small_core", False)
    assert start["title"]["en"] == "Start the small core" and start["title"]["nl"]
    assert {"checklist": "mandate", "item": "mandate.sponsor_named",
            "reason": "not_submitted"} in start["missing"]
    assert {m["checklist"] for m in start["missing"]} == {"orientation", "mandate", "mandate_current",
                                                         "church_state"}
    # the auto items of `orientation` hold, so they are not missing
    assert not {"orientation.form_justified", "orientation.roles_chosen"} & {
        m["item"] for m in start["missing"]}
    close = options["close"]
    assert (close["available"], close["reason_required"], close["missing"]) == (
        True, True, [])


def test_firing_a_blocked_step_answers_409_with_exactly_the_missing_items(team, network_id,
                                                                         problem):
    _lead, as_lead, as_reviewer = team
    sign_off_through_api(as_lead, as_reviewer, network_id, "orientation", "church_state")
    as_lead.post(f"/api/v1/networks/{network_id}/items/mandate.sponsor_named/submit",
                 json={"evidence": "Wethouder benoemd."})
    body = problem(fire(as_lead, network_id, "start_core"), 409, "gate-blocked")
    assert body["missing"] == [
        {"checklist": "mandate", "item": "mandate.sponsor_named", "reason": "awaiting_signoff"},
        {"checklist": "mandate", "item": "mandate.decision_recorded",
         "reason": "not_submitted"},
        {"checklist": "mandate", "item": "mandate.roles_described", "reason": "not_submitted"},
        {"checklist": "mandate", "item": "mandate.resources_settled",
         "reason": "not_submitted"},
        {"checklist": "mandate_current", "item": "mandate_current.valid",
         "reason": "auto_not_met"},
    ]
    assert body["missing"] == options_by_trigger(as_lead, network_id)["start_core"]["missing"]
    assert as_lead.get(f"/api/v1/networks/{network_id}").get_json()["stage"] == "orientation"


def test_a_blocked_attempt_is_recorded_as_refused(team, network_id, make_user, api):
    _lead, as_lead, _as_reviewer = team
    fire(as_lead, network_id, "start_core")
    refused = api(make_user("auditor")).get(
        f"/api/v1/audit?result=refused&network={network_id}").get_json()["items"]
    assert [(r["action"], r["after"]["refusal"]) for r in refused] == [
        ("network.stage_changed", "gate-blocked")]


def test_a_network_walks_from_orientation_to_maintenance_through_the_api(team, network_id):
    lead, as_lead, as_reviewer = team
    stages = []
    for trigger, checklists in GATES.items():
        assert options_by_trigger(as_lead, network_id)[trigger]["available"] is False
        if "core_functioning" in checklists:
            meet_through_api(as_lead, network_id)
        sign_off_through_api(as_lead, as_reviewer, network_id, *checklists)
        option = options_by_trigger(as_lead, network_id)[trigger]
        assert (option["available"], option["missing"]) == (True, [])
        response = fire(as_lead, network_id, trigger)
        assert response.status_code == 200
        network = response.get_json()
        assert network["stage"] == option["dest"]
        stages.append(network["stage"])
    assert stages == ["small_core", "expansion", "maintenance"]
    assert network["lead"]["id"] == lead.id
    history = as_reviewer.get(f"/api/v1/networks/{network_id}/history?limit=200").get_json()
    changes = [(r["before"]["stage"], r["after"]["stage"]) for r in history["items"]
               if r["action"] == "network.stage_changed" and r["result"] == "ok"]
    assert changes == [("orientation", "small_core"), ("small_core", "expansion"),
                       ("expansion", "maintenance")]


@pytest.mark.parametrize("roles", [("lead",), ("reviewer",), ("auditor",), ("admin",)])
def test_only_the_networks_own_lead_fires_a_step(team, network_id, make_user, api, problem,
                                                 roles):
    other = api(make_user(*roles))
    problem(fire(other, network_id, "close", reason="Niet meer nodig."), 403, "forbidden")


def test_pausing_needs_a_reason_and_resuming_returns_to_the_paused_stage(team, network_id,
                                                                         problem):
    _lead, as_lead, as_reviewer = team
    sign_off_through_api(as_lead, as_reviewer, network_id, *GATES["start_core"])
    fire(as_lead, network_id, "start_core")
    for body in ({}, {"reason": ""}, {"reason": "  "}):
        answer = problem(fire(as_lead, network_id, "pause", **body), 422, "reason-required")
        assert answer["errors"] == {"reason": "required"}
    paused = fire(as_lead, network_id, "pause", reason="Zomerstop.").get_json()
    assert (paused["stage"], paused["paused_from"]) == ("paused", "small_core")
    options = options_by_trigger(as_lead, network_id)
    assert options["resume"]["dest"] == "small_core" and options["resume"]["available"]
    resumed = fire(as_lead, network_id, "resume").get_json()
    assert (resumed["stage"], resumed["paused_from"]) == ("small_core", None)


def test_a_closed_network_is_read_only(team, network_id, problem):
    _lead, as_lead, as_reviewer = team
    as_lead.post(f"/api/v1/networks/{network_id}/items/mandate.sponsor_named/submit",
                 json={"evidence": "Wethouder benoemd."})
    closed = fire(as_lead, network_id, "close", reason="Het netwerk is opgeheven.").get_json()
    assert closed["stage"] == "closed"
    base = f"/api/v1/networks/{network_id}"
    problem(as_lead.edit(base, json={"name": "Nieuw"}), 409, "read-only")
    problem(as_lead.post(f"{base}/items/mandate.decision_recorded/submit",
                         json={"evidence": "Besluit."}), 409, "read-only")
    problem(as_reviewer.post(f"{base}/items/mandate.sponsor_named/approve"), 409, "read-only")
    problem(fire(as_lead, network_id, "resume"), 409, "read-only")
    problem(fire(as_lead, network_id, "close", reason="Nogmaals."), 409, "read-only")
    listing = as_lead.get(f"{base}/transitions").get_json()
    assert (listing["stage"], listing["transitions"]) == ("closed", [])
    assert as_lead.get(base).get_json()["name"] == "Netwerk Kanaleneiland"


def test_a_step_from_another_stage_or_an_unknown_step_answers_409(team, network_id, problem):
    _lead, as_lead, _as_reviewer = team
    problem(fire(as_lead, network_id, "expand"), 409, "invalid-transition")
    problem(fire(as_lead, network_id, "resume"), 409, "invalid-transition")
    problem(fire(as_lead, network_id, "teleport"), 409, "invalid-transition")


@pytest.mark.parametrize("body, errors", [
    ({}, {"trigger": "required"}),
    ({"trigger": ""}, {"trigger": "required"}),
    ({"trigger": ["close"]}, {"trigger": "not_text"}),
    ({"trigger": "close", "reason": 5}, {"reason": "not_text"}),
    ({"trigger": "close", "reason": "Weg", "when": "now"}, {"when": "unknown_field"}),
])
def test_a_malformed_step_request_answers_422(team, network_id, problem, body, errors):
    _lead, as_lead, _as_reviewer = team
    response = as_lead.post(f"/api/v1/networks/{network_id}/transitions", json=body)
    assert problem(response, 422, "validation-failed")["errors"] == errors


def test_a_step_that_expects_another_stage_answers_409_conflict(team, network_id, problem):
    _lead, as_lead, _as_reviewer = team
    body = problem(fire(as_lead, network_id, "close", reason="Weg.", expected_stage="expansion"),
                   409, "conflict")
    assert body["stage"] == "orientation"
    response = fire(as_lead, network_id, "close", reason="Weg.", expected_stage="orientation")
    assert response.get_json()["stage"] == "closed"
