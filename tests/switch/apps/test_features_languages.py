"""Feature codes with announcements set to "sv,en": the confirmation in Swedish, then English."""

from __future__ import annotations

import asyncio
from datetime import datetime

from callkit import Kommun, open_call, spoken_frames

from vaxel.domain.clock import TZ
from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.storage import Database
from vaxel.switch.apps.features import FeatureApp, FeatureResult
from vaxel.switch.call_context import CallInfo
from vaxel.switch.feature_codes import SetAbsence

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


def test_a_diversion_is_confirmed_in_swedish_then_in_english(
    db: Database, kommun: Kommun, speech: Speech
) -> None:
    bilingual = Speech(
        speech.cache_dir, words_per_minute=speech.words_per_minute, languages=("sv", "en")
    )
    # The first second of each: which sentence it is, with little room for a frame skipped
    # under load to spoil the comparison.
    swedish = spoken_frames(bilingual, "Hänvisning: på lunch, åter i dag klockan tretton.")[:50]
    english = PcmSource(
        bilingual.render_sync("Diverted: at lunch, back today at one in the afternoon.", "en-gb")
    ).frame_list(PCMU)[:50]

    async def main() -> FeatureResult:
        info = CallInfo("fc-l", "4123", "*23*1*1300#", "Anna Lind", caller_person_id=kommun.anna.id)
        call, phone, signalling = await open_call(bilingual, info, clock=lambda: NOW)
        result = await FeatureApp(db).run(call)  # returns once all of it is said
        at = await phone.heard(swedish, timeout=2)
        await phone.heard(english, timeout=2, start=at)
        assert signalling.hangups == 1
        phone.session.close()
        return result

    result = asyncio.run(main())
    assert isinstance(result.command, SetAbsence) and result.done
    assert result.said == "Hänvisning: på lunch, åter i dag klockan tretton."  # the record: Swedish
