"""Benchmark the audit export: its memory beside a baseline that reads everything at once.

Builds a throwaway SQLite database with the real migrations, fills one municipality's chain
with N hashed records (default 100,000; `--records 1000000` for the figure in the README) with
the audit tests' builder (`tests/audit_builders.py`: real hashes, executemany batches), then
exports it as JSON Lines to /dev/null the way `audit export` does (keyset batches, streamed),
and, as the baseline, the naive way: every row loaded first, the lines joined, then written.
Peak memory is measured with tracemalloc. Prints figures; asserts nothing.

Run: `python -m bench.audit_export [--records N] [--skip-baseline]`.
"""
from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path


def _fill(municipality_id: int, count: int) -> None:
    """The chain's records, built the way the audit tests build theirs (one shared builder)."""
    from sqlalchemy import select

    from lifecycle.extensions import db
    from lifecycle.models import AuditChain
    from tests.audit_builders import append_bulk_records

    append_bulk_records(municipality_id, count, lambda n: {
        "actor_id": 1 + n % 20, "object_id": str(n % 500), "network_id": n % 500,
        "origin": "192.0.2.21", "trace_id": f"{n:032x}", "before": {"name": "Wijknetwerk Oost"},
        "after": {"fields": ["goal", "name"], "version": n}})
    assert db.session.scalar(select(AuditChain.last_seq).where(
        AuditChain.municipality_id == municipality_id)) == count


def _measure(label: str, action) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    lines = action()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<46} peak {peak / 1e6:8.1f} MB  {elapsed:7.1f} s  ({lines} lines)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true",
                        help="leave out the naive export (it needs memory for all rows)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from lifecycle import create_app
    from lifecycle.domain.audit_evidence import RECORD_FIELDS, dumps_line, record_line
    from lifecycle.domain.audit import format_timestamp
    from lifecycle.extensions import db
    from lifecycle.models import AuditRecord, Municipality
    from lifecycle.services.audit_evidence import ExportFilters, prepare_audit_export
    from lifecycle.services.uow import write_transaction

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "AUDIT_CHECKPOINT_DIR": str(Path(folder) / "checkpoints"),
                          "AUDIT_SIGNING_KEY": str(Path(folder) / "key"), "LOG_LEVEL": "WARNING"})
        with app.app_context():
            upgrade()
            municipality = Municipality(name="Bench", slug="bench")
            db.session.add(municipality)
            db.session.commit()
            start = time.perf_counter()
            _fill(municipality.id, args.records)
            print(f"filled {args.records} records in {time.perf_counter() - start:.1f} s")

            def streamed() -> int:
                with write_transaction():
                    export = prepare_audit_export(
                        municipality_id=municipality.id, all_chains=False,
                        filters=ExportFilters(), fmt="jsonl", actor_id=None, origin="bench")
                count = 0
                with open("/dev/null", "w", encoding="utf-8") as sink:
                    for line in export.lines:
                        sink.write(line)
                        count += 1
                db.session.rollback()
                return count

            def naive() -> int:
                rows = db.session.scalars(
                    db.select(AuditRecord).where(AuditRecord.municipality_id == municipality.id)
                    .order_by(AuditRecord.seq)).all()
                lines = []
                for row in rows:
                    values = {name: getattr(row, name) for name in RECORD_FIELDS}
                    values["occurred_at"] = format_timestamp(values["occurred_at"])
                    lines.append(dumps_line(record_line(values)))
                with open("/dev/null", "w", encoding="utf-8") as sink:
                    sink.write("".join(lines))
                db.session.rollback()
                return len(lines)

            _measure(f"streamed export ({args.records} records)", streamed)
            if not args.skip_baseline:
                _measure(f"baseline: load all, then write ({args.records})", naive)


if __name__ == "__main__":
    main()
