"""The API contract: served, committed, complete, and rendered as a readable reference page.

`openapi.json` at the top of the repository is the committed contract; every change to the API's
shape must show up there (`flask --app wsgi openapi write`), so reviewers see it.
"""
from __future__ import annotations

import gc
import json

import pytest
from marshmallow import fields

from lifecycle.api.contract import (COMMITTED_CONTRACT, contract_differences,
                                    openapi_document, serialise_contract)
from lifecycle.api.problems import PROBLEM_TYPES


def committed() -> dict:
    return json.loads(COMMITTED_CONTRACT.read_text(encoding="utf-8"))


def test_the_served_contract_is_the_committed_one(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    differences = contract_differences(served.get_json(), committed())
    assert differences == [], (
        "The API contract changed. Review the change, then run `flask --app wsgi openapi write` "
        "and commit openapi.json:\n" + "\n".join(differences[:40]))


def test_the_committed_file_is_exactly_what_the_writer_writes(app):
    assert COMMITTED_CONTRACT.read_text(encoding="utf-8") == \
        serialise_contract(openapi_document(app))


def add_field_to_every(schema_class, name: str, field, monkeypatch) -> None:
    """Give a schema a new field, as if the class declared it: its class and its instances
    (the route decorators made theirs when the API modules were imported)."""
    monkeypatch.setitem(schema_class._declared_fields, name, field)
    for schema in gc.get_objects():
        if isinstance(schema, schema_class):
            monkeypatch.setitem(schema.fields, name, field)
            monkeypatch.setitem(schema.declared_fields, name, field)


def test_the_check_fails_when_a_response_schema_gains_an_undocumented_field(
        app_config, monkeypatch, fast_password_hashing):
    from lifecycle import create_app
    from lifecycle.api.networks import NetworkSchema

    add_field_to_every(NetworkSchema, "colour", fields.String(), monkeypatch)
    throwaway = create_app(app_config)
    differences = contract_differences(openapi_document(throwaway), committed())
    assert "/components/schemas/Network/properties/colour: served, but not in the committed " \
        "contract" in differences


def test_the_contract_is_openapi_3_1_with_the_bearer_scheme_and_public_problem_types(app):
    document = openapi_document(app)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "description": document["components"][
            "securitySchemes"]["bearerToken"]["description"]}
    assert document["security"] == [{"bearerToken": []}]
    for path in ("/api/v1/problems", "/api/v1/problems/{code}"):
        assert document["paths"][path]["get"]["security"] == []


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                yield path, method, operation


def test_every_operation_documents_its_problems_as_problem_json_with_examples(app):
    document = openapi_document(app)
    for path, method, operation in operations(document):
        assert operation["summary"] and operation["operationId"], (method, path)
        statuses = {int(status) for status in operation["responses"]}
        if operation.get("security") != []:
            assert 401 in statuses, (method, path)
        if "requestBody" in operation:
            assert {400, 413, 415, 422} <= statuses, (method, path)
        for status, response in operation["responses"].items():
            if int(status) < 400:
                assert "application/json" in response["content"], (method, path, status)
                continue
            media = response["content"]["application/problem+json"]
            assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
            for code, example in media["examples"].items():
                assert example["value"]["status"] == int(status), (method, path, code)
                assert example["value"]["type"] == f"/api/v1/problems/{code}"


def test_every_problem_type_of_the_problems_listing_appears_in_the_contract(api):
    document = openapi_document()
    listed = api(None).get("/api/v1/problems").get_json()["items"]
    types_in_contract = document["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    assert sorted(p["type"] for p in listed) == sorted(types_in_contract)
    answered = {code for _path, _method, operation in operations(document)
                for response in operation["responses"].values()
                for code in response["content"].get("application/problem+json", {})
                .get("examples", {})}
    # Every type a route can answer with is documented on a route; the rest describe errors
    # outside any route (a wrong method, a bug), the base class of the domain errors, or
    # refusals only the administration pages meet.
    assert set(PROBLEM_TYPES) - answered == {"method-not-allowed", "internal-error",
                                             "http-error", "domain-error",
                                             "last-administrator", "own-admin-role"}


def test_the_contract_documents_limits_and_the_page_envelope(app):
    schemas = openapi_document(app)["components"]["schemas"]
    limit = next(p for p in openapi_document(app)["paths"]["/api/v1/networks"]["get"]
                 ["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)
    for page in ("NetworkPage", "AuditPage"):
        assert set(schemas[page]["properties"]) == {"items", "next"}
        assert schemas[page]["required"] == ["items", "next"]
    assert schemas["NetworkFields"]["additionalProperties"] is False
    assert sorted(schemas["NetworkCreate"]["required"]) == ["goal", "name"]
    patch = openapi_document(app)["paths"]["/api/v1/networks/{network_id}"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["in"] == "header" and if_match["required"] is True
    assert {"412", "428"} <= set(patch["responses"])


def test_the_openapi_write_command_writes_the_contract(app, tmp_path):
    target = tmp_path / "contract.json"
    result = app.test_cli_runner().invoke(args=["openapi", "write", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8")) == openapi_document(app)


@pytest.mark.parametrize("language, heading, summary", [
    ("nl", "API-referentie", "Netwerk aanmaken"),
    ("en", "API reference", "Create a network"),
])
def test_the_reference_page_shows_every_operation_in_the_chosen_language(
        client, language, heading, summary):
    client.post("/taal", data={"lang": language, "next": "/api-referentie"})
    page = client.get("/api-referentie")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"<h1 class=\"utrecht-heading-1\">{heading}</h1>" in html
    assert summary in html
    for path, method, operation in operations(openapi_document()):
        assert f"{method.upper()} {path}" in html
        assert f'id="{operation["operationId"]}"' in html
    assert 'href="/api/v1/openapi.json"' in html
    assert "&#34;trigger&#34;: &#34;start_core&#34;" in html  # a request example, escaped


def test_the_reference_page_needs_no_login_and_shows_no_data(client, make_user, make_network):
    make_network(make_user("lead"), name="Netwerk Geheim-Zeven")
    html = client.get("/api-referentie").get_data(as_text=True)
    assert "Netwerk Geheim-Zeven" not in html


def test_the_whitespace_of_the_patterns_is_exactly_what_python_strips():
    import re

    from lifecycle.api.schemas import WHITESPACE

    spelt_out = re.compile(f"[{WHITESPACE}]")
    every_character = map(chr, range(0x110000))
    assert {ch for ch in every_character if spelt_out.fullmatch(ch)} == {
        ch for ch in map(chr, range(0x110000)) if ch.isspace()}


def test_a_version_beyond_any_the_database_holds_is_just_not_current(make_user, make_network,
                                                                    api, problem):
    lead = make_user("lead")
    network = make_network(lead)
    problem(api(lead).patch(f"/api/v1/networks/{network.id}", json={"name": "X"},
                            headers={"If-Match": '"9999999999"'}), 412, "precondition-failed")
