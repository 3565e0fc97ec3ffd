"""Uploaded greetings: a WAV or MP3 file made into what the switch plays (8 kHz mono PCM).

sox (a Debian package the set-up installs) converts WAV of any encoding and, where its MP3
format module is installed, MP3. Without that module MP3 is decoded with libsndfile (which
sox itself depends on), then resampled by our own ``vaxel.media.resample``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import tempfile
from array import array
from pathlib import Path

from vaxel.domain.errors import DomainError
from vaxel.media.resample import resample
from vaxel.media.wav import decode_wav, encode_wav

TARGET_RATE = 8000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MIN_SECONDS = 1.0
MAX_SECONDS = 120.0
SOX_TIMEOUT_S = 30


def sniff(data: bytes) -> str:
    """ "wav" or "mp3" by the file's first bytes; DomainError for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    raise DomainError("file", "upload a WAV or MP3 file")


def convert_greeting(data: bytes, target: Path) -> float:
    """Write ``data`` (WAV or MP3) to ``target`` as 8 kHz mono 16-bit WAV; its duration."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("file", f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    kind = sniff(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vaxel-greeting-") as tmp:
        source = Path(tmp) / f"upload.{kind}"
        source.write_bytes(data)
        out = Path(tmp) / "greeting.wav"
        if not _sox(source, out):
            if kind != "mp3":
                raise DomainError("file", "the WAV file could not be read")
            pcm, rate = _decode_with_sndfile(source)
            out.write_bytes(encode_wav(resample(pcm, rate, TARGET_RATE), sample_rate=TARGET_RATE))
        audio = decode_wav(out.read_bytes())
        if audio.sample_rate != TARGET_RATE:
            raise DomainError("file", "the file could not be converted to 8 kHz")
        if audio.duration < MIN_SECONDS:
            raise DomainError("file", f"the greeting is shorter than {MIN_SECONDS:.0f} second")
        if audio.duration > MAX_SECONDS:
            raise DomainError("file", f"the greeting is longer than {MAX_SECONDS:.0f} seconds")
        # Written beside the target and renamed, so the switch never plays half a file.
        partial = target.with_suffix(".part")
        shutil.copyfile(out, partial)
        os.replace(partial, target)
        return audio.duration


def _sox(source: Path, out: Path) -> bool:
    sox = shutil.which("sox")
    if sox is None:
        return False
    command = [sox, "-q", str(source), "-r", str(TARGET_RATE), "-c", "1", "-b", "16",
               "-e", "signed-integer", str(out)]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=SOX_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and out.exists() and out.stat().st_size > 44


class _SfInfo(ctypes.Structure):
    _fields_ = [
        ("frames", ctypes.c_int64),
        ("samplerate", ctypes.c_int),
        ("channels", ctypes.c_int),
        ("format", ctypes.c_int),
        ("sections", ctypes.c_int),
        ("seekable", ctypes.c_int),
    ]


_SFM_READ = 0x10


def _decode_with_sndfile(source: Path) -> tuple[bytes, int]:
    """Mono 16-bit PCM and its rate, decoded by libsndfile (which reads MP3 since 1.1)."""
    name = ctypes.util.find_library("sndfile")
    if name is None:
        raise DomainError("file", "MP3 cannot be read on this server; upload a WAV file")
    lib = ctypes.CDLL(name)
    lib.sf_open.restype = ctypes.c_void_p
    lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_SfInfo)]
    lib.sf_readf_short.restype = ctypes.c_int64
    lib.sf_readf_short.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    lib.sf_close.argtypes = [ctypes.c_void_p]
    info = _SfInfo()
    handle = lib.sf_open(str(source).encode(), _SFM_READ, ctypes.byref(info))
    if not handle:
        raise DomainError("file", "the MP3 file could not be read")
    try:
        frames = min(int(info.frames), int(MAX_SECONDS * 2 * info.samplerate))
        channels = max(1, info.channels)
        buffer = (ctypes.c_short * (frames * channels))()
        read = lib.sf_readf_short(handle, buffer, frames)
    finally:
        lib.sf_close(handle)
    samples = array("h", bytes(buffer)[: read * channels * 2])
    if channels > 1:
        starts = range(0, len(samples), channels)
        samples = array("h", (sum(samples[i : i + channels]) // channels for i in starts))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes(), int(info.samplerate)
