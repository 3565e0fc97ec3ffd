"""Alembic environment for vaxel's packaged migrations.

Run programmatically by ``Database.upgrade()`` (which hands over its connection), or by a
developer: ``alembic -c src/vaxel/storage/migrations/alembic.ini revision --autogenerate -m ...``
with ``VAXEL_DATABASE_URL`` set.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine

from vaxel.storage.models import Base, TzDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations must not import vaxel: render our column types as plain SQLAlchemy ones.
    if type_ == "type" and isinstance(obj, TzDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("VAXEL_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set VAXEL_DATABASE_URL to the database to migrate")
    engine = create_engine(url)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_item=render_item,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
