"""RTP packets (RFC 3550 §5.1) and the modular arithmetic of their sequence numbers."""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER_LENGTH = 12

_HEADER = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")


def seq_diff(a: int, b: int) -> int:
    """a − b for 16-bit sequence numbers, in −32768..32767: positive when a is newer than b."""
    return ((a - b + 0x8000) & 0xFFFF) - 0x8000


def seq_add(seq: int, n: int) -> int:
    """The sequence number n steps after seq (n may be negative)."""
    return (seq + n) & 0xFFFF


def timestamp_diff(a: int, b: int) -> int:
    """a − b for 32-bit RTP timestamps, signed like `seq_diff`."""
    return ((a - b + 0x8000_0000) & 0xFFFF_FFFF) - 0x8000_0000


def is_rtcp(data: bytes) -> bool:
    """True when a datagram is RTCP rather than RTP (RFC 5761 §4: packet types 192–223)."""
    return len(data) >= 2 and 192 <= data[1] <= 223


@dataclass(frozen=True, slots=True)
class RtpExtension:
    """A header extension (RFC 3550 §5.3.1): a 16-bit profile word and whole 32-bit words."""

    profile: int
    data: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.profile <= 0xFFFF:
            raise ValueError(f"RTP extension profile {self.profile} does not fit 16 bits")
        if len(self.data) % 4:
            raise ValueError(
                f"RTP extension data must be whole 32-bit words, got {len(self.data)} bytes"
            )


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """One RTP packet. Padding is not kept as bytes: `padding` says how many there are."""

    payload_type: int
    sequence_number: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrc: tuple[int, ...] = ()
    extension: RtpExtension | None = None
    padding: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.payload_type <= 127:
            raise ValueError(f"RTP payload type {self.payload_type} is not in 0..127")
        if not 0 <= self.sequence_number <= 0xFFFF:
            raise ValueError(f"RTP sequence number {self.sequence_number} is not in 0..65535")
        if not 0 <= self.timestamp <= 0xFFFF_FFFF:
            raise ValueError(f"RTP timestamp {self.timestamp} does not fit 32 bits")
        if not 0 <= self.ssrc <= 0xFFFF_FFFF:
            raise ValueError(f"RTP SSRC {self.ssrc} does not fit 32 bits")
        if len(self.csrc) > 15:
            raise ValueError(f"RTP allows at most 15 CSRCs, got {len(self.csrc)}")
        for source in self.csrc:
            if not 0 <= source <= 0xFFFF_FFFF:
                raise ValueError(f"RTP CSRC {source} does not fit 32 bits")
        if not 0 <= self.padding <= 255:
            raise ValueError(f"RTP padding of {self.padding} bytes is not in 0..255")

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Read one RTP packet, or raise ValueError saying which field is wrong."""
        if len(data) < HEADER_LENGTH:
            raise ValueError(
                f"RTP packet is {len(data)} bytes, shorter than the {HEADER_LENGTH}-byte header"
            )
        first, second, sequence_number, timestamp, ssrc = _HEADER.unpack_from(data)
        version = first >> 6
        if version != RTP_VERSION:
            raise ValueError(f"RTP version is {version}, expected {RTP_VERSION}")
        end = len(data)
        padding = 0
        if first & 0x20:
            padding = data[-1]
            if padding == 0:
                raise ValueError("RTP padding bit is set but the padding count is 0")
        offset = HEADER_LENGTH
        csrc_count = first & 0x0F
        if csrc_count:
            csrc_end = offset + 4 * csrc_count
            if csrc_end > end:
                raise ValueError(
                    f"RTP packet of {end} bytes is too short for its {csrc_count} CSRCs"
                )
            csrc = struct.unpack_from(f"!{csrc_count}I", data, offset)
            offset = csrc_end
        else:
            csrc = ()
        extension = None
        if first & 0x10:
            if offset + 4 > end:
                raise ValueError("RTP packet is too short for its header extension")
            profile, words = _EXTENSION_HEADER.unpack_from(data, offset)
            offset += 4
            if offset + 4 * words > end:
                raise ValueError(
                    f"RTP header extension of {words} words runs past the end of the packet"
                )
            extension = RtpExtension(profile, bytes(data[offset : offset + 4 * words]))
            offset += 4 * words
        if offset + padding > end:
            raise ValueError(
                f"RTP padding of {padding} bytes is longer than the {end - offset} bytes left"
            )
        return cls(
            payload_type=second & 0x7F,
            sequence_number=sequence_number,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[offset : end - padding]),
            marker=bool(second & 0x80),
            csrc=tuple(csrc),
            extension=extension,
            padding=padding,
        )

    def serialize(self) -> bytes:
        """The packet as bytes on the wire."""
        first = (
            (RTP_VERSION << 6)
            | (0x20 if self.padding else 0)
            | (0x10 if self.extension is not None else 0)
            | len(self.csrc)
        )
        second = (0x80 if self.marker else 0) | self.payload_type
        parts = [_HEADER.pack(first, second, self.sequence_number, self.timestamp, self.ssrc)]
        if self.csrc:
            parts.append(struct.pack(f"!{len(self.csrc)}I", *self.csrc))
        if self.extension is not None:
            ext = self.extension
            parts.append(_EXTENSION_HEADER.pack(ext.profile, len(ext.data) // 4))
            parts.append(ext.data)
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes([self.padding]))
        return b"".join(parts)


def pack_rtp(
    payload_type: int,
    sequence_number: int,
    timestamp: int,
    ssrc: int,
    payload: bytes,
    marker: bool = False,
) -> bytes:
    """A plain RTP packet (no CSRC, extension or padding) without building an `RtpPacket`.

    This is the send path of every media stream, 50 times a second each; the fields are
    trusted to be in range, as the session that numbers them keeps them so.
    """
    second = payload_type | 0x80 if marker else payload_type
    return _HEADER.pack(0x80, second, sequence_number, timestamp, ssrc) + payload
