"""The database: engine, sessions, migrations and the feed of committed changes.

What a commit changed is published on ``Database.changes`` in this process (`storage.feed`)
and written to the change log for the other processes on the same database, whose followers
publish it on their feeds (`storage.change_log`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from vaxel.storage import change_log
from vaxel.storage.change_log import ChangeFollower, FollowSettings
from vaxel.storage.errors import BadDatabaseUrl, DatabaseUnavailable
from vaxel.storage.feed import Change, ChangeFeed, Listener
from vaxel.storage.models import ChangeLogRow, core

__all__ = [
    "Change",
    "ChangeFeed",
    "Database",
    "FollowSettings",
    "Listener",
    "alembic_config",
    "database_url",
    "note_change",
]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PENDING = "vaxel_changes"
_WARN_EVERY_S = 60.0  # a change log that cannot be written: warn this often at most


def note_change(session: Session, kind: str, id: int | str) -> None:
    """Remember a change; it is published when (and only if) the session commits."""
    pending: dict[Change, None] = session.info.setdefault(_PENDING, {})  # ordered, unique
    pending[Change(kind, id)] = None


class Database:
    """One database (SQLite file or PostgreSQL), its sessions and its change feed.

    ``with db.session() as s:`` opens a transaction that commits at the end of the block (or
    rolls back on an exception); repositories take that session.

    ``changes`` carries this process's commits and, while anybody listens, the other
    processes' too: a follower thread reads them from the change log (``follow`` says how;
    None: this process's only). ``dispose()`` stops it.
    """

    def __init__(
        self, url: str, *, echo: bool = False, follow: FollowSettings | None = FollowSettings()
    ) -> None:
        parsed = database_url(url)
        self.url = parsed.render_as_string(hide_password=False)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                folder = Path(database).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"cannot create the data directory {folder}: {exc.strerror or exc}"
                    ) from None
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (ImportError, NoSuchModuleError) as exc:
            raise BadDatabaseUrl(
                f"{parsed.render_as_string(hide_password=True)}: no driver for "
                f"{parsed.drivername!r} ({exc}); use sqlite:///FILE or "
                "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
            ) from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # Bulk inserts without RETURNING as multi-row INSERTs too, not one row per statement.
            self.engine.dialect.use_insertmanyvalues_wo_returning = True
        # An in-memory SQLite database is private to this process: nobody to tell, nobody to hear.
        self.shared = self.dialect != "sqlite" or not _in_memory(parsed)
        self.origin = change_log.new_origin()  # how this Database's rows in the log are known
        self.follow = follow if self.shared else None
        self.follower: ChangeFollower | None = None
        self._follow_lock = threading.Lock()
        self._has_change_log: bool | None = None  # not yet known
        self._warned_no_log_at: float | None = None  # time.monotonic() of the last warning
        self.changes = ChangeFeed(on_demand=self._on_demand)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_commit", self._before_commit)
        event.listen(self._sessions, "after_commit", self._after_commit)
        event.listen(self._sessions, "after_rollback", _forget_changes)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end, rolled back on an error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with the packaged Alembic migrations."""
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if revision == "head":
                # A downgrade from 0005 that stopped half-way on SQLite (whose DDL is committed
                # at once) can leave the revision at 0005 without its table; make it again.
                core(ChangeLogRow).create(connection, checkfirst=True)
        self._has_change_log = None  # ask again

    def head_revision(self) -> str | None:
        """The newest revision the packaged migrations know."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()

    def is_current(self) -> bool:
        """Whether the schema is at the newest revision."""
        return self.current_revision() == self.head_revision()

    def current_revision(self) -> str | None:
        from alembic.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def dispose(self) -> None:
        """Stop following the other processes, then close every pooled connection."""
        with self._follow_lock:
            follower, self.follower = self.follower, None
        if follower is not None:
            follower.stop(timeout=5.0)
        self.engine.dispose()

    def _on_demand(self, wanted: bool) -> None:
        """The feed's first listener came (follow the others) or its last one left (stop)."""
        if self.follow is None:
            return
        with self._follow_lock:
            if wanted and (self.follower is None or not self.follower.running):
                self.follower = ChangeFollower(self.engine, self.origin, self.changes, self.follow)
                self.follower.start()
            elif not wanted and self.follower is not None:
                self.follower.stop()  # does not wait: this may be an event loop's thread
                self.follower = None

    def _before_commit(self, session: Session) -> None:
        """Log what the transaction changed, in it, for the other processes."""
        pending: dict[Change, None] = session.info.get(_PENDING, {})
        if not pending or not self.shared:
            return
        session.flush()  # first: the log's lock (PostgreSQL) is then held only to the commit
        if self._has_change_log is None:
            self._has_change_log = inspect(session.connection()).has_table(change_log.TABLE)
            if not self._has_change_log:
                self._warn_no_log(f"no {change_log.TABLE} table (schema not upgraded?)")
        if not self._has_change_log:
            return
        # In a savepoint: a log that cannot be written (its table dropped while running) costs
        # only the others' news, never the user's transaction (a hänvisning, a sign-in).
        # (The connection's savepoint, not the session's: that would run this hook again.)
        try:
            with session.connection().begin_nested():
                change_log.write(session, pending, self.origin, datetime.now(UTC))
        except DBAPIError as error:
            self._has_change_log = None  # ask again at the next commit
            self._warn_no_log(f"cannot write the {change_log.TABLE} table ({error.orig or error})")

    def _warn_no_log(self, why: str) -> None:
        """Warn that the others will not hear of this commit: once a minute at most."""
        now = time.monotonic()
        if self._warned_no_log_at is not None and now - self._warned_no_log_at < _WARN_EVERY_S:
            return
        self._warned_no_log_at = now
        log.warning("%s: other processes will not hear of this process's changes", why)

    def _after_commit(self, session: Session) -> None:
        changes: dict[Change, None] = session.info.pop(_PENDING, {})
        if changes:
            self.changes.publish(list(changes))


def database_url(url: str) -> URL:
    """The URL parsed, with PostgreSQL's driver made explicit (psycopg 3, the one we ship).

    ``postgres://`` and ``postgresql://`` are what most people write and what hosting services
    hand out; SQLAlchemy would look for psycopg2 there, which vaxel does not depend on.
    """
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)  # never echo a password
        raise BadDatabaseUrl(
            f"cannot read {shown!r} as a database URL; use sqlite:///FILE or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def alembic_config(url: str) -> Any:
    """An Alembic Config for the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# What a committed transaction survives. In WAL mode NORMAL survives the process crashing, but
# a power cut or kernel panic can undo the last transactions before the next checkpoint: a
# callback, a hänvisning or an imported person that the user was told was saved. FULL syncs the
# WAL at every commit (a few milliseconds on an SSD), so what is committed stays committed.
SQLITE_SYNCHRONOUS = "FULL"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web read while the switch writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.close()


def _in_memory(url: URL) -> bool:
    database = url.database or ""
    return (
        database in ("", ":memory:")
        or "mode=memory" in database
        or (url.query.get("mode") == "memory")
    )


def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)
