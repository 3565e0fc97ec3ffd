"""What a player plays: sources of encoded 20 ms frames, made from PCM once and sliced after.

Encoding happens once per source and codec, not once per frame and listener, so hold music
shared by two hundred callers costs one slice per frame each. The first play of a source
encodes it a second at a time as it goes, so that a long prompt never holds up the shared
frame clock (and so every other call) while it is encoded whole.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Protocol

from vaxel.media.g711 import SAMPLE_RATE, SAMPLES_PER_FRAME, Codec
from vaxel.media.holdmusic import hold_music
from vaxel.media.resample import resample
from vaxel.media.wav import read_wav

_CHUNK_BYTES = 2 * SAMPLE_RATE  # one second of 16-bit PCM


class Source(Protocol):
    """Anything that yields encoded frames of one codec, 160 samples each."""

    def frames(self, codec: Codec) -> Iterator[bytes]: ...


class PcmSource:
    """16-bit mono PCM at 8 kHz; the last frame is padded with silence."""

    def __init__(self, pcm: bytes, name: str = "pcm") -> None:
        if len(pcm) % 2:
            raise ValueError(f"{name}: 16-bit PCM must have an even number of bytes")
        self.pcm = pcm
        self.name = name
        self._frames: dict[str, tuple[bytes, ...]] = {}

    def __repr__(self) -> str:
        return f"PcmSource({self.name!r}, {self.duration:.2f} s)"

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE

    def frame_list(self, codec: Codec) -> tuple[bytes, ...]:
        """The whole source in `codec`, cut into frames (computed once, then shared)."""
        if codec.name not in self._frames:
            for _ in self._encode_as_played(codec):
                pass
        return self._frames[codec.name]

    def frames(self, codec: Codec) -> Iterator[bytes]:
        cached = self._frames.get(codec.name)
        return iter(cached) if cached is not None else self._encode_as_played(codec)

    def _encode_as_played(self, codec: Codec) -> Iterator[bytes]:
        done: list[bytes] = []
        for start in range(0, len(self.pcm), _CHUNK_BYTES):
            data = codec.encode(self.pcm[start : start + _CHUNK_BYTES])
            data += codec.silence(-len(data) % SAMPLES_PER_FRAME)
            chunk = [
                data[i : i + SAMPLES_PER_FRAME] for i in range(0, len(data), SAMPLES_PER_FRAME)
            ]
            done += chunk
            yield from chunk
        self._frames.setdefault(codec.name, tuple(done))  # played to the end: keep it

    @classmethod
    def from_wav(cls, path: str | os.PathLike[str]) -> PcmSource:
        """A WAV file (PCM or G.711, any rate, mono or stereo), converted to 8 kHz mono."""
        audio = read_wav(path)
        return cls(resample(audio.pcm, audio.sample_rate, SAMPLE_RATE), name=os.fspath(path))


class Silence:
    """Silence of a duration (rounded up to whole frames)."""

    def __init__(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"silence of {seconds} s is negative")
        self.count = math.ceil(round(seconds * SAMPLE_RATE) / SAMPLES_PER_FRAME)

    def frames(self, codec: Codec) -> Iterator[bytes]:
        return itertools.repeat(codec.silence(), self.count)


class Loop:
    """A source played over and over, for `seconds` or (None) until stopped."""

    def __init__(self, source: PcmSource, seconds: float | None = None) -> None:
        self.source = source
        self.count = None if seconds is None else round(seconds * SAMPLE_RATE / SAMPLES_PER_FRAME)

    def frames(self, codec: Codec) -> Iterator[bytes]:
        n = 0
        for frame in self.source.frames(codec):  # the first time round may encode as it goes
            if self.count is not None and n >= self.count:
                return
            yield frame
            n += 1
        frames = self.source.frame_list(codec)  # encoded by now
        while frames and (self.count is None or n < self.count):
            yield frames[n % len(frames)]
            n += 1


@lru_cache(maxsize=1)
def hold_music_source() -> PcmSource:
    """The hold music as one shared source: every caller on hold shares its encoding."""
    return PcmSource(hold_music(), name="hold music")
