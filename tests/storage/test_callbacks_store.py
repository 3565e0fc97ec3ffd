"""Callback tasks in storage: due in working hours, listed, completed with an audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain import callbacks as rules
from vaxel.domain.callbacks import CallbackReason, CallbackStatus
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.telephone_hours import DEFAULT_WORK_CALENDAR
from vaxel.storage import Database
from vaxel.storage.audit import AuditRepository
from vaxel.storage.callbacks import CallbackRepository


def test_create_list_complete(db: Database, org: Org) -> None:
    friday = datetime(2026, 3, 13, 15, 0, tzinfo=TZ)
    with db.session() as s:
        task = CallbackRepository(s).create(
            "+46701234567", CallbackReason.MISSED_CALL, at=friday, actor="switch",
            channel=CLI, for_person_id=org.anna, caller_name="Per Persson",
        )  # fmt: skip
    # Due at the end of the next working day: Monday, not the weekend.
    assert task.due_at == datetime(2026, 3, 16, 17, 0, tzinfo=TZ)
    with db.session() as s:
        callbacks = CallbackRepository(s)
        assert [t.id for t in callbacks.tasks(for_person_id=org.anna)] == [task.id]
        assert callbacks.tasks(for_person_id=org.chef) == []
        assert [t.id for t in callbacks.open_for_number("+46701234567")] == [task.id]
        done = callbacks.complete(
            task.id, at=friday + timedelta(hours=1), how="ringde upp", actor="anna", channel=CLI
        )
        assert done.status is CallbackStatus.DONE
    with db.session() as s:
        callbacks = CallbackRepository(s)
        assert callbacks.tasks() == []
        stored = callbacks.get(task.id)
        assert stored.completed_how == "ringde upp"
        assert stored.completed_at == friday + timedelta(hours=1)
        with pytest.raises(DomainError):
            callbacks.complete(task.id, at=friday, how="again", actor="anna", channel=CLI)
        actions = [e.action for e in AuditRepository(s).entries(subject=f"callback:{task.id}")]
        assert actions == ["callback.complete", "callback.create"]


def test_merged_attempts_are_saved(db: Database, org: Org) -> None:
    with db.session() as s:
        task = CallbackRepository(s).create(
            "+46701234567", CallbackReason.MISSED_CALL, at=NOW, actor="switch", channel=CLI,
            for_person_id=org.anna,
        )  # fmt: skip
    with db.session() as s:
        callbacks = CallbackRepository(s)
        merged = rules.merge_missed_call(
            callbacks.get(task.id), caller_number="+46701234567", for_person_id=org.anna,
            at=NOW + timedelta(minutes=10), calendar=DEFAULT_WORK_CALENDAR,
        )  # fmt: skip
        assert not merged.created
        callbacks.save(merged.task, actor="switch", channel=CLI)
    with db.session() as s:
        stored = CallbackRepository(s).get(task.id)
        assert stored.attempts == 2
        assert stored.last_attempt_at == NOW + timedelta(minutes=10)
        assert stored.status is CallbackStatus.OPEN
