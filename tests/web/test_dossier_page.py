"""A network's file for printing: stage, timeline, checklists in full, and its whole history."""
from __future__ import annotations

from lifecycle.services.checklists import reject_item, submit_evidence
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction
from tests.web.clients import logged_in
from tests.web.html import text

LONG_EVIDENCE = ("De burgemeester is opdrachtgever. " * 8).strip()


def test_the_file_holds_the_stage_full_evidence_sign_offs_and_the_history(
        app, make_user, make_network, sign_off):
    lead, reviewer = make_user("lead", name="Fatima Lead"), make_user("reviewer", name="Johan Rev")
    network = make_network(lead, name="Netwerk Lombok")
    sign_off(network, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, network.id, "start_core")
    with write_transaction():
        submit_evidence(lead, network.id, "core_functioning.house_rules", LONG_EVIDENCE)
    with write_transaction():
        reject_item(reviewer, network.id, "core_functioning.house_rules", "Te vaag.")

    page = text(logged_in(app, reviewer).get(f"/netwerken/{network.id}/dossier"))

    assert "File of Netwerk Lombok" in page
    assert "Small core" in page or "Kleine kern" in page
    assert LONG_EVIDENCE in page  # in full, where the network page shortens it
    assert "Rejected by Johan Rev" in page and "Te vaag." in page
    assert "Signed off by Johan Rev" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    # The history: the creation, every submission and sign-off, and the stage change.
    assert page.count('<tr class="utrecht-table__row">') >= 1 + 13 * 2 + 1 + 2
    assert "Fatima Lead" in page


def test_the_file_of_another_municipalitys_network_is_not_found(app, make_user, make_network):
    network = make_network(make_user("lead", municipality="Venlo"))
    outsider = make_user("auditor", municipality="Utrecht")
    assert logged_in(app, outsider).get(f"/netwerken/{network.id}/dossier").status_code == 404
    assert logged_in(app, outsider).get("/netwerken/99999999999/dossier").status_code == 404


def test_the_network_page_links_to_its_file(app, make_user, make_network):
    lead = make_user("lead")
    network = make_network(lead)
    page = text(logged_in(app, lead).get(f"/netwerken/{network.id}"))
    assert f'href="/netwerken/{network.id}/dossier"' in page
