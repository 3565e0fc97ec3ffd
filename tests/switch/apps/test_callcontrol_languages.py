"""The operator console's transfer prompts with announcements set to "sv,en": the caller whose
transfer cannot go on hears it in Swedish, then in English (ctx.say, like every announcement)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from callkit import open_call, spoken_frames

from vaxel.domain.clock import TZ
from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.switch.call_context import CallInfo
from vaxel.switch.callcontrol import TRANSFER_FAILED, ConsoleCalls

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


class NoQueue:
    """The switch's calls, as far as going back to the queue needs them: there is none."""

    def queue(self, name: str) -> None:
        return None


def test_no_queue_to_go_back_to_is_said_in_swedish_then_english(speech: Speech) -> None:
    bilingual = Speech(
        speech.cache_dir, words_per_minute=speech.words_per_minute, languages=("sv", "en")
    )
    swedish = spoken_frames(bilingual, TRANSFER_FAILED.text)[:50]
    in_english = bilingual.render_sync(TRANSFER_FAILED.text_en, "en-gb")
    english = PcmSource(in_english).frame_list(PCMU)[:50]

    async def main() -> None:
        info = CallInfo("cc-l", "+46701234567", "1000")
        call, phone, signalling = await open_call(bilingual, info, clock=lambda: NOW)
        await call.answer()
        console = ConsoleCalls(NoQueue(), queue="vaxeln")  # type: ignore[arg-type]
        await console._to_queue(None, call)  # type: ignore[arg-type]
        at = await phone.heard(swedish, timeout=2)
        await phone.heard(english, timeout=2, start=at)
        assert signalling.hangups == 1
        phone.session.close()

    asyncio.run(main())
