"""People: employees, elected officials, temporary staff and contractors."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class PersonKind(enum.StrEnum):
    ANSTALLD = "anställd"
    FORTROENDEVALD = "förtroendevald"
    TILLFALLIG = "tillfällig personal"
    EXTERN = "extern uppdragstagare"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    email: str
    unit_id: int
    kind: PersonKind = PersonKind.ANSTALLD
    title: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)
    valid_from: date | None = None
    valid_to: date | None = None
