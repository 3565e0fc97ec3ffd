"""The change feed across processes: a commit through one Database reaches the listeners of
another on the same database (SQLite file, PostgreSQL), once, through the change log.

Two Database objects on one URL stand for two processes: each has its own origin, engine and
follower, exactly as `vaxel serve` and `vaxel absence set` would. Every wait is bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from storage_helpers import NOW, Org

from vaxel.domain.presence import Absence, AbsenceReason, Channel
from vaxel.storage import Change, Database, note_change
from vaxel.storage.change_log import FollowSettings
from vaxel.storage.models import ChangeLogRow, core
from vaxel.storage.presence import PresenceRepository

LOG = core(ChangeLogRow)
DELIVERED_WITHIN = 3.0  # seconds: what the server promises an operator
# Long enough for two more reads at the default poll: time for a duplicate to show.
QUIET = 1.2


class Seen:
    """A listener that keeps what it was given, and when."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._lock = threading.Lock()

    def __call__(self, change: Change) -> None:
        with self._lock:
            self.changes.append(change)

    def of(self, kind: str) -> list[Change]:
        with self._lock:
            return [c for c in self.changes if c.kind == kind]


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> float:
    """Poll until true; the seconds it took. Fails after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def other(db: Database) -> Iterator[Database]:
    """Another process on the same database (the CLI, an import, a second node)."""
    again = Database(db.url)
    yield again
    again.dispose()


def set_absent(database: Database, person_id: int) -> None:
    with database.session() as s:
        PresenceRepository(s).set_absence(
            person_id, Absence(AbsenceReason.SEMESTER, NOW + timedelta(days=3)), "t",
            Channel.CLI, NOW,
        )  # fmt: skip


def log_rows(database: Database) -> list[tuple[str, int | None, str | None, str]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(LOG.c.kind, LOG.c.item_id, LOG.c.item_key, LOG.c.origin).order_by(LOG.c.seq)
        )
        return [(r.kind, r.item_id, r.item_key, r.origin) for r in rows]


# --------------------------------------------------------------------------- delivery


def test_a_change_made_elsewhere_reaches_the_listeners_once(
    db: Database, other: Database, org: Org
) -> None:
    seen = Seen()
    db.changes.subscribe(seen)
    set_absent(other, org.anna)
    took = wait_until(lambda: seen.of("absence"), DELIVERED_WITHIN, "the other's absence")
    assert took < DELIVERED_WITHIN
    time.sleep(QUIET)
    # Once, and nothing of the set-up (db's own commits, published when they were made).
    assert seen.changes == [Change("absence", org.anna)]
    with db.session() as s:  # what the listener reads now is what the other committed
        assert PresenceRepository(s).current(org.anna, NOW) is not None


def test_ids_keep_their_type_and_a_commit_is_logged_in_it(db: Database, other: Database) -> None:
    """A number's id is its E.164 (text), a person's a number; one commit, several kinds."""
    seen = Seen()
    db.changes.subscribe(seen)
    with other.session() as s:
        note_change(s, "number", "+46101304100")
    with other.session() as s:
        note_change(s, "person", 7)
        note_change(s, "number", "+46101304101")
        note_change(s, "person", 7)  # noted twice, one change
    wait_until(lambda: len(seen.changes) >= 3, DELIVERED_WITHIN, "the three changes")
    time.sleep(QUIET)
    assert seen.changes == [
        Change("number", "+46101304100"), Change("person", 7), Change("number", "+46101304101")
    ]  # fmt: skip
    assert log_rows(db) == [
        ("number", None, "+46101304100", other.origin),
        ("person", 7, None, other.origin),
        ("number", None, "+46101304101", other.origin),
    ]


def test_own_changes_are_published_once_and_the_other_gets_them_too(
    db: Database, other: Database, org: Org
) -> None:
    mine, theirs = Seen(), Seen()
    db.changes.subscribe(mine)
    other.changes.subscribe(theirs)
    set_absent(db, org.anna)
    assert mine.changes == [Change("absence", org.anna)]  # at once, in the committing thread
    wait_until(lambda: theirs.changes, DELIVERED_WITHIN, "the other process hearing of it")
    time.sleep(QUIET)
    assert mine.changes == [Change("absence", org.anna)]  # not again through the log
    # (theirs also got db's set-up of the organisation, committed a moment before: the
    # follower starts a few seconds back.)
    assert theirs.of("absence") == [Change("absence", org.anna)]


def test_a_rolled_back_transaction_logs_nothing(db: Database, other: Database, org: Org) -> None:
    seen = Seen()
    db.changes.subscribe(seen)
    with pytest.raises(RuntimeError), other.session() as s:
        PresenceRepository(s).set_absence(
            org.anna, Absence(AbsenceReason.SJUK, None), "t", Channel.CLI, NOW
        )
        raise RuntimeError("the import failed half-way")
    time.sleep(QUIET)
    assert seen.changes == []
    assert [row for row in log_rows(db) if row[3] == other.origin] == []


def test_a_change_just_before_the_first_listener_is_delivered(
    db: Database, other: Database, org: Org
) -> None:
    """A component loads its state, then subscribes: what another process committed in
    between reaches it (the follower starts a few seconds back); older changes do not."""
    with db.engine.begin() as connection:  # long ago: before anybody here loaded anything
        connection.execute(
            insert(LOG),
            {"kind": "person", "item_id": org.chef, "item_key": None,
             "at": datetime.now(UTC) - timedelta(minutes=1), "origin": other.origin},
        )  # fmt: skip
    set_absent(other, org.anna)
    seen = Seen()
    db.changes.subscribe(seen)
    wait_until(lambda: seen.changes, DELIVERED_WITHIN, "the change made before subscribing")
    time.sleep(QUIET)
    assert seen.changes == [Change("absence", org.anna)]


def test_concurrent_writers_lose_nothing(db: Database, other: Database, org: Org) -> None:
    """Two processes commit at once; every change reaches a third, once. (On PostgreSQL this
    needs the log's lock: a number drawn earlier must not become visible later.)"""
    third = Database(db.url)
    seen = Seen()
    db.changes.subscribe(seen)
    per_writer = 40

    def write(database: Database, first: int) -> None:
        for n in range(first, first + per_writer):
            with database.session() as s:
                note_change(s, "callback", n)

    try:
        writers = [
            threading.Thread(target=write, args=(other, 1000)),
            threading.Thread(target=write, args=(third, 2000)),
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(30)
        assert not any(w.is_alive() for w in writers)
        wanted = {Change("callback", n) for n in (*range(1000, 1040), *range(2000, 2040))}
        wait_until(lambda: set(seen.changes) >= wanted, 10.0, "all 80 changes")
        time.sleep(QUIET)
        assert sorted(seen.changes, key=lambda c: int(c.id)) == sorted(
            wanted, key=lambda c: int(c.id)
        )
    finally:
        third.dispose()


def test_postgresql_notify_wakes_the_follower_before_its_poll(postgres_schema_url: str) -> None:
    """Another node's commit is read at once (LISTEN/NOTIFY), not at the next poll."""
    here = Database(postgres_schema_url, follow=FollowSettings(poll_s=20.0))
    there = Database(postgres_schema_url)
    try:
        here.upgrade()
        seen = Seen()
        here.changes.subscribe(seen)
        assert here.follower is not None
        wait_until(here.follower.ready.is_set, DELIVERED_WITHIN, "the follower started")
        time.sleep(0.3)  # its LISTEN is in place
        with there.session() as s:
            note_change(s, "absence", 42)
        took = wait_until(lambda: seen.changes, 3.0, "a notified change, long before the poll")
        assert took < 3.0
        assert seen.changes == [Change("absence", 42)]
    finally:
        there.dispose()
        here.dispose()


# --------------------------------------------------------------------------- the follower


def test_the_follower_runs_while_anybody_listens_and_stops_on_dispose(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/vaxel.db")
    database.upgrade()
    try:
        assert database.follower is None  # nobody listens: no thread
        unsubscribe = database.changes.subscribe(lambda change: None)
        follower = database.follower
        assert follower is not None and follower.running
        unsubscribe()
        assert database.follower is None and not follower.running
        database.changes.subscribe(lambda change: None)
        again = database.follower
        assert again is not None and again is not follower and again.running
    finally:
        database.dispose()
    assert database.follower is None and not again.alive  # dispose waited for the thread


def test_an_in_memory_database_has_nobody_to_follow() -> None:
    database = Database("sqlite://")
    try:
        database.upgrade()
        database.changes.subscribe(lambda change: None)
        assert database.follower is None
        with database.session() as s:
            note_change(s, "person", 1)
        assert log_rows(database) == []
    finally:
        database.dispose()


def test_the_follower_survives_a_failing_database(db: Database, other: Database, org: Org) -> None:
    """The log cannot be read for a while (here: its table is gone): the follower logs, backs
    off, and delivers again once it can, without the process noticing anything else."""
    db.follow = FollowSettings(poll_s=0.1, max_backoff_s=0.4)
    seen = Seen()
    db.changes.subscribe(seen)
    follower = db.follower
    assert follower is not None
    wait_until(follower.ready.is_set, DELIVERED_WITHIN, "the follower started")
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE change_log RENAME TO change_log_away"))
    try:
        wait_until(lambda: follower.failures >= 3, 5.0, "the follower failing, and retrying")
        assert follower.failures < 40  # it backs off: no spinning (0.1 + 0.2 + 0.4 … s apart)
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE change_log_away RENAME TO change_log"))
    assert follower.running
    set_absent(other, org.anna)
    wait_until(lambda: seen.changes, DELIVERED_WITHIN, "a change after the failure")
    assert seen.changes == [Change("absence", org.anna)]


def test_a_failing_listener_does_not_stop_the_follower(
    db: Database, other: Database, org: Org
) -> None:
    seen = Seen()

    def broken(change: Change) -> None:
        raise ValueError("a bug in some listener")

    db.changes.subscribe(broken)
    db.changes.subscribe(seen)
    set_absent(other, org.anna)
    wait_until(lambda: seen.changes, DELIVERED_WITHIN, "the first change")
    with other.session() as s:
        note_change(s, "person", org.chef)
    wait_until(lambda: len(seen.changes) == 2, DELIVERED_WITHIN, "the next one too")
    assert db.follower is not None and db.follower.running


# --------------------------------------------------------------------------- pruning


def count(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(LOG)).scalar_one())


def test_old_rows_are_pruned_when_a_follower_starts(db: Database, other: Database) -> None:
    """What piled up while no follower ran (the CLI alone) goes; the last minutes stay."""
    with db.engine.begin() as connection:
        connection.execute(
            insert(LOG),
            [
                {"kind": "person", "item_id": n, "item_key": None, "origin": other.origin,
                 "at": datetime.now(UTC) - timedelta(minutes=10 + n)}
                for n in range(5)
            ],
        )  # fmt: skip
    with other.session() as s:
        note_change(s, "person", 99)  # now
    assert count(db) == 6
    db.follow = FollowSettings(poll_s=0.1, retention_s=300.0)
    db.changes.subscribe(Seen())
    wait_until(lambda: count(db) == 1, 5.0, "the ten-minute-old rows pruned")
    assert log_rows(db) == [("person", 99, None, other.origin)]


def test_rows_are_pruned_once_the_retention_has_passed(db: Database, other: Database) -> None:
    db.follow = FollowSettings(poll_s=0.05, retention_s=1.5, prune_every_s=0.1)
    seen = Seen()
    db.changes.subscribe(seen)
    for n in range(3):
        with other.session() as s:
            note_change(s, "person", n)
    wait_until(lambda: len(seen.changes) == 3, DELIVERED_WITHIN, "three changes")
    assert count(db) == 3  # read, but younger than the retention: kept
    wait_until(lambda: count(db) == 0, 5.0, "the rows pruned after the retention")
    # The numbers go on after the pruned ones (SQLite: AUTOINCREMENT), so the next change is
    # not taken for one already seen.
    with other.session() as s:
        note_change(s, "person", 3)
    wait_until(lambda: len(seen.changes) == 4, DELIVERED_WITHIN, "a change after pruning")
    assert seen.changes[-1] == Change("person", 3)


# --------------------------------------------------------------------------- a missing log


def test_a_commit_survives_a_change_log_that_went_away(
    db: Database, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    """The table disappears while running (known to exist before): the writer warns, and the
    user's transaction is committed all the same; once the table is back it is logged again."""
    set_absent(db, org.anna)  # the table is known to be there
    assert db._has_change_log is True
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE change_log RENAME TO change_log_away"))
    try:
        with caplog.at_level("WARNING", logger="vaxel.storage.db"), db.session() as s:
            PresenceRepository(s).set_absence(
                org.chef, Absence(AbsenceReason.SEMESTER, NOW + timedelta(days=3)), "t",
                Channel.CLI, NOW,
            )  # fmt: skip
        assert "change_log" in caplog.text
        with db.session() as s:
            assert PresenceRepository(s).current(org.chef, NOW) is not None  # committed
        assert db._has_change_log is None  # asked again at the next commit
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE change_log_away RENAME TO change_log"))
    with db.session() as s:
        note_change(s, "person", org.chef)
    assert log_rows(db)[-1][:2] == ("person", org.chef)
