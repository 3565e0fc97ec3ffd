from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import (
    NumberAssignment,
    NumberKind,
    NumberPlan,
    check_no_overlap,
    in_service,
    normalise,
    normalise_mobile,
    periods_overlap,
    try_normalise,
    validate_assignment,
)
from vaxel.domain.people import Person, PersonKind


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    "text", ["070-123 45 67", "+46 70 123 45 67", "0046701234567", "0701234567", "(070) 1234567"]
)
def test_normalise_to_e164(text: str) -> None:
    assert normalise(text) == "+46701234567"


def test_normalise_reads_national_numbers_in_the_given_region() -> None:
    assert normalise("22 12 34 56", region="NO") == "+4722123456"
    assert normalise("+47 22 12 34 56") == "+4722123456"


@pytest.mark.parametrize("text", ["", "   ", "abc", "070-12", "+46 0"])
def test_normalise_rejects_invalid_numbers(text: str) -> None:
    with pytest.raises(DomainError) as err:
        normalise(text)
    assert err.value.field == "number"
    assert try_normalise(text) is None


def test_extension_plan() -> None:
    plan = NumberPlan()
    assert plan.e164_for_extension("4123") == "+46101304123"
    assert plan.extension_of("+46101304123") == "4123"
    assert plan.extension_of("+46701234567") is None
    assert plan.extension_of("+461013041234") is None  # too long for the plan


@pytest.mark.parametrize("ext", ["412", "41234", "41a3", "", "٤١٢٣"])
def test_extension_must_be_the_plans_digits(ext: str) -> None:
    with pytest.raises(DomainError) as err:
        NumberPlan().e164_for_extension(ext)
    assert err.value.field == "extension"


def test_plan_validates_itself() -> None:
    with pytest.raises(DomainError):
        NumberPlan(did_prefix="4610130")
    with pytest.raises(DomainError):
        NumberPlan(extension_digits=1)


E164 = "+46101304123"


def assigned(
    person_id: int | None = 1,
    unit_id: int | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    e164: str = E164,
) -> NumberAssignment:
    return NumberAssignment(
        e164=e164,
        kind=NumberKind.EXTENSION,
        person_id=person_id,
        unit_id=unit_id,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def test_a_number_cannot_be_assigned_twice_for_overlapping_periods() -> None:
    first = assigned(person_id=1, valid_from=at(2026, 1, 1), valid_to=at(2026, 7, 1))
    second = assigned(person_id=2, valid_from=at(2026, 6, 1))
    with pytest.raises(DomainError) as err:
        check_no_overlap([first], second)
    assert err.value.field == "number"
    assert "is already assigned to person 1" in err.value.reason


def test_a_number_can_be_reassigned_after_the_first_assignment_ends() -> None:
    first = assigned(person_id=1, valid_from=at(2026, 1, 1), valid_to=at(2026, 7, 1))
    check_no_overlap([first], assigned(person_id=2, valid_from=at(2026, 7, 1)))
    check_no_overlap([first], assigned(person_id=2, valid_to=at(2026, 1, 1)))


def test_an_open_ended_assignment_blocks_every_later_one() -> None:
    first = assigned(person_id=1, valid_from=at(2026, 1, 1))
    with pytest.raises(DomainError):
        check_no_overlap([first], assigned(person_id=2, valid_from=at(2030, 1, 1)))
    with pytest.raises(DomainError):
        check_no_overlap([assigned(person_id=1)], assigned(unit_id=3, person_id=None))


def test_other_numbers_do_not_conflict() -> None:
    check_no_overlap([assigned(person_id=1)], assigned(person_id=2, e164="+46101304124"))


def test_an_assignment_has_exactly_one_owner() -> None:
    with pytest.raises(DomainError) as err:
        assigned(person_id=None, unit_id=None)
    assert err.value.field == "owner"
    with pytest.raises(DomainError):
        assigned(person_id=1, unit_id=2)


def test_an_assignment_ends_after_it_starts() -> None:
    with pytest.raises(DomainError) as err:
        assigned(valid_from=at(2026, 2, 1), valid_to=at(2026, 2, 1))
    assert err.value.field == "valid_to"


def test_active_at_is_half_open() -> None:
    a = assigned(valid_from=at(2026, 1, 1), valid_to=at(2026, 2, 1))
    assert not a.active_at(at(2025, 12, 31, 23, 59))
    assert a.active_at(at(2026, 1, 1))
    assert not a.active_at(at(2026, 2, 1))


def test_validate_assignment() -> None:
    plan = NumberPlan()
    good = NumberAssignment(E164, NumberKind.EXTENSION, person_id=1, extension="4123")
    validate_assignment(good, plan)
    with pytest.raises(DomainError) as err:
        validate_assignment(
            NumberAssignment(E164, NumberKind.EXTENSION, person_id=1, extension="4124"), plan
        )
    assert err.value.field == "extension"
    with pytest.raises(DomainError):
        validate_assignment(NumberAssignment("0101304123", NumberKind.EXTENSION, person_id=1))
    with pytest.raises(DomainError) as err:
        validate_assignment(NumberAssignment(E164, NumberKind.FUNCTION, person_id=1))
    assert err.value.field == "owner"


bounds = st.one_of(st.none(), st.integers(0, 20))


def _dt(day: int | None) -> datetime | None:
    return None if day is None else at(2026, 1, 1 + day)


@given(bounds, bounds, bounds, bounds)
def test_overlap_is_symmetric_and_matches_a_shared_day(
    a0: int | None, a1: int | None, b0: int | None, b1: int | None
) -> None:
    result = periods_overlap(_dt(a0), _dt(a1), _dt(b0), _dt(b1))
    assert result == periods_overlap(_dt(b0), _dt(b1), _dt(a0), _dt(a1))
    days_a = set(range(-1 if a0 is None else a0, 22 if a1 is None else a1))
    days_b = set(range(-1 if b0 is None else b0, 22 if b1 is None else b1))
    assert result == bool(days_a & days_b)


@pytest.mark.parametrize(
    "text", ["070-123 45 67", "0701234567", "+46701234567", "0046 70 123 45 67", "+447911123456"]
)
def test_normalise_mobile_accepts_mobiles(text: str) -> None:
    assert normalise_mobile(text).startswith("+")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("08-123 456 78", "is not a mobile number"),  # Stockholm, a fixed line
        ("020-123 456", "is not a mobile number"),  # toll-free
        ("070-12", "is not a valid phone number"),
        ("mobil", "cannot be read"),
    ],
)
def test_normalise_mobile_names_the_field_and_reason(text: str, reason: str) -> None:
    with pytest.raises(DomainError) as info:
        normalise_mobile(text)
    assert info.value.field == "mobile" and reason in info.value.reason


def test_a_contractors_numbers_stop_working_after_the_end_date() -> None:
    last_day = date(2026, 11, 30)
    sara = Person(7, "Sara Konsult", "sara@konsult.se", 1, PersonKind.EXTERN, valid_to=last_day)
    number = NumberAssignment(
        "+46101304101", NumberKind.EXTENSION, person_id=7, extension="4101",
        valid_from=datetime(2026, 1, 1, tzinfo=TZ),
    )  # fmt: skip
    assert in_service(number, sara, datetime(2026, 11, 30, 23, 59, tzinfo=TZ))
    assert not in_service(number, sara, datetime(2026, 12, 1, 0, 0, tzinfo=TZ))
    # The local day counts, not UTC's: 00:30 in Stockholm is still 23:30 UTC the day before.
    assert not in_service(number, sara, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert not in_service(number, None, datetime(2026, 6, 1, tzinfo=TZ))  # holder unknown
    function = NumberAssignment(
        "+46101301000", NumberKind.FUNCTION, unit_id=1, label="Växeln",
        valid_from=datetime(2026, 1, 1, tzinfo=TZ),
    )  # fmt: skip
    assert in_service(function, None, datetime(2026, 12, 1, tzinfo=TZ))
    assert not in_service(function, None, datetime(2025, 12, 1, tzinfo=TZ))  # not yet assigned
