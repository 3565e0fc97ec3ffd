"""The routing decision: who is called, what the caller hears, and where the call ends up.

A pure function of data (no I/O, no clock: `now` comes in). Everything the policy says about an
incoming call is decided here and nowhere else; the B2BUA and the media apps only carry out the
RoutePlan. The decision table in prose is docs/routing.md.

The policy's promise (§2) is kept by construction: a RoutePlan never ends on a bare RingStep,
and every path for a callee who cannot answer says when they are back (or when the unit
opens), or says that this is not known and offers the switchboard (växeln).

Every spoken step carries its Swedish and its English sentence, built from the same facts by
domain.phrases; which of them callers hear is the switch's setting, not routing's concern.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import local, require_aware
from vaxel.domain.people import Person
from vaxel.domain.phrases import (
    absence_sentence_en,
    absence_sentence_sv,
    closed_sentence_en,
    closed_sentence_sv,
    default_greeting_en,
    default_greeting_sv,
)
from vaxel.domain.presence import Absence, AbsenceReason, current_absence
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.domain.voicemail import GreetingState, Mailbox

DEFAULT_RING_TIMEOUT_S = 20.0
DEFAULT_MENU_TIMEOUT_S = 8.0

# Fixed prompts that a recorded file may replace (see AnnounceStep.prompt_id).
PROMPT_NUMBER_UNKNOWN = "number_unknown"
PROMPT_NOT_IN_SERVICE = "number_not_in_service"
PROMPT_TO_SWITCHBOARD = "to_switchboard"


# --- Inputs ---------------------------------------------------------------------------------


class RingMode(enum.StrEnum):
    PARALLEL = "parallel"  # all registered devices at once; the first to answer wins
    SEQUENTIAL = "sequential"  # one device after another, in the order of the person's devices


class BusyPolicy(enum.StrEnum):
    VOICEMAIL = "voicemail"  # a busy person's callers go to voicemail with the busy greeting
    CALL_WAITING = "call_waiting"  # ring anyway; the phone signals a waiting call


@dataclass(frozen=True, slots=True)
class IncomingCall:
    """A call as it arrives: who calls, and what they dialled."""

    caller: str
    called: str  # as dialled, e.g. "4123" or "+4657081000"
    caller_is_internal: bool = False


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """One of a callee's devices: its contact key or URI, its kind, and whether it can ring."""

    key: str
    kind: DeviceKind
    registered: bool = True


@dataclass(frozen=True, slots=True)
class RingProfile:
    """How a callee's devices ring.

    `step_timeouts_s[i]` is how long device i (in the target's device order) rings in
    SEQUENTIAL mode; in PARALLEL mode `step_timeouts_s[0]` is the ring time of all of them.
    Missing entries take RoutingSettings.ring_timeout_s.
    """

    mode: RingMode = RingMode.PARALLEL
    step_timeouts_s: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonTarget:
    """A person's extension or mobile number, with everything routing needs to know."""

    person: Person
    unit_name: str
    absence: Absence | None = None
    devices: tuple[DeviceRef, ...] = ()
    ring: RingProfile = RingProfile()
    busy: bool = False
    busy_policy: BusyPolicy = BusyPolicy.VOICEMAIL
    mailbox: Mailbox | None = None
    # Absence reasons that only inform (the phone rings anyway; the operator sees the reason).
    info_only: frozenset[AbsenceReason] = frozenset()


@dataclass(frozen=True, slots=True)
class FunctionTarget:
    """A function number such as "Bygglov": member devices or an operator group answer it."""

    label: str
    unit_name: str
    hours: TelephoneHours | None = None  # None: no telephone hours, always answered
    devices: tuple[DeviceRef, ...] = ()
    ring: RingProfile = RingProfile()
    queue: str | None = None  # an operator group's queue answers instead of the devices
    mailbox: Mailbox | None = None


@dataclass(frozen=True, slots=True)
class SwitchboardTarget:
    """A switchboard (växeln): its queue, its name as callers hear it, and its opening hours."""

    name: str = "Växeln"
    queue: str = "vaxeln"
    hours: TelephoneHours | None = None  # None: always staffed
    name_en: str = "The switchboard"


Target = PersonTarget | FunctionTarget | SwitchboardTarget


class MenuDefault(enum.StrEnum):
    VOICEMAIL = "voicemail"
    SWITCHBOARD = "switchboard"


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    """The municipality's routing configuration."""

    switchboard: SwitchboardTarget = SwitchboardTarget()
    ring_timeout_s: float = DEFAULT_RING_TIMEOUT_S
    menu_timeout_s: float = DEFAULT_MENU_TIMEOUT_S
    # Where a caller who presses nothing goes when the return time is known; when it is not
    # known the switchboard is the default, since only a person can help further.
    menu_default: MenuDefault = MenuDefault.VOICEMAIL
    # Say "frånvarande" rather than sjuk or VAB to callers: those are health data (GDPR art. 9),
    # and a caller needs the return time, not the reason. The console still shows the reason.
    discreet: bool = True


# --- The plan -------------------------------------------------------------------------------


class GreetingKind(enum.StrEnum):
    RECORDED = "recorded"  # the mailbox owner's own recording
    DEFAULT = "default"  # spoken: whose phone this is (name and unit)
    BUSY = "busy"  # spoken: the person is on the phone
    UNAVAILABLE = "unavailable"  # spoken, short: an announcement has already said who and when


class RouteReason(enum.StrEnum):
    """A short machine code for call records and the operator console."""

    AVAILABLE = "available"
    NO_DEVICE = "no_device"
    BUSY = "busy"
    BUSY_CALL_WAITING = "busy_call_waiting"
    ABSENT = "absent"
    ABSENT_RINGING = "absent_ringing"  # an information-only reason: rung anyway
    RETURN_UNKNOWN = "return_unknown"
    NOT_IN_SERVICE = "not_in_service"
    UNKNOWN_NUMBER = "unknown_number"
    FUNCTION_OPEN = "function_open"
    FUNCTION_UNSTAFFED = "function_unstaffed"
    FUNCTION_CLOSED = "function_closed"
    SWITCHBOARD = "switchboard"
    SWITCHBOARD_CLOSED = "switchboard_closed"


@dataclass(frozen=True, slots=True)
class RingStep:
    """Ring these devices for `timeout_s` seconds, all at once or (one device) in turn."""

    devices: tuple[DeviceRef, ...]
    timeout_s: float
    parallel: bool


@dataclass(frozen=True, slots=True)
class AnnounceStep:
    """Say a sentence; a recorded prompt `prompt_id`, where one exists, replaces the text."""

    text_sv: str
    text_en: str
    prompt_id: str | None = None


@dataclass(frozen=True, slots=True)
class VoicemailStep:
    """Play a greeting and record a message; `text_*` is said unless a recording is played."""

    mailbox: Mailbox
    greeting: GreetingKind
    text_sv: str
    text_en: str


@dataclass(frozen=True, slots=True)
class QueueStep:
    """Put the caller in a queue answered by operators (the switchboard or a group)."""

    queue: str


MenuAction = VoicemailStep | QueueStep


@dataclass(frozen=True, slots=True)
class MenuStep:
    """Say the prompt and wait for a digit; no digit (or a wrong one) within the time → default."""

    prompt_sv: str
    prompt_en: str
    options: Mapping[str, MenuAction]
    timeout_s: float
    default: MenuAction


Step = RingStep | AnnounceStep | MenuStep | VoicemailStep | QueueStep


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """What happens to a call, in order. The last step is never a RingStep: no silent end."""

    steps: tuple[Step, ...]
    reason: RouteReason
    informed: bool  # the caller is told the return time or next opening (or that it is unknown)
    console_text: str  # what the operator console shows: the same words as announced

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a RoutePlan needs at least one step")
        if isinstance(self.steps[-1], RingStep):
            raise ValueError("a RoutePlan must not end in a RingStep: that is silence")


# --- The decision ---------------------------------------------------------------------------


def route(
    call: IncomingCall, target: Target | None, now: datetime, settings: RoutingSettings
) -> RoutePlan:
    """The plan for one incoming call; `target` None means the dialled number does not exist."""
    # Compare instants, not wall clocks: Python compares two datetimes of the same zone by their
    # local time alone, which goes wrong in the hour the autumn DST change repeats.
    now = require_aware(now, "now").astimezone(UTC)
    if target is None:
        return _not_a_number(
            "Numret du har ringt finns inte.",
            "The number you have called does not exist.",
            PROMPT_NUMBER_UNKNOWN,
            RouteReason.UNKNOWN_NUMBER,
            now,
            settings,
        )
    if isinstance(target, PersonTarget):
        return _person(target, now, settings)
    if isinstance(target, FunctionTarget):
        return _function(target, now, settings)
    return _switchboard_number(target, now)


def _person(t: PersonTarget, now: datetime, s: RoutingSettings) -> RoutePlan:
    name = t.person.name
    today = local(now).date()
    if (t.person.valid_to is not None and today > t.person.valid_to) or (
        t.person.valid_from is not None and today < t.person.valid_from
    ):
        # Temporary staff and contractors past their end date: the number stops working.
        return _not_a_number(
            "Numret du har ringt är inte i bruk.",
            "The number you have called is not in use.",
            PROMPT_NOT_IN_SERVICE,
            RouteReason.NOT_IN_SERVICE,
            now,
            s,
        )
    rings = _ring_steps(t.devices, t.ring, s)
    absence = current_absence(t.absence, now)

    if absence is not None:
        info_sv = absence_sentence_sv(name, absence, now, discreet=s.discreet)
        info_en = absence_sentence_en(name, absence, now, discreet=s.discreet)
        unknown = absence.until is None
        ringing = absence.reason in t.info_only and not (
            t.busy and t.busy_policy is BusyPolicy.VOICEMAIL
        )
        voicemail = _person_voicemail(t, GreetingKind.UNAVAILABLE)
        # Nobody can say when the person is back, so a caller who waits is given a human.
        default = MenuDefault.SWITCHBOARD if unknown else s.menu_default
        steps = (rings if ringing else ()) + _cannot_answer(
            info_sv, info_en, voicemail, now, s, unknown, default
        )
        if ringing and rings:
            reason = RouteReason.ABSENT_RINGING
        else:
            reason = RouteReason.RETURN_UNKNOWN if unknown else RouteReason.ABSENT
        return RoutePlan(steps, reason, informed=True, console_text=info_sv)

    if not rings:
        # Marked available, yet no phone can ring: nobody knows when they can be reached.
        info_sv = f"{name} kan inte svara just nu, och det är inte känt när."
        info_en = f"{name} cannot answer right now, and it is not known when."
        voicemail = _person_voicemail(t, GreetingKind.UNAVAILABLE)
        steps = _cannot_answer(info_sv, info_en, voicemail, now, s, True, s.menu_default)
        return RoutePlan(steps, RouteReason.NO_DEVICE, informed=False, console_text=info_sv)

    if t.busy and t.busy_policy is BusyPolicy.VOICEMAIL:
        busy_sv, busy_en = f"{name} talar i telefon.", f"{name} is on the phone."
        voicemail = _person_voicemail(t, GreetingKind.BUSY)
        if voicemail is not None:
            return RoutePlan((voicemail,), RouteReason.BUSY, False, busy_sv)
        return RoutePlan(
            (AnnounceStep(busy_sv, busy_en), *_to_switchboard(now, s)),
            RouteReason.BUSY,
            informed=False,
            console_text=busy_sv,
        )

    voicemail = _person_voicemail(t, GreetingKind.DEFAULT)
    after: tuple[Step, ...] = (
        (voicemail,)
        if voicemail is not None
        else (
            AnnounceStep(f"{name} svarar inte.", f"{name} does not answer."),
            *_to_switchboard(now, s),
        )
    )
    reason = RouteReason.BUSY_CALL_WAITING if t.busy else RouteReason.AVAILABLE
    status = f"{name} talar i telefon." if t.busy else f"{name} är tillgänglig."
    return RoutePlan(rings + after, reason, informed=False, console_text=status)


def _function(t: FunctionTarget, now: datetime, s: RoutingSettings) -> RoutePlan:
    if t.hours is not None and not t.hours.is_open(now):
        info_sv, info_en, unknown = _closed(t.label, t.label, t.hours, now)
        voicemail = _function_voicemail(t, GreetingKind.UNAVAILABLE)
        default = MenuDefault.SWITCHBOARD if unknown else s.menu_default
        steps = _cannot_answer(info_sv, info_en, voicemail, now, s, unknown, default)
        return RoutePlan(steps, RouteReason.FUNCTION_CLOSED, informed=True, console_text=info_sv)
    status = f"{t.label}, {t.unit_name}: öppet."
    if t.queue is not None:
        return RoutePlan((QueueStep(t.queue),), RouteReason.FUNCTION_OPEN, False, status)
    rings = _ring_steps(t.devices, t.ring, s)
    if not rings:
        info_sv = f"Ingen på {t.label} kan svara just nu."
        info_en = f"Nobody at {t.label} can answer right now."
        voicemail = _function_voicemail(t, GreetingKind.UNAVAILABLE)
        steps = _cannot_answer(info_sv, info_en, voicemail, now, s, True, s.menu_default)
        return RoutePlan(steps, RouteReason.FUNCTION_UNSTAFFED, False, info_sv)
    voicemail = _function_voicemail(t, GreetingKind.DEFAULT)
    after: tuple[Step, ...] = (
        (voicemail,)
        if voicemail is not None
        else (
            AnnounceStep(f"Ingen på {t.label} svarar.", f"Nobody at {t.label} answers."),
            *_to_switchboard(now, s),
        )
    )
    return RoutePlan(rings + after, RouteReason.FUNCTION_OPEN, False, status)


def _switchboard_number(t: SwitchboardTarget, now: datetime) -> RoutePlan:
    if _staffed(t, now):
        return RoutePlan((QueueStep(t.queue),), RouteReason.SWITCHBOARD, False, t.name)
    info = _switchboard_closed(t, now)
    return RoutePlan((info,), RouteReason.SWITCHBOARD_CLOSED, True, info.text_sv)


def _not_a_number(
    text_sv: str,
    text_en: str,
    prompt_id: str,
    reason: RouteReason,
    now: datetime,
    s: RoutingSettings,
) -> RoutePlan:
    steps = (AnnounceStep(text_sv, text_en, prompt_id), *_to_switchboard(now, s))
    return RoutePlan(steps, reason, informed=False, console_text=text_sv)


# --- Building blocks ------------------------------------------------------------------------


def _ring_steps(
    devices: tuple[DeviceRef, ...], profile: RingProfile, s: RoutingSettings
) -> tuple[RingStep, ...]:
    """Ring steps for the registered devices; empty when none can ring."""

    def timeout(index: int) -> float:
        given = profile.step_timeouts_s
        return given[index] if index < len(given) and given[index] > 0 else s.ring_timeout_s

    registered = [(i, d) for i, d in enumerate(devices) if d.registered]
    if not registered:
        return ()
    if profile.mode is RingMode.PARALLEL:
        return (RingStep(tuple(d for _, d in registered), timeout(0), parallel=True),)
    return tuple(RingStep((d,), timeout(i), parallel=False) for i, d in registered)


def _cannot_answer(
    info_sv: str,
    info_en: str,
    voicemail: VoicemailStep | None,
    now: datetime,
    s: RoutingSettings,
    unknown: bool,
    default: MenuDefault,
) -> tuple[Step, ...]:
    """Say why the callee cannot answer, then offer voicemail (1) and the switchboard (0).

    When the switchboard is closed it is not offered; its opening is said instead whenever
    the caller would otherwise have nowhere to turn: no voicemail, or an unknown return.
    """
    info = AnnounceStep(info_sv, info_en)
    if voicemail is None:
        return (info, *_to_switchboard(now, s))
    board = s.switchboard
    if _staffed(board, now):
        queue = QueueStep(board.queue)
        menu = MenuStep(
            prompt_sv="Tryck 1 för att lämna ett meddelande, eller 0 för växeln.",
            prompt_en="Press 1 to leave a message, or 0 for the switchboard.",
            options={"1": voicemail, "0": queue},
            timeout_s=s.menu_timeout_s,
            default=queue if default is MenuDefault.SWITCHBOARD else voicemail,
        )
        return (info, menu)
    if unknown:
        return (info, _switchboard_closed(board, now), voicemail)
    return (info, voicemail)


def _to_switchboard(now: datetime, s: RoutingSettings) -> tuple[Step, ...]:
    """Put the caller through to the switchboard, or say when it opens if it is closed."""
    board = s.switchboard
    if _staffed(board, now):
        to_board = AnnounceStep(
            "Du kopplas nu till växeln.",
            "You are being put through to the switchboard.",
            PROMPT_TO_SWITCHBOARD,
        )
        return (to_board, QueueStep(board.queue))
    return (_switchboard_closed(board, now),)


def _staffed(board: SwitchboardTarget, now: datetime) -> bool:
    return board.hours is None or board.hours.is_open(now)


def _switchboard_closed(board: SwitchboardTarget, now: datetime) -> AnnounceStep:
    assert board.hours is not None
    text_sv, text_en, _ = _closed(board.name, board.name_en, board.hours, now)
    return AnnounceStep(text_sv, text_en)


def _closed(
    name_sv: str, name_en: str, hours: TelephoneHours, now: datetime
) -> tuple[str, str, bool]:
    """The closed sentences (Swedish, English) and whether the next opening is unknown."""
    text_sv = closed_sentence_sv(name_sv, hours, now)
    text_en = closed_sentence_en(name_en, hours, now)
    if not hours.day_groups():  # never open: the sentence already says there are no hours
        return text_sv, text_en, True
    if hours.next_opening(now) is None:  # closed beyond the horizon, e.g. a long closure
        text_sv += " Det är inte känt när vi öppnar igen."
        text_en += " It is not known when we open again."
        return text_sv, text_en, True
    return text_sv, text_en, False


def _person_voicemail(t: PersonTarget, kind: GreetingKind) -> VoicemailStep | None:
    if t.mailbox is None:
        return None
    name = t.person.name
    default_sv = default_greeting_sv(name, t.unit_name)
    default_en = default_greeting_en(name, t.unit_name)
    if kind is GreetingKind.BUSY:
        return VoicemailStep(
            t.mailbox,
            kind,
            f"{name}, {t.unit_name}, talar i telefon. Lämna ett meddelande efter tonen.",
            f"{name}, {t.unit_name}, is on the phone. Please leave a message after the tone.",
        )
    if t.mailbox.greeting is GreetingState.RECORDED:
        return VoicemailStep(t.mailbox, GreetingKind.RECORDED, default_sv, default_en)
    if kind is GreetingKind.UNAVAILABLE:
        return VoicemailStep(
            t.mailbox,
            kind,
            f"Lämna ett meddelande till {name} efter tonen.",
            f"Please leave a message for {name} after the tone.",
        )
    return VoicemailStep(t.mailbox, GreetingKind.DEFAULT, default_sv, default_en)


def _function_voicemail(t: FunctionTarget, kind: GreetingKind) -> VoicemailStep | None:
    if t.mailbox is None:
        return None
    default_sv = default_greeting_sv(t.label, t.unit_name)
    default_en = default_greeting_en(t.label, t.unit_name)
    if t.mailbox.greeting is GreetingState.RECORDED:
        return VoicemailStep(t.mailbox, GreetingKind.RECORDED, default_sv, default_en)
    if kind is GreetingKind.UNAVAILABLE:
        return VoicemailStep(
            t.mailbox,
            kind,
            f"Lämna ett meddelande till {t.label} efter tonen.",
            f"Please leave a message for {t.label} after the tone.",
        )
    return VoicemailStep(t.mailbox, GreetingKind.DEFAULT, default_sv, default_en)
