"""A jitter buffer for recording: packets in any order in, frames in sequence order out.

It holds at most `depth` packets waiting for a missing one; when the next packet has not come
by the time `depth` later ones have, it is declared lost and a silent frame stands in for it.
Duplicates and packets older than what was already given out are dropped. It keeps no clock:
"late" means late in sequence, which is all a recording needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vaxel.media.rtp import RtpPacket, seq_add, seq_diff, timestamp_diff

# A jump beyond these (RFC 3550 A.1's limits) is a new stream, not loss or reordering.
MAX_DROPOUT = 3000
MAX_MISORDER = 100


@dataclass(frozen=True, slots=True)
class JitterFrame:
    """One frame in order. `payload` is None for a packet that never came."""

    sequence_number: int
    timestamp: int
    payload: bytes | None

    @property
    def lost(self) -> bool:
        return self.payload is None


@dataclass(slots=True)
class JitterStats:
    received: int = 0
    duplicates: int = 0
    late: int = 0
    lost: int = 0
    resyncs: int = 0


class JitterBuffer:
    """Reorders RTP packets of one stream; see the module docstring."""

    def __init__(self, depth: int = 5, capacity: int = 50, samples_per_frame: int = 160) -> None:
        if not 1 <= depth <= capacity:
            raise ValueError(f"jitter buffer depth {depth} must be in 1..capacity ({capacity})")
        self.depth = depth
        self.capacity = capacity
        self.samples_per_frame = samples_per_frame
        self.stats = JitterStats()
        self._packets: dict[int, RtpPacket] = {}
        self._next: int | None = None  # sequence number of the next frame to give out
        self._next_timestamp = 0
        self._highest = 0

    def __len__(self) -> int:
        return len(self._packets)

    def push(self, packet: RtpPacket) -> list[JitterFrame]:
        """Take a packet; return the frames that are now ready, in order."""
        seq = packet.sequence_number
        if self._next is None:
            self._start(packet)
        delta = seq_diff(seq, self._next if self._next is not None else seq)
        if delta < -MAX_MISORDER or delta > MAX_DROPOUT:
            # The sender restarted its numbering: give out what we hold, then follow it.
            frames = self.flush()
            self.stats.resyncs += 1
            self._start(packet)
            return frames + self.push(packet)
        if delta < 0:
            self.stats.late += 1
            return []
        if seq in self._packets:
            self.stats.duplicates += 1
            return []
        self.stats.received += 1
        self._packets[seq] = packet
        if seq_diff(seq, self._highest) > 0:
            self._highest = seq
        return self._ready(force=False)

    def flush(self) -> list[JitterFrame]:
        """Everything still held, in order, with the gaps filled; the buffer is then empty."""
        return self._ready(force=True)

    def _start(self, packet: RtpPacket) -> None:
        self._packets.clear()
        self._next = packet.sequence_number
        self._next_timestamp = packet.timestamp
        self._highest = packet.sequence_number

    def _ready(self, force: bool) -> list[JitterFrame]:
        frames: list[JitterFrame] = []
        packets = self._packets
        while packets and self._next is not None:
            seq = self._next
            packet = packets.pop(seq, None)
            if packet is None:
                waiting = seq_diff(self._highest, seq)
                if not force and waiting < self.depth and len(packets) < self.capacity:
                    break
                self.stats.lost += 1
                frames.append(JitterFrame(seq, self._next_timestamp, None))
                self._next_timestamp = (self._next_timestamp + self.samples_per_frame) & 0xFFFFFFFF
            else:
                frames.append(JitterFrame(seq, packet.timestamp, packet.payload))
                self._next_timestamp = (packet.timestamp + self.samples_per_frame) & 0xFFFFFFFF
            self._next = seq_add(seq, 1)
        return frames


class PcmAssembler:
    """Linear PCM from frames in order, with silence wherever audio is missing.

    Gaps are measured on RTP timestamps, so a lost packet and a sender that paused (DTX)
    both become the right length of silence, at most `max_gap_samples` per gap.
    """

    def __init__(self, decode: Callable[[bytes], bytes], max_gap_samples: int = 8000) -> None:
        self.decode = decode
        self.max_gap_samples = max_gap_samples
        self._expected: int | None = None  # timestamp of the sample after the last one written

    def add(self, frames: list[JitterFrame]) -> bytes:
        out = bytearray()
        for frame in frames:
            if frame.payload is None:
                continue  # the gap before the next frame that came fills it
            if self._expected is not None:
                gap = timestamp_diff(frame.timestamp, self._expected)
                if gap > 0:
                    out += bytes(2 * min(gap, self.max_gap_samples))
            pcm = self.decode(frame.payload)
            out += pcm
            self._expected = (frame.timestamp + len(pcm) // 2) & 0xFFFFFFFF
        return bytes(out)
