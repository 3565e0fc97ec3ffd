"""Callback tasks (återuppringning): stored, updated, listed; never forgotten.

The rules (due time in working hours, merging repeated missed calls, completion by an
outbound call) are in ``vaxel.domain.callbacks``; this module stores what they decide.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain import callbacks as rules
from vaxel.domain.callbacks import CallbackReason, CallbackStatus, CallbackTask
from vaxel.domain.clock import require_aware
from vaxel.domain.presence import Channel
from vaxel.domain.telephone_hours import DEFAULT_WORK_CALENDAR, WorkCalendar
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import CallbackRow


def task_of(row: CallbackRow) -> CallbackTask:
    return CallbackTask(
        id=row.id,
        caller_number=row.caller_number,
        for_person_id=row.for_person_id,
        reason=CallbackReason(row.reason),
        created_at=row.created_at,
        due_at=row.due_at,
        caller_name=row.caller_name,
        for_unit_id=row.for_unit_id,
        note=row.note,
        status=CallbackStatus(row.status),
        attempts=row.attempts,
        completed_at=row.completed_at,
        completed_how=row.completed_how,
        last_attempt_at=row.last_attempt_at,
    )


def _copy(task: CallbackTask, row: CallbackRow) -> None:
    row.caller_number = task.caller_number
    row.caller_name = task.caller_name
    row.for_person_id = task.for_person_id
    row.for_unit_id = task.for_unit_id
    row.reason = str(task.reason)
    row.note = task.note
    row.created_at = task.created_at
    row.due_at = task.due_at
    row.status = str(task.status)
    row.attempts = task.attempts
    row.last_attempt_at = task.last_attempt_at
    row.completed_at = task.completed_at
    row.completed_how = task.completed_how


class CallbackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        caller_number: str,
        reason: CallbackReason,
        *,
        at: datetime,
        actor: str,
        channel: Channel,
        for_person_id: int | None = None,
        for_unit_id: int | None = None,
        caller_name: str = "",
        note: str = "",
        calendar: WorkCalendar = DEFAULT_WORK_CALENDAR,
        within_hours: float | None = None,
    ) -> CallbackTask:
        """A new open task, due by the domain's working-hours rule."""
        task = rules.new_task(
            caller_number.strip(), for_person_id, reason, at, calendar,
            within_hours=within_hours, caller_name=caller_name, for_unit_id=for_unit_id,
            note=note,
        )  # fmt: skip
        return self.add(task, actor=actor, channel=channel)

    def add(self, task: CallbackTask, *, actor: str, channel: Channel) -> CallbackTask:
        """Store a new task built by the domain (``task.id`` is ignored)."""
        require_aware(task.created_at, "created_at")
        require_aware(task.due_at, "due_at")
        if task.for_person_id is None and task.for_unit_id is None:
            raise ValueError("for: a callback is for a person or a unit")
        row = CallbackRow()
        _copy(task, row)
        self.session.add(row)
        self.session.flush()
        audit(
            self.session, actor, channel, "callback.create", f"callback:{row.id}",
            f"{task.reason} from {task.caller_number}", at=task.created_at,
        )  # fmt: skip
        note_change(self.session, "callback", row.id)
        return task_of(row)

    def save(
        self, task: CallbackTask, *, actor: str, channel: Channel, at: datetime | None = None
    ) -> CallbackTask:
        """Store what a domain rule changed (attempts merged, completed, cancelled)."""
        row = self._row(task.id)
        before = row.status
        _copy(task, row)
        action = "callback.update"
        if before != row.status:
            action = f"callback.{'complete' if task.status is CallbackStatus.DONE else 'cancel'}"
        audit(
            self.session, actor, channel, action, f"callback:{task.id}", task.completed_how,
            at=at or task.completed_at or task.last_attempt_at,
        )  # fmt: skip
        note_change(self.session, "callback", task.id)
        return task_of(row)

    def complete(
        self, task_id: int, *, at: datetime, how: str, actor: str, channel: Channel
    ) -> CallbackTask:
        """Done: ``how`` says how ("ringde upp", "outbound call connected", ...)."""
        task = rules.complete(self.get(task_id), at, how)
        return self.save(task, actor=actor, channel=channel, at=at)

    def cancel(
        self, task_id: int, *, at: datetime, why: str, actor: str, channel: Channel
    ) -> CallbackTask:
        task = rules.cancel(self.get(task_id), at, why)
        return self.save(task, actor=actor, channel=channel, at=at)

    def get(self, task_id: int) -> CallbackTask:
        return task_of(self._row(task_id))

    def tasks(
        self,
        *,
        for_person_id: int | None = None,
        for_unit_ids: set[int] | None = None,
        status: CallbackStatus | None = CallbackStatus.OPEN,
        due_before: datetime | None = None,
    ) -> list[CallbackTask]:
        """Tasks, the earliest due first; open ones unless another ``status`` (None: all)."""
        query = select(CallbackRow).order_by(CallbackRow.due_at, CallbackRow.id)
        if for_person_id is not None:
            query = query.where(CallbackRow.for_person_id == for_person_id)
        if for_unit_ids is not None:
            query = query.where(CallbackRow.for_unit_id.in_(for_unit_ids))
        if status is not None:
            query = query.where(CallbackRow.status == str(status))
        if due_before is not None:
            query = query.where(CallbackRow.due_at < due_before)
        return [task_of(r) for r in self.session.scalars(query)]

    def open_for_number(self, caller_number: str) -> list[CallbackTask]:
        """Open tasks to call this number back (a connected call to it may complete them)."""
        query = select(CallbackRow).where(
            CallbackRow.caller_number == caller_number,
            CallbackRow.status == str(CallbackStatus.OPEN),
        )
        return [task_of(r) for r in self.session.scalars(query)]

    def _row(self, task_id: int) -> CallbackRow:
        row = self.session.get(CallbackRow, task_id)
        if row is None:
            raise NotFound(f"no callback task {task_id}")
        return row
