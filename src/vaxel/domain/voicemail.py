"""Voicemail boxes: one per extension, with a greeting that says whose phone it is."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class GreetingState(enum.StrEnum):
    NONE = "none"  # no greeting at all: a finding for policy check
    DEFAULT = "default"  # the spoken default greeting with name and unit
    RECORDED = "recorded"


@dataclass(frozen=True, slots=True)
class Mailbox:
    id: int
    extension: str
    person_id: int | None
    greeting: GreetingState = GreetingState.DEFAULT


@dataclass(frozen=True, slots=True)
class VoicemailMessage:
    id: int
    mailbox_id: int
    caller_number: str
    received_at: datetime
    duration_s: float
    path: str
    heard: bool = False
