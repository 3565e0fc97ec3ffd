"""Operators' sign-ins outlive a restart: stored off the event loop, restored by a new queue."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from callkit import FakeSignalling, Kommun, open_call, spoken_frames

from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.media.speech import Speech
from vaxel.storage import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.queue_sign_ins import QueueSignInRepository
from vaxel.switch.apps import prompts
from vaxel.switch.apps.queue import QueueOutcome, QueueSettings, SwitchboardQueue
from vaxel.switch.apps.queue_state import Operator
from vaxel.switch.call_context import CallInfo, RingOutcome, RingResult

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=TZ)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def stored(db: Database, queue: str = "vaxeln") -> list[tuple[int, str, datetime]]:
    with db.session() as s:
        return [
            (x.person_id, x.number, x.signed_in_at)
            for x in QueueSignInRepository(s).signed_in(queue)
        ]


def test_sign_ins_are_restored_by_a_new_queue(db: Database, kommun: Kommun) -> None:
    clock = Clock()
    olle = Operator(kommun.olle.id, "Olle", "4001")
    anna = Operator(kommun.anna.id, "Anna", "4123")

    async def before_the_restart() -> None:
        queue = SwitchboardQueue("vaxeln", clock=clock, database=db)
        assert await queue.start() == 0
        queue.sign_in(olle)
        clock.now = T0 + timedelta(minutes=10)
        queue.sign_in(anna)
        clock.now = T0 + timedelta(minutes=20)
        assert not queue.sign_in(anna)  # again: still one sign-in, from the first time
        await queue.stop()

    asyncio.run(before_the_restart())
    assert stored(db) == [
        (olle.person_id, "4001", T0),
        (anna.person_id, "4123", T0 + timedelta(minutes=10)),
    ]

    # A new process: a new database connection, a new queue, later in the day.
    clock.now = T0 + timedelta(hours=2)
    again = Database(db.url)

    async def after_the_restart() -> SwitchboardQueue:
        queue = SwitchboardQueue("vaxeln", clock=clock, database=again)
        assert await queue.start() == 2
        return queue

    try:
        queue = asyncio.run(after_the_restart())
    finally:
        again.dispose()
    views = queue.operators()
    assert [(v.person_id, v.name, v.number) for v in views] == [
        (kommun.olle.id, "Olle Ek", "4001"),  # names from the directory
        (kommun.anna.id, "Anna Lind", "4123"),
    ]
    assert [v.signed_in_at for v in views] == [T0, T0 + timedelta(minutes=10)]
    assert {v.idle_since for v in views} == {clock.now}  # free, from the restart
    # Olle signed in first, so he gets the first call (ties broken by sign-in order).
    assert queue.state.signed_in == 2


def test_sign_outs_are_stored_too(db: Database, kommun: Kommun) -> None:
    clock = Clock()

    async def main() -> None:
        queue = SwitchboardQueue("vaxeln", clock=clock, database=db)
        await queue.start()
        queue.sign_in(Operator(kommun.olle.id, "Olle", "4001"))
        queue.sign_in(Operator(kommun.anna.id, "Anna", "4123"))
        queue.sign_out(kommun.anna.id)
        queue.sign_in(Operator(kommun.olle.id, "Olle", "olle-mobil"))  # a new phone
        await queue.stop()

    asyncio.run(main())
    assert stored(db) == [(kommun.olle.id, "olle-mobil", T0)]

    async def restarted() -> list[int]:
        queue = SwitchboardQueue("vaxeln", clock=clock, database=db)
        await queue.start()
        return [v.person_id for v in queue.operators()]

    assert asyncio.run(restarted()) == [kommun.olle.id]
    # Another queue's operators are its own.
    other = SwitchboardQueue("bygg", clock=clock, database=db)
    assert asyncio.run(other.start()) == 0 and other.operators() == []


def test_storing_never_blocks_the_event_loop(
    db: Database, kommun: Kommun, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = SwitchboardQueue("vaxeln", clock=Clock(), database=db)
    writers: list[int] = []
    write = queue._write

    def spy(writes: list[object]) -> None:
        writers.append(threading.get_ident())
        write(writes)  # type: ignore[arg-type]

    monkeypatch.setattr(queue, "_write", spy)

    async def main() -> None:
        queue.sign_in(Operator(kommun.olle.id, "Olle", "4001"))
        assert stored(db) == []  # sign_in returned before anything was written
        await queue.stop()
        assert writers and threading.get_ident() not in writers

    asyncio.run(main())
    assert stored(db) == [(kommun.olle.id, "4001", T0)]


def test_a_failed_write_is_logged_and_loses_no_other(
    db: Database, kommun: Kommun, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        queue = SwitchboardQueue("vaxeln", clock=Clock(), database=db)
        queue.sign_in(Operator(999_999, "Ingen", "4999"))  # no such person: refused
        queue.sign_in(Operator(kommun.olle.id, "Olle", "4001"))
        await queue.stop()

    asyncio.run(main())
    assert stored(db) == [(kommun.olle.id, "4001", T0)]
    assert "could not be stored" in caplog.text


def test_someone_who_has_left_is_not_signed_in_again(db: Database, kommun: Kommun) -> None:
    clock = Clock()

    async def sign_in() -> None:
        queue = SwitchboardQueue("vaxeln", clock=clock, database=db)
        queue.sign_in(Operator(kommun.anna.id, "Anna", "4123"))
        queue.sign_in(Operator(kommun.olle.id, "Olle", "4001"))
        await queue.stop()

    asyncio.run(sign_in())
    with db.session() as s:  # Olle's last day is today
        DirectoryRepository(s).update_person(
            replace(kommun.olle, valid_to=T0.date()), actor="t", channel=Channel.CLI
        )
    clock.now = T0 + timedelta(days=1)
    queue = SwitchboardQueue("vaxeln", clock=clock, database=db)
    assert asyncio.run(queue.start()) == 1
    assert [v.person_id for v in queue.operators()] == [kommun.anna.id]
    assert [p for p, _, _ in stored(db)] == [kommun.anna.id]


def test_signed_out_after_missed_offers_is_stored(
    db: Database, kommun: Kommun, speech: Speech
) -> None:
    clock = Clock()
    settings = QueueSettings(offer_timeout_s=0.2, max_missed=2, callback_offer_after_s=600)
    queue = SwitchboardQueue("vaxeln", settings, clock=clock, database=db)
    spoken_frames(speech, "Du står först i kön.")
    spoken_frames(speech, prompts.QUEUE_NO_OPERATOR.text)

    async def rings_out(number: str, timeout_s: float) -> RingResult:
        await asyncio.sleep(0.05)
        return RingResult(RingOutcome.NO_ANSWER)

    async def main() -> None:
        await queue.start()
        queue.sign_in(Operator(kommun.olle.id, "Olle", "4001"))
        call, phone, signalling = await open_call(
            speech, CallInfo("m", "+46701234567", "0"), clock=clock,
            signalling=FakeSignalling(bridge_script=rings_out),
        )  # fmt: skip
        waiting = asyncio.ensure_future(queue.wait(call))
        for _ in range(100):
            if not queue.state.is_signed_in(kommun.olle.id):
                break
            await asyncio.sleep(0.05)
        assert not queue.state.is_signed_in(kommun.olle.id)
        assert signalling.bridged == ["4001", "4001"]  # two misses, then signed out
        call.ended()
        assert (await asyncio.wait_for(waiting, 5)).outcome is QueueOutcome.ABANDONED
        phone.session.close()
        await queue.stop()

    asyncio.run(main())
    assert stored(db) == []

    async def restarted() -> int:
        return await SwitchboardQueue("vaxeln", clock=clock, database=db).start()

    assert asyncio.run(restarted()) == 0
