"""Recording a caller (voicemail, greetings) to a WAV file that appears whole or not at all.

The audio goes through the jitter buffer into `<name>.wav.part` beside the final file, as it
comes. On completion the header gets its sizes, the file is fsynced and renamed to
`<name>.wav`, and the directory is fsynced: a message list that shows `*.wav` never shows
half a message. A crash leaves only the `.part`; `recover()` at start-up turns each into a
message (if long enough to be one) or moves it to `quarantine/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from vaxel.media.g711 import SAMPLE_RATE, SAMPLES_PER_FRAME, alaw_encode, ulaw_encode
from vaxel.media.jitterbuffer import JitterBuffer, PcmAssembler
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import RtpSession
from vaxel.media.wav import UNKNOWN_SIZE, Encoding, fix_header, wav_header

PART_SUFFIX = ".part"
QUARANTINE = "quarantine"
Reason = Literal["digit", "silence", "max-length", "hangup", "stopped"]


@dataclass(frozen=True, slots=True)
class RecordingResult:
    """The message, or None when it was shorter than the minimum (nothing is kept then)."""

    path: Path | None
    seconds: float
    reason: Reason
    digit: str | None = None


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    recovered: list[Path] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)


def _rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Recorder:
    """Records what a session receives into `path`; `await record()` gives the result.

    It stops at a digit in `stop_digits` (the digit is not part of the message), after
    `max_seconds` of audio, after `silence_seconds` with nothing above `silence_level` (or
    no packets at all), when the session closes (hang-up), or at `stop()`. Trailing silence
    is cut down to half a second.
    """

    def __init__(
        self,
        session: RtpSession,
        path: str | os.PathLike[str],
        *,
        min_seconds: float = 1.0,
        max_seconds: float = 180.0,
        silence_seconds: float = 5.0,
        silence_level: float = 200.0,  # RMS of 16-bit samples; about −44 dBFS
        stop_digits: str = "#",
        encoding: Encoding = "pcm16",
    ) -> None:
        self.session = session
        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + PART_SUFFIX)
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        self.silence_seconds = silence_seconds
        self.silence_level = silence_level
        self.stop_digits = stop_digits
        self.encoding = encoding
        self._buffer = JitterBuffer()
        self._assembler = PcmAssembler(session.codec.decode)
        self._file: BinaryIO | None = None
        self._samples = 0  # written to the file
        self._voiced_samples = 0  # up to the end of the last frame that was not silence
        self._last_audio = 0.0
        self._done: asyncio.Future[tuple[Reason, str | None]] | None = None

    @property
    def seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    async def record(self) -> RecordingResult:
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.part, "wb")  # noqa: SIM115 - _commit or _discard closes it
        self._file.write(wav_header(UNKNOWN_SIZE, encoding=self.encoding))
        self._last_audio = time.monotonic()
        unsubscribe = [
            self.session.add_audio_listener(self._on_audio),
            self.session.add_digit_listener(self._on_digit),
            self.session.add_close_listener(lambda: self._end("hangup")),
        ]
        if self.session.closed:
            self._end("hangup")
        watchdog = loop.create_task(self._watch())
        try:
            reason, digit = await self._done
        except asyncio.CancelledError:
            await asyncio.to_thread(self._discard)
            raise
        finally:
            watchdog.cancel()
            for stop in unsubscribe:
                stop()
        self._write(self._assembler.add(self._buffer.flush()))
        keep = self._samples if reason != "silence" else self._voiced_samples + SAMPLE_RATE // 2
        seconds = min(keep, self._samples) / SAMPLE_RATE
        if seconds < self.min_seconds:
            await asyncio.to_thread(self._discard)
            return RecordingResult(None, seconds, reason, digit)
        await asyncio.to_thread(self._commit, min(keep, self._samples))
        return RecordingResult(self.path, seconds, reason, digit)

    def stop(self, reason: Reason = "stopped") -> None:
        """End the recording now (the switch calls this on hang-up if the session lives on)."""
        self._end(reason)

    def _end(self, reason: Reason, digit: str | None = None) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result((reason, digit))

    def _on_digit(self, digit: str) -> None:
        if digit in self.stop_digits:
            self._end("digit", digit)

    def _on_audio(self, packet: RtpPacket) -> None:
        self._last_audio = time.monotonic()
        self._write(self._assembler.add(self._buffer.push(packet)))

    def _write(self, pcm: bytes) -> None:
        if not pcm or self._file is None:
            return
        room = int(self.max_seconds * SAMPLE_RATE) - self._samples
        pcm = pcm[: 2 * max(0, room)]
        step = 2 * SAMPLES_PER_FRAME
        for start in range(0, len(pcm), step):
            if _rms(pcm[start : start + step]) >= self.silence_level:
                self._voiced_samples = self._samples + min(start + step, len(pcm)) // 2
        if self.encoding == "ulaw":
            self._file.write(ulaw_encode(pcm))
        elif self.encoding == "alaw":
            self._file.write(alaw_encode(pcm))
        else:
            self._file.write(pcm)
        self._samples += len(pcm) // 2
        if self._samples >= self.max_seconds * SAMPLE_RATE:
            self._end("max-length")
        elif self._samples - self._voiced_samples >= self.silence_seconds * SAMPLE_RATE:
            self._end("silence")

    async def _watch(self) -> None:
        # Silence that is no packets at all (the phone stopped sending) has no frames to
        # measure, so a clock watches for it.
        while True:
            await asyncio.sleep(0.25)
            if time.monotonic() - self._last_audio >= self.silence_seconds:
                self._end("silence")

    def _commit(self, samples: int) -> None:
        file = self._file
        assert file is not None
        self._file = None
        width = 2 if self.encoding == "pcm16" else 1
        file.flush()
        header_size = len(wav_header(0, encoding=self.encoding))
        file.truncate(header_size + samples * width)
        file.seek(0)
        file.write(wav_header(samples * width, encoding=self.encoding))
        file.flush()
        os.fsync(file.fileno())
        file.close()
        os.replace(self.part, self.path)
        _fsync_directory(self.path.parent)

    def _discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        with contextlib.suppress(FileNotFoundError):
            self.part.unlink()


def recover(directory: str | os.PathLike[str], *, min_seconds: float = 1.0) -> RecoveryReport:
    """Deal with the `.part` files a crash left in `directory` (run it before serving).

    Each becomes the message it was meant to be, with its header put right, when it holds at
    least `min_seconds` of audio and its name is free; otherwise it goes to `quarantine/`
    for a person to look at. Nothing is deleted.
    """
    folder = Path(directory)
    report = RecoveryReport()
    for part in sorted(folder.glob(f"*{PART_SUFFIX}")):
        final = part.with_name(part.name[: -len(PART_SUFFIX)])
        try:
            info = fix_header(part)
            usable = info.duration >= min_seconds and not final.exists()
        except (ValueError, OSError):
            usable = False
        if usable:
            with open(part, "rb+") as file:
                os.fsync(file.fileno())
            os.replace(part, final)
            report.recovered.append(final)
            continue
        quarantine = folder / QUARANTINE
        quarantine.mkdir(exist_ok=True)
        target = quarantine / part.name
        counter = 1
        while target.exists():
            target = quarantine / f"{part.stem}-{counter}{PART_SUFFIX}"
            counter += 1
        os.replace(part, target)
        report.quarantined.append(target)
    if report.recovered or report.quarantined:
        _fsync_directory(folder)
    return report
