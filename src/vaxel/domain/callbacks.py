"""Callback tasks (återuppringning): always call back whoever tried to reach us."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from vaxel.domain.clock import utc
from vaxel.domain.errors import DomainError
from vaxel.domain.telephone_hours import WorkCalendar

# If a task is still open this many working hours after it was due, tell the manager.
ESCALATE_AFTER_HOURS = 8.0


class CallbackReason(enum.StrEnum):
    MISSED_CALL = "missed_call"
    VOICEMAIL = "voicemail"
    MESSAGE = "message"  # taken by the switchboard
    QUEUE = "queue"  # a caller in the switchboard queue asked to be called back


class CallbackStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CallbackTask:
    """Someone to call back. `attempts` counts the caller's tries merged into this task."""

    id: int  # 0 until stored
    caller_number: str  # E.164 where it could be normalised
    for_person_id: int | None
    reason: CallbackReason
    created_at: datetime
    due_at: datetime
    caller_name: str = ""
    for_unit_id: int | None = None
    note: str = ""
    status: CallbackStatus = CallbackStatus.OPEN
    attempts: int = 0
    completed_at: datetime | None = None
    completed_how: str = ""
    last_attempt_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is CallbackStatus.OPEN


class Merge(NamedTuple):
    """What merge_missed_call decided: the task to store, and whether it is a new one."""

    task: CallbackTask
    created: bool


def due_at(
    created: datetime, calendar: WorkCalendar, within_hours: float | None = None
) -> datetime:
    """When a callback is due: end of the next working day, or `within_hours` working hours."""
    if within_hours is None:
        return calendar.end_of_next_working_day(created)
    return calendar.add_working_hours(created, within_hours)


def can_call_back(number: str) -> bool:
    """Whether a caller id is a number one can dial (not empty, hidden or "anonymous")."""
    digits = number.removeprefix("+")
    return bool(digits) and digits.isascii() and digits.isdigit()


def new_task(
    caller_number: str,
    for_person_id: int | None,
    reason: CallbackReason,
    at: datetime,
    calendar: WorkCalendar,
    *,
    within_hours: float | None = None,
    caller_name: str = "",
    for_unit_id: int | None = None,
    note: str = "",
) -> CallbackTask:
    """A new open task (id 0 until stored) for one attempt by the caller."""
    if for_person_id is None and for_unit_id is None:
        raise DomainError("for", "a callback is for a person or a unit")
    return CallbackTask(
        id=0,
        caller_number=caller_number,
        for_person_id=for_person_id,
        reason=reason,
        created_at=at,
        due_at=due_at(at, calendar, within_hours),
        caller_name=caller_name,
        for_unit_id=for_unit_id,
        note=note,
        attempts=1,
        last_attempt_at=at,
    )


def merge_missed_call(
    existing_open: CallbackTask | None,
    *,
    caller_number: str,
    for_person_id: int | None,
    at: datetime,
    calendar: WorkCalendar,
    for_unit_id: int | None = None,
    caller_name: str = "",
    reason: CallbackReason = CallbackReason.MISSED_CALL,
) -> Merge:
    """Fold a missed call into the caller's open task for the same person, or start one.

    `existing_open` is the open task (if any) for this caller and person or unit, as storage
    found it. Calling three times makes one task with three attempts, not three tasks; its due
    time stays that of the first call, so repeated calls do not push the deadline away.
    Hidden numbers never merge: two anonymous callers are not the same person.
    """
    if (
        existing_open is not None
        and existing_open.is_open
        and can_call_back(caller_number)
        and existing_open.caller_number == caller_number
        and existing_open.for_person_id == for_person_id
        and (for_person_id is not None or existing_open.for_unit_id == for_unit_id)
    ):
        merged = replace(
            existing_open,
            attempts=existing_open.attempts + 1,
            last_attempt_at=at,
            caller_name=existing_open.caller_name or caller_name,
        )
        return Merge(merged, created=False)
    task = new_task(
        caller_number,
        for_person_id,
        reason,
        at,
        calendar,
        caller_name=caller_name,
        for_unit_id=for_unit_id,
    )
    return Merge(task, created=True)


def is_overdue(task: CallbackTask, now: datetime) -> bool:
    """Open and past its due time."""
    return task.is_open and utc(now) > utc(task.due_at)


def escalate_at(
    task: CallbackTask, calendar: WorkCalendar, after_hours: float = ESCALATE_AFTER_HOURS
) -> datetime:
    """When the manager should be told about a task still open (working hours after due)."""
    return calendar.add_working_hours(task.due_at, after_hours)


def complete(task: CallbackTask, at: datetime, how: str) -> CallbackTask:
    """The task marked done at `at`; `how` says how ("called back", "outbound call seen")."""
    if not task.is_open:
        raise DomainError("status", f"the callback is already {task.status.value}")
    return replace(task, status=CallbackStatus.DONE, completed_at=at, completed_how=how)


def cancel(task: CallbackTask, at: datetime, why: str) -> CallbackTask:
    """The task cancelled (e.g. the caller reached someone else); the reason is required."""
    if not why.strip():
        raise DomainError("reason", "say why the callback is cancelled")
    if not task.is_open:
        raise DomainError("status", f"the callback is already {task.status.value}")
    return replace(task, status=CallbackStatus.CANCELLED, completed_at=at, completed_how=why)


def completed_by_call(
    tasks: Iterable[CallbackTask],
    dialled_e164: str,
    connected_at: datetime,
    by_person_id: int | None = None,
) -> list[CallbackTask]:
    """Open tasks that a connected outbound call to their number completes, completed.

    With `by_person_id`, only that person's tasks and tasks for no particular person count:
    a colleague calling the same citizen about something else does not close your task.
    """
    done: list[CallbackTask] = []
    for task in tasks:
        if not task.is_open or task.caller_number != dialled_e164:
            continue
        if utc(task.created_at) > utc(connected_at):
            continue
        if by_person_id is not None and task.for_person_id not in (None, by_person_id):
            continue
        done.append(complete(task, connected_at, "outbound call connected"))
    return done
