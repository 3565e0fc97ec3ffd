"""The database: engine, sessions, migrations and the feed of committed changes."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from vaxel.storage.errors import BadDatabaseUrl, DatabaseUnavailable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PENDING = "vaxel_changes"


@dataclass(frozen=True, slots=True)
class Change:
    """Something was committed: ``kind`` names the aggregate ("person", "absence", "number",
    "unit", "sip_account", "registration", "callback", "mailbox", "barring", "policy", "user",
    "queue_sign_in"), ``id`` its key (a person id for "absence" and "queue_sign_in")."""

    kind: str
    id: int | str


Listener = Callable[[Change], None]


class ChangeFeed:
    """In-process publish/subscribe of committed changes.

    Listeners are called in the thread that committed, after the commit, so what they read
    is already visible. A listener in an event loop should hand over with
    ``loop.call_soon_threadsafe``. A listener that raises is logged, never the writer's problem.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every committed change; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: list[Change]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for change in changes:
            for listener in listeners:
                try:
                    listener(change)
                except Exception:
                    log.exception("change listener failed on %s", change)


def note_change(session: Session, kind: str, id: int | str) -> None:
    """Remember a change; it is published when (and only if) the session commits."""
    pending: dict[Change, None] = session.info.setdefault(_PENDING, {})  # ordered, unique
    pending[Change(kind, id)] = None


class Database:
    """One database (SQLite file or PostgreSQL), its sessions and its change feed.

    ``with db.session() as s:`` opens a transaction that commits at the end of the block (or
    rolls back on an exception); repositories take that session.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
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
        self.changes = ChangeFeed()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
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
        self.engine.dispose()

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


def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)
