"""G.711 μ-law (PCMU) and A-law (PCMA) on 16-bit linear PCM, and the codec registry.

Linear PCM in vaxel is always signed 16-bit little-endian, mono, 8000 samples per second
(the layout of a WAV file's data chunk). A frame is 20 ms: 160 samples, 320 bytes of PCM,
160 bytes of G.711. Both directions use tables built once at import, so that encoding a
frame is one table look-up per sample and needs neither numpy nor the removed `audioop`.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

SAMPLE_RATE = 8000
SAMPLES_PER_FRAME = 160
FRAME_DURATION = SAMPLES_PER_FRAME / SAMPLE_RATE  # seconds
PCM_FRAME_BYTES = 2 * SAMPLES_PER_FRAME

_BIG_ENDIAN = sys.byteorder == "big"

# μ-law works on the magnitude plus a bias of 132, so that every segment starts on a power of two.
_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635


def _ulaw_encode_sample(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0x00
    magnitude = min(-sample if sample < 0 else sample, _ULAW_CLIP) + _ULAW_BIAS
    exponent = magnitude.bit_length() - 8  # the biased magnitude is at least 2**7
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _ulaw_decode_code(code: int) -> int:
    code = ~code & 0xFF
    exponent = (code >> 4) & 0x07
    magnitude = (((code & 0x0F) << 3) + _ULAW_BIAS) << exponent
    magnitude -= _ULAW_BIAS
    return -magnitude if code & 0x80 else magnitude


def _alaw_encode_sample(sample: int) -> int:
    # A-law quantises 13 bits; the sign bit is set for positive values, and the even bits are
    # inverted on the line (XOR 0x55) so that silence is not a run of zeros.
    if sample >= 0:
        sign, magnitude = 0x80, sample >> 3
    else:
        sign, magnitude = 0x00, (-sample - 1) >> 3
    if magnitude < 32:
        segment, mantissa = 0, magnitude >> 1
    else:  # magnitude < 4096: segments 1..7 start at 32 << (segment - 1)
        segment = magnitude.bit_length() - 5
        mantissa = (magnitude >> segment) & 0x0F
    return (sign | (segment << 4) | mantissa) ^ 0x55


def _alaw_decode_code(code: int) -> int:
    code ^= 0x55
    segment = (code >> 4) & 0x07
    mantissa = code & 0x0F
    # The middle of the quantisation interval, back in 16-bit units (13-bit value << 3).
    if segment == 0:  # noqa: SIM108 - the two segment rules read better apart
        magnitude = (mantissa << 4) + 8
    else:
        magnitude = ((mantissa << 4) + 0x108) << (segment - 1)
    return magnitude if code & 0x80 else -magnitude


def _tables(encode_sample: object, decode_code: object) -> tuple[bytes, array[int], list[bytes]]:
    assert callable(encode_sample) and callable(decode_code)
    # Indexed by the sample's 16 bits read as unsigned, so `array("H", pcm)` indexes directly.
    encode = bytes(encode_sample(u - 65536 if u >= 32768 else u) for u in range(65536))
    decoded = array("h", (decode_code(code) for code in range(256)))
    pairs = [array("h", [value]) for value in decoded]
    if _BIG_ENDIAN:
        for pair in pairs:
            pair.byteswap()
    return encode, decoded, [pair.tobytes() for pair in pairs]


_ULAW_ENCODE, ULAW_DECODED, _ULAW_PCM = _tables(_ulaw_encode_sample, _ulaw_decode_code)
_ALAW_ENCODE, ALAW_DECODED, _ALAW_PCM = _tables(_alaw_encode_sample, _alaw_decode_code)


def _samples(pcm: bytes) -> array[int]:
    if len(pcm) % 2:
        raise ValueError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    samples = array("H", pcm)
    if _BIG_ENDIAN:
        samples.byteswap()
    return samples


def ulaw_encode(pcm: bytes) -> bytes:
    """μ-law bytes for 16-bit little-endian linear PCM."""
    return bytes(map(_ULAW_ENCODE.__getitem__, _samples(pcm)))


def ulaw_decode(data: bytes) -> bytes:
    """16-bit little-endian linear PCM for μ-law bytes."""
    return b"".join(map(_ULAW_PCM.__getitem__, data))


def alaw_encode(pcm: bytes) -> bytes:
    """A-law bytes for 16-bit little-endian linear PCM."""
    return bytes(map(_ALAW_ENCODE.__getitem__, _samples(pcm)))


def alaw_decode(data: bytes) -> bytes:
    """16-bit little-endian linear PCM for A-law bytes."""
    return b"".join(map(_ALAW_PCM.__getitem__, data))


@dataclass(frozen=True, slots=True)
class Codec:
    """An audio codec as RTP knows it: static payload type, SDP encoding name, clock rate."""

    name: str
    payload_type: int
    clock_rate: int
    silence_code: int  # the code a silent sample encodes to
    _encode: Callable[[bytes], bytes] = field(repr=False, compare=False)
    _decode: Callable[[bytes], bytes] = field(repr=False, compare=False)

    def encode(self, pcm: bytes) -> bytes:
        """Encoded payload for 16-bit little-endian linear PCM."""
        return self._encode(pcm)

    def decode(self, payload: bytes) -> bytes:
        """16-bit little-endian linear PCM for an encoded payload."""
        return self._decode(payload)

    def silence(self, samples: int = SAMPLES_PER_FRAME) -> bytes:
        """An encoded payload of silence."""
        return bytes([self.silence_code]) * samples

    def samples_in(self, payload: bytes) -> int:
        """How many samples an encoded payload holds (one byte per sample for G.711)."""
        return len(payload)


PCMU = Codec("PCMU", 0, SAMPLE_RATE, _ULAW_ENCODE[0], ulaw_encode, ulaw_decode)
PCMA = Codec("PCMA", 8, SAMPLE_RATE, _ALAW_ENCODE[0], alaw_encode, alaw_decode)

CODECS: dict[int, Codec] = {PCMU.payload_type: PCMU, PCMA.payload_type: PCMA}


def codec_for_payload_type(payload_type: int) -> Codec:
    """The codec of a static payload type, or ValueError naming the ones we have."""
    try:
        return CODECS[payload_type]
    except KeyError:
        known = ", ".join(f"{c.payload_type} {c.name}" for c in CODECS.values())
        raise ValueError(f"no codec for RTP payload type {payload_type} (have {known})") from None


def codec_by_name(name: str) -> Codec:
    """The codec with an SDP encoding name (case-insensitive), or ValueError."""
    for codec in CODECS.values():
        if codec.name == name.upper():
            return codec
    raise ValueError(f"no codec named {name!r} (have {', '.join(c.name for c in CODECS.values())})")
