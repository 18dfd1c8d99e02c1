"""Database engine settings that differ between SQLite and PostgreSQL.

SQLite gets WAL, foreign keys, a busy timeout, and `BEGIN IMMEDIATE` for write transactions:
with a plain deferred `BEGIN`, a transaction that reads before it writes fails at once with
"database is locked" when another writer is active, and the busy timeout does not help.
Read-only requests keep a deferred `BEGIN`, so readers never queue behind writers.

`synchronous` is FULL by default: in WAL mode, NORMAL can lose the last committed transactions
on a power cut, and the audit trail must not lose a committed record. `SQLITE_SYNCHRONOUS=NORMAL`
trades that for speed (see the README's configuration and `bench/transitions.py`).
"""
from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Set by `lifecycle.services.uow.write_transaction` for the duration of a write.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_SYNCHRONOUS_LEVELS = ("FULL", "NORMAL", "EXTRA")


def configure_engine(engine: Engine, *, synchronous: str = "FULL") -> None:
    """Install the per-dialect connection hooks on `engine` (idempotent per engine)."""
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ValueError(f"SQLITE_SYNCHRONOUS: give one of {', '.join(SQLITE_SYNCHRONOUS_LEVELS)}, "
                         f"not {synchronous!r}")
    if engine.dialect.name != "sqlite" or getattr(engine, "_voelspriet_configured", False):
        return
    engine._voelspriet_configured = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from the sqlite3 module so we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
