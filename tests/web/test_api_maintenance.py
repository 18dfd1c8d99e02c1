"""The maintenance API end to end: meetings, signals and their steps, inputs for policy and their
answers, briefings, the exchange per quarter, the attention list and the dashboard's figures."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.builders import compose_through_api


@pytest.fixture
def team(make_user, api):
    lead, reviewer, auditor = make_user("lead"), make_user("reviewer"), make_user("auditor")
    return api(lead), api(reviewer), api(auditor)


@pytest.fixture
def network_id(team):
    as_lead, _as_reviewer, _as_auditor = team
    created = as_lead.post("/api/v1/networks", json={
        "name": "Netwerk Kanaleneiland", "goal": "Vroeg signaleren van spanningen.",
        "form": "structural", "roles": ["signaling"],
        "form_justification": "Een vast netwerk past bij de langdurige opgave in de wijk."})
    network_id = created.get_json()["id"]
    compose_through_api(as_lead, network_id, activate=False)
    return network_id


def _people(client, network_id):
    return [m["id"] for m in client.get(f"/api/v1/networks/{network_id}/members")
            .get_json()["items"]]


def test_a_lead_logs_a_meeting_with_attendees_and_an_agreement(team, network_id):
    as_lead, as_reviewer, _as_auditor = team
    people = _people(as_lead, network_id)
    held_on = date.today() - timedelta(days=3)
    created = as_lead.post(f"/api/v1/networks/{network_id}/meetings", json={
        "held_on": held_on.isoformat(), "form": "core", "attendee_ids": people[:3],
        "topics": ["liveability"], "notes": "Zorgen over het plein besproken.",
        "agreements": [{"text": "Wijkagent uitnodigen.", "owner_member_id": people[0],
                        "due_on": (held_on + timedelta(days=14)).isoformat()}]})
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert created.headers["Location"].endswith(f"/meetings/{meeting['id']}")
    assert [a["id"] for a in meeting["attendees"]] == sorted(people[:3])
    assert meeting["agreements"][0]["owner_member"]["id"] == people[0]

    listing = as_reviewer.get(f"/api/v1/networks/{network_id}/meetings")
    assert listing.status_code == 200
    assert [m["id"] for m in listing.get_json()["items"]] == [meeting["id"]]
    refused = as_reviewer.post(f"/api/v1/networks/{network_id}/meetings", json={
        "held_on": held_on.isoformat(), "form": "core"})
    assert refused.status_code == 403


def test_a_meeting_in_the_future_or_with_a_stranger_is_refused(team, network_id, problem):
    as_lead, _as_reviewer, _as_auditor = team
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = as_lead.post(f"/api/v1/networks/{network_id}/meetings", json={
        "held_on": tomorrow, "form": "core", "attendee_ids": [2**31 - 1]})
    body = problem(response, 422, "validation-failed")
    assert body["errors"] == {"held_on": "in_future", "attendee_ids": "invalid"}


def test_a_signal_gets_a_deadline_and_moves_through_its_steps(team, network_id, problem):
    as_lead, as_reviewer, _as_auditor = team
    created = as_lead.post(f"/api/v1/networks/{network_id}/signals", json={
        "reported_on": date.today().isoformat(), "theme": "liveability",
        "description": "Steeds meer klachten over afval rond het buurthuis.",
        "urgency": "normal"})
    assert created.status_code == 201, created.get_json()
    signal = created.get_json()
    assert signal["status"] == "received"
    assert signal["deadline"]["timeliness"] == "on_time"
    assert date.fromisoformat(signal["deadline"]["last_day"]) > date.today()
    assert {s["step"] for s in signal["steps"]} == {"assess", "forward"}
    base = f"/api/v1/networks/{network_id}/signals/{signal['id']}"

    problem(as_lead.post(f"{base}/steps", json={"step": "close"}), 409, "invalid-transition")
    problem(as_lead.post(f"{base}/steps", json={"step": "forward", "partner_kind": "police"}),
            422, "validation-failed")
    problem(as_reviewer.post(f"{base}/steps", json={"step": "assess"}), 403, "forbidden")

    assessed = as_lead.post(f"{base}/steps", json={"step": "assess"}).get_json()
    assert assessed["status"] == "assessed" and assessed["handled_at"] is None
    forwarded = as_lead.post(f"{base}/steps", json={
        "step": "forward", "partner_kind": "police",
        "partner_name": "Wijkteam politie"}).get_json()
    assert forwarded["status"] == "forwarded" and forwarded["handled_at"]
    assert forwarded["partner"] == {"kind": "police", "name": "Wijkteam politie"}
    assert [h["step"] for h in forwarded["history"]] == ["assess", "forward"]

    linked = as_lead.patch(base, json={"deeper_theme": "tension_between_groups"},
                           headers={"If-Match": f'"{forwarded["version"]}"'})
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["deeper_theme"] == "tension_between_groups"


def test_a_signal_has_no_field_for_a_person_of_concern(team, network_id, problem):
    as_lead, _as_reviewer, _as_auditor = team
    response = as_lead.post(f"/api/v1/networks/{network_id}/signals", json={
        "reported_on": date.today().isoformat(), "theme": "radicalisation",
        "description": "x" * 1001, "urgency": "high", "person_name": "Jan Jansen"})
    body = problem(response, 422, "validation-failed")
    assert body["errors"]["person_name"] == "unknown_field"
    assert body["errors"]["description"] == "too_long"


def test_the_feedback_loop_from_signal_to_answer(team, network_id, problem):
    as_lead, as_reviewer, _as_auditor = team
    signal = as_lead.post(f"/api/v1/networks/{network_id}/signals", json={
        "reported_on": date.today().isoformat(), "theme": "liveability",
        "description": "Jongeren missen een plek.", "urgency": "low"}).get_json()
    handed = as_lead.post(f"/api/v1/networks/{network_id}/inputs", json={
        "signal_id": signal["id"], "summary": "Jongeren missen een plek om samen te komen.",
        "recipient": "Afdeling Jeugd", "due_on": (date.today() + timedelta(days=30)).isoformat()})
    assert handed.status_code == 201, handed.get_json()
    input_id = handed.get_json()["id"]
    assert as_reviewer.get(f"/api/v1/networks/{network_id}/inputs?open=true").get_json()[
        "items"][0]["id"] == input_id

    answered = as_lead.post(f"/api/v1/networks/{network_id}/inputs/{input_id}/answer",
                            json={"answer": "Het buurthuis gaat op vrijdag open."})
    assert answered.status_code == 200 and answered.get_json()["answered_on"]
    problem(as_lead.post(f"/api/v1/networks/{network_id}/inputs/{input_id}/answer",
                         json={"answer": "Nog eens."}), 409, "invalid-transition")
    assert as_lead.get(f"/api/v1/networks/{network_id}/inputs?open=true").get_json()[
        "items"] == []

    shared = as_lead.post(f"/api/v1/networks/{network_id}/briefings", json={
        "kind": "briefing", "title": "Jongerenbeleid", "summary": "De plannen toegelicht."})
    assert shared.status_code == 201, shared.get_json()
    quarters = as_reviewer.get(f"/api/v1/networks/{network_id}/exchange").get_json()["quarters"]
    assert sum(q["signals"] for q in quarters) == 1
    assert (sum(q["inputs"] for q in quarters), sum(q["answers"] for q in quarters),
            sum(q["briefings"] for q in quarters)) == (1, 1, 1)


def test_the_attention_list_and_the_dashboard_answer_for_the_municipality(team, network_id):
    as_lead, _as_reviewer, as_auditor = team
    as_lead.post(f"/api/v1/networks/{network_id}/signals", json={
        "reported_on": (date.today() - timedelta(days=60)).isoformat(), "theme": "polarisation",
        "description": "Spanningen na een voorval op school.", "urgency": "high"})
    items = as_auditor.get("/api/v1/attention").get_json()["items"]
    overdue = [i for i in items if i["kind"] == "signal_overdue"]
    assert overdue and overdue[0]["network"]["id"] == network_id
    assert overdue[0]["details"]["three_times"] is True and overdue[0]["reason"]

    figures = as_auditor.get("/api/v1/dashboard").get_json()
    assert len(figures["months"]) == 12
    assert {s["stage"]: s["networks"] for s in figures["stages"]}["orientation"] == 1
    assert sum(month["polarisation"] for month in figures["signals_by_month"].values()) == 1
    assert figures["on_time_total"]["late"] == 1
