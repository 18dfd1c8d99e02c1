"""The access rules of the maintenance pages, for `test_permissions.ACCESS`, and the objects of
network N they need (a meeting with an agreement, a liveability signal, an input for policy).

Kept apart so the permission table takes them with one line each; the World calls
`build_maintenance` and fills the URLs with its ids.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

# Pages that show people of the register: the network's lead, reviewers, auditors and
# administrators (`permissions.ensure_can_read_people`); another lead sees figures only.
PEOPLE_READERS = "the network's lead, reviewers, auditors and administrators"
PEOPLE_READER_ROLES = ("reviewer", "auditor", "admin")


def _today() -> str:
    return date.today().isoformat()


def _later() -> str:
    return (date.today() + timedelta(days=30)).isoformat()


def access_rules(Access, ANYONE, NETWORK_LEAD) -> dict[str, Any]:
    policy_form = {"summary": "Een plek voor jongeren.", "recipient": "Afdeling Jeugd",
                   "due_on": _later()}
    return {
        "meetings.list_network_meetings": Access(PEOPLE_READERS),
        "meetings.meeting": Access(PEOPLE_READERS),
        "meetings.new_meeting": Access(NETWORK_LEAD, form=lambda world: {
            "held_on": _today(), "form": "core", "notes": "Kennismaking."}),
        "meetings.agreement_done": Access(NETWORK_LEAD),
        "signals.list_network_signals": Access(PEOPLE_READERS),
        "signals.signal": Access(PEOPLE_READERS),
        "signals.new_signal": Access(NETWORK_LEAD, form=lambda world: {
            "reported_on": _today(), "theme": "other", "description": "Onrust bij de halte.",
            "urgency": "low", "source_member_id": ""}),
        "signals.take_step": Access(NETWORK_LEAD, form=lambda world: {"step": "assess"}),
        "signals.link_deeper_theme": Access(NETWORK_LEAD, form=lambda world: {
            "deeper_theme": "polarisation", "version": str(world.signal_version())}),
        "exchange.exchange": Access(ANYONE),
        "exchange.answer": Access(NETWORK_LEAD, form=lambda world: {"answer": "Geregeld."}),
        "exchange.briefing": Access(NETWORK_LEAD, form=lambda world: {
            "kind": "update", "title": "Nieuws", "summary": "Het buurthuis gaat open."}),
        "exchange.signal_to_policy": Access(NETWORK_LEAD, form=lambda world: policy_form),
        "exchange.agreement_to_policy": Access(NETWORK_LEAD, form=lambda world: policy_form),
        "overview.index": Access(ANYONE),
        "overview.download": Access(ANYONE),
    }


def admits_people_reader(user_key: str, roles: tuple[str, ...]) -> bool:
    return user_key == "network_lead" or any(role in roles for role in PEOPLE_READER_ROLES)


def build_maintenance(lead, network_id: int) -> dict[str, int]:
    """A meeting with one agreement, a liveability signal and an input for policy; their ids."""
    from lifecycle.services.feedback import hand_to_policy
    from lifecycle.services.meetings import create_meeting
    from lifecycle.services.signals import record_signal
    from lifecycle.services.uow import write_transaction

    with write_transaction():
        meeting = create_meeting(lead, network_id, {
            "held_on": date.today(), "form": "plenary", "topics": ["liveability"],
            "agreements": [{"text": "Wijkagent uitnodigen.", "owner_member_id": None,
                            "due_on": date.today() + timedelta(days=14)}]})
        ids = {"meeting_id": meeting.id, "agreement_id": meeting.agreements[0].id}
    with write_transaction():
        ids["signal_id"] = record_signal(lead, network_id, {
            "reported_on": date.today(), "theme": "liveability", "urgency": "normal",
            "description": "Afval bij het buurthuis."}).id
    with write_transaction():
        ids["input_id"] = hand_to_policy(lead, network_id, {
            "signal_id": ids["signal_id"], "summary": "Meer afvalbakken.",
            "recipient": "Afdeling Openbare Ruimte", "due_on": date.today() + timedelta(days=30)
        }).id
    return ids
