"""Evidence about the audit trail that holds outside the database: signed checkpoints and exports.

A *checkpoint* is a chain head (municipality, sequence number, hash, time) signed with Ed25519.
The private key lives in a file outside the database; the signed lines go to JSON Lines files
outside the database too. Whoever can change rows cannot forge a checkpoint, so a rewritten or
shortened chain no longer matches what was signed before. Verifying needs the public key only.

An *export* is the audit trail (or a part of it) as JSON Lines: a header line, one line per
record with its hashes, and at the end the chain head it covers and the newest checkpoint.
`verify_export` checks one with no database: every record's hash, the links between
consecutive records, the head, the checkpoint's signature and hash, and the record count.

Everything here is plain Python (plus `cryptography`), so `audit verify --file` and an
auditor's own script need nothing of the app. The canonical JSON is `audit.canonical_dumps`,
the same text the records are hashed over.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .audit import CheckpointMark, canonical_dumps, compute_hash, GENESIS_HASH
from .findings import N_, Finding

CHECKPOINT_FIELDS = ("municipality_id", "seq", "hash", "signed_at")
EXPORT_FORMAT = "voelspriet-audit-export/1"
RECORD_FIELDS = ("seq", "occurred_at", "municipality_id", "actor_id", "object_type",
                 "object_id", "network_id", "action", "result", "origin", "before", "after",
                 "trace_id", "prev_hash", "hash")
PROCESSING_FIELDS = ("id", "trace_id", "span_id", "name", "operation", "activity",
                     "subject_ref", "municipality_id", "started_at", "ended_at", "status")


# --- keys ---------------------------------------------------------------------------------

def new_private_key_pem() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return private, public_pem(key)


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (TypeError, UnsupportedAlgorithm):  # a key with a passphrase, or of an odd kind
        raise ValueError("not an Ed25519 private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except UnsupportedAlgorithm:
        raise ValueError("not an Ed25519 public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a public key (so a checkpoint says which key signed it)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# --- checkpoints --------------------------------------------------------------------------

def checkpoint_message(values: dict[str, Any]) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return canonical_dumps({name: values[name] for name in CHECKPOINT_FIELDS}).encode("utf-8")


def sign_checkpoint(key: Ed25519PrivateKey, *, municipality_id: int | None, seq: int,
                    hash: str, signed_at: str) -> dict[str, Any]:
    """One checkpoint line: the head, the time, the key id and the base64 signature."""
    values = {"municipality_id": municipality_id, "seq": seq, "hash": hash,
              "signed_at": signed_at}
    signature = key.sign(checkpoint_message(values))
    return {"type": "checkpoint", **values, "key_id": key_id(key.public_key()),
            "signature": base64.b64encode(signature).decode("ascii")}


def checkpoint_is_signed(line: Any, public_keys: Iterable[Ed25519PublicKey]) -> bool:
    """Does one of `public_keys` sign this checkpoint line exactly as it stands?"""
    if not isinstance(line, dict) or any(name not in line for name in CHECKPOINT_FIELDS):
        return False
    if not isinstance(line.get("seq"), int) or not isinstance(line.get("hash"), str):
        return False
    try:
        signature = base64.b64decode(str(line.get("signature", "")), validate=True)
        message = checkpoint_message(line)
    except (binascii.Error, TypeError, ValueError):
        return False
    for key in public_keys:
        try:
            key.verify(signature, message)
            return True
        except InvalidSignature:
            continue
    return False


def mark_of(line: dict[str, Any]) -> CheckpointMark:
    return CheckpointMark(seq=line["seq"], hash=line["hash"], signed_at=str(line["signed_at"]))


@dataclass
class CheckpointSet:
    """Checkpoint lines read from the sink, sorted per chain; those that fail are listed."""

    by_chain: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)
    bad: list[Finding] = field(default_factory=list)

    def marks(self, municipality_id: int | None) -> list[CheckpointMark]:
        return [mark_of(line) for line in self.by_chain.get(municipality_id, [])]

    def newest(self, municipality_id: int | None) -> dict[str, Any] | None:
        lines = self.by_chain.get(municipality_id) or []
        return max(lines, key=lambda line: (line["seq"], line["signed_at"])) if lines else None


def read_checkpoints(named_lines: Iterable[tuple[str, str]],
                     public_keys: Iterable[Ed25519PublicKey] | None) -> CheckpointSet:
    """Parse checkpoint lines ("where", text); check each signature when keys are given."""
    keys = list(public_keys) if public_keys is not None else None
    found = CheckpointSet()
    for where, text in named_lines:
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except ValueError:
            found.bad.append(Finding(N_("%(where)s: not JSON"), where=where))
            continue
        if keys is not None and not checkpoint_is_signed(line, keys):
            found.bad.append(Finding(N_("%(where)s: the signature does not match"), where=where))
            continue
        if not isinstance(line, dict) or not isinstance(line.get("seq"), int):
            found.bad.append(Finding(N_("%(where)s: not a checkpoint"), where=where))
            continue
        found.by_chain.setdefault(line.get("municipality_id"), []).append(line)
    return found


# --- exports ------------------------------------------------------------------------------

def export_header(kind: str, filters: dict[str, Any], exported_at: str,
                  checkpoints: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The first line. It names the checkpoints the export ends with (chain and sequence
    number), so a verifier keeps only those records' hashes while it reads, not all of them."""
    return {"type": "header", "format": EXPORT_FORMAT, "log": kind, "filters": filters,
            "exported_at": exported_at,
            "checkpoints": [{"municipality_id": c["municipality_id"], "seq": c["seq"]}
                            for c in checkpoints]}


def record_line(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", **{name: values.get(name) for name in RECORD_FIELDS}}


def head_line(municipality_id: int | None, seq: int, hash: str, count: int) -> dict[str, Any]:
    """The chain head an export covers, and how many of its records the export holds."""
    return {"type": "head", "municipality_id": municipality_id, "seq": seq, "hash": hash,
            "records": count}


def dumps_line(values: dict[str, Any]) -> str:
    return canonical_dumps(values) + "\n"


@dataclass
class ExportReport:
    ok: bool
    records: int = 0
    chains: int = 0
    checkpoints: int = 0
    problems: list[Finding] = field(default_factory=list)
    # False when the file is no audit trail export at all (misuse, not tampering).
    is_export: bool = True


class _Record:
    """A record line with attribute access, which `compute_hash` reads."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)


def _parsed(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except ValueError:
            yield number, None


def verify_export(lines: Iterable[str],
                  public_keys: Iterable[Ed25519PublicKey] = ()) -> ExportReport:
    """Check a JSON Lines export of the audit trail, line by line (constant memory).

    Every record must hash to its own `hash` from its `prev_hash`; consecutive sequence numbers
    must link; the head line must match the last record when the export reaches it, and count
    the records; a checkpoint must be signed by one of `public_keys` (when given) and match the
    record it names, if the export holds it.
    """
    keys = list(public_keys)
    report = ExportReport(ok=True)

    def problem(template: str, **values: Any) -> None:
        report.ok = False
        if len(report.problems) < 20:
            report.problems.append(Finding(template, **values))

    header_seen = False
    last: dict[int | None, tuple[int, str]] = {}   # per chain: last seq and hash seen
    counts: dict[int | None, int] = {}
    announced: set[tuple[Any, Any]] = set()  # the checkpoints the header names
    hashes_at: dict[tuple[int | None, int], str] = {}  # only at those sequence numbers
    pending: list[tuple[int, dict[str, Any]]] = []
    heads: list[tuple[int, dict[str, Any]]] = []
    for number, line in _parsed(lines):
        if not isinstance(line, dict) and header_seen:
            problem(N_("line %(line)d: not a JSON object"), line=number)
            continue
        kind = line.get("type") if isinstance(line, dict) else None
        if not header_seen:
            if kind != "header" or line.get("format") != EXPORT_FORMAT:
                problem(N_("line %(line)d: the export does not start with its header"),
                        line=number)
                report.is_export = False
                return report
            header_seen = True
            for item in line.get("checkpoints") or []:
                if isinstance(item, dict):
                    announced.add((item.get("municipality_id"), item.get("seq")))
            if line.get("log") != "audit":
                problem(N_("line %(line)d: only audit trail exports carry hashes to check"),
                        line=number)
                report.is_export = False
                return report
            continue
        if kind == "record":
            if heads or pending:
                problem(N_("line %(line)d: a record after the chain heads"), line=number)
            try:
                record = _Record({name: line.get(name) for name in RECORD_FIELDS})
                chain = record.municipality_id
                if not isinstance(record.seq, int) or isinstance(record.seq, bool):
                    raise TypeError("seq")
                hash(chain)
                expected = compute_hash(str(record.prev_hash), record)
            except (TypeError, ValueError, AttributeError):
                problem(N_("line %(line)d: the record cannot be read"), line=number)
                continue
            if expected != record.hash:
                problem(N_("line %(line)d: record %(seq)d does not hash to its hash"), line=number,
                        seq=record.seq)
            before = last.get(chain)
            if before is not None and record.seq <= before[0]:
                problem(N_("line %(line)d: record %(seq)d is out of order"), line=number,
                        seq=record.seq)
            elif record.seq == 1 and record.prev_hash != GENESIS_HASH:
                problem(N_("line %(line)d: record 1 does not start from the genesis hash"),
                        line=number)
            elif before is not None and record.seq == before[0] + 1 \
                    and record.prev_hash != before[1]:
                problem(N_("line %(line)d: record %(seq)d does not link to the one before"),
                        line=number, seq=record.seq)
            last[chain] = (record.seq, record.hash)
            counts[chain] = counts.get(chain, 0) + 1
            if (chain, record.seq) in announced:
                hashes_at[(chain, record.seq)] = record.hash
            report.records += 1
        elif kind == "head":
            heads.append((number, line))
        elif kind == "checkpoint":
            pending.append((number, line))
        else:
            problem(N_("line %(line)d: unknown line type"), line=number)
    if not header_seen:
        problem(N_("the export is empty"))
        report.is_export = False
        return report
    if not heads:
        problem(N_("the export does not end with the chain head it covers (cut short?)"))
    for number, head in heads:
        chain = head.get("municipality_id")
        report.chains += 1
        if head.get("records") != counts.get(chain, 0):
            problem(N_("line %(line)d: the head counts %(head)s records, the export holds "
                       "%(count)d"), line=number, head=head.get("records"),
                    count=counts.get(chain, 0))
        seen = last.get(chain)
        if seen is not None and seen[0] > (head.get("seq") or 0):
            problem(N_("line %(line)d: records beyond the chain head"), line=number)
        if seen is not None and seen[0] == head.get("seq") and seen[1] != head.get("hash"):
            problem(N_("line %(line)d: the last record does not hash to the chain head"),
                    line=number)
    for number, checkpoint in pending:
        report.checkpoints += 1
        if keys and not checkpoint_is_signed(checkpoint, keys):
            problem(N_("line %(line)d: the checkpoint's signature does not match"), line=number)
            continue
        if (checkpoint.get("municipality_id"), checkpoint.get("seq")) not in announced:
            problem(N_("line %(line)d: the header does not announce this checkpoint"), line=number)
        at = hashes_at.get((checkpoint.get("municipality_id"), checkpoint.get("seq")))
        if at is not None and at != checkpoint.get("hash"):
            problem(N_("line %(line)d: record %(seq)s differs from the signed checkpoint"),
                    line=number, seq=checkpoint.get("seq"))
        head = next((h for _, h in heads
                     if h.get("municipality_id") == checkpoint.get("municipality_id")), None)
        if head is not None and isinstance(checkpoint.get("seq"), int) and \
                isinstance(head.get("seq"), int) and head["seq"] < checkpoint["seq"]:
            problem(N_("line %(line)d: the chain head is shorter than the signed checkpoint"),
                    line=number)
    return report
