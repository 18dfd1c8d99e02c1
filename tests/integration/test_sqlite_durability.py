"""The embedded database keeps every committed transaction: synchronous=FULL unless told."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from lifecycle.database import configure_engine
from lifecycle.extensions import db


def synchronous_of(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_the_app_runs_sqlite_with_synchronous_full(app, db_backend):
    if db_backend != "sqlite":
        pytest.skip("a SQLite setting")
    assert app.config["SQLITE_SYNCHRONOUS"] == "FULL"
    assert synchronous_of(db.engine) == 2  # FULL
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_normal_is_a_choice_and_a_wrong_level_is_refused(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'normal.sqlite3'}")
    configure_engine(engine, synchronous="NORMAL")
    assert synchronous_of(engine) == 1
    engine.dispose()
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        configure_engine(create_engine("sqlite://"), synchronous="OFF")
