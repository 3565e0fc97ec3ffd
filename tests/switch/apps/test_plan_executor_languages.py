"""Announcements set to "sv,en": the caller hears each announcement in Swedish and then in
English, and a menu digit pressed during the English takes effect at once (barge-in)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from callkit import Kommun, open_call, spoken_frames

from vaxel.domain.calls import CallOutcome
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.media.tones import beep
from vaxel.storage import Database
from vaxel.switch.apps.plan_executor import CallResult, PlanExecutor
from vaxel.switch.apps.voicemail import VoicemailApp, VoicemailSettings
from vaxel.switch.call_context import CallInfo
from vaxel.switch.routing import (
    AnnounceStep,
    IncomingCall,
    MenuStep,
    PersonTarget,
    RoutingSettings,
    VoicemailStep,
    route,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday morning
CALLER = "+46701234567"


@pytest.fixture
def bilingual(speech: Speech) -> Speech:
    """The apps' speech (same cache) with announcements set to Swedish, then English."""
    return Speech(
        speech.cache_dir, words_per_minute=speech.words_per_minute, languages=("sv", "en")
    )


def english_frames(speech: Speech, text: str) -> tuple[bytes, ...]:
    return PcmSource(speech.render_sync(text, speech.voice_for("en"))).frame_list(PCMU)


def test_swedish_then_english_and_a_digit_during_the_english_menu_is_taken(
    db: Database, kommun: Kommun, bilingual: Speech, tmp_path: Path
) -> None:
    lunch = Absence(AbsenceReason.LUNCH, datetime(2026, 3, 10, 13, 0, tzinfo=TZ))
    target = PersonTarget(kommun.anna, "IT", absence=lunch, mailbox=kommun.anna_box)
    plan = route(IncomingCall(CALLER, "4123"), target, NOW, RoutingSettings())
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep) and isinstance(menu, MenuStep)
    greeting = menu.options["1"]
    assert isinstance(greeting, VoicemailStep)
    # Rendered before the call: rendering blocks, and a blocked loop makes the audio skip.
    info_sv, info_en = (
        spoken_frames(bilingual, info.text_sv),
        english_frames(bilingual, info.text_en),
    )
    assert info.text_en == "Anna Lind is at lunch and will be back today at one in the afternoon."
    menu_sv, menu_en = (
        spoken_frames(bilingual, menu.prompt_sv),
        english_frames(bilingual, menu.prompt_en),
    )
    assert greeting.text_en == "Please leave a message for Anna Lind after the tone."
    greeting_sv = spoken_frames(bilingual, greeting.text_sv)
    greeting_en = english_frames(bilingual, greeting.text_en)
    voicemail = VoicemailApp(db, VoicemailSettings(tmp_path / "voicemail", min_message_s=1.0))
    executor = PlanExecutor(voicemail=voicemail)

    async def main() -> CallResult:
        call, phone, _ = await open_call(bilingual, CallInfo("l1", CALLER, "4123"),
                                         clock=lambda: NOW)  # fmt: skip
        running = asyncio.ensure_future(executor.run(call, plan))
        at = await phone.heard(info_sv)
        at = await phone.heard(info_en, start=at)  # the same, in English, after the Swedish
        at = await phone.heard(menu_sv, start=at)
        at = await phone.heard(menu_en[:25], start=at)  # half a second into the English menu
        await phone.press("1")
        at = await phone.heard(greeting_sv, start=at)  # voicemail at once: barge-in
        at = await phone.heard(greeting_en[:25], start=at)
        await phone.press("5")  # any key skips the greeting, in English too
        await phone.heard(PcmSource(beep()).frame_list(PCMU), start=at)
        assert phone.find(menu_en) is None  # the English menu was cut short by the digit
        assert phone.find(greeting_en) is None
        call.ended()
        result = await asyncio.wait_for(running, 10)
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert result.outcome is CallOutcome.ANNOUNCEMENT and result.informed
