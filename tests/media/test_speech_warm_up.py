"""The speech cache warmed at start: every fixed prompt, in every language the switch speaks, is
rendered in a worker thread, under the very keys the announcer looks up, so that the first caller
hears it without espeak-ng running. A stand-in for espeak-ng (a script that counts its runs)
keeps these tests fast; test_speech.py proves the real one."""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path

import pytest

from vaxel.app import build_switchboard, open_database
from vaxel.config import Config
from vaxel.media.announcer import Announcer, Prompt, Sentence
from vaxel.media.speech import Speech, SpeechError
from vaxel.media.wav import encode_wav, write_wav
from vaxel.switch.apps import prompts
from vaxel.switch.server import SipServer, SwitchSettings
from vaxel.switch.signalling import CALLBACK_FAILED, SERVICE_UNAVAILABLE

BOTH = ("sv", "en")


def fake_espeak(tmp_path: Path, delay_s: float = 0.0) -> tuple[str, Path]:
    """A program that reads the text and writes a short 22 050 Hz WAV, as espeak-ng does, and
    notes each run (its voice) in a log: (the program, the log)."""
    canned = tmp_path / "canned.wav"
    canned.write_bytes(encode_wav(bytes(range(256)) * 40, sample_rate=22050))
    runs = tmp_path / "runs.log"
    program = tmp_path / "espeak-ng"
    program.write_text(
        f'#!/bin/sh\nsleep {delay_s}\ncat > /dev/null\necho "$2" >> "{runs}"\ncat "{canned}"\n'
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return str(program), runs


def run_count(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def can_say_without_espeak(
    cache: Path, languages: tuple[str, ...], prompts_dir: Path | None = None
) -> None:
    """Every fixed prompt and queue place, said by the announcer as a call says it, with no
    espeak-ng at all: only the cache (or a recording) can answer."""
    offline = Speech(cache, prompts_dir, languages=languages, program="/nonexistent/espeak-ng")
    announcer = Announcer(offline)

    async def main() -> None:
        items: list[Prompt | Sentence] = [*prompts.FIXED, *prompts.QUEUE_PLACES]
        for item in items:
            assert await announcer.sources([item]), item

    asyncio.run(main())


def test_after_warm_up_the_cache_holds_every_fixed_prompt_in_both_languages(tmp_path: Path) -> None:
    program, runs = fake_espeak(tmp_path)
    speech = Speech(tmp_path / "cache", languages=BOTH, program=program)
    said = prompts.said((*prompts.FIXED, *prompts.QUEUE_PLACES), BOTH)
    assert len(prompts.FIXED) >= 40  # every Prompt of the module, not a hand-kept list
    assert {s.language for s in said} == set(BOTH)
    assert [s for s in said if s.prompt_id == "goodbye"] == [
        prompts.Said("goodbye", "Tack för att du ringde. Hej då.", "sv"),
        prompts.Said("goodbye", "Thank you for calling. Goodbye.", "en"),
    ]

    warming = prompts.warm_up(speech)
    assert warming.join(60)
    assert warming.rendered == len(said) == run_count(runs)
    assert all(speech.is_cached(s) for s in said)
    can_say_without_espeak(tmp_path / "cache", BOTH)

    again = prompts.warm_up(Speech(tmp_path / "cache", languages=BOTH, program=program))
    assert again.join(30)
    assert again.rendered == 0 and run_count(runs) == len(said)  # a warm cache: nothing to do


def test_only_the_configured_languages_are_rendered(tmp_path: Path) -> None:
    program, runs = fake_espeak(tmp_path)
    speech = Speech(tmp_path / "cache", program=program)  # Swedish only, the default
    assert prompts.warm_up(speech).join(60)
    assert set(runs.read_text().split()) == {"sv"}
    with pytest.raises(SpeechError):
        can_say_without_espeak(tmp_path / "cache", BOTH)  # the English was not rendered
    can_say_without_espeak(tmp_path / "cache", ("sv",))


def test_a_recorded_prompt_is_not_rendered(tmp_path: Path) -> None:
    program, runs = fake_espeak(tmp_path)
    recorded = tmp_path / "prompts"
    (recorded / "sv").mkdir(parents=True)
    write_wav(recorded / "sv" / "goodbye.wav", bytes(1600))
    speech = Speech(tmp_path / "cache", recorded, languages=BOTH, program=program)
    assert prompts.warm_up(speech).join(60)
    voice_sv, voice_en = speech.voice_for("sv"), speech.voice_for("en")
    assert not speech.cache_path(prompts.GOODBYE.text, voice_sv).exists()
    assert speech.cache_path(prompts.GOODBYE.text_en, voice_en).is_file()
    assert run_count(runs) == len(prompts.said((*prompts.FIXED, *prompts.QUEUE_PLACES), BOTH)) - 1
    can_say_without_espeak(tmp_path / "cache", BOTH, recorded)


def test_the_warm_up_does_not_hold_anyone_up_and_stops(tmp_path: Path) -> None:
    program, runs = fake_espeak(tmp_path, delay_s=0.3)
    speech = Speech(tmp_path / "cache", languages=BOTH, program=program)
    started = time.monotonic()
    warming = prompts.warm_up(speech)
    assert time.monotonic() - started < 0.2  # returns at once; the thread does the work
    warming.stop()
    assert warming.join(5)
    assert warming.rendered <= 1 and run_count(runs) <= 1


def test_without_espeak_the_warm_up_gives_up_quietly(tmp_path: Path) -> None:
    speech = Speech(tmp_path / "cache", program="/nonexistent/espeak-ng")
    warming = prompts.warm_up(speech)
    assert warming.join(5) and warming.rendered == 0


def test_the_switchboard_warms_the_cache_when_it_starts(tmp_path: Path) -> None:
    """app.build_switchboard: start() sets the warm-up going with the switch's own Speech (its
    cache, its languages) and the switch's fixed prompts kept in signalling too."""
    program, _ = fake_espeak(tmp_path)
    config = Config(data_dir=tmp_path / "data", announcement_languages=BOTH)
    db = open_database(config)

    async def main() -> None:
        switchboard = build_switchboard(
            config, db, SipServer(config, db, SwitchSettings(tcp=False))
        )
        switchboard.speech.program = program
        await switchboard.start()
        try:
            assert switchboard.warming is not None
            assert await asyncio.to_thread(switchboard.warming.join, 60)
        finally:
            await switchboard.stop()

    try:
        asyncio.run(main())
    finally:
        db.dispose()
    cache = tmp_path / "data" / "speech-cache"
    can_say_without_espeak(cache, BOTH)
    offline = Speech(cache, languages=BOTH, program="/nonexistent/espeak-ng")
    assert all(
        offline.is_cached(s) for s in prompts.said([SERVICE_UNAVAILABLE, CALLBACK_FAILED], BOTH)
    )
