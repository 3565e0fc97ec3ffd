"""RTP packets: round trip, the fields, the errors, and sequence arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaxel.media.rtp import (
    RtpExtension,
    RtpPacket,
    is_rtcp,
    pack_rtp,
    seq_add,
    seq_diff,
    timestamp_diff,
)


def test_plain_packet_round_trip() -> None:
    packet = RtpPacket(0, 65535, 4_000_000_000, 0xDEADBEEF, b"\xff" * 160, marker=True)
    data = packet.serialize()
    assert len(data) == 12 + 160
    assert data[:2] == b"\x80\x80"
    assert RtpPacket.parse(data) == packet
    assert pack_rtp(0, 65535, 4_000_000_000, 0xDEADBEEF, b"\xff" * 160, True) == data


def test_everything_round_trip() -> None:
    packet = RtpPacket(
        payload_type=101,
        sequence_number=7,
        timestamp=160,
        ssrc=1,
        payload=b"\x01\x8a\x00\xa0",
        csrc=(2, 3),
        extension=RtpExtension(0xBEDE, b"\x10\xff\x00\x00"),
        padding=4,
    )
    data = packet.serialize()
    assert len(data) == 12 + 8 + 4 + 4 + 4 + 4
    assert RtpPacket.parse(data) == packet


@given(
    pt=st.integers(0, 127),
    seq=st.integers(0, 65535),
    ts=st.integers(0, 2**32 - 1),
    ssrc=st.integers(0, 2**32 - 1),
    payload=st.binary(max_size=200),
    marker=st.booleans(),
    csrc=st.lists(st.integers(0, 2**32 - 1), max_size=15).map(tuple),
    padding=st.integers(0, 255),
)
def test_any_packet_round_trips(pt, seq, ts, ssrc, payload, marker, csrc, padding) -> None:
    packet = RtpPacket(pt, seq, ts, ssrc, payload, marker, csrc, None, padding)
    assert RtpPacket.parse(packet.serialize()) == packet


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80\x00\x00", "3 bytes, shorter than the 12-byte header"),
        (b"\x40" + bytes(11), "RTP version is 1, expected 2"),
        (b"\x83" + bytes(11) + bytes(8), "too short for its 3 CSRCs"),
        (b"\x90" + bytes(11), "too short for its header extension"),
        (b"\x90" + bytes(11) + b"\xbe\xde\x00\x02" + bytes(4), "2 words runs past the end"),
        (b"\xa0" + bytes(11) + b"\x01\x00", "padding count is 0"),
        (b"\xa0" + bytes(11) + b"\x01\x09", "padding of 9 bytes is longer than the 2 bytes left"),
    ],
)
def test_bad_packets_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RtpPacket.parse(data)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"payload_type": 128}, "payload type 128"),
        ({"sequence_number": 65536}, "sequence number 65536"),
        ({"timestamp": -1}, "timestamp -1"),
        ({"csrc": tuple(range(16))}, "at most 15 CSRCs"),
    ],
)
def test_fields_are_checked(kwargs: dict, message: str) -> None:
    fields = {"payload_type": 0, "sequence_number": 0, "timestamp": 0, "ssrc": 0} | kwargs
    with pytest.raises(ValueError, match=message):
        RtpPacket(**fields)


def test_sequence_wrap_around() -> None:
    assert seq_diff(0, 65535) == 1
    assert seq_diff(65535, 0) == -1
    assert seq_diff(10, 65530) == 16
    assert seq_diff(5, 5) == 0
    assert seq_diff(32767, 0) == 32767
    assert seq_diff(32768, 0) == -32768
    assert seq_add(65535, 1) == 0
    assert seq_add(0, -1) == 65535
    assert timestamp_diff(100, 2**32 - 60) == 160


def test_rtcp_is_told_from_rtp() -> None:
    assert is_rtcp(b"\x80\xc8\x00\x06")  # SR
    assert not is_rtcp(pack_rtp(0, 1, 2, 3, b""))
    assert not is_rtcp(pack_rtp(0, 1, 2, 3, b"", marker=True))  # marker + PT 0 is 0x80
