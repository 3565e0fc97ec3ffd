"""The schema comes from the packaged migrations, and the models do not drift from them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from vaxel.storage import Database
from vaxel.storage.models import Base


def test_upgrade_from_empty_creates_every_table(empty_db: Database) -> None:
    assert empty_db.current_revision() is None
    empty_db.upgrade()
    assert empty_db.current_revision() == "0002" == empty_db.head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(db: Database) -> None:
    db.upgrade()
    assert db.current_revision() == "0002"


def test_models_match_migrations(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_0001_database_with_people_upgrades_to_0002(empty_db: Database) -> None:
    """People stored before 0002 get an empty note; the request table starts empty."""
    empty_db.upgrade("0001")
    with empty_db.engine.begin() as connection:
        connection.execute(text("INSERT INTO units (id, name, kind) VALUES (1, 'Ekby', 'kommun')"))
        connection.execute(text(
            "INSERT INTO people (id, name, email, unit_id, kind, title, keywords) "
            "VALUES (1, 'Anna Öberg', 'anna@ekby.se', 1, 'anställd', '', '[]')"
        ))  # fmt: skip
    empty_db.upgrade()
    assert empty_db.current_revision() == "0002"
    with empty_db.engine.connect() as connection:
        assert connection.execute(text("SELECT note FROM people")).scalar_one() == ""
        count = connection.execute(text("SELECT count(*) FROM barring_exception_requests"))
        assert count.scalar_one() == 0
    with empty_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_0002_downgrades_to_0001(db: Database) -> None:
    from alembic import command

    from vaxel.storage.db import alembic_config

    with db.engine.begin() as connection:
        config = alembic_config(db.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert db.current_revision() == "0001"
    tables = set(inspect(db.engine).get_table_names())
    assert "barring_exception_requests" not in tables
    assert "note" not in {c["name"] for c in inspect(db.engine).get_columns("people")}
