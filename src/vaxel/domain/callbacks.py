"""Callback tasks (återuppringning): always call back whoever tried to reach us."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


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
    id: int
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
