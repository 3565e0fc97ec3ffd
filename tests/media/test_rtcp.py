"""RTCP: compound packets in and out, and reception statistics."""

from __future__ import annotations

import pytest

from vaxel.media.rtcp import (
    ReportBlock,
    RtcpBye,
    RtcpReceiverReport,
    RtcpSenderReport,
    RtcpSourceDescription,
    RtcpStats,
    RtcpUnknown,
    ntp_middle,
    ntp_timestamp,
    parse_compound,
    serialize_compound,
)


def test_compound_round_trip() -> None:
    block = ReportBlock(
        0x1111,
        fraction_lost=25,
        packets_lost=-3,
        highest_sequence=70_000,
        jitter=12,
        lsr=0xABCD1234,
        dlsr=65536,
    )
    packets = [
        RtcpSenderReport(0x2222, ntp_timestamp(1_700_000_000.5), 160_000, 500, 80_000, (block,)),
        RtcpSourceDescription.cname(0x2222, "vaxel@example"),
        RtcpBye((0x2222, 0x3333), "hung up"),
    ]
    data = serialize_compound(packets)
    assert len(data) % 4 == 0
    assert parse_compound(data) == packets
    assert parse_compound(data)[1].chunks[0].cname == "vaxel@example"


def test_receiver_report_and_unknown_types_round_trip() -> None:
    packets = [
        RtcpReceiverReport(5, (ReportBlock(6), ReportBlock(7, packets_lost=100))),
        RtcpUnknown(204, 1, b"\x00\x00\x00\x05name"),  # APP
    ]
    assert parse_compound(serialize_compound(packets)) == packets


def test_a_compound_from_another_stack() -> None:
    # An RR with no blocks and an SDES whose CNAME is 5 bytes, as a softphone sends it.
    data = bytes.fromhex("80c90001 0000abcd 81ca0003 0000abcd 0105 6361726c61 00".replace(" ", ""))
    rr, sdes = parse_compound(data)
    assert rr == RtcpReceiverReport(0xABCD, ())
    assert sdes.chunks[0].cname == "carla"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80\xc8", "shorter than one 4-byte header"),
        (b"\x40\xc9\x00\x01" + bytes(4), "packet 0 has version 1"),
        (b"\x80\xc9\x00\x05" + bytes(4), "claims 24 bytes but only 8 are left"),
        (b"\x81\xc9\x00\x01" + bytes(4), "RR is too short for its 1 report blocks"),
        (
            b"\x80\xc9\x00\x01" + bytes(4) + b"\x81\xca\x00\x01" + b"\x00\x00\x00\x01",
            "packet 1: RTCP SDES chunk 0 has no terminating null item",
        ),
        (b"\xa0\xc9\x00\x01" + bytes(4), "invalid padding count 0"),
    ],
)
def test_bad_compounds_name_the_packet(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_compound(data)


def test_ntp_middle() -> None:
    ntp = ntp_timestamp(0.5)  # 1970-01-01 00:00:00.5 UTC
    assert ntp >> 32 == 2_208_988_800
    assert ntp & 0xFFFFFFFF == 1 << 31
    assert ntp_middle(ntp) == ((2_208_988_800 & 0xFFFF) << 16) | 0x8000


def test_stats_count_loss_across_a_wrap() -> None:
    stats = RtcpStats()
    seqs = [65530 + i for i in range(6)] + list(range(0, 10))
    del seqs[8]  # lose sequence number 2
    for i, seq in enumerate(seqs):
        stats.update(seq, 160 * i, 0.02 * i, 160)
    assert stats.packets == 15
    assert stats.octets == 15 * 160
    assert stats.expected == 16
    assert stats.lost == 1
    assert stats.extended_highest_sequence == (1 << 16) + 9
    block = stats.report_block(ssrc=9, now=1.0)
    assert block.packets_lost == 1
    assert block.fraction_lost == 256 // 16
    assert block.highest_sequence == (1 << 16) + 9
    assert stats.report_block(ssrc=9, now=2.0).fraction_lost == 0  # nothing lost since


def test_stats_jitter_follows_rfc3550_a8() -> None:
    stats = RtcpStats(clock_rate=8000)
    for i in range(200):
        stats.update(i, 160 * i, 0.02 * i, 160)
    assert stats.jitter == pytest.approx(0.0, abs=1e-6)
    # every other packet 5 ms late: transit alternates by 40 timestamp units
    stats = RtcpStats(clock_rate=8000)
    for i in range(500):
        stats.update(i, 160 * i, 0.02 * i + (0.005 if i % 2 else 0.0), 160)
    assert stats.jitter == pytest.approx(40.0, rel=0.01)


def test_stats_restart_after_a_jump_only_when_confirmed() -> None:
    stats = RtcpStats()
    for i in range(10):
        stats.update(100 + i, 0, 0.0, 1)
    assert not stats.update(40_000, 0, 0.0, 1)  # a stray packet is not believed
    assert stats.update(40_001, 0, 0.0, 1)  # the next in line confirms a new stream
    assert stats.packets == 1
    assert stats.lost == 0


def test_report_block_carries_lsr_and_dlsr() -> None:
    stats = RtcpStats()
    stats.update(1, 0, 0.0, 160)
    ntp = ntp_timestamp(1_700_000_000.0)
    stats.note_sender_report(ntp, arrival=10.0)
    block = stats.report_block(ssrc=1, now=10.5)
    assert block.lsr == ntp_middle(ntp)
    assert block.dlsr == 32768
