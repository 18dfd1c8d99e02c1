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

import json
from hashlib import sha256
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

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
    if moment.year < 1000:  # isoformat pads the year to four digits, strftime does not
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), in half the time.
    return moment.isoformat("T", "microseconds") + "Z"


# One encoder, made once: `json.dumps` with options builds a new one on every call.
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_dumps(values: Any) -> str:
    """The one canonical JSON text: sorted keys, no white space, UTF-8 kept as is.

    Record hashes, checkpoint signatures and export lines all use it, so the writer and every
    verifier agree byte for byte.
    """
    return _CANONICAL_ENCODER.encode(values)


# The hashed fields in the order `canonical_row_text` takes them: a stored row's columns.
ROW_FIELDS = (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS)


def canonical_row_text(row: Sequence[Any]) -> str:
    """The canonical JSON of a record given as its values in `ROW_FIELDS` order.

    The one place a record's hashed text is written: the writer (`chain`), `verify_audit` and
    `verify_export` all come here. `occurred_at` may be a datetime or its canonical text; an
    optional field that is None is left out (records from before it existed keep their hashes).
    """
    values = dict(zip(ROW_FIELDS, row))
    moment = values["occurred_at"]
    if not isinstance(moment, str):
        values["occurred_at"] = format_timestamp(moment)
    for name in OPTIONAL_HASHED_FIELDS:
        if values[name] is None:
            del values[name]
    return _CANONICAL_ENCODER.encode(values)


def _row_of(record: Any) -> tuple[Any, ...]:
    return tuple([getattr(record, name) for name in HASHED_FIELDS]
                 + [getattr(record, name, None) for name in OPTIONAL_HASHED_FIELDS])


def canonical_json(record: Any) -> str:
    """Serialise the hashed fields of `record` (any object with those attributes)."""
    return canonical_row_text(_row_of(record))


def hash_text(prev_hash: str, text: str) -> str:
    return sha256(f"{prev_hash}\n{text}".encode("utf-8")).hexdigest()


def compute_hash(prev_hash: str, record: Any) -> str:
    return hash_text(prev_hash, canonical_json(record))


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


VERIFY_FIELDS = (*ROW_FIELDS, "prev_hash", "hash")


def verify_chain(records: Iterable[Any],
                 checkpoints: Iterable[CheckpointMark] = ()) -> VerifyResult:
    """`verify_rows` for records with attributes (`ChainedRecord`s, ORM records)."""
    return verify_rows(((*_row_of(record), record.prev_hash, record.hash) for record in records),
                       checkpoints)


def verify_rows(rows: Iterable[Sequence[Any]],
                checkpoints: Iterable[CheckpointMark] = ()) -> VerifyResult:
    """Walk rows (values in `VERIFY_FIELDS` order) in sequence order; report the first gap,
    broken link or wrong hash.

    Each checkpoint is a signed earlier head: the record at its sequence number must still have
    its hash, and the chain may not end before it (a cut at the end, or a rewritten chain).
    """
    marks: dict[int, list[CheckpointMark]] = {}
    for mark in checkpoints:
        marks.setdefault(mark.seq, []).append(mark)
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    prev_at, hash_at = len(ROW_FIELDS), len(ROW_FIELDS) + 1
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            return VerifyResult(False, count, expected_seq,
                                Finding(N_("sequence gap: expected %(expected)d, found "
                                           "%(found)d"), expected=expected_seq, found=seq),
                                prev_hash)
        if row[prev_at] != prev_hash:
            return VerifyResult(False, count, seq,
                                Finding(N_("prev_hash does not match the hash of the record "
                                           "before it")),
                                prev_hash)
        record_hash = row[hash_at]
        # canonical_row_text reads the ROW_FIELDS at the front and leaves the two hashes.
        if hash_text(prev_hash, canonical_row_text(row)) != record_hash:
            return VerifyResult(False, count, seq,
                                Finding(N_("hash does not match the record's contents")),
                                prev_hash)
        if seq in marks:
            for mark in marks[seq]:
                if mark.hash != record_hash:
                    return VerifyResult(False, count, seq, Finding(
                        N_("differs from the signed checkpoint of %(moment)s (the chain was "
                           "rewritten up to here)"), moment=mark.signed_at) if mark.signed_at
                        else Finding(N_("differs from an earlier signed checkpoint (the chain "
                                        "was rewritten up to here)")), prev_hash)
        prev_hash = record_hash
        expected_seq += 1
        count += 1
    longer = [seq for seq in marks if seq > count]
    if longer:
        return VerifyResult(False, count, count + 1,
                            Finding(N_("the chain ends at %(count)d, but a signed checkpoint "
                                       "says it reached %(seq)d (records cut off the end)"),
                                    count=count, seq=max(longer)), prev_hash)
    return VerifyResult(True, count, last_hash=prev_hash)
