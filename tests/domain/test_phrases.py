from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaxel.domain.clock import TZ
from vaxel.domain.phrases import (
    absence_sentence_en,
    absence_sentence_sv,
    cardinal_en,
    cardinal_sv,
    clock_en,
    clock_sv,
    closed_sentence_en,
    closed_sentence_sv,
    default_greeting_en,
    default_greeting_sv,
    ordinal_en,
    ordinal_sv,
    say_time_en,
    say_time_sv,
    year_en,
)
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.domain.telephone_hours import OFFICE_HOURS, TelephoneHours, parse_schedule

# Wednesday 2 December 2026, 11:00.
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (at(12, 2, 14), "i dag klockan fjorton"),
        (at(12, 2, 14, 30), "i dag klockan fjorton och trettio"),
        (at(12, 2, 13, 5), "i dag klockan tretton och fem"),
        (at(12, 3, 8), "i morgon klockan åtta"),
        (at(12, 3, 1), "i morgon klockan ett"),
        (at(12, 3, 21), "i morgon klockan tjugoett"),
        (at(12, 1, 16), "i går klockan sexton"),
        (at(12, 7, 8), "måndag den sjunde december klockan åtta"),
        (at(12, 31, 23, 59), "torsdag den trettioförsta december klockan tjugotre och femtionio"),
        (at(1, 4, 8, year=2027), "måndag den fjärde januari tvåtusentjugosju klockan åtta"),
    ],
)
def test_say_time_sv(when: datetime, said: str) -> None:
    assert say_time_sv(when, NOW) == said


def test_say_time_uses_local_time() -> None:
    assert say_time_sv(at(12, 2, 14).astimezone(TZ.__class__("UTC")), NOW) == (
        "i dag klockan fjorton"
    )


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (at(12, 2, 14, 30), "today at two thirty in the afternoon"),
        (at(12, 3, 8, 5), "tomorrow at eight oh five in the morning"),
        (at(12, 3, 12), "tomorrow at twelve noon"),
        (at(12, 1, 16), "yesterday at four in the afternoon"),
        (at(12, 7, 19, 45), "on Monday the seventh of December at seven forty-five in the evening"),
        (
            at(1, 4, 8, year=2027),
            "on Monday the fourth of January twenty twenty-seven at eight in the morning",
        ),
    ],
)
def test_say_time_en(when: datetime, said: str) -> None:
    assert say_time_en(when, NOW) == said


def test_number_words() -> None:
    assert [ordinal_sv(n) for n in (1, 2, 3, 11, 20, 21, 22, 30, 31)] == [
        "första", "andra", "tredje", "elfte", "tjugonde",
        "tjugoförsta", "tjugoandra", "trettionde", "trettioförsta",
    ]  # fmt: skip
    assert [cardinal_sv(n) for n in (0, 1, 17, 40, 59, 100, 1000, 2026)] == [
        "noll", "ett", "sjutton", "fyrtio", "femtionio", "etthundra", "ettusen",
        "tvåtusentjugosex",
    ]  # fmt: skip
    assert ordinal_en(23) == "twenty-third"
    assert clock_sv(time(0, 0)) == "tolv på natten"
    assert clock_en(time(0, 0)) == "midnight"


def test_absence_sentences() -> None:
    lunch = Absence(AbsenceReason.LUNCH, at(12, 2, 13))
    assert absence_sentence_sv("Anna Berg", lunch, NOW) == (
        "Anna Berg är på lunch, åter i dag klockan tretton."
    )
    assert absence_sentence_en("Anna Berg", lunch, NOW) == (
        "Anna Berg is at lunch and will be back today at one in the afternoon."
    )
    sick = Absence(AbsenceReason.SJUK, None)
    assert absence_sentence_sv("Anna Berg", sick, NOW) == (
        "Anna Berg är sjuk. Återkomst är inte känd."
    )
    assert absence_sentence_sv("Anna Berg", sick, NOW, discreet=True) == (
        "Anna Berg är frånvarande. Återkomst är inte känd."
    )
    gone = Absence(AbsenceReason.GATT_FOR_DAGEN, at(12, 3, 8))
    assert absence_sentence_sv("Anna Berg", gone, NOW) == (
        "Anna Berg har gått för dagen, åter i morgon klockan åtta."
    )


def test_closed_sentence() -> None:
    mornings = parse_schedule("mån-fre 08:00-12:00")
    assert closed_sentence_sv("Bygglov", mornings, at(12, 2, 15)) == (
        "Bygglov har telefontid måndag till fredag klockan åtta till tolv. "
        "Vi öppnar igen i morgon klockan åtta."
    )
    assert closed_sentence_en("Bygglov", mornings, at(12, 2, 15)) == (
        "Bygglov is open Monday to Friday from eight in the morning to twelve noon. "
        "We open again tomorrow at eight in the morning."
    )
    # Over Christmas the next opening is a date, not "i morgon".
    assert closed_sentence_sv("Bygglov", OFFICE_HOURS, at(12, 23, 17)).endswith(
        "Vi öppnar igen måndag den tjugoåttonde december klockan åtta."
    )
    # While open there is no "we open again".
    assert "öppnar" not in closed_sentence_sv("Bygglov", mornings, at(12, 2, 10))


def test_closed_sentence_with_lunch_and_weekend_hours() -> None:
    hours = parse_schedule("mån-fre 8-12 13-16.30; lör 10-14")
    assert closed_sentence_sv("Kundtjänst", hours, at(12, 2, 12, 15)) == (
        "Kundtjänst har telefontid måndag till fredag klockan åtta till tolv samt tretton till "
        "sexton och trettio, lördag klockan tio till fjorton. "
        "Vi öppnar igen i dag klockan tretton."
    )


def test_default_greeting() -> None:
    assert default_greeting_sv("Anna Berg", "Bygglov") == (
        "Du har kommit till Anna Bergs röstbrevlåda, Bygglov. Lämna ett meddelande efter tonen."
    )
    assert default_greeting_sv("Lars", "").startswith("Du har kommit till Lars röstbrevlåda.")
    assert "Max röstbrevlåda" in default_greeting_sv("Max", "IT")
    assert default_greeting_en("Anna Berg", "Bygglov") == (
        "You have reached Anna Berg's voicemail, Bygglov. Please leave a message after the tone."
    )


aware = st.datetimes(timezones=st.timezones())


@given(aware, aware)
def test_say_time_never_raises(when: datetime, now: datetime) -> None:
    said = say_time_sv(when, now)
    assert said and "klockan" in said and not any(ch.isdigit() for ch in said)
    said_en = say_time_en(when, now)
    assert " at " in f" {said_en}" and not any(ch.isdigit() for ch in said_en)


def test_english_numbers_and_years_are_said_in_words() -> None:
    assert [cardinal_en(n) for n in (0, 19, 21, 59, 60, 99, 100, 123, 1000, 2026)] == [
        "zero", "nineteen", "twenty-one", "fifty-nine", "sixty", "ninety-nine", "one hundred",
        "one hundred and twenty-three", "one thousand", "two thousand and twenty-six",
    ]  # fmt: skip
    assert [year_en(y) for y in (2027, 2000, 2005, 2010, 1999, 1905, 1900)] == [
        "twenty twenty-seven", "two thousand", "two thousand and five", "twenty ten",
        "nineteen ninety-nine", "nineteen oh five", "nineteen hundred",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        cardinal_en(10000)


@pytest.mark.parametrize(
    ("clock", "said"),
    [
        (time(0, 0), "midnight"),
        (time(0, 30), "twelve thirty in the morning"),
        (time(8, 0), "eight in the morning"),
        (time(11, 59), "eleven fifty-nine in the morning"),
        (time(12, 0), "twelve noon"),
        (time(12, 15), "twelve fifteen in the afternoon"),
        (time(17, 59), "five fifty-nine in the afternoon"),
        (time(18, 0), "six in the evening"),
        (time(23, 5), "eleven oh five in the evening"),
    ],
)
def test_english_clock_is_twelve_hour_with_the_part_of_the_day_in_words(
    clock: time, said: str
) -> None:
    assert clock_en(clock) == said


def test_english_sentences_say_the_same_facts_as_the_swedish() -> None:
    holiday = Absence(AbsenceReason.SEMESTER, at(12, 7, 8))
    assert absence_sentence_en("Anna Berg", holiday, NOW) == (
        "Anna Berg is on vacation and will be back on Monday the seventh of December "
        "at eight in the morning."
    )
    for reason in (AbsenceReason.SJUK, AbsenceReason.VAB):
        away = Absence(reason, None)
        assert absence_sentence_en("Anna Berg", away, NOW, discreet=True) == (
            "Anna Berg is away. The return date is not known."
        )
    assert "sick" in absence_sentence_en("Anna Berg", Absence(AbsenceReason.SJUK, None), NOW)
    never = TelephoneHours(weekly={})
    assert closed_sentence_en("Bygglov", never, NOW) == (
        "Bygglov has no telephone hours at the moment."
    )
    assert closed_sentence_en("Bygglov", OFFICE_HOURS, at(12, 23, 17)).endswith(
        "We open again on Monday the twenty-eighth of December at eight in the morning."
    )
    # While open there is no "we open again".
    assert "open again" not in closed_sentence_en("Bygglov", OFFICE_HOURS, at(12, 2, 10))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_today_and_tomorrow_are_said_so(now: datetime) -> None:
    now = now.replace(tzinfo=TZ)
    later_today = now.replace(hour=23, minute=59)
    assert say_time_sv(later_today, now).startswith("i dag klockan")
    tomorrow = (now + timedelta(days=1)).replace(hour=12, minute=0)
    assert say_time_sv(tomorrow, now).startswith("i morgon klockan")
