"""G.711: every code survives decode→encode, and quantisation stays within one step."""

from __future__ import annotations

import warnings
from array import array

import pytest

from vaxel.media import g711

ALL_SAMPLES = array("h", range(-32768, 32768)).tobytes()


def test_every_alaw_code_decodes_and_encodes_back() -> None:
    codes = bytes(range(256))
    assert g711.alaw_encode(g711.alaw_decode(codes)) == codes


def test_every_ulaw_code_decodes_and_encodes_back_but_negative_zero() -> None:
    codes = bytes(range(256))
    again = g711.ulaw_encode(g711.ulaw_decode(codes))
    # μ-law has two zeros: 0xFF (+0) and 0x7F (−0); linear PCM has one, which encodes as +0.
    assert [c for c in range(256) if again[c] != c] == [0x7F]
    assert again[0x7F] == 0xFF


def _steps(decoded: array) -> dict[int, int]:
    """For each code, the distance to the neighbouring reconstruction level of its segment."""
    levels = sorted(set(decoded))
    gap = {}
    for i, value in enumerate(levels):
        neighbours = [abs(value - levels[j]) for j in (i - 1, i + 1) if 0 <= j < len(levels)]
        gap[value] = max(neighbours)
    return {code: gap[decoded[code]] for code in range(256)}


@pytest.mark.parametrize(
    ("encode", "decode"),
    [(g711.ulaw_encode, g711.ulaw_decode), (g711.alaw_encode, g711.alaw_decode)],
    ids=["ulaw", "alaw"],
)
def test_linear_round_trip_error_is_within_the_quantisation_step(encode, decode) -> None:
    codes = encode(ALL_SAMPLES)
    back = array("h", decode(codes))
    decoded = array("h", decode(bytes(range(256))))
    step = _steps(decoded)
    original = array("h", ALL_SAMPLES)
    worst = max(abs(b - o) - step[c] for b, o, c in zip(back, original, codes, strict=True))
    assert worst <= 0
    # and the error grows with the level, as a logarithmic law should: small signals are exact
    assert all(abs(back[i] - original[i]) <= 8 for i in range(32768 - 100, 32768 + 100))


def test_decode_tables_match_the_standard_library_where_it_still_exists() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    codes = bytes(range(256))
    assert g711.ulaw_decode(codes) == audioop.ulaw2lin(codes, 2)
    assert g711.alaw_decode(codes) == audioop.alaw2lin(codes, 2)
    assert g711.alaw_encode(ALL_SAMPLES) == audioop.lin2alaw(ALL_SAMPLES, 2)


def test_silence_codes() -> None:
    assert g711.PCMU.silence(2) == b"\xff\xff"
    assert g711.PCMA.silence(1) == b"\xd5"
    assert g711.PCMU.decode(g711.PCMU.silence()) == bytes(2 * g711.SAMPLES_PER_FRAME)


def test_registry() -> None:
    assert g711.codec_for_payload_type(0) is g711.PCMU
    assert g711.codec_for_payload_type(8) is g711.PCMA
    assert g711.codec_by_name("pcma") is g711.PCMA
    with pytest.raises(ValueError, match="no codec for RTP payload type 18"):
        g711.codec_for_payload_type(18)
    assert g711.SAMPLES_PER_FRAME == 160 and g711.SAMPLE_RATE == 8000


def test_odd_pcm_is_refused() -> None:
    with pytest.raises(ValueError, match="even number of bytes, got 3"):
        g711.ulaw_encode(b"abc")
