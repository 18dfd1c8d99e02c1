"""The checklist item pages: evidence, sign-off, rejection, revocation and their history.

Users log in through /login and use the forms; every request runs in its own app context,
as in production (see `FreshContextClient` in tests/conftest.py).
"""
from __future__ import annotations


import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, Evidence, ItemState, SignOff
from lifecycle.services.checklists import submit_evidence
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction
from tests.web.html import tags, text

ITEM = "mandate.sponsor_named"


def status_of(network_id: int, item_id: str = ITEM) -> str:
    db.session.rollback()  # end the test's own read transaction, to see what requests wrote
    return db.session.scalars(select(ItemState.status).where(
        ItemState.network_id == network_id, ItemState.item_id == item_id)).one()


def item_url(network_id: int, item_id: str = ITEM, action: str = "") -> str:
    return f"/netwerken/{network_id}/items/{item_id}" + (f"/{action}" if action else "")


def assert_field_error(page: str, field_name: str) -> None:
    control = tags(page, "textarea", name=field_name)[0]
    assert control["aria-invalid"] == "true"
    assert f"{control['id']}-error" in control["aria-describedby"].split()
    assert f'id="{control["id"]}-error"' in page


@pytest.fixture
def cast(make_user, make_network):
    """A lead with a network, a reviewer, and the network."""
    lead = make_user("lead", name="Lotte Lead")
    reviewer = make_user("reviewer", name="Rik Reviewer")
    return lead, reviewer, make_network(lead)


def submit(lead, network, item_id: str = ITEM, text_: str = "Wethouder Jansen is opdrachtgever."):
    with write_transaction():
        submit_evidence(lead, network.id, item_id, text_)


def test_the_lead_submits_evidence_and_the_item_waits_for_a_sign_off(cast, browse):
    lead, reviewer, network = cast
    client = browse(lead)
    first = text(client.get(item_url(network.id)))
    assert "Which mayor or alderman is the sponsor?" in first
    assert tags(first, "textarea", name="justification")

    response = client.post(item_url(network.id, action="bewijs"), data={
        "justification": "Wethouder Jansen is opdrachtgever.",
        "links": "https://example.org/besluit\n\nhttps://example.org/verslag\n"})
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))

    assert "Your evidence has been saved." in page
    assert "Waiting for sign-off" in page
    assert "Wethouder Jansen is opdrachtgever." in page
    assert tags(page, "a", href="https://example.org/besluit")
    assert tags(page, "a", href="https://example.org/verslag")
    assert "By Lotte Lead on" in page
    assert status_of(network.id) == "submitted"
    assert not tags(text(browse(reviewer).get(item_url(network.id))), "textarea",
                    name="justification")


@pytest.mark.parametrize("data, field_name", [
    ({"justification": "   ", "links": ""}, "justification"),
    ({"justification": "Besluit.", "links": "javascript:alert(1)"}, "links"),
    ({"justification": "Besluit.", "links": "ftp://example.org/x"}, "links"),
])
def test_invalid_evidence_is_shown_again_with_the_error_on_its_field(cast, browse, data,
                                                                     field_name):
    lead, _reviewer, network = cast

    response = browse(lead).post(item_url(network.id, action="bewijs"), data=data)

    assert response.status_code == 422
    assert_field_error(text(response), field_name)
    assert status_of(network.id) == "open"


def test_a_reviewer_signs_off_and_the_network_page_shows_who(cast, browse):
    lead, reviewer, network = cast
    submit(lead, network)
    client = browse(reviewer)
    form_page = text(client.get(item_url(network.id)))
    assert tags(form_page, "form", action=item_url(network.id, action="aftekenen"))
    assert tags(form_page, "button", formaction=item_url(network.id, action="afwijzen"))

    response = client.post(item_url(network.id, action="aftekenen"),
                           data={"comment": "Helder vastgelegd."}, follow_redirects=True)

    page = text(response)
    assert "You signed off this item." in page
    assert "Signed off by Rik Reviewer on" in page and "Comment: Helder vastgelegd." in page
    assert status_of(network.id) == "approved"
    network_page = text(client.get(f"/netwerken/{network.id}"))
    assert "Signed off by Rik Reviewer on" in network_page


def test_a_reviewer_who_leads_the_network_cannot_sign_off_its_items(make_user, make_network,
                                                                     browse):
    lead_and_reviewer = make_user("lead", "reviewer")
    network = make_network(lead_and_reviewer)
    submit(lead_and_reviewer, network)
    client = browse(lead_and_reviewer)
    page = text(client.get(item_url(network.id)))
    assert "You lead this network, so you cannot sign off its items" in page
    assert not tags(page, "form", action=item_url(network.id, action="aftekenen"))

    response = client.post(item_url(network.id, action="aftekenen"), data={"comment": "Ok."})
    shown = text(client.get(response.headers["Location"]))

    assert response.status_code == 303
    assert "Four-eyes principle: you cannot sign off items of a network you lead" in shown
    assert status_of(network.id) == "submitted"
    refusals = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "item.approved", AuditRecord.result == "refused")).all()
    assert [r.object_id for r in refusals] == [f"{network.id}:{ITEM}"]


def test_rejecting_without_a_comment_is_an_error_on_the_comment_field(cast, browse):
    lead, reviewer, network = cast
    submit(lead, network)
    client = browse(reviewer)

    refused = client.post(item_url(network.id, action="afwijzen"), data={"comment": "  "})
    assert refused.status_code == 422
    assert_field_error(text(refused), "comment")
    assert "Write a comment when you reject: say what is missing." in text(refused)
    assert status_of(network.id) == "submitted"

    rejected = client.post(item_url(network.id, action="afwijzen"),
                           data={"comment": "Het raadsbesluit ontbreekt."}, follow_redirects=True)
    assert "You rejected this item." in text(rejected)
    assert status_of(network.id) == "rejected"
    network_page = text(client.get(f"/netwerken/{network.id}"))
    assert "the evidence was rejected" in network_page


def test_a_reviewer_revokes_a_sign_off_with_a_reason(cast, make_user, browse):
    lead, reviewer, network = cast
    submit(lead, network)
    client = browse(reviewer)
    client.post(item_url(network.id, action="aftekenen"), data={"comment": ""})
    assert status_of(network.id) == "approved"
    other_reviewer = browse(make_user("reviewer", name="Roos Reviewer"))

    without_reason = other_reviewer.post(item_url(network.id, action="intrekken"),
                                         data={"reason": ""})
    assert without_reason.status_code == 422
    assert_field_error(text(without_reason), "reason")
    assert status_of(network.id) == "approved"

    revoked = text(other_reviewer.post(item_url(network.id, action="intrekken"),
                                       data={"reason": "Wethouder is vertrokken."},
                                       follow_redirects=True))
    assert "You revoked the sign-off." in revoked
    assert "Revoked by Roos Reviewer on" in revoked
    assert "Reason: Wethouder is vertrokken." in revoked
    assert status_of(network.id) == "submitted"


def test_changed_evidence_makes_the_sign_off_stale_and_the_network_page_warns(
        make_user, make_network, sign_off, browse):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, network.id, "start_core")
    client = browse(lead)
    before = text(client.get(f"/netwerken/{network.id}"))
    assert "has open items again" not in before

    client.post(item_url(network.id, action="bewijs"),
                data={"justification": "Nieuwe wethouder: mevrouw De Boer."})

    item_page = text(client.get(item_url(network.id)))
    assert "Stale" in item_page and "No longer valid since" in item_page
    assert "Earlier version" in item_page and "Nieuwe wethouder: mevrouw De Boer." in item_page
    network_page = text(client.get(f"/netwerken/{network.id}"))
    warning = network_page[network_page.index("has open items again"):]
    warning = warning[:warning.index("</ul>")]
    assert f'href="{item_url(network.id)}"' in warning and "waiting for a sign-off" in warning
    assert "Current stage: Small core." in network_page
    db.session.rollback()
    stale = db.session.scalars(select(SignOff).where(SignOff.item_id == ITEM)).one()
    assert stale.stale_at is not None


def test_an_automatic_item_shows_its_outcome_and_no_forms(cast, browse):
    lead, _reviewer, network = cast
    client = browse(lead)

    page = text(client.get(item_url(network.id, "orientation.roles_chosen")))

    assert "Automatic: met" in page
    assert "Met when at least one role of the network is chosen." in page
    assert 'method="post" action="/netwerken' not in page
    refused = client.post(item_url(network.id, "orientation.roles_chosen", "bewijs"),
                          data={"justification": "Toch bewijs."}, follow_redirects=True)
    assert "This item is checked automatically." in text(refused)


def test_an_automatic_item_that_needs_a_sign_off_shows_its_outcome_and_the_forms(cast, browse):
    lead, reviewer, network = cast
    item_id = "orientation.stakeholders_mapped"  # auto (organisations_mapped) + signoff: true

    page = text(browse(lead).get(item_url(network.id, item_id)))
    assert "Automatic: not met" in page and "Open" in page
    assert "Met when enough organisations are in the network's register" in page
    assert tags(page, "textarea", name="justification")

    submit(lead, network, item_id, "Krachtenveldanalyse besproken met de wijkregisseur.")
    for_reviewer = text(browse(reviewer).get(item_url(network.id, item_id)))
    assert 'action="/netwerken/%d/items/%s/aftekenen"' % (network.id, item_id) in for_reviewer


def test_every_automatic_rule_is_explained_on_its_item_page():
    from lifecycle.domain.workflow import AUTO_RULES
    from lifecycle.web.items import AUTO_RULE_TEXTS

    assert set(AUTO_RULE_TEXTS) == set(AUTO_RULES)


def test_a_lead_of_another_network_gets_no_evidence_form_and_is_refused(cast, make_user,
                                                                        browse):
    _lead, _reviewer, network = cast
    client = browse(make_user("lead"))
    assert not tags(text(client.get(item_url(network.id))), "textarea", name="justification")

    response = client.post(item_url(network.id, action="bewijs"),
                           data={"justification": "Niet mijn netwerk."}, follow_redirects=True)

    assert "You are not allowed to do this." in text(response)
    assert status_of(network.id) == "open"
    db.session.rollback()
    assert db.session.scalars(select(Evidence)).all() == []


ITEM_ROUTES = [("GET", ""), ("POST", "bewijs"), ("POST", "aftekenen"), ("POST", "afwijzen"),
               ("POST", "intrekken")]


def test_every_item_route_answers_404_for_another_municipality(cast, make_user, browse):
    lead, _reviewer, network = cast
    submit(lead, network)
    outsider = browse(make_user("lead", "reviewer", municipality="Venlo"))

    for method, action in ITEM_ROUTES:
        response = outsider.open(item_url(network.id, action=action), method=method,
                                 data={"justification": "x", "comment": "x", "reason": "x"})
        assert response.status_code == 404, (method, action)
    assert status_of(network.id) == "submitted"


@pytest.mark.parametrize("url", [
    item_url(2**31), item_url(10**30), item_url(1, "no.such_item"),
    item_url(1, "x" * 5000), item_url(2**31, action="bewijs"), item_url(1, "nope", "aftekenen"),
])
def test_unknown_items_and_huge_ids_are_not_found(cast, browse, url):
    lead, _reviewer, _network = cast
    client = browse(lead)
    method = "POST" if url.rsplit("/", 1)[-1] in {"bewijs", "aftekenen"} else "GET"
    response = client.open(url, method=method, data={"justification": "x", "comment": "x"})
    assert response.status_code == 404
