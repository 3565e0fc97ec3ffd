"""Feature codes: what each dialled string means, and the Swedish error for a malformed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.presence import (
    RETURN_UNKNOWN_ALLOWED,
    Absence,
    AbsenceReason,
    Channel,
    validate_absence,
)
from vaxel.switch.feature_codes import (
    CODE_OF_REASON,
    REASON_CODES,
    ClearAbsence,
    FeatureCodeError,
    ListenToVoicemail,
    QueueSignIn,
    QueueSignOut,
    RecordGreeting,
    SetAbsence,
    confirmation_en,
    confirmation_sv,
    parse,
)

# Tuesday 3 March 2026, ten past twelve.
NOW = datetime(2026, 3, 3, 12, 10, tzinfo=TZ)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def absence_of(dialled: str, now: datetime = NOW) -> Absence:
    command = parse(dialled, now, set_by="anna@arvika.se")
    assert isinstance(command, SetAbsence)
    return command.absence


def test_every_reason_has_exactly_one_code() -> None:
    assert set(REASON_CODES.values()) == set(AbsenceReason)
    assert len(CODE_OF_REASON) == len(REASON_CODES)
    assert REASON_CODES["1"] is AbsenceReason.LUNCH
    assert REASON_CODES["8"] is AbsenceReason.SJUK
    assert REASON_CODES["10"] is AbsenceReason.VAB


def test_lunch_until_one_today() -> None:
    absence = absence_of("*23*1*1300#")
    assert absence == Absence(
        reason=AbsenceReason.LUNCH,
        until=at(2026, 3, 3, 13, 0),
        set_by="anna@arvika.se",
        set_at=NOW,
        channel=Channel.PHONE,
    )


def test_a_time_already_passed_means_tomorrow() -> None:
    assert absence_of("*23*4*0800#").until == at(2026, 3, 4, 8, 0)
    # The very minute of now has passed as well: a return time must lie in the future.
    assert absence_of("*23*2*1210#").until == at(2026, 3, 4, 12, 10)


def test_with_a_date() -> None:
    absence = absence_of("*23*7*0316*0800#")
    assert absence.reason is AbsenceReason.SEMESTER
    assert absence.until == at(2026, 3, 16, 8, 0)


def test_a_date_already_passed_this_year_means_next_year() -> None:
    assert absence_of("*23*6*0105*0900#").until == at(2027, 1, 5, 9, 0)


def test_today_with_a_passed_time_is_an_error_not_next_year() -> None:
    with pytest.raises(FeatureCodeError, match="redan passerat"):
        parse("*23*5*0303*0800#", NOW)


def test_the_twenty_ninth_of_february_waits_for_a_leap_year() -> None:
    assert absence_of("*23*7*0229*0800#", at(2027, 6, 1, 9, 0)).until == at(2028, 2, 29, 8, 0)
    with pytest.raises(FeatureCodeError, match="0229 finns inte"):
        parse("*23*7*0229*0800#", NOW)


def test_unknown_return_only_where_the_policy_allows_it() -> None:
    for code, reason in REASON_CODES.items():
        if reason in RETURN_UNKNOWN_ALLOWED:
            assert absence_of(f"*23*{code}#").until is None
        else:
            with pytest.raises(FeatureCodeError, match="när du är tillbaka"):
                parse(f"*23*{code}#", NOW)


def test_every_parsed_absence_is_one_the_presence_service_accepts() -> None:
    for code in REASON_CODES:
        for dialled in (f"*23*{code}*0930#", f"*23*{code}*1224*1200#"):
            validate_absence(absence_of(dialled), NOW)


def test_return_time_on_the_dst_night_is_moved_past_the_gap() -> None:
    # 29 March 2026: clocks go from 02:00 to 03:00, so 02:30 does not exist.
    absence = absence_of("*23*3*0230#", at(2026, 3, 29, 1, 0))
    assert absence.until is not None
    assert absence.until.hour == 3 and absence.until.minute == 30


def test_in_the_repeated_autumn_hour_the_next_such_clock_time_is_chosen() -> None:
    # 25 October 2026, 02:10 the second time round (winter time): 02:30 is 20 minutes away.
    now = datetime(2026, 10, 25, 2, 10, tzinfo=TZ, fold=1)
    until = absence_of("*23*3*0230#", now).until
    assert until is not None
    assert until.astimezone(UTC) - now.astimezone(UTC) == timedelta(minutes=20)
    # At 02:40 summer time, "0230" is the winter-time 02:30 an hour later, not tomorrow.
    earlier = datetime(2026, 10, 25, 2, 40, tzinfo=TZ)
    until = absence_of("*23*3*0230#", earlier).until
    assert until is not None
    assert until.astimezone(UTC) - earlier.astimezone(UTC) == timedelta(minutes=50)


def test_simple_codes() -> None:
    assert parse("#23#", NOW) == ClearAbsence()
    assert parse("*97#", NOW) == RecordGreeting()
    assert parse("*98#", NOW) == ListenToVoicemail()
    assert parse("*21#", NOW) == QueueSignIn()
    assert parse("#21#", NOW) == QueueSignOut()


def test_the_closing_hash_may_be_left_out_and_may_arrive_escaped() -> None:
    assert absence_of("*23*1*1300").until == at(2026, 3, 3, 13, 0)
    assert parse("*23*1*1300%23", NOW) == parse("*23*1*1300#", NOW)
    assert parse("%2321%23", NOW) == QueueSignOut()
    assert parse(" *98 ", NOW) == ListenToVoicemail()


@pytest.mark.parametrize("dialled", ["4123", "0570-81000", "+4657081000", "", "sip"])
def test_numbers_are_not_feature_codes(dialled: str) -> None:
    assert parse(dialled, NOW) is None


@pytest.mark.parametrize(
    ("dialled", "says"),
    [
        ("*23#", "orsakskod"),
        ("*23**1300#", "orsakskod"),
        ("*23*11*1300#", "Orsakskoden 11 finns inte"),
        ("*23*1*2400#", "fyra siffror"),
        ("*23*1*1360#", "fyra siffror"),
        ("*23*1*130#", "fyra siffror"),
        ("*23*1*1300*1#", "fyra siffror"),
        ("*23*7*1301*0800#", "1301 finns inte"),
        ("*23*7*0316*0800*1#", "För många fält"),
        ("*23*1*13a0#", "bara innehålla siffror"),
        ("#23*1#", "tar inga fler siffror"),
        ("*97*1#", "tar inga fler siffror"),
        ("*99#", "Koden finns inte"),
        ("#", "Koden finns inte"),
    ],
)
def test_malformed_codes_say_what_is_wrong_in_swedish(dialled: str, says: str) -> None:
    with pytest.raises(FeatureCodeError, match=says) as caught:
        parse(dialled, NOW)
    assert caught.value.dialled == dialled
    assert caught.value.message_sv == str(caught.value)
    assert caught.value.message_en


def test_now_must_be_aware() -> None:
    with pytest.raises(DomainError):
        parse("*23*1*1300#", datetime(2026, 3, 3, 12, 10))


def test_confirmations_say_what_was_set() -> None:
    lunch = parse("*23*1*1300#", NOW)
    assert lunch is not None
    assert confirmation_sv(lunch, NOW) == "Hänvisning: på lunch, åter i dag klockan tretton."
    assert confirmation_en(lunch, NOW) == (
        "Diverted: at lunch, back today at one in the afternoon."
    )
    sick = parse("*23*8#", NOW)
    assert sick is not None
    assert confirmation_sv(sick, NOW) == "Hänvisning: sjuk. Återkomst är inte känd."
    assert confirmation_sv(ClearAbsence(), NOW) == "Hänvisningen är borttagen."
    assert confirmation_sv(QueueSignIn(), NOW) == "Du är inloggad i växelkön."
    assert confirmation_sv(QueueSignOut(), NOW) == "Du är utloggad ur växelkön."
    # The voicemail app speaks for itself.
    assert confirmation_sv(RecordGreeting(), NOW) is None
    assert confirmation_en(ListenToVoicemail(), NOW) is None
