"""The switch's in-memory directory: only the accounts of people who work for us today, reloaded
when a new day starts (end dates pass at midnight, with nothing committed)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from switchboard import PASSWORD, REALM

from vaxel.domain.accounts import DeviceKind, SipAccount, digest_ha1
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberPlan
from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.presence import Channel
from vaxel.storage import Database
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.switch.directory import DirectoryCache, next_midnight

LAST_DAY = date(2026, 3, 10)  # Kim the contractor's last working day
CLI = Channel.CLI


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class People:
    anna: int  # employed, no end date
    kim: int  # contractor, last day LAST_DAY
    nya: int  # starts a week after LAST_DAY
    kim_account: int


def add_people(db: Database, realm: str = REALM) -> People:
    with db.session() as s:
        d = DirectoryRepository(s)
        unit = d.add_unit("Testby kommun", UnitKind.KOMMUN, None, actor="t", channel=CLI)
        anna = d.add_person(
            Person(0, "Anna Lind", "anna@testby.se", unit.id), actor="t", channel=CLI
        )
        kim = d.add_person(
            Person(0, "Kim Konsult", "kim@konsult.se", unit.id, kind=PersonKind.EXTERN,
                   valid_to=LAST_DAY),
            actor="t", channel=CLI,
        )  # fmt: skip
        nya = d.add_person(
            Person(0, "Nya Nilsson", "nya@testby.se", unit.id,
                   valid_from=LAST_DAY + timedelta(days=7)),
            actor="t", channel=CLI,
        )  # fmt: skip
        accounts = AccountRepository(s)
        made = {}
        for user, person in [("4100", anna.id), ("4300", kim.id), ("4400", nya.id)]:
            # The scripted phones' password (switchboard.PASSWORD) contains the user name,
            # which SipAccount.create refuses: store its digests directly.
            secret = PASSWORD.format(user=user)
            account = SipAccount(
                0, user, person, DeviceKind.DESK, realm,
                digest_ha1(user, realm, secret, "MD5"), digest_ha1(user, realm, secret, "SHA-256"),
            )  # fmt: skip
            made[user] = accounts.add(account, actor="t", channel=CLI)
    return People(anna.id, kim.id, nya.id, made["4300"].id)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'vaxel.db'}")
    database.upgrade()
    yield database
    database.dispose()


def on(day: date, hour: int = 10, minute: int = 0, second: float = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ) + timedelta(
        seconds=second
    )


def test_an_ended_persons_accounts_are_not_loaded(db: Database) -> None:
    people = add_people(db)
    clock = Clock(on(LAST_DAY, 23, 59))
    cache = DirectoryCache(db, REALM, NumberPlan(), clock=clock)
    cache.load()
    assert sorted(cache.snapshot.accounts) == ["4100", "4300"]  # Kim works until midnight
    assert [a.username for a in cache.devices_of(people.kim)] == ["4300"]
    clock.now = on(LAST_DAY + timedelta(days=1), 0, 0)
    cache.load()
    assert sorted(cache.snapshot.accounts) == ["4100"]
    assert cache.account("4300") is None and cache.devices_of(people.kim) == ()
    clock.now = on(LAST_DAY + timedelta(days=7), 0, 0)
    cache.load()
    assert sorted(cache.snapshot.accounts) == ["4100", "4400"]  # Nya's first day


def test_next_midnight_is_local_also_when_the_clocks_change() -> None:
    assert next_midnight(on(LAST_DAY, 10)) == on(LAST_DAY + timedelta(days=1), 0)
    assert next_midnight(on(LAST_DAY, 0)) == on(LAST_DAY + timedelta(days=1), 0)
    spring = datetime(2026, 3, 28, 23, 30, tzinfo=TZ)  # summer time starts at 02:00 on the 29th
    assert next_midnight(spring) == datetime(2026, 3, 29, 0, 0, tzinfo=TZ)
    autumn = datetime(2026, 10, 25, 1, 0, tzinfo=TZ)  # a 25-hour day: 24 hours still to go
    assert next_midnight(autumn) == datetime(2026, 10, 26, 0, 0, tzinfo=TZ)
    assert next_midnight(autumn).timestamp() - autumn.timestamp() == 24 * 3600
    in_utc = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already the 11th in Stockholm
    assert next_midnight(in_utc) == datetime(2026, 3, 12, 0, 0, tzinfo=TZ)


def test_the_directory_reloads_itself_when_a_new_day_starts(db: Database) -> None:
    add_people(db)
    clock = Clock(on(LAST_DAY, 23, 59, 59))
    cache = DirectoryCache(db, REALM, NumberPlan(), clock=clock, check_every_s=0.01)

    async def main() -> None:
        await cache.start()
        try:
            first = cache.loaded_at
            assert "4300" in cache.snapshot.accounts
            await asyncio.sleep(0.1)
            assert cache.loaded_at is first  # no reload before midnight
            clock.now = on(LAST_DAY + timedelta(days=1), 0, 0, 0.5)
            for _ in range(200):
                if "4300" not in cache.snapshot.accounts:
                    break
                await asyncio.sleep(0.01)
            assert sorted(cache.snapshot.accounts) == ["4100"]
            assert cache.loaded_at == clock.now
            await asyncio.sleep(0.1)
            assert cache.loaded_at == clock.now  # once a day, not on every tick
        finally:
            await cache.stop()

    asyncio.run(main())


def test_a_change_still_reloads_at_once(db: Database) -> None:
    people = add_people(db)
    cache = DirectoryCache(db, REALM, NumberPlan(), clock=Clock(on(LAST_DAY)))

    async def main() -> None:
        await cache.start()
        try:
            assert "4300" in cache.snapshot.accounts
            await asyncio.to_thread(switch_off, db, people.kim_account)
            for _ in range(200):
                if "4300" not in cache.snapshot.accounts:
                    break
                await asyncio.sleep(0.01)
            await cache.wait_reloaded()
            assert sorted(cache.snapshot.accounts) == ["4100"]
        finally:
            await cache.stop()

    asyncio.run(main())


def switch_off(db: Database, account_id: int) -> None:
    with db.session() as s:
        AccountRepository(s).set_enabled(account_id, False, actor="t", channel=CLI)


def test_a_missed_change_is_picked_up_by_the_periodic_reload(db: Database) -> None:
    """A change the feed never delivered (here: committed with nobody listening, as from a
    node whose follower missed it): the periodic reload still takes the account away."""
    people = add_people(db)
    cache = DirectoryCache(db, REALM, NumberPlan(), clock=Clock(on(LAST_DAY)), reload_every_s=0.1)

    async def main() -> None:
        await cache.start()
        try:
            assert "4300" in cache.snapshot.accounts
            assert callable(cache._unsubscribe)
            cache._unsubscribe()  # the feed goes quiet: only the periodic reload is left
            await asyncio.to_thread(switch_off, db, people.kim_account)
            for _ in range(300):
                if "4300" not in cache.snapshot.accounts:
                    break
                await asyncio.sleep(0.01)
            assert sorted(cache.snapshot.accounts) == ["4100"]
        finally:
            await cache.stop()

    asyncio.run(main())
