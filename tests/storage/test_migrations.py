"""The schema comes from the packaged migrations, and the models do not drift from them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from vaxel.storage import Database, note_change
from vaxel.storage.models import Base

HEAD = "0005"


def test_upgrade_from_empty_creates_every_table(empty_db: Database) -> None:
    assert empty_db.current_revision() is None
    empty_db.upgrade()
    assert empty_db.current_revision() == HEAD == empty_db.head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(db: Database) -> None:
    db.upgrade()
    assert db.current_revision() == HEAD


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
    assert empty_db.current_revision() == HEAD
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


def test_a_0002_database_upgrades_to_the_head(empty_db: Database) -> None:
    """Mailboxes get no PIN (the application imports pins.json); nobody is signed in yet."""
    empty_db.upgrade("0002")
    seed_0002(empty_db)
    empty_db.upgrade()
    assert empty_db.current_revision() == HEAD
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


# --- 0004: the deciding log-in ---------------------------------------------------------------

T1, T2, T3 = "2026-01-05 09:00:00", "2026-01-06 09:00:00", "2026-01-07 09:00:00"
PERIOD = "'2026-02-01 00:00:00', '2026-03-01 00:00:00'"


def seed_0003(db: Database) -> None:
    """Decisions as 0003 stored them: Karin decided on the web (the audit names her log-in),
    Ola off the web (the demo), and one entry whose actor is a log-in of somebody else."""
    seed_0002(db)
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO people (id, name, email, unit_id, kind, title, keywords, note) "
            "VALUES (2, 'Karin Ek', 'karin@ekby.se', 1, 'anställd', '', '[]', '')",
            "INSERT INTO people (id, name, email, unit_id, kind, title, keywords, note) "
            "VALUES (3, 'Ola Berg', 'ola@ekby.se', 1, 'anställd', '', '[]', '')",
            "INSERT INTO web_users (id, username, password_hash, role, person_id, failed_logins, "
            f"created_at) VALUES (1, 'karin', 'x', 'chef', 2, 0, '{T1}')",
            "INSERT INTO web_users (id, username, password_hash, role, person_id, failed_logins, "
            f"created_at) VALUES (2, 'admin', 'x', 'admin', NULL, 0, '{T1}')",
            "INSERT INTO barring_exceptions (id, person_id, kind, decided_by_id, reason, "
            f"valid_from, valid_to, decided_at) VALUES (1, 1, 'after_hours', 2, 'Jour', {PERIOD},"
            f" '{T1}')",
            "INSERT INTO barring_exceptions (id, person_id, kind, decided_by_id, reason, "
            f"valid_from, valid_to, decided_at) VALUES (2, 1, 'private_use', 3, 'Resa', {PERIOD},"
            f" '{T2}')",
            "INSERT INTO barring_exceptions (id, person_id, kind, decided_by_id, reason, "
            f"valid_from, valid_to, decided_at) VALUES (3, 1, 'after_hours', 2, 'Jour', {PERIOD},"
            f" '{T3}')",
            "INSERT INTO barring_exception_requests (id, person_id, kind, reason, wanted_from, "
            "wanted_to, requested_at, requested_by, status, decided_by_id, decided_at, "
            f"decision_reason, exception_id) VALUES (1, 1, 'after_hours', 'Jour', {PERIOD}, "
            f"'{T1}', 'anna', 'approved', 2, '{T1}', '', 1)",
            "INSERT INTO barring_exception_requests (id, person_id, kind, reason, wanted_from, "
            "wanted_to, requested_at, requested_by, status, decided_by_id, decided_at, "
            f"decision_reason) VALUES (2, 1, 'private_use', 'Hem', {PERIOD}, '{T1}', 'anna', "
            f"'denied', 2, '{T2}', 'nej')",
            "INSERT INTO barring_exception_requests (id, person_id, kind, reason, wanted_from, "
            f"wanted_to, requested_at, requested_by, status, decision_reason) VALUES (3, 2, "
            f"'after_hours', 'Kris', {PERIOD}, '{T2}', 'karin', 'pending', '')",
        ):
            connection.execute(text(statement))
        for at, actor, action, detail in (
            (T1, "karin", "barring.exception", "after_hours by person:2 2026-02-01–…"),
            (T1, "karin", "barring.request.approved", "request:1 by person:2"),
            (T2, "karin", "barring.request.denied", "request:2 by person:2: nej"),
            (T2, "demo", "barring.exception", "private_use by person:3 2026-02-01–…"),
            (T3, "admin", "barring.exception", "after_hours by person:2 2026-02-01–…"),
        ):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, channel, action, subject, detail) "
                    "VALUES (:at, :actor, 'web', :action, 'person:1', :detail)"
                ),
                {"at": at, "actor": actor, "action": action, "detail": detail},
            )


def deciders(db: Database, table: str) -> dict[int, tuple[object, ...]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT id, decided_by_id, decided_by_user_id FROM {table} ORDER BY id")
        )
        return {int(r[0]): (r[1], r[2]) for r in rows}


def exception_links(db: Database) -> list[tuple[int, int | None]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, exception_id FROM barring_exception_requests ORDER BY id")
        )
        return [(int(r[0]), r[1]) for r in rows]


def test_a_0003_database_upgrades_to_0004_with_the_log_ins_the_audit_names(
    empty_db: Database,
) -> None:
    """Web decisions get the log-in that the audit log names as actor (if it is the deciding
    person's); off-web ones keep none; approved requests still point to their exceptions (on
    SQLite the table copy would set the links to NULL)."""
    empty_db.upgrade("0003")
    seed_0003(empty_db)
    empty_db.upgrade()
    assert empty_db.current_revision() == HEAD
    assert deciders(empty_db, "barring_exceptions") == {1: (2, 1), 2: (3, None), 3: (2, None)}
    requests = deciders(empty_db, "barring_exception_requests")
    assert requests == {1: (2, 1), 2: (2, 1), 3: (None, None)}
    assert exception_links(empty_db) == [(1, 1), (2, None), (3, None)]
    assert kept(empty_db) == (1, 1, 1)
    checks = {
        c["name"] for c in inspect(empty_db.engine).get_check_constraints("barring_exceptions")
    }
    assert checks == {"ck_barring_exceptions_period", "ck_barring_exceptions_has_decider"}
    with empty_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_decision_names_a_person_or_a_log_in(db: Database) -> None:
    seed_0003(db)
    with db.engine.begin() as connection:  # an administrator's log-in with no person
        connection.execute(text(
            "INSERT INTO barring_exceptions (id, person_id, kind, decided_by_id, "
            "decided_by_user_id, reason, valid_from, valid_to, decided_at) "
            f"VALUES (4, 2, 'after_hours', NULL, 2, 'Kris', {PERIOD}, '{T3}')"
        ))  # fmt: skip
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO barring_exceptions (id, person_id, kind, decided_by_id, "
            "decided_by_user_id, reason, valid_from, valid_to, decided_at) "
            f"VALUES (5, 2, 'after_hours', NULL, NULL, 'Kris', {PERIOD}, '{T3}')"
        ))  # fmt: skip


def test_0004_downgrades_only_when_every_exception_has_a_person(db: Database) -> None:
    """An exception that an administrator's log-in with no person decided cannot be stored in
    0003: the downgrade stops and changes nothing, until the log-in is linked to a person."""
    seed_0003(db)
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO barring_exceptions (id, person_id, kind, decided_by_id, "
            "decided_by_user_id, reason, valid_from, valid_to, decided_at) "
            f"VALUES (4, 2, 'after_hours', NULL, 2, 'Kris', {PERIOD}, '{T3}')"
        ))  # fmt: skip
        connection.execute(text(
            "UPDATE barring_exception_requests SET status = 'approved', decided_by_id = NULL, "
            f"decided_by_user_id = 2, decided_at = '{T3}', exception_id = 4 WHERE id = 3"
        ))  # fmt: skip
    with pytest.raises(RuntimeError, match=r"exceptions 4 \(by the log-in admin\)"):
        downgrade(db, "0003")
    assert db.current_revision() == HEAD
    assert deciders(db, "barring_exceptions")[4] == (None, 2)

    with db.engine.begin() as connection:  # Administration → Inloggningar: admin is Ola
        connection.execute(text("UPDATE web_users SET person_id = 3 WHERE id = 2"))
    downgrade(db, "0003")
    assert db.current_revision() == "0003"
    assert "decided_by_user_id" not in {
        c["name"] for c in inspect(db.engine).get_columns("barring_exceptions")
    }
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, decided_by_id FROM barring_exceptions"))
        assert dict(rows.all()) == {1: 2, 2: 3, 3: 2, 4: 3}
        decided = connection.execute(
            text("SELECT decided_by_id FROM barring_exception_requests WHERE id = 3")
        )
        assert decided.scalar_one() == 3
    assert exception_links(db) == [(1, 1), (2, None), (3, 4)]
    assert kept(db) == (1, 1, 1)
    db.upgrade()  # and back up again: the log-ins come back from the audit where it names them
    assert deciders(db, "barring_exceptions") == {
        1: (2, 1), 2: (3, None), 3: (2, None), 4: (3, None)
    }  # fmt: skip
    assert exception_links(db) == [(1, 1), (2, None), (3, 4)]


# --- 0005: the change log --------------------------------------------------------------------


def test_0005_adds_an_empty_change_log_and_its_downgrade_removes_only_that(
    empty_db: Database,
) -> None:
    empty_db.upgrade("0004")
    seed_0002(empty_db)
    empty_db.upgrade()
    assert empty_db.current_revision() == HEAD
    with empty_db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM change_log")).scalar_one() == 0
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    downgrade(empty_db, "0004")
    assert empty_db.current_revision() == "0004"
    assert "change_log" not in set(inspect(empty_db.engine).get_table_names())
    assert kept(empty_db) == (1, 1, 1)
    empty_db.upgrade()
    assert "change_log" in set(inspect(empty_db.engine).get_table_names())


def test_an_upgrade_makes_a_missing_change_log_again(db: Database) -> None:
    """A downgrade that stopped half-way on SQLite (0005's DROP is committed at once) leaves
    the revision at 0005 without its table: the next upgrade makes it again, and a commit
    that publishes changes works meanwhile (unlogged)."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE change_log"))
    seed_0002(db)
    fresh = Database(db.url)
    try:
        with fresh.session() as s:
            note_change(s, "person", 1)
    finally:
        fresh.dispose()
    db.upgrade()
    assert db.current_revision() == HEAD
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM change_log")).scalar_one() == 0
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    with db.session() as s:
        note_change(s, "person", 1)
    with db.engine.connect() as connection:
        kinds = connection.execute(text("SELECT kind FROM change_log")).scalars().all()
    assert kinds == ["person"]
