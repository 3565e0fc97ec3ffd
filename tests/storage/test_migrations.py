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
    assert empty_db.current_revision() == "0003" == empty_db.head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(db: Database) -> None:
    db.upgrade()
    assert db.current_revision() == "0003"


def test_models_match_migrations(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_0001_database_with_people_upgrades_to_the_head(empty_db: Database) -> None:
    """People stored before 0002 get an empty note; the request table starts empty."""
    empty_db.upgrade("0001")
    with empty_db.engine.begin() as connection:
        connection.execute(text("INSERT INTO units (id, name, kind) VALUES (1, 'Ekby', 'kommun')"))
        connection.execute(text(
            "INSERT INTO people (id, name, email, unit_id, kind, title, keywords) "
            "VALUES (1, 'Anna Öberg', 'anna@ekby.se', 1, 'anställd', '', '[]')"
        ))  # fmt: skip
    empty_db.upgrade()
    assert empty_db.current_revision() == "0003"
    with empty_db.engine.connect() as connection:
        assert connection.execute(text("SELECT note FROM people")).scalar_one() == ""
        count = connection.execute(text("SELECT count(*) FROM barring_exception_requests"))
        assert count.scalar_one() == 0
    with empty_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    from vaxel.storage.db import alembic_config

    with db.engine.begin() as connection:
        config = alembic_config(db.url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_0002_downgrades_to_0001(db: Database) -> None:
    downgrade(db, "0001")
    assert db.current_revision() == "0001"
    tables = set(inspect(db.engine).get_table_names())
    assert "barring_exception_requests" not in tables
    assert "note" not in {c["name"] for c in inspect(db.engine).get_columns("people")}


def seed_0002(db: Database) -> None:
    """A person with a number, a mailbox and a message, as a 0002 database holds them."""
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO units (id, name, kind) VALUES (1, 'Ekby', 'kommun')",
            "INSERT INTO people (id, name, email, unit_id, kind, title, keywords, note) "
            "VALUES (1, 'Anna Öberg', 'anna@ekby.se', 1, 'anställd', '', '[]', '')",
            "INSERT INTO number_assignments (id, e164, kind, person_id, label, extension, "
            "valid_from) VALUES (1, '+46101304100', 'extension', 1, '', '4100', "
            "'2026-01-01 00:00:00')",
            "INSERT INTO mailboxes (id, extension, person_id, greeting, greeting_path) "
            "VALUES (1, '4100', 1, 'default', '')",
            "INSERT INTO voicemail_messages (id, mailbox_id, caller_number, received_at, "
            "duration_s, path, heard) VALUES (1, 1, '+46701234567', '2026-01-02 09:00:00', "
            "5.0, 'vm/1.wav', false)",
        ):
            connection.execute(text(statement))


def kept(db: Database) -> tuple[object, ...]:
    with db.engine.connect() as connection:
        return (
            connection.execute(text("SELECT person_id FROM mailboxes")).scalar_one(),
            connection.execute(text("SELECT count(*) FROM voicemail_messages")).scalar_one(),
            connection.execute(text("SELECT count(*) FROM number_assignments")).scalar_one(),
        )


def test_a_0002_database_upgrades_to_0003(empty_db: Database) -> None:
    """Mailboxes get no PIN (the application imports pins.json); nobody is signed in yet."""
    empty_db.upgrade("0002")
    seed_0002(empty_db)
    empty_db.upgrade()
    assert empty_db.current_revision() == "0003"
    with empty_db.engine.connect() as connection:
        assert connection.execute(text("SELECT pin_hash FROM mailboxes")).scalar_one() is None
        count = connection.execute(text("SELECT count(*) FROM queue_sign_ins"))
        assert count.scalar_one() == 0
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert kept(empty_db) == (1, 1, 1)


def test_downgrades_lose_nothing_but_what_the_revision_added(empty_db: Database) -> None:
    """On SQLite a table copy of mailboxes or people would delete and cascade: messages,
    numbers and the mailbox's owner must survive both downgrades."""
    empty_db.upgrade("0002")
    seed_0002(empty_db)
    empty_db.upgrade()
    with empty_db.engine.begin() as connection:
        connection.execute(text("UPDATE mailboxes SET pin_hash = '$argon2id$x'"))
    downgrade(empty_db, "0002")
    assert empty_db.current_revision() == "0002"
    assert "queue_sign_ins" not in set(inspect(empty_db.engine).get_table_names())
    columns = {c["name"] for c in inspect(empty_db.engine).get_columns("mailboxes")}
    assert "pin_hash" not in columns
    assert kept(empty_db) == (1, 1, 1)
    downgrade(empty_db, "0001")
    assert kept(empty_db) == (1, 1, 1)
    empty_db.upgrade()  # and back up again
    assert kept(empty_db) == (1, 1, 1)
