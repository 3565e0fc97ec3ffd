"""Routing in English: every plan carries the English sentence beside the Swedish one, with the
same facts (who, why, when back, when open) and the same discretion."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.domain.people import Person
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.domain.telephone_hours import OFFICE_HOURS, TelephoneHours
from vaxel.domain.voicemail import Mailbox
from vaxel.switch.routing import (
    PROMPT_NUMBER_UNKNOWN,
    PROMPT_TO_SWITCHBOARD,
    AnnounceStep,
    DeviceRef,
    FunctionTarget,
    IncomingCall,
    MenuStep,
    PersonTarget,
    RoutePlan,
    RoutingSettings,
    SwitchboardTarget,
    Target,
    VoicemailStep,
    route,
)

NOON = datetime(2026, 3, 3, 12, 10, tzinfo=TZ)  # a Tuesday
CALL = IncomingCall(caller="+46701234567", called="4123")
DESK = DeviceRef("sip:4123@192.0.2.10:5060", DeviceKind.DESK)
ANNA = PersonTarget(
    Person(id=1, name="Anna Berg", email="anna.berg@arvika.se", unit_id=7),
    "Bygglov",
    devices=(DESK,),
    mailbox=Mailbox(id=1, extension="4123", person_id=1),
)
SWITCHBOARD = SwitchboardTarget(name="Växeln", queue="vaxeln", hours=OFFICE_HOURS)
SETTINGS = RoutingSettings(switchboard=SWITCHBOARD)


def plan_for(target: Target | None, now: datetime = NOON, *, discreet: bool = False) -> RoutePlan:
    return route(CALL, target, now, dataclasses.replace(SETTINGS, discreet=discreet))


def english(plan: RoutePlan) -> list[str]:
    return [s.text_en for s in plan.steps if isinstance(s, AnnounceStep)]


def away(reason: AbsenceReason, until: datetime | None) -> PersonTarget:
    return dataclasses.replace(ANNA, absence=Absence(reason, until))


def test_a_holiday_says_the_return_day_in_english_and_the_menu_in_both() -> None:
    plan = plan_for(away(AbsenceReason.SEMESTER, datetime(2026, 3, 9, 8, 0, tzinfo=TZ)))
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep) and isinstance(menu, MenuStep)
    assert info.text_sv == "Anna Berg är på semester, åter måndag den nionde mars klockan åtta."
    assert info.text_en == (
        "Anna Berg is on vacation and will be back on Monday the ninth of March "
        "at eight in the morning."
    )
    assert menu.prompt_en == "Press 1 to leave a message, or 0 for the switchboard."
    voicemail = menu.options["1"]
    assert isinstance(voicemail, VoicemailStep)
    assert voicemail.text_en == "Please leave a message for Anna Berg after the tone."


def test_discretion_holds_in_english_too() -> None:
    for reason in (AbsenceReason.SJUK, AbsenceReason.VAB):
        plan = plan_for(away(reason, None), discreet=True)
        [info, *_] = english(plan)
        assert info == "Anna Berg is away. The return date is not known."
        assert "sick" not in " ".join(english(plan))
    # Without the setting the reason is said, as in Swedish.
    assert english(plan_for(away(AbsenceReason.VAB, None)))[0].startswith(
        "Anna Berg is at home with a sick child."
    )


def test_a_closed_function_number_says_when_it_is_open_and_when_it_opens_again() -> None:
    bygglov = FunctionTarget(
        label="Bygglov",
        unit_name="Samhällsbyggnad",
        hours=TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(12)),))),
        devices=(DESK,),
    )
    plan = plan_for(bygglov, datetime(2026, 3, 6, 15, 0, tzinfo=TZ))  # Friday afternoon
    assert english(plan)[0] == (
        "Bygglov is open Monday to Friday from eight in the morning to twelve noon. "
        "We open again on Monday the ninth of March at eight in the morning."
    )


def test_the_main_number_on_julafton_and_an_unknown_number() -> None:
    closed = plan_for(SWITCHBOARD, datetime(2026, 12, 24, 10, 0, tzinfo=TZ))
    [info] = english(closed)
    assert info.startswith("The switchboard is open Monday to Friday from eight in the morning")
    assert info.endswith(
        "We open again on Monday the twenty-eighth of December at eight in the morning."
    )
    unknown = plan_for(None)
    said, to_board = (s for s in unknown.steps if isinstance(s, AnnounceStep))
    assert (said.prompt_id, said.text_en) == (
        PROMPT_NUMBER_UNKNOWN,
        "The number you have called does not exist.",
    )
    assert (to_board.prompt_id, to_board.text_en) == (
        PROMPT_TO_SWITCHBOARD,
        "You are being put through to the switchboard.",
    )


def test_callers_are_not_told_of_sickness_unless_the_switch_is_set_to() -> None:
    """Discretion is the default: sjuk and VAB are health data; the return time is what helps."""
    plan = route(CALL, away(AbsenceReason.SJUK, None), NOON, RoutingSettings(SWITCHBOARD))
    said = [s.text_sv for s in plan.steps if isinstance(s, AnnounceStep)]
    assert said[0] == "Anna Berg är frånvarande. Återkomst är inte känd."
    assert not any("sjuk" in text for text in said)
