"""Call records: what the switch fills in for every call."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class CallOutcome(enum.StrEnum):
    ANSWERED = "answered"
    VOICEMAIL = "voicemail"
    ANNOUNCEMENT = "announcement"  # the caller heard a return time or telephone hours and left
    ABANDONED = "abandoned"
    BUSY = "busy"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CallRecord:
    from_number: str
    to_number: str
    started_at: datetime
    outcome: CallOutcome
    unit_id: int | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    answered_by: str = ""
    informed: bool = False  # the caller was told a return time or the next opening

    @property
    def wait_s(self) -> float | None:
        """Seconds from start until answer (or until the end for unanswered calls)."""
        end = self.answered_at or self.ended_at
        return None if end is None else (end - self.started_at).total_seconds()
