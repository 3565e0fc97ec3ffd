"""What callers hear, as text for speech: return times, telephone hours, default greetings.

Every sentence exists in Swedish and in English (the switch says the English one too when
announcements are set to "sv,en"; see docs/routing.md). Numbers are written as words so that any
speech engine says them the same way.

Swedish clock times are read as a digital clock, "fjorton och trettio" for 14.30 (never "halv
tre", which is easy to mishear by an hour). English uses the 12-hour clock with the part of the
day in words, "two thirty in the afternoon", rather than "a.m." and "p.m.": those differ in one
sound, and a caller on a bad line who mishears it is off by twelve hours. Noon and midnight are
"twelve noon" and "midnight". English dates are British: "on Monday the third of December".
"""

from __future__ import annotations

from datetime import datetime, time

from vaxel.domain.clock import local
from vaxel.domain.presence import Absence, phrase_en, phrase_sv
from vaxel.domain.telephone_hours import WEEKDAY_NAMES_EN, WEEKDAY_NAMES_SV, TelephoneHours

_ONES_SV = (
    "noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio",
    "elva", "tolv", "tretton", "fjorton", "femton", "sexton", "sjutton", "arton", "nitton",
)  # fmt: skip
_TENS_SV = ("", "", "tjugo", "trettio", "fyrtio", "femtio", "sextio", "sjuttio", "åttio", "nittio")
_ORDINALS_SV = (
    "", "första", "andra", "tredje", "fjärde", "femte", "sjätte", "sjunde", "åttonde", "nionde",
    "tionde", "elfte", "tolfte", "trettonde", "fjortonde", "femtonde", "sextonde", "sjuttonde",
    "artonde", "nittonde", "tjugonde",
)  # fmt: skip
MONTHS_SV = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip

_ONES_EN = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS_EN = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS_EN = (
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# --- Numbers as words -----------------------------------------------------------------------


def cardinal_sv(n: int) -> str:
    """0 … 9999 in Swedish words, neuter ("ett"): 2027 → "tvåtusentjugosju"."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0…9999")
    if n < 20:
        return _ONES_SV[n]
    if n < 100:
        return _TENS_SV[n // 10] + (_ONES_SV[n % 10] if n % 10 else "")
    if n < 1000:
        rest = cardinal_sv(n % 100) if n % 100 else ""
        return f"{_ONES_SV[n // 100]}hundra{rest}"
    rest = cardinal_sv(n % 1000) if n % 1000 else ""
    # "ett" + "tusen" is written "ettusen": the double t collapses.
    thousands = "et" if n // 1000 == 1 else _ONES_SV[n // 1000]
    return f"{thousands}tusen{rest}"


def ordinal_sv(n: int) -> str:
    """1 … 31 as a Swedish ordinal: "första" … "trettioförsta"."""
    if not 1 <= n <= 31:
        raise ValueError(f"{n} is outside 1…31")
    if n <= 20:
        return _ORDINALS_SV[n]
    if n == 30:
        return "trettionde"
    return _TENS_SV[n // 10] + _ORDINALS_SV[n % 10]


def cardinal_en(n: int) -> str:
    """0 … 9999 in (British) English words: 45 → "forty-five", 123 → "one hundred and
    twenty-three", 2026 → "two thousand and twenty-six"."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0…9999")
    if n < 20:
        return _ONES_EN[n]
    if n < 100:
        return _TENS_EN[n // 10] + (f"-{_ONES_EN[n % 10]}" if n % 10 else "")
    if n >= 1000:
        said, rest = f"{_ONES_EN[n // 1000]} thousand", n % 1000
    else:
        said, rest = f"{_ONES_EN[n // 100]} hundred", n % 100
    if rest == 0:
        return said
    return f"{said} and {cardinal_en(rest)}" if rest < 100 else f"{said} {cardinal_en(rest)}"


def year_en(year: int) -> str:
    """A year as English speakers say it: 2027 → "twenty twenty-seven", 2000 → "two thousand",
    2005 → "two thousand and five", 1905 → "nineteen oh five"."""
    if not 0 <= year <= 9999:
        raise ValueError(f"{year} is outside 0…9999")
    century, rest = divmod(year, 100)
    if year < 100 or (century % 10 == 0 and rest < 10):
        return cardinal_en(year)
    if rest == 0:
        return f"{cardinal_en(century)} hundred"
    return f"{cardinal_en(century)} {'oh ' if rest < 10 else ''}{cardinal_en(rest)}"


def ordinal_en(n: int) -> str:
    """1 … 31 as an English ordinal: "first" … "thirty-first"."""
    if not 1 <= n <= 31:
        raise ValueError(f"{n} is outside 1…31")
    if n <= 20:
        return _ORDINALS_EN[n]
    if n == 30:
        return "thirtieth"
    return f"{_TENS_EN[n // 10]}-{_ORDINALS_EN[n % 10]}"


# --- Times ----------------------------------------------------------------------------------


def clock_sv(t: time) -> str:
    """14.00 → "fjorton", 14.30 → "fjorton och trettio", 13.05 → "tretton och fem"."""
    if t.hour == 0 and t.minute == 0:
        return "tolv på natten"  # "klockan noll" is not said
    hour = cardinal_sv(t.hour)
    return hour if t.minute == 0 else f"{hour} och {cardinal_sv(t.minute)}"


def clock_en(t: time) -> str:
    """14.30 → "two thirty in the afternoon", 08.05 → "eight oh five in the morning"."""
    if t.hour == 12 and t.minute == 0:
        return "twelve noon"
    if t.hour == 0 and t.minute == 0:
        return "midnight"
    hour = cardinal_en(t.hour % 12 or 12)
    if t.minute == 0:
        minutes = ""
    elif t.minute < 10:
        minutes = f" oh {cardinal_en(t.minute)}"
    else:
        minutes = f" {cardinal_en(t.minute)}"
    # The part of the day in words, not "a.m."/"p.m." (see the module docstring).
    if t.hour < 12:
        part = "in the morning"
    elif t.hour < 18:
        part = "in the afternoon"
    else:
        part = "in the evening"
    return f"{hour}{minutes} {part}"


def _local(at: datetime) -> datetime:
    # Speech must never fail: at the very end of the calendar, stay in the given zone.
    try:
        return local(at)
    except OverflowError:
        return at


def say_time_sv(at: datetime, now: datetime) -> str:
    """Swedish speech for when `at` is, seen from `now`.

    "i dag klockan fjorton", "i morgon klockan åtta", "måndag den tredje december klockan
    åtta", with the year in words when it is not this year.
    """
    when, today = _local(at), _local(now)
    clock = f"klockan {clock_sv(when.time())}"
    days = (when.date() - today.date()).days
    relative = {0: "i dag", 1: "i morgon", -1: "i går"}.get(days)
    if relative is not None:
        return f"{relative} {clock}"
    day = (
        f"{WEEKDAY_NAMES_SV[when.weekday()]} den {ordinal_sv(when.day)} {MONTHS_SV[when.month - 1]}"
    )
    if when.year != today.year:
        day += f" {cardinal_sv(when.year)}"
    return f"{day} {clock}"


def say_time_en(at: datetime, now: datetime) -> str:
    """English speech for when `at` is, seen from `now`.

    "today at two in the afternoon", "tomorrow at eight in the morning", "on Monday the third
    of December at eight in the morning", with the year in words when it is not this year
    ("on Monday the fourth of January twenty twenty-seven at …").
    """
    when, today = _local(at), _local(now)
    clock = f"at {clock_en(when.time())}"
    days = (when.date() - today.date()).days
    relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(days)
    if relative is not None:
        return f"{relative} {clock}"
    day = (
        f"on {WEEKDAY_NAMES_EN[when.weekday()]} the {ordinal_en(when.day)} "
        f"of {MONTHS_EN[when.month - 1]}"
    )
    if when.year != today.year:
        day += f" {year_en(when.year)}"
    return f"{day} {clock}"


# --- Sentences ------------------------------------------------------------------------------


def absence_sentence_sv(
    name: str, absence: Absence, now: datetime, *, discreet: bool = False
) -> str:
    """Swedish: "Anna Berg är på lunch, åter i dag klockan tretton." (discreet: no sick/VAB)."""
    said = f"{name} {phrase_sv(absence.reason, discreet=discreet)}"
    if absence.until is None:
        return f"{said}. Återkomst är inte känd."
    return f"{said}, åter {say_time_sv(absence.until, now)}."


def absence_sentence_en(
    name: str, absence: Absence, now: datetime, *, discreet: bool = False
) -> str:
    """English: "Anna Berg is at lunch and will be back today at one in the afternoon"."""
    said = f"{name} {phrase_en(absence.reason, discreet=discreet)}"
    if absence.until is None:
        return f"{said}. The return date is not known."
    return f"{said} and will be back {say_time_en(absence.until, now)}."


def spoken_hours_sv(hours: TelephoneHours) -> str:
    """Swedish: "måndag till fredag klockan åtta till tolv samt tretton till sexton"."""
    parts = []
    for first, last, intervals in hours.day_groups():
        days = _days(first, last, WEEKDAY_NAMES_SV, "till", "och")
        spans = " samt ".join(f"{clock_sv(s)} till {clock_sv(e)}" for s, e in intervals)
        parts.append(f"{days} klockan {spans}")
    # "och" already joins minutes ("sexton och trettio"), so the day groups take commas.
    return ", ".join(parts)


def spoken_hours_en(hours: TelephoneHours) -> str:
    """English: "Monday to Friday from eight in the morning to twelve noon"."""
    parts = []
    for first, last, intervals in hours.day_groups():
        days = _days(first, last, WEEKDAY_NAMES_EN, "to", "and")
        spans = " and ".join(f"from {clock_en(s)} to {clock_en(e)}" for s, e in intervals)
        parts.append(f"{days} {spans}")
    return ", ".join(parts)


def closed_sentence_sv(unit_name: str, hours: TelephoneHours, now: datetime) -> str:
    """Swedish: the unit's telephone hours and, when closed, when it opens again.

    "Bygglov har telefontid måndag till fredag klockan åtta till tolv. Vi öppnar igen i
    morgon klockan åtta."
    """
    if not hours.day_groups():
        return f"{unit_name} har ingen telefontid just nu."
    text = f"{unit_name} har telefontid {spoken_hours_sv(hours)}."
    opening = hours.next_opening(now)
    if opening is not None and not hours.is_open(now):
        text += f" Vi öppnar igen {say_time_sv(opening, now)}."
    return text


def closed_sentence_en(unit_name: str, hours: TelephoneHours, now: datetime) -> str:
    """English: the unit's telephone hours and, when closed, when it opens again.

    "Bygglov is open Monday to Friday from eight in the morning to twelve noon. We open again
    tomorrow at eight in the morning."
    """
    if not hours.day_groups():
        return f"{unit_name} has no telephone hours at the moment."
    text = f"{unit_name} is open {spoken_hours_en(hours)}."
    opening = hours.next_opening(now)
    if opening is not None and not hours.is_open(now):
        text += f" We open again {say_time_en(opening, now)}."
    return text


def genitive_sv(name: str) -> str:
    """Swedish genitive: "Anna Bergs"; names ending in s, x or z stay as they are: "Lars"."""
    return name if name.rstrip().lower().endswith(("s", "x", "z")) else f"{name}s"


def genitive_en(name: str) -> str:
    """English genitive: "Anna Berg's", "Lars'"."""
    return f"{name}'" if name.rstrip().lower().endswith("s") else f"{name}'s"


def default_greeting_sv(name: str, unit_name: str) -> str:
    """The spoken greeting until the person records one: whose phone it is (policy §2)."""
    unit = f", {unit_name}" if unit_name.strip() else ""
    return (
        f"Du har kommit till {genitive_sv(name)} röstbrevlåda{unit}. "
        "Lämna ett meddelande efter tonen."
    )


def default_greeting_en(name: str, unit_name: str) -> str:
    """The English default greeting."""
    unit = f", {unit_name}" if unit_name.strip() else ""
    return (
        f"You have reached {genitive_en(name)} voicemail{unit}. "
        "Please leave a message after the tone."
    )


def _days(first: int, last: int, names: tuple[str, ...], through: str, also: str) -> str:
    if first == last:
        return names[first]
    word = also if last == first + 1 else through
    return f"{names[first]} {word} {names[last]}"
