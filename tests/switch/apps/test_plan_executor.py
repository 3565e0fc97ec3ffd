"""Plans carried out on a call over real loopback RTP, with real speech and real storage.

The caller's phone decodes nothing itself: it compares the PCMU payloads it receives with the
frames of the rendered prompt, which must arrive byte for byte and in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path

from callkit import FakeSignalling, Kommun, open_call, spoken_frames, tone

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.calls import CallOutcome
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Absence, AbsenceReason, Channel
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.flows.callbacks import CallbackFlows
from vaxel.flows.voicemail import VoicemailFlows
from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.media.tones import beep
from vaxel.media.wav import read_wav, write_wav
from vaxel.storage import Database
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.apps.mwi import MessageWaiting
from vaxel.switch.apps.plan_executor import CallResult, PlanExecutor
from vaxel.switch.apps.voicemail import VoicemailApp, VoicemailSettings
from vaxel.switch.call_context import Callee, CallInfo, RingOutcome, RingResult
from vaxel.switch.routing import (
    PROMPT_NUMBER_UNKNOWN,
    AnnounceStep,
    DeviceRef,
    FunctionTarget,
    IncomingCall,
    MenuStep,
    PersonTarget,
    RoutePlan,
    RouteReason,
    RoutingSettings,
    VoicemailStep,
    route,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday morning
CALLER = "+46701234567"
DESK = DeviceRef("sip:4123@192.0.2.10", DeviceKind.DESK)
SETTINGS = RoutingSettings()  # the switchboard is always staffed


class Lamp:
    """The B2BUA's side of message-waiting: what it would NOTIFY."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def message_waiting(self, extension: str, body: str) -> None:
        self.sent.append((extension, body))


def apps(db: Database, tmp_path: Path, lamp: Lamp | None = None) -> PlanExecutor:
    callbacks = CallbackFlows(db)
    voicemail = VoicemailApp(
        db,
        VoicemailSettings(tmp_path / "voicemail", min_message_s=1.0),
        listener=VoicemailFlows(callbacks),
        mwi=MessageWaiting(db, lamp),
    )
    return PlanExecutor(voicemail=voicemail, observers=[callbacks])


def test_absent_person_caller_hears_return_time_and_leaves_a_message(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    lunch = Absence(AbsenceReason.LUNCH, datetime(2026, 3, 10, 13, 0, tzinfo=TZ))
    with db.session() as s:
        PresenceRepository(s).set_absence(kommun.anna.id, lunch, "anna", Channel.WEB, NOW)
        absence = PresenceRepository(s).current(kommun.anna.id, NOW)
    target = PersonTarget(
        kommun.anna, "IT", absence=absence, devices=(DESK,), mailbox=kommun.anna_box
    )
    plan = route(IncomingCall(CALLER, "4123"), target, NOW, SETTINGS)
    assert plan.reason is RouteReason.ABSENT and plan.informed
    info_step = plan.steps[0]
    assert isinstance(info_step, AnnounceStep)
    assert info_step.text_sv == "Anna Lind är på lunch, åter i dag klockan tretton."
    announcement = spoken_frames(speech, info_step.text_sv)
    lamp = Lamp()
    executor = apps(db, tmp_path, lamp)
    message = tone(5.0)

    async def main() -> CallResult:
        call, phone, signalling = await open_call(speech, CallInfo("c1", CALLER, "4123"),
                                                  clock=lambda: NOW)  # fmt: skip
        running = asyncio.ensure_future(
            executor.run(call, plan, Callee(kommun.anna.id, kommun.it, "4123"))
        )
        after = await phone.heard(announcement)  # the return time, as rendered, every frame
        await phone.press("1")  # voicemail
        await phone.heard(PcmSource(beep()).frame_list(PCMU), start=after)
        await asyncio.sleep(0.15)  # as a person would, after the beep
        await phone.talk(message)
        await phone.press("#")
        result = await asyncio.wait_for(running, 30)
        assert signalling.rang == []  # an absent person's phone does not ring
        assert signalling.hangups == 1 and call.hung_up.is_set()
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is CallOutcome.VOICEMAIL and result.informed
    assert result.voicemail is not None
    with db.session() as s:
        listed = VoicemailRepository(s).messages(kommun.anna_box.id)
        tasks = CallbackRepository(s).tasks(for_person_id=kommun.anna.id)
    assert [m.id for m in listed] == [result.voicemail.id]
    stored = listed[0]
    assert stored.caller_number == CALLER and not stored.heard
    assert abs(stored.duration_s - 5.0) < 0.2
    audio = read_wav(stored.path)  # a playable WAV with the caller's voice in it
    assert audio.sample_rate == 8000 and abs(audio.duration - 5.0) < 0.2
    sent = PCMU.decode(PCMU.encode(message))
    assert audio.pcm == sent[: len(audio.pcm)]  # every sample, as the phone sent it
    assert [(t.reason, t.caller_number, t.attempts) for t in tasks] == [
        (CallbackReason.VOICEMAIL, CALLER, 1)  # one call, one attempt: not a missed call too
    ]
    assert lamp.sent == [("4123", "Messages-Waiting: yes\r\nVoice-Message: 1/0 (0/0)\r\n")]


def test_closed_function_number_announces_the_next_opening(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    evening = datetime(2026, 3, 10, 17, 30, tzinfo=TZ)
    hours = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(12)),)))
    target = FunctionTarget("Bygglov", "Samhällsbyggnad", hours=hours, mailbox=kommun.bygg_box)
    plan = route(IncomingCall(CALLER, "4100"), target, evening, SETTINGS)
    assert plan.reason is RouteReason.FUNCTION_CLOSED and plan.informed
    info_step, menu = plan.steps
    assert isinstance(info_step, AnnounceStep) and isinstance(menu, MenuStep)
    assert "Vi öppnar igen i morgon klockan åtta." in info_step.text_sv
    announcement = spoken_frames(speech, info_step.text_sv)
    menu_begins = spoken_frames(speech, menu.prompt_sv)[:25]
    executor = apps(db, tmp_path)

    async def main() -> CallResult:
        call, phone, _ = await open_call(speech, CallInfo("c2", CALLER, "4100"),
                                         clock=lambda: evening)  # fmt: skip
        running = asyncio.ensure_future(executor.run(call, plan, Callee(None, kommun.bygg, "4100")))
        await phone.heard(announcement)
        await phone.heard(menu_begins)
        call.ended()  # the caller heard when Bygglov opens, and hangs up
        result = await asyncio.wait_for(running, 10)
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is CallOutcome.ANNOUNCEMENT and result.informed
    with db.session() as s:
        tasks = CallbackRepository(s).tasks(for_unit_ids={kommun.bygg})
    # The missed call still becomes a callback for the unit, due by the working-hours rule.
    assert [(t.reason, t.caller_number, t.for_person_id) for t in tasks] == [
        (CallbackReason.MISSED_CALL, CALLER, None)
    ]
    assert tasks[0].due_at > evening


def test_available_person_answers_and_nothing_else_happens(
    db: Database, kommun: Kommun, tmp_path: Path
) -> None:
    async def answered(devices: Sequence[DeviceRef], timeout_s: float) -> RingResult:
        await asyncio.sleep(0.1)
        return RingResult(RingOutcome.ANSWERED, answered_by="anna-desk")

    target = PersonTarget(kommun.anna, "IT", devices=(DESK,), mailbox=kommun.anna_box)
    plan = route(IncomingCall(CALLER, "4123"), target, NOW, SETTINGS)
    executor = apps(db, tmp_path)
    speech = Speech(tmp_path / "cache", program="/nonexistent/espeak-ng")  # never needed

    async def main() -> tuple[CallResult, FakeSignalling]:
        signalling = FakeSignalling(ring_script=answered)
        call, phone, _ = await open_call(
            speech, CallInfo("c3", CALLER, "4123"), clock=lambda: NOW, signalling=signalling
        )
        result = await executor.run(call, plan, Callee(kommun.anna.id, kommun.it, "4123"))
        assert not call.hung_up.is_set()  # bridged: the B2BUA owns the call now
        phone.session.close()
        return result, signalling

    result, signalling = asyncio.run(main())
    assert result.outcome is CallOutcome.ANSWERED and result.answered_by == "anna-desk"
    assert signalling.rang == [((DESK.key,), 20.0, True)] and signalling.answers == 0
    assert signalling.hangups == 0
    with db.session() as s:
        assert CallbackRepository(s).tasks() == []


def test_a_failure_is_apologised_for_never_silent(
    db: Database, kommun: Kommun, tmp_path: Path
) -> None:
    # No espeak-ng and no recorded prompts: even the apology cannot be spoken, so a tone is.
    speech = Speech(tmp_path / "cache", program="/nonexistent/espeak-ng")
    target = PersonTarget(kommun.anna, "IT", devices=(), mailbox=kommun.anna_box)
    plan = route(IncomingCall(CALLER, "4123"), target, NOW, SETTINGS)
    executor = apps(db, tmp_path)

    async def main() -> tuple[CallResult, int]:
        call, phone, signalling = await open_call(speech, CallInfo("c4", CALLER, "4123"),
                                                  clock=lambda: NOW)  # fmt: skip
        result = await executor.run(call, plan, Callee(kommun.anna.id, kommun.it, "4123"))
        await asyncio.sleep(0.1)
        assert signalling.hangups == 1
        phone.session.close()
        return result, len(phone.payloads)

    result, frames = asyncio.run(main())
    assert result.outcome is CallOutcome.FAILED and result.detail == "error"
    assert frames >= 140  # three seconds of congestion tone rather than silence
    with db.session() as s:  # the caller is still owed a callback
        assert len(CallbackRepository(s).tasks(for_person_id=kommun.anna.id)) == 1


def test_recorded_prompts_replace_the_generated_speech(db: Database, tmp_path: Path) -> None:
    # No espeak-ng needed: every prompt of this plan has a recording.
    prompts_dir = tmp_path / "prompts" / "sv"
    prompts_dir.mkdir(parents=True)
    unknown, goodbye = tone(1.0, 350.0), tone(0.6, 700.0)
    write_wav(prompts_dir / f"{PROMPT_NUMBER_UNKNOWN}.wav", unknown)
    write_wav(prompts_dir / "goodbye.wav", goodbye)
    speech = Speech(tmp_path / "cache", tmp_path / "prompts", program="/nonexistent/espeak-ng")
    step = AnnounceStep("Numret du har ringt finns inte.", "No such number.", PROMPT_NUMBER_UNKNOWN)
    plan = RoutePlan((step,), RouteReason.UNKNOWN_NUMBER, False, step.text_sv)

    async def main() -> CallResult:
        call, phone, signalling = await open_call(speech, CallInfo("c5", CALLER, "4999"),
                                                  clock=lambda: NOW)  # fmt: skip
        result = await PlanExecutor().run(call, plan)
        at = await phone.heard(PcmSource(unknown).frame_list(PCMU), timeout=2)
        await phone.heard(PcmSource(goodbye).frame_list(PCMU), timeout=2, start=at)
        assert signalling.hangups == 1
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is CallOutcome.ANNOUNCEMENT and not result.informed


def test_pressing_nothing_takes_the_default_and_a_caller_without_a_message_is_called_back(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    meeting = Absence(AbsenceReason.MOTE, datetime(2026, 3, 10, 11, 30, tzinfo=TZ))
    target = PersonTarget(kommun.anna, "IT", absence=meeting, mailbox=kommun.anna_box)
    settings = RoutingSettings(menu_timeout_s=1.0)
    plan = route(IncomingCall(CALLER, "4123"), target, NOW, settings)
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep) and isinstance(menu, MenuStep)
    assert isinstance(menu.default, VoicemailStep)
    greeting = spoken_frames(speech, menu.default.text_sv)
    spoken_frames(speech, info.text_sv)  # rendered before the call: the cache is warm
    spoken_frames(speech, menu.prompt_sv)
    executor = apps(db, tmp_path)

    async def main() -> CallResult:
        call, phone, _ = await open_call(speech, CallInfo("c6", CALLER, "4123"),
                                         clock=lambda: NOW)  # fmt: skip
        running = asyncio.ensure_future(
            executor.run(call, plan, Callee(kommun.anna.id, kommun.it, "4123"))
        )
        at = await phone.heard(greeting)  # no digit: the default, voicemail
        await phone.heard(PcmSource(beep()).frame_list(PCMU), start=at)
        call.ended()  # and hangs up without a word
        result = await asyncio.wait_for(running, 10)
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is CallOutcome.ANNOUNCEMENT and result.informed
    assert result.voicemail is None
    with db.session() as s:
        assert VoicemailRepository(s).messages(kommun.anna_box.id) == []
        tasks = CallbackRepository(s).tasks(for_person_id=kommun.anna.id)
    assert [(t.reason, t.attempts) for t in tasks] == [(CallbackReason.MISSED_CALL, 1)]
