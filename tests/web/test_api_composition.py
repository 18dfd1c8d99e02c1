"""The composition API end to end: organisations, people and their steps, profiles, a network's
profile and its composition, with the scope and roles of `permissions`: only the network's lead
changes its registers; reviewers, auditors and administrators read its people; other leads of the
municipality see organisations and figures but not people (`may_read_people`); another
municipality gets 404; no token 401; bad input a 4xx problem+json."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from lifecycle.domain.permissions import Actor, may_read_people
from tests.builders import compose_through_api

INTAKE = {"step": "record_intake", "intake_outcome": "suitable",
          "house_rules": ["openness", "no_lobbying", "safe_setting", "church_state"]}


@dataclass
class Team:
    lead: object
    reviewer: object
    auditor: object
    admin: object
    other_lead: object
    outsider: object
    anonymous: object
    users: dict


@pytest.fixture
def team(make_user, api):
    users = {"lead": make_user("lead"), "reviewer": make_user("reviewer"),
             "auditor": make_user("auditor"), "admin": make_user("admin"),
             "other_lead": make_user("lead"),
             "outsider": make_user("lead", "reviewer", "auditor", "admin", municipality="Venlo")}
    return Team(**{role: api(user) for role, user in users.items()}, anonymous=api(None),
                users=users)


@pytest.fixture
def network_id(team):
    created = team.lead.post("/api/v1/networks", json={
        "name": "Netwerk Kanaleneiland", "goal": "Vroeg signaleren van spanningen.",
        "form": "structural", "roles": ["signaling"],
        "form_justification": "Een vast netwerk past bij de langdurige opgave in de wijk."})
    assert created.status_code == 201
    compose_through_api(team.lead, created.get_json()["id"], activate=False)
    return created.get_json()["id"]


def base(network_id: int) -> str:
    return f"/api/v1/networks/{network_id}"


def first_member(team, network_id) -> dict:
    return team.lead.get(f"{base(network_id)}/members").get_json()["items"][0]


# --- Organisations ----------------------------------------------------------------------------

def test_the_lead_adds_and_edits_an_organisation_and_everyone_in_scope_reads_it(
        team, network_id, problem):
    created = team.lead.post(f"{base(network_id)}/organisations", json={
        "name": "Moskee Al Amal", "type": "faith_belief_organisation",
        "communities": ["Marokkaans-Nederlands"], "influence": "high", "involvement": "low"})
    assert created.status_code == 201, created.get_json()
    organisation = created.get_json()
    assert organisation["quadrant"] == "keep_satisfied"
    url = created.headers["Location"]
    assert url.endswith(f"/organisations/{organisation['id']}")

    edited = team.lead.edit(url, {"board_approached_on": "2026-03-12",
                                  "board_outcome": "willing"})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["board_approached_by"]["id"] == team.users["lead"].id
    problem(team.lead.patch(url, json={"board_outcome": "declined"}), 428)
    problem(team.lead.patch(url, json={"board_outcome": "declined"},
                            headers={"If-Match": '"1"'}), 412, "precondition-failed")

    for reader in (team.reviewer, team.auditor, team.admin, team.other_lead):
        assert reader.get(url).status_code == 200
        names = [o["name"] for o in reader.get(f"{base(network_id)}/organisations")
                 .get_json()["items"]]
        assert "Moskee Al Amal" in names
    problem(team.outsider.get(url), 404, "not-found")
    problem(team.outsider.get(f"{base(network_id)}/organisations"), 404, "not-found")
    problem(team.anonymous.get(url), 401)


@pytest.mark.parametrize("role", ["reviewer", "auditor", "admin", "other_lead"])
def test_only_the_lead_changes_organisations(team, network_id, problem, role):
    client = getattr(team, role)
    url = f"{base(network_id)}/organisations"
    problem(client.post(url, json={"name": "X", "type": "school", "influence": "low",
                                   "involvement": "low"}), 403, "forbidden")
    some = team.lead.get(url).get_json()["items"][0]
    problem(client.edit(f"{url}/{some['id']}", {"name": "Anders"}), 403, "forbidden")


def test_an_outsider_cannot_add_an_organisation_and_learns_nothing(team, network_id, problem):
    problem(team.outsider.post(f"{base(network_id)}/organisations", json={
        "name": "X", "type": "school", "influence": "low", "involvement": "low"}), 404)
    problem(team.anonymous.post(f"{base(network_id)}/organisations", json={}), 401)


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "type": "mosque", "influence": "low", "involvement": "low"}, "type"),
    ({"name": "X", "type": "school", "influence": "some", "involvement": "low"}, "influence"),
    ({"type": "school", "influence": "low", "involvement": "low"}, "name"),
    ({"name": "X", "type": "school", "influence": "low", "involvement": "low",
      "board_approached_on": (date.today() + timedelta(days=3)).isoformat()},
     "board_approached_on"),
    ({"name": "X", "type": "school", "influence": "low", "involvement": "low",
      "religion": "islam"}, "religion"),
])
def test_bad_organisation_input_is_a_422_problem_naming_the_field(team, network_id, problem,
                                                                  body, field):
    body_of = problem(team.lead.post(f"{base(network_id)}/organisations", json=body), 422)
    assert field in body_of["errors"], body_of


# --- People -----------------------------------------------------------------------------------

def test_the_lead_adds_a_person_reads_and_edits_them(team, network_id, problem):
    created = team.lead.post(f"{base(network_id)}/members", json={
        "name": "Karim Bouzid", "email": "k.bouzid@example.nl", "sector": "education",
        "age_band": "25_39", "gender": "prefers_not_to_say", "formal": False,
        "member_type": "verbinder", "note": "Kent veel ouders op school."})
    assert created.status_code == 201, created.get_json()
    person = created.get_json()
    assert person["status"] == "candidate" and person["history"] == []
    assert {s["step"] for s in person["steps"]} == {"record_intake", "decline"}
    assert all(s["available"] for s in person["steps"])
    url = created.headers["Location"]
    assert url.endswith(f"/members/{person['id']}")

    edited = team.lead.edit(url, {"phone": "+31 6 12345678", "member_type": "doener"})
    assert edited.status_code == 200, edited.get_json()
    assert (edited.get_json()["phone"], edited.get_json()["version"]) == ("+31 6 12345678", 2)
    assert edited.headers["ETag"] == '"2"'
    for reader in (team.reviewer, team.auditor, team.admin):
        read = reader.get(url)
        assert read.status_code == 200 and read.get_json()["name"] == "Karim Bouzid"


def test_the_people_list_filters_by_state_and_organisation(team, network_id, problem):
    url = f"{base(network_id)}/members"
    everyone = team.lead.get(url).get_json()["items"]
    assert len(everyone) == 6 and {m["status"] for m in everyone} == {"intake_held"}
    organisation_id = everyone[0]["organisation"]["id"]
    assert [m["id"] for m in team.reviewer.get(f"{url}?organisation={organisation_id}")
            .get_json()["items"]] == [everyone[0]["id"]]
    assert team.lead.get(f"{url}?status=candidate").get_json()["items"] == []
    assert len(team.auditor.get(f"{url}?status=intake_held").get_json()["items"]) == 6
    first_page = team.lead.get(f"{url}?limit=2").get_json()
    assert len(first_page["items"]) == 2 and first_page["next"]
    problem(team.lead.get(f"{url}?status=Not-A-State"), 422)
    problem(team.lead.get(f"{url}?organisation=0"), 422)


def test_other_leads_of_the_municipality_get_figures_but_never_people(team, network_id,
                                                                     problem):
    users = team.users
    network = type("N", (), {"id": network_id, "municipality_id": users["lead"].municipality_id,
                             "lead_id": users["lead"].id})
    other = users["other_lead"]
    assert may_read_people(Actor(other.id, other.municipality_id, other.roles), network) is False
    person = first_member(team, network_id)
    problem(team.other_lead.get(f"{base(network_id)}/members"), 403, "forbidden")
    problem(team.other_lead.get(f"{base(network_id)}/members/{person['id']}"), 403)
    problem(team.other_lead.get(f"{base(network_id)}/candidates"), 403)
    figures = team.other_lead.get(f"{base(network_id)}/composition")
    assert figures.status_code == 200
    assert "Sleutelfiguur" not in figures.get_data(as_text=True)


@pytest.mark.parametrize("role", ["reviewer", "auditor", "admin", "other_lead"])
def test_only_the_lead_changes_people_or_moves_them(team, network_id, problem, role):
    client = getattr(team, role)
    person = first_member(team, network_id)
    url = f"{base(network_id)}/members/{person['id']}"
    problem(client.post(f"{base(network_id)}/members", json={"name": "Iemand"}), 403)
    problem(client.edit(url, {"note": "Anders."}), 403, "forbidden")
    problem(client.post(f"{url}/steps", json={"step": "invite"}), 403, "forbidden")
    assert team.lead.get(url).get_json()["status"] == "intake_held"


def test_another_municipality_gets_404_on_every_person_route_and_no_token_401(
        team, network_id, problem):
    person = first_member(team, network_id)
    url = f"{base(network_id)}/members/{person['id']}"
    for client, status in ((team.outsider, 404), (team.anonymous, 401)):
        problem(client.get(f"{base(network_id)}/members"), status)
        problem(client.get(url), status)
        problem(client.patch(url, json={"note": "x"}, headers={"If-Match": "*"}), status)
        problem(client.post(f"{url}/steps", json={"step": "invite"}), status)
        problem(client.post(f"{url}/erase", json={"reason": "Verzoek."}), status)
        problem(client.post(f"{base(network_id)}/members", json={"name": "X"}), status)
        problem(client.get(f"{base(network_id)}/candidates"), status)
        problem(client.get(f"{base(network_id)}/composition"), status)
        problem(client.get(f"{base(network_id)}/profile"), status)


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": "X", "email": "geen adres"}, "email"),
    ({"name": "X", "sector": "faith_belief"}, "sector"),
    ({"name": "X", "note": "x" * 501}, "note"),
    ({"name": "X", "ethnicity": "Turks"}, "ethnicity"),
    ({"name": "X", "religion": "islam"}, "religion"),
    ({"name": "X", "organisation_id": 2**31 - 1}, "organisation_id"),
    ({"name": "X", "formal": "ja"}, "formal"),
])
def test_bad_person_input_is_a_422_problem_naming_the_field(team, network_id, problem, body,
                                                            field):
    answer = problem(team.lead.post(f"{base(network_id)}/members", json=body), 422)
    assert field in answer["errors"], answer


# --- Steps ------------------------------------------------------------------------------------

def test_the_lead_moves_a_person_through_the_pipeline_and_each_answer_lists_the_next_steps(
        team, network_id, problem):
    person = first_member(team, network_id)
    url = f"{base(network_id)}/members/{person['id']}/steps"
    assert {s["step"] for s in person["steps"]} == {"invite", "decline"}
    for step, status, steps in (("invite", "invited", {"activate", "decline"}),
                                ("activate", "active", {"deactivate", "leave"}),
                                ("deactivate", "inactive", {"activate", "leave"})):
        answer = team.lead.post(url, json={"step": step})
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["status"] == status
        assert {s["step"] for s in answer.get_json()["steps"]} == steps
    leave = {s["step"]: s for s in answer.get_json()["steps"]}["leave"]
    assert leave["reason_required"] is True
    problem(team.lead.post(url, json={"step": "leave"}), 422, "reason-required")
    problem(team.lead.post(url, json={"step": "invite"}), 409, "invalid-transition")
    problem(team.lead.post(url, json={"step": "promote"}), 409, "invalid-transition")
    problem(team.lead.post(url, json={"step": "leave", "reason": "Verhuisd.",
                                      "happened_on": (date.today() + timedelta(days=1))
                                      .isoformat()}), 422)
    left = team.lead.post(url, json={"step": "leave", "reason": "Verhuisd."}).get_json()
    assert left["status"] == "left" and left["steps"] == [] and left["ended_at"]
    assert [h["step"] for h in left["history"]] == ["record_intake", "invite", "activate",
                                                    "deactivate", "leave"]
    assert left["history"][0]["intake_outcome"] == "suitable"
    assert left["history"][-1]["actor"]["id"] == team.users["lead"].id
    problem(team.lead.post(url, json={"step": "activate"}), 409, "read-only")


def test_the_intake_goes_with_its_outcome(team, network_id, problem):
    created = team.lead.post(f"{base(network_id)}/members", json={"name": "Nieuw"}).get_json()
    url = f"{base(network_id)}/members/{created['id']}/steps"
    answer = problem(team.lead.post(url, json={"step": "record_intake"}), 422)
    assert answer["errors"] == {"intake_outcome": "required"}
    answer = problem(team.lead.post(url, json={**INTAKE, "house_rules": ["lobbying"]}), 422)
    assert "house_rules" in answer["errors"]
    answer = problem(team.lead.post(url, json={"step": "decline",
                                               "intake_outcome": "suitable"}), 422)
    assert answer["errors"] == {"intake_outcome": "unknown_field"}
    held = team.lead.post(url, json=INTAKE)
    assert held.status_code == 200 and held.get_json()["status"] == "intake_held"


def test_only_an_administrator_erases_a_person(team, network_id, problem):
    person = first_member(team, network_id)
    url = f"{base(network_id)}/members/{person['id']}/erase"
    for client in (team.lead, team.reviewer, team.auditor):
        problem(client.post(url, json={"reason": "Verzoek."}), 403, "forbidden")
    problem(team.admin.post(url, json={}), 422)
    erased = team.admin.post(url, json={"reason": "Verzoek van betrokkene."})
    assert erased.status_code == 200, erased.get_json()
    assert erased.get_json()["name"] == "" and erased.get_json()["erased_at"]
    assert erased.get_json()["steps"] == []


# --- Profiles and composition -------------------------------------------------------------

def test_the_starting_profiles_are_listed_for_anyone_logged_in(team, problem):
    for client in (team.lead, team.reviewer, team.outsider):
        ids = [p["id"] for p in client.get("/api/v1/profiles").get_json()["items"]]
        assert ids == ["neighbourhood_signaling", "policy_sounding_board", "rapid_response"]
    problem(team.anonymous.get("/api/v1/profiles"), 401)


def test_the_lead_chooses_and_adjusts_the_networks_profile(team, network_id, problem):
    url = f"{base(network_id)}/profile"
    assert team.reviewer.get(url).get_json() == {"network_id": network_id, "profile_id": None,
                                                 "targets": None, "version": None}
    chosen = team.lead.request("PUT", url, json={"profile_id": "rapid_response"},
                               headers={"If-Match": "*"})
    assert chosen.status_code == 200, chosen.get_json()
    targets = chosen.get_json()["targets"]
    assert targets["member_types"] == ["verbinder", "doener"]
    targets["min_communities"] = 4
    adjusted = team.lead.request("PUT", url, json={"profile_id": "rapid_response",
                                                   "targets": targets},
                                 headers={"If-Match": chosen.headers["ETag"]})
    assert adjusted.status_code == 200 and adjusted.get_json()["version"] == 2
    assert team.other_lead.get(url).get_json()["targets"]["min_communities"] == 4

    problem(team.lead.request("PUT", url, json={"profile_id": "rapid_response"}), 428)
    problem(team.lead.request("PUT", url, json={"profile_id": "rapid_response"},
                              headers={"If-Match": '"1"'}), 412)
    for client in (team.reviewer, team.auditor, team.other_lead):
        problem(client.request("PUT", url, json={"profile_id": "rapid_response"},
                               headers={"If-Match": "*"}), 403, "forbidden")
    problem(team.outsider.request("PUT", url, json={"profile_id": "rapid_response"},
                                  headers={"If-Match": "*"}), 404)
    bad = problem(team.lead.request("PUT", url, json={"profile_id": "nope"},
                                    headers={"If-Match": "*"}), 422)
    assert bad["errors"] == {"profile_id": "invalid_choice"}
    targets["formal_share"] = {"min": 0.9, "max": 0.1}
    targets["genders"] = ["woman", "alien"]
    bad = problem(team.lead.request("PUT", url, json={"profile_id": "rapid_response",
                                                      "targets": targets},
                                    headers={"If-Match": "*"}), 422)
    assert bad["errors"] == {"formal_share": "invalid", "genders": "invalid_choice"}


def test_the_composition_has_figures_gaps_auto_items_and_limits_and_no_names(team, network_id):
    compose_through_api(team.lead, network_id, activate=True)
    for client in (team.lead, team.reviewer, team.auditor, team.other_lead):
        answer = client.get(f"{base(network_id)}/composition")
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["figures"]["active"] == 6 and body["profile_id"] == "neighbourhood_signaling"
        assert body["figures"]["counts"]["member_types"]["verbinder"] == 2
        assert body["gaps"] == []
        items = {i["item"]: i for i in body["auto_items"]}
        assert all(items[i]["ok"] for i in items if i.startswith("diversity."))
        assert items["orientation.stakeholders_mapped"]["ok"] is True
        assert body["limits"]["applies"] == "core" and body["limits"]["max_core_size"] == 12
        assert body["limits"]["active"] == 6
        assert "Sleutelfiguur" not in answer.get_data(as_text=True)


def test_the_candidates_show_the_gaps_they_would_fill(team, network_id):
    team.lead.request("PUT", f"{base(network_id)}/profile",
                      json={"profile_id": "neighbourhood_signaling"}, headers={"If-Match": "*"})
    answer = team.reviewer.get(f"{base(network_id)}/candidates")
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert len(items) == 6
    assert all(item["fills"] for item in items)
    assert {"characteristic": "sectors", "value": "sport", "have": 0.0, "need": 1.0} in \
        [fill for item in items for fill in item["fills"]]
