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
