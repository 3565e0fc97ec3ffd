"""Routing: one test per rule of docs/routing.md, with concrete Swedish days and times."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.domain.telephone_hours import OFFICE_HOURS, Closure, TelephoneHours
from vaxel.domain.voicemail import GreetingState, Mailbox
from vaxel.switch.routing import (
    PROMPT_NOT_IN_SERVICE,
    PROMPT_NUMBER_UNKNOWN,
    AnnounceStep,
    BusyPolicy,
    DeviceRef,
    FunctionTarget,
    GreetingKind,
    IncomingCall,
    MenuDefault,
    MenuStep,
    PersonTarget,
    QueueStep,
    RingMode,
    RingProfile,
    RingStep,
    RoutePlan,
    RouteReason,
    RoutingSettings,
    SwitchboardTarget,
    Target,
    VoicemailStep,
    route,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


# Tuesday 3 March 2026 at 12:10, an ordinary working day.
NOON = at(2026, 3, 3, 12, 10)
EVENING = at(2026, 3, 3, 20, 0)

CALL = IncomingCall(caller="+46701234567", called="4123")
DESK = DeviceRef("sip:4123@192.0.2.10:5060", DeviceKind.DESK)
SOFT = DeviceRef("sip:4123-soft@192.0.2.11:5060", DeviceKind.SOFTPHONE)
MOBILE = DeviceRef("tel:+46701112233", DeviceKind.MOBILE)
OFFLINE = DeviceRef("sip:4123-old@192.0.2.12:5060", DeviceKind.SOFTPHONE, registered=False)

ANNA = Person(id=1, name="Anna Berg", email="anna.berg@arvika.se", unit_id=7)
ANNA_BOX = Mailbox(id=11, extension="4123", person_id=1)
ANNA_AT_WORK = PersonTarget(
    person=ANNA, unit_name="Bygglov", devices=(DESK, SOFT, OFFLINE), mailbox=ANNA_BOX
)

SWITCHBOARD = SwitchboardTarget(name="Växeln", queue="vaxeln", hours=OFFICE_HOURS)
SETTINGS = RoutingSettings(switchboard=SWITCHBOARD)

BYGGLOV_HOURS = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(12)),)))
BYGGLOV_BOX = Mailbox(id=90, extension="4100", person_id=None)
BYGGLOV = FunctionTarget(
    label="Bygglov",
    unit_name="Samhällsbyggnad",
    hours=BYGGLOV_HOURS,
    devices=(DESK, MOBILE),
    mailbox=BYGGLOV_BOX,
)


def plan_for(target: Target | None, now: datetime) -> RoutePlan:
    return route(CALL, target, now, SETTINGS)


def absent(reason: AbsenceReason, until: datetime | None, **changes: Any) -> PersonTarget:
    return dataclasses.replace(ANNA_AT_WORK, absence=Absence(reason, until), **changes)


def announced(plan: RoutePlan) -> str:
    return " ".join(s.text_sv for s in plan.steps if isinstance(s, AnnounceStep))


# --- Available ------------------------------------------------------------------------------


def test_available_rings_registered_devices_in_parallel_then_voicemail_after_20_s() -> None:
    plan = plan_for(ANNA_AT_WORK, NOON)
    ring, voicemail = plan.steps
    assert ring == RingStep((DESK, SOFT), timeout_s=20.0, parallel=True)
    assert isinstance(voicemail, VoicemailStep)
    assert voicemail.mailbox == ANNA_BOX
    assert voicemail.greeting is GreetingKind.DEFAULT
    assert "Anna Bergs röstbrevlåda, Bygglov" in voicemail.text_sv
    assert plan.reason is RouteReason.AVAILABLE
    assert not plan.informed


def test_sequential_profile_rings_one_device_after_another_with_its_own_timeout() -> None:
    target = dataclasses.replace(
        ANNA_AT_WORK,
        devices=(DESK, OFFLINE, MOBILE),
        ring=RingProfile(RingMode.SEQUENTIAL, (15, 10)),
    )
    plan = plan_for(target, NOON)
    assert plan.steps[:2] == (
        RingStep((DESK,), 15, parallel=False),
        # The mobile is third in the profile and has no timeout of its own: the default.
        RingStep((MOBILE,), 20.0, parallel=False),
    )
    assert isinstance(plan.steps[2], VoicemailStep)


def test_the_ring_timeout_is_a_setting() -> None:
    plan = route(CALL, ANNA_AT_WORK, NOON, dataclasses.replace(SETTINGS, ring_timeout_s=30))
    assert plan.steps[0] == RingStep((DESK, SOFT), 30, parallel=True)


def test_a_recorded_greeting_is_played() -> None:
    target = dataclasses.replace(
        ANNA_AT_WORK, mailbox=dataclasses.replace(ANNA_BOX, greeting=GreetingState.RECORDED)
    )
    voicemail = plan_for(target, NOON).steps[-1]
    assert isinstance(voicemail, VoicemailStep)
    assert voicemail.greeting is GreetingKind.RECORDED
    # Should the recording be missing, the default greeting is still there to say.
    assert "Anna Bergs röstbrevlåda" in voicemail.text_sv


def test_without_a_mailbox_an_unanswered_call_goes_to_the_switchboard() -> None:
    plan = plan_for(dataclasses.replace(ANNA_AT_WORK, mailbox=None), NOON)
    assert isinstance(plan.steps[0], RingStep)
    assert "Anna Berg svarar inte." in announced(plan)
    assert plan.steps[-1] == QueueStep("vaxeln")


def test_no_registered_device_goes_to_voicemail_without_ringing() -> None:
    plan = plan_for(dataclasses.replace(ANNA_AT_WORK, devices=(OFFLINE,)), NOON)
    assert plan.reason is RouteReason.NO_DEVICE
    assert not any(isinstance(s, RingStep) for s in plan.steps)
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep)
    assert "Anna Berg kan inte svara just nu" in info.text_sv
    assert isinstance(menu, MenuStep)
    # A caller who presses nothing hears the greeting and can leave a message.
    assert isinstance(menu.default, VoicemailStep)
    assert menu.options["1"] == menu.default
    assert menu.options["0"] == QueueStep("vaxeln")
    assert "Anna Berg" in menu.default.text_sv


# --- Absent (hänvisning) --------------------------------------------------------------------


def test_lunch_until_one_says_back_today_at_one_and_offers_voicemail_and_switchboard() -> None:
    plan = plan_for(absent(AbsenceReason.LUNCH, at(2026, 3, 3, 13, 0)), NOON)
    info, menu = plan.steps
    assert info == AnnounceStep(
        "Anna Berg är på lunch, åter i dag klockan tretton.",
        "Anna Berg is at lunch and will be back today at one in the afternoon.",
    )
    assert isinstance(menu, MenuStep)
    assert set(menu.options) == {"0", "1"}
    assert isinstance(menu.options["1"], VoicemailStep)
    assert menu.options["0"] == QueueStep("vaxeln")
    assert menu.default == menu.options["1"]
    assert plan.reason is RouteReason.ABSENT
    assert plan.informed
    assert plan.console_text == info.text_sv


def test_vacation_until_monday_says_the_day_and_date() -> None:
    plan = plan_for(absent(AbsenceReason.SEMESTER, at(2026, 3, 9, 8, 0)), NOON)
    assert "Anna Berg är på semester, åter måndag den nionde mars klockan åtta." in announced(plan)


def test_an_absence_whose_return_time_has_come_no_longer_applies() -> None:
    plan = plan_for(absent(AbsenceReason.LUNCH, at(2026, 3, 3, 12, 0)), NOON)
    assert plan.reason is RouteReason.AVAILABLE
    assert isinstance(plan.steps[0], RingStep)


def test_the_repeated_hour_of_the_autumn_dst_change_compares_instants() -> None:
    # 25 October 2026: 02:00-03:00 happens twice. Back at the first 02:30 (summer time),
    # called at the second 02:10 (winter time), which is 40 minutes later: she is back.
    back = datetime(2026, 10, 25, 2, 30, tzinfo=TZ)
    called = datetime(2026, 10, 25, 2, 10, tzinfo=TZ, fold=1)
    assert called.astimezone(UTC) > back.astimezone(UTC)
    plan = plan_for(absent(AbsenceReason.TILLFALLIGT_UTE, back), called)
    assert plan.reason is RouteReason.AVAILABLE


def test_an_information_only_reason_rings_anyway_and_then_says_the_return_time() -> None:
    target = absent(
        AbsenceReason.LUNCH, at(2026, 3, 3, 13, 0), info_only=frozenset({AbsenceReason.LUNCH})
    )
    plan = plan_for(target, NOON)
    assert plan.reason is RouteReason.ABSENT_RINGING
    assert plan.steps[0] == RingStep((DESK, SOFT), 20.0, parallel=True)
    assert "åter i dag klockan tretton" in announced(plan)
    assert isinstance(plan.steps[-1], MenuStep)
    assert plan.console_text == "Anna Berg är på lunch, åter i dag klockan tretton."


def test_information_only_applies_only_to_its_reasons() -> None:
    target = absent(
        AbsenceReason.MOTE, at(2026, 3, 3, 15, 0), info_only=frozenset({AbsenceReason.LUNCH})
    )
    plan = plan_for(target, NOON)
    assert plan.reason is RouteReason.ABSENT
    assert not any(isinstance(s, RingStep) for s in plan.steps)


@pytest.mark.parametrize("reason", [AbsenceReason.SJUK, AbsenceReason.FORALDRALEDIG])
def test_unknown_return_says_so_and_offers_the_switchboard_first(reason: AbsenceReason) -> None:
    plan = plan_for(absent(reason, None), NOON)
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep)
    assert info.text_sv.endswith("Återkomst är inte känd.")
    assert isinstance(menu, MenuStep)
    assert menu.options["0"] == QueueStep("vaxeln")
    # Nobody knows when the person is back: a caller who waits gets a human.
    assert menu.default == QueueStep("vaxeln")
    assert plan.reason is RouteReason.RETURN_UNKNOWN
    assert plan.informed


def test_unknown_return_at_night_says_when_the_switchboard_opens() -> None:
    plan = plan_for(absent(AbsenceReason.SJUK, None), EVENING)
    info, board, voicemail = plan.steps
    assert isinstance(info, AnnounceStep) and "Återkomst är inte känd" in info.text_sv
    assert isinstance(board, AnnounceStep)
    assert board.text_sv.startswith("Växeln har telefontid måndag till fredag")
    assert board.text_sv.endswith("Vi öppnar igen i morgon klockan åtta.")
    assert isinstance(voicemail, VoicemailStep)


def test_known_return_at_night_goes_to_voicemail_without_the_closed_switchboard() -> None:
    plan = plan_for(absent(AbsenceReason.GATT_FOR_DAGEN, at(2026, 3, 4, 8, 0)), EVENING)
    info, voicemail = plan.steps
    assert info == AnnounceStep(
        "Anna Berg har gått för dagen, åter i morgon klockan åtta.",
        "Anna Berg has left for the day and will be back tomorrow at eight in the morning.",
    )
    assert isinstance(voicemail, VoicemailStep)
    assert voicemail.greeting is GreetingKind.UNAVAILABLE


def test_discreet_settings_do_not_tell_callers_about_sickness() -> None:
    settings = dataclasses.replace(SETTINGS, discreet=True)
    plan = route(CALL, absent(AbsenceReason.SJUK, None), NOON, settings)
    assert announced(plan).startswith("Anna Berg är frånvarande.")
    assert "sjuk" not in plan.console_text


def test_absent_without_a_mailbox_goes_to_the_switchboard() -> None:
    plan = plan_for(absent(AbsenceReason.KURS, at(2026, 3, 5, 8, 0), mailbox=None), NOON)
    assert "åter torsdag den femte mars klockan åtta" in announced(plan)
    assert plan.steps[-1] == QueueStep("vaxeln")


def test_the_menu_default_can_be_the_switchboard() -> None:
    settings = dataclasses.replace(SETTINGS, menu_default=MenuDefault.SWITCHBOARD)
    plan = route(CALL, absent(AbsenceReason.LUNCH, at(2026, 3, 3, 13, 0)), NOON, settings)
    menu = plan.steps[-1]
    assert isinstance(menu, MenuStep) and menu.default == QueueStep("vaxeln")


# --- Busy -----------------------------------------------------------------------------------


def test_busy_goes_to_voicemail_with_the_busy_greeting() -> None:
    plan = plan_for(dataclasses.replace(ANNA_AT_WORK, busy=True), NOON)
    (voicemail,) = plan.steps
    assert isinstance(voicemail, VoicemailStep)
    assert voicemail.greeting is GreetingKind.BUSY
    assert voicemail.text_sv.startswith("Anna Berg, Bygglov, talar i telefon.")
    assert plan.reason is RouteReason.BUSY


def test_busy_with_call_waiting_rings_then_voicemail() -> None:
    target = dataclasses.replace(ANNA_AT_WORK, busy=True, busy_policy=BusyPolicy.CALL_WAITING)
    plan = plan_for(target, NOON)
    assert plan.reason is RouteReason.BUSY_CALL_WAITING
    assert isinstance(plan.steps[0], RingStep)
    assert isinstance(plan.steps[-1], VoicemailStep)


def test_busy_without_a_mailbox_goes_to_the_switchboard() -> None:
    plan = plan_for(dataclasses.replace(ANNA_AT_WORK, busy=True, mailbox=None), NOON)
    assert announced(plan).startswith("Anna Berg talar i telefon.")
    assert plan.steps[-1] == QueueStep("vaxeln")


# --- Numbers that do not work ---------------------------------------------------------------


def test_a_number_that_does_not_exist_is_announced_then_the_switchboard() -> None:
    plan = plan_for(None, NOON)
    assert plan.steps[0] == AnnounceStep(
        "Numret du har ringt finns inte.",
        "The number you have called does not exist.",
        PROMPT_NUMBER_UNKNOWN,
    )
    assert plan.steps[-1] == QueueStep("vaxeln")
    assert plan.reason is RouteReason.UNKNOWN_NUMBER


def test_a_number_that_does_not_exist_at_night_says_when_the_switchboard_opens() -> None:
    plan = plan_for(None, EVENING)
    assert announced(plan).endswith("Vi öppnar igen i morgon klockan åtta.")
    assert not any(isinstance(s, QueueStep) for s in plan.steps)


def test_a_contractor_past_the_end_date_is_a_number_not_in_use() -> None:
    contractor = dataclasses.replace(
        ANNA_AT_WORK,
        person=dataclasses.replace(ANNA, kind=PersonKind.EXTERN, valid_to=date(2026, 3, 2)),
    )
    plan = plan_for(contractor, NOON)
    assert plan.reason is RouteReason.NOT_IN_SERVICE
    assert plan.steps[0] == AnnounceStep(
        "Numret du har ringt är inte i bruk.",
        "The number you have called is not in use.",
        PROMPT_NOT_IN_SERVICE,
    )
    assert plan.steps[-1] == QueueStep("vaxeln")
    # Their last day still works, until midnight.
    last_day = dataclasses.replace(
        contractor, person=dataclasses.replace(contractor.person, valid_to=date(2026, 3, 3))
    )
    assert plan_for(last_day, at(2026, 3, 3, 23, 59)).reason is RouteReason.AVAILABLE
    assert plan_for(last_day, at(2026, 3, 4, 0, 0)).reason is RouteReason.NOT_IN_SERVICE


def test_someone_who_has_not_started_yet_is_not_in_service_either() -> None:
    newcomer = dataclasses.replace(
        ANNA_AT_WORK, person=dataclasses.replace(ANNA, valid_from=date(2026, 4, 1))
    )
    assert plan_for(newcomer, NOON).reason is RouteReason.NOT_IN_SERVICE


# --- Function numbers -----------------------------------------------------------------------


def test_a_function_number_at_0759_is_closed_and_at_0800_rings() -> None:
    closed = plan_for(BYGGLOV, at(2026, 3, 3, 7, 59))
    assert closed.reason is RouteReason.FUNCTION_CLOSED
    assert closed.informed
    info = closed.steps[0]
    assert info == AnnounceStep(
        "Bygglov har telefontid måndag till fredag klockan åtta till tolv. "
        "Vi öppnar igen i dag klockan åtta.",
        "Bygglov is open Monday to Friday from eight in the morning to twelve noon. "
        "We open again today at eight in the morning.",
    )
    # The switchboard is closed too at 07:59: the function's own voicemail.
    assert isinstance(closed.steps[-1], VoicemailStep)
    assert closed.steps[-1].mailbox == BYGGLOV_BOX
    assert closed.console_text == info.text_sv

    opened = plan_for(BYGGLOV, at(2026, 3, 3, 8, 0))
    assert opened.reason is RouteReason.FUNCTION_OPEN
    assert opened.steps[0] == RingStep((DESK, MOBILE), 20.0, parallel=True)
    assert isinstance(opened.steps[-1], VoicemailStep)
    assert opened.steps[-1].greeting is GreetingKind.DEFAULT


def test_a_closed_function_while_the_switchboard_is_open_offers_both() -> None:
    plan = plan_for(BYGGLOV, NOON)
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep)
    assert info.text_sv.endswith("Vi öppnar igen i morgon klockan åtta.")
    assert isinstance(menu, MenuStep)
    assert menu.options["1"] == VoicemailStep(
        BYGGLOV_BOX,
        GreetingKind.UNAVAILABLE,
        "Lämna ett meddelande till Bygglov efter tonen.",
        "Please leave a message for Bygglov after the tone.",
    )
    assert menu.options["0"] == QueueStep("vaxeln")


def test_a_closed_function_without_voicemail_goes_to_the_switchboard() -> None:
    plan = plan_for(dataclasses.replace(BYGGLOV, mailbox=None), NOON)
    assert plan.steps[-1] == QueueStep("vaxeln")
    night = plan_for(dataclasses.replace(BYGGLOV, mailbox=None), EVENING)
    function_info, board_info = night.steps
    assert isinstance(function_info, AnnounceStep) and isinstance(board_info, AnnounceStep)
    assert function_info.text_sv.startswith("Bygglov har telefontid")
    assert board_info.text_sv.startswith("Växeln har telefontid")


def test_midsommarafton_is_closed_until_monday() -> None:
    plan = plan_for(BYGGLOV, at(2026, 6, 19, 9, 0))  # Friday, midsommarafton
    assert plan.reason is RouteReason.FUNCTION_CLOSED
    assert announced(plan).endswith("Vi öppnar igen måndag den tjugoandra juni klockan åtta.")


def test_a_one_off_closure_is_respected() -> None:
    staff_day = Closure(at(2026, 3, 3, 8, 0), at(2026, 3, 3, 12, 0), "Personaldag")
    hours = BYGGLOV_HOURS.with_closure(staff_day)
    plan = plan_for(dataclasses.replace(BYGGLOV, hours=hours), at(2026, 3, 3, 9, 0))
    assert plan.reason is RouteReason.FUNCTION_CLOSED
    assert "Vi öppnar igen i morgon klockan åtta." in announced(plan)


def test_a_function_that_never_opens_says_so_and_offers_the_switchboard() -> None:
    never = dataclasses.replace(BYGGLOV, hours=TelephoneHours(weekly={}))
    plan = plan_for(never, NOON)
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep)
    assert info.text_sv == "Bygglov har ingen telefontid just nu."
    assert isinstance(menu, MenuStep) and menu.default == QueueStep("vaxeln")


def test_a_function_closed_beyond_a_year_says_the_opening_is_unknown() -> None:
    long_closure = Closure(at(2026, 1, 1, 0, 0), at(2028, 1, 1, 0, 0), "Omorganisation")
    plan = plan_for(
        dataclasses.replace(BYGGLOV, hours=BYGGLOV_HOURS.with_closure(long_closure)), NOON
    )
    assert "Det är inte känt när vi öppnar igen." in announced(plan)
    assert any(isinstance(s, MenuStep) and s.default == QueueStep("vaxeln") for s in plan.steps)


def test_a_function_answered_by_an_operator_group_queues() -> None:
    plan = plan_for(dataclasses.replace(BYGGLOV, queue="bygglov"), at(2026, 3, 3, 9, 0))
    assert plan.steps == (QueueStep("bygglov"),)


def test_a_function_without_telephone_hours_is_always_open() -> None:
    plan = plan_for(dataclasses.replace(BYGGLOV, hours=None), at(2026, 12, 25, 3, 0))
    assert plan.reason is RouteReason.FUNCTION_OPEN


def test_an_open_function_with_nobody_registered_says_so() -> None:
    plan = plan_for(dataclasses.replace(BYGGLOV, devices=(OFFLINE,)), at(2026, 3, 3, 9, 0))
    assert plan.reason is RouteReason.FUNCTION_UNSTAFFED
    assert announced(plan) == "Ingen på Bygglov kan svara just nu."
    assert isinstance(plan.steps[-1], MenuStep)


def test_an_open_function_without_voicemail_falls_back_to_the_switchboard() -> None:
    plan = plan_for(dataclasses.replace(BYGGLOV, mailbox=None), at(2026, 3, 3, 9, 0))
    assert isinstance(plan.steps[0], RingStep)
    assert plan.steps[-1] == QueueStep("vaxeln")


# --- The main number ------------------------------------------------------------------------


def test_the_main_number_during_opening_hours_queues() -> None:
    plan = plan_for(SWITCHBOARD, NOON)
    assert plan.steps == (QueueStep("vaxeln"),)
    assert plan.reason is RouteReason.SWITCHBOARD


def test_the_main_number_on_julafton_says_when_it_opens_after_christmas() -> None:
    plan = plan_for(SWITCHBOARD, at(2026, 12, 24, 10, 0))  # Thursday, julafton
    (info,) = plan.steps
    assert isinstance(info, AnnounceStep)
    assert info.text_sv.endswith("Vi öppnar igen måndag den tjugoåttonde december klockan åtta.")
    assert plan.reason is RouteReason.SWITCHBOARD_CLOSED
    assert plan.informed


def test_a_switchboard_open_until_noon_on_eves() -> None:
    hours = dataclasses.replace(OFFICE_HOURS, eve_close=time(12))
    board = dataclasses.replace(SWITCHBOARD, hours=hours)
    assert plan_for(board, at(2026, 12, 31, 11, 59)).reason is RouteReason.SWITCHBOARD
    late = plan_for(board, at(2026, 12, 31, 12, 0))
    assert late.reason is RouteReason.SWITCHBOARD_CLOSED
    # Nyårsdagen is Friday the 1st of January 2027: the next opening is Monday the 4th.
    assert "Vi öppnar igen måndag den fjärde januari tvåtusentjugosju klockan åtta." in (
        announced(late)
    )


def test_a_switchboard_without_hours_is_always_staffed() -> None:
    plan = route(CALL, None, at(2026, 12, 24, 23, 0), RoutingSettings())
    assert plan.steps[-1] == QueueStep("vaxeln")


# --- The plan itself ------------------------------------------------------------------------


def test_a_plan_cannot_end_in_a_ring_step() -> None:
    with pytest.raises(ValueError, match="silence"):
        RoutePlan((RingStep((DESK,), 20, True),), RouteReason.AVAILABLE, False, "")
    with pytest.raises(ValueError, match="at least one step"):
        RoutePlan((), RouteReason.AVAILABLE, False, "")


def test_now_must_be_aware() -> None:
    with pytest.raises(DomainError):
        route(CALL, ANNA_AT_WORK, datetime(2026, 3, 3, 12, 10), SETTINGS)
