from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from vaxel.domain.callbacks import (
    CallbackReason,
    CallbackStatus,
    CallbackTask,
    can_call_back,
    cancel,
    complete,
    completed_by_call,
    due_at,
    escalate_at,
    is_overdue,
    merge_missed_call,
    new_task,
)
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.telephone_hours import WorkCalendar

WORK = WorkCalendar()
CALLER = "+46701234567"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def test_due_at_end_of_next_working_day() -> None:
    assert due_at(at(2026, 12, 1, 10, 0), WORK) == at(2026, 12, 2, 17, 0)


def test_due_at_across_a_weekend() -> None:
    assert due_at(at(2026, 12, 4, 15, 0), WORK) == at(2026, 12, 7, 17, 0)  # Friday → Monday
    assert due_at(at(2026, 12, 6, 12, 0), WORK) == at(2026, 12, 7, 17, 0)  # Sunday → Monday


def test_due_at_across_midsommar() -> None:
    # Thursday 18 June 2026; midsommarafton (Friday) is closed, then the weekend.
    assert due_at(at(2026, 6, 18, 14, 0), WORK) == at(2026, 6, 22, 17, 0)


def test_due_at_across_christmas() -> None:
    assert due_at(at(2026, 12, 23, 11, 0), WORK) == at(2026, 12, 28, 17, 0)


def test_due_within_working_hours() -> None:
    assert due_at(at(2026, 12, 4, 16, 0), WORK, within_hours=2) == at(2026, 12, 7, 9, 0)
    assert due_at(at(2026, 6, 18, 16, 0), WORK, within_hours=4) == at(2026, 6, 22, 11, 0)


def missed(when: datetime, existing: CallbackTask | None = None, **kw: object) -> CallbackTask:
    fields: dict[str, object] = {"caller_number": CALLER, "for_person_id": 7}
    fields.update(kw)
    task, _ = merge_missed_call(existing, at=when, calendar=WORK, **fields)  # type: ignore[arg-type]
    return task


def test_a_second_missed_call_adds_an_attempt_instead_of_a_task() -> None:
    first, created = merge_missed_call(
        None, caller_number=CALLER, for_person_id=7, at=at(2026, 12, 1, 10), calendar=WORK
    )
    assert created and first.attempts == 1 and first.id == 0
    stored = replace(first, id=31)
    second, created = merge_missed_call(
        stored,
        caller_number=CALLER,
        for_person_id=7,
        at=at(2026, 12, 2, 9),
        calendar=WORK,
        caller_name="Per Ek",
    )
    assert not created
    assert second.id == 31
    assert second.attempts == 2
    assert second.last_attempt_at == at(2026, 12, 2, 9)
    assert second.due_at == first.due_at  # calling again does not push the deadline away
    assert second.caller_name == "Per Ek"


def test_different_number_person_or_closed_task_starts_a_new_task() -> None:
    stored = replace(missed(at(2026, 12, 1, 10)), id=31)
    assert missed(at(2026, 12, 1, 11), stored, caller_number="+46709999999").id == 0
    assert missed(at(2026, 12, 1, 11), stored, for_person_id=8).id == 0
    done = complete(stored, at(2026, 12, 1, 10, 30), "called back")
    again = missed(at(2026, 12, 1, 11), done)
    assert again.id == 0 and again.attempts == 1


def test_hidden_numbers_never_merge() -> None:
    stored = replace(missed(at(2026, 12, 1, 10), caller_number="anonymous"), id=31)
    assert missed(at(2026, 12, 1, 11), stored, caller_number="anonymous").id == 0
    assert not can_call_back("anonymous") and not can_call_back("")
    assert can_call_back(CALLER)


def test_unit_tasks_merge_by_unit() -> None:
    stored = replace(missed(at(2026, 12, 1, 10), for_person_id=None, for_unit_id=4), id=5)
    assert missed(at(2026, 12, 1, 11), stored, for_person_id=None, for_unit_id=4).id == 5
    assert missed(at(2026, 12, 1, 11), stored, for_person_id=None, for_unit_id=6).id == 0


def test_a_task_is_for_someone() -> None:
    with pytest.raises(DomainError):
        new_task(CALLER, None, CallbackReason.MESSAGE, at(2026, 12, 1, 10), WORK)


def test_overdue_after_due_time_while_open() -> None:
    task = missed(at(2026, 12, 1, 10))
    assert not is_overdue(task, at(2026, 12, 2, 17, 0))
    assert is_overdue(task, at(2026, 12, 2, 17, 1))
    assert not is_overdue(complete(task, at(2026, 12, 2, 9), "called"), at(2026, 12, 3))


def test_overdue_compares_instants_in_the_repeated_autumn_hour() -> None:
    # 25 October 2026, 02:00-03:00 happens twice. Due 02:30 summer time (00:30 UTC); at 02:10
    # winter time (01:10 UTC) it is 40 minutes overdue, though the clock shows an earlier time.
    due = datetime(2026, 10, 25, 2, 30, tzinfo=TZ)
    task = replace(missed(at(2026, 10, 24, 10)), due_at=due)
    assert is_overdue(task, datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=TZ))
    assert not is_overdue(task, datetime(2026, 10, 25, 2, 10, fold=0, tzinfo=TZ))


def test_complete_and_cancel() -> None:
    task = missed(at(2026, 12, 1, 10))
    done = complete(task, at(2026, 12, 1, 11), "called back")
    assert done.status is CallbackStatus.DONE
    assert done.completed_at == at(2026, 12, 1, 11) and done.completed_how == "called back"
    with pytest.raises(DomainError) as err:
        complete(done, at(2026, 12, 1, 12), "again")
    assert err.value.field == "status"
    with pytest.raises(DomainError) as err:
        cancel(task, at(2026, 12, 1, 11), " ")
    assert err.value.field == "reason"
    assert cancel(task, at(2026, 12, 1, 11), "reached the switchboard").status is (
        CallbackStatus.CANCELLED
    )


def test_escalation_is_working_hours_after_due() -> None:
    task = missed(at(2026, 12, 1, 10))  # due Wed 17:00
    assert escalate_at(task, WORK) == at(2026, 12, 3, 16, 0)


def test_a_connected_outbound_call_completes_matching_tasks() -> None:
    mine = replace(missed(at(2026, 12, 1, 10)), id=1)
    colleagues = replace(missed(at(2026, 12, 1, 10), for_person_id=8), id=2)
    units = replace(missed(at(2026, 12, 1, 10), for_person_id=None, for_unit_id=4), id=3)
    other = replace(missed(at(2026, 12, 1, 10), caller_number="+46709999999"), id=4)
    later = replace(missed(at(2026, 12, 1, 15)), id=5)
    done = completed_by_call(
        [mine, colleagues, units, other, later], CALLER, at(2026, 12, 1, 14), by_person_id=7
    )
    assert [t.id for t in done] == [1, 3]
    assert all(t.status is CallbackStatus.DONE for t in done)
