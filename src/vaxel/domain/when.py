"""Reading a return time as people type it: "14:00", "i morgon 8", "måndag 08:00", ISO dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from vaxel.domain.clock import at_local, local, require_aware
from vaxel.domain.errors import DomainError
from vaxel.domain.text import fold

# A day given without a time means the start of a working day.
DEFAULT_TIME = time(8, 0)

EXAMPLES = "14:00, 1400, i morgon 08:00, måndag 08:00, 2026-12-03 08:00 or 2026-12-03"

_WEEKDAY_NAMES = (
    ("mandag", "man", "monday", "mon"),
    ("tisdag", "tis", "tuesday", "tue"),
    ("onsdag", "ons", "wednesday", "wed"),
    ("torsdag", "tor", "tors", "thursday", "thu"),
    ("fredag", "fre", "friday", "fri"),
    ("lordag", "lor", "saturday", "sat"),
    ("sondag", "son", "sunday", "sun"),
)
# Folded weekday names and abbreviations, Swedish and English → Monday=0 … Sunday=6.
WEEKDAYS: dict[str, int] = {name: n for n, names in enumerate(_WEEKDAY_NAMES) for name in names}

_DAYS_FROM_TODAY = {
    "i dag": 0,
    "idag": 0,
    "today": 0,
    "i morgon": 1,
    "imorgon": 1,
    "tomorrow": 1,
    "i overmorgon": 2,
    "iovermorgon": 2,
}
_CLOCK_WORDS = {"kl", "kl.", "klockan", "at"}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})t(.+)$")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
_COMPACT_CLOCK = re.compile(r"^(\d{1,2})(\d{2})$")
_RELATIVE = re.compile(r"^(?:om|in) (\d{1,4}) ?([a-z]+)$")
_MINUTE_UNITS = {"min", "mins", "minut", "minuter", "minute", "minutes"}
_HOUR_UNITS = {"h", "tim", "timme", "timmar", "hour", "hours"}


def parse_when(text: str, now: datetime) -> datetime:
    """A future-looking point in time from text, aware in the municipality's time zone.

    A bare time means today, or tomorrow if it has already passed; a weekday means the next
    such day after today; a day without a time means 08:00 that day.
    """
    require_aware(now, "now")
    today = local(now)
    words = fold(text)
    iso = _ISO_DATETIME.match(words)
    if iso:
        words = f"{iso.group(1)} {iso.group(2)}"
    relative = _RELATIVE.match(words)
    if relative:
        return _relative(int(relative.group(1)), relative.group(2), today, text)

    tokens = words.split()
    clock = parse_clock(tokens[-1]) if tokens else None
    if clock is not None:
        tokens.pop()
        if tokens and tokens[-1] in _CLOCK_WORDS:
            tokens.pop()
    day_words = " ".join(tokens)
    if not day_words:
        if clock is None:
            raise _error(text)
        candidate = at_local(today.date(), clock)
        return candidate if candidate > today else at_local(today.date() + timedelta(1), clock)
    day = _day(day_words, today.date())
    if day is None:
        raise _error(text)
    return at_local(day, clock or DEFAULT_TIME)


def _error(text: str) -> DomainError:
    return DomainError("when", f"cannot read {text!r} as a time; write e.g. {EXAMPLES}")


def parse_clock(token: str) -> time | None:
    """A time of day from "8", "08:00", "8.30" or "0830", else None."""
    match = _CLOCK.match(token) or _COMPACT_CLOCK.match(token)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _day(words: str, today: date) -> date | None:
    if words in _DAYS_FROM_TODAY:
        return today + timedelta(_DAYS_FROM_TODAY[words])
    if words in WEEKDAYS:
        # "måndag" said on a Monday means next week's Monday.
        return today + timedelta((WEEKDAYS[words] - today.weekday()) % 7 or 7)
    iso = _ISO_DATE.match(words)
    if iso:
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    return None


def _relative(amount: int, unit: str, now: datetime, text: str) -> datetime:
    if unit in _MINUTE_UNITS:
        delta = timedelta(minutes=amount)
    elif unit in _HOUR_UNITS:
        delta = timedelta(hours=amount)
    else:
        raise _error(text)
    # Elapsed time, not wall-clock time: "om 2 timmar" across a DST change is still two hours.
    return local(now.astimezone(UTC) + delta)
