"""The filtered keyset pages read one page through an index, in order, on PostgreSQL.

Each test calls the service a page comes from, captures the SQL it sends, and asks PostgreSQL
for the plan of exactly that statement (`EXPLAIN (FORMAT JSON)`, with its parameters) over
enough rows, analysed, that a scan of the whole table and a sort would be the planner's choice
without the index. The plan must use the index and must not sort the chain or the table.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import event, insert, select

from lifecycle.extensions import db
from lifecycle.models import AuditChain, AuditRecord, Network
from lifecycle.services import history, networks
from lifecycle.services.history import AuditFilters

RECORDS_PER_CHAIN = 20_000
# The lead's municipality is small beside the other, so its pages are sparse in the table.
NETWORKS = {"Utrecht": 1_000, "Venlo": 4_000}
ACTIONS = ("network.updated", "item.approved", "item.evidence_submitted", "auth.login",
           "network.stage_changed", "user.updated", "item.rejected", "security.forbidden")
FIRST_DAY = datetime(2025, 1, 1)


@pytest.fixture(autouse=True)
def postgresql_only(db_backend):
    if db_backend != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL, the database for data at scale")


def _fill_chain(chain: AuditChain, network_ids: list[int], actor_ids: list[int]) -> None:
    """Many records in a chain, half a year of them, with fake hashes (the plans do not read
    them). The first network has one record in fifty."""
    pick = random.Random(chain.id)
    rows = []
    for n in range(1, RECORDS_PER_CHAIN + 1):
        rows.append({
            "chain_id": chain.id, "seq": chain.last_seq + n,
            "occurred_at": FIRST_DAY + timedelta(minutes=15 * n),
            "municipality_id": chain.municipality_id, "actor_id": pick.choice(actor_ids),
            "object_type": "network", "object_id": None,
            "network_id": network_ids[0] if n % 50 == 0 else pick.choice(network_ids[1:]),
            "action": pick.choice(ACTIONS),
            "result": "refused" if n % 40 == 0 else "ok", "origin": None, "before": None,
            "after": None, "trace_id": None, "prev_hash": "0" * 64, "hash": "0" * 64})
    db.session.execute(insert(AuditRecord), rows)


def _fill_networks(model: Network, municipality_id: int, count: int) -> None:
    values = {column.key: getattr(model, column.key) for column in Network.__table__.columns
              if column.key != "id"}
    stages = ("orientation", "small_core", "expansion", "maintenance")
    db.session.execute(insert(Network), [
        {**values, "municipality_id": municipality_id, "name": f"Netwerk {n}",
         "stage": stages[n % len(stages)]} for n in range(count)])


@pytest.fixture
def filled(make_user, make_network):
    auditor = make_user("auditor")
    lead = make_user("lead")
    other_lead = make_user("lead", municipality="Venlo")
    network = make_network(lead)
    make_network(other_lead)
    for user, municipality in ((lead, "Utrecht"), (other_lead, "Venlo")):
        _fill_networks(db.session.get(Network, network.id), user.municipality_id,
                       NETWORKS[municipality])
    network_ids = list(db.session.scalars(select(Network.id).order_by(Network.id)))
    for chain in db.session.scalars(select(AuditChain).where(
            AuditChain.municipality_id.is_not(None))).all():
        _fill_chain(chain, network_ids, [auditor.id, lead.id, other_lead.id, 9001, 9002])
    db.session.commit()
    with db.engine.begin() as connection:  # statistics, like all else, need a commit
        connection.exec_driver_sql("ANALYZE audit_record")
        connection.exec_driver_sql("ANALYZE network")
    return auditor, lead, network


def plans_of(call: Callable[[], Any], table: str) -> list[dict[str, Any]]:
    """The plans of the keyset queries (ORDER BY ... LIMIT on `table`) that `call` sends."""
    sent = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        flat = " ".join(statement.split())
        if flat.startswith("SELECT") and f"FROM {table}" in flat and "LIMIT" in flat:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert sent, f"the service sent no keyset query on {table}"
    connection = db.session.connection()
    return [connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            .scalar()[0]["Plan"] for statement, parameters in sent]


def nodes(plan: dict[str, Any]):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def assert_reads_in_order_through(plan: dict[str, Any], index: str, table: str) -> None:
    everything = list(nodes(plan))
    names = {node.get("Index Name") for node in everything}
    assert index in names, plan
    assert not [n for n in everything if n["Node Type"] == "Seq Scan"
                and n.get("Relation Name") == table], plan
    assert not [n for n in everything if n["Node Type"] in ("Sort", "Incremental Sort")], plan


def test_the_audit_log_filtered_by_action_reads_its_page_in_order(filled):
    auditor, _, _ = filled
    for plan in plans_of(lambda: history.audit_log(
            auditor, AuditFilters(action="item.approved"), after=500), "audit_record"):
        assert_reads_in_order_through(plan, "ix_audit_record_chain_action_seq", "audit_record")


def test_the_audit_log_filtered_by_actor_reads_its_page_in_order(filled):
    auditor, lead, _ = filled
    for plan in plans_of(lambda: history.audit_log(auditor, AuditFilters(actor_id=lead.id)),
                         "audit_record"):
        assert_reads_in_order_through(plan, "ix_audit_record_chain_actor_seq", "audit_record")


def test_the_audit_log_of_refusals_reads_its_page_in_order(filled):
    auditor, _, _ = filled
    for plan in plans_of(lambda: history.audit_log(auditor, AuditFilters(result="refused")),
                         "audit_record"):
        assert_reads_in_order_through(plan, "ix_audit_record_chain_result_seq", "audit_record")


def test_a_networks_history_reads_its_page_in_order(filled):
    _, lead, network = filled
    for plan in plans_of(lambda: history.network_history(lead, network.id), "audit_record"):
        assert_reads_in_order_through(plan, "ix_audit_record_network_seq", "audit_record")


def test_the_audit_log_of_a_period_sorts_only_that_period(filled):
    """Records are not always in time order (a refusal keeps the moment it was attempted), so a
    period's page is read through the chain's time index and only that period is sorted."""
    auditor, _, _ = filled
    day = AuditFilters(date_from=date(2025, 6, 2), date_to=date(2025, 6, 2))
    for plan in plans_of(lambda: history.audit_log(auditor, day), "audit_record"):
        everything = list(nodes(plan))
        assert "ix_audit_record_chain_occurred_at" in {n.get("Index Name") for n in everything}
        assert not [n for n in everything if n["Node Type"] == "Seq Scan"], plan
        for sort in (n for n in everything if n["Node Type"] == "Sort"):
            below = list(nodes(sort))[1:]
            assert any(n.get("Index Name") == "ix_audit_record_chain_occurred_at"
                       for n in below), plan
            assert sort["Plan Rows"] < RECORDS_PER_CHAIN / 20, plan


def test_the_network_list_of_a_stage_reads_its_page_in_order(filled):
    _, lead, _ = filled
    for plan in plans_of(lambda: networks.list_networks(lead, stage="expansion"), "network"):
        assert_reads_in_order_through(plan, "ix_network_municipality_stage_id", "network")
