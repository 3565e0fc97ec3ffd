"""People: employees, elected officials, temporary staff and contractors."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date

from vaxel.domain.errors import DomainError
from vaxel.domain.text import fold


class PersonKind(enum.StrEnum):
    ANSTALLD = "anställd"
    FORTROENDEVALD = "förtroendevald"
    TILLFALLIG = "tillfällig personal"
    EXTERN = "extern uppdragstagare"


# Policy §3: temporary staff and contractors are engaged for a period, so they must have an end
# date, after which their numbers stop working.
KINDS_WITH_END_DATE = frozenset({PersonKind.TILLFALLIG, PersonKind.EXTERN})

KIND_LABELS: dict[PersonKind, tuple[str, str]] = {
    PersonKind.ANSTALLD: ("anställd", "employee"),
    PersonKind.FORTROENDEVALD: ("förtroendevald", "elected official"),
    PersonKind.TILLFALLIG: ("tillfällig personal", "temporary staff"),
    PersonKind.EXTERN: ("extern uppdragstagare", "contractor"),
}

_KIND_WORDS: dict[str, PersonKind] = {
    "anstalld": PersonKind.ANSTALLD,
    "employee": PersonKind.ANSTALLD,
    "fortroendevald": PersonKind.FORTROENDEVALD,
    "elected": PersonKind.FORTROENDEVALD,
    "elected official": PersonKind.FORTROENDEVALD,
    "tillfallig personal": PersonKind.TILLFALLIG,
    "tillfallig": PersonKind.TILLFALLIG,
    "temporary": PersonKind.TILLFALLIG,
    "temporary staff": PersonKind.TILLFALLIG,
    "extern uppdragstagare": PersonKind.EXTERN,
    "extern": PersonKind.EXTERN,
    "uppdragstagare": PersonKind.EXTERN,
    "contractor": PersonKind.EXTERN,
    "external contractor": PersonKind.EXTERN,
}

# Deliberately loose: one @, something before it, a dot in the domain, no spaces. Whether the
# address exists is for the mail server to say.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# A note is a line or two on the operator's screen, not a document.
NOTE_MAX_LENGTH = 500


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
    valid_to: date | None = None  # the last day (inclusive) the person works for us
    # A note for the operator ("Notering"): "Arbetar deltid mån–ons", "Nås bäst via mobil".
    note: str = ""


def parse_kind(text: str) -> PersonKind:
    """A person kind from Swedish or English text, case-insensitive, with or without å/ä/ö."""
    kind = _KIND_WORDS.get(fold(text))
    if kind is None:
        valid = ", ".join(f"{sv} ({en})" for sv, en in KIND_LABELS.values())
        raise DomainError("kind", f"unknown kind {text!r}; use one of: {valid}")
    return kind


def validate_person(p: Person) -> None:
    """Raise DomainError naming the field if the person breaks a rule."""
    if not p.name.strip():
        raise DomainError("name", "the name must not be empty")
    if not _EMAIL.match(p.email.strip()):
        raise DomainError("email", f"{p.email!r} is not a plausible e-mail address")
    if p.kind in KINDS_WITH_END_DATE and p.valid_to is None:
        raise DomainError("end_date", f"{KIND_LABELS[p.kind][1]} must have an end date")
    if p.valid_from is not None and p.valid_to is not None and p.valid_to < p.valid_from:
        raise DomainError(
            "end_date", f"the end date {p.valid_to} is before the start date {p.valid_from}"
        )
    if len(p.note) > NOTE_MAX_LENGTH:
        raise DomainError("note", f"the note is longer than {NOTE_MAX_LENGTH} characters")


def is_active(p: Person, on: date) -> bool:
    """Whether the person works for us on that day (both start and end dates inclusive)."""
    if p.valid_from is not None and on < p.valid_from:
        return False
    return p.valid_to is None or on <= p.valid_to


def parse_keywords(text: str) -> tuple[str, ...]:
    """Directory keywords from "Bygglov; skolskjuts ;bygglov": split on ";" (or ",", which is
    what people type in a file whose fields are separated by ";"), trimmed, unique."""
    seen: dict[str, None] = {}
    for part in text.replace(",", ";").split(";"):
        word = " ".join(part.split()).lower()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)
