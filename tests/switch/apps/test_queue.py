"""The switchboard queue on real calls: order, offering, the callback offer, abandoned calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from callkit import BridgeScript, FakeSignalling, Kommun, open_call, spoken_frames

from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.calls import CallOutcome
from vaxel.domain.clock import TZ
from vaxel.flows.callbacks import CallbackFlows
from vaxel.media.g711 import PCMU
from vaxel.media.sources import hold_music_source
from vaxel.media.speech import Speech
from vaxel.storage import Database
from vaxel.storage.callbacks import CallbackRepository
from vaxel.switch.apps import prompts
from vaxel.switch.apps.plan_executor import CallResult, PlanExecutor
from vaxel.switch.apps.queue import (
    QueueOutcome,
    QueueResult,
    QueueSettings,
    SwitchboardQueue,
)
from vaxel.switch.apps.queue_state import Operator
from vaxel.switch.call_context import CallInfo, RingOutcome, RingResult
from vaxel.switch.routing import IncomingCall, QueueStep, RoutingSettings, SwitchboardTarget, route

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)
OLLE = Operator(2, "Olle Ek", "4001")


def wall_clock() -> Callable[[], datetime]:
    """Tuesday 10:00 when the test starts, then running as time really passes."""
    start = time.monotonic()
    return lambda: T0 + timedelta(seconds=time.monotonic() - start)


def answers_after(seconds: float) -> BridgeScript:
    async def bridge(number: str, timeout_s: float) -> RingResult:
        await asyncio.sleep(seconds)
        return RingResult(RingOutcome.ANSWERED, answered_by=f"operator {number}")

    return bridge


def test_two_callers_one_operator(speech: Speech) -> None:
    clock = wall_clock()
    queue = SwitchboardQueue("vaxeln", QueueSettings(offer_timeout_s=10), clock=clock)
    second_place = spoken_frames(speech, "Du har plats nummer två i kön.")
    spoken_frames(speech, "Du står först i kön.")  # in the cache before the calls start
    music = hold_music_source().frame_list(PCMU)

    async def main() -> tuple[QueueResult, QueueResult]:
        queue.sign_in(OLLE)
        a, a_phone, a_sig = await open_call(
            speech, CallInfo("a", "+46701111111", "0570-810 00"), clock=clock,
            signalling=FakeSignalling(bridge_script=answers_after(0.8)),
        )  # fmt: skip
        b, b_phone, b_sig = await open_call(
            speech, CallInfo("b", "+46702222222", "0570-810 00"), clock=clock,
            signalling=FakeSignalling(bridge_script=answers_after(0.3)),
        )  # fmt: skip
        a_waits = asyncio.ensure_future(queue.wait(a, dialled="Växeln"))
        await asyncio.sleep(0.1)
        b_waits = asyncio.ensure_future(queue.wait(b, dialled="Växeln"))
        await asyncio.sleep(0.1)
        assert [(v.call_id, v.position, v.offered_to) for v in queue.snapshot()] == [
            ("a", 1, OLLE.person_id),  # Olle's phone rings for the first caller
            ("b", 2, None),
        ]
        a_result = await asyncio.wait_for(a_waits, 5)
        assert [v.call_id for v in queue.snapshot()] == ["b"]
        at = await b_phone.heard(second_place, timeout=5)  # b was told their place
        await b_phone.heard(music[:50], start=at)  # then hold music, from the start
        assert not b_waits.done()  # Olle is busy with a
        a.ended()  # a's call with Olle is over: Olle is free, b is next
        b_result = await asyncio.wait_for(b_waits, 5)
        assert a_sig.bridged == ["4001"] and b_sig.bridged == ["4001"]
        b.ended()
        await asyncio.sleep(0)
        for phone in (a_phone, b_phone):
            phone.session.close()
        return a_result, b_result

    a_result, b_result = asyncio.run(main())
    assert a_result.outcome is QueueOutcome.ANSWERED and a_result.answered_by == "operator 4001"
    assert b_result.outcome is QueueOutcome.ANSWERED
    assert b_result.wait_s > a_result.wait_s
    assert queue.stats.answered == 2 and queue.stats.abandoned == 0
    assert queue.operators()[0].on_call is None  # free again


def test_a_long_wait_is_offered_a_callback(db: Database, kommun: Kommun, speech: Speech) -> None:
    clock = wall_clock()
    callbacks = CallbackFlows(db)
    settings = QueueSettings(callback_offer_after_s=1.5, announce_every_s=30)
    queue = SwitchboardQueue("vaxeln", settings, clock=clock, callbacks=callbacks)
    offer = spoken_frames(speech, prompts.QUEUE_CALLBACK_OFFER.text)
    confirmed = spoken_frames(speech, prompts.queue_callback_confirmed_sv("+46701234567"))
    spoken_frames(speech, "Du står först i kön.")
    cancelled: list[bool] = []

    async def never_answers(number: str, timeout_s: float) -> RingResult:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)  # the B2BUA would CANCEL the operator's leg here
            raise
        raise AssertionError("unreachable")

    async def main() -> QueueResult:
        queue.sign_in(OLLE)
        call, phone, signalling = await open_call(
            speech, CallInfo("c", "+46701234567", "0570-810 00", "Per Persson"), clock=clock,
            signalling=FakeSignalling(bridge_script=never_answers),
        )  # fmt: skip
        waiting = asyncio.ensure_future(queue.wait(call))
        at = await phone.heard(offer[:20], timeout=10)
        await phone.press("1")
        await phone.heard(confirmed, start=at, timeout=10)
        result = await asyncio.wait_for(waiting, 5)
        assert signalling.hangups == 1 and signalling.bridged == ["4001"]
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is QueueOutcome.CALLBACK and result.callback_task_id is not None
    assert result.wait_s >= 1.5
    assert cancelled == [True]  # the operator's phone stopped ringing
    assert queue.operators()[0].missed == 0  # not Olle's fault
    assert queue.snapshot() == [] and queue.stats.callbacks == 1
    with db.session() as s:
        task = CallbackRepository(s).get(result.callback_task_id)
    assert task.reason is CallbackReason.QUEUE and task.caller_number == "+46701234567"
    assert task.for_unit_id == kommun.kommun and task.caller_name == "Per Persson"


def test_nobody_signed_in_offers_the_callback_at_once(
    db: Database, kommun: Kommun, speech: Speech
) -> None:
    clock = wall_clock()
    queue = SwitchboardQueue("vaxeln", clock=clock, callbacks=CallbackFlows(db))
    said = spoken_frames(speech, prompts.QUEUE_NO_OPERATOR.text)
    offer = spoken_frames(speech, prompts.QUEUE_CALLBACK_OFFER.text)
    spoken_frames(speech, "Du står först i kön.")

    async def main() -> None:
        call, phone, _ = await open_call(speech, CallInfo("n", "+46701234567", "0"), clock=clock)
        waiting = asyncio.ensure_future(queue.wait(call))
        at = await phone.heard(said, timeout=10)
        await phone.heard(offer, start=at, timeout=10)  # long before the usual 90 s
        call.ended()
        result = await asyncio.wait_for(waiting, 5)
        assert result.outcome is QueueOutcome.ABANDONED
        phone.session.close()

    asyncio.run(main())


def test_a_caller_who_hangs_up_is_recorded_as_abandoned_with_the_wait(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    clock = wall_clock()
    queue = SwitchboardQueue("vaxeln", clock=clock)
    queue_step_plan = route(IncomingCall("+46701234567", "0"), SwitchboardTarget(), T0,
                            RoutingSettings())  # fmt: skip
    assert queue_step_plan.steps == (QueueStep("vaxeln"),)
    executor = PlanExecutor(queues={"vaxeln": queue}, observers=[CallbackFlows(db)])
    spoken_frames(speech, "Du står först i kön.")
    spoken_frames(speech, prompts.QUEUE_NO_OPERATOR.text)

    async def main() -> CallResult:
        call, phone, _ = await open_call(speech, CallInfo("x", "+46701234567", "0"), clock=clock)
        running = asyncio.ensure_future(executor.run(call, queue_step_plan))
        await asyncio.sleep(2.0)
        assert [v.call_id for v in queue.snapshot()] == ["x"]
        assert queue.snapshot()[0].wait_s >= 1.5
        call.ended()
        result = await asyncio.wait_for(running, 5)
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is CallOutcome.ABANDONED and result.queue is not None
    assert 1.9 <= result.queue.wait_s < 4
    assert queue.stats.abandoned == 1
    assert [round(left.wait_s) for left in queue.abandoned] == [2]
    assert queue.snapshot() == []
    with db.session() as s:  # no callee given: the queue call is not anyone's missed call
        assert CallbackRepository(s).tasks() == []


def test_the_console_picks_a_caller(speech: Speech) -> None:
    clock = wall_clock()
    queue = SwitchboardQueue("vaxeln", clock=clock)
    spoken_frames(speech, "Du står först i kön.")
    spoken_frames(speech, "Du har plats nummer två i kön.")
    spoken_frames(speech, prompts.QUEUE_NO_OPERATOR.text)

    async def main() -> None:
        first, p1, _ = await open_call(speech, CallInfo("1", "+46701111111", "0"), clock=clock)
        second, p2, sig2 = await open_call(
            speech, CallInfo("2", "+46702222222", "0"), clock=clock,
            signalling=FakeSignalling(bridge_script=answers_after(0.2)),
        )  # fmt: skip
        w1 = asyncio.ensure_future(queue.wait(first))
        await asyncio.sleep(0.05)
        w2 = asyncio.ensure_future(queue.wait(second))
        await asyncio.sleep(0.3)
        view = await queue.pick("2", Operator(9, "Kim", "4009"))  # not signed in: a pick works
        assert view.call_id == "2" and view.position == 2
        result = await asyncio.wait_for(w2, 5)
        assert result.outcome is QueueOutcome.ANSWERED and sig2.bridged == ["4009"]
        assert [v.call_id for v in queue.snapshot()] == ["1"]
        first.ended()
        assert (await asyncio.wait_for(w1, 5)).outcome is QueueOutcome.ABANDONED
        second.ended()
        for phone in (p1, p2):
            phone.session.close()

    asyncio.run(main())
