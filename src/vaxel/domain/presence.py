"""Presence and hänvisning (diverting one's phone with a reason and a return time)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class AbsenceReason(enum.StrEnum):
    LUNCH = "lunch"
    MOTE = "möte"
    TILLFALLIGT_UTE = "tillfälligt ute"
    GATT_FOR_DAGEN = "gått för dagen"
    KURS = "kurs"
    TJANSTERESA = "tjänsteresa"
    SEMESTER = "semester"
    SJUK = "sjuk"
    VAB = "vab"
    FORALDRALEDIG = "föräldraledig"


class Channel(enum.StrEnum):
    """Where a change came from (audit and presence history)."""

    WEB = "web"
    CLI = "cli"
    PHONE = "phone"  # feature code
    OPERATOR = "operator"
    CALENDAR = "calendar"
    SYSTEM = "system"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class Absence:
    """A hänvisning: absent for a reason until a return time (None only where unknown)."""

    reason: AbsenceReason
    until: datetime | None
    note: str = ""
    set_by: str = ""
    set_at: datetime | None = None
    channel: Channel = Channel.WEB
