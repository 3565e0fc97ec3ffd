from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from vaxel.domain.barring import (
    BarringClass,
    BarringException,
    CallAttempt,
    ExceptionKind,
    FraudWatch,
    NumberClass,
    classify,
    is_expired,
    may_call,
    scan_for_fraud,
    validate_exception,
)
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberPlan

PLAN = NumberPlan()
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("dialled", "expected"),
    [
        ("112", NumberClass.EMERGENCY),
        ("114 14", NumberClass.EMERGENCY),
        ("113 13", NumberClass.EMERGENCY),
        ("90000", NumberClass.EMERGENCY),
        ("4123", NumberClass.INTERNAL),
        ("+46101304123", NumberClass.INTERNAL),
        ("010-130 41 23", NumberClass.INTERNAL),
        ("0900-123 45 67", NumberClass.PREMIUM),
        ("0939-12 34 56", NumberClass.PREMIUM),
        ("0944123456", NumberClass.PREMIUM),
        ("+46 900 123 456", NumberClass.PREMIUM),
        ("118 118", NumberClass.PREMIUM),
        ("070-123 45 67", NumberClass.MOBILE),
        ("+46 73 123 45 67", NumberClass.MOBILE),
        ("0570-123 45", NumberClass.NATIONAL),
        ("08-123 456 78", NumberClass.NATIONAL),
        ("020-12 34 56", NumberClass.NATIONAL),
        ("+47 22 12 34 56", NumberClass.INTERNATIONAL),
        ("0047 900 12 345", NumberClass.INTERNATIONAL),
        ("+1 202 555 0123", NumberClass.INTERNATIONAL),
        ("+44 909 879 0000", NumberClass.PREMIUM),  # premium rate abroad is premium rate
    ],
)
def test_classify(dialled: str, expected: NumberClass) -> None:
    assert classify(dialled, PLAN) is expected


@pytest.mark.parametrize("dialled", ["", "abc", "070-12", "123"])
def test_classify_rejects_non_numbers(dialled: str) -> None:
    with pytest.raises(DomainError) as err:
        classify(dialled, PLAN)
    assert err.value.field == "number"


def exception(
    kind: ExceptionKind,
    valid_from: datetime = NOW - timedelta(days=1),
    valid_to: datetime = NOW + timedelta(days=30),
    person_id: int = 7,
    decided_by_id: int = 100,
    reason: str = "Jour inom hemtjänsten",
) -> BarringException:
    return BarringException(person_id, kind, decided_by_id, reason, valid_from, valid_to)


def test_112_is_always_allowed() -> None:
    decision = may_call(BarringClass.INTERNAL, NumberClass.EMERGENCY, [], NOW, after_hours=True)
    assert decision.allowed and decision.rule == "emergency"


def test_internal_calls_are_always_allowed() -> None:
    assert may_call(BarringClass.INTERNAL, NumberClass.INTERNAL, [], NOW, after_hours=True).allowed


@pytest.mark.parametrize(
    ("barring", "number_class", "allowed"),
    [
        (BarringClass.INTERNAL, NumberClass.NATIONAL, False),
        (BarringClass.NATIONAL, NumberClass.NATIONAL, True),
        (BarringClass.NATIONAL, NumberClass.MOBILE, True),
        (BarringClass.NATIONAL, NumberClass.INTERNATIONAL, False),
        (BarringClass.INTERNATIONAL, NumberClass.INTERNATIONAL, True),
        (BarringClass.INTERNATIONAL, NumberClass.PREMIUM, False),
        (BarringClass.UNRESTRICTED, NumberClass.PREMIUM, True),
    ],
)
def test_barring_classes_by_day(
    barring: BarringClass, number_class: NumberClass, allowed: bool
) -> None:
    decision = may_call(barring, number_class, [], NOW, after_hours=False)
    assert decision.allowed is allowed
    assert decision.rule == "class"


def test_after_hours_only_internal_and_emergency() -> None:
    decision = may_call(BarringClass.NATIONAL, NumberClass.MOBILE, [], NOW, after_hours=True)
    assert not decision.allowed and decision.rule == "after_hours"


def test_an_after_hours_exception_restores_the_class() -> None:
    on_call = exception(ExceptionKind.AFTER_HOURS)
    decision = may_call(BarringClass.NATIONAL, NumberClass.MOBILE, [on_call], NOW, True)
    assert decision.allowed and decision.exception == on_call
    # It does not widen the class.
    assert not may_call(
        BarringClass.NATIONAL, NumberClass.INTERNATIONAL, [on_call], NOW, True
    ).allowed


def test_private_use_exception_opens_national_and_mobile_only() -> None:
    private = exception(ExceptionKind.PRIVATE_USE)
    by_day = may_call(BarringClass.INTERNAL, NumberClass.MOBILE, [private], NOW, False)
    assert by_day.allowed and by_day.rule == "exception"
    assert may_call(BarringClass.INTERNAL, NumberClass.NATIONAL, [private], NOW, True).allowed
    assert not may_call(
        BarringClass.INTERNAL, NumberClass.INTERNATIONAL, [private], NOW, True
    ).allowed
    assert not may_call(BarringClass.NATIONAL, NumberClass.PREMIUM, [private], NOW, False).allowed


def test_only_valid_exceptions_count() -> None:
    expired = exception(ExceptionKind.AFTER_HOURS, NOW - timedelta(days=30), NOW)
    future = exception(ExceptionKind.AFTER_HOURS, NOW + timedelta(days=1), NOW + timedelta(days=2))
    for e in (expired, future):
        assert not may_call(BarringClass.NATIONAL, NumberClass.MOBILE, [e], NOW, True).allowed
    someone_elses = exception(ExceptionKind.AFTER_HOURS, person_id=8)
    decision = may_call(
        BarringClass.NATIONAL, NumberClass.MOBILE, [someone_elses], NOW, True, person_id=7
    )
    assert not decision.allowed


def test_is_expired() -> None:
    e = exception(ExceptionKind.PRIVATE_USE, valid_to=NOW)
    assert is_expired(e, NOW)
    assert not is_expired(e, NOW - timedelta(seconds=1))


def test_validate_exception() -> None:
    validate_exception(exception(ExceptionKind.PRIVATE_USE), unit_chef_id=100)


@pytest.mark.parametrize(
    ("e", "chef", "field"),
    [
        (exception(ExceptionKind.PRIVATE_USE, decided_by_id=101), 100, "decided_by"),
        (exception(ExceptionKind.PRIVATE_USE), None, "decided_by"),
        (exception(ExceptionKind.PRIVATE_USE, person_id=100), 100, "decided_by"),
        (exception(ExceptionKind.PRIVATE_USE, reason="  "), 100, "reason"),
        (exception(ExceptionKind.PRIVATE_USE, valid_to=NOW - timedelta(days=1)), 100, "valid_to"),
        (exception(ExceptionKind.PRIVATE_USE, valid_to=NOW + timedelta(days=400)), 100, "valid_to"),
    ],
)
def test_invalid_exceptions(e: BarringException, chef: int | None, field: str) -> None:
    with pytest.raises(DomainError) as err:
        validate_exception(e, chef)
    assert err.value.field == field


def attempts(n: int, spacing: timedelta, number_class: NumberClass = NumberClass.INTERNATIONAL):
    return [CallAttempt("account:anna.desk", number_class, NOW + i * spacing) for i in range(n)]


def test_fraud_alarm_when_too_many_international_attempts_in_an_hour() -> None:
    watch = FraudWatch(limit=10)
    results = [watch.observe(a) for a in attempts(15, timedelta(minutes=2))]
    alarms = [r for r in results if r is not None]
    assert len(alarms) == 1  # one alarm, not one per attempt
    assert results[10] is not None and results[10].count == 11
    assert alarms[0].subject == "account:anna.desk"


def test_no_alarm_at_the_limit_or_when_spread_out_or_national() -> None:
    assert scan_for_fraud(attempts(10, timedelta(minutes=1))) == []
    assert scan_for_fraud(attempts(30, timedelta(minutes=7))) == []
    assert scan_for_fraud(attempts(30, timedelta(seconds=5), NumberClass.NATIONAL)) == []


def test_a_running_attack_alarms_again_after_the_window() -> None:
    alarms = scan_for_fraud(attempts(200, timedelta(minutes=1)), FraudWatch(limit=10))
    assert len(alarms) >= 3
    assert all(b.at - a.at >= timedelta(hours=1) for a, b in pairwise(alarms))
