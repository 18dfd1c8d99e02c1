"""Append to and read the audit trail; verify its hash chains.

Appends are serialised per municipality by locking that municipality's chain head row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers),
so municipalities never wait on each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain import audit as audit_domain
from ..domain.audit import HASHED_FIELDS, OPTIONAL_HASHED_FIELDS, AuditDraft, VerifyResult
from ..extensions import db
from ..models import AuditChain, AuditRecord, User, utcnow
from ..tracing import current_trace_id


def _locked_chain(municipality_id: int | None) -> AuditChain:
    query = select(AuditChain).where(
        AuditChain.municipality_id.is_(None) if municipality_id is None
        else AuditChain.municipality_id == municipality_id
    ).with_for_update()
    chain = db.session.scalars(query).one_or_none()
    if chain is not None:
        return chain
    try:
        with db.session.begin_nested():
            db.session.add(AuditChain(municipality_id=municipality_id, last_seq=0,
                                      last_hash=audit_domain.GENESIS_HASH))
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    return db.session.scalars(query).one()


def append_audit(draft: AuditDraft, now: datetime | None = None) -> AuditRecord:
    """Add one record at the end of its municipality's chain and flush it.

    The record carries the trace id of the request or command it happens in.
    """
    if draft.trace_id is None:
        draft.trace_id = current_trace_id()
    chain = _locked_chain(draft.municipality_id)
    chained = audit_domain.chain(draft, seq=chain.last_seq + 1, prev_hash=chain.last_hash,
                                 now=now or utcnow())
    record = AuditRecord(chain_id=chain.id, **chained.__dict__)
    chain.last_seq = chained.seq
    chain.last_hash = chained.hash
    db.session.add(record)
    db.session.flush()
    return record


def _chain_records(chain_id: int, batch: int = 5000) -> Iterator[Any]:
    """Yield a chain's records in order as plain rows: no ORM objects pile up in the session,
    so memory stays flat over a million records and the caller's session is left alone."""
    columns = [getattr(AuditRecord, name)
               for name in (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS, "prev_hash", "hash")]
    last = 0
    while True:
        rows = db.session.execute(
            select(*columns).where(AuditRecord.chain_id == chain_id, AuditRecord.seq > last)
            .order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


@dataclass(frozen=True)
class ChainReport:
    municipality_id: int | None
    result: VerifyResult
    head_seq: int


def verify_audit() -> list[ChainReport]:
    """Walk every chain; also catch records cut off the end (the head remembers the last seq)."""
    reports = []
    chains = db.session.execute(
        select(AuditChain.id, AuditChain.municipality_id, AuditChain.last_seq,
               AuditChain.last_hash).order_by(AuditChain.id)
    ).all()
    for chain_id, municipality_id, last_seq, last_hash in chains:
        result = audit_domain.verify_chain(_chain_records(chain_id))
        if result.ok and result.count != last_seq:
            result = VerifyResult(False, result.count, result.count + 1,
                                  f"records missing at the end: the chain head says {last_seq}")
        reports.append(ChainReport(municipality_id, result, last_seq))
    return reports


def actor_names(actor_ids: set[int | None]) -> dict[int, str]:
    """Display names for audit actors, in one query (erased users simply have none)."""
    ids = {i for i in actor_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
