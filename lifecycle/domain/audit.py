"""The tamper-evident audit trail: canonical serialisation and the hash chain.

Each municipality has its own chain. A record's hash is

    sha256( prev_hash + "\\n" + canonical_json(record) )   as lowercase hex

where `prev_hash` is the previous record's hash in the same chain (64 zeros for the first)
and `canonical_json` is the JSON object of the fields in `HASHED_FIELDS` (plus `trace_id` when
the record has one), with keys sorted,
no insignificant white space (separators "," and ":"), non-ASCII characters kept as UTF-8,
and the timestamp written as `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC. The README repeats this so an
auditor can recompute every hash with their own tools.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from .findings import N_, Finding

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "seq", "occurred_at", "municipality_id", "actor_id", "object_type", "object_id",
    "network_id", "action", "result", "origin", "before", "after",
)
# Hashed too, but only when set: records from before it existed keep their hashes.
OPTIONAL_HASHED_FIELDS = ("trace_id",)

RESULT_OK = "ok"
RESULT_REFUSED = "refused"


@dataclass
class AuditDraft:
    """What a service wants recorded; the chain position and hashes are added on append."""

    municipality_id: int | None
    actor_id: int | None
    object_type: str
    object_id: str | None
    action: str
    result: str = RESULT_OK
    network_id: int | None = None
    origin: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    # When the attempt happened, for a refusal recorded after its transaction was rolled back.
    attempted_at: datetime | None = None
    # The W3C trace id of the request or command (the processing log's lines carry it too).
    trace_id: str | None = None


@dataclass(frozen=True)
class ChainedRecord:
    """A record as stored: the draft plus its place in the chain."""

    seq: int
    occurred_at: datetime
    municipality_id: int | None
    actor_id: int | None
    object_type: str
    object_id: str | None
    network_id: int | None
    action: str
    result: str
    origin: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str = field(default="")
    trace_id: str | None = None


def format_timestamp(moment: datetime) -> str:
    """Write a moment as canonical UTC text; naive datetimes are taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_dumps(values: Any) -> str:
    """The one canonical JSON text: sorted keys, no white space, UTF-8 kept as is.

    Record hashes, checkpoint signatures and export lines all use it, so the writer and every
    verifier agree byte for byte.
    """
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hashed_values(record: Any) -> dict[str, Any]:
    """The hashed fields of `record` (any object with those attributes), as canonical values."""
    values = {name: getattr(record, name) for name in HASHED_FIELDS}
    if not isinstance(values["occurred_at"], str):
        values["occurred_at"] = format_timestamp(values["occurred_at"])
    for name in OPTIONAL_HASHED_FIELDS:
        if getattr(record, name, None) is not None:
            values[name] = getattr(record, name)
    return values


def canonical_json(record: Any) -> str:
    """Serialise the hashed fields of `record` (any object with those attributes)."""
    return canonical_dumps(hashed_values(record))


def compute_hash(prev_hash: str, record: Any) -> str:
    payload = f"{prev_hash}\n{canonical_json(record)}".encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


def chain(draft: AuditDraft, *, seq: int, prev_hash: str, now: datetime) -> ChainedRecord:
    """Place a draft in the chain after `prev_hash`, stamped with `now`."""
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    record = ChainedRecord(
        seq=seq, occurred_at=now, municipality_id=draft.municipality_id,
        actor_id=draft.actor_id, object_type=draft.object_type,
        object_id=None if draft.object_id is None else str(draft.object_id),
        network_id=draft.network_id, action=draft.action, result=draft.result,
        origin=draft.origin, before=draft.before, after=draft.after, prev_hash=prev_hash,
        trace_id=draft.trace_id,
    )
    return ChainedRecord(**{**record.__dict__, "hash": compute_hash(prev_hash, record)})


class ChainHeadMismatch(RuntimeError):
    """The chain head row disagrees with the chain's last record: nothing may build on it."""


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: Finding | None = None
    # The hash of the last record walked (the genesis hash for an empty chain).
    last_hash: str = GENESIS_HASH


@dataclass(frozen=True)
class CheckpointMark:
    """A signed statement (already checked) that a chain once ended at `seq` with `hash`."""

    seq: int
    hash: str
    signed_at: str = ""


def head_problem(last_seq: int, last_hash: str, record_seq: int | None,
                 record_hash: str | None) -> Finding | None:
    """Why a chain head (`last_seq`, `last_hash`) disagrees with the last record, or None."""
    record_seq = record_seq or 0
    record_hash = record_hash or GENESIS_HASH
    if last_seq > record_seq:
        return Finding(N_("records missing at the end: the chain head says %(head)d, the last "
                          "record is %(seq)d"), head=last_seq, seq=record_seq)
    if last_seq < record_seq:
        return Finding(N_("the chain head says %(head)d, but there are records up to %(seq)d"),
                       head=last_seq, seq=record_seq)
    if last_hash != record_hash:
        return Finding(N_("the chain head's hash differs from the hash of record %(seq)d"),
                       seq=record_seq)
    return None


def verify_chain(records: Iterable[Any],
                 checkpoints: Iterable[CheckpointMark] = ()) -> VerifyResult:
    """Walk records in sequence order; report the first gap, broken link or wrong hash.

    Each checkpoint is a signed earlier head: the record at its sequence number must still have
    its hash, and the chain may not end before it (a cut at the end, or a rewritten chain).
    """
    marks: dict[int, list[CheckpointMark]] = {}
    for mark in checkpoints:
        marks.setdefault(mark.seq, []).append(mark)
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for record in records:
        if record.seq != expected_seq:
            return VerifyResult(False, count, expected_seq,
                                Finding(N_("sequence gap: expected %(expected)d, found "
                                           "%(found)d"), expected=expected_seq,
                                        found=record.seq),
                                prev_hash)
        if record.prev_hash != prev_hash:
            return VerifyResult(False, count, record.seq,
                                Finding(N_("prev_hash does not match the hash of the record "
                                           "before it")),
                                prev_hash)
        if compute_hash(prev_hash, record) != record.hash:
            return VerifyResult(False, count, record.seq,
                                Finding(N_("hash does not match the record's contents")),
                                prev_hash)
        for mark in marks.get(record.seq, ()):
            if mark.hash != record.hash:
                return VerifyResult(False, count, record.seq, Finding(
                    N_("differs from the signed checkpoint of %(moment)s (the chain was "
                       "rewritten up to here)"), moment=mark.signed_at) if mark.signed_at else
                    Finding(N_("differs from an earlier signed checkpoint (the chain was "
                               "rewritten up to here)")), prev_hash)
        prev_hash = record.hash
        expected_seq += 1
        count += 1
    longer = [seq for seq in marks if seq > count]
    if longer:
        return VerifyResult(False, count, count + 1,
                            Finding(N_("the chain ends at %(count)d, but a signed checkpoint "
                                       "says it reached %(seq)d (records cut off the end)"),
                                    count=count, seq=max(longer)), prev_hash)
    return VerifyResult(True, count, last_hash=prev_hash)
