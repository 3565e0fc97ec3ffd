"""Always call back whoever tried to reach us (policy §2): the callback lifecycle of a call.

* A call from an identifiable number that ends unanswered creates a callback task for the
  callee, or adds an attempt to the caller's open task for them (domain.callbacks.merge_
  missed_call), due by the working-hours rule. With a voicemail, flows.voicemail does it
  (reason VOICEMAIL) and the end of the call adds nothing more, so one call is one attempt.
* A caller in the switchboard queue who presses 1 gets a task with reason QUEUE.
* A connected call from the callee to that number completes the task by itself
  (domain.callbacks.completed_by_call).

`CallbackFlows` is what the switch is given: as a `CallObserver` of the plan executor and as
the queue's `QueueCallbacks`; the B2BUA calls `outbound_connected` when a call is answered.
The blocking methods open their own database transaction; the async ones run them in a
worker thread so the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from vaxel.domain.callbacks import (
    CallbackReason,
    CallbackTask,
    can_call_back,
    completed_by_call,
    due_at,
    merge_missed_call,
)
from vaxel.domain.calls import CallOutcome
from vaxel.domain.numbers import NumberPlan, try_normalise
from vaxel.domain.presence import Channel
from vaxel.domain.telephone_hours import DEFAULT_WORK_CALENDAR, WorkCalendar
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository, kommun_root
from vaxel.switch.apps.plan_executor import FinishedCall
from vaxel.switch.apps.queue import QueueCallbackRequest

log = logging.getLogger(__name__)

ACTOR = "växeln"


class CallbackFlows:
    """Missed calls, voicemails and queue requests become callback tasks; see the module."""

    def __init__(
        self,
        database: Database,
        *,
        calendar: WorkCalendar = DEFAULT_WORK_CALENDAR,
        plan: NumberPlan | None = None,
        within_hours: float | None = None,
        actor: str = ACTOR,
    ) -> None:
        self.database = database
        self.calendar = calendar
        self.plan = plan or NumberPlan()
        self.within_hours = within_hours
        self.actor = actor

    def callable_number(self, number: str) -> str | None:
        """The number to call back on, E.164 where it can be; None for hidden callers."""
        text = number.strip()
        if self.plan.is_extension(text):
            return self.plan.e164_for_extension(text)
        candidate = try_normalise(text) or text
        return candidate if can_call_back(candidate) else None

    # -- blocking (own transaction) --------------------------------------------------------------

    def missed_call(
        self,
        *,
        caller_number: str,
        at: datetime,
        for_person_id: int | None = None,
        for_unit_id: int | None = None,
        caller_name: str = "",
        reason: CallbackReason = CallbackReason.MISSED_CALL,
        note: str = "",
    ) -> CallbackTask | None:
        """Create or add to the caller's open task for this person (or unit).

        None when there is nobody to call back (hidden number) or nobody it is for.
        """
        number = self.callable_number(caller_number)
        if number is None or (for_person_id is None and for_unit_id is None):
            return None
        with self.database.session() as session:
            repo = CallbackRepository(session)
            existing = _open_task(repo, number, for_person_id, for_unit_id)
            merged = merge_missed_call(
                existing,
                caller_number=number,
                for_person_id=for_person_id,
                at=at,
                calendar=self.calendar,
                for_unit_id=for_unit_id,
                caller_name=caller_name,
                reason=reason,
            )
            task = merged.task
            if merged.created and self.within_hours is not None:
                task = replace(task, due_at=due_at(at, self.calendar, self.within_hours))
            if reason is CallbackReason.VOICEMAIL and task.reason is not CallbackReason.VOICEMAIL:
                # A message to listen to says more than a missed call: show it as such.
                task = replace(task, reason=CallbackReason.VOICEMAIL)
            if note and note not in task.note:
                task = replace(task, note=f"{task.note} {note}".strip())
            if merged.created:
                return repo.add(task, actor=self.actor, channel=Channel.SYSTEM)
            return repo.save(task, actor=self.actor, channel=Channel.SYSTEM, at=at)

    def outbound_connected(
        self, *, dialled: str, at: datetime, by_person_id: int | None = None
    ) -> list[CallbackTask]:
        """A call to `dialled` was answered: complete the open tasks it settles."""
        number = self.callable_number(dialled)
        if number is None:
            return []
        with self.database.session() as session:
            repo = CallbackRepository(session)
            done = completed_by_call(repo.open_for_number(number), number, at, by_person_id)
            return [
                repo.save(task, actor=self.actor, channel=Channel.SYSTEM, at=at) for task in done
            ]

    def switchboard_unit(self) -> int | None:
        """The unit a queue's callbacks are for when the queue names none: the kommun."""
        with self.database.session() as session:
            root = kommun_root(DirectoryRepository(session).units_by_id())
        return None if root is None else root.id

    # -- what the switch calls ---------------------------------------------------------------

    async def call_finished(self, call: FinishedCall) -> None:
        """The plan executor is done with a call: an unanswered one becomes a callback."""
        result = call.result
        if result.outcome is CallOutcome.ANSWERED or call.callee is None:
            return
        if result.voicemail is not None or result.detail == "queue_callback":
            return  # flows.voicemail or the queue has already made the task for this call
        task = await asyncio.to_thread(
            self.missed_call,
            caller_number=call.info.caller,
            at=call.started_at,
            for_person_id=call.callee.person_id,
            for_unit_id=call.callee.unit_id,
            caller_name=call.info.caller_name,
        )
        if task is not None:
            log.info("callback %d for %s (%d attempts)", task.id, task.caller_number, task.attempts)

    async def queue_callback(self, request: QueueCallbackRequest) -> int | None:
        """A caller in the queue pressed 1: their task (reason QUEUE); its id."""
        unit_id = request.unit_id
        if unit_id is None:
            unit_id = await asyncio.to_thread(self.switchboard_unit)
        task = await asyncio.to_thread(
            self.missed_call,
            caller_number=request.caller_number,
            at=request.at,
            for_unit_id=unit_id,
            caller_name=request.caller_name,
            reason=CallbackReason.QUEUE,
            note=f"Bad om återuppringning i kön efter {round(request.wait_s)} sekunder.",
        )
        return None if task is None else task.id

    async def connected(
        self, *, dialled: str, at: datetime, by_person_id: int | None = None
    ) -> list[CallbackTask]:
        """`outbound_connected` off the event loop (the B2BUA calls it on every answer)."""
        return await asyncio.to_thread(
            self.outbound_connected, dialled=dialled, at=at, by_person_id=by_person_id
        )


def _open_task(
    repo: CallbackRepository, number: str, person_id: int | None, unit_id: int | None
) -> CallbackTask | None:
    """The caller's oldest open task for this person (or, without a person, this unit)."""
    for task in sorted(repo.open_for_number(number), key=lambda t: (t.created_at, t.id)):
        if task.for_person_id != person_id:
            continue
        if person_id is None and task.for_unit_id != unit_id:
            continue
        return task
    return None
