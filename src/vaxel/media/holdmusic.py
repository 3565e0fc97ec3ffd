"""Hold music made by our own code: a short, calm piece in C major, as 8 kHz PCM that loops.

Three voices — a melody, a broken-chord accompaniment and a bass — each note a few sine
partials under a struck envelope (quick attack, exponential decay), so it sounds like a soft
electric piano and stays clear through the telephone band. Everything is computed from
the score below, so the result is the same bytes on every machine; notes that ring past the
end wrap around to the start, which makes the loop seamless.
"""

from __future__ import annotations

import math
from array import array
from functools import lru_cache

from vaxel.media.g711 import SAMPLE_RATE, SAMPLES_PER_FRAME

BEAT_SAMPLES = 4800  # 100 beats a minute: 0.6 s, a whole number of 20 ms frames
PEAK = 11000  # about −9.5 dBFS: present, not loud

# Sixteen bars of four beats: chord name and melody as (MIDI note, beats).
SCORE: tuple[tuple[str, tuple[tuple[int, float], ...]], ...] = (
    ("C", ((76, 1), (74, 1), (72, 1), (67, 1))),
    ("Am", ((69, 1.5), (71, 0.5), (72, 2))),
    ("F", ((69, 1), (72, 1), (77, 1), (76, 1))),
    ("G", ((74, 2), (71, 1), (67, 1))),
    ("C", ((76, 1), (79, 1), (76, 1), (72, 1))),
    ("Am", ((69, 1), (72, 1), (76, 2))),
    ("Dm", ((77, 1), (76, 1), (74, 1), (72, 1))),
    ("G", ((71, 2), (74, 2))),
    ("F", ((72, 1), (69, 1), (72, 1), (77, 1))),
    ("G", ((74, 1), (71, 1), (74, 1), (79, 1))),
    ("Em", ((76, 1.5), (74, 0.5), (71, 2))),
    ("Am", ((72, 1), (76, 1), (81, 2))),
    ("F", ((81, 1), (79, 1), (77, 1), (76, 1))),
    ("G", ((74, 1), (76, 1), (77, 1), (74, 1))),
    ("C", ((72, 2), (67, 1), (76, 1))),
    ("C", ((72, 4),)),
)

# Chord tones for the accompaniment (around middle C) and the bass root.
CHORDS: dict[str, tuple[tuple[int, int, int], int]] = {
    "C": ((60, 64, 67), 48),
    "Am": ((57, 60, 64), 45),
    "F": ((57, 60, 65), 41),
    "G": ((55, 59, 62), 43),
    "Dm": ((57, 62, 65), 50),
    "Em": ((55, 59, 64), 52),
}

# Partial amplitudes (fundamental first) and decay time constant in seconds, per voice.
MELODY = ((1.0, 0.45, 0.2, 0.08), 0.55, 1.0)
ACCOMPANIMENT = ((1.0, 0.3, 0.1), 0.3, 0.35)
BASS = ((0.6, 1.0, 0.5, 0.25), 0.8, 0.55)
ARPEGGIO = (0, 1, 2, 1, 0, 1, 2, 1)  # which chord tone on each eighth note


def _frequency(midi_note: int) -> float:
    return 440.0 * 2 ** ((midi_note - 69) / 12)


def _strike(
    mix: list[float],
    start: int,
    midi_note: int,
    length: int,
    voice: tuple[tuple[float, ...], float, float],
) -> None:
    partials, decay, gain = voice
    freq = _frequency(midi_note)
    attack = SAMPLE_RATE // 200  # 5 ms
    release = SAMPLE_RATE // 25  # 40 ms fade after the note's written length
    ring = length + release
    tau = decay * SAMPLE_RATE
    steps = [
        (amp, 2 * math.pi * freq * k / SAMPLE_RATE)
        for k, amp in enumerate(partials, start=1)
        if freq * k < 3600  # nothing the telephone band would drop anyway
    ]
    total = len(mix)
    for n in range(ring):
        envelope = gain * math.exp(-n / tau)
        if n < attack:
            envelope *= n / attack
        elif n >= length:
            envelope *= 1 - (n - length) / release
        value = sum(amp * math.sin(step * n) for amp, step in steps)
        mix[(start + n) % total] += envelope * value


@lru_cache(maxsize=1)
def hold_music() -> bytes:
    """The whole piece (38.4 s), 16-bit mono PCM at 8 kHz, a whole number of frames long."""
    bar = 4 * BEAT_SAMPLES
    total = bar * len(SCORE)
    mix = [0.0] * total
    for index, (chord, melody) in enumerate(SCORE):
        bar_start = index * bar
        position = bar_start
        for note, beats in melody:
            length = int(beats * BEAT_SAMPLES)
            _strike(mix, position, note, length, MELODY)
            position += length
        tones, root = CHORDS[chord]
        eighth = BEAT_SAMPLES // 2
        for step, which in enumerate(ARPEGGIO):
            _strike(mix, bar_start + step * eighth, tones[which], eighth, ACCOMPANIMENT)
        _strike(mix, bar_start, root, 2 * BEAT_SAMPLES, BASS)
        _strike(mix, bar_start + 2 * BEAT_SAMPLES, root, 2 * BEAT_SAMPLES, BASS)
    scale = PEAK / max(abs(v) for v in mix)
    pcm = array("h", (round(v * scale) for v in mix))
    assert len(pcm) % SAMPLES_PER_FRAME == 0
    return pcm.tobytes()
