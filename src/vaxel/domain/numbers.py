"""Numbers owned by the organisation: fixed extensions, mobiles and function numbers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class NumberKind(enum.StrEnum):
    EXTENSION = "extension"  # fixed extension (anknytning)
    MOBILE = "mobile"
    FUNCTION = "function"  # e.g. the main number, "Bygglov", "Skolskjuts"


@dataclass(frozen=True, slots=True)
class NumberAssignment:
    """A number assigned to a person or to a unit (function numbers) for a period."""

    e164: str
    kind: NumberKind
    person_id: int | None = None
    unit_id: int | None = None
    label: str = ""  # for function numbers: "Bygglov"
    extension: str | None = None  # the short internal number, e.g. "4123"
    valid_from: datetime | None = None
    valid_to: datetime | None = None
