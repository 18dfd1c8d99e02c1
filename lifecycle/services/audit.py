"""Append to and read the audit trail; verify its hash chains.

Appends are serialised per municipality by locking that municipality's chain head row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers),
so municipalities never wait on each other.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain import audit as audit_domain
from ..domain.audit import AuditDraft, ChainHeadMismatch, CheckpointMark, VerifyResult
from ..domain.findings import N_, Finding
from ..extensions import db
from ..models import AuditChain, AuditRecord, User, utcnow
from ..tracing import current_trace_id

log = logging.getLogger(__name__)


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
    _ensure_head_agrees(chain)
    chained = audit_domain.chain(draft, seq=chain.last_seq + 1, prev_hash=chain.last_hash,
                                 now=now or utcnow())
    record = AuditRecord(chain_id=chain.id, **chained.__dict__)
    chain.last_seq = chained.seq
    chain.last_hash = chained.hash
    db.session.add(record)
    db.session.flush()
    return record


def last_record_of(chain_id: int) -> tuple[int | None, str | None]:
    """The sequence number and hash of a chain's last record (None, None when it has none)."""
    row = db.session.execute(
        select(AuditRecord.seq, AuditRecord.hash).where(AuditRecord.chain_id == chain_id)
        .order_by(AuditRecord.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row is not None else (None, None)


def _ensure_head_agrees(chain: AuditChain) -> None:
    """Refuse to build on a head that disagrees with the records (someone changed either)."""
    problem = audit_domain.head_problem(chain.last_seq, chain.last_hash,
                                        *last_record_of(chain.id))
    if problem is not None:
        log.error("audit append refused: the chain head disagrees with its records",
                  extra={"chain_id": chain.id, "municipality_id": chain.municipality_id,
                         "problem": problem})
        raise ChainHeadMismatch(Finding(
            N_("The audit chain of municipality %(municipality)s is damaged (%(problem)s); "
               "nothing is written until it is repaired. Run: flask --app wsgi audit verify"),
            municipality=chain.municipality_id, problem=problem))


def _chain_rows(chain_id: int, batch: int = 5000) -> Iterator[Any]:
    """Yield a chain's records in order as plain tuples (`VERIFY_FIELDS`), through a
    server-side cursor: a Core select on the session's connection, so no ORM objects are made
    or kept, and memory stays flat over ten million records."""
    table = AuditRecord.__table__
    query = (select(*(table.c[name] for name in audit_domain.VERIFY_FIELDS))
             .where(table.c.chain_id == chain_id).order_by(table.c.seq))
    result = db.session.connection().execution_options(
        stream_results=True, yield_per=batch).execute(query)
    try:
        for rows in result.partitions():
            yield from rows
    finally:
        result.close()


@dataclass(frozen=True)
class ChainReport:
    municipality_id: int | None
    result: VerifyResult
    head_seq: int


def verify_audit(checkpoints: dict[int | None, Iterable[CheckpointMark]] | None = None
                 ) -> list[ChainReport]:
    """Walk every chain, against its head row and against every signed checkpoint given.

    The head (`last_seq`, `last_hash`) must equal the last record. A checkpoint's record must
    still have the checkpointed hash, and no chain may be shorter than a checkpoint says; a
    checkpoint for a chain that is gone altogether is a break of that chain too.
    """
    checkpoints = checkpoints or {}
    reports = []
    chains = db.session.execute(
        select(AuditChain.id, AuditChain.municipality_id, AuditChain.last_seq,
               AuditChain.last_hash).order_by(AuditChain.id)
    ).all()
    for chain_id, municipality_id, last_seq, last_hash in chains:
        result = audit_domain.verify_rows(_chain_rows(chain_id),
                                           checkpoints.get(municipality_id, ()))
        if result.ok:
            problem = audit_domain.head_problem(last_seq, last_hash, result.count or None,
                                                result.last_hash if result.count else None)
            if problem is not None:
                result = VerifyResult(False, result.count, min(last_seq, result.count) + 1
                                      if last_seq != result.count else result.count or 1,
                                      problem, result.last_hash)
        reports.append(ChainReport(municipality_id, result, last_seq))
    known = {chain.municipality_id for chain in chains}
    for municipality_id, marks in checkpoints.items():
        marks = [mark for mark in marks if mark.seq > 0]
        if municipality_id not in known and marks:
            reports.append(ChainReport(municipality_id, VerifyResult(
                False, 0, 1, Finding(N_("the chain is gone, but a signed checkpoint says it "
                                        "reached %(seq)d"), seq=max(mark.seq for mark in marks))),
                0))
    return reports


def actor_names(actor_ids: set[int | None]) -> dict[int, str]:
    """Display names for audit actors, in one query (erased users simply have none)."""
    ids = {i for i in actor_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
