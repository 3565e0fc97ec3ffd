"""The audit log: who changed what, when, through which channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vaxel.domain.presence import Channel


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    channel: Channel
    action: str  # e.g. "absence.set", "person.import"
    subject: str  # e.g. "person:42"
    detail: str = ""
