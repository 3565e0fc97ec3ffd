"""SDP session descriptions (RFC 8866): parse, inspect, change, write.

Only the lines a telephony offer/answer needs are typed (o, s, c, t, m and the attributes);
every other line is kept as (type, value) and written back in its RFC 8866 place, so that a
description survives a round trip. Offer/answer decisions belong to the media layer; this
module gives it the facts (endpoint, direction, payload types, codecs) and ways to change them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from vaxel.sip.errors import RemoteProtocolError

__all__ = [
    "DIRECTIONS",
    "STATIC_PAYLOAD_TYPES",
    "Connection",
    "MediaDescription",
    "Origin",
    "RtpMap",
    "SessionDescription",
]

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")

# Session-level lines other than v, o, s, c, t, a, m, in the order RFC 8866 §5 writes them.
_SESSION_BEFORE_C = "iuep"
_SESSION_AFTER_C = "b"
_SESSION_AFTER_T = "rzk"
_MEDIA_BEFORE_C = "i"
_MEDIA_AFTER_C = "bk"


def _bad(detail: str) -> RemoteProtocolError:
    return RemoteProtocolError("Bad SDP", detail=detail)


def _digits(text: str) -> bool:
    """Up to 20 ASCII digits (str.isdigit() also accepts "²", which int() refuses)."""
    return len(text) <= 20 and text.isascii() and text.isdigit()


@dataclass(frozen=True)
class RtpMap:
    """An a=rtpmap value: payload type, encoding name, clock rate, channels (if given)."""

    payload_type: int
    encoding: str
    clock_rate: int
    channels: int | None = None

    @classmethod
    def parse(cls, value: str) -> RtpMap:
        pt, _, rest = value.partition(" ")
        parts = rest.strip().split("/")
        if not _digits(pt) or len(parts) not in (2, 3) or not all(_digits(p) for p in parts[1:]):
            raise _bad(f"bad rtpmap {value[:80]!r}")
        channels = int(parts[2]) if len(parts) == 3 else None
        return cls(int(pt), parts[0], int(parts[1]), channels)

    def __str__(self) -> str:
        channels = "" if self.channels is None else f"/{self.channels}"
        return f"{self.payload_type} {self.encoding}/{self.clock_rate}{channels}"


# RFC 3551 static payload types that phones leave without an rtpmap.
STATIC_PAYLOAD_TYPES: dict[int, RtpMap] = {
    0: RtpMap(0, "PCMU", 8000),
    3: RtpMap(3, "GSM", 8000),
    4: RtpMap(4, "G723", 8000),
    8: RtpMap(8, "PCMA", 8000),
    9: RtpMap(9, "G722", 8000),
    13: RtpMap(13, "CN", 8000),
    18: RtpMap(18, "G729", 8000),
}


@dataclass
class Origin:
    """The o= line. sess_version goes up by one with each changed offer."""

    username: str
    sess_id: str
    sess_version: int
    nettype: str
    addrtype: str
    address: str

    @classmethod
    def parse(cls, value: str) -> Origin:
        parts = value.split()
        if len(parts) != 6 or not _digits(parts[1]) or not _digits(parts[2]):
            raise _bad(f"bad o= line {value[:80]!r}")
        return cls(parts[0], parts[1], int(parts[2]), parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return (
            f"{self.username} {self.sess_id} {self.sess_version} "
            f"{self.nettype} {self.addrtype} {self.address}"
        )


@dataclass
class Connection:
    """The c= line: network type, address type (IP4/IP6) and address (maybe with /ttl)."""

    address: str
    addrtype: str = "IP4"
    nettype: str = "IN"

    @classmethod
    def parse(cls, value: str) -> Connection:
        parts = value.split()
        if len(parts) != 3:
            raise _bad(f"bad c= line {value[:80]!r}")
        return cls(parts[2], parts[1], parts[0])

    def __str__(self) -> str:
        return f"{self.nettype} {self.addrtype} {self.address}"

    @property
    def host(self) -> str:
        """The address without a multicast /ttl/count suffix."""
        return self.address.split("/", 1)[0]


Attribute = tuple[str, str | None]


@dataclass
class MediaDescription:
    """One m= section with its c= and a= lines."""

    media: str
    port: int
    proto: str
    formats: list[str]
    port_count: int | None = None
    connection: Connection | None = None
    attributes: list[Attribute] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse_m_line(cls, value: str) -> MediaDescription:
        parts = value.split()
        if len(parts) < 3:
            raise _bad(f"bad m= line {value[:80]!r}")
        port, slash, count = parts[1].partition("/")
        if not _digits(port) or int(port) > 65535 or (slash and not _digits(count)):
            raise _bad(f"bad port in m= line {value[:80]!r}")
        return cls(parts[0], int(port), parts[2], parts[3:], int(count) if slash else None)

    def m_line(self) -> str:
        port = str(self.port) if self.port_count is None else f"{self.port}/{self.port_count}"
        return " ".join([self.media, port, self.proto, *self.formats])

    def attribute(self, name: str) -> str | None:
        """Value of the first a=name ("" for a flag), or None."""
        for key, value in self.attributes:
            if key == name:
                return "" if value is None else value
        return None

    def attributes_named(self, name: str) -> list[str]:
        return [value or "" for key, value in self.attributes if key == name]

    def set_attribute(self, name: str, value: str | None = None) -> None:
        """Replace every a=name by one (appended if there was none)."""
        self.remove_attribute(name)
        self.attributes.append((name, value))

    def remove_attribute(self, name: str) -> None:
        self.attributes = [(k, v) for k, v in self.attributes if k != name]

    @property
    def payload_types(self) -> list[int]:
        """The formats as RTP payload types (for RTP/AVP and its cousins), in offered order."""
        return [int(f) for f in self.formats if _digits(f) and int(f) < 128]

    @property
    def rtpmaps(self) -> dict[int, RtpMap]:
        """Explicit rtpmap lines by payload type."""
        found = {}
        for value in self.attributes_named("rtpmap"):
            rtpmap = RtpMap.parse(value)
            found[rtpmap.payload_type] = rtpmap
        return found

    def codec(self, payload_type: int) -> RtpMap | None:
        """The rtpmap of a payload type, falling back to the RFC 3551 static types."""
        return self.rtpmaps.get(payload_type) or STATIC_PAYLOAD_TYPES.get(payload_type)

    @property
    def fmtp(self) -> dict[int, str]:
        """a=fmtp parameters by payload type ("0-16" for telephone-event)."""
        found = {}
        for value in self.attributes_named("fmtp"):
            pt, _, params = value.partition(" ")
            if _digits(pt):
                found[int(pt)] = params.strip()
        return found

    @property
    def own_direction(self) -> str | None:
        """The direction attribute of this section, or None if it has none."""
        for key, value in self.attributes:
            if value is None and key in DIRECTIONS:
                return key
        return None

    def set_direction(self, direction: str) -> None:
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}")
        self.attributes = [(k, v) for k, v in self.attributes if k not in DIRECTIONS]
        self.attributes.append((direction, None))

    @property
    def ptime(self) -> int | None:
        value = self.attribute("ptime")
        return int(value) if value and _digits(value) else None

    @property
    def rtcp_port(self) -> int | None:
        """The a=rtcp port (RFC 3605), or None when RTCP is on the RTP port + 1."""
        value = self.attribute("rtcp")
        port = value.split()[0] if value else ""
        return int(port) if _digits(port) else None

    def lines(self) -> list[str]:
        out = [f"m={self.m_line()}"]
        out += _others(self.other, _MEDIA_BEFORE_C)
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += _others(self.other, _MEDIA_AFTER_C)
        out += _attribute_lines(self.attributes)
        return out


def _others(other: list[tuple[str, str]], kinds: str) -> list[str]:
    return [f"{kind}={value}" for kind in kinds for k, value in other if k == kind]


def _attribute_lines(attributes: list[Attribute]) -> list[str]:
    return [f"a={k}" if v is None else f"a={k}:{v}" for k, v in attributes]


@dataclass
class SessionDescription:
    """A whole SDP body."""

    origin: Origin
    session_name: str = "-"
    connection: Connection | None = None
    times: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)])
    attributes: list[Attribute] = field(default_factory=list)
    media: list[MediaDescription] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes | str) -> SessionDescription:
        """Parse an SDP body; RemoteProtocolError("Bad SDP") names the line at fault."""
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise _bad("not UTF-8") from None
        lines = [line.rstrip("\r") for line in data.split("\n")]
        lines = [line for line in lines if line.strip()]
        if not lines or lines[0].strip() != "v=0":
            raise _bad("does not start with v=0")
        origin: Origin | None = None
        name = "-"
        current: MediaDescription | None = None
        connection: Connection | None = None
        times: list[tuple[int, int]] = []
        attributes: list[Attribute] = []
        other: list[tuple[str, str]] = []
        media: list[MediaDescription] = []
        for line in lines[1:]:
            kind, eq, value = line.partition("=")
            if len(kind) != 1 or not eq or not kind.isalpha():
                raise _bad(f"bad line {line[:80]!r}")
            if kind == "m":
                current = MediaDescription.parse_m_line(value)
                media.append(current)
            elif kind == "a":
                key, colon, val = value.partition(":")
                attr = (key, val if colon else None)
                (attributes if current is None else current.attributes).append(attr)
            elif kind == "c":
                if current is None:
                    connection = Connection.parse(value)
                else:
                    current.connection = Connection.parse(value)
            elif current is not None:
                current.other.append((kind, value))
            elif kind == "o":
                origin = Origin.parse(value)
            elif kind == "s":
                name = value
            elif kind == "t":
                start, _, stop = value.strip().partition(" ")
                if not _digits(start) or not _digits(stop.strip()):
                    raise _bad(f"bad t= line {value[:80]!r}")
                times.append((int(start), int(stop)))
            elif kind == "v":
                raise _bad("second v= line")
            else:
                other.append((kind, value))
        if origin is None:
            raise _bad("no o= line")
        session = cls(origin, name, connection, times or [(0, 0)], attributes, media, other)
        for section in media:
            if section.connection is None and connection is None and section.port != 0:
                raise _bad(f"no c= line for the {section.media} stream")
        return session

    def __str__(self) -> str:
        out = ["v=0", f"o={self.origin}", f"s={self.session_name}"]
        out += _others(self.other, _SESSION_BEFORE_C)
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += _others(self.other, _SESSION_AFTER_C)
        out += [f"t={start} {stop}" for start, stop in self.times]
        out += _others(self.other, _SESSION_AFTER_T)
        out += _attribute_lines(self.attributes)
        for section in self.media:
            out += section.lines()
        return "\r\n".join(out) + "\r\n"

    def to_bytes(self) -> bytes:
        return str(self).encode("utf-8")

    @classmethod
    def for_audio(
        cls,
        address: str,
        port: int,
        codecs: list[RtpMap],
        *,
        session_id: str,
        version: int = 1,
        direction: str = "sendrecv",
        ptime: int | None = 20,
        fmtp: dict[int, str] | None = None,
        username: str = "vaxel",
    ) -> SessionDescription:
        """A one-stream audio description, as vaxel offers or answers."""
        addrtype = "IP6" if ":" in address else "IP4"
        section = MediaDescription("audio", port, "RTP/AVP", [str(c.payload_type) for c in codecs])
        for codec in codecs:
            section.attributes.append(("rtpmap", str(codec)))
            if fmtp and codec.payload_type in fmtp:
                section.attributes.append(
                    ("fmtp", f"{codec.payload_type} {fmtp[codec.payload_type]}")
                )
        if ptime is not None:
            section.attributes.append(("ptime", str(ptime)))
        section.set_direction(direction)
        origin = Origin(username, session_id, version, "IN", addrtype, address)
        return cls(origin, "-", Connection(address, addrtype), media=[section])

    # -- what the media layer asks ----------------------------------------------------------

    @property
    def audio(self) -> MediaDescription | None:
        """The first audio stream, or None."""
        return next((m for m in self.media if m.media == "audio"), None)

    def connection_for(self, section: MediaDescription) -> Connection | None:
        return section.connection or self.connection

    def audio_endpoint(self) -> tuple[str, int] | None:
        """Where to send audio: (address, RTP port) of the first audio stream, or None.

        None too when the stream is refused (port 0); an address of 0.0.0.0 (the old hold
        convention of RFC 2543) is returned as is, for the caller to treat as on hold.
        """
        section = self.audio
        if section is None or section.port == 0:
            return None
        conn = self.connection_for(section)
        return None if conn is None else (conn.host, section.port)

    def direction_of(self, section: MediaDescription) -> str:
        """The stream's direction: its own attribute, else the session's, else sendrecv."""
        own = section.own_direction
        if own is not None:
            return own
        for key, value in self.attributes:
            if value is None and key in DIRECTIONS:
                return key
        return "sendrecv"

    @property
    def direction(self) -> str:
        """Direction of the first audio stream ("sendrecv" when there is none)."""
        section = self.audio
        return "sendrecv" if section is None else self.direction_of(section)

    @property
    def payload_types(self) -> list[int]:
        """Payload types of the first audio stream, in the order of preference offered."""
        section = self.audio
        return [] if section is None else section.payload_types

    def codecs(self) -> list[RtpMap]:
        """The offered audio codecs that can be named, in order (unknown dynamic types skipped)."""
        section = self.audio
        if section is None:
            return []
        found = (section.codec(pt) for pt in section.payload_types)
        return [codec for codec in found if codec is not None]

    def with_direction(self, direction: str) -> SessionDescription:
        """A copy whose audio streams carry this direction (the session attribute dropped)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}")
        changed = copy.deepcopy(self)
        changed.attributes = [(k, v) for k, v in changed.attributes if k not in DIRECTIONS]
        for section in changed.media:
            if section.media == "audio":
                section.set_direction(direction)
        return changed

    def next_version(self) -> SessionDescription:
        """A copy with o= version one higher, as each changed re-offer needs (RFC 3264 §8)."""
        changed = copy.deepcopy(self)
        changed.origin.sess_version += 1
        return changed
