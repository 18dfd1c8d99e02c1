"""Audit evidence outside the database: the signing key, signed checkpoints, and exports.

- `make_signing_key` writes a new Ed25519 key pair: the private key with mode 0600 (at
  `AUDIT_SIGNING_KEY`), the public key beside it (`<path>.pub`) for auditors.
- `write_checkpoints` signs every chain's current head and appends one line per chain to this
  month's JSON Lines file in `AUDIT_CHECKPOINT_DIR`, flushed to disk with fsync.
- `load_checkpoints` reads them all back (with the public key only) for `audit verify`.
- `export_audit` and `export_processing_log` stream an export line by line. Records are read
  in keyset batches, so memory stays flat whatever the size of the log; the count and the
  chain heads are fixed before the first line, and the export itself is recorded in the audit
  trail (who, which filter, how many records) before it streams.
"""
from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..domain import audit_evidence as evidence
from ..domain.audit import GENESIS_HASH, AuditDraft, format_timestamp
from ..domain.errors import ValidationFailed
from ..domain.findings import N_, Finding
from ..extensions import db
from ..models import AuditChain, AuditRecord, ProcessingLogLine, utcnow
from .audit import _ensure_head_agrees, append_audit

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
BATCH = 2000
FORMATS = ("jsonl", "csv")
LOGS = ("audit", "processing")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class EvidenceError(Exception):
    """A key, checkpoint or export file that is missing or unusable; its `finding` says which."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding)
        self.finding = finding


# --- the signing key ----------------------------------------------------------------------

def signing_key_path() -> Path:
    return Path(current_app.config["AUDIT_SIGNING_KEY"])


def public_key_path(private_path: Path | None = None) -> Path:
    path = private_path or signing_key_path()
    return path.with_name(path.name + ".pub")


def make_signing_key(path: Path) -> tuple[Path, bytes]:
    """Write a new key pair; never overwrite an existing key (checkpoints depend on it)."""
    private, public = evidence.new_private_key_pem()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise EvidenceError(Finding(N_("%(path)s exists already; keep it, or move it away "
                                       "first"), path=str(path))) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
        handle.flush()
        os.fsync(handle.fileno())
    public_path = public_key_path(path)
    public_path.write_bytes(public)
    return public_path, public


def _private_key():
    """The signing key; refused when others may read it, as ssh refuses such a key."""
    path = signing_key_path()
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise EvidenceError(Finding(N_("%(path)s is not a file with a signing key"),
                                        path=str(path)))
        if mode & 0o077:
            raise EvidenceError(Finding(
                N_("%(path)s can be read by others (mode %(mode)s); make it readable for its "
                   "owner only: chmod 600 %(path)s"), path=str(path),
                mode=f"{stat.S_IMODE(mode):04o}"))
        return evidence.load_private_key(path.read_bytes())
    except FileNotFoundError:
        raise EvidenceError(Finding(N_("no signing key at %(path)s; make one with: flask --app "
                                       "wsgi audit keygen"), path=str(path))) from None
    except OSError as exc:
        raise EvidenceError(Finding(N_("cannot read the signing key %(path)s (%(problem)s)"),
                                    path=str(path), problem=exc.strerror or str(exc))) from None
    except ValueError:
        raise EvidenceError(Finding(N_("%(path)s is not an Ed25519 private key"),
                                    path=str(path))) from None


def read_public_keys(paths: Iterable[str | Path]) -> list:
    keys = []
    for path in paths:
        try:
            keys.append(evidence.load_public_key(Path(path).read_bytes()))
        except FileNotFoundError:
            raise EvidenceError(Finding(N_("no public key at %(path)s"), path=str(path))) \
                from None
        except OSError as exc:
            raise EvidenceError(Finding(N_("cannot read the public key %(path)s (%(problem)s)"),
                                        path=str(path), problem=exc.strerror or str(exc))) \
                from None
        except ValueError:
            raise EvidenceError(Finding(N_("%(path)s is not an Ed25519 public key"),
                                        path=str(path))) from None
    return keys


def default_public_keys() -> list:
    """The public key beside the signing key, if there is one."""
    path = public_key_path()
    return read_public_keys([path]) if path.exists() else []


# --- checkpoints --------------------------------------------------------------------------

def checkpoint_dir() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"])


def write_checkpoints(now: datetime | None = None) -> list[dict[str, Any]]:
    """Sign every chain's head and append the lines, fsynced, to this month's file."""
    key = _private_key()
    moment = now or utcnow()
    lines = []
    for chain in db.session.scalars(select(AuditChain).order_by(AuditChain.id)):
        _ensure_head_agrees(chain)  # never sign a head that disagrees with its records
        lines.append(evidence.sign_checkpoint(
            key, municipality_id=chain.municipality_id, seq=chain.last_seq,
            hash=chain.last_hash, signed_at=format_timestamp(moment)))
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkpoints-{moment:%Y-%m}.jsonl"
    text = "".join(evidence.dumps_line(line) for line in lines)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_directory(directory)
    return lines


def _fsync_directory(directory: Path) -> None:
    """Make a new file's name durable too, not only its contents."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _checkpoint_lines() -> Iterator[tuple[str, str]]:
    directory = checkpoint_dir()
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.jsonl")):
        try:
            with path.open(encoding="utf-8") as handle:
                for number, text in enumerate(handle, start=1):
                    yield f"{path.name}:{number}", text
        except (OSError, UnicodeDecodeError) as exc:
            raise EvidenceError(Finding(
                N_("cannot read the checkpoint file %(path)s (%(problem)s)"), path=str(path),
                problem=getattr(exc, "strerror", None) or str(exc))) from None


def load_checkpoints(public_keys: list | None) -> evidence.CheckpointSet:
    """Every checkpoint in the sink; with keys, lines whose signature fails are set apart."""
    return evidence.read_checkpoints(_checkpoint_lines(), public_keys)


# --- exports ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportFilters:
    network_id: int | None = None
    actor_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("date_from", "date_to"):
            values[name] = values[name].isoformat() if values[name] else None
        return values


def _local_midnight_utc(day: date) -> datetime:
    local = datetime.combine(day, time(), tzinfo=LOCAL_ZONE)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _check_period(filters: ExportFilters) -> None:
    for name in ("date_from", "date_to"):
        day = getattr(filters, name)
        if day is not None and not date(1900, 1, 1) <= day <= date(9998, 12, 31):
            raise ValidationFailed("The date is out of range.", errors={name: "invalid"})
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed("The start date is after the end date.",
                               errors={"date_from": "after_date_to"})


def _period(column, filters: ExportFilters) -> list:
    conditions = []
    if filters.date_from:
        conditions.append(column >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        conditions.append(column < _local_midnight_utc(filters.date_to + timedelta(days=1)))
    return conditions


def _audit_conditions(filters: ExportFilters) -> list:
    conditions = _period(AuditRecord.occurred_at, filters)
    if filters.network_id is not None:
        conditions.append(AuditRecord.network_id == filters.network_id)
    if filters.actor_id is not None:
        conditions.append(AuditRecord.actor_id == filters.actor_id)
    if filters.action:
        conditions.append(AuditRecord.action == filters.action)
    return conditions


@dataclass(frozen=True)
class ChainSnapshot:
    chain_id: int
    municipality_id: int | None
    seq: int
    hash: str
    count: int


@dataclass
class Export:
    """A prepared export: how many records, and the lines (produced only when iterated)."""

    kind: str
    fmt: str
    count: int
    lines: Iterator[str]

    @property
    def mimetype(self) -> str:
        return "application/x-ndjson" if self.fmt == "jsonl" else "text/csv"


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        value = evidence.canonical_dumps(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_csv_cell(v) for v in values])
    return buffer.getvalue()


def _record_values(row) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in evidence.RECORD_FIELDS}
    values["occurred_at"] = format_timestamp(values["occurred_at"])
    return values


def _audit_rows(snapshot: ChainSnapshot, conditions: list) -> Iterator[Any]:
    """A chain's matching records up to the snapshot's head, in keyset batches."""
    columns = [getattr(AuditRecord, name) for name in evidence.RECORD_FIELDS]
    last = 0
    while True:
        rows = db.session.execute(
            select(*columns).where(AuditRecord.chain_id == snapshot.chain_id,
                                   AuditRecord.seq > last, AuditRecord.seq <= snapshot.seq,
                                   *conditions)
            .order_by(AuditRecord.seq).limit(BATCH)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def prepare_audit_export(*, municipality_id: int | None, all_chains: bool,
                         filters: ExportFilters, fmt: str, actor_id: int | None,
                         origin: str | None, public_keys: list | None = None) -> Export:
    """Fix what an export covers, record it in the audit trail, and return its lines.

    Call inside a write transaction and commit before iterating the lines: the export record
    is then in the trail even if the download is broken off, and the lines read committed data
    up to the heads fixed here (the export's own record comes after them).
    """
    if fmt not in FORMATS:
        raise ValidationFailed("Unknown format.", errors={"format": "invalid_choice"})
    _check_period(filters)
    query = select(AuditChain).order_by(AuditChain.municipality_id.is_(None).desc(),
                                        AuditChain.municipality_id)
    if not all_chains:
        query = query.where(AuditChain.municipality_id == municipality_id)
    conditions = _audit_conditions(filters)
    snapshots = []
    for chain in db.session.scalars(query):
        _ensure_head_agrees(chain)
        count = db.session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.chain_id == chain.id, AuditRecord.seq <= chain.last_seq, *conditions))
        snapshots.append(ChainSnapshot(chain.id, chain.municipality_id, chain.last_seq,
                                       chain.last_hash, count))
    checkpoints = load_checkpoints(public_keys)
    newest = [line for line in (checkpoints.newest(s.municipality_id) for s in snapshots)
              if line is not None]
    total = sum(snapshot.count for snapshot in snapshots)
    append_audit(AuditDraft(
        municipality_id=None if all_chains else municipality_id, actor_id=actor_id,
        object_type="audit_export", object_id=None, action="audit.exported", origin=origin,
        after={"log": "audit", "format": fmt, "filters": filters.as_dict(), "records": total}))
    exported_at = format_timestamp(utcnow())
    header = evidence.export_header("audit", filters.as_dict(), exported_at, newest)

    def jsonl() -> Iterator[str]:
        yield evidence.dumps_line(header)
        for snapshot in snapshots:
            for row in _audit_rows(snapshot, conditions):
                yield evidence.dumps_line(evidence.record_line(_record_values(row)))
        for snapshot in snapshots:
            yield evidence.dumps_line(evidence.head_line(
                snapshot.municipality_id, snapshot.seq, snapshot.hash or GENESIS_HASH,
                snapshot.count))
        for line in newest:
            yield evidence.dumps_line(line)

    def csv_lines() -> Iterator[str]:
        yield _csv_line(evidence.RECORD_FIELDS)
        for snapshot in snapshots:
            for row in _audit_rows(snapshot, conditions):
                values = _record_values(row)
                yield _csv_line(values[name] for name in evidence.RECORD_FIELDS)

    return Export("audit", fmt, total, jsonl() if fmt == "jsonl" else csv_lines())


def _processing_conditions(filters: ExportFilters, municipality_id: int | None,
                           all_chains: bool) -> list:
    conditions = _period(ProcessingLogLine.started_at, filters)
    if not all_chains:
        conditions.append(ProcessingLogLine.municipality_id == municipality_id)
    if filters.action:
        conditions.append(ProcessingLogLine.name == filters.action)
    # The processing log names no user and no network (by design); it shares the trace id
    # with the audit records of the same request, so those filters go through them.
    related = []
    if filters.network_id is not None:
        related.append(AuditRecord.network_id == filters.network_id)
    if filters.actor_id is not None:
        related.append(AuditRecord.actor_id == filters.actor_id)
    if related:
        conditions.append(ProcessingLogLine.trace_id.in_(
            select(AuditRecord.trace_id).where(AuditRecord.trace_id.is_not(None), *related)))
    return conditions


def prepare_processing_export(*, municipality_id: int | None, all_chains: bool,
                              filters: ExportFilters, fmt: str, actor_id: int | None,
                              origin: str | None) -> Export:
    """The processing log, filtered, as an export (recorded in the audit trail like the other)."""
    if fmt not in FORMATS:
        raise ValidationFailed("Unknown format.", errors={"format": "invalid_choice"})
    _check_period(filters)
    conditions = _processing_conditions(filters, municipality_id, all_chains)
    upper = db.session.scalar(select(func.max(ProcessingLogLine.id))) or 0
    count = db.session.scalar(select(func.count()).select_from(ProcessingLogLine).where(
        ProcessingLogLine.id <= upper, *conditions))
    append_audit(AuditDraft(
        municipality_id=None if all_chains else municipality_id, actor_id=actor_id,
        object_type="audit_export", object_id=None, action="audit.exported", origin=origin,
        after={"log": "processing", "format": fmt, "filters": filters.as_dict(),
               "records": count}))
    fields = evidence.PROCESSING_FIELDS
    columns = [getattr(ProcessingLogLine, name) for name in fields]

    def rows() -> Iterator[dict[str, Any]]:
        last = 0
        while True:
            batch = db.session.execute(
                select(*columns).where(ProcessingLogLine.id > last,
                                       ProcessingLogLine.id <= upper, *conditions)
                .order_by(ProcessingLogLine.id).limit(BATCH)).all()
            if not batch:
                return
            for row in batch:
                values = {name: getattr(row, name) for name in fields}
                for name in ("started_at", "ended_at"):
                    values[name] = format_timestamp(values[name])
                yield values
            last = batch[-1].id

    def jsonl() -> Iterator[str]:
        yield evidence.dumps_line(evidence.export_header(
            "processing", filters.as_dict(), format_timestamp(utcnow())))
        for values in rows():
            yield evidence.dumps_line({"type": "processing", **values})
        yield evidence.dumps_line({"type": "end", "records": count})

    def csv_lines() -> Iterator[str]:
        yield _csv_line(fields)
        for values in rows():
            yield _csv_line(values[name] for name in fields)

    return Export("processing", fmt, count, jsonl() if fmt == "jsonl" else csv_lines())
