"""What the switch must know on the hot path, held in memory: accounts and numbers.

Loaded from storage at start and reloaded (in a worker thread, then swapped in whole) when the
change feed says accounts, numbers or people changed, and at every local midnight: only the
accounts of people who work for us that day are loaded (policy §1: a contractor's phones stop
working after their last day), and end dates pass at midnight without any change being
committed. And every `RELOAD_EVERY_S` as well, as a safety net: a change the feed missed (a
node cut off from the database for longer than the change log keeps its rows, a follower that
restarted) would otherwise leave a disabled account or an old password accepted until midnight.
A SIP message never waits on the database: it reads the snapshot that is current when it
arrives.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from vaxel.domain.clock import TZ, local
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan, try_normalise
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.db import Change, Database
from vaxel.storage.numbers import NumberRepository
from vaxel.switch.reloader import Reloader

log = logging.getLogger(__name__)

# Kinds of change that make the snapshot stale.
RELOAD_ON = frozenset({"sip_account", "number", "person"})
# The longest the midnight watch sleeps before it looks at the wall clock again: a clock that
# is set or a machine that was suspended must not postpone the reload by long.
MIDNIGHT_CHECK_S = 60.0
# The safety net: reload in full this often even when the feed said nothing (0: never).
RELOAD_EVERY_S = 60.0


def next_midnight(now: datetime) -> datetime:
    """The start of the next local day (when yesterday's end dates have passed)."""
    tomorrow = local(now).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=TZ)


def _wallclock() -> datetime:
    return datetime.now(TZ)


@dataclass(frozen=True, slots=True)
class Account:
    """A SIP account as the switch needs it: who it is, and its digests."""

    id: int
    username: str
    person_id: int
    ha1_md5: str
    ha1_sha256: str

    def ha1(self, algorithm: str) -> str | None:
        name = algorithm.upper()
        if name in ("MD5", "MD5-SESS", ""):
            return self.ha1_md5
        if name in ("SHA-256", "SHA-256-SESS"):
            return self.ha1_sha256
        return None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view of accounts and numbers."""

    accounts: dict[str, Account] = field(default_factory=dict)  # by username
    persons: dict[str, int] = field(default_factory=dict)  # E.164 and extension -> person id
    accounts_of: dict[int, tuple[Account, ...]] = field(default_factory=dict)  # person -> devices
    number_of: dict[int, str] = field(default_factory=dict)  # person -> their extension


def build_snapshot(
    accounts: Iterable[Account], numbers: Iterable[NumberAssignment], plan: NumberPlan
) -> Snapshot:
    """Index accounts and the numbers in force (pure; tests build snapshots with it)."""
    by_name: dict[str, Account] = {}
    devices: dict[int, list[Account]] = {}
    for account in accounts:
        by_name[account.username] = account
        devices.setdefault(account.person_id, []).append(account)
    persons: dict[str, int] = {}
    number_of: dict[int, str] = {}
    for number in numbers:
        if number.person_id is None:
            continue
        persons[number.e164] = number.person_id
        extension = number.extension or plan.extension_of(number.e164)
        if extension:
            persons[extension] = number.person_id
        if number.kind is NumberKind.EXTENSION or number.person_id not in number_of:
            number_of[number.person_id] = extension or number.e164
    return Snapshot(by_name, persons, {k: tuple(v) for k, v in devices.items()}, number_of)


class DirectoryCache:
    """The current Snapshot, kept fresh from the database's change feed."""

    def __init__(
        self,
        database: Database | None,
        realm: str,
        plan: NumberPlan,
        *,
        clock: Callable[[], datetime] = _wallclock,
        check_every_s: float = MIDNIGHT_CHECK_S,
        reload_every_s: float = RELOAD_EVERY_S,
    ) -> None:
        self.database = database
        self.realm = realm
        self.plan = plan
        self.clock = clock
        self.check_every_s = check_every_s
        self.reload_every_s = reload_every_s
        self.snapshot = Snapshot()
        self.loaded_at: datetime | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: object = None
        self._reloader = Reloader(self.load, "SIP account directory")
        self._midnight: asyncio.Task[None] | None = None

    # -- reads on the hot path -------------------------------------------------------------

    def account(self, username: str) -> Account | None:
        return self.snapshot.accounts.get(username)

    def person_for(self, dialled: str) -> int | None:
        """The person a dialled number reaches: an extension, or any form of an E.164 number."""
        persons = self.snapshot.persons
        found = persons.get(dialled)
        if found is not None:
            return found
        if self.plan.is_extension(dialled):
            return persons.get(self.plan.e164_for_extension(dialled))
        if dialled[:1] in "+0" and len(dialled) > 4:
            e164 = try_normalise(dialled)
            if e164 is not None:
                return persons.get(e164)
        return None

    def devices_of(self, person_id: int) -> tuple[Account, ...]:
        return self.snapshot.accounts_of.get(person_id, ())

    def number_of(self, person_id: int) -> str | None:
        return self.snapshot.number_of.get(person_id)

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> Snapshot:
        """Read accounts and numbers now (blocking: call from a thread, or at start).

        Accounts: enabled ones of people who work for us today; an ended person's username is
        unknown here, so their phone gets the same challenge as a stranger's."""
        if self.database is None:
            return self.snapshot
        now = self.clock()
        with self.database.session() as session:
            accounts = [
                Account(found.id, found.username, found.person_id, found.ha1_md5, found.ha1_sha256)
                for found in AccountRepository(session).in_service(self.realm, local(now).date())
            ]
            numbers = NumberRepository(session, self.plan).assignments(at=now)
        self.snapshot = build_snapshot(accounts, numbers, self.plan)
        self.loaded_at = now
        log.info(
            "directory loaded: %d SIP accounts, %d numbers",
            len(self.snapshot.accounts),
            len(self.snapshot.persons),
        )
        return self.snapshot

    async def start(self) -> None:
        """Load, then follow the change feed and the calendar, and reload periodically."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.load)
        if self.database is not None:
            self._unsubscribe = self.database.changes.subscribe(self._on_change)
            self._midnight = self._loop.create_task(self._reload_at_midnight())
            if self.reload_every_s > 0:
                # Whatever the feed said: what a missed change left stale is put right in time.
                self._reloader.every(self.reload_every_s)

    async def stop(self) -> None:
        if callable(self._unsubscribe):
            self._unsubscribe()
        self._reloader.cancel()
        if self._midnight is not None:
            self._midnight.cancel()

    def _on_change(self, change: Change) -> None:
        # Called in the committing thread; hop onto the loop.
        if change.kind in RELOAD_ON and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._schedule_reload)

    def _schedule_reload(self) -> None:
        self._reloader.schedule()

    async def wait_reloaded(self) -> None:
        """Until a reload in progress (and any it owes) is done (tests)."""
        await self._reloader.wait()

    async def _reload_at_midnight(self) -> None:
        """Reload when a new local day starts (and the snapshot is of an earlier day).

        Sleeps in short steps and reads the wall clock each time rather than sleeping until
        midnight at once: the loop's clock is monotonic and does not follow the wall clock."""
        while True:
            loaded = self.loaded_at
            due = next_midnight(loaded if loaded is not None else self.clock())
            wait_s = due.timestamp() - self.clock().timestamp()  # real seconds, across DST
            if wait_s > 0:
                await asyncio.sleep(min(wait_s, self.check_every_s))
                continue
            log.info("a new day: reloading SIP accounts (end dates that passed take effect)")
            self._schedule_reload()
            await self.wait_reloaded()
            if self.loaded_at is loaded:  # the reload failed: try again after a pause
                await asyncio.sleep(self.check_every_s)
