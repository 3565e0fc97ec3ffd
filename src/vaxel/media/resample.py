"""Sample-rate conversion of 16-bit mono PCM, for prompts made at other rates than 8 kHz.

A polyphase windowed-sinc filter: each output sample is a weighted sum of the input samples
around its position, with the weights for each of the (few) fractional positions computed
once. The cut-off sits just under the lower Nyquist frequency, so downsampling does not fold
the high end of a voice back into the telephone band.
"""

from __future__ import annotations

import math
import operator
from array import array
from functools import lru_cache

_TAPS_PER_SIDE = 16


@lru_cache(maxsize=8)
def _filter_bank(up: int, down: int, half: int) -> tuple[tuple[float, ...], ...]:
    # Cut-off in cycles per input sample; 0.9 of Nyquist leaves the window room to roll off.
    cutoff = 0.5 * min(1.0, up / down) * 0.9
    bank = []
    for phase in range(up):
        frac = phase / up
        weights = []
        for k in range(-half + 1, half + 1):
            x = k - frac
            sinc = 2 * cutoff if x == 0 else math.sin(2 * math.pi * cutoff * x) / (math.pi * x)
            angle = math.pi * x / half
            window = 0.42 + 0.5 * math.cos(angle) + 0.08 * math.cos(2 * angle)  # Blackman
            weights.append(sinc * window if abs(x) < half else 0.0)
        gain = sum(weights)
        bank.append(tuple(w / gain for w in weights))
    return tuple(bank)


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """16-bit little-endian mono PCM at `to_rate`, from PCM at `from_rate`."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} and {to_rate}")
    if len(pcm) % 2:
        raise ValueError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    if from_rate == to_rate:
        return pcm
    g = math.gcd(from_rate, to_rate)
    up, down = to_rate // g, from_rate // g
    half = _TAPS_PER_SIDE if up >= down else math.ceil(_TAPS_PER_SIDE * down / up)
    bank = _filter_bank(up, down, half)
    samples = array("h", pcm)
    padded = [0] * half + samples.tolist() + [0] * half
    count = len(samples) * up // down
    out = array("h", bytes(2 * count))
    mul = operator.mul
    for n in range(count):
        position, phase = divmod(n * down, up)
        start = position + 1  # padded index of input sample position - half + 1
        value = sum(map(mul, bank[phase], padded[start : start + 2 * half]))
        out[n] = -32768 if value < -32768 else 32767 if value > 32767 else round(value)
    return out.tobytes()
