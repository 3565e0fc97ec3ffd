"""A whole call with announcements set to "sv,en" (VAXEL_ANNOUNCEMENT_LANGUAGES): through the
B2BUA and the switch's apps, the caller hears the Swedish announcement and then the English."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_b2bua_calls import (
    ROOT_CONFTEST,
    Heard,
    caller_media,
    invite,
    offer_of,
    switch_with_apps,
    until,
)

from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech


@pytest.fixture
def bilingual(request: pytest.FixtureRequest, tmp_path: Path) -> Speech:
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == ROOT_CONFTEST:
            plugin.need_program("espeak-ng")
    return Speech(tmp_path / "speech", languages=("sv", "en"))


def opening(speech: Speech, text: str, voice: str = "sv") -> bytes:
    """The PCMU of a sentence's first second (past its first frames): enough to tell which
    sentence it is, and short enough that a frame skipped under load rarely falls in it."""
    return b"".join(PcmSource(speech.render_sync(text, voice)).frame_list(PCMU)[5:55])


def test_an_unknown_number_is_announced_in_swedish_then_in_english(bilingual: Speech) -> None:
    swedish = opening(bilingual, "Numret du har ringt finns inte.")
    english = opening(bilingual, "The number you have called does not exist.", "en-gb")
    then_swedish = opening(bilingual, "Du kopplas nu till växeln.")

    def where(heard: Heard, said: bytes) -> int:
        """The byte offset where it was heard; -1 if not (yet)."""
        return b"".join(heard.payloads).find(said)

    async def main() -> None:
        board, calls, _ = switch_with_apps(bilingual)
        alice = board.phone("1001", 5070)
        assert alice.register().status == 200
        alice.take()
        heard = await caller_media()
        try:
            invite(alice, "4999", offer_of(heard))
            await until(lambda: where(heard, then_swedish) >= 0, 20, "the next step, in Swedish")
            first, second = where(heard, swedish), where(heard, english)
            assert 0 <= first < second < where(heard, then_swedish)
        finally:
            heard.session.close()
            await calls.stop()

    asyncio.run(main())
