"""A first walk through the services: the lifecycle from orientation to maintenance."""
from lifecycle.services.audit import verify_audit
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction


def test_a_network_walks_from_orientation_to_maintenance(make_user, make_network, sign_off):
    lead = make_user("lead")
    reviewer = make_user("reviewer")
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, network.id, "start_core")
    sign_off(network, lead, reviewer, "core_functioning", "diversity")
    with write_transaction():
        advance_network(lead, network.id, "expand")
    sign_off(network, lead, reviewer, "maintenance_plan")
    with write_transaction():
        network = advance_network(lead, network.id, "consolidate")
    assert network.stage == "maintenance"
    assert all(report.result.ok for report in verify_audit())
