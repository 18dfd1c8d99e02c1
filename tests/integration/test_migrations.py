"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lifecycle.extensions import db


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_the_audit_table_guards_are_installed_by_the_migrations(app):
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
            assert {"audit_record_no_update", "audit_record_no_delete"} <= set(names)
        else:
            names = connection.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars().all()
            assert "audit_record_no_update_or_delete" in names


def _processing_log_shape() -> tuple[set[str], set[str]]:
    """The processing log's columns, and its triggers (the append-only guard)."""
    from sqlalchemy import inspect

    with db.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("processing_log")}
        if connection.dialect.name == "sqlite":
            triggers = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'processing_log'").scalars().all()
        else:
            triggers = connection.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = 'processing_log'::regclass").scalars().all()
    return columns, set(triggers)


def test_the_processing_log_actor_migration_goes_down_and_up_keeping_lines_and_guard(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from lifecycle.models import utcnow

    columns, guard = _processing_log_shape()
    assert "actor_id" in columns and guard
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO processing_log (trace_id, span_id, name, operation, activity, "
            "subject_ref, municipality_id, actor_id, started_at, ended_at, status) VALUES "
            "('t', 's', 'member.read', 'read', 'composition', 'ref', 1, 7, :at, :at, 'ok')"),
            {"at": utcnow()})

    downgrade(revision="0006")
    try:
        columns, triggers = _processing_log_shape()
        assert "actor_id" not in columns and triggers == guard
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT name FROM processing_log").scalars().all() == ["member.read"]
    finally:
        upgrade()

    columns, triggers = _processing_log_shape()
    assert "actor_id" in columns and triggers == guard
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT actor_id FROM processing_log").scalars().all() == [None]
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
