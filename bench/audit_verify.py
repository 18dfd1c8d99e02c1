"""Benchmark `audit verify`: records per second beside a raw floor measured in the same run.

Builds a database with the real migrations and fills one municipality's chain with N records
(default 200,000; `--records 1000000` for more) chained by the real code
(`lifecycle.domain.audit.chain`) and bulk-inserted. Then it times, on the same rows:

- **Voelspriet**: `verify_audit()`, what `flask --app wsgi audit verify` runs (without
  checkpoints): every chain walked against its head;
- **raw floor**: the same rows read with the bare driver (`sqlite3`, or `psycopg` on
  PostgreSQL), each one's canonical JSON written with a plain `json.dumps` as an auditor's own
  script would, hashed with sha256 and compared. The floor is written here, independent of the
  app, so it also checks that the stored hashes are what the README says they are.

It prints figures and asserts nothing. Run:

    .venv/bin/python -m bench.audit_verify [--records N]
        [--postgresql URL]   # also on PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import sys
import tempfile
import time
from datetime import timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOR_COLUMNS = ("seq", "occurred_at", "municipality_id", "actor_id", "object_type",
                 "object_id", "network_id", "action", "result", "origin", "before", "after",
                 "trace_id", "prev_hash", "hash")


def _floor_timestamp(value) -> str:
    if isinstance(value, str):  # SQLite hands back its text: "YYYY-MM-DD HH:MM:SS[.ffffff]"
        day, _, clock = value.partition(" ")
        clock, _, fraction = clock.partition(".")
        return f"{day}T{clock}.{fraction.ljust(6, '0')}Z"
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def raw_floor(cursor, placeholder: str, chain_id: int) -> tuple[float, int, int]:
    """Records per second of a bare read-serialise-hash loop; and how many matched, of how many."""
    start = time.perf_counter()
    cursor.execute(f"SELECT {', '.join(FLOOR_COLUMNS)} FROM audit_record "
                   f"WHERE chain_id = {placeholder} ORDER BY seq", (chain_id,))
    prev, matched, count = "0" * 64, 0, 0
    while rows := cursor.fetchmany(5000):
        for row in rows:
            values = dict(zip(FLOOR_COLUMNS[:-2], row[:-2]))
            values["occurred_at"] = _floor_timestamp(values["occurred_at"])
            for name in ("before", "after"):
                if isinstance(values[name], str):  # SQLite keeps JSON as text
                    values[name] = json.loads(values[name])
            if values["trace_id"] is None:
                del values["trace_id"]
            text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()
            matched += digest == row[-1] and prev == row[-2]
            prev = row[-1]
            count += 1
    return count / (time.perf_counter() - start), matched, count


def read_floor(cursor, placeholder: str, chain_id: int) -> float:
    """Records per second of the bare read: what the database and its driver cost alone."""
    start = time.perf_counter()
    cursor.execute(f"SELECT {', '.join(FLOOR_COLUMNS)} FROM audit_record "
                   f"WHERE chain_id = {placeholder} ORDER BY seq", (chain_id,))
    count = 0
    while rows := cursor.fetchmany(5000):
        count += len(rows)
    return count / (time.perf_counter() - start)


def voelspriet(app) -> tuple[float, int, bool]:
    from lifecycle.extensions import db
    from lifecycle.services.audit import verify_audit

    with app.app_context():
        start = time.perf_counter()
        reports = verify_audit()
        elapsed = time.perf_counter() - start
        db.session.rollback()
    count = sum(report.result.count for report in reports)
    return count / elapsed, count, all(report.result.ok for report in reports)


def build(url: str, records: int, folder: Path):
    """A migrated database with one municipality's chain of `records`; the app and chain id."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from bench.audit_export import _fill
    from lifecycle import create_app
    from lifecycle.extensions import db
    from lifecycle.models import AuditChain, Municipality

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "AUDIT_CHECKPOINT_DIR": str(folder / "checkpoints"),
                      "AUDIT_SIGNING_KEY": str(folder / "key"), "LOG_LEVEL": "WARNING"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        logging.disable(logging.INFO)  # the migrations' progress lines
        upgrade()
        logging.disable(logging.NOTSET)
        municipality = Municipality(name="Bench", slug="bench")
        db.session.add(municipality)
        db.session.commit()
        start = time.perf_counter()
        _fill(municipality.id, records)
        chain_id = db.session.scalar(select(AuditChain.id).where(
            AuditChain.municipality_id == municipality.id))
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE audit_record")
        print(f"  filled {records} records in {time.perf_counter() - start:.1f} s")
        db.engine.dispose()
    return app, chain_id


def print_rows(read: float, floor: tuple[float, int, int],
               ours: tuple[float, int, bool]) -> None:
    rate, matched, count = floor
    print(f"  {'read alone (driver, no hashing)':<40} {read:10.0f} records/s")
    print(f"  {'raw floor (driver + json + sha256)':<40} {rate:10.0f} records/s"
          f"  ({matched} of {count} hashes match)")
    print(f"  {'Voelspriet verify_audit':<40} {ours[0]:10.0f} records/s"
          f"  ({ours[1]} records, ok={ours[2]}; {ours[0] / rate:.0%} of the floor)")


def main() -> None:
    from bench.options import bench_parser

    parser = bench_parser(__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "bench.sqlite3"
        print(f"SQLite, {args.records} records")
        app, chain_id = build(f"sqlite:///{path}", args.records, folder)
        connection = sqlite3.connect(path)
        read = read_floor(connection.cursor(), "?", chain_id)
        floor = raw_floor(connection.cursor(), "?", chain_id)
        connection.close()
        print_rows(read, floor, voelspriet(app))

    if args.postgresql:
        import psycopg

        from lifecycle.config import normalise_database_url

        print(f"\nPostgreSQL ({args.postgresql}), {args.records} records")
        with tempfile.TemporaryDirectory() as name:
            app, chain_id = build(normalise_database_url(args.postgresql), args.records,
                                  Path(name))
        with psycopg.connect(args.postgresql) as connection:
            # A named cursor is a server-side one: rows arrive in batches, not all at once.
            with connection.cursor(name="read") as cursor:
                read = read_floor(cursor, "%s", chain_id)
            with connection.cursor(name="floor") as cursor:
                floor = raw_floor(cursor, "%s", chain_id)
        print_rows(read, floor, voelspriet(app))


if __name__ == "__main__":
    main()
