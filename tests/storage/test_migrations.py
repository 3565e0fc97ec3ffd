"""The schema comes from the packaged migrations, and the models do not drift from them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from vaxel.storage import Database
from vaxel.storage.models import Base


def test_upgrade_from_empty_creates_every_table(empty_db: Database) -> None:
    assert empty_db.current_revision() is None
    empty_db.upgrade()
    assert empty_db.current_revision() == "0001"
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(db: Database) -> None:
    db.upgrade()
    assert db.current_revision() == "0001"


def test_models_match_migrations(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
