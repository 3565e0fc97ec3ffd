"""Call records: what the switch fills in for every call.

Outcomes are stored as their string values (no database enum or check constraint), so a new
one needs no migration; whatever shows or counts outcomes must know every value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class CallOutcome(enum.StrEnum):
    ANSWERED = "answered"
    VOICEMAIL = "voicemail"
    ANNOUNCEMENT = "announcement"  # the caller heard a return time or telephone hours and left
    CALLBACK = "callback"  # the caller left the switchboard queue asking to be called back
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
