"""The store: migrations build what the models describe, and the database keeps enums honest."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from listening.extensions import db
from listening.models import ListeningSession, SessionStatus


@pytest.mark.both_stores
def test_the_migrations_build_exactly_the_tables_the_models_describe(app):
    with app.app_context(), db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []


def test_a_session_status_or_turn_outcome_the_app_does_not_know_is_refused_by_the_database(
    started, tmp_path
):
    with sqlite3.connect(tmp_path / "listening.sqlite") as con:
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("UPDATE sessions SET status = 'paused'")
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(
                "INSERT INTO turns (room_id, participant_id, round, outcome, ended_at)"
                " VALUES (1, 1, 1, 'interrupted', '2026-11-27')"
            )


def test_status_reads_back_as_the_enum(started):
    with started.db():
        session = db.session.scalars(db.select(ListeningSession)).one()
        assert session.status is SessionStatus.RUNNING


@pytest.mark.both_stores
def test_every_migration_can_be_undone_and_done_again(app):
    from flask_migrate import downgrade, upgrade

    directory = app.extensions["migrate"].directory
    with app.app_context():
        downgrade(directory=directory, revision="base")
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
            if connection.dialect.name == "postgresql":
                unlogged = connection.exec_driver_sql(
                    "SELECT relname FROM pg_class WHERE relpersistence = 'u' AND relkind = 'r'"
                ).scalars()
                assert list(unlogged) == ["names"], "names, and only names, skip the log"
