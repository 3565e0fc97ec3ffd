"""What a dialled number reaches, as the B2BUA hands it to routing: the in-memory
TargetDirectory built from a snapshot (no database)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.domain.telephone_hours import Closure, TelephoneHours
from vaxel.domain.voicemail import Mailbox
from vaxel.switch.routing import (
    FunctionTarget,
    IncomingCall,
    PersonTarget,
    RouteReason,
    RoutingSettings,
    SwitchboardTarget,
    route,
)
from vaxel.switch.targets import Device, TargetDirectory, build_snapshot

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday morning
PLAN = NumberPlan()
SINCE = NOW - timedelta(days=30)
OFFICE = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(16)),)))


def number(ext: str, kind: NumberKind, person: int | None = None, unit: int | None = None,
           label: str = "") -> NumberAssignment:  # fmt: skip
    return NumberAssignment(PLAN.e164_for_extension(ext), kind, person_id=person, unit_id=unit,
                            label=label, extension=ext, valid_from=SINCE)  # fmt: skip


def directory(
    *, registered: frozenset[int] = frozenset(), busy: frozenset[int] = frozenset()
) -> TargetDirectory:
    units = [
        Unit(1, "Sjöby kommun", UnitKind.KOMMUN),
        Unit(2, "Kontaktcenter", UnitKind.AVDELNING, 1),
        Unit(3, "Bygglov", UnitKind.AVDELNING, 1),
    ]
    people = [
        Person(10, "Anna Lind", "anna@sjoby.se", 3),
        Person(11, "Kim Konsult", "kim@sjoby.se", 3, kind=PersonKind.EXTERN,
               valid_to=date(2026, 2, 28)),
    ]
    closure = Closure(NOW - timedelta(hours=1), NOW + timedelta(hours=3), "Personaldag")
    snap = build_snapshot(
        people=people,
        units=units,
        unit_hours={2: OFFICE, 3: OFFICE},
        closures=[(3, closure)],
        numbers=[
            (number("4123", NumberKind.EXTENSION, person=10), None),
            (number("4124", NumberKind.EXTENSION, person=11), None),
            (number("1000", NumberKind.FUNCTION, unit=2, label="Växeln"), None),
            (number("1100", NumberKind.FUNCTION, unit=3, label="Bygglov"), None),
        ],
        devices=[(10, Device(100, "4123", DeviceKind.DESK)),
                 (10, Device(101, "4123m", DeviceKind.SOFTPHONE))],
        mailboxes=[Mailbox(7, "4123", 10), Mailbox(8, "1100", None)],
        absences={},
    )
    found = TargetDirectory(None, "sjoby", PLAN, registered=lambda a: a in registered,
                            busy=lambda p: p in busy)  # fmt: skip
    found.snapshot = snap
    return found


def test_a_person_by_extension_or_any_form_of_their_number() -> None:
    targets = directory(registered=frozenset({101}), busy=frozenset({10}))
    for dialled in ("4123", PLAN.e164_for_extension("4123"), "010-130 41 23".replace(" ", "")):
        found = targets.lookup(dialled.replace("-", ""), NOW)
        assert isinstance(found.target, PersonTarget), dialled
    target = targets.lookup("4123", NOW).target
    assert isinstance(target, PersonTarget)
    assert target.person.name == "Anna Lind" and target.unit_name == "Bygglov"
    assert [(d.key, d.registered) for d in target.devices] == [("4123", False), ("4123m", True)]
    assert target.busy and target.mailbox == Mailbox(7, "4123", 10)
    callee = targets.lookup("4123", NOW).callee
    assert callee is not None and (callee.person_id, callee.unit_id) == (10, 3)


def test_an_absence_is_there_at_once_and_routing_announces_it() -> None:
    targets = directory()
    absence = Absence(AbsenceReason.LUNCH, NOW + timedelta(hours=1))
    targets.snapshot = build_snapshot(
        people=targets.snapshot.people.values(),
        units=targets.snapshot.units.values(),
        numbers=[(number("4123", NumberKind.EXTENSION, person=10), None)],
        absences={10: absence},
    )
    plan = route(IncomingCall("4999", "4123"), targets.lookup("4123", NOW).target, NOW,
                 RoutingSettings())  # fmt: skip
    assert plan.reason is RouteReason.ABSENT and plan.informed


def test_the_main_number_is_the_switchboard_with_its_units_hours() -> None:
    targets = directory()
    target = targets.lookup("1000", NOW).target
    assert isinstance(target, SwitchboardTarget)
    assert target.queue == "vaxeln" and target.hours == OFFICE
    assert targets.routing_settings(RoutingSettings()).switchboard == target


def test_a_function_number_closed_by_its_units_closure() -> None:
    targets = directory()
    target = targets.lookup("1100", NOW).target
    assert isinstance(target, FunctionTarget)
    assert target.hours is not None and not target.hours.is_open(NOW)  # the staff day
    assert target.hours.is_open(NOW + timedelta(hours=4))
    assert target.mailbox == Mailbox(8, "1100", None) and target.queue == "vaxeln"
    plan = route(IncomingCall("4999", "1100"), target, NOW, targets.routing_settings(
        RoutingSettings()))  # fmt: skip
    assert plan.reason is RouteReason.FUNCTION_CLOSED and plan.informed


def test_unknown_numbers_and_people_past_their_end_date() -> None:
    targets = directory()
    assert targets.lookup("4999", NOW).target is None
    assert targets.lookup("", NOW).target is None
    kim = targets.lookup("4124", NOW).target
    assert isinstance(kim, PersonTarget)
    plan = route(IncomingCall("4123", "4124"), kim, NOW, RoutingSettings())
    assert plan.reason is RouteReason.NOT_IN_SERVICE


def test_a_number_not_yet_in_force_is_unknown() -> None:
    targets = directory()
    later = NumberAssignment(PLAN.e164_for_extension("4200"), NumberKind.EXTENSION, person_id=10,
                             extension="4200", valid_from=NOW + timedelta(days=1))  # fmt: skip
    targets.snapshot = build_snapshot(
        people=targets.snapshot.people.values(), numbers=[(later, None)]
    )
    assert targets.lookup("4200", NOW).target is None
    assert targets.lookup("4200", NOW + timedelta(days=2)).target is not None
