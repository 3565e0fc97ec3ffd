"""WAV files: PCM and μ-law written and read back; bad files; repairing a cut-off file."""

from __future__ import annotations

import math
import struct
from array import array
from pathlib import Path

import pytest

from vaxel.media.g711 import ulaw_decode, ulaw_encode
from vaxel.media.resample import resample
from vaxel.media.wav import (
    UNKNOWN_SIZE,
    WavInfo,
    decode_wav,
    encode_wav,
    fix_header,
    read_wav,
    wav_header,
    write_wav,
)


def sine(freq: float, seconds: float, rate: int = 8000, amplitude: int = 8000) -> bytes:
    count = int(rate * seconds)
    return array(
        "h", (round(amplitude * math.sin(2 * math.pi * freq * n / rate)) for n in range(count))
    ).tobytes()


def test_pcm_round_trip(tmp_path: Path) -> None:
    pcm = sine(440, 0.5)
    write_wav(tmp_path / "a.wav", pcm)
    data = (tmp_path / "a.wav").read_bytes()
    assert len(data) == 44 + len(pcm)
    info = WavInfo.parse(data)
    assert (info.encoding, info.channels, info.sample_rate, info.bits_per_sample) == (
        "pcm16",
        1,
        8000,
        16,
    )
    assert info.duration == 0.5
    assert read_wav(tmp_path / "a.wav").pcm == pcm


def test_ulaw_round_trip(tmp_path: Path) -> None:
    pcm = ulaw_decode(ulaw_encode(sine(1000, 0.25)))  # already on the μ-law grid
    write_wav(tmp_path / "u.wav", pcm, encoding="ulaw")
    data = (tmp_path / "u.wav").read_bytes()
    assert struct.unpack_from("<H", data, 20)[0] == 7
    assert b"fact" in data[:60]
    assert len(data) == len(wav_header(0, encoding="ulaw")) + len(pcm) // 2
    audio = read_wav(tmp_path / "u.wav")
    assert audio.pcm == pcm and audio.sample_rate == 8000


def test_stereo_is_mixed_down() -> None:
    left, right = 1000, -200
    frames = array("h", [left, right] * 10).tobytes()
    fmt = struct.pack("<HHIIHH", 1, 2, 16000, 64000, 4, 16)
    data = (
        b"RIFF"
        + struct.pack("<I", 36 + len(frames))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(frames))
        + frames
    )
    audio = decode_wav(data)
    assert array("h", audio.pcm).tolist() == [400] * 10
    assert audio.sample_rate == 16000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"RIFX" + bytes(40), "does not start with a RIFF/WAVE header"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no fmt chunk"),
        (encode_wav(b"\x00\x00")[:36], "no data chunk"),
        (encode_wav(b"\x00\x00" * 4)[:-2], "data chunk claims 8 bytes but the file has 6"),
        (encode_wav(b"")[:20] + b"\x03\x00" + encode_wav(b"")[22:], "format 0x3 is not supported"),
    ],
)
def test_bad_files(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_wav(data)


def test_read_wav_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "x.wav").write_bytes(b"nope")
    with pytest.raises(ValueError, match=r"x\.wav: not a WAV file"):
        read_wav(tmp_path / "x.wav")


def test_fix_header_of_a_file_cut_off_while_written(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav.part"
    pcm = sine(300, 1.0)
    path.write_bytes(wav_header(UNKNOWN_SIZE) + pcm + b"\x01")  # and half a sample
    info = fix_header(path)
    assert info.data_size == len(pcm)
    assert decode_wav(path.read_bytes()).pcm == pcm  # strict parse: sizes are right


def test_resample_keeps_the_voice_band_and_drops_what_would_alias() -> None:
    def level(pcm: bytes) -> float:
        samples = array("h", pcm)[200:-200]
        return math.sqrt(sum(s * s for s in samples) / len(samples))

    kept = resample(sine(1000, 0.5, rate=22050), 22050, 8000)
    assert len(kept) == 2 * 4000
    assert level(kept) == pytest.approx(8000 / math.sqrt(2), rel=0.02)
    gone = resample(sine(6000, 0.5, rate=22050), 22050, 8000)  # would fold to 2 kHz
    assert level(gone) < 50
    assert resample(b"\x01\x00", 8000, 8000) == b"\x01\x00"
