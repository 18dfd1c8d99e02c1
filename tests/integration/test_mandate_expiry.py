"""An expired mandate blocks the stage steps until a new decision is recorded and signed off.

The clock is passed to the services, so the test stands on the day after the mandate's
"valid until" without waiting for it.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from lifecycle.domain.errors import GateBlocked, MissingItem
from lifecycle.services.attention import attention_list
from lifecycle.services.checklists import approve_item, submit_evidence
from lifecycle.services.lifecycle import advance_network, transition_options
from tests.builders import example_details

DECISION = "mandate.decision_recorded"


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12))


def test_an_expired_mandate_blocks_start_core_until_a_new_one_is_signed_off(
        make_network, lead, reviewer, sign_off, write, fresh_network, audit_records):
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "mandate", "church_state")
    valid_until = example_details("mandate_decision")["valid_until"]
    expired = noon(valid_until + timedelta(days=1))

    _, today = transition_options(lead, network.id)
    assert {o.id: o.available for o in today}["start_core"]
    with pytest.raises(GateBlocked) as caught:
        write(advance_network, lead, network.id, "start_core", now=expired)
    assert caught.value.missing == [
        MissingItem("mandate_current", "mandate_current.valid", "auto_not_met")]
    assert fresh_network(network.id).stage == "orientation"
    [refused] = audit_records(municipality_id=lead.municipality_id, network_id=network.id,
                              action="network.stage_changed")
    assert refused.result == "refused"

    renewed = example_details("mandate_decision", today=expired.date())
    write(submit_evidence, lead, network.id, DECISION, "Het college heeft het mandaat verlengd.",
          details=renewed, now=expired)
    with pytest.raises(GateBlocked):  # recorded, but not yet signed off
        write(advance_network, lead, network.id, "start_core", now=expired)
    write(approve_item, reviewer, network.id, DECISION, "Akkoord.", now=expired)
    write(advance_network, lead, network.id, "start_core", now=expired)
    assert fresh_network(network.id).stage == "small_core"


def test_an_expired_mandate_is_on_the_attention_list(make_network, lead, reviewer, sign_off):
    network = make_network(lead)
    sign_off(network, lead, reviewer, "mandate")
    valid_until = example_details("mandate_decision")["valid_until"]

    def reasons(day: date) -> set[str]:
        return {entry.item.kind for entry in attention_list(lead, now=noon(day))
                if entry.network.id == network.id}

    assert "mandate_expired" not in reasons(valid_until)
    assert "mandate_expired" in reasons(valid_until + timedelta(days=1))
