"""API tests: checklists, evidence, sign-off, rejection and revocation, and who may do each."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lifecycle.extensions import db
from lifecycle.models import SignOff

from lifecycle.services.workflows import workflow_of

ITEM = "mandate.sponsor_named"


def item_url(network, item_id=ITEM, action="submit"):
    return f"/api/v1/networks/{network.id}/items/{item_id}/{action}"


def listed_item(client, network, item_id=ITEM):
    listing = client.get(f"/api/v1/networks/{network.id}/checklists").get_json()
    return next(item for checklist in listing["checklists"] for item in checklist["items"]
                if item["id"] == item_id)


@pytest.fixture
def cast(make_user, make_network, api):
    """A lead's network, with API clients for the lead, a reviewer and an auditor."""
    lead = make_user("lead")
    reviewer = make_user("reviewer")

    class Cast:
        pass

    cast = Cast()
    cast.lead, cast.reviewer = lead, reviewer
    cast.network = make_network(lead)
    cast.as_lead, cast.as_reviewer = api(lead), api(reviewer)
    cast.as_auditor = api(make_user("auditor"))
    return cast


def test_the_checklists_list_every_checklist_and_item_of_the_workflow(cast):
    listing = cast.as_reviewer.get(f"/api/v1/networks/{cast.network.id}/checklists").get_json()
    definition = workflow_of(cast.network)
    assert listing["stage"] == "orientation"
    assert [c["id"] for c in listing["checklists"]] == [c.id for c in definition.checklists]
    for checklist, listed in zip(definition.checklists, listing["checklists"]):
        assert [i["id"] for i in listed["items"]] == [i.id for i in checklist.items]
    sponsor = listed_item(cast.as_reviewer, cast.network)
    assert sponsor["status"] == "open" and sponsor["check"] == "signoff"
    assert sponsor["evidence"] is None and sponsor["signoff"] is None
    assert sponsor["satisfied"] is False
    assert set(sponsor["title"]) == {"nl", "en"} and set(sponsor["question"]) == {"nl", "en"}
    # make_network writes a justified form and roles, so the auto items hold
    form = listed_item(cast.as_reviewer, cast.network, "orientation.form_justified")
    assert form["check"] == "auto" and form["satisfied"] is True
    orientation = listing["checklists"][0]
    assert orientation["done"] == 2 and orientation["total"] == len(orientation["items"])


def test_the_lead_submits_evidence_as_text_with_links(cast):
    response = cast.as_lead.post(item_url(cast.network), json={
        "evidence": "Wethouder De Vries is opdrachtgever.",
        "links": ["https://ris.utrecht.nl/besluit/123"]})
    assert response.status_code == 200
    item = response.get_json()
    assert item["status"] == "submitted"
    assert item["evidence"]["justification"] == "Wethouder De Vries is opdrachtgever."
    assert item["evidence"]["links"] == ["https://ris.utrecht.nl/besluit/123"]
    assert item["evidence"]["submitted_by"] == {"id": cast.lead.id, "name": cast.lead.name}
    assert item == listed_item(cast.as_lead, cast.network)


def test_the_lead_submits_evidence_as_an_object(cast):
    response = cast.as_lead.post(item_url(cast.network), json={"evidence": {
        "justification": "Besluit van het college.", "links": ["http://example.nl/b"]}})
    assert response.status_code == 200
    assert response.get_json()["evidence"]["links"] == ["http://example.nl/b"]


@pytest.mark.parametrize("body, errors", [
    ({}, {"evidence": "required"}),
    ({"evidence": 12}, {"evidence": "invalid"}),
    ({"evidence": "Tekst", "links": "https://one.nl"}, {"links": "invalid"}),
    ({"evidence": "Tekst", "links": [1, 2]}, {"links": "not_text"}),
    ({"evidence": {"justification": ["a"]}}, {"evidence.justification": "not_text"}),
    ({"evidence": {"justification": "Tekst", "links": [None]}}, {"evidence.links": "invalid"}),
    ({"evidence": {"justification": "T", "extra": 1}}, {"evidence.extra": "unknown_field"}),
    ({"evidence": "Tekst", "comment": "Hoi"}, {"comment": "unknown_field"}),
    ({"evidence": "   "}, {"evidence": "required"}),
    ({"evidence": {"justification": " "}}, {"evidence.justification": "required"}),
    ({"evidence": {"links": []}}, {"evidence.justification": "required"}),
    ({"evidence": "Tekst\u0000"}, {"evidence": "invalid"}),
    ({"evidence": "Tekst", "links": ["https://x.nl"] * 21}, {"links": "too_long"}),
    ({"evidence": "Tekst", "links": ["ftp://files.nl/x"]}, {"links": "invalid"}),
])
def test_invalid_evidence_answers_422_per_field(cast, problem, body, errors):
    response = cast.as_lead.post(item_url(cast.network), json=body)
    assert problem(response, 422, "validation-failed")["errors"] == errors
    assert listed_item(cast.as_lead, cast.network)["status"] == "open"


def test_a_submit_without_a_body_answers_422_naming_the_evidence(cast, problem):
    body = problem(cast.as_lead.post(item_url(cast.network)), 422, "validation-failed")
    assert body["errors"] == {"evidence": "required"}


def test_a_reviewer_signs_off_submitted_evidence(cast):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    response = cast.as_reviewer.post(item_url(cast.network, action="approve"),
                                     json={"comment": "Akkoord."})
    assert response.status_code == 200
    item = response.get_json()
    assert item["status"] == "approved" and item["satisfied"] is True
    assert item["signoff"]["decision"] == "approved"
    assert item["signoff"]["comment"] == "Akkoord."
    assert item["signoff"]["reviewer"] == {"id": cast.reviewer.id, "name": cast.reviewer.name}


def test_an_approval_needs_no_body_at_all(cast):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    response = cast.as_reviewer.post(item_url(cast.network, action="approve"))
    assert response.get_json()["status"] == "approved"


def test_a_lead_cannot_sign_off(cast, problem):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    problem(cast.as_lead.post(item_url(cast.network, action="approve")), 403, "forbidden")


def test_a_reviewer_who_leads_the_network_meets_the_four_eyes_principle(
        make_user, make_network, api, problem):
    lead_reviewer = make_user("lead", "reviewer")
    network = make_network(lead_reviewer)
    client = api(lead_reviewer)
    client.post(item_url(network), json={"evidence": "Zelf ingediend."})
    body = problem(client.post(item_url(network, action="approve")), 403, "four-eyes")
    assert "lead" in body["detail"]
    assert listed_item(client, network)["status"] == "submitted"


def test_a_four_eyes_refusal_is_recorded_in_the_audit_trail(make_user, make_network, api):
    lead_reviewer = make_user("lead", "reviewer")
    network = make_network(lead_reviewer)
    client = api(lead_reviewer)
    client.post(item_url(network), json={"evidence": "Zelf ingediend."})
    client.post(item_url(network, action="approve"))
    audit = api(make_user("auditor")).get("/api/v1/audit?result=refused").get_json()["items"]
    assert [(r["action"], r["after"]["refusal"]) for r in audit] == [
        ("item.approved", "four-eyes")]


def test_a_reviewer_cannot_submit_evidence(cast, problem):
    problem(cast.as_reviewer.post(item_url(cast.network), json={"evidence": "Tekst"}),
            403, "forbidden")


def test_rejecting_needs_a_comment(cast, problem):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    for body in ({}, {"comment": ""}, {"comment": "   "}, {"comment": None}):
        answer = problem(cast.as_reviewer.post(item_url(cast.network, action="reject"),
                                               json=body), 422, "reason-required")
        assert answer["errors"] == {"comment": "required"}
    response = cast.as_reviewer.post(item_url(cast.network, action="reject"),
                                     json={"comment": "Welke wethouder?"})
    item = response.get_json()
    assert item["status"] == "rejected"
    assert item["signoff"]["decision"] == "rejected"
    assert item["signoff"]["comment"] == "Welke wethouder?"


def test_a_comment_that_is_not_text_answers_422(cast, problem):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    body = problem(cast.as_reviewer.post(item_url(cast.network, action="approve"),
                                         json={"comment": {"text": "Akkoord"}}),
                   422, "validation-failed")
    assert body["errors"] == {"comment": "not_text"}
    assert listed_item(cast.as_lead, cast.network)["status"] == "submitted"


def test_revoking_needs_a_reason_and_puts_the_item_back_to_submitted(cast, problem):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    cast.as_reviewer.post(item_url(cast.network, action="approve"))
    answer = problem(cast.as_reviewer.post(item_url(cast.network, action="revoke"), json={}),
                     422, "reason-required")
    assert answer["errors"] == {"reason": "required"}
    response = cast.as_reviewer.post(item_url(cast.network, action="revoke"),
                                     json={"reason": "De wethouder is vertrokken."})
    item = response.get_json()
    assert item["status"] == "submitted" and item["signoff"] is None
    assert item["evidence"]["justification"] == "Wethouder benoemd."
    # The reason is stored as the revocation's reason, on the sign-off it withdrew.
    revoked = db.session.scalars(select(SignOff).where(
        SignOff.network_id == cast.network.id, SignOff.item_id == ITEM)).one()
    assert revoked.revoke_reason == "De wethouder is vertrokken."
    assert revoked.revoked_by_id == cast.reviewer.id and revoked.revoked_at is not None
    assert revoked.comment == ""


def test_a_revocation_names_its_reason_reason_not_comment(cast, problem):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    cast.as_reviewer.post(item_url(cast.network, action="approve"))
    answer = problem(cast.as_reviewer.post(item_url(cast.network, action="revoke"),
                                           json={"comment": "Vergissing."}),
                     422, "validation-failed")
    assert answer["errors"] == {"comment": "unknown_field", "reason": "required"}
    assert listed_item(cast.as_lead, cast.network)["status"] == "approved"


def test_new_evidence_on_an_approved_item_needs_a_new_sign_off(cast):
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    cast.as_reviewer.post(item_url(cast.network, action="approve"))
    item = cast.as_lead.post(item_url(cast.network),
                             json={"evidence": "Andere wethouder."}).get_json()
    assert item["status"] == "submitted" and item["signoff"] is None


@pytest.mark.parametrize("action, body", [("approve", {}), ("reject", {"comment": "Nee"}),
                                          ("revoke", {"reason": "Nee"})])
def test_deciding_on_an_item_without_evidence_answers_409(cast, problem, action, body):
    answer = problem(cast.as_reviewer.post(item_url(cast.network, action=action), json=body),
                     409, "invalid-transition")
    assert answer["item_status"] == "open"


def test_an_auto_item_takes_no_evidence(cast, problem):
    problem(cast.as_lead.post(item_url(cast.network, "orientation.form_justified"),
                              json={"evidence": "Tekst"}), 409, "invalid-transition")


@pytest.mark.parametrize("item_id", ["mandate.no_such_item", "x" * 500, "mandate"])
def test_an_unknown_item_is_not_found(cast, problem, item_id):
    problem(cast.as_lead.post(item_url(cast.network, item_id), json={"evidence": "Tekst"}),
            404, "not-found")


def test_an_auditor_reads_checklists_but_changes_nothing(cast, problem):
    assert cast.as_auditor.get(f"/api/v1/networks/{cast.network.id}/checklists").status_code \
        == 200
    before = listed_item(cast.as_lead, cast.network)
    problem(cast.as_auditor.post(item_url(cast.network), json={"evidence": "Tekst"}),
            403, "forbidden")
    assert listed_item(cast.as_lead, cast.network) == before
    cast.as_lead.post(item_url(cast.network), json={"evidence": "Wethouder benoemd."})
    submitted = listed_item(cast.as_lead, cast.network)
    for action, body in (("approve", None), ("reject", {"comment": "Nee"}),
                         ("revoke", {"reason": "Nee"})):
        problem(cast.as_auditor.post(item_url(cast.network, action=action), json=body),
                403, "forbidden")
    after = listed_item(cast.as_lead, cast.network)
    assert after == submitted
    assert after["status"] == "submitted" and after["signoff"] is None
    assert after["evidence"]["justification"] == "Wethouder benoemd."
    assert db.session.scalar(select(func.count()).select_from(SignOff).where(
        SignOff.network_id == cast.network.id)) == 0
