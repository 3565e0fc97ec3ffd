"""Feature codes dialled from an extension (*23*…# and friends), parsed into commands.

Pure: the dialled digits and `now` in, a command out. The switch carries the command out
(a SetAbsence goes to the one presence service, exactly as the web and the CLI do) and
announces the outcome; a malformed code raises FeatureCodeError with a Swedish sentence to say.
The codes are documented for users in docs/feature-codes.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from vaxel.domain.clock import at_local, local, require_aware
from vaxel.domain.phrases import say_time_en, say_time_sv
from vaxel.domain.presence import (
    REASON_LABELS,
    RETURN_UNKNOWN_ALLOWED,
    Absence,
    AbsenceReason,
    Channel,
)

# Numeric reason codes, in the tradition of Swedish PBXs (one or two digits after *23*).
REASON_CODES: dict[str, AbsenceReason] = {
    "1": AbsenceReason.LUNCH,
    "2": AbsenceReason.MOTE,
    "3": AbsenceReason.TILLFALLIGT_UTE,
    "4": AbsenceReason.GATT_FOR_DAGEN,
    "5": AbsenceReason.KURS,
    "6": AbsenceReason.TJANSTERESA,
    "7": AbsenceReason.SEMESTER,
    "8": AbsenceReason.SJUK,
    "9": AbsenceReason.FORALDRALEDIG,
    "10": AbsenceReason.VAB,
}
CODE_OF_REASON: dict[AbsenceReason, str] = {reason: code for code, reason in REASON_CODES.items()}

SET_ABSENCE = "*23"
CLEAR_ABSENCE = "#23"
SIGN_IN = "*21"
SIGN_OUT = "#21"
RECORD_GREETING = "*97"
LISTEN_VOICEMAIL = "*98"

# SIP URIs must escape '#' (RFC 3261 §25.1), so some phones send it as %23.
_ESCAPES = (("%23", "#"), ("%2a", "*"), ("%2A", "*"))
_ALLOWED = re.compile(r"^[0-9*#]+$")


class FeatureCodeError(ValueError):
    """A dialled feature code that cannot be carried out; `message_sv` is said to the caller."""

    def __init__(self, dialled: str, message_sv: str, message_en: str) -> None:
        super().__init__(message_sv)
        self.dialled = dialled
        self.message_sv = message_sv
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class SetAbsence:
    """Divert (hänvisa) the caller's own extension; store `absence` through the presence service."""

    absence: Absence


@dataclass(frozen=True, slots=True)
class ClearAbsence:
    """Back in: clear the caller's hänvisning."""


@dataclass(frozen=True, slots=True)
class RecordGreeting:
    """Record the voicemail greeting that says whose phone it is."""


@dataclass(frozen=True, slots=True)
class ListenToVoicemail:
    """Listen to, save and delete voicemail messages (behind the PIN)."""


@dataclass(frozen=True, slots=True)
class QueueSignIn:
    """An operator signs in to the switchboard queue."""


@dataclass(frozen=True, slots=True)
class QueueSignOut:
    """An operator signs out of the switchboard queue."""


FeatureCommand = (
    SetAbsence | ClearAbsence | RecordGreeting | ListenToVoicemail | QueueSignIn | QueueSignOut
)

_SIMPLE: dict[str, FeatureCommand] = {
    CLEAR_ABSENCE: ClearAbsence(),
    SIGN_IN: QueueSignIn(),
    SIGN_OUT: QueueSignOut(),
    RECORD_GREETING: RecordGreeting(),
    LISTEN_VOICEMAIL: ListenToVoicemail(),
}


def parse(dialled: str, now: datetime, *, set_by: str = "") -> FeatureCommand | None:
    """The command a dialled string asks for; None when it is not a feature code at all.

    Anything starting with '*' or '#' is a feature code: an unknown or malformed one raises
    FeatureCodeError rather than being routed as a number. The closing '#' may be left out,
    because many phones use '#' as their send key and do not pass it on.
    """
    require_aware(now, "now")
    text = dialled.strip()
    for escaped, plain in _ESCAPES:
        text = text.replace(escaped, plain)
    if not text.startswith(("*", "#")):
        return None
    if not _ALLOWED.match(text):
        raise FeatureCodeError(
            dialled,
            "Koden får bara innehålla siffror, stjärna och fyrkant.",
            "A code may only contain digits, star and hash.",
        )
    body = text[:-1] if len(text) > 1 and text.endswith("#") else text
    fields = body[1:].split("*")
    service = body[0] + fields[0]
    if service == SET_ABSENCE:
        return SetAbsence(_absence(dialled, fields[1:], now, set_by))
    if service in _SIMPLE and len(fields) == 1:
        return _SIMPLE[service]
    if service in _SIMPLE:
        raise FeatureCodeError(
            dialled,
            f"Koden {service}# tar inga fler siffror.",
            f"The code {service}# takes no further digits.",
        )
    raise FeatureCodeError(dialled, "Koden finns inte.", "There is no such code.")


def _absence(dialled: str, args: list[str], now: datetime, set_by: str) -> Absence:
    """*23*<orsak>#, *23*<orsak>*<HHMM># or *23*<orsak>*<MMDD>*<HHMM>#."""
    if not args or not args[0]:
        raise FeatureCodeError(
            dialled,
            "Ange en orsakskod efter stjärna tjugotre, till exempel 1 för lunch.",
            "Give a reason code after star twenty-three, for example 1 for lunch.",
        )
    reason = REASON_CODES.get(args[0])
    if reason is None:
        raise FeatureCodeError(
            dialled,
            f"Orsakskoden {args[0]} finns inte. Använd 1 till 10.",
            f"There is no reason code {args[0]}. Use 1 to 10.",
        )
    if len(args) == 1:
        if reason not in RETURN_UNKNOWN_ALLOWED:
            raise FeatureCodeError(
                dialled,
                "Ange när du är tillbaka, till exempel stjärna 1300 för klockan tretton.",
                "Say when you are back, for example star 1300 for one p.m.",
            )
        until = None
    elif len(args) == 2:
        until = _next_time(_clock(dialled, args[1]), now)
    elif len(args) == 3:
        until = _on_date(dialled, args[1], _clock(dialled, args[2]), now)
    else:
        raise FeatureCodeError(
            dialled,
            "För många fält i koden.",
            "Too many fields in the code.",
        )
    return Absence(reason=reason, until=until, set_by=set_by, set_at=now, channel=Channel.PHONE)


def _clock(dialled: str, digits: str) -> time:
    if len(digits) == 4:
        hour, minute = int(digits[:2]), int(digits[2:])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise FeatureCodeError(
        dialled,
        "Ange tiden med fyra siffror, timmar och minuter, till exempel 1300.",
        "Give the time as four digits, hours and minutes, for example 1300.",
    )


def _next_time(clock: time, now: datetime) -> datetime:
    """The next time the clock shows `clock`: today, or tomorrow when it has already passed."""
    today = local(now).date()
    moment = now.astimezone(UTC)
    # Both readings (fold 0 and 1) of the hour that the autumn DST change repeats, in order.
    # Instants are compared in UTC: same-zone datetimes compare by wall clock alone.
    for day in (today, today + timedelta(days=1)):
        for fold in (0, 1):
            candidate = at_local(day, clock).replace(fold=fold).astimezone(UTC)
            if candidate > moment:
                return local(candidate)
    raise AssertionError("a clock time always recurs within two days")  # pragma: no cover


def _on_date(dialled: str, digits: str, clock: time, now: datetime) -> datetime:
    """MMDD this year, or next year when that day has passed; never earlier today."""
    if len(digits) != 4:
        raise FeatureCodeError(
            dialled,
            "Ange datumet med fyra siffror, månad och dag, till exempel 1203.",
            "Give the date as four digits, month and day, for example 1203.",
        )
    month, day = int(digits[:2]), int(digits[2:])
    today = local(now).date()
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate < today:
            continue
        until = at_local(candidate, clock)
        if until.astimezone(UTC) <= now.astimezone(UTC):
            raise FeatureCodeError(
                dialled,
                "Den tiden har redan passerat.",
                "That time has already passed.",
            )
        return until
    raise FeatureCodeError(
        dialled,
        f"Datumet {digits} finns inte.",
        f"There is no date {digits}.",
    )


def confirmation_sv(command: FeatureCommand, now: datetime) -> str | None:
    """What the switch says once a command is carried out; None where an app takes over."""
    if isinstance(command, SetAbsence):
        absence = command.absence
        label = REASON_LABELS[absence.reason][0]
        if absence.until is None:
            return f"Hänvisning: {label}. Återkomst är inte känd."
        return f"Hänvisning: {label}, åter {say_time_sv(absence.until, now)}."
    if isinstance(command, ClearAbsence):
        return "Hänvisningen är borttagen."
    if isinstance(command, QueueSignIn):
        return "Du är inloggad i växelkön."
    if isinstance(command, QueueSignOut):
        return "Du är utloggad ur växelkön."
    return None


def confirmation_en(command: FeatureCommand, now: datetime) -> str | None:
    """The English confirmation; None where an app takes over."""
    if isinstance(command, SetAbsence):
        absence = command.absence
        label = REASON_LABELS[absence.reason][1]
        if absence.until is None:
            return f"Diverted: {label}. The return date is not known."
        return f"Diverted: {label}, back {say_time_en(absence.until, now)}."
    if isinstance(command, ClearAbsence):
        return "Your diversion has been cleared."
    if isinstance(command, QueueSignIn):
        return "You are signed in to the switchboard queue."
    if isinstance(command, QueueSignOut):
        return "You are signed out of the switchboard queue."
    return None
