"""RFC 4733 DTMF: the payload, the sender's packet train, the receiver's one digit per press."""

from __future__ import annotations

import pytest

from vaxel.media.dtmf import DtmfReceiver, DtmfSender, TelephoneEvent, digit_to_event
from vaxel.media.rtp import RtpPacket


def test_payload_round_trip() -> None:
    event = TelephoneEvent(11, end=True, volume=10, duration=800)
    assert event.serialize() == b"\x0b\x8a\x03\x20"
    assert TelephoneEvent.parse(event.serialize()) == event
    assert event.digit == "#"
    assert TelephoneEvent(16).digit is None  # flash


def test_bad_payloads() -> None:
    with pytest.raises(ValueError, match="payload is 3 bytes, expected 4"):
        TelephoneEvent.parse(b"\x01\x02\x03")
    with pytest.raises(ValueError, match="'x' is not a DTMF digit"):
        digit_to_event("x")


def test_sender_makes_start_updates_and_three_ends() -> None:
    packets = DtmfSender(payload_type=101).packets(
        "5", ssrc=7, sequence_number=65534, timestamp=8000, duration_ms=100
    )
    events = [TelephoneEvent.parse(p.payload) for p in packets]
    assert [p.sequence_number for p in packets] == [65534, 65535, 0, 1, 2, 3, 4]
    assert {p.timestamp for p in packets} == {8000}
    assert [p.marker for p in packets] == [True] + [False] * 6
    assert [e.duration for e in events] == [160, 320, 480, 640, 800, 800, 800]
    assert [e.end for e in events] == [False] * 4 + [True] * 3
    assert {e.event for e in events} == {5}


def press(sender: DtmfSender, digits: str, seq: int = 100, ts: int = 0) -> list[RtpPacket]:
    out = []
    for digit in digits:
        packets = sender.packets(digit, ssrc=1, sequence_number=seq, timestamp=ts)
        out += packets
        seq += len(packets)
        ts += 800 + 400  # the press, then 50 ms before the next
    return out


def test_receiver_gives_each_digit_once() -> None:
    receiver = DtmfReceiver()
    packets = press(DtmfSender(), "1234#")
    got = [d for p in packets if (d := receiver.feed(p)) is not None]
    assert got == list("1234#")


def test_receiver_with_duplicated_ends_and_a_lost_update() -> None:
    receiver = DtmfReceiver()
    packets = press(DtmfSender(), "7*7")
    del packets[2]  # one update of the first 7 is lost
    packets = packets + packets[4:7]  # its end packets come again, late
    got = [d for p in packets if (d := receiver.feed(p)) is not None]
    assert got == ["7", "*", "7"]


def test_receiver_with_the_start_lost_and_repeated_digits() -> None:
    receiver = DtmfReceiver()
    packets = press(DtmfSender(), "55")
    del packets[7]  # the start (with the marker) of the second 5
    got = [d for p in packets if (d := receiver.feed(p)) is not None]
    assert got == ["5", "5"]


def test_a_long_press_in_two_segments_is_one_digit() -> None:
    # RFC 4733 §2.5.1.3: past 65535 units the event goes on under a new timestamp.
    receiver = DtmfReceiver()
    first = RtpPacket(101, 1, 1000, 1, TelephoneEvent(3, duration=65535).serialize(), marker=True)
    second = RtpPacket(101, 2, 1000 + 65535, 1, TelephoneEvent(3, duration=160).serialize())
    end = RtpPacket(101, 3, 1000 + 65535, 1, TelephoneEvent(3, True, duration=320).serialize())
    assert [receiver.feed(p) for p in (first, second, end, end)] == ["3", None, None, None]
