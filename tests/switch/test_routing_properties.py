"""The policy's promise as a property: no call ends in silence, and a callee who cannot answer
always comes with a return time, the next opening, or (where unknown) the switchboard.

Generated: people (with end dates), presences (any reason, return past, future or unknown),
devices, ring profiles, mailboxes, busy flags, weekly schedules (never-open included), one-off
closures, switchboard hours and instants over several years, weighted to DST changes and holidays.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ, at_local, local
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.phrases import say_time_en, say_time_sv
from vaxel.domain.presence import SENSITIVE_REASONS, Absence, AbsenceReason, current_absence
from vaxel.domain.telephone_hours import Closure, TelephoneHours
from vaxel.domain.voicemail import GreetingState, Mailbox
from vaxel.switch.routing import (
    AnnounceStep,
    BusyPolicy,
    DeviceRef,
    FunctionTarget,
    IncomingCall,
    MenuDefault,
    MenuStep,
    PersonTarget,
    QueueStep,
    RingMode,
    RingProfile,
    RingStep,
    RoutePlan,
    RoutingSettings,
    Step,
    SwitchboardTarget,
    Target,
    VoicemailStep,
    route,
)

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

FIRST, LAST = datetime(2025, 1, 1), datetime(2030, 12, 31, 23, 59)
# DST changes, eves and holidays, where off-by-one-hour and off-by-one-day mistakes live.
SPECIAL_DAYS = [
    date(2026, 3, 29),  # spring forward
    date(2026, 10, 25),  # fall back
    date(2027, 3, 28),
    date(2027, 10, 31),
    date(2026, 6, 19),  # midsommarafton
    date(2026, 12, 24),  # julafton
    date(2026, 12, 31),  # nyårsafton
    date(2027, 1, 6),  # trettondedag jul
    date(2027, 3, 26),  # långfredag
    date(2028, 2, 29),
]
UNKNOWN = re.compile(r"inte känd|inte känt|ingen telefontid")
UNKNOWN_EN = re.compile(r"not known|no telephone hours")
# What a sensitive absence reason (sjuk, VAB) sounds like in either language.
SENSITIVE_WORDS = re.compile(r"sjuk|barn|sick|child", re.IGNORECASE)

NAMES = ["Anna Berg", "Lars Nilsson", "Åsa Öberg", "Jonas", "Marie-Louise af Klint"]
UNITS = ["Bygglov", "Skolskjuts", "IT-avdelningen", ""]

instants = st.one_of(
    st.datetimes(FIRST, LAST, timezones=st.just(TZ), allow_imaginary=False),
    st.builds(
        at_local,
        st.sampled_from(SPECIAL_DAYS),
        st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    ),
)
clock_marks = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[tuple[time, time], ...]:
    marks = sorted(set(draw(st.lists(clock_marks, max_size=4))))
    if len(marks) % 2:
        marks.pop()
    return tuple(zip(marks[::2], marks[1::2], strict=True))


@st.composite
def telephone_hours(draw: st.DrawFn, around: datetime) -> TelephoneHours:
    weekly = draw(st.dictionaries(st.integers(0, 6), day_hours(), max_size=7))  # {} never opens
    closures: tuple[Closure, ...] = ()
    if draw(st.booleans()):
        start = around + timedelta(hours=draw(st.integers(-72, 72)))
        # Up to two years: a closure past the one-year horizon makes the next opening unknown.
        length = timedelta(hours=draw(st.sampled_from([1, 5, 30, 24 * 10, 24 * 800])))
        closures = (Closure(start, start + length, "Stängt"),)
    return TelephoneHours(
        weekly=weekly,
        eve_close=draw(st.none() | clock_marks),
        closures=closures,
        holidays_closed=draw(st.booleans()),
    )


devices = st.lists(
    st.builds(
        DeviceRef,
        key=st.sampled_from(["sip:a@192.0.2.1", "sip:b@192.0.2.2", "tel:+46701112233"]),
        kind=st.sampled_from(DeviceKind),
        registered=st.booleans(),
    ),
    max_size=4,
).map(tuple)
ring_profiles = st.builds(
    RingProfile,
    mode=st.sampled_from(RingMode),
    step_timeouts_s=st.lists(st.sampled_from([0, 5, 15, 20, 45]), max_size=4).map(tuple),
)
mailboxes = st.none() | st.builds(
    Mailbox,
    id=st.just(1),
    extension=st.just("4123"),
    person_id=st.none() | st.just(1),
    greeting=st.sampled_from(GreetingState),
)


@st.composite
def people(draw: st.DrawFn, now: datetime) -> Person:
    today = local(now).date()
    offset = st.integers(-400, 400).map(lambda d: today + timedelta(days=d))
    return Person(
        id=1,
        name=draw(st.sampled_from(NAMES)),
        email="someone@arvika.se",
        unit_id=1,
        kind=draw(st.sampled_from(PersonKind)),
        valid_from=draw(st.none() | offset),
        valid_to=draw(st.none() | offset),
    )


@st.composite
def absences(draw: st.DrawFn, now: datetime) -> Absence | None:
    if draw(st.booleans()):
        return None
    minutes = st.integers(-3 * 24 * 60, 90 * 24 * 60)
    # Elapsed time from now (not wall-clock arithmetic, which can land in a DST gap).
    later = minutes.map(lambda m: local(now.astimezone(UTC) + timedelta(minutes=m)))
    until = draw(st.none() | later)
    return Absence(reason=draw(st.sampled_from(AbsenceReason)), until=until)


@st.composite
def targets(draw: st.DrawFn, now: datetime) -> Target | None:
    kind = draw(st.sampled_from(["person", "person", "person", "function", "switchboard", None]))
    if kind == "person":
        return PersonTarget(
            person=draw(people(now)),
            unit_name=draw(st.sampled_from(UNITS)),
            absence=draw(absences(now)),
            devices=draw(devices),
            ring=draw(ring_profiles),
            busy=draw(st.booleans()),
            busy_policy=draw(st.sampled_from(BusyPolicy)),
            mailbox=draw(mailboxes),
            info_only=draw(st.frozensets(st.sampled_from(AbsenceReason), max_size=3)),
        )
    if kind == "function":
        return FunctionTarget(
            label=draw(st.sampled_from(["Bygglov", "Skolskjuts", "Kundtjänst"])),
            unit_name=draw(st.sampled_from(UNITS)),
            hours=draw(st.none() | telephone_hours(now)),
            devices=draw(devices),
            ring=draw(ring_profiles),
            queue=draw(st.none() | st.just("bygglov")),
            mailbox=draw(mailboxes),
        )
    if kind == "switchboard":
        return SwitchboardTarget(hours=draw(st.none() | telephone_hours(now)))
    return None


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[IncomingCall, Target | None, datetime, RoutingSettings]:
    now = draw(instants)
    call = IncomingCall(
        caller=draw(st.sampled_from(["+46701234567", "4100", "anonymous"])),
        called=draw(st.sampled_from(["4123", "+4657081000", "999"])),
        caller_is_internal=draw(st.booleans()),
    )
    board = SwitchboardTarget(hours=draw(st.none() | telephone_hours(now)))
    routing_settings = RoutingSettings(
        switchboard=board,
        ring_timeout_s=draw(st.sampled_from([10.0, 20.0, 30.0])),
        menu_default=draw(st.sampled_from(MenuDefault)),
        discreet=draw(st.booleans()),
    )
    return call, draw(targets(now)), now, routing_settings


# --- What the caller can reach and hear -----------------------------------------------------


def reachable(plan: RoutePlan) -> list[Step]:
    """Every step the caller may come to, menu branches included."""
    found: list[Step] = []
    for step in plan.steps:
        found.append(step)
        if isinstance(step, MenuStep):
            found.extend([*step.options.values(), step.default])
    return found


def spoken(plan: RoutePlan) -> str:
    return " ".join(
        s.text_sv for s in reachable(plan) if isinstance(s, AnnounceStep | VoicemailStep)
    )


def spoken_en(plan: RoutePlan) -> str:
    """What a caller hears in English (announcements set to "sv,en" or "en")."""
    said = [s.text_en for s in reachable(plan) if isinstance(s, AnnounceStep | VoicemailStep)]
    said += [s.prompt_en for s in plan.steps if isinstance(s, MenuStep)]
    return " ".join(said)


def offers_switchboard(plan: RoutePlan, s: RoutingSettings) -> bool:
    """The switchboard's queue can be reached, or (closed) the caller hears when it opens."""
    board = s.switchboard
    return QueueStep(board.queue) in reachable(plan) or any(
        isinstance(step, AnnounceStep) and step.text_sv.startswith(f"{board.name} har")
        for step in plan.steps
    )


def in_service(person: Person, now: datetime) -> bool:
    today = local(now).date()
    return not (
        (person.valid_to is not None and today > person.valid_to)
        or (person.valid_from is not None and today < person.valid_from)
    )


def when_reachable(target: Target, now: datetime) -> tuple[bool, datetime | None]:
    """(cannot answer now, when they can: None if unknown), worked out apart from routing."""
    if isinstance(target, PersonTarget):
        absence = current_absence(target.absence, now.astimezone(UTC))
        if absence is not None:
            return True, absence.until
        return not any(d.registered for d in target.devices), None
    if target.hours is None or target.hours.is_open(now):
        return False, None
    if not target.hours.day_groups():
        return True, None
    return True, target.hours.next_opening(now)


# --- The properties -------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_call_ends_in_silence(
    scenario: tuple[IncomingCall, Target | None, datetime, RoutingSettings],
) -> None:
    call, target, now, s = scenario
    plan = route(call, target, now, s)

    assert plan.steps
    assert not isinstance(plan.steps[-1], RingStep)
    for i, step in enumerate(plan.steps):
        if isinstance(step, RingStep):
            assert step.devices and all(d.registered for d in step.devices)
            assert step.timeout_s > 0
            # What comes after the ringing: voicemail, a menu, the switchboard or information.
            rest = plan.steps[i + 1 :]
            assert any(
                isinstance(r, VoicemailStep | MenuStep | QueueStep | AnnounceStep) for r in rest
            )
        if isinstance(step, MenuStep):
            assert step is plan.steps[-1], "a menu branches, so it is the last step"
            assert step.default in step.options.values()
        if isinstance(step, AnnounceStep):
            assert step.text_sv.strip() and step.text_en.strip()
        if isinstance(step, VoicemailStep):
            assert step.text_sv.strip() and step.text_en.strip()
    if target is None or (isinstance(target, PersonTarget) and not in_service(target.person, now)):
        assert offers_switchboard(plan, s)
        assert not any(isinstance(step, RingStep) for step in plan.steps)


@PROPERTY_SETTINGS
@given(scenarios())
def test_a_callee_who_cannot_answer_comes_with_when_or_the_switchboard(
    scenario: tuple[IncomingCall, Target | None, datetime, RoutingSettings],
) -> None:
    call, target, now, s = scenario
    if target is None or (isinstance(target, PersonTarget) and not in_service(target.person, now)):
        return
    plan = route(call, target, now, s)
    cannot, back = when_reachable(target, now)
    if not cannot:
        return
    text = spoken(plan)
    text_en = spoken_en(plan)
    if back is not None:
        assert say_time_sv(back, now) in text, text
        assert say_time_en(back, now) in text_en, text_en
    else:
        assert UNKNOWN.search(text), text
        assert UNKNOWN_EN.search(text_en), text_en
        if not isinstance(target, SwitchboardTarget):
            assert offers_switchboard(plan, s), plan
    if (
        isinstance(target, PersonTarget)
        and current_absence(target.absence, now.astimezone(UTC)) is None
    ):
        assert not plan.informed  # available but unreachable: the person did not divert
    else:
        assert plan.informed
        assert plan.console_text in text


@PROPERTY_SETTINGS
@given(scenarios())
def test_discreet_plans_never_name_a_sensitive_reason_in_either_language(
    scenario: tuple[IncomingCall, Target | None, datetime, RoutingSettings],
) -> None:
    call, target, now, s = scenario
    if not (isinstance(target, PersonTarget) and target.absence is not None):
        return
    if target.absence.reason not in SENSITIVE_REASONS:
        return
    plan = route(call, target, now, dataclasses.replace(s, discreet=True))
    said = f"{spoken(plan)} {spoken_en(plan)} {plan.console_text}"
    assert not SENSITIVE_WORDS.search(said), said


@PROPERTY_SETTINGS
@given(scenarios())
def test_route_is_deterministic_and_depends_on_the_instant_not_its_zone(
    scenario: tuple[IncomingCall, Target | None, datetime, RoutingSettings],
) -> None:
    call, target, now, s = scenario
    plan = route(call, target, now, s)
    assert route(call, target, now, s) == plan
    assert route(call, target, now.astimezone(UTC), s) == plan
