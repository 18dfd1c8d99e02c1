"""The history of one network and the municipality-wide audit trail: content, filters, paging."""
from __future__ import annotations

import html as html_lib
import re
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import event, select

from lifecycle.domain.audit import AuditDraft
from lifecycle.domain.errors import GateBlocked
from lifecycle.extensions import db
from lifecycle.models import AuditChain, AuditRecord, Network, User
from lifecycle.services.audit import append_audit
from lifecycle.services.checklists import approve_item, submit_evidence
from lifecycle.services.history import AUDIT_ACTIONS
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.networks import update_network
from lifecycle.services.uow import write_transaction
from lifecycle.services.workflows import workflow_of
from lifecycle.web import history as history_pages
from tests.builders import example_details
from tests.web.clients import logged_in

ROW_SEQ = re.compile(
    r'<tr class="utrecht-table__row">\s*<td class="utrecht-table__cell">(\d+)</td>')
NEXT_LINK = re.compile(r'rel="next" href="([^"]+)"')
SIGN_OFF_ITEMS = ("orientation.problem_goal", "orientation.stakeholders_mapped",
                  "orientation.boards_approached", "church_state.public_purpose",
                  "mandate.sponsor_named", "mandate.decision_recorded",
                  "mandate.roles_described", "mandate.resources_settled")


def shown_seqs(html: str) -> list[int]:
    return [int(seq) for seq in ROW_SEQ.findall(html)]


def next_link(html: str) -> str | None:
    match = NEXT_LINK.search(html)
    return html_lib.unescape(match.group(1)) if match else None


def walk(client, url: str) -> tuple[list[int], list[str]]:
    """Follow the next-page links from `url`; return every sequence number and each link."""
    seqs, links = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.get_data(as_text=True)
        seqs.extend(shown_seqs(html))
        url = next_link(html)
        if url:
            links.append(url)
    return seqs, links


def submit(lead, network, item_id, now=None):
    network_id = network if isinstance(network, int) else network.id
    details = example_details(workflow_of(db.session.get(Network, network_id))
                              .item(item_id).records, (now or datetime.now()).date())
    with write_transaction():
        submit_evidence(lead, network_id, item_id, f"Toelichting bij {item_id}.", now=now,
                        details=details)


def network_seqs(network_id: int) -> list[int]:
    return list(db.session.scalars(select(AuditRecord.seq).where(
        AuditRecord.network_id == network_id).order_by(AuditRecord.seq)))


def chain_seqs(municipality_id: int, *conditions) -> list[int]:
    chain_id = db.session.scalar(
        select(AuditChain.id).where(AuditChain.municipality_id == municipality_id))
    return list(db.session.scalars(select(AuditRecord.seq).where(
        AuditRecord.chain_id == chain_id, *conditions).order_by(AuditRecord.seq)))


@contextmanager
def counting_statements():
    """Count the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, url: str) -> int:
    # The first page after logging in also stores the form token in the server-side session;
    # that write is the session store's, not the page's.
    client.get(url)
    db.session.remove()  # a fresh session: nothing is served from the test's identity map
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


# --- a network's history -------------------------------------------------------------------

def test_the_history_shows_every_record_of_the_network_and_no_other(app, make_user,
                                                                     make_network):
    lead = make_user("lead")
    network = make_network(lead, name="Netwerk Zuilen")
    other = make_network(lead, name="Netwerk Elders")
    submit(lead, network, "mandate.sponsor_named")
    submit(lead, other, "mandate.sponsor_named")
    html = logged_in(app, lead).get(f"/netwerken/{network.id}/geschiedenis").get_data(
        as_text=True)
    assert shown_seqs(html) == network_seqs(network.id)
    assert not set(shown_seqs(html)) & set(network_seqs(other.id))
    assert "History of Netwerk Zuilen" in html
    assert "Create network" in html and "Submit evidence" in html
    assert workflow_of(network).item("mandate.sponsor_named").title.en in html


def test_the_history_pages_walk_every_record_once_in_order(app, make_user, make_network,
                                                          monkeypatch):
    monkeypatch.setattr(history_pages, "PAGE_SIZE", 3)
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    network = make_network(lead)
    for item_id in SIGN_OFF_ITEMS[:4]:
        submit(lead, network, item_id)
        with write_transaction():
            approve_item(reviewer, network.id, item_id, "Akkoord.")
    expected = network_seqs(network.id)
    assert len(expected) == 9
    seqs, links = walk(logged_in(app, reviewer), f"/netwerken/{network.id}/geschiedenis")
    assert seqs == expected
    assert len(links) == 2  # three pages of 3: the last one has no next link
    assert all(link.startswith(f"/netwerken/{network.id}/geschiedenis?after=") for link in links)


def test_a_stage_change_reads_as_localized_stage_titles_with_step_and_reason(
        app, make_user, make_network, sign_off):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, network.id, "start_core")
    with write_transaction():
        advance_network(lead, network.id, "pause", "Zomerstop in de wijk")
    definition = workflow_of(network)
    title = {stage: definition.state(stage).title for stage in
             ("orientation", "small_core", "paused")}
    html = logged_in(app, lead).get(f"/netwerken/{network.id}/geschiedenis").get_data(
        as_text=True)
    assert f"Stage: {title['orientation'].en} → {title['small_core'].en}" in html
    assert f"Stage: {title['small_core'].en} → {title['paused'].en}" in html
    assert f"Step: {definition.trigger('start_core').title.en}" in html
    assert "Reason: Zomerstop in de wijk" in html
    dutch = logged_in(app, lead, language="nl").get(
        f"/netwerken/{network.id}/geschiedenis").get_data(as_text=True)
    assert f"{title['orientation'].nl} → {title['small_core'].nl}" in dutch


def test_a_refused_step_is_shown_as_refused_with_the_missing_items(app, make_user,
                                                                    make_network):
    lead = make_user("lead")
    network = make_network(lead)
    with pytest.raises(GateBlocked):
        with write_transaction():
            advance_network(lead, network.id, "start_core")
    definition = workflow_of(network)
    html = logged_in(app, lead).get(f"/netwerken/{network.id}/geschiedenis").get_data(
        as_text=True)
    assert '<span class="utrecht-status-badge utrecht-status-badge--danger">refused</span>' \
        in html
    assert "Refused because: checklist items are not signed off" in html
    assert definition.item("mandate.sponsor_named").title.en in html


def test_a_reassigned_lead_is_shown_by_name(app, make_user, make_network):
    first = make_user("lead", name="Eerste Leider")
    second = make_user("lead", name="Tweede Leider")
    admin = make_user("admin")
    network = make_network(first)
    with write_transaction():
        update_network(admin, network.id, {"lead_id": second.id})
    html = logged_in(app, admin).get(f"/netwerken/{network.id}/geschiedenis").get_data(
        as_text=True)
    assert "Reassign project lead" in html
    assert "Project lead: Eerste Leider → Tweede Leider" in html


@pytest.mark.parametrize("roles", [("reviewer",), ("auditor",), ("lead",), ("admin",)])
def test_everyone_in_the_municipality_may_read_a_networks_history(app, make_user,
                                                                  make_network, roles):
    network = make_network(make_user("lead"), name="Netwerk Zuilen")
    response = logged_in(app, make_user(*roles)).get(f"/netwerken/{network.id}/geschiedenis")
    assert response.status_code == 200
    assert shown_seqs(response.get_data(as_text=True)) == network_seqs(network.id)


@pytest.mark.parametrize("network_id", ["OTHER", "999999", str(2**31), str(2**64)])
def test_the_history_of_a_network_out_of_reach_is_404(app, make_user, make_network,
                                                      network_id):
    venlo_network = make_network(make_user("lead", municipality="Venlo"))
    auditor = make_user("auditor", "admin", municipality="Utrecht")
    network_id = str(venlo_network.id) if network_id == "OTHER" else network_id
    response = logged_in(app, auditor).get(f"/netwerken/{network_id}/geschiedenis")
    assert response.status_code == 404


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "²", str(2**63), "7" * 5000])
def test_a_malformed_page_position_is_a_bad_request(app, make_user, make_network, after):
    lead = make_user("lead", "auditor")
    network = make_network(lead)
    client = logged_in(app, lead)
    for url in (f"/netwerken/{network.id}/geschiedenis", "/audit"):
        assert client.get(url, query_string={"after": after}).status_code == 400, url


def test_the_history_page_runs_the_same_number_of_statements_for_few_and_many_records(
        app, make_user, make_network):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    network = make_network(lead)
    lead_id, reviewer_id, network_id = lead.id, reviewer.id, network.id
    submit(lead, network_id, SIGN_OFF_ITEMS[0])
    client = logged_in(app, reviewer)
    url = f"/netwerken/{network_id}/geschiedenis"
    few = statements_for(client, url)
    lead, reviewer = db.session.get(User, lead_id), db.session.get(User, reviewer_id)
    for item_id in SIGN_OFF_ITEMS:
        if item_id != SIGN_OFF_ITEMS[0]:
            submit(lead, network_id, item_id)
        with write_transaction():
            approve_item(reviewer, network_id, item_id, "Akkoord.")
    assert len(network_seqs(network_id)) > 15
    assert statements_for(client, url) == few


# --- the municipality-wide audit trail -----------------------------------------------------

@pytest.mark.parametrize("roles,status", [
    (("auditor",), 200), (("admin",), 200), (("lead",), 403), (("reviewer",), 403),
    (("lead", "reviewer"), 403)])
def test_only_auditors_and_administrators_open_the_audit_trail(app, make_user, roles, status):
    response = logged_in(app, make_user(*roles)).get("/audit")
    assert response.status_code == status


def test_the_audit_trail_lists_the_municipalitys_records_with_their_hashes(
        app, make_user, make_network):
    lead = make_user("lead", name="Leo Lead")
    auditor = make_user("auditor")
    network = make_network(lead)
    submit(lead, network, "mandate.sponsor_named")
    make_network(make_user("lead", municipality="Venlo"), name="Netwerk Venlo-Oost")
    html = logged_in(app, auditor).get("/audit").get_data(as_text=True)
    chain_id = db.session.scalar(
        select(AuditChain.id).where(AuditChain.municipality_id == lead.municipality_id))
    records = list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.chain_id == chain_id).order_by(AuditRecord.seq)))
    assert shown_seqs(html) == [r.seq for r in records]
    for record in records:
        assert record.hash in html and record.prev_hash in html
    assert 'class="utrecht-data-list__item-value utrecht-data-list__item-value--html-dd ' \
           'vs-hash"' in html
    assert "Netwerk Venlo-Oost" not in html
    assert "flask --app wsgi audit verify" in html
    assert "system" in html  # the users were created from the command line, without an actor
    assert f'href="/netwerken/{network.id}/geschiedenis"' in html


def test_an_actor_whose_user_no_longer_exists_is_shown_by_number(app, make_user):
    auditor = make_user("auditor")
    with write_transaction():
        append_audit(AuditDraft(municipality_id=auditor.municipality_id, actor_id=987654,
                                object_type="session", object_id="987654",
                                action="auth.login"))
    html = logged_in(app, auditor).get("/audit").get_data(as_text=True)
    assert "unknown user #987654" in html


def test_every_audit_action_has_a_translated_label(app):
    assert set(AUDIT_ACTIONS) <= set(history_pages.ACTION_LABELS)


@pytest.fixture
def dated_trail(make_user, make_network):
    """Records on known days: May 1 late evening, May 2 just after midnight (Dutch time)."""
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    auditor = make_user("auditor")
    network = make_network(lead)
    other = make_network(lead)
    submit(lead, network, "mandate.sponsor_named", now=datetime(2024, 5, 1, 21, 30))
    submit(lead, network, "mandate.decision_recorded", now=datetime(2024, 5, 1, 22, 30))
    submit(lead, other, "mandate.sponsor_named", now=datetime(2024, 5, 3, 10, 0))
    with write_transaction():
        approve_item(reviewer, network.id, "mandate.sponsor_named", "Akkoord.",
                     now=datetime(2024, 5, 3, 11, 0))
    return {"lead": lead, "reviewer": reviewer, "auditor": auditor, "network": network,
            "other": other}


def test_the_audit_filters_narrow_the_records(app, dated_trail):
    trail = dated_trail
    client = logged_in(app, trail["auditor"])
    municipality = trail["lead"].municipality_id

    def shown(**query):
        response = client.get("/audit", query_string=query)
        assert response.status_code == 200, query
        return shown_seqs(response.get_data(as_text=True))

    assert shown(network=str(trail["other"].id)) == chain_seqs(
        municipality, AuditRecord.network_id == trail["other"].id)
    assert shown(actor=str(trail["reviewer"].id)) == chain_seqs(
        municipality, AuditRecord.actor_id == trail["reviewer"].id)
    assert shown(action="item.evidence_submitted") == chain_seqs(
        municipality, AuditRecord.action == "item.evidence_submitted")
    # Days are Dutch calendar days: 22:30 UTC on May 1 is already May 2 in Amsterdam.
    may_1, may_2 = shown(date_to="2024-05-01"), shown(date_from="2024-05-02",
                                                      date_to="2024-05-02")
    assert len(may_1) == len(may_2) == 1 and may_1 != may_2
    assert len(shown(date_from="2024-05-01", date_to="2024-05-03")) == 4
    assert shown(action="item.approved", actor=str(trail["lead"].id)) == []


def test_the_audit_pages_keep_the_filters_and_walk_every_match_once(app, dated_trail,
                                                                    monkeypatch):
    monkeypatch.setattr(history_pages, "PAGE_SIZE", 2)
    trail = dated_trail
    for item_id in SIGN_OFF_ITEMS[2:5]:
        submit(trail["lead"], trail["other"], item_id)
    expected = chain_seqs(trail["lead"].municipality_id,
                          AuditRecord.action == "item.evidence_submitted")
    assert len(expected) == 6
    seqs, links = walk(logged_in(app, trail["auditor"]),
                       "/audit?action=item.evidence_submitted&date_from=2020-01-01")
    assert seqs == expected
    assert len(links) == 2
    for link in links:
        assert "action=item.evidence_submitted" in link and "date_from=2020-01-01" in link


@pytest.mark.parametrize("query,field", [
    ({"network": "abc"}, "network"),
    ({"network": "-3"}, "network"),
    ({"network": "99999999999"}, "network"),
    ({"network": "1" * 5000}, "network"),
    ({"actor": "2" * 5000}, "actor"),
    ({"date_from": "2024-13-01"}, "date_from"),
    ({"date_to": "1 mei"}, "date_to"),
    ({"date_from": "2024-05-02", "date_to": "2024-05-01"}, "date_from"),
    ({"date_from": "0001-01-01"}, "date_from"),
    ({"date_to": "9999-12-31"}, "date_to"),
    ({"action": "network.deleted"}, "action"),
    ({"actor": "abc"}, "actor"),
    ({"actor": "VENLO"}, "actor"),
])
def test_a_bad_filter_value_shows_an_error_at_its_field(app, make_user, query, field):
    auditor = make_user("auditor")
    venlo_user = make_user("lead", municipality="Venlo")
    query = {k: str(venlo_user.id) if v == "VENLO" else v for k, v in query.items()}
    response = logged_in(app, auditor).get("/audit", query_string=query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert re.search(rf'<(input|select)[^>]*aria-describedby="[^"]*{field}-error"'
                     rf'[^>]*aria-invalid="true"[^>]*id="{field}"', html)
    assert f'href="#{field}"' in html  # the summary at the top links to the field
    assert shown_seqs(html) == []


def test_the_audit_trail_of_another_municipality_stays_out_of_sight(app, make_user,
                                                                    make_network):
    utrecht_lead = make_user("lead", name="Ursula Utrecht")
    network = make_network(utrecht_lead, name="Netwerk Zuilen")
    venlo_auditor = make_user("auditor", municipality="Venlo")
    client = logged_in(app, venlo_auditor)
    everything = client.get("/audit").get_data(as_text=True)
    assert shown_seqs(everything) == chain_seqs(venlo_auditor.municipality_id)
    filtered = client.get("/audit", query_string={"network": str(network.id)}).get_data(
        as_text=True)
    assert shown_seqs(filtered) == []
    for html in (everything, filtered):
        assert "Netwerk Zuilen" not in html and "Ursula Utrecht" not in html


def test_the_audit_page_runs_the_same_number_of_statements_for_few_and_many_records(
        app, make_user, make_network):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    admin = make_user("admin")
    new_lead = make_user("lead")
    network = make_network(lead)
    lead_id, reviewer_id, network_id = lead.id, reviewer.id, network.id
    admin_id, new_lead_id, municipality_id = admin.id, new_lead.id, lead.municipality_id
    client = logged_in(app, make_user("auditor"))
    filtered = f"/audit?network={network_id}&date_from=2020-01-01"
    few, filtered_few = statements_for(client, "/audit"), statements_for(client, filtered)
    lead, reviewer = db.session.get(User, lead_id), db.session.get(User, reviewer_id)
    for item_id in SIGN_OFF_ITEMS:
        submit(lead, network_id, item_id)
        with write_transaction():
            approve_item(reviewer, network_id, item_id, "Akkoord.")
    with write_transaction():
        update_network(db.session.get(User, admin_id), network_id, {"lead_id": new_lead_id})
    assert len(chain_seqs(municipality_id)) > 20
    assert statements_for(client, "/audit") == few
    assert statements_for(client, filtered) == filtered_few
