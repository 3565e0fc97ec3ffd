"""WAV files of telephone audio: 16-bit linear PCM, μ-law or A-law, read and written.

Audio in vaxel is 16-bit little-endian mono PCM; reading decodes G.711 and mixes stereo
down to that, and keeps the file's sample rate (the caller resamples, see `resample`).
"""

from __future__ import annotations

import dataclasses
import os
import struct
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vaxel.media.g711 import SAMPLE_RATE, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

Encoding = Literal["pcm16", "ulaw", "alaw"]

FORMAT_PCM = 1
FORMAT_ALAW = 6
FORMAT_ULAW = 7
FORMAT_EXTENSIBLE = 0xFFFE

_FORMAT_OF: dict[str, int] = {"pcm16": FORMAT_PCM, "ulaw": FORMAT_ULAW, "alaw": FORMAT_ALAW}
_ENCODING_OF: dict[int, Encoding] = {FORMAT_PCM: "pcm16", FORMAT_ULAW: "ulaw", FORMAT_ALAW: "alaw"}
UNKNOWN_SIZE = 0xFFFFFFFF  # what a header says while the file is still being written


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What a WAV header says, and where the audio is in the file."""

    encoding: Encoding
    channels: int
    sample_rate: int
    bits_per_sample: int
    data_offset: int
    data_size: int

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.bits_per_sample // 8

    @property
    def duration(self) -> float:
        return self.data_size / self.frame_bytes / self.sample_rate

    @classmethod
    def parse(cls, data: bytes, *, truncated_ok: bool = False) -> WavInfo:
        """Read the header of a WAV file's bytes (all of them, or at least up to the data).

        With `truncated_ok`, a data chunk that claims more than the file holds (a file cut off
        while it was written) is taken to end where the file ends.
        """
        if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
            raise ValueError("not a WAV file: it does not start with a RIFF/WAVE header")
        offset = 12
        fmt: tuple[int, int, int, int] | None = None
        while offset + 8 <= len(data):
            chunk_id = data[offset : offset + 4]
            (size,) = struct.unpack_from("<I", data, offset + 4)
            body = offset + 8
            if chunk_id == b"fmt ":
                fmt = cls._parse_fmt(data[body : body + size], size)
            elif chunk_id == b"data":
                if fmt is None:
                    raise ValueError("WAV data chunk comes before its fmt chunk")
                available = len(data) - body
                if size > available:
                    if not truncated_ok:
                        raise ValueError(
                            f"WAV data chunk claims {size} bytes but the file has {available}"
                        )
                    size = available
                tag, channels, rate, bits = fmt
                frame = channels * bits // 8
                return cls(_ENCODING_OF[tag], channels, rate, bits, body, size - size % frame)
            offset = body + size + (size & 1)
        if fmt is None:
            raise ValueError("WAV file has no fmt chunk")
        raise ValueError("WAV file has no data chunk")

    @staticmethod
    def _parse_fmt(body: bytes, size: int) -> tuple[int, int, int, int]:
        if size < 16 or len(body) < 16:
            raise ValueError(f"WAV fmt chunk is {size} bytes, shorter than 16")
        tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
        if tag == FORMAT_EXTENSIBLE and len(body) >= 26:
            (tag,) = struct.unpack_from("<H", body, 24)  # first two bytes of the sub-format GUID
        if tag not in _ENCODING_OF:
            raise ValueError(f"WAV format {tag:#x} is not supported (PCM, μ-law or A-law only)")
        expected_bits = 16 if tag == FORMAT_PCM else 8
        if bits != expected_bits:
            raise ValueError(f"WAV {_ENCODING_OF[tag]} with {bits}-bit samples is not supported")
        if channels not in (1, 2):
            raise ValueError(f"WAV with {channels} channels is not supported (mono or stereo)")
        if not 1000 <= rate <= 192_000:
            raise ValueError(f"WAV sample rate {rate} Hz is not plausible")
        return tag, channels, rate, bits


@dataclass(frozen=True, slots=True)
class WavAudio:
    """Decoded audio: 16-bit little-endian mono PCM at `sample_rate`."""

    pcm: bytes
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


def decode_wav(data: bytes, *, truncated_ok: bool = False) -> WavAudio:
    """The audio of a WAV file's bytes, as mono 16-bit PCM."""
    info = WavInfo.parse(data, truncated_ok=truncated_ok)
    raw = bytes(data[info.data_offset : info.data_offset + info.data_size])
    if info.encoding == "ulaw":
        pcm = ulaw_decode(raw)
    elif info.encoding == "alaw":
        pcm = alaw_decode(raw)
    else:
        pcm = raw
    if info.channels == 2:
        stereo = array("h", pcm)
        mono = array("h", ((a + b) >> 1 for a, b in zip(stereo[::2], stereo[1::2], strict=True)))
        pcm = mono.tobytes()
    return WavAudio(pcm, info.sample_rate)


def read_wav(path: str | os.PathLike[str]) -> WavAudio:
    """The audio of a WAV file on disk, as mono 16-bit PCM; ValueError names the file."""
    try:
        return decode_wav(Path(path).read_bytes())
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def wav_header(
    data_size: int, *, encoding: Encoding = "pcm16", sample_rate: int = SAMPLE_RATE
) -> bytes:
    """A mono WAV header for `data_size` bytes of audio that follow it.

    PCM gets the plain 44-byte header; G.711 gets the 18-byte fmt chunk and the fact chunk
    that non-PCM formats are meant to have (58 bytes). `UNKNOWN_SIZE` marks a file still
    being written; `fix_header` puts the real sizes in afterwards.
    """
    tag = _FORMAT_OF[encoding]
    bits = 16 if encoding == "pcm16" else 8
    block = bits // 8
    if tag == FORMAT_PCM:
        fmt = struct.pack("<HHIIHH", tag, 1, sample_rate, sample_rate * block, block, bits)
        extra = b""
    else:
        fmt = struct.pack("<HHIIHHH", tag, 1, sample_rate, sample_rate * block, block, bits, 0)
        samples = UNKNOWN_SIZE if data_size == UNKNOWN_SIZE else data_size // block
        extra = b"fact" + struct.pack("<II", 4, samples)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra
    riff_size = UNKNOWN_SIZE if data_size == UNKNOWN_SIZE else 4 + len(chunks) + 8 + data_size
    return (
        b"RIFF"
        + struct.pack("<I", min(riff_size, UNKNOWN_SIZE))
        + b"WAVE"
        + chunks
        + b"data"
        + struct.pack("<I", data_size)
    )


def encode_wav(
    pcm: bytes, *, encoding: Encoding = "pcm16", sample_rate: int = SAMPLE_RATE
) -> bytes:
    """A whole mono WAV file holding 16-bit PCM, stored as `encoding`."""
    if encoding == "ulaw":
        data = ulaw_encode(pcm)
    elif encoding == "alaw":
        data = alaw_encode(pcm)
    else:
        if len(pcm) % 2:
            raise ValueError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
        data = pcm
    return wav_header(len(data), encoding=encoding, sample_rate=sample_rate) + data


def write_wav(
    path: str | os.PathLike[str],
    pcm: bytes,
    *,
    encoding: Encoding = "pcm16",
    sample_rate: int = SAMPLE_RATE,
) -> None:
    """Write a WAV file (not atomically: the recorder does that for messages)."""
    Path(path).write_bytes(encode_wav(pcm, encoding=encoding, sample_rate=sample_rate))


def fix_header(path: str | os.PathLike[str]) -> WavInfo:
    """Put the real sizes into the header of a WAV file that was cut off while written.

    The audio is cut to whole samples. Returns what the file then holds; ValueError when
    there is no usable header.
    """
    with open(path, "r+b") as file:
        head = file.read(4096)
        info = WavInfo.parse(head, truncated_ok=True)  # the sizes come from the file's length
        if info.channels != 1 or len(wav_header(0, encoding=info.encoding)) != info.data_offset:
            raise ValueError(f"{path}: the WAV header is not one that vaxel writes")
        file_size = os.fstat(file.fileno()).st_size
        data_size = max(0, file_size - info.data_offset)
        data_size -= data_size % info.frame_bytes
        file.truncate(info.data_offset + data_size)
        file.seek(0)
        file.write(wav_header(data_size, encoding=info.encoding, sample_rate=info.sample_rate))
    return dataclasses.replace(info, data_size=data_size)
