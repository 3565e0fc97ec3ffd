"""Presence and hänvisning (diverting one's phone with a reason and a return time)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from vaxel.domain.clock import local, require_aware, utc
from vaxel.domain.errors import DomainError
from vaxel.domain.text import fold


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


@dataclass(frozen=True, slots=True)
class PresenceChange:
    """One entry of a person's presence history: absence set (or cleared, None) at a time."""

    person_id: int
    absence: Absence | None
    at: datetime
    by: str
    channel: Channel


# Labels read after "<namn> är" / "<name> is" (except GATT_FOR_DAGEN: see phrase_sv), and in
# lists. Swedish first, English second.
REASON_LABELS: dict[AbsenceReason, tuple[str, str]] = {
    AbsenceReason.LUNCH: ("på lunch", "at lunch"),
    AbsenceReason.MOTE: ("på möte", "in a meeting"),
    AbsenceReason.TILLFALLIGT_UTE: ("tillfälligt ute", "temporarily out"),
    AbsenceReason.GATT_FOR_DAGEN: ("gått för dagen", "gone for the day"),
    AbsenceReason.KURS: ("på kurs", "on a course"),
    AbsenceReason.TJANSTERESA: ("på tjänsteresa", "on a business trip"),
    AbsenceReason.SEMESTER: ("på semester", "on vacation"),
    AbsenceReason.SJUK: ("sjuk", "sick"),
    AbsenceReason.VAB: ("hemma med sjukt barn", "at home with a sick child"),
    AbsenceReason.FORALDRALEDIG: ("föräldraledig", "on parental leave"),
}

# Only here may the return time be unknown; everywhere else the policy (§2) wants the caller told
# when the person is back.
RETURN_UNKNOWN_ALLOWED = frozenset({AbsenceReason.SJUK, AbsenceReason.FORALDRALEDIG})

# Health data: announce these as plain "frånvarande" to callers when discretion is asked for.
SENSITIVE_REASONS = frozenset({AbsenceReason.SJUK, AbsenceReason.VAB})

_REASON_SYNONYMS: dict[str, AbsenceReason] = {
    "ute": AbsenceReason.TILLFALLIGT_UTE,
    "out": AbsenceReason.TILLFALLIGT_UTE,
    "gatt": AbsenceReason.GATT_FOR_DAGEN,
    "gone": AbsenceReason.GATT_FOR_DAGEN,
    "left": AbsenceReason.GATT_FOR_DAGEN,
    "left for the day": AbsenceReason.GATT_FOR_DAGEN,
    "har gatt for dagen": AbsenceReason.GATT_FOR_DAGEN,
    "meeting": AbsenceReason.MOTE,
    "utbildning": AbsenceReason.KURS,
    "course": AbsenceReason.KURS,
    "training": AbsenceReason.KURS,
    "resa": AbsenceReason.TJANSTERESA,
    "business trip": AbsenceReason.TJANSTERESA,
    "travel": AbsenceReason.TJANSTERESA,
    "travelling": AbsenceReason.TJANSTERESA,
    "ledig": AbsenceReason.SEMESTER,
    "vacation": AbsenceReason.SEMESTER,
    "holiday": AbsenceReason.SEMESTER,
    "on holiday": AbsenceReason.SEMESTER,
    "ill": AbsenceReason.SJUK,
    "vard av barn": AbsenceReason.VAB,
    "child sick": AbsenceReason.VAB,
    "sick child": AbsenceReason.VAB,
    "foraldraledighet": AbsenceReason.FORALDRALEDIG,
    "parental leave": AbsenceReason.FORALDRALEDIG,
}
# The short English word for each reason, as typed and as listed in messages.
REASON_WORDS_EN: dict[AbsenceReason, str] = {
    AbsenceReason.LUNCH: "lunch",
    AbsenceReason.MOTE: "meeting",
    AbsenceReason.TILLFALLIGT_UTE: "out",
    AbsenceReason.GATT_FOR_DAGEN: "gone",
    AbsenceReason.KURS: "course",
    AbsenceReason.TJANSTERESA: "business trip",
    AbsenceReason.SEMESTER: "vacation",
    AbsenceReason.SJUK: "sick",
    AbsenceReason.VAB: "sick child",
    AbsenceReason.FORALDRALEDIG: "parental leave",
}

# Every enum value and label is accepted too, so what the UI shows can be typed back.
_REASON_WORDS: dict[str, AbsenceReason] = {
    **{fold(word): r for r, labels in REASON_LABELS.items() for word in (r.value, *labels)},
    **_REASON_SYNONYMS,
}


def parse_reason(text: str) -> AbsenceReason:
    """An absence reason from Swedish or English text, with or without å/ä/ö."""
    reason = _REASON_WORDS.get(fold(text))
    if reason is None:
        valid = ", ".join(r.value for r in AbsenceReason)
        english = ", ".join(REASON_WORDS_EN[r] for r in AbsenceReason)
        raise DomainError(
            "reason", f"unknown reason {text!r}; use one of: {valid} (in English: {english})"
        )
    return reason


def phrase_sv(reason: AbsenceReason, *, discreet: bool = False) -> str:
    """What follows the name in Swedish: "är på lunch", "har gått för dagen"."""
    if discreet and reason in SENSITIVE_REASONS:
        return "är frånvarande"
    if reason is AbsenceReason.GATT_FOR_DAGEN:
        return "har gått för dagen"
    return f"är {REASON_LABELS[reason][0]}"


def phrase_en(reason: AbsenceReason, *, discreet: bool = False) -> str:
    """What follows the name in English: "is at lunch", "has left for the day"."""
    if discreet and reason in SENSITIVE_REASONS:
        return "is away"
    if reason is AbsenceReason.GATT_FOR_DAGEN:
        return "has left for the day"
    return f"is {REASON_LABELS[reason][1]}"


def validate_absence(a: Absence, now: datetime) -> None:
    """A return time is required (unless allowed unknown) and must lie in the future."""
    if a.until is None:
        if a.reason not in RETURN_UNKNOWN_ALLOWED:
            allowed = " and ".join(r.value for r in AbsenceReason if r in RETURN_UNKNOWN_ALLOWED)
            raise DomainError(
                "until",
                f"a return time is required for {a.reason.value} "
                f"(only {allowed} may leave it out: the caller is told when you are back)",
            )
        return
    require_aware(a.until, "until")
    if utc(a.until) <= utc(now):
        raise DomainError(
            "until", f"the return time {local(a.until):%Y-%m-%d %H:%M} has already passed"
        )


def current_absence(a: Absence | None, now: datetime) -> Absence | None:
    """The absence if still in force at `now`; None once the return time has come."""
    if a is None or (a.until is not None and utc(a.until) <= utc(now)):
        return None
    return a


def is_available(a: Absence | None, now: datetime) -> bool:
    """Available unless an absence is in force."""
    return current_absence(a, now) is None
