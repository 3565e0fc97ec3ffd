"""Call-progress tones (Swedish, ITU-T E.180 Suppl. 2) and the voicemail beep, as 8 kHz PCM.

Each cadence is returned as one period that loops without a click: the tone part is a whole
number of cycles with short ramps in and out, the rest is silence.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from vaxel.media.g711 import SAMPLE_RATE

# A full-scale sine in G.711 is +3.17 dBm0, so a level in dBm0 is 3.17 dB more below full scale.
_FULL_SCALE_DBM0 = 3.17


def amplitude_for(level_dbm0: float) -> float:
    """Peak sample value of a sine at `level_dbm0`."""
    return 32767 * 10 ** ((level_dbm0 - _FULL_SCALE_DBM0) / 20)


def silence(duration_ms: int) -> bytes:
    """Silent 16-bit PCM of a duration."""
    return bytes(2 * (SAMPLE_RATE * duration_ms // 1000))


def tone(
    frequencies: Sequence[float],
    duration_ms: int,
    *,
    level_dbm0: float = -10.0,
    ramp_ms: int = 5,
) -> bytes:
    """A steady tone (one frequency, or the sum of several at equal level) with soft edges."""
    count = SAMPLE_RATE * duration_ms // 1000
    ramp = min(SAMPLE_RATE * ramp_ms // 1000, count // 2)
    amplitude = amplitude_for(level_dbm0) / max(1, len(frequencies))
    steps = [2 * math.pi * f / SAMPLE_RATE for f in frequencies]
    out = array("h", bytes(2 * count))
    for n in range(count):
        gain = 1.0
        if n < ramp:
            gain = n / ramp
        elif n >= count - ramp:
            gain = (count - 1 - n) / ramp
        out[n] = round(amplitude * gain * sum(math.sin(step * n) for step in steps))
    return out.tobytes()


@dataclass(frozen=True, slots=True)
class Cadence:
    """A tone switched on and off in a repeating rhythm."""

    frequency: float
    on_ms: int
    off_ms: int

    def period(self, level_dbm0: float = -10.0) -> bytes:
        """One on/off period of PCM, to be played in a loop."""
        return tone([self.frequency], self.on_ms, level_dbm0=level_dbm0) + silence(self.off_ms)


RINGBACK = Cadence(425.0, 1000, 5000)  # ringing tone: 1 s on, 5 s off
BUSY = Cadence(425.0, 250, 250)  # busy: 0.25 s on, 0.25 s off
CONGESTION = Cadence(425.0, 250, 750)  # congestion: 0.25 s on, 0.75 s off


def ringback() -> bytes:
    """One period of the Swedish ringing tone."""
    return RINGBACK.period()


def busy() -> bytes:
    """One period of the Swedish busy tone."""
    return BUSY.period()


def congestion() -> bytes:
    """One period of the Swedish congestion tone."""
    return CONGESTION.period()


def beep(duration_ms: int = 400, frequency: float = 1000.0) -> bytes:
    """The voicemail beep that tells the caller to start speaking."""
    return tone([frequency], duration_ms, level_dbm0=-12.0, ramp_ms=10)
