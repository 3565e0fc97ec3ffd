from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.presence import (
    REASON_LABELS,
    REASON_WORDS_EN,
    RETURN_UNKNOWN_ALLOWED,
    Absence,
    AbsenceReason,
    Channel,
    PresenceChange,
    current_absence,
    is_available,
    parse_reason,
    phrase_en,
    phrase_sv,
    validate_absence,
)

NOW = datetime(2026, 12, 2, 11, 30, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("lunch", AbsenceReason.LUNCH),
        ("På lunch", AbsenceReason.LUNCH),
        ("möte", AbsenceReason.MOTE),
        ("mote", AbsenceReason.MOTE),
        ("meeting", AbsenceReason.MOTE),
        ("tillfälligt ute", AbsenceReason.TILLFALLIGT_UTE),
        ("out", AbsenceReason.TILLFALLIGT_UTE),
        ("gått för dagen", AbsenceReason.GATT_FOR_DAGEN),
        ("gone for the day", AbsenceReason.GATT_FOR_DAGEN),
        ("left", AbsenceReason.GATT_FOR_DAGEN),
        ("kurs", AbsenceReason.KURS),
        ("training", AbsenceReason.KURS),
        ("course", AbsenceReason.KURS),
        ("tjänsteresa", AbsenceReason.TJANSTERESA),
        ("business trip", AbsenceReason.TJANSTERESA),
        ("travel", AbsenceReason.TJANSTERESA),
        ("semester", AbsenceReason.SEMESTER),
        ("vacation", AbsenceReason.SEMESTER),
        ("holiday", AbsenceReason.SEMESTER),
        ("SJUK", AbsenceReason.SJUK),
        ("sick", AbsenceReason.SJUK),
        ("vab", AbsenceReason.VAB),
        ("child sick", AbsenceReason.VAB),
        ("föräldraledig", AbsenceReason.FORALDRALEDIG),
        ("foraldraledig", AbsenceReason.FORALDRALEDIG),
        ("parental leave", AbsenceReason.FORALDRALEDIG),
    ],
)
def test_parse_reason(text: str, reason: AbsenceReason) -> None:
    assert parse_reason(text) is reason


def test_every_reason_reads_back_from_its_labels() -> None:
    for reason, (sv, en) in REASON_LABELS.items():
        assert parse_reason(reason.value) is reason
        assert parse_reason(sv) is reason
        assert parse_reason(en) is reason
    assert set(REASON_LABELS) == set(AbsenceReason)


def test_unknown_reason_lists_the_valid_ones() -> None:
    with pytest.raises(DomainError) as err:
        parse_reason("fika")
    assert err.value.field == "reason"
    message = err.value.reason
    assert "föräldraledig" in message and "parental leave" in message and "vab" in message
    # Every word the message offers is one that works: what it says can be typed back.
    listed = message.split("use one of: ", 1)[1].replace(" (in English: ", ", ").rstrip(")")
    words = [w.strip() for w in listed.split(",")]
    assert len(words) == 2 * len(AbsenceReason)
    assert {parse_reason(w) for w in words} == set(AbsenceReason)
    assert set(REASON_WORDS_EN) == set(AbsenceReason)


def test_a_missing_return_time_says_which_reasons_may_leave_it_out() -> None:
    with pytest.raises(DomainError) as err:
        validate_absence(Absence(AbsenceReason.LUNCH, None), NOW)
    assert err.value.field == "until"
    assert "required for lunch" in err.value.reason
    assert "sjuk" in err.value.reason and "föräldraledig" in err.value.reason
    past = datetime(2025, 1, 1, 8, 0, tzinfo=TZ)
    with pytest.raises(DomainError) as err:
        validate_absence(Absence(AbsenceReason.MOTE, past), NOW)
    assert "2025-01-01 08:00 has already passed" in err.value.reason


def test_phrases_follow_the_name() -> None:
    assert phrase_sv(AbsenceReason.LUNCH) == "är på lunch"
    assert phrase_sv(AbsenceReason.MOTE) == "är på möte"
    assert phrase_sv(AbsenceReason.TILLFALLIGT_UTE) == "är tillfälligt ute"
    assert phrase_sv(AbsenceReason.GATT_FOR_DAGEN) == "har gått för dagen"
    assert phrase_en(AbsenceReason.GATT_FOR_DAGEN) == "has left for the day"
    assert phrase_sv(AbsenceReason.SJUK, discreet=True) == "är frånvarande"
    assert phrase_sv(AbsenceReason.LUNCH, discreet=True) == "är på lunch"


def test_return_time_is_required_unless_unknown_is_allowed() -> None:
    with pytest.raises(DomainError) as err:
        validate_absence(Absence(AbsenceReason.LUNCH, None), NOW)
    assert err.value.field == "until"
    for reason in RETURN_UNKNOWN_ALLOWED:
        validate_absence(Absence(reason, None), NOW)


def test_return_time_must_be_in_the_future() -> None:
    with pytest.raises(DomainError) as err:
        validate_absence(Absence(AbsenceReason.LUNCH, NOW), NOW)
    assert err.value.field == "until"
    validate_absence(Absence(AbsenceReason.LUNCH, NOW + timedelta(minutes=1)), NOW)


def test_return_time_must_be_aware() -> None:
    with pytest.raises(DomainError) as err:
        validate_absence(Absence(AbsenceReason.MOTE, datetime(2026, 12, 2, 13, 0)), NOW)
    assert err.value.field == "until"


def test_an_absence_returns_to_available_by_itself() -> None:
    lunch = Absence(AbsenceReason.LUNCH, NOW.replace(hour=12, minute=30))
    assert current_absence(lunch, NOW) is lunch
    assert not is_available(lunch, NOW)
    assert not is_available(lunch, NOW.replace(hour=12, minute=29, second=59))
    assert current_absence(lunch, NOW.replace(hour=12, minute=30)) is None
    assert is_available(lunch, NOW.replace(hour=12, minute=30))
    assert is_available(None, NOW)


def test_unknown_return_stays_until_cleared() -> None:
    sick = Absence(AbsenceReason.SJUK, None)
    assert current_absence(sick, NOW + timedelta(days=365)) is sick


def test_presence_change_records_who_and_how() -> None:
    change = PresenceChange(7, None, NOW, "operator:lisa", Channel.OPERATOR)
    assert change.absence is None and change.channel is Channel.OPERATOR


def test_absence_ends_in_the_repeated_hour_when_summer_time_ends() -> None:
    # 2026-10-25: clocks go back 03:00 CEST → 02:00 CET, so 02:00–03:00 happens twice.
    from datetime import datetime as dt

    from vaxel.domain.clock import TZ
    from vaxel.domain.presence import Absence, AbsenceReason, current_absence

    back = dt(2026, 10, 25, 2, 30, tzinfo=TZ)  # fold=0: the first 02:30, summer time
    now = dt(2026, 10, 25, 2, 10, fold=1, tzinfo=TZ)  # winter time, 40 minutes later
    assert now.timestamp() > back.timestamp()
    absence = Absence(reason=AbsenceReason.MOTE, until=back)
    assert current_absence(absence, now) is None
