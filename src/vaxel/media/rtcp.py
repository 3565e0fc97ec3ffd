"""RTCP (RFC 3550 §6): SR, RR, SDES, BYE and compound packets, and reception statistics."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vaxel.media.rtp import seq_diff

RTCP_SR = 200
RTCP_RR = 201
RTCP_SDES = 202
RTCP_BYE = 203
RTCP_APP = 204

SDES_CNAME = 1

_COMMON = struct.Struct("!BBH")
_SENDER_INFO = struct.Struct("!IQIII")
_REPORT_BLOCK = struct.Struct("!IIIIII")
_NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)


def ntp_timestamp(unix_time: float) -> int:
    """The 64-bit NTP timestamp (32.32 fixed point since 1900) of a Unix time."""
    return int((unix_time + _NTP_EPOCH_OFFSET) * (1 << 32)) & 0xFFFF_FFFF_FFFF_FFFF


def ntp_middle(ntp: int) -> int:
    """The middle 32 bits of an NTP timestamp, the form LSR and DLSR use."""
    return (ntp >> 16) & 0xFFFF_FFFF


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """Reception report about one source (RFC 3550 §6.4.1)."""

    ssrc: int
    fraction_lost: int = 0  # lost since the last report, in 1/256
    packets_lost: int = 0  # cumulative, signed 24 bits (duplicates can make it negative)
    highest_sequence: int = 0  # extended: cycles << 16 | highest sequence number
    jitter: int = 0  # timestamp units
    lsr: int = 0  # middle 32 bits of the last SR's NTP timestamp
    dlsr: int = 0  # delay since that SR, in 1/65536 s

    def __post_init__(self) -> None:
        if not 0 <= self.fraction_lost <= 255:
            raise ValueError(f"RTCP fraction lost {self.fraction_lost} is not in 0..255")
        if not -(1 << 23) <= self.packets_lost < (1 << 23):
            raise ValueError(f"RTCP cumulative loss {self.packets_lost} does not fit 24 bits")

    @classmethod
    def parse(cls, data: bytes, offset: int = 0) -> ReportBlock:
        ssrc, lost_word, highest, jitter, lsr, dlsr = _REPORT_BLOCK.unpack_from(data, offset)
        lost = lost_word & 0xFFFFFF
        if lost & 0x800000:
            lost -= 1 << 24
        return cls(ssrc, lost_word >> 24, lost, highest, jitter, lsr, dlsr)

    def serialize(self) -> bytes:
        lost_word = (self.fraction_lost << 24) | (self.packets_lost & 0xFFFFFF)
        return _REPORT_BLOCK.pack(
            self.ssrc, lost_word, self.highest_sequence, self.jitter, self.lsr, self.dlsr
        )


def _parse_blocks(body: bytes, offset: int, count: int, kind: str) -> tuple[ReportBlock, ...]:
    if offset + 24 * count > len(body):
        raise ValueError(f"RTCP {kind} is too short for its {count} report blocks")
    return tuple(ReportBlock.parse(body, offset + 24 * i) for i in range(count))


@dataclass(frozen=True, slots=True)
class RtcpSenderReport:
    """SR: what a sender sent, and how it receives others."""

    ssrc: int
    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()

    packet_type = RTCP_SR

    @classmethod
    def parse(cls, count: int, body: bytes) -> RtcpSenderReport:
        if len(body) < _SENDER_INFO.size:
            raise ValueError(f"RTCP SR body is {len(body)} bytes, shorter than its 24-byte info")
        ssrc, ntp, rtp_ts, packets, octets = _SENDER_INFO.unpack_from(body)
        reports = _parse_blocks(body, _SENDER_INFO.size, count, "SR")
        return cls(ssrc, ntp, rtp_ts, packets, octets, reports)

    def count(self) -> int:
        return len(self.reports)

    def body(self) -> bytes:
        info = _SENDER_INFO.pack(
            self.ssrc, self.ntp_timestamp, self.rtp_timestamp, self.packet_count, self.octet_count
        )
        return info + b"".join(block.serialize() for block in self.reports)


@dataclass(frozen=True, slots=True)
class RtcpReceiverReport:
    """RR: how a participant that sends nothing receives others."""

    ssrc: int
    reports: tuple[ReportBlock, ...] = ()

    packet_type = RTCP_RR

    @classmethod
    def parse(cls, count: int, body: bytes) -> RtcpReceiverReport:
        if len(body) < 4:
            raise ValueError("RTCP RR body is too short for its SSRC")
        (ssrc,) = struct.unpack_from("!I", body)
        return cls(ssrc, _parse_blocks(body, 4, count, "RR"))

    def count(self) -> int:
        return len(self.reports)

    def body(self) -> bytes:
        return struct.pack("!I", self.ssrc) + b"".join(b.serialize() for b in self.reports)


@dataclass(frozen=True, slots=True)
class SdesChunk:
    """The items one source describes itself with: (item type, text) pairs."""

    ssrc: int
    items: tuple[tuple[int, bytes], ...] = ()

    @property
    def cname(self) -> str | None:
        for kind, value in self.items:
            if kind == SDES_CNAME:
                return value.decode("utf-8", errors="replace")
        return None


@dataclass(frozen=True, slots=True)
class RtcpSourceDescription:
    """SDES: at least a CNAME per source, so a receiver can tie RTP streams to one endpoint."""

    chunks: tuple[SdesChunk, ...]

    packet_type = RTCP_SDES

    @classmethod
    def cname(cls, ssrc: int, cname: str) -> RtcpSourceDescription:
        return cls((SdesChunk(ssrc, ((SDES_CNAME, cname.encode("utf-8")),)),))

    @classmethod
    def parse(cls, count: int, body: bytes) -> RtcpSourceDescription:
        chunks: list[SdesChunk] = []
        offset = 0
        for index in range(count):
            if offset + 4 > len(body):
                raise ValueError(f"RTCP SDES chunk {index} is missing (body of {len(body)} bytes)")
            (ssrc,) = struct.unpack_from("!I", body, offset)
            offset += 4
            items: list[tuple[int, bytes]] = []
            while True:
                if offset >= len(body):
                    raise ValueError(f"RTCP SDES chunk {index} has no terminating null item")
                kind = body[offset]
                if kind == 0:  # end of list, then padding to the next 32-bit boundary
                    offset = (offset + 4) & ~3
                    break
                if offset + 2 > len(body):
                    raise ValueError(f"RTCP SDES item {kind} in chunk {index} has no length")
                length = body[offset + 1]
                if offset + 2 + length > len(body):
                    raise ValueError(f"RTCP SDES item {kind} in chunk {index} runs past the end")
                items.append((kind, bytes(body[offset + 2 : offset + 2 + length])))
                offset += 2 + length
            chunks.append(SdesChunk(ssrc, tuple(items)))
        return cls(tuple(chunks))

    def count(self) -> int:
        return len(self.chunks)

    def body(self) -> bytes:
        out = bytearray()
        for chunk in self.chunks:
            out += struct.pack("!I", chunk.ssrc)
            for kind, value in chunk.items:
                if len(value) > 255:
                    raise ValueError(f"RTCP SDES item {kind} is {len(value)} bytes, over 255")
                out += bytes([kind, len(value)]) + value
            out += bytes(4 - len(out) % 4)  # null item and padding: at least one zero byte
        return bytes(out)


@dataclass(frozen=True, slots=True)
class RtcpBye:
    """BYE: these sources are leaving, with an optional reason."""

    sources: tuple[int, ...]
    reason: str = ""

    packet_type = RTCP_BYE

    @classmethod
    def parse(cls, count: int, body: bytes) -> RtcpBye:
        if 4 * count > len(body):
            raise ValueError(f"RTCP BYE is too short for its {count} sources")
        sources = struct.unpack_from(f"!{count}I", body)
        offset = 4 * count
        reason = ""
        if offset < len(body):
            length = body[offset]
            if offset + 1 + length > len(body):
                raise ValueError("RTCP BYE reason runs past the end of the packet")
            reason = body[offset + 1 : offset + 1 + length].decode("utf-8", errors="replace")
        return cls(tuple(sources), reason)

    def count(self) -> int:
        return len(self.sources)

    def body(self) -> bytes:
        out = b"".join(struct.pack("!I", s) for s in self.sources)
        if self.reason:
            text = self.reason.encode("utf-8")[:255]
            out += bytes([len(text)]) + text
            out += bytes(-len(out) % 4)
        return out


@dataclass(frozen=True, slots=True)
class RtcpUnknown:
    """Any other RTCP packet (APP, feedback, XR …), kept as it came so it can be passed on."""

    packet_type: int
    subtype: int
    payload: bytes = field(default=b"")

    def count(self) -> int:
        return self.subtype

    def body(self) -> bytes:
        return self.payload


RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpBye | RtcpUnknown

_PARSERS: dict[int, Callable[[int, bytes], RtcpPacket]] = {
    RTCP_SR: RtcpSenderReport.parse,
    RTCP_RR: RtcpReceiverReport.parse,
    RTCP_SDES: RtcpSourceDescription.parse,
    RTCP_BYE: RtcpBye.parse,
}


def parse_compound(data: bytes) -> list[RtcpPacket]:
    """The packets of a compound RTCP datagram, or ValueError naming the one that is wrong."""
    if len(data) < 4:
        raise ValueError(f"RTCP datagram is {len(data)} bytes, shorter than one 4-byte header")
    packets: list[RtcpPacket] = []
    offset = 0
    while offset < len(data):
        index = len(packets)
        if offset + 4 > len(data):
            raise ValueError(f"RTCP packet {index} has only {len(data) - offset} bytes of header")
        first, packet_type, words = _COMMON.unpack_from(data, offset)
        if first >> 6 != 2:
            raise ValueError(f"RTCP packet {index} has version {first >> 6}, expected 2")
        end = offset + 4 * (words + 1)
        if end > len(data):
            raise ValueError(
                f"RTCP packet {index} (type {packet_type}) claims {4 * (words + 1)} bytes "
                f"but only {len(data) - offset} are left"
            )
        body_end = end
        if first & 0x20:
            padding = data[end - 1]
            if padding == 0 or offset + 4 + padding > end:
                raise ValueError(f"RTCP packet {index} has an invalid padding count {padding}")
            body_end -= padding
        body = bytes(data[offset + 4 : body_end])
        count = first & 0x1F
        parser = _PARSERS.get(packet_type)
        try:
            packets.append(parser(count, body) if parser else RtcpUnknown(packet_type, count, body))
        except ValueError as exc:
            raise ValueError(f"RTCP packet {index}: {exc}") from None
        offset = end
    return packets


def serialize_packet(packet: RtcpPacket) -> bytes:
    """One RTCP packet with its common header."""
    body = packet.body()
    if len(body) % 4:
        raise ValueError(f"RTCP packet type {packet.packet_type} body is not 32-bit aligned")
    count = packet.count()
    if count > 31:
        raise ValueError(f"RTCP packet type {packet.packet_type} has {count} items, over 31")
    return _COMMON.pack(0x80 | count, packet.packet_type, len(body) // 4) + body


def serialize_compound(packets: Iterable[RtcpPacket]) -> bytes:
    """A compound RTCP datagram."""
    return b"".join(serialize_packet(p) for p in packets)


# RFC 3550 Appendix A.1: how far a sequence number may jump before it is taken as a restart.
MAX_DROPOUT = 3000
MAX_MISORDER = 100


class RtcpStats:
    """Reception statistics for one source, fed by each RTP packet received from it.

    Sequence accounting follows RFC 3550 A.1 (without the probation of new sources), loss
    A.3 and interarrival jitter A.8. Arrival times are seconds from any monotonic clock.
    """

    def __init__(self, clock_rate: int = 8000) -> None:
        self.clock_rate = clock_rate
        self.packets = 0
        self.octets = 0
        self.jitter = 0.0  # timestamp units
        self._started = False
        self._base_seq = 0
        self._max_seq = 0
        self._cycles = 0
        self._bad_seq: int | None = None
        self._transit: float | None = None
        self._expected_prior = 0
        self._received_prior = 0
        self._last_sr: int = 0
        self._last_sr_arrival: float | None = None

    def _restart(self, sequence_number: int) -> None:
        self._started = True
        self._base_seq = sequence_number
        self._max_seq = sequence_number
        self._cycles = 0
        self._bad_seq = None
        self.packets = 0
        self._expected_prior = 0
        self._received_prior = 0

    def update(self, sequence_number: int, timestamp: int, arrival: float, octets: int) -> bool:
        """Count a received packet; False when it was not counted (a jump not yet confirmed)."""
        if not self._started:
            self._restart(sequence_number)
        else:
            delta = seq_diff(sequence_number, self._max_seq)
            if 0 < delta < MAX_DROPOUT:
                if sequence_number < self._max_seq:
                    self._cycles += 1 << 16
                self._max_seq = sequence_number
            elif delta >= MAX_DROPOUT or delta < -MAX_MISORDER:
                # A big jump: the sender restarted, or a stray packet. Believe it on the second.
                if sequence_number != self._bad_seq:
                    self._bad_seq = (sequence_number + 1) & 0xFFFF
                    return False
                self._restart(sequence_number)
                self._transit = None
            # otherwise a duplicate or a packet out of order: counted, max unchanged
        self.packets += 1
        self.octets += octets
        transit = arrival * self.clock_rate - timestamp
        if self._transit is not None:
            d = abs(transit - self._transit)
            self.jitter += (d - self.jitter) / 16
        self._transit = transit
        return True

    @property
    def extended_highest_sequence(self) -> int:
        return self._cycles + self._max_seq

    @property
    def expected(self) -> int:
        return self.extended_highest_sequence - self._base_seq + 1 if self._started else 0

    @property
    def lost(self) -> int:
        """Cumulative packets lost: expected minus received (negative with duplicates)."""
        return self.expected - self.packets

    def note_sender_report(self, ntp: int, arrival: float) -> None:
        """Remember the sender's last SR, for the LSR and DLSR of our next report block."""
        self._last_sr = ntp_middle(ntp)
        self._last_sr_arrival = arrival

    def report_block(self, ssrc: int, now: float) -> ReportBlock:
        """A report block about this source; starts a new interval for `fraction_lost`."""
        expected, received = self.expected, self.packets
        expected_interval = expected - self._expected_prior
        lost_interval = expected_interval - (received - self._received_prior)
        self._expected_prior, self._received_prior = expected, received
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            fraction = min(255, (lost_interval << 8) // expected_interval)
        lost = max(-(1 << 23), min((1 << 23) - 1, self.lost))
        dlsr = 0
        if self._last_sr_arrival is not None:
            dlsr = int((now - self._last_sr_arrival) * 65536) & 0xFFFF_FFFF
        return ReportBlock(
            ssrc=ssrc,
            fraction_lost=fraction,
            packets_lost=lost,
            highest_sequence=self.extended_highest_sequence & 0xFFFF_FFFF,
            jitter=int(self.jitter),
            lsr=self._last_sr,
            dlsr=dlsr,
        )
