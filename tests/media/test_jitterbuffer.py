"""The jitter buffer: order, duplicates, late packets, gaps filled, restarts."""

from __future__ import annotations

import pytest

from vaxel.media.g711 import PCMU
from vaxel.media.jitterbuffer import JitterBuffer, PcmAssembler
from vaxel.media.rtp import RtpPacket, seq_add


def packet(seq: int, base: int = 65530) -> RtpPacket:
    n = (seq - base) & 0xFFFF
    return RtpPacket(0, seq, 1000 + 160 * n, 1, bytes([n & 0xFF]) * 160)


def feed(buffer: JitterBuffer, seqs: list[int]) -> list[tuple[int, bool]]:
    out = []
    for seq in seqs:
        out += [(f.sequence_number, f.lost) for f in buffer.push(packet(seq))]
    return out


def test_reorders_across_the_wrap() -> None:
    buffer = JitterBuffer(depth=4)
    order = [65530, 65532, 65531, 65534, 65533, 0, 65535, 2, 1, 3]
    got = feed(buffer, order) + [(f.sequence_number, f.lost) for f in buffer.flush()]
    assert got == [(seq_add(65530, i), False) for i in range(10)]
    assert buffer.stats.lost == 0


def test_duplicates_and_late_packets_are_dropped() -> None:
    buffer = JitterBuffer(depth=2)
    got = feed(buffer, [10, 12, 12, 11, 13, 11, 10, 14])
    got += [(f.sequence_number, f.lost) for f in buffer.flush()]
    assert got == [(n, False) for n in range(10, 15)]
    assert buffer.stats.duplicates == 1
    assert buffer.stats.late == 2


def test_a_lost_packet_is_given_up_after_depth_and_filled() -> None:
    buffer = JitterBuffer(depth=3)
    got = feed(buffer, [10, 11, 13, 14])
    assert got == [(10, False), (11, False)]  # still waiting for 12
    got = feed(buffer, [15])
    assert got == [(12, True), (13, False), (14, False), (15, False)]
    assert feed(buffer, [12]) == []  # too late now
    assert buffer.stats.lost == 1 and buffer.stats.late == 1


def test_capacity_bounds_what_is_held() -> None:
    buffer = JitterBuffer(depth=50, capacity=50)
    feed(buffer, [0, *range(2, 60)])
    assert len(buffer) <= 50


def test_a_restarted_stream_is_followed() -> None:
    buffer = JitterBuffer(depth=2)
    got = feed(buffer, [100, 101, 40_000, 40_001])
    assert [seq for seq, _ in got] == [100, 101, 40_000, 40_001]
    assert buffer.stats.resyncs == 1


def test_depth_is_checked() -> None:
    with pytest.raises(ValueError, match="depth 0"):
        JitterBuffer(depth=0)


def test_pcm_has_silence_where_packets_were_lost() -> None:
    buffer = JitterBuffer(depth=2)
    assembler = PcmAssembler(PCMU.decode)
    tone = PCMU.encode(b"\x00\x10" * 160)
    pcm = b""
    for seq in (1, 2, 4, 5, 6):  # 3 is lost
        pcm += assembler.add(buffer.push(RtpPacket(0, seq, 160 * seq, 1, tone)))
    pcm += assembler.add(buffer.flush())
    decoded = PCMU.decode(tone)
    assert pcm == decoded * 2 + bytes(320) + decoded * 3


def test_pcm_fills_a_timestamp_jump_without_loss() -> None:
    # A sender that paused (DTX) for 100 ms: no sequence gap, but the timestamps tell.
    assembler = PcmAssembler(PCMU.decode)
    buffer = JitterBuffer(depth=2)
    frames = buffer.push(RtpPacket(0, 1, 0, 1, PCMU.silence()))
    frames += buffer.push(RtpPacket(0, 2, 160 + 800, 1, PCMU.silence()))
    assert len(assembler.add(frames + buffer.flush())) == 2 * (160 + 800 + 160)
