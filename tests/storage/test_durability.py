"""What a commit survives: SQLite settings that keep committed data through a power cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from vaxel.storage import Database
from vaxel.storage.errors import BadDatabaseUrl, DatabaseUnavailable


def test_sqlite_is_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'vaxel.db'}")
    try:
        with db.engine.connect() as connection:
            pragma = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys")
            }
    finally:
        db.dispose()
    # synchronous 2 is FULL: in WAL mode NORMAL (1) may lose the last commits on power loss.
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def test_a_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'vaxel.db'}")
    db.upgrade()
    with pytest.raises(RuntimeError), db.session() as s:
        s.execute(text("INSERT INTO units (name, kind) VALUES ('Testby kommun', 'kommun')"))
        raise RuntimeError("crash before commit")
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM units")).scalar() == 0
    db.dispose()


def test_unusable_urls_and_folders_are_named(tmp_path: Path) -> None:
    with pytest.raises(BadDatabaseUrl, match="cannot read"):
        Database("::")
    with pytest.raises(BadDatabaseUrl, match="cannot read") as info:
        Database("postgresql+psycopg://vaxel:s3cret@db:port/vaxel")
    assert "s3cret" not in str(info.value)
    with pytest.raises(BadDatabaseUrl, match="no driver for 'oracle'"):
        Database("oracle://scott:tiger@db/orcl")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DatabaseUnavailable, match="cannot create the data directory"):
        Database(f"sqlite:///{blocker / 'data' / 'vaxel.db'}")
