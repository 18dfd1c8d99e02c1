"""API tests: bearer-token authentication, problem+json for every error, and no 500s."""
from __future__ import annotations

import pytest

from lifecycle.domain import errors as domain_errors
from lifecycle.extensions import db
from lifecycle.services.accounts import list_tokens, revoke_token
from lifecycle.services.uow import write_transaction


def all_domain_error_classes(base=domain_errors.DomainError):
    found = [base]
    for subclass in base.__subclasses__():
        found.extend(all_domain_error_classes(subclass))
    return found


def test_a_request_without_a_token_is_refused_with_401_and_a_bearer_challenge(
        make_user, api, problem):
    response = api(None).get("/api/v1/networks")
    body = problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize("header", [
    "Bearer vsp_thisTokenWasNeverIssuedByTheApplication000000000",
    "Bearer not-even-our-format",
    "Bearer ",
    "Basic dXNlcjpwYXNzd29yZA==",
    "vsp_aTokenWithoutTheBearerScheme",
])
def test_a_token_that_is_unknown_or_sent_wrongly_is_refused(make_user, api, problem, header):
    make_user("lead")
    response = api(None).get("/api/v1/networks", headers={"Authorization": header})
    problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working_at_once(make_user, api, api_token, problem):
    lead = make_user("lead")
    token = api_token(lead)
    client = api(token=token)
    assert client.get("/api/v1/networks").status_code == 200
    with write_transaction():
        revoke_token(lead, list_tokens(lead)[0].id)
    response = client.get("/api/v1/networks")
    problem(response, 401, "unauthorized")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_of_a_deactivated_user_is_refused(make_user, api, problem):
    lead = make_user("lead")
    client = api(lead)
    with write_transaction():
        db.session.get(type(lead), lead.id).active = False
    problem(client.get("/api/v1/networks"), 401, "unauthorized")


def test_a_session_cookie_alone_does_not_authenticate_the_api(make_user, make_network, client,
                                                              problem):
    lead = make_user("lead")
    network = make_network(lead)
    with client.session_transaction() as session:  # what Flask-Login stores after a login
        session["_user_id"] = str(lead.id)
        session["_fresh"] = True
    problem(client.get(f"/api/v1/networks/{network.id}"), 401, "unauthorized")
    problem(client.post("/api/v1/networks", json={"name": "N", "goal": "G"}), 401, "unauthorized")


def test_the_token_decides_who_acts_even_when_a_session_cookie_names_someone_else(
        make_user, make_network, api):
    utrecht_lead = make_user("lead", municipality="Utrecht")
    venlo_lead = make_user("lead", municipality="Venlo")
    make_network(utrecht_lead, name="Utrechts netwerk")
    make_network(venlo_lead, name="Venloos netwerk")
    client = api(venlo_lead)
    with client.client.session_transaction() as session:
        session["_user_id"] = str(utrecht_lead.id)
        session["_fresh"] = True
    names = [n["name"] for n in client.get("/api/v1/networks").get_json()["items"]]
    assert names == ["Venloos netwerk"]


def test_the_api_needs_no_csrf_token_even_with_csrf_protection_on(make_user, api, app):
    client = api(make_user("lead"))
    assert app.config["WTF_CSRF_ENABLED"] is True
    response = client.post("/api/v1/networks", json={"name": "Netwerk", "goal": "Verbinden."})
    assert response.status_code == 201


def test_the_api_never_sets_a_session_cookie(make_user, api):
    client = api(make_user("lead"))
    response = client.post("/api/v1/networks", json={"name": "Netwerk", "goal": "Verbinden."})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_route_under_the_api_answers_problem_json_404(make_user, api, problem):
    client = api(make_user("lead"))
    problem(client.get("/api/v1/no-such-thing"), 404, "not-found")
    problem(client.get("/api/v1/networks/not-a-number"), 404, "not-found")
    problem(api(None).get("/api/v2/networks"), 404, "not-found")


def test_a_wrong_method_under_the_api_answers_problem_json_405_with_allow(make_user, api,
                                                                         problem):
    client = api(make_user("lead"))
    response = client.delete("/api/v1/networks")
    problem(response, 405, "method-not-allowed")
    assert {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))
    problem(client.request("PUT", "/api/v1/networks/1"), 405, "method-not-allowed")


@pytest.mark.parametrize("error_class", all_domain_error_classes(), ids=lambda c: c.__name__)
def test_every_domain_error_code_is_a_documented_problem_type(api, problem, error_class):
    response = api(None).get(f"/api/v1/problems/{error_class.code}")
    assert response.status_code == 200
    described = response.get_json()
    assert described["code"] == error_class.code
    assert described["status"] == error_class.status
    assert described["type"] == f"/api/v1/problems/{error_class.code}"
    assert described["title"] and described["description"]


def test_every_listed_problem_type_resolves_without_a_token(api):
    client = api(None)
    listed = client.get("/api/v1/problems").get_json()["items"]
    assert {"unauthorized", "method-not-allowed", "unsupported-media-type",
            "bad-request"} <= {p["code"] for p in listed}
    for described in listed:
        assert client.get(described["type"]).get_json() == described


def test_an_unknown_problem_type_is_itself_a_404_problem(api, problem):
    problem(api(None).get("/api/v1/problems/no-such-problem"), 404, "not-found")


def test_an_unexpected_error_answers_problem_json_500_and_is_logged(
        make_user, api_token, client, monkeypatch, unexpected_errors):
    from lifecycle.services import networks

    def broken(*args, **kwargs):
        raise RuntimeError("a bug with a secret inside")

    monkeypatch.setattr(networks, "list_networks", broken)
    token = api_token(make_user("lead"))
    response = client.get("/api/v1/networks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/api/v1/problems/internal-error"
    assert "secret" not in response.get_data(as_text=True)
    assert [r.exc_info[0] for r in unexpected_errors.refresh()] == [RuntimeError]


def test_html_error_handlers_of_the_app_do_not_reach_api_answers(make_user, make_network, app,
                                                                 api, problem):
    for status in (400, 403, 404, 405, 409, 413, 500):
        app.register_error_handler(status, lambda exc: ("<html>HTML page</html>", exc.code))
    app.register_error_handler(Exception, lambda exc: ("<html>HTML page</html>", 500))
    venlo_network = make_network(make_user("lead", municipality="Venlo"))
    client = api(make_user("reviewer"))
    problem(client.get("/api/v1/no-such-route"), 404, "not-found")
    problem(client.get(f"/api/v1/networks/{venlo_network.id}"), 404, "not-found")
    problem(client.delete("/api/v1/networks"), 405, "method-not-allowed")
    problem(client.post("/api/v1/networks", json={"name": "N", "goal": "G"}), 403, "forbidden")
    problem(client.post("/api/v1/networks", data=b"{", content_type="application/json"),
            400, "bad-request")
    assert app.test_client().get("/no-such-page").get_data(as_text=True) == \
        "<html>HTML page</html>"
