"""Missed calls become callbacks, repeated calls add attempts, a call back completes them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from flowkit import Org

from vaxel.domain.callbacks import CallbackReason, CallbackStatus, CallbackTask
from vaxel.domain.calls import CallOutcome
from vaxel.domain.clock import TZ
from vaxel.domain.telephone_hours import DEFAULT_WORK_CALENDAR
from vaxel.domain.voicemail import VoicemailMessage
from vaxel.flows.callbacks import CallbackFlows
from vaxel.storage import Database
from vaxel.storage.callbacks import CallbackRepository
from vaxel.switch.apps.plan_executor import CallResult, FinishedCall
from vaxel.switch.apps.queue import QueueCallbackRequest
from vaxel.switch.call_context import Callee, CallInfo
from vaxel.switch.routing import AnnounceStep, RoutePlan, RouteReason

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # Tuesday
CITIZEN = "+46701234567"


def tasks(db: Database, for_person_id: int | None = None) -> list[CallbackTask]:
    with db.session() as s:
        return CallbackRepository(s).tasks(for_person_id=for_person_id, status=None)


def test_a_missed_call_becomes_a_task_due_by_the_working_hours_rule(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    task = flows.missed_call(caller_number="070-123 45 67", at=NOW, for_person_id=org.anna,
                             for_unit_id=org.it, caller_name="Per Persson")  # fmt: skip
    assert task is not None and task.id
    assert task.caller_number == CITIZEN  # normalised, so a call back can be recognised
    assert task.reason is CallbackReason.MISSED_CALL and task.attempts == 1
    assert task.due_at == DEFAULT_WORK_CALENDAR.end_of_next_working_day(NOW)
    assert task.caller_name == "Per Persson"


def test_calling_again_adds_an_attempt_without_moving_the_due_time(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    first = flows.missed_call(caller_number=CITIZEN, at=NOW, for_person_id=org.anna)
    again = flows.missed_call(caller_number=CITIZEN, at=NOW + timedelta(hours=3),
                              for_person_id=org.anna)  # fmt: skip
    assert first is not None and again is not None
    assert again.id == first.id and again.attempts == 2 and again.due_at == first.due_at
    # Calling a colleague is a different task.
    other = flows.missed_call(caller_number=CITIZEN, at=NOW, for_person_id=org.bo)
    assert other is not None and other.id != first.id
    assert len(tasks(db)) == 2


def test_hidden_numbers_and_nobody_to_call_back_make_no_task(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    assert flows.missed_call(caller_number="anonymous", at=NOW, for_person_id=org.anna) is None
    assert flows.missed_call(caller_number="", at=NOW, for_person_id=org.anna) is None
    assert flows.missed_call(caller_number=CITIZEN, at=NOW) is None
    assert tasks(db) == []


def test_a_configured_deadline_in_working_hours(db: Database, org: Org) -> None:
    flows = CallbackFlows(db, within_hours=4)
    task = flows.missed_call(caller_number=CITIZEN, at=NOW, for_person_id=org.anna)
    assert task is not None and task.due_at == NOW + timedelta(hours=4)


def test_a_voicemail_turns_a_missed_call_task_into_a_voicemail_task(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    flows.missed_call(caller_number=CITIZEN, at=NOW, for_person_id=org.anna)
    task = flows.missed_call(caller_number=CITIZEN, at=NOW + timedelta(minutes=5),
                             for_person_id=org.anna, reason=CallbackReason.VOICEMAIL,
                             note="Röstmeddelande.")  # fmt: skip
    assert task is not None and task.attempts == 2
    assert task.reason is CallbackReason.VOICEMAIL and task.note == "Röstmeddelande."


def test_extensions_are_called_back_by_their_full_number(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    task = flows.missed_call(caller_number="4200", at=NOW, for_person_id=org.anna)
    assert task is not None and task.caller_number == "+46101304200"
    done = flows.outbound_connected(dialled="4200", at=NOW + timedelta(hours=1),
                                    by_person_id=org.anna)  # fmt: skip
    assert [t.id for t in done] == [task.id]


def test_calling_back_completes_the_task_but_a_colleagues_call_does_not(
    db: Database, org: Org
) -> None:
    flows = CallbackFlows(db)
    task = flows.missed_call(caller_number=CITIZEN, at=NOW, for_person_id=org.anna)
    assert task is not None
    later = NOW + timedelta(hours=2)
    assert flows.outbound_connected(dialled="0701234567", at=later, by_person_id=org.bo) == []
    done = flows.outbound_connected(dialled="0701234567", at=later, by_person_id=org.anna)
    assert [(t.id, t.status, t.completed_how) for t in done] == [
        (task.id, CallbackStatus.DONE, "outbound call connected")
    ]
    assert tasks(db, for_person_id=org.anna)[0].completed_at == later
    # Nothing open is left to complete.
    assert flows.outbound_connected(dialled=CITIZEN, at=later, by_person_id=org.anna) == []
    # A new missed call after that is a new task.
    fresh = flows.missed_call(caller_number=CITIZEN, at=later + timedelta(hours=1),
                              for_person_id=org.anna)  # fmt: skip
    assert fresh is not None and fresh.id != task.id and fresh.attempts == 1


def finished(result: CallResult, callee: Callee | None) -> FinishedCall:
    plan = RoutePlan((AnnounceStep("x", "x"),), result.reason, True, "x")
    info = CallInfo("id", CITIZEN, "4123", "Per Persson")
    return FinishedCall(info, callee, plan, result, NOW, NOW + timedelta(minutes=1))


def test_the_executor_observer_only_counts_unanswered_calls_without_a_message(
    db: Database, org: Org
) -> None:
    flows = CallbackFlows(db)
    anna = Callee(org.anna, org.it, "4123")
    reason = RouteReason.ABSENT
    message = VoicemailMessage(1, 1, CITIZEN, NOW, 5.0, "/x.wav")

    async def main() -> None:
        await flows.call_finished(finished(CallResult(CallOutcome.ANSWERED, False, reason), anna))
        await flows.call_finished(finished(
            CallResult(CallOutcome.VOICEMAIL, True, reason, voicemail=message), anna
        ))  # fmt: skip
        await flows.call_finished(finished(
            CallResult(CallOutcome.CALLBACK, True, reason, detail="queue_callback"), anna
        ))  # fmt: skip
        await flows.call_finished(finished(CallResult(CallOutcome.ABANDONED, False, reason), None))
        assert tasks(db) == []
        await flows.call_finished(
            finished(CallResult(CallOutcome.ANNOUNCEMENT, True, reason), anna)
        )
        await flows.call_finished(finished(CallResult(CallOutcome.BUSY, False, reason), anna))

    asyncio.run(main())
    [task] = tasks(db)
    assert task.for_person_id == org.anna and task.attempts == 2
    assert task.created_at == NOW and task.caller_name == "Per Persson"


def test_a_queue_callback_is_for_the_kommun_unless_the_queue_says(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    request = QueueCallbackRequest("vaxeln", CITIZEN, NOW, 95.4, caller_name="Per Persson")

    async def main() -> tuple[int | None, int | None, int | None]:
        first = await flows.queue_callback(request)
        bygglov = await flows.queue_callback(replace(request, unit_id=org.bygg))
        hidden = await flows.queue_callback(replace(request, caller_number="anonymous"))
        return first, bygglov, hidden

    first, bygglov, hidden = asyncio.run(main())
    assert first is not None and bygglov is not None and hidden is None
    with db.session() as s:
        repo = CallbackRepository(s)
        kommun_task, bygg_task = repo.get(first), repo.get(bygglov)
    assert kommun_task.for_unit_id == org.kommun and kommun_task.reason is CallbackReason.QUEUE
    assert kommun_task.note == "Bad om återuppringning i kön efter 95 sekunder."
    assert bygg_task.for_unit_id == org.bygg


def test_connected_runs_off_the_event_loop(db: Database, org: Org) -> None:
    flows = CallbackFlows(db)
    flows.missed_call(caller_number=CITIZEN, at=NOW, for_person_id=org.anna)

    async def main() -> int:
        done = await flows.connected(dialled=CITIZEN, at=NOW + timedelta(hours=1))
        return len(done)

    assert asyncio.run(main()) == 1
