"""Call barring: no private use; exceptions decided by the unit's verksamhetschef."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class NumberClass(enum.StrEnum):
    """What kind of destination a dialled number is (classified with phonenumbers)."""

    EMERGENCY = "emergency"  # 112, 114 14, 113 13: always allowed
    INTERNAL = "internal"
    NATIONAL = "national"
    MOBILE = "mobile"
    INTERNATIONAL = "international"
    PREMIUM = "premium"  # 0900, 0939, 0944


class BarringClass(enum.StrEnum):
    """The widest destination class a person may call (ordered narrowest first)."""

    INTERNAL = "internal"
    NATIONAL = "national"  # + mobile
    INTERNATIONAL = "international"
    UNRESTRICTED = "unrestricted"  # + premium rate


class ExceptionKind(enum.StrEnum):
    PRIVATE_USE = "private_use"
    AFTER_HOURS = "after_hours"  # must be reachable after working hours


@dataclass(frozen=True, slots=True)
class BarringException:
    person_id: int
    kind: ExceptionKind
    decided_by_id: int  # the unit's verksamhetschef
    reason: str
    valid_from: datetime
    valid_to: datetime
    decided_at: datetime | None = None
