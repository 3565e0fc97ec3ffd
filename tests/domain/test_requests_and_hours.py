"""Exception requests, who decides them, notes on people, and the hours that apply to a unit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from vaxel.domain.barring import (
    ExceptionKind,
    ExceptionRequest,
    RequestStatus,
    validate_denial,
    validate_request,
)
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.organisation import Unit, UnitKind, deciding_chef_of, verksamhetschef_of
from vaxel.domain.people import NOTE_MAX_LENGTH, Person, validate_person
from vaxel.domain.telephone_hours import Closure, TelephoneHours, effective_hours

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday
DAY = timedelta(days=1)
UNITS = {
    1: Unit(1, "Ekby kommun", UnitKind.KOMMUN, verksamhetschef_id=900),
    2: Unit(2, "Samhällsbyggnadsförvaltningen", UnitKind.FORVALTNING, 1, verksamhetschef_id=20),
    3: Unit(3, "Bygglov", UnitKind.ENHET, 2),
    4: Unit(4, "Miljö", UnitKind.ENHET, 2, verksamhetschef_id=40),
}
OFFICE = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(16)),)))
MORNINGS = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(9), time(12)),)))
REQUEST = ExceptionRequest(1, 30, ExceptionKind.AFTER_HOURS, "Beredskap", NOW, NOW + 30 * DAY, NOW)


def test_the_nearest_chef_decides_and_a_chef_asks_the_next_level_up() -> None:
    assert deciding_chef_of(UNITS, 3, 30) == verksamhetschef_of(UNITS, 3) == 20
    assert deciding_chef_of(UNITS, 4, 41) == 40
    assert deciding_chef_of(UNITS, 4, 40) == 20  # Miljö's chef asks the förvaltningschef
    assert deciding_chef_of(UNITS, 2, 20) == 900
    assert deciding_chef_of(UNITS, 1, 900) is None  # the top has nobody above


def test_a_request_needs_a_reason_and_a_period_of_at_most_a_year() -> None:
    validate_request(REQUEST)
    assert REQUEST.is_pending and REQUEST.status is RequestStatus.PENDING
    bad = [
        (replace(REQUEST, reason="  "), "reason"),
        (replace(REQUEST, wanted_to=NOW), "wanted_to"),
        (replace(REQUEST, wanted_to=NOW + 367 * DAY), "wanted_to"),
    ]
    for request, field in bad:
        with pytest.raises(DomainError) as info:
            validate_request(request)
        assert info.value.field == field


def test_a_denial_is_the_chefs_with_a_reason_and_only_once() -> None:
    validate_denial(REQUEST, 20, 20, "Inte i tjänsten")
    cases = [
        (REQUEST, 30, 20, "nej", "decided_by"),
        (REQUEST, 20, None, "nej", "decided_by"),
        (REQUEST, 20, 20, " ", "reason"),
        (replace(REQUEST, status=RequestStatus.APPROVED), 20, 20, "nej", "status"),
    ]
    for request, by, chef, reason, field in cases:
        with pytest.raises(DomainError) as info:
            validate_denial(request, by, chef, reason)
        assert info.value.field == field


def test_a_note_is_a_line_or_two() -> None:
    anna = Person(1, "Anna Öberg", "anna@ekby.se", 3, note="Nås bäst via mobil")
    validate_person(anna)
    assert Person(2, "Bo Ek", "bo@ekby.se", 3).note == ""
    with pytest.raises(DomainError) as info:
        validate_person(replace(anna, note="x" * (NOTE_MAX_LENGTH + 1)))
    assert info.value.field == "note"


def test_effective_hours_come_from_the_nearest_unit_with_hours() -> None:
    own = {1: OFFICE, 4: MORNINGS}
    assert effective_hours(UNITS, own, [], 3) == OFFICE  # Bygglov → förvaltning → kommun
    assert effective_hours(UNITS, own, [], 4) == MORNINGS  # Miljö has its own
    assert effective_hours(UNITS, {}, [], 3) is None
    assert effective_hours(UNITS, own, [], 99) is None


def test_closures_of_the_unit_its_ancestors_and_the_kommun_apply() -> None:
    staff_day = Closure(NOW - timedelta(hours=1), NOW + timedelta(hours=8), "Personaldag")
    other = Closure(NOW + DAY, NOW + 2 * DAY, "Flytt")
    closures = [(2, staff_day), (4, other), (None, other)]
    bygglov = effective_hours(UNITS, {1: OFFICE}, closures, 3)
    assert bygglov is not None and not bygglov.is_open(NOW)
    assert [c.reason for c in bygglov.closures] == ["Personaldag", "Flytt"]  # not Miljö's
    kommun = effective_hours(UNITS, {1: OFFICE}, closures, 1)
    assert kommun is not None and kommun.is_open(NOW) and len(kommun.closures) == 1


def test_a_cycle_in_the_tree_counts_only_the_unit_itself() -> None:
    looped = {5: Unit(5, "A", UnitKind.ENHET, 6), 6: Unit(6, "B", UnitKind.ENHET, 5)}
    assert effective_hours(looped, {5: OFFICE}, [], 5) == OFFICE
    assert effective_hours(looped, {6: OFFICE}, [], 5) is None
