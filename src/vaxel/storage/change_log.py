"""The change log: committed changes carried to the other processes on the same database.

The change feed (`storage.feed`) is in-process: a hänvisning set with ``vaxel absence set``
from the CLI, a people import, or a second node on the same PostgreSQL never reached the
running server's feed. So every commit that publishes changes also writes them, in the same
transaction, to the table ``change_log`` (`write`), and a follower in every process with
listeners (`ChangeFollower`, one daemon thread) reads what the other processes wrote and
publishes it on the local feed. Its own rows it skips: the committing thread published them
already.

Order. The follower reads ``seq > last_seen``, so a row must never become visible after a row
with a higher ``seq`` has been read. On SQLite one writer at a time holds the database from its
first write to its commit, so that holds by itself. On PostgreSQL a transaction that drew a
number could commit after one that drew a later number; so writers take a transaction-level
advisory lock just before they insert (after everything else in the transaction is flushed),
which makes the numbers follow the commits. The lock is held from the insert to the commit,
a few milliseconds, and only the commits that publish changes take it.

Waking up. The follower reads the log every `FollowSettings.poll_s` (one query on the primary
key). On PostgreSQL the writers also ``pg_notify`` (delivered at commit), and the follower
LISTENs on a connection of its own, so a change from another node is read at once; polling
alone still works if LISTEN cannot.

Bounded. The followers prune what is older than `FollowSettings.retention_s`: when one starts,
by time (one scan), then by ``seq`` (a range of the primary key), every `prune_every_s`.

Failures. A read that fails is logged and retried after a back-off that doubles up to
`max_backoff_s`; the follower never stops on an error, and never takes the process down.
A follower that cannot read for longer than the retention (or a process that starts a new
follower) can miss changes. The switch's routing targets (`switch.targets`, every
``refresh_every_s``) and its SIP account directory (`switch.directory`, every
``reload_every_s``) reload in full periodically, so a missed change is picked up within that
interval; they are the safety net.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.orm import Session

from vaxel.storage.feed import Change, ChangeFeed
from vaxel.storage.models import ChangeLogRow, core

log = logging.getLogger(__name__)

TABLE = "change_log"
CHANNEL = "vaxel_change_log"  # PostgreSQL NOTIFY channel; the payload is the writer's origin
_LOG_LOCK = 0x7661786C  # "vaxl": PostgreSQL advisory lock that orders the log with the commits
_LOG = core(ChangeLogRow)
_INSERT_ARRAYS = text(
    f"INSERT INTO {TABLE} (kind, item_id, item_key, at, origin) "
    "SELECT k, i, t, :at, :origin FROM unnest("
    "CAST(:kinds AS VARCHAR(40)[]), CAST(:ids AS BIGINT[]), CAST(:keys AS TEXT[])) AS u(k, i, t)"
)
# After a wake-up, the least time between two reads: a burst of notifications from a busy
# node is one read, not one each.
_MIN_GAP_S = 0.05
LISTEN_RETRY_S = 30.0  # after LISTEN failed, poll only for this long before trying again


@dataclass(frozen=True, slots=True)
class FollowSettings:
    """How a process follows the others' changes."""

    poll_s: float = 0.5  # read the log this often (PostgreSQL: sooner when notified)
    catch_up_s: float = 5.0  # at start, deliver what others committed this recently too
    retention_s: float = 300.0  # prune rows older than this
    prune_every_s: float = 60.0
    max_backoff_s: float = 10.0  # after errors, retry at most this far apart
    batch: int = 1000  # rows per read
    listen: bool = True  # PostgreSQL: LISTEN for an immediate wake-up


def new_origin() -> str:
    """A name for one writer (one Database): host, process and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def write(session: Session, changes: Iterable[Change], origin: str, at: datetime) -> None:
    """Log ``changes`` in the session's transaction (call it last, just before the commit)."""
    kinds: list[str] = []
    ids: list[int | None] = []  # Change.id when it is a number (most are)
    keys: list[str | None] = []  # … or when it is text (a number's E.164)
    for change in changes:
        kinds.append(change.kind)
        ids.append(change.id if isinstance(change.id, int) else None)
        keys.append(None if isinstance(change.id, int) else change.id)
    if not kinds:
        return
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: the lock that orders the log, and the wake-up (sent at the commit).
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key), pg_notify(:channel, :origin)"),
            {"key": _LOG_LOCK, "channel": CHANNEL, "origin": origin},
        )
        # Arrays, not a row of parameters per change: a thousand registrations in one batch
        # are five parameters, not five thousand for the driver to take apart.
        arrays = {"kinds": kinds, "ids": ids, "keys": keys, "at": at, "origin": origin}
        session.execute(_INSERT_ARRAYS, arrays)
        return
    rows = [
        {"kind": kind, "item_id": id_, "item_key": key, "at": at, "origin": origin}
        for kind, id_, key in zip(kinds, ids, keys, strict=True)
    ]
    session.execute(insert(_LOG), rows if len(rows) > 1 else rows[0])


def _change_of(row: Any) -> Change:
    return Change(row.kind, row.item_id if row.item_id is not None else (row.item_key or ""))


class ChangeFollower:
    """Reads what other processes logged and publishes it on this process's feed.

    ``start()`` runs it in a daemon thread; ``stop()`` ends it (``Database.dispose()`` does,
    and waits). A Database thrown away without ``dispose()`` keeps its follower reading (the
    feed and the session events hold it alive); being a daemon, the thread never keeps the
    process from exiting.
    """

    def __init__(
        self, engine: Engine, origin: str, feed: ChangeFeed, settings: FollowSettings
    ) -> None:
        self.engine = engine
        self.origin = origin
        self.settings = settings
        self.last_seen: int | None = None  # the highest seq read (None: not started yet)
        self.delivered = 0  # changes of others published
        self.failures = 0  # reads that failed
        self.ready = threading.Event()  # the starting point is known
        self._feed = feed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._checkpoints: deque[tuple[float, int]] = deque()  # (monotonic, last_seen)
        self._next_prune = 0.0
        self._pruned_by_time = False
        # PostgreSQL: (a pooled connection, detached; its psycopg connection, LISTENing)
        self._listening: tuple[Any, Any] | None = None
        self._listen_again_at = 0.0

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vaxel-change-log", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop; with ``timeout``, wait that long at most for the thread to end."""
        self._stop.set()
        thread = self._thread
        if timeout is not None and thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """Started, and not told to stop."""
        return self.alive and not self._stop.is_set()

    @property
    def alive(self) -> bool:
        """Its thread has not ended (yet)."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        delay = 0.0
        streak = 0  # reads failed in a row
        try:
            while not self._stop.is_set():
                try:
                    self.step()
                except Exception as error:
                    self.failures += 1
                    streak += 1
                    delay = min(max(2 * delay, self.settings.poll_s), self.settings.max_backoff_s)
                    if streak == 1 or delay >= self.settings.max_backoff_s:
                        log.warning(
                            "cannot read the change log (%s); trying again in %.1f s",
                            error, delay, exc_info=streak == 1,
                        )  # fmt: skip
                    self._stop_listening()
                    self._stop.wait(delay)
                    continue
                if streak:
                    log.info("the change log is readable again (after %d failed reads)", streak)
                    delay, streak = 0.0, 0
                self._wait()
        except BaseException:  # not silently: a follower that stops means stale routing
            log.exception("the change-log follower stopped")
        finally:
            self._stop_listening()

    def step(self) -> None:
        """One round: read what is new (the first time: where to start), prune if it is time."""
        if self.last_seen is None:
            self._begin()
        else:
            self._read()
        self._prune()

    # -- reading -------------------------------------------------------------------------------

    def _begin(self) -> None:
        """Start after the newest row; deliver the others' rows of the last few seconds too,
        for a listener that loaded its state just before it subscribed."""
        columns = (_LOG.c.seq, _LOG.c.kind, _LOG.c.item_id, _LOG.c.item_key, _LOG.c.origin)
        query = select(*columns, _LOG.c.at).order_by(_LOG.c.seq.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query.limit(self.settings.batch)).all()
        since = datetime.now(UTC) - timedelta(seconds=self.settings.catch_up_s)
        self.last_seen = int(rows[0].seq) if rows else 0
        self.ready.set()
        self._deliver([r for r in reversed(rows) if r.at >= since])

    def _read(self) -> None:
        columns = (_LOG.c.seq, _LOG.c.kind, _LOG.c.item_id, _LOG.c.item_key, _LOG.c.origin)
        while not self._stop.is_set():
            assert self.last_seen is not None
            query = (
                select(*columns)
                .where(_LOG.c.seq > self.last_seen)
                .order_by(_LOG.c.seq)
                .limit(self.settings.batch)
            )
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            if not rows:
                return
            self.last_seen = int(rows[-1].seq)
            self._deliver(rows)
            if len(rows) < self.settings.batch:
                return

    def _deliver(self, rows: Sequence[Any]) -> None:
        """Publish the others' changes of one read, each once, in the order they came."""
        changes = dict.fromkeys(_change_of(r) for r in rows if r.origin != self.origin)
        if changes and not self._stop.is_set():
            self._feed.publish(list(changes))
            self.delivered += len(changes)

    # -- pruning -------------------------------------------------------------------------------

    def _prune(self) -> None:
        now = time.monotonic()
        if now < self._next_prune or self.last_seen is None:
            return
        self._next_prune = now + self.settings.prune_every_s
        retention = self.settings.retention_s
        if not self._pruned_by_time:
            # What piled up while no follower ran (the CLI alone writes, prunes nothing).
            before = datetime.now(UTC) - timedelta(seconds=retention)
            with self.engine.begin() as connection:
                connection.execute(delete(_LOG).where(_LOG.c.at < before))
            self._pruned_by_time = True
        else:
            # Everything up to a seq read at least `retention` ago: a range of the primary key.
            upto = None
            while self._checkpoints and self._checkpoints[0][0] <= now - retention:
                upto = self._checkpoints.popleft()[1]
            if upto is not None:
                with self.engine.begin() as connection:
                    connection.execute(delete(_LOG).where(_LOG.c.seq <= upto))
        self._checkpoints.append((now, self.last_seen))

    # -- waiting -------------------------------------------------------------------------------

    def _wait(self) -> None:
        """Until the next read: ``poll_s``, or sooner when another writer notifies."""
        started = time.monotonic()
        deadline = started + self.settings.poll_s
        try:
            connection = self._listener()
            while connection is not None and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                # In short slices, so that stop() is heard within half a second.
                notes = list(connection.notifies(timeout=min(left, 0.5), stop_after=1))
                if any(note.payload != self.origin for note in notes):
                    self._stop.wait(max(0.0, started + _MIN_GAP_S - time.monotonic()))
                    return
        except Exception as error:
            log.warning("cannot LISTEN for changes (%s); reading every %.1f s meanwhile",
                        error, self.settings.poll_s)  # fmt: skip
            self._stop_listening()
            self._listen_again_at = time.monotonic() + LISTEN_RETRY_S
        self._stop.wait(max(0.0, deadline - time.monotonic()))

    def _listener(self) -> Any:
        """The LISTENing connection on PostgreSQL (made when missing), or None."""
        if self._listening is not None:
            return self._listening[1]
        if (
            not self.settings.listen
            or self.engine.dialect.name != "postgresql"
            or time.monotonic() < self._listen_again_at
        ):
            return None
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection  # psycopg's (None once detached)
        self._listening = (pooled, connection)  # closed by _stop_listening, also on a failure
        pooled.detach()  # ours for good: it sits in LISTEN, not in the pool
        assert connection is not None
        connection.rollback()
        connection.autocommit = True
        connection.execute(f"LISTEN {CHANNEL}")
        return connection

    def _stop_listening(self) -> None:
        listening, self._listening = self._listening, None
        if listening is not None:
            try:
                listening[0].close()
            except Exception:
                log.debug("closing the LISTEN connection failed", exc_info=True)
