"""Hold music and call-progress tones: ours, deterministic, audible, loopable."""

from __future__ import annotations

import hashlib
import itertools
import math
from array import array

import pytest

from vaxel.media import tones
from vaxel.media.g711 import SAMPLES_PER_FRAME
from vaxel.media.holdmusic import hold_music


def rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def test_hold_music_is_deterministic_and_not_silent() -> None:
    pcm = hold_music()
    assert len(pcm) == 2 * 8000 * 38.4 and (len(pcm) // 2) % SAMPLES_PER_FRAME == 0
    hold_music.cache_clear()
    assert hashlib.sha256(hold_music()).digest() == hashlib.sha256(pcm).digest()
    assert 1000 < rms(pcm) < 6000
    samples = array("h", pcm)
    assert max(abs(s) for s in samples) == 11000
    # every second has music in it: no dead air for a caller on hold
    assert min(rms(pcm[i : i + 16000]) for i in range(0, len(pcm), 16000)) > 300


def test_hold_music_loops_without_a_click() -> None:
    samples = array("h", hold_music())
    step_at_seam = abs(samples[0] - samples[-1])
    typical = sorted(abs(a - b) for a, b in itertools.pairwise(samples))
    assert step_at_seam <= typical[int(0.999 * len(typical))]


def level_at(pcm: bytes, freq: float) -> float:
    samples = array("h", pcm)
    re = sum(s * math.cos(2 * math.pi * freq * n / 8000) for n, s in enumerate(samples))
    im = sum(s * math.sin(2 * math.pi * freq * n / 8000) for n, s in enumerate(samples))
    return 2 * math.hypot(re, im) / len(samples)


@pytest.mark.parametrize(
    ("period", "on_ms", "off_ms"),
    [(tones.ringback, 1000, 5000), (tones.busy, 250, 250), (tones.congestion, 250, 750)],
)
def test_swedish_cadences(period, on_ms: int, off_ms: int) -> None:
    pcm = period()
    on = pcm[: 16 * on_ms]
    assert len(pcm) == 16 * (on_ms + off_ms)
    assert set(pcm[16 * on_ms :]) == {0}
    assert level_at(on, 425) == pytest.approx(tones.amplitude_for(-10), rel=0.05)
    assert level_at(on, 400) < level_at(on, 425) / 10


def test_beep() -> None:
    pcm = tones.beep()
    assert len(pcm) == 2 * 3200
    assert level_at(pcm, 1000) > 10 * level_at(pcm, 500)
    assert array("h", pcm)[0] == 0  # soft start: no click
