"""Printing a network's file gives a clean dossier: no navigation or forms, everything else."""
from __future__ import annotations

from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction
from tests.browser.pages import log_in


def test_the_printed_file_shows_the_dossier_without_navigation_or_forms(
        live_server, new_page, make_user, make_network, sign_off, artifacts_dir):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    network = make_network(lead, name="Netwerk Lombok")
    sign_off(network, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, network.id, "start_core")

    page = new_page()
    log_in(page, live_server, lead.email)
    page.goto(f"{live_server}/netwerken/{network.id}/dossier")
    page.emulate_media(media="print")

    # Each selector must match something on the page (else "not visible" proves nothing),
    # and every match must be hidden on paper, not only the first.
    for hidden in ("nav", ".vs-header__tools", ".utrecht-skip-link", ".vs-no-print", "footer"):
        matches = page.locator(hidden).all()
        assert matches, f"{hidden} is not on the page, so its hiding is not tested"
        assert not any(match.is_visible() for match in matches), hidden
    assert page.locator("h1").is_visible()
    assert page.locator("main table").count() >= 7  # six checklists and the history
    assert page.locator("main table").last.is_visible()
    page.pdf(path=str(artifacts_dir / "network-file.pdf"), format="A4")
    assert (artifacts_dir / "network-file.pdf").stat().st_size > 10_000

    # The network page itself prints cleanly too: its forms and step buttons stay off paper.
    page.goto(f"{live_server}/netwerken/{network.id}")
    page.emulate_media(media="print")
    assert page.locator("form").count() > 0
    assert all(not form.is_visible() for form in page.locator("form").all())
