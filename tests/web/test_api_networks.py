"""API tests: networks (list, create, read, edit), input errors, scope and impossible ids."""
from __future__ import annotations

import re

import pytest

from .api_routes import api_request, api_routes

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
HUGE_IDS = (2**31, 2**63, 10**30)


def test_a_lead_creates_a_network_with_only_name_and_goal_and_gets_the_defaults(make_user, api):
    lead = make_user("lead", municipality="Utrecht")
    client = api(lead)
    response = client.post("/api/v1/networks",
                           json={"name": "  Netwerk Overvecht ", "goal": "Spanningen dempen."})
    assert response.status_code == 201
    network = response.get_json()
    assert network["name"] == "Netwerk Overvecht"
    assert network["goal"] == "Spanningen dempen."
    assert network["stage"] == "orientation"
    assert network["paused_from"] is None
    assert network["lead"] == {"id": lead.id, "name": lead.name}
    assert network["municipality"] == {"id": lead.municipality_id, "name": "Utrecht"}
    assert network["workflow"] == {"name": "network-lifecycle", "version": 1}
    assert (network["form"], network["level"], network["roles"]) == ("structural", "group", [])
    assert network["form_justification"] == ""
    assert ISO_UTC.fullmatch(network["created_at"]) and ISO_UTC.fullmatch(network["updated_at"])
    assert response.headers["Location"] == f"/api/v1/networks/{network['id']}"
    again = client.get(response.headers["Location"])
    assert again.get_json() == network
    assert again.headers["ETag"] == f'"{network["version"]}"'


def test_a_network_can_be_created_with_every_field(make_user, api):
    lead = make_user("lead")
    other_lead = make_user("lead")
    response = api(lead).post("/api/v1/networks", json={
        "name": "Netwerk Zuilen", "goal": "Signaleren.", "form": "ad_hoc",
        "form_justification": "Een tijdelijke opgave rond de nieuwe moskee.", "level": "broad",
        "roles": ["signaling", "policy"], "lead_id": other_lead.id})
    assert response.status_code == 201
    network = response.get_json()
    assert (network["form"], network["level"]) == ("ad_hoc", "broad")
    assert network["roles"] == ["policy", "signaling"]  # in the policy's own order
    assert network["lead"]["id"] == other_lead.id


def test_creating_without_name_and_goal_answers_422_naming_both(make_user, api, problem):
    body = problem(api(make_user("lead")).post("/api/v1/networks", json={"form": "structural"}),
                   422, "validation-failed")
    assert body["errors"] == {"name": "required", "goal": "required"}


def test_invalid_choices_wrong_types_and_unknown_fields_answer_422_per_field(make_user, api,
                                                                            problem):
    response = api(make_user("lead")).post("/api/v1/networks", json={
        "name": 42, "goal": "Doel", "form": "hybrid", "level": "city",
        "roles": ["policy", "lobbying"], "colour": "red"})
    body = problem(response, 422, "validation-failed")
    assert body["errors"] == {"name": "not_text", "form": "invalid_choice",
                              "level": "invalid_choice", "roles": "invalid_choice",
                              "colour": "unknown_field"}


@pytest.mark.parametrize("lead_id", [2**31, -1, 0, "7", None, True, 1.5])
def test_an_impossible_lead_id_answers_422_not_a_database_error(make_user, api, problem, lead_id):
    body = problem(api(make_user("lead")).post("/api/v1/networks", json={
        "name": "N", "goal": "G", "lead_id": lead_id}), 422, "validation-failed")
    assert body["errors"] == {"lead_id": "invalid"}


@pytest.mark.parametrize("data, content_type, code", [
    (b'{"name": "N", "goal": ', "application/json", "bad-request"),
    (b"\xff\xfe\x00garbage", "application/json", "bad-request"),
    (b"name=N&goal=G", "application/x-www-form-urlencoded", "unsupported-media-type"),
])
def test_a_body_that_cannot_be_read_as_json_answers_400_or_415(make_user, api, problem, data,
                                                               content_type, code):
    response = api(make_user("lead")).post("/api/v1/networks", data=data,
                                           content_type=content_type)
    problem(response, 415 if code == "unsupported-media-type" else 400, code)


@pytest.mark.parametrize("data, errors", [
    (b'["name", "goal"]', {"body": "not_an_object"}),
    (b'"just a string"', {"body": "not_an_object"}),
    (b"", {"name": "required", "goal": "required"}),
])
def test_a_json_body_that_is_not_an_object_of_the_schema_answers_422(make_user, api, problem,
                                                                     data, errors):
    response = api(make_user("lead")).post("/api/v1/networks", data=data,
                                           content_type="application/json")
    assert problem(response, 422, "validation-failed")["errors"] == errors


def test_a_deeply_nested_body_answers_400(make_user, api, problem):
    nested = b"[" * 100_000 + b"]" * 100_000
    response = api(make_user("lead")).post("/api/v1/networks", data=nested,
                                           content_type="application/json")
    problem(response, 400, "bad-request")


def test_a_body_over_one_megabyte_answers_413(make_user, api, problem):
    response = api(make_user("lead")).post(
        "/api/v1/networks", data=b'{"name": "' + b"x" * (1024 * 1024) + b'"}',
        content_type="application/json")
    problem(response, 413, "payload-too-large")


@pytest.mark.parametrize("roles", [("reviewer",), ("auditor",), ("admin",)])
def test_only_a_lead_creates_a_network(make_user, api, problem, roles):
    response = api(make_user(*roles)).post("/api/v1/networks", json={"name": "N", "goal": "G"})
    problem(response, 403, "forbidden")


def test_the_list_shows_only_the_own_municipality_and_filters_by_stage(
        make_user, make_network, api, sign_off):
    lead = make_user("lead", municipality="Utrecht")
    reviewer = make_user("reviewer", municipality="Utrecht")
    first = make_network(lead, name="Eerste")
    second = make_network(lead, name="Tweede")
    make_network(make_user("lead", municipality="Venlo"), name="Elders")
    sign_off(second, lead, reviewer, "orientation", "mandate", "church_state")
    client = api(reviewer)
    client_lead = api(lead)
    assert client_lead.post(f"/api/v1/networks/{second.id}/transitions",
                            json={"trigger": "start_core"}).status_code == 200
    everything = client.get("/api/v1/networks").get_json()
    assert [n["id"] for n in everything["items"]] == [first.id, second.id]
    assert everything["next"] is None
    small_core = client.get("/api/v1/networks?stage=small_core").get_json()["items"]
    assert [n["name"] for n in small_core] == ["Tweede"]


@pytest.mark.parametrize("query, errors", [
    ("stage=Flying%20High", {"stage": "invalid"}),
    ("limit=abc", {"limit": "not_an_integer"}),
    ("limit=0", {"limit": "out_of_range"}),
    ("limit=201", {"limit": "out_of_range"}),
    ("after=-1", {"after": "out_of_range"}),
    ("after=2147483648", {"after": "out_of_range"}),
    ("after=99999999999999999999999999", {"after": "out_of_range"}),
    ("limit=%C2%B2", {"limit": "not_an_integer"}),
    ("limit=+5", {"limit": "not_an_integer"}),
    ("limit=x&after=y", {"limit": "not_an_integer", "after": "not_an_integer"}),
])
def test_malformed_list_parameters_answer_422_naming_each(make_user, api, problem, query, errors):
    body = problem(api(make_user("lead")).get(f"/api/v1/networks?{query}"), 422,
                   "validation-failed")
    assert body["errors"] == errors


def test_a_stage_no_workflow_knows_lists_nothing(make_user, make_network, api):
    lead = make_user("lead")
    make_network(lead)
    assert api(lead).get("/api/v1/networks?stage=flying").get_json() == {"items": [],
                                                                         "next": None}


def test_following_next_links_visits_every_network_exactly_once_in_order(
        make_user, make_network, api):
    lead = make_user("lead")
    created = [make_network(lead, name=f"Netwerk {n}").id for n in range(7)]
    client = api(lead)
    seen, url, pages = [], "/api/v1/networks?limit=3", 0
    while url is not None:
        page = client.get(url).get_json()
        seen.extend(n["id"] for n in page["items"])
        url = page["next"]
        pages += 1
    assert seen == created
    assert pages == 3


def test_next_links_keep_the_stage_filter(make_user, make_network, api):
    lead = make_user("lead")
    for n in range(3):
        make_network(lead, name=f"Netwerk {n}")
    page = api(lead).get("/api/v1/networks?stage=orientation&limit=2").get_json()
    assert "stage=orientation" in page["next"] and "limit=2" in page["next"]


def test_the_lead_edits_a_network_and_gets_the_new_version(make_user, make_network, api):
    lead = make_user("lead")
    network = make_network(lead)
    client = api(lead)
    read = client.get(f"/api/v1/networks/{network.id}")
    before = read.get_json()
    response = client.patch(f"/api/v1/networks/{network.id}",
                            json={"goal": "Een nieuw doel.", "level": "broad", "roles": []},
                            headers={"If-Match": read.headers["ETag"]})
    assert response.status_code == 200
    after = response.get_json()
    assert (after["goal"], after["level"], after["roles"]) == ("Een nieuw doel.", "broad", [])
    assert after["name"] == before["name"]
    assert after["version"] == before["version"] + 1
    assert response.headers["ETag"] == f'"{after["version"]}"'


def test_an_edit_with_a_stale_if_match_answers_412_and_changes_nothing(make_user, make_network,
                                                                       api, problem):
    lead = make_user("lead")
    network = make_network(lead)
    client = api(lead)
    url = f"/api/v1/networks/{network.id}"
    etag = client.get(url).headers["ETag"]
    assert client.patch(url, json={"name": "Eerste"}, headers={"If-Match": etag}).status_code \
        == 200
    stale = problem(client.patch(url, json={"name": "Tweede"}, headers={"If-Match": etag}),
                    412, "precondition-failed")
    assert stale["current_version"] == client.get(url).get_json()["version"]
    weak = f"W/{etag}"
    problem(client.patch(url, json={"name": "Tweede"}, headers={"If-Match": weak}),
            412, "precondition-failed")
    assert client.get(url).get_json()["name"] == "Eerste"


def test_an_edit_without_if_match_answers_428_and_changes_nothing(make_user, make_network, api,
                                                                 problem):
    lead = make_user("lead")
    network = make_network(lead)
    client = api(lead)
    url = f"/api/v1/networks/{network.id}"
    problem(client.patch(url, json={"name": "Zonder versie"}), 428, "precondition-required")
    problem(client.patch(url, json={"name": "Zonder versie"}, headers={"If-Match": " "}),
            428, "precondition-required")
    assert client.get(url).get_json()["name"] == network.name


@pytest.mark.parametrize("header", ["yesterday", '"abc"', '"99999999999"', '"1", "2"'])
def test_an_unreadable_if_match_answers_400(make_user, make_network, api, problem, header):
    lead = make_user("lead")
    network = make_network(lead)
    body = problem(api(lead).patch(f"/api/v1/networks/{network.id}", json={"name": "X"},
                                   headers={"If-Match": header}), 400, "bad-request")
    assert body["errors"] == {"If-Match": "invalid"}


def test_if_match_star_edits_whatever_version_is_current(make_user, make_network, api):
    lead = make_user("lead")
    network = make_network(lead)
    response = api(lead).patch(f"/api/v1/networks/{network.id}", json={"name": "Altijd"},
                               headers={"If-Match": "*"})
    assert response.status_code == 200 and response.get_json()["name"] == "Altijd"


def test_a_version_in_the_body_is_not_part_of_the_contract(make_user, make_network, api,
                                                          problem):
    lead = make_user("lead")
    network = make_network(lead)
    body = problem(api(lead).edit(f"/api/v1/networks/{network.id}",
                                  json={"name": "Tweede", "version": 1}), 422,
                   "validation-failed")
    assert body["errors"] == {"version": "unknown_field"}


def test_another_lead_may_read_but_not_edit_a_network(make_user, make_network, api, problem):
    lead = make_user("lead")
    network = make_network(lead)
    other = api(make_user("lead"))
    assert other.get(f"/api/v1/networks/{network.id}").status_code == 200
    problem(other.edit(f"/api/v1/networks/{network.id}", json={"name": "Overgenomen"}),
            403, "forbidden")


def test_only_an_admin_reassigns_the_lead(make_user, make_network, api, problem):
    lead = make_user("lead")
    successor = make_user("lead")
    network = make_network(lead)
    problem(api(lead).edit(f"/api/v1/networks/{network.id}", json={"lead_id": successor.id}),
            403, "forbidden")
    admin = api(make_user("admin"))
    response = admin.edit(f"/api/v1/networks/{network.id}", json={"lead_id": successor.id})
    assert response.status_code == 200
    assert response.get_json()["lead"] == {"id": successor.id, "name": successor.name}
    reviewer = make_user("reviewer")
    body = problem(admin.edit(f"/api/v1/networks/{network.id}", json={"lead_id": reviewer.id}),
                   422, "validation-failed")
    assert body["errors"] == {"lead_id": "invalid"}
    body = problem(admin.edit(f"/api/v1/networks/{network.id}", json={"lead_id": 2**31}),
                   422, "validation-failed")
    assert body["errors"] == {"lead_id": "invalid"}


def test_an_edit_with_invalid_values_answers_422(make_user, make_network, api, problem):
    lead = make_user("lead")
    network = make_network(lead)
    body = problem(api(lead).edit(f"/api/v1/networks/{network.id}",
                                   json={"name": "", "roles": "policy", "stage": "expansion"}),
                   422, "validation-failed")
    assert body["errors"] == {"name": "required", "roles": "invalid_choice",
                              "stage": "unknown_field"}


def answers_on_every_route(app, client, network_id) -> dict[str, tuple[int, str]]:
    """Status and problem type of each network route, keyed by "METHOD rule"."""
    answers = {}
    for method, rule in api_routes(app):
        response = api_request(client, method, rule,
                               {"network_id": network_id, "item_id": "mandate.sponsor_named"})
        answers[f"{method} {rule.rule}"] = (response.status_code,
                                            (response.get_json() or {}).get("type"))
    return answers


def test_the_network_routes_come_from_the_url_map_and_include_every_kind(app):
    """Guards against an empty or shrunken walk: the checks below would then prove nothing."""
    routes = [(method, rule.rule) for method, rule in api_routes(app)]
    assert {method for method, _ in routes} >= {"GET", "POST", "PATCH", "PUT"}
    assert ("POST", "/api/v1/networks/<int:network_id>/transitions") in routes
    assert len(routes) >= 30


@pytest.mark.parametrize("roles", [("lead",), ("reviewer",), ("auditor",), ("admin",)])
def test_another_municipalitys_network_is_not_found_on_every_route(app, make_user, make_network,
                                                                    api, roles):
    venlo_network = make_network(make_user("lead", municipality="Venlo"))
    client = api(make_user(*roles, municipality="Utrecht"))
    answers = answers_on_every_route(app, client, venlo_network.id)
    assert answers == {route: (404, "/api/v1/problems/not-found") for route in answers}
    assert set(answers) == {f"{method} {rule.rule}" for method, rule in api_routes(app)}


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_id_beyond_the_database_range_is_not_found_on_every_route(app, make_user, api, huge):
    answers = answers_on_every_route(app, api(make_user("lead")), huge)
    assert answers == {route: (404, "/api/v1/problems/not-found") for route in answers}
    assert len(answers) == len(api_routes(app))


def test_an_id_that_does_not_exist_is_not_found(make_user, api, problem):
    problem(api(make_user("lead")).get("/api/v1/networks/2147483647"), 404, "not-found")
