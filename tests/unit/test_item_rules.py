"""Checklist item rules and permissions: who may submit, sign off, reject and revoke, and when."""
from __future__ import annotations

from dataclasses import replace

import pytest

from lifecycle.domain import checklists as rules
from lifecycle.domain.errors import (
    FourEyesViolation, InvalidTransition, NotAllowed, NotFound, ReasonRequired, ValidationFailed,
)
from lifecycle.domain.gates import ItemStatus
from lifecycle.domain.permissions import (
    ensure_can_create_network, ensure_can_reassign_lead, ensure_can_sign_off, ensure_in_scope,
)

SIGN_OFF_ITEM = "mandate.sponsor_named"
AUTO_ITEM = "orientation.roles_chosen"
JUSTIFICATION = "De wethouder van Sociaal Domein is opdrachtgever (besluit B&W 2024-031)."


@pytest.fixture
def item(definition):
    return definition.item(SIGN_OFF_ITEM)


@pytest.fixture
def auto_item(definition):
    return definition.item(AUTO_ITEM)


class TestSubmittingEvidence:
    def test_the_networks_lead_submits_evidence(self, cast, network, item):
        assert rules.submit(cast.lead, network, item, ItemStatus.OPEN, JUSTIFICATION) \
            == ItemStatus.SUBMITTED

    @pytest.mark.parametrize("status", [ItemStatus.SUBMITTED, ItemStatus.REJECTED,
                                        ItemStatus.APPROVED])
    def test_changed_evidence_always_needs_a_new_sign_off(self, cast, network, item, status):
        assert rules.submit(cast.lead, network, item, status, JUSTIFICATION) \
            == ItemStatus.SUBMITTED

    @pytest.mark.parametrize("who", ["other_lead", "reviewer", "lead_reviewer", "auditor",
                                     "admin"])
    def test_only_the_networks_own_lead_submits(self, cast, network, item, who):
        with pytest.raises(NotAllowed):
            rules.submit(getattr(cast, who), network, item, ItemStatus.OPEN, JUSTIFICATION)

    def test_a_lead_who_lost_the_lead_role_cannot_submit(self, cast, network, item):
        former_lead = replace(cast.lead, roles=frozenset({"reviewer"}))
        with pytest.raises(NotAllowed):
            rules.submit(former_lead, network, item, ItemStatus.OPEN, JUSTIFICATION)

    def test_another_municipality_does_not_see_the_network(self, cast, network, item):
        with pytest.raises(NotFound):
            rules.submit(cast.outsider, network, item, ItemStatus.OPEN, JUSTIFICATION)

    def test_auto_items_cannot_be_submitted(self, cast, network, auto_item):
        with pytest.raises(InvalidTransition):
            rules.submit(cast.lead, network, auto_item, ItemStatus.OPEN, JUSTIFICATION)

    @pytest.mark.parametrize("text", [None, "", "  \n\t "])
    def test_evidence_needs_a_justification(self, cast, network, item, text):
        with pytest.raises(ValidationFailed) as caught:
            rules.submit(cast.lead, network, item, ItemStatus.OPEN, text)
        assert caught.value.errors == {"justification": "required"}

    def test_a_justification_has_a_maximum_length(self, cast, network, item):
        with pytest.raises(ValidationFailed) as caught:
            rules.submit(cast.lead, network, item, ItemStatus.OPEN, "x" * (rules.MAX_TEXT + 1))
        assert caught.value.errors == {"justification": "too_long"}


class TestSigningOff:
    def test_a_reviewer_signs_off_submitted_evidence(self, cast, network, item):
        assert rules.approve(cast.reviewer, network, item, ItemStatus.SUBMITTED,
                             submitted_by=cast.lead.user_id) == ItemStatus.APPROVED

    def test_a_reviewer_cannot_sign_off_a_network_they_lead(self, cast, network, item):
        network.lead_id = cast.lead_reviewer.user_id
        with pytest.raises(FourEyesViolation):
            rules.approve(cast.lead_reviewer, network, item, ItemStatus.SUBMITTED,
                          submitted_by=cast.lead.user_id)

    def test_a_reviewer_cannot_sign_off_evidence_they_submitted(self, cast, network, item):
        with pytest.raises(FourEyesViolation):
            rules.approve(cast.lead_reviewer, network, item, ItemStatus.SUBMITTED,
                          submitted_by=cast.lead_reviewer.user_id)

    def test_a_lead_and_reviewer_may_sign_off_someone_elses_network(self, cast, network, item):
        assert rules.approve(cast.lead_reviewer, network, item, ItemStatus.SUBMITTED,
                             submitted_by=cast.lead.user_id) == ItemStatus.APPROVED

    @pytest.mark.parametrize("who", ["lead", "other_lead", "auditor", "admin"])
    def test_only_reviewers_sign_off(self, cast, network, item, who):
        with pytest.raises(NotAllowed):
            rules.approve(getattr(cast, who), network, item, ItemStatus.SUBMITTED,
                          submitted_by=cast.lead.user_id)

    def test_a_reviewer_of_another_municipality_gets_not_found(self, cast, network, item):
        with pytest.raises(NotFound):
            rules.approve(cast.outsider, network, item, ItemStatus.SUBMITTED,
                          submitted_by=cast.lead.user_id)

    @pytest.mark.parametrize("status", [ItemStatus.OPEN, ItemStatus.APPROVED,
                                        ItemStatus.REJECTED])
    def test_only_submitted_evidence_can_be_signed_off(self, cast, network, item, status):
        with pytest.raises(InvalidTransition):
            rules.approve(cast.reviewer, network, item, status, submitted_by=cast.lead.user_id)

    def test_auto_items_cannot_be_signed_off(self, cast, network, auto_item):
        with pytest.raises(InvalidTransition):
            rules.approve(cast.reviewer, network, auto_item, ItemStatus.SUBMITTED,
                          submitted_by=cast.lead.user_id)


class TestRejecting:
    def test_a_reviewer_rejects_with_a_comment(self, cast, network, item):
        assert rules.reject(cast.reviewer, network, item, ItemStatus.SUBMITTED,
                            cast.lead.user_id, "Het besluit ontbreekt.") == ItemStatus.REJECTED

    @pytest.mark.parametrize("comment", [None, "", "   "])
    def test_rejecting_needs_a_comment(self, cast, network, item, comment):
        with pytest.raises(ReasonRequired) as caught:
            rules.reject(cast.reviewer, network, item, ItemStatus.SUBMITTED, cast.lead.user_id,
                         comment)
        assert caught.value.errors == {"comment": "required"}

    def test_rejecting_follows_four_eyes_too(self, cast, network, item):
        network.lead_id = cast.lead_reviewer.user_id
        with pytest.raises(FourEyesViolation):
            rules.reject(cast.lead_reviewer, network, item, ItemStatus.SUBMITTED,
                         cast.lead.user_id, "Niet goed.")

    def test_only_submitted_evidence_can_be_rejected(self, cast, network, item):
        with pytest.raises(InvalidTransition):
            rules.reject(cast.reviewer, network, item, ItemStatus.APPROVED, cast.lead.user_id,
                         "Toch niet.")


class TestRevoking:
    def test_revoking_a_sign_off_puts_the_item_back_to_submitted(self, cast, network, item):
        assert rules.revoke(cast.reviewer, network, item, ItemStatus.APPROVED,
                            cast.lead.user_id, "Het mandaat is verlopen.") == ItemStatus.SUBMITTED

    @pytest.mark.parametrize("reason", [None, "", " \t"])
    def test_revoking_needs_a_reason(self, cast, network, item, reason):
        with pytest.raises(ReasonRequired) as caught:
            rules.revoke(cast.reviewer, network, item, ItemStatus.APPROVED, cast.lead.user_id,
                         reason)
        assert caught.value.errors == {"reason": "required"}

    @pytest.mark.parametrize("status", [ItemStatus.OPEN, ItemStatus.SUBMITTED,
                                        ItemStatus.REJECTED])
    def test_only_a_current_sign_off_can_be_revoked(self, cast, network, item, status):
        with pytest.raises(InvalidTransition):
            rules.revoke(cast.reviewer, network, item, status, cast.lead.user_id, "Verlopen.")

    def test_the_lead_cannot_revoke(self, cast, network, item):
        with pytest.raises(NotAllowed):
            rules.revoke(cast.lead, network, item, ItemStatus.APPROVED, cast.lead.user_id,
                         "Verlopen.")

    def test_auto_items_have_no_sign_off_to_revoke(self, cast, network, auto_item):
        with pytest.raises(InvalidTransition):
            rules.revoke(cast.reviewer, network, auto_item, ItemStatus.APPROVED,
                         cast.lead.user_id, "Verlopen.")


def test_a_periodic_review_reopens_any_status():
    for status in ItemStatus.ALL:
        assert rules.reopen(status) == ItemStatus.OPEN


class TestLinks:
    def test_http_and_https_links_are_kept_and_blank_ones_dropped(self):
        assert rules.clean_links(["https://gemeente.nl/besluit", "", "  ",
                                  " http://intranet.local/verslag "]) == [
            "https://gemeente.nl/besluit", "http://intranet.local/verslag"]

    def test_no_links_is_fine(self):
        assert rules.clean_links(None) == [] and rules.clean_links([]) == []

    @pytest.mark.parametrize("link", [
        "javascript:alert(1)", "ftp://files.example/x", "gemeente.nl/besluit",
        "https://gemeente.nl/een besluit", "https://x.nl/" + "a" * 2000,
        "data:text/html,<b>hi</b>"])
    def test_anything_but_a_plain_web_link_is_refused(self, link):
        with pytest.raises(ValidationFailed) as caught:
            rules.clean_links([link])
        assert caught.value.errors == {"links": "invalid"}

    def test_there_is_a_maximum_number_of_links(self):
        links = [f"https://gemeente.nl/stuk/{n}" for n in range(rules.MAX_LINKS + 1)]
        with pytest.raises(ValidationFailed) as caught:
            rules.clean_links(links)
        assert caught.value.errors == {"links": "too_many"}


class TestPermissions:
    def test_only_leads_create_networks(self, cast):
        ensure_can_create_network(cast.lead)
        ensure_can_create_network(cast.lead_reviewer)
        for who in (cast.reviewer, cast.auditor, cast.admin):
            with pytest.raises(NotAllowed):
                ensure_can_create_network(who)

    def test_only_an_admin_of_the_municipality_reassigns_the_lead(self, cast, network):
        ensure_can_reassign_lead(cast.admin, network)
        for who in (cast.lead, cast.reviewer, cast.auditor):
            with pytest.raises(NotAllowed):
                ensure_can_reassign_lead(who, network)
        with pytest.raises(NotFound):
            ensure_can_reassign_lead(cast.outsider, network)

    def test_another_municipality_is_not_found_rather_than_forbidden(self, cast, network):
        with pytest.raises(NotFound):
            ensure_in_scope(cast.outsider, network.municipality_id)
        with pytest.raises(NotFound):
            ensure_can_sign_off(cast.outsider, network, submitted_by=None)


class TestWhatThePagesOffer:
    """`item_actions` is what the item page asks before it shows a form: it must agree with
    the acts themselves for every actor, status and kind of item, or a page would offer a form
    the service refuses (or hide one the user may use)."""

    KINDS = {"sign-off item": SIGN_OFF_ITEM, "auto item": AUTO_ITEM,
             "auto item with a sign-off": "orientation.stakeholders_mapped"}

    @staticmethod
    def _passes(act) -> bool:
        try:
            act()
        except (NotAllowed, NotFound, InvalidTransition):
            return False
        return True

    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("status", [ItemStatus.OPEN, ItemStatus.SUBMITTED,
                                        ItemStatus.APPROVED, ItemStatus.REJECTED])
    @pytest.mark.parametrize("submitter", [None, "lead", "reviewer"])
    def test_the_offered_forms_are_exactly_the_acts_that_pass(self, cast, network, definition,
                                                              kind, status, submitter):
        item = definition.item(self.KINDS[kind])
        submitted_by = getattr(cast, submitter).user_id if submitter else None
        for who in ("lead", "other_lead", "reviewer", "second_reviewer", "lead_reviewer",
                    "auditor", "admin", "outsider"):
            actor = getattr(cast, who)
            offered = rules.item_actions(actor, network, item, status, submitted_by,
                                         closed=False)
            expected = {
                "submit": self._passes(lambda: rules.submit(actor, network, item, status,
                                                            JUSTIFICATION)),
                "decide": self._passes(lambda: rules.approve(actor, network, item, status,
                                                             submitted_by)),
                "revoke": self._passes(lambda: rules.revoke(actor, network, item, status,
                                                            submitted_by, "Niet meer juist.")),
            }
            assert {act: offered[act] for act in expected} == expected, (who, kind, status)

    def test_a_closed_network_offers_no_form(self, cast, network, item):
        for who in ("lead", "reviewer"):
            offered = rules.item_actions(getattr(cast, who), network, item,
                                         ItemStatus.SUBMITTED, cast.lead.user_id, closed=True)
            assert not any(offered.values())

    def test_a_reviewer_who_may_not_sign_off_is_told_why(self, cast, network, item):
        lead_network = replace(network, lead_id=cast.lead_reviewer.user_id)
        as_lead = rules.item_actions(cast.lead_reviewer, lead_network, item,
                                     ItemStatus.SUBMITTED, cast.lead_reviewer.user_id,
                                     closed=False)
        assert as_lead["four_eyes_lead"] and not as_lead["decide"]
        own = rules.item_actions(cast.reviewer, network, item, ItemStatus.APPROVED,
                                 cast.reviewer.user_id, closed=False)
        assert own["four_eyes_own"] and not own["revoke"]
        open_item = rules.item_actions(cast.reviewer, network, item, ItemStatus.OPEN, None,
                                       closed=False)
        assert not open_item["four_eyes_own"] and not open_item["four_eyes_lead"]
