"""Announcements: texts and prompts, rendered and played as one message, in every language on.

An announcement is said once per language of the switch (`Speech.languages`): with "sv,en" the
caller hears all of it in Swedish, a pause, then all of it in English. It stays one message, so a
DTMF digit interrupts it (barge-in) in either language.

An item that has no English (plain text, or a `Prompt` without `text_en`) is said in Swedish,
once; a tone or music (a `Source`) plays once. Nothing is ever left unsaid because a translation
is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from vaxel.media.player import Player, PlayResult
from vaxel.media.sources import PcmSource, Silence, Source
from vaxel.media.speech import SWEDISH, Speech, check_languages


@dataclass(frozen=True, slots=True)
class Prompt:
    """A fixed sentence that may have been recorded (`id`), with the texts to speak if not.

    `<prompts>/sv/<id>.wav` replaces `text` (Swedish), `<prompts>/en/<id>.wav` `text_en`.
    """

    id: str
    text: str
    text_en: str = ""  # empty: no English, said in Swedish


@dataclass(frozen=True, slots=True)
class Sentence:
    """A generated sentence (names, numbers, times) in Swedish and English."""

    text: str
    text_en: str


# Plain text is Swedish; a Source (a tone, music) plays as it is.
Item = str | Sentence | Prompt | Source


def text_in(item: str | Sentence | Prompt, language: str) -> str | None:
    """The item's text in `language`, None when it has none."""
    if isinstance(item, str):
        return item if language == SWEDISH else None
    text = item.text if language == SWEDISH else item.text_en
    return text or None


def passes(items: Sequence[Item], languages: Sequence[str]) -> list[list[tuple[Item, str]]]:
    """What is said in each language, in order: (item, the language it is said in).

    Items without a text in a language (and Sources) are kept for the Swedish pass, or the
    first one when Swedish is not on; empty passes are left out.
    """
    home = SWEDISH if SWEDISH in languages else languages[0]
    out: list[list[tuple[Item, str]]] = []
    for language in languages:
        said: list[tuple[Item, str]] = []
        for item in items:
            if not isinstance(item, str | Sentence | Prompt):
                if language == home:
                    said.append((item, language))
            elif text_in(item, language) is not None:
                said.append((item, language))
            elif language == home:
                said.append((item, SWEDISH))
        if said:
            out.append(said)
    return out


class Announcer:
    """Renders the items of an announcement (all at once) and plays them with short pauses."""

    def __init__(
        self,
        speech: Speech,
        *,
        languages: Sequence[str] | None = None,
        pause: float = 0.3,
        language_pause: float = 0.7,
    ) -> None:
        self.speech = speech
        self.languages = check_languages(speech.languages if languages is None else languages)
        self.pause = pause
        self.language_pause = language_pause  # between the Swedish and the English

    async def _source(self, item: Item, language: str) -> Source:
        if isinstance(item, Prompt):
            text = text_in(item, language) or item.text
            pcm = await self.speech.prompt(item.id, text, language)
            return PcmSource(pcm, name=f"{language}/{item.id}")
        if isinstance(item, str | Sentence):
            text = text_in(item, language) or text_in(item, SWEDISH) or ""
            voice = self.speech.voice_for(language)
            return PcmSource(await self.speech.render(text, voice), name=text)
        return item

    async def sources(self, items: Sequence[Item]) -> list[Source]:
        """The items as sources, every language in turn, with a pause between each two."""
        said = passes(items, self.languages)
        rendered = await asyncio.gather(
            *(self._source(item, language) for part in said for item, language in part)
        )
        out: list[Source] = []
        at = 0
        for number, part in enumerate(said):
            if number and self.language_pause:
                out.append(Silence(self.language_pause))
            for index in range(len(part)):
                if index and self.pause:
                    out.append(Silence(self.pause))
                out.append(rendered[at])
                at += 1
        return out

    async def announce(
        self, player: Player, items: Sequence[Item], *, barge_in: bool = True
    ) -> PlayResult:
        """Say the items through `player`; a DTMF digit interrupts when `barge_in`."""
        return await player.play(await self.sources(items), barge_in=barge_in)
