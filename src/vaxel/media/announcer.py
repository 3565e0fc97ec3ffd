"""Announcements: a list of texts and prompt ids, rendered and played as one message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from vaxel.media.player import Player, PlayResult
from vaxel.media.sources import PcmSource, Silence, Source
from vaxel.media.speech import Speech


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt that may have been recorded (`id`), with the text to speak if not."""

    id: str
    text: str


Item = str | Prompt | Source  # plain text is spoken; a Source (a tone, music) plays as it is


class Announcer:
    """Renders the items of an announcement (all at once) and plays them with short pauses."""

    def __init__(self, speech: Speech, *, voice: str | None = None, pause: float = 0.3) -> None:
        self.speech = speech
        self.voice = voice
        self.pause = pause

    async def _source(self, item: Item) -> Source:
        if isinstance(item, str):
            return PcmSource(await self.speech.render(item, self.voice), name=item)
        if isinstance(item, Prompt):
            pcm = await self.speech.prompt(item.id, item.text, self.voice)
            return PcmSource(pcm, name=item.id)
        return item

    async def sources(self, items: Sequence[Item]) -> list[Source]:
        """The items as sources, with a pause between each two."""
        rendered = await asyncio.gather(*(self._source(item) for item in items))
        out: list[Source] = []
        for index, source in enumerate(rendered):
            if index and self.pause:
                out.append(Silence(self.pause))
            out.append(source)
        return out

    async def announce(
        self, player: Player, items: Sequence[Item], *, barge_in: bool = True
    ) -> PlayResult:
        """Say the items through `player`; a DTMF digit interrupts when `barge_in`."""
        return await player.play(await self.sources(items), barge_in=barge_in)
