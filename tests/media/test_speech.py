"""Speech: espeak-ng to 8 kHz PCM, the cache, recorded prompts first, the announcer."""

from __future__ import annotations

import asyncio
import math
from array import array
from pathlib import Path

import pytest

from vaxel.media.announcer import Announcer, Prompt
from vaxel.media.g711 import PCMU
from vaxel.media.player import Player
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.sources import Silence
from vaxel.media.speech import Speech, SpeechError
from vaxel.media.wav import read_wav, write_wav

PORTS = PortAllocator(PortRange(32200, 32300), host="127.0.0.1")


def rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def test_renders_swedish_to_8khz_pcm_and_caches_it(espeak: str, tmp_path: Path) -> None:
    speech = Speech(tmp_path / "cache", program=espeak)
    pcm = speech.render_sync("Anna Berg är på lunch")
    seconds = len(pcm) / 2 / 8000
    assert 0.8 < seconds < 4.0
    assert rms(pcm) > 1000
    cached = speech.cache_path("Anna Berg är på lunch")
    assert cached.is_file() and read_wav(cached).sample_rate == 8000
    assert read_wav(cached).pcm == pcm
    # the second time comes from the cache, even with the program gone
    assert (
        Speech(tmp_path / "cache", program="/nonexistent").render_sync("Anna  Berg är på lunch ")
        == pcm
    )


def test_async_render_shares_work_and_matches_sync(espeak: str, tmp_path: Path) -> None:
    async def main() -> list[bytes]:
        speech = Speech(tmp_path / "a", program=espeak)
        return await asyncio.gather(*(speech.render("Välkommen till växeln") for _ in range(3)))

    results = asyncio.run(main())
    assert results[0] == results[1] == results[2]
    assert Speech(tmp_path / "b", program=espeak).render_sync("Välkommen till växeln") == results[0]
    assert len(list((tmp_path / "a").iterdir())) == 1


def test_english_voice(espeak: str, tmp_path: Path) -> None:
    speech = Speech(tmp_path, program=espeak)
    english = speech.render_sync("Anna is at lunch", voice="en")
    assert rms(english) > 1000
    assert speech.cache_path("x", "en") != speech.cache_path("x", "sv")


def test_a_recorded_prompt_wins(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    (prompts / "sv").mkdir(parents=True)
    recorded = bytes(range(200)) * 80
    write_wav(prompts / "sv" / "lunch.wav", recorded)
    write_wav(prompts / "closed.wav", recorded[:320], sample_rate=16000)
    speech = Speech(tmp_path / "cache", prompts, program="/nonexistent")
    assert speech.prompt_sync("lunch", "Anna Berg är på lunch") == recorded
    assert len(speech.prompt_sync("closed", "Stängt")) == 160  # resampled to 8 kHz
    with pytest.raises(SpeechError, match="could not run"):
        speech.prompt_sync("missing", "Ingen inspelning")
    with pytest.raises(ValueError, match=r"prompt id '\.\./x'"):
        speech.recorded("../x")


def test_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken-tts"
    broken.write_text("#!/bin/sh\necho 'no voice sv' >&2\nexit 3\n")
    broken.chmod(0o755)
    speech = Speech(tmp_path, program=str(broken))
    with pytest.raises(ValueError, match="no text"):
        speech.render_sync("   ")
    with pytest.raises(SpeechError, match="failed with exit code 3: no voice sv"):
        speech.render_sync("hej")
    with pytest.raises(SpeechError, match="failed with exit code 3: no voice sv"):
        asyncio.run(speech.render("hej"))
    empty = tmp_path / "silent-tts"
    empty.write_text("#!/bin/sh\nexit 0\n")
    empty.chmod(0o755)
    with pytest.raises(SpeechError, match="gave no usable WAV"):
        Speech(tmp_path, program=str(empty)).render_sync("hej")


def test_announcer_plays_texts_and_prompts(espeak: str, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    write_wav(prompts / "beep.wav", b"\x10\x00" * 800)

    async def main() -> None:
        server = await RtpSession.open("127.0.0.1", ports=PORTS)
        phone = await RtpSession.open("127.0.0.1", ports=PORTS)
        server.set_remote(*phone.local_address)
        heard: list[bytes] = []
        phone.add_audio_listener(lambda p: heard.append(p.payload))
        announcer = Announcer(Speech(tmp_path / "cache", prompts, program=espeak), pause=0.1)
        items = ["Hej", Prompt("beep", "pip"), Silence(0.04)]
        sources = await announcer.sources(items)
        assert len(sources) == 5  # three items, two pauses
        result = await announcer.announce(Player(server), items)
        await asyncio.sleep(0.05)
        assert result.outcome == "completed"
        assert len(heard) == result.frames
        audio = PCMU.decode(b"".join(heard))
        assert rms(audio) > 300
        server.close()
        phone.close()

    asyncio.run(main())
