"""Build and tamper with audit trails for the audit tests and the export bench.

- `audited_history` gives a municipality some real history through the services (a lead, a
  reviewer, a network signed off through its orientation) and returns its chain.
- `append_bulk_records` appends many records to a chain fast: each hashed the real way
  (`audit.chain`), inserted a batch per statement (executemany), the head moved once at the end.
  `bench/audit_export.py` builds its million records with it; it imports nothing of pytest.
- `Tamperer` changes audit rows behind the app's back, the way an insider with database access
  would: on SQLite the `sqlite3` module opens the file and drops the guard triggers; on
  PostgreSQL a plain psycopg connection disables the triggers for the change (and re-enables
  them, since the test database is shared).
"""
from __future__ import annotations

import re
import sqlite3
from types import SimpleNamespace
from typing import Any, Callable

BULK_BATCH = 10_000


def audited_history(make_user, make_network, sign_off, municipality: str) -> SimpleNamespace:
    """A municipality with some real history: its chain id, last sequence number, the network
    and its lead."""
    from sqlalchemy import select

    from lifecycle.extensions import db
    from lifecycle.models import AuditChain, Municipality

    lead = make_user("lead", municipality=municipality)
    reviewer = make_user("reviewer", municipality=municipality)
    network = make_network(lead)
    sign_off(network, lead, reviewer, "orientation")
    chain = db.session.scalars(select(AuditChain).join(
        Municipality, AuditChain.municipality_id == Municipality.id).where(
        Municipality.name == municipality)).one()
    return SimpleNamespace(chain_id=chain.id, last_seq=chain.last_seq, network=network,
                           lead=lead)


def append_bulk_records(municipality_id: int, count: int,
                        fields: Callable[[int], dict[str, Any]]) -> None:
    """Append `count` "network.updated" records to the municipality's chain (made if it has
    none) and commit; `fields(n)` gives the n-th record's actor_id, object_id, network_id and
    after."""
    from sqlalchemy import insert, select

    from lifecycle.domain import audit as audit_domain
    from lifecycle.domain.audit import AuditDraft
    from lifecycle.extensions import db
    from lifecycle.models import AuditChain, AuditRecord, utcnow

    chain = db.session.scalars(select(AuditChain).where(
        AuditChain.municipality_id == municipality_id)).one_or_none()
    if chain is None:
        chain = AuditChain(municipality_id=municipality_id, last_seq=0,
                           last_hash=audit_domain.GENESIS_HASH)
        db.session.add(chain)
        db.session.flush()
    seq, prev, now, batch = chain.last_seq, chain.last_hash, utcnow(), []
    for n in range(count):
        seq += 1
        record = audit_domain.chain(AuditDraft(
            municipality_id=municipality_id, object_type="network", action="network.updated",
            **fields(n)), seq=seq, prev_hash=prev, now=now)
        prev = record.hash
        batch.append({"chain_id": chain.id, **record.__dict__})
        if len(batch) == BULK_BATCH:
            db.session.execute(insert(AuditRecord), batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditRecord), batch)
    chain.last_seq, chain.last_hash = seq, prev
    db.session.commit()



class Tamperer:
    """Change audit rows behind the app's back, with the guards out of the way."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.is_sqlite = database_url.startswith("sqlite")

    def _execute(self, sql: str, params: dict) -> None:
        # The app must not hold a transaction on the table, or the DDL below would wait on it.
        from lifecycle.extensions import db

        db.session.remove()
        if self.is_sqlite:
            connection = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            try:
                connection.execute("DROP TRIGGER IF EXISTS audit_record_no_update")
                connection.execute("DROP TRIGGER IF EXISTS audit_record_no_delete")
                connection.execute(sql, params)
                connection.commit()
            finally:
                connection.close()
            return
        import psycopg

        plain_url = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        named = re.sub(r":(\w+)", r"%(\1)s", sql)
        with psycopg.connect(plain_url) as connection:
            connection.execute("ALTER TABLE audit_record DISABLE TRIGGER USER")
            try:
                connection.execute(named, params)
            finally:
                connection.execute("ALTER TABLE audit_record ENABLE TRIGGER USER")

    def set_json(self, chain_id: int, seq: int, column: str, value: str) -> None:
        cast = ":value" if self.is_sqlite else "CAST(:value AS JSON)"
        self._execute(f'UPDATE audit_record SET "{column}" = {cast} '
                      "WHERE chain_id = :chain AND seq = :seq",
                      {"value": value, "chain": chain_id, "seq": seq})

    def set_text(self, chain_id: int, seq: int, column: str, value: str) -> None:
        self._execute(f'UPDATE audit_record SET "{column}" = :value '
                      "WHERE chain_id = :chain AND seq = :seq",
                      {"value": value, "chain": chain_id, "seq": seq})

    def delete(self, chain_id: int, seq: int) -> None:
        self._execute("DELETE FROM audit_record WHERE chain_id = :chain AND seq = :seq",
                      {"chain": chain_id, "seq": seq})

