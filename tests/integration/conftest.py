"""Integration-tier fixtures: write through the unit of work, read the audit trail and the
timeline, walk a network forward, and run work in threads that start at the same moment.

The services run on the real database from the root conftest (`--db sqlite|postgresql`). Each
write goes through `write_transaction()`, exactly as a route does; the `write` fixture is a short
way to say so. Threads each push their own app context, so each has its own session and
connection. The helpers are fixtures because test modules should not import a conftest.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditChain, AuditRecord, Network, StageChange, User
from lifecycle.services.uow import write_transaction

THREAD_TIMEOUT_SECONDS = 90


def _write(service: Callable, *args, **kwargs):
    """Call one service in its own write transaction, the way routes and the CLI do."""
    with write_transaction():
        return service(*args, **kwargs)


def _audit_records(*, municipality_id: int | None = None, network_id: int | None = None,
                  action: str | None = None) -> list[AuditRecord]:
    """Audit records of one municipality's chain (or the system chain), in sequence order."""
    query = select(AuditRecord).join(AuditChain, AuditChain.id == AuditRecord.chain_id)
    query = query.where(AuditChain.municipality_id.is_(None) if municipality_id is None
                        else AuditChain.municipality_id == municipality_id)
    if network_id is not None:
        query = query.where(AuditRecord.network_id == network_id)
    if action is not None:
        query = query.where(AuditRecord.action == action)
    return list(db.session.scalars(query.order_by(AuditRecord.seq)))


def _stage_changes(network_id: int) -> list[StageChange]:
    return list(db.session.scalars(
        select(StageChange).where(StageChange.network_id == network_id)
        .order_by(StageChange.id)))


def _fresh_network(network_id: int) -> Network:
    """Re-read a network from the database, not from the session's identity map."""
    db.session.expire_all()
    return db.session.get(Network, network_id)


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _run_together(app, count: int, prepare: Callable[[int], Any],
                 act: Callable[[Any], Any]) -> list[Outcome]:
    """Run `act(prepare(i))` in `count` threads; every `act` starts at the same moment.

    `prepare` runs first in each thread's own app context (load the acting user there, so
    every thread has its own session); a barrier then releases all `act` calls together.
    """
    db.session.commit()  # the main thread holds no transaction while the threads work
    barrier = threading.Barrier(count)
    outcomes = [Outcome() for _ in range(count)]

    def worker(index: int) -> None:
        with app.app_context():
            try:
                prepared = prepare(index)
                barrier.wait(timeout=THREAD_TIMEOUT_SECONDS)
                outcomes[index].result = act(prepared)
            except BaseException as exc:  # reported to the test, never lost in the thread
                outcomes[index].error = exc

    threads = [threading.Thread(target=worker, args=(i,), name=f"worker-{i}")
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return outcomes


@pytest.fixture
def lead(make_user):
    return make_user("lead")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer")


@pytest.fixture
def write():
    return _write


@pytest.fixture
def audit_records():
    return _audit_records


@pytest.fixture
def stage_changes():
    return _stage_changes


@pytest.fixture
def fresh_network():
    return _fresh_network


@pytest.fixture
def load_user():
    """Load a user in the current thread's own session (threads must not share ORM objects)."""
    return lambda user_id: db.session.get(User, user_id)


@pytest.fixture
def run_together(app):
    return lambda count, prepare, act: _run_together(app, count, prepare, act)


@pytest.fixture
def walk_to(sign_off):
    """Sign off the gates and fire the triggers that take a fresh network to `stage`."""
    from lifecycle.services.lifecycle import advance_network

    # `diversity` is in the gates of both expand and consolidate; it stays signed off.
    steps = [
        ("small_core", ("orientation", "mandate", "church_state"), "start_core"),
        ("expansion", ("core_functioning", "diversity"), "expand"),
        ("maintenance", ("maintenance_plan",), "consolidate"),
    ]

    def walker(network, lead, reviewer, stage: str):
        for reached, still_to_sign, trigger in steps:
            if _fresh_network(network.id).stage == stage:
                break
            sign_off(network, lead, reviewer, *still_to_sign)
            _write(advance_network, lead, network.id, trigger)
            assert _fresh_network(network.id).stage == reached
        return _fresh_network(network.id)

    return walker
