"""A caller who leaves the switchboard queue asking for a callback: the call's outcome."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from callkit import Kommun, open_call, spoken_frames

from vaxel.domain.calls import CallOutcome
from vaxel.domain.clock import TZ
from vaxel.flows.callbacks import CallbackFlows
from vaxel.media.speech import Speech
from vaxel.storage import Database
from vaxel.storage.callbacks import CallbackRepository
from vaxel.switch.apps import prompts
from vaxel.switch.apps.plan_executor import CallResult, PlanExecutor
from vaxel.switch.apps.queue import QueueOutcome, QueueSettings, SwitchboardQueue
from vaxel.switch.call_context import CallInfo
from vaxel.switch.routing import IncomingCall, RoutingSettings, SwitchboardTarget, route

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


def test_a_callback_from_the_queue_is_recorded_as_callback(
    db: Database, kommun: Kommun, speech: Speech
) -> None:
    start = time.monotonic()

    def clock() -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - start)

    flows = CallbackFlows(db)
    queue = SwitchboardQueue("vaxeln", QueueSettings(), clock=clock, callbacks=flows)
    executor = PlanExecutor(queues={"vaxeln": queue}, observers=[flows])
    plan = route(IncomingCall("+46701234567", "0"), SwitchboardTarget(), T0, RoutingSettings())
    offer = spoken_frames(speech, prompts.QUEUE_CALLBACK_OFFER.text)
    spoken_frames(speech, "Du står först i kön.")
    spoken_frames(speech, prompts.QUEUE_NO_OPERATOR.text)
    spoken_frames(speech, prompts.queue_callback_confirmed_sv("+46701234567"))

    async def main() -> CallResult:
        call, phone, _ = await open_call(
            speech, CallInfo("cb", "+46701234567", "0", "Per Persson"), clock=clock
        )
        running = asyncio.ensure_future(executor.run(call, plan))
        await phone.heard(offer[:20], timeout=10)  # nobody signed in: offered at once
        await phone.press("1")
        result = await asyncio.wait_for(running, 10)
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.queue is not None and result.queue.outcome is QueueOutcome.CALLBACK
    with db.session() as s:  # exactly one task: the queue's, not a second "missed call"
        assert len(CallbackRepository(s).tasks()) == 1
    assert result.outcome is CallOutcome.CALLBACK
