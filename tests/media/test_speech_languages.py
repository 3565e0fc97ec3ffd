"""Speech in two languages: the English voice, English recordings, and announcements said in
Swedish and then in English."""

from __future__ import annotations

import asyncio
import math
from array import array
from pathlib import Path

import pytest

from vaxel import config
from vaxel.media.announcer import Announcer, Prompt, Sentence, passes
from vaxel.media.sources import PcmSource, Silence, Source
from vaxel.media.speech import LANGUAGES, Speech, check_languages
from vaxel.media.wav import write_wav


def rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def test_english_is_spoken_with_the_english_voice_and_cached_apart(
    espeak: str, tmp_path: Path
) -> None:
    speech = Speech(tmp_path / "cache", program=espeak)
    assert (speech.voice_for("sv"), speech.voice_for("en")) == ("sv", "en-gb")
    text = "Anna Berg is at lunch"
    english = speech.render_sync(text, speech.voice_for("en"))
    swedish = speech.render_sync(text)  # the same letters read by the Swedish voice
    assert rms(english) > 1000 and english != swedish
    assert speech.cache_path(text, "en-gb").is_file() and speech.cache_path(text, "sv").is_file()
    # The cached English comes back without espeak-ng.
    offline = Speech(tmp_path / "cache", program="/nonexistent")
    assert offline.prompt_sync("lunch", text, "en") == english


def test_recordings_are_looked_up_per_language(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    (prompts / "en").mkdir(parents=True)
    swedish, english = b"\x01\x00" * 800, b"\x02\x00" * 800
    write_wav(prompts / "goodbye.wav", swedish)  # a Swedish recording from before English
    write_wav(prompts / "en" / "goodbye.wav", english)
    speech = Speech(tmp_path / "cache", prompts, program="/nonexistent")
    assert speech.prompt_sync("goodbye", "Hej då.", "sv") == swedish
    assert speech.prompt_sync("goodbye", "Goodbye.", "en") == english
    assert speech.recorded("closed", "sv") is None
    write_wav(prompts / "closed.wav", swedish)
    # The flat file is Swedish: it never stands in for English.
    assert speech.recorded("closed", "sv") == prompts / "closed.wav"
    assert speech.recorded("closed", "en") is None
    with pytest.raises(ValueError, match="languages 'de'"):
        speech.recorded("closed", "de")


def test_the_languages_setting_is_checked() -> None:
    assert check_languages(["sv", "en"]) == ("sv", "en")
    for wrong in ((), ("sv", "sv"), ("sv", "de")):
        with pytest.raises(ValueError, match="expected one or more of sv, en"):
            check_languages(wrong)
    with pytest.raises(ValueError):
        Speech("cache", languages=("fi",))
    # config.py (stdlib only) keeps its own list: it must be this one.
    assert config.ANNOUNCEMENT_LANGUAGES == LANGUAGES


def test_each_language_in_turn_and_what_has_no_translation_said_once_in_swedish() -> None:
    menu = Prompt("menu", "Tryck 1.", "Press 1.")
    old = Prompt("old", "Bara svenska.")  # no English yet
    back = Sentence("Åter i dag.", "Back today.")
    tone = Silence(0.1)
    items = [back, "Svensk text", tone, menu, old]
    assert passes(items, ("sv",)) == [[(i, "sv") for i in items]]
    assert passes(items, ("sv", "en")) == [
        [(back, "sv"), ("Svensk text", "sv"), (tone, "sv"), (menu, "sv"), (old, "sv")],
        [(back, "en"), (menu, "en")],
    ]
    # English alone (for testing): what has no English is still said, in Swedish.
    assert passes(items, ("en",)) == [
        [(back, "en"), ("Svensk text", "sv"), (tone, "en"), (menu, "en"), (old, "sv")]
    ]
    assert passes(["Bara svenska."], ("sv", "en")) == [[("Bara svenska.", "sv")]]


def test_an_announcement_is_swedish_then_english_with_a_longer_pause_between(
    espeak: str, tmp_path: Path
) -> None:
    prompts = tmp_path / "prompts"
    (prompts / "sv").mkdir(parents=True)
    (prompts / "en").mkdir(parents=True)
    write_wav(prompts / "sv" / "goodbye.wav", b"\x10\x00" * 800)
    write_wav(prompts / "en" / "goodbye.wav", b"\x20\x00" * 800)
    speech = Speech(tmp_path / "cache", prompts, program=espeak, languages=("sv", "en"))
    announcer = Announcer(speech, pause=0.1, language_pause=0.5)
    assert announcer.languages == ("sv", "en")
    items = [Sentence("Anna är på lunch.", "Anna is at lunch."), Prompt("goodbye", "Hej.", "Bye.")]

    sources: list[Source] = asyncio.run(announcer.sources(items))
    said = [s for s in sources if isinstance(s, PcmSource)]
    assert [s.name for s in said] == [
        "Anna är på lunch.", "sv/goodbye", "Anna is at lunch.", "en/goodbye",
    ]  # fmt: skip
    pauses = [round(s.count * 0.02, 2) for s in sources if isinstance(s, Silence)]
    assert pauses == [0.1, 0.5, 0.1]
    assert said[0].pcm == speech.render_sync("Anna är på lunch.")
    assert said[2].pcm == speech.render_sync("Anna is at lunch.", "en-gb")
    assert said[3].pcm == b"\x20\x00" * 800  # the English recording
