"""DTMF as RFC 4733 telephone-events: the 4-byte payload, a receiver and a sender."""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

from vaxel.media.rtp import RtpPacket, seq_add, timestamp_diff

DIGITS = "0123456789*#ABCD"
END_PACKETS = 3  # RFC 4733 §2.5.1.4: the final packet is sent three times

_EVENT = struct.Struct("!BBH")


def digit_to_event(digit: str) -> int:
    """The event code of a DTMF digit (0–9, *, #, A–D), or ValueError."""
    index = DIGITS.find(digit.upper()) if len(digit) == 1 else -1
    if index < 0:
        raise ValueError(f"{digit!r} is not a DTMF digit (one of {DIGITS})")
    return index


def event_to_digit(event: int) -> str | None:
    """The DTMF digit of an event code, or None for other events (flash, tones …)."""
    return DIGITS[event] if 0 <= event < len(DIGITS) else None


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """The payload of one telephone-event packet (RFC 4733 §2.3)."""

    event: int
    end: bool = False
    volume: int = 10  # dBm0 below zero, 0..63
    duration: int = 0  # timestamp units since the event's start

    def __post_init__(self) -> None:
        if not 0 <= self.event <= 255:
            raise ValueError(f"telephone-event code {self.event} is not in 0..255")
        if not 0 <= self.volume <= 63:
            raise ValueError(f"telephone-event volume {self.volume} is not in 0..63")
        if not 0 <= self.duration <= 0xFFFF:
            raise ValueError(f"telephone-event duration {self.duration} is not in 0..65535")

    @property
    def digit(self) -> str | None:
        return event_to_digit(self.event)

    @classmethod
    def parse(cls, data: bytes) -> TelephoneEvent:
        """Read the first event of a payload, or ValueError if it is shorter than 4 bytes."""
        if len(data) < 4:
            raise ValueError(f"telephone-event payload is {len(data)} bytes, expected 4")
        event, flags, duration = _EVENT.unpack_from(data)
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    def serialize(self) -> bytes:
        return _EVENT.pack(self.event, (0x80 if self.end else 0) | self.volume, self.duration)


class DtmfReceiver:
    """Turns telephone-event packets into digits, one per key press.

    An event is known by its RTP timestamp; its packets (start, updates, three end packets)
    all carry it. The digit is given at the first packet of an event that arrives, so that a
    key press interrupts a prompt at once and a lost start or end packet loses nothing;
    later packets with that timestamp, retransmitted end packets included, are ignored.
    """

    def __init__(self, remember: int = 16) -> None:
        self._seen: deque[int] = deque(maxlen=remember)
        self._current: tuple[int, int, bool, int] | None = None  # timestamp, event, ended, duration

    def feed(self, packet: RtpPacket) -> str | None:
        """The digit that this packet starts, or None. Raises ValueError on a bad payload."""
        event = TelephoneEvent.parse(packet.payload)
        timestamp = packet.timestamp
        if timestamp in self._seen:
            if self._current is not None and self._current[0] == timestamp:
                _, code, ended, duration = self._current
                self._current = (timestamp, code, ended or event.end, max(duration, event.duration))
            return None
        if self._continues_current(event, packet):
            return None
        self._seen.append(timestamp)
        self._current = (timestamp, event.event, event.end, event.duration)
        return event.digit

    def _continues_current(self, event: TelephoneEvent, packet: RtpPacket) -> bool:
        # RFC 4733 §2.5.1.3: an event longer than a 16-bit duration goes on in a new segment
        # with a later timestamp and no marker; that is the same key press, not a new one.
        if self._current is None or packet.marker:
            return False
        timestamp, code, ended, duration = self._current
        if ended or code != event.event:
            return False
        gap = timestamp_diff(packet.timestamp, timestamp)
        if duration <= gap <= 0xFFFF + 1000:
            self._seen.append(packet.timestamp)
            self._current = (packet.timestamp, code, event.end, event.duration)
            return True
        return False


class DtmfSender:
    """The packets of one key press: a start with the marker bit, an update every packet
    time with the duration so far, and the end packet three times (RFC 4733 §2.5.1)."""

    def __init__(
        self, payload_type: int = 101, clock_rate: int = 8000, ptime_ms: int = 20, volume: int = 10
    ) -> None:
        self.payload_type = payload_type
        self.step = clock_rate * ptime_ms // 1000
        self.clock_rate = clock_rate
        self.volume = volume

    def packets(
        self,
        digit: str,
        *,
        ssrc: int,
        sequence_number: int,
        timestamp: int,
        duration_ms: int = 100,
    ) -> list[RtpPacket]:
        """Packets to send one packet time apart; they use consecutive sequence numbers."""
        event = digit_to_event(digit)
        total = max(1, duration_ms * self.clock_rate // 1000)
        if total > 0xFFFF:
            raise ValueError(f"DTMF duration {duration_ms} ms is longer than one event segment")
        durations = list(range(self.step, total, self.step))
        payloads = [TelephoneEvent(event, False, self.volume, d) for d in durations]
        payloads += [TelephoneEvent(event, True, self.volume, total)] * END_PACKETS
        return [
            RtpPacket(
                payload_type=self.payload_type,
                sequence_number=seq_add(sequence_number, i),
                timestamp=timestamp,
                ssrc=ssrc,
                payload=payload.serialize(),
                marker=i == 0,
            )
            for i, payload in enumerate(payloads)
        ]
