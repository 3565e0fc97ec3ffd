"""SDP offer/answer (RFC 3264) for our own audio endpoints, on a small data class.

This decides what a call's media will be: which G.711 law, which telephone-event payload
type, who sends, and where to. It works on `MediaDescription`, the few facts of one audio
`m=` section that matter to us; `from_sdp` and `to_sdp` convert from and to the SIP layer's
`SessionDescription`, which parses and writes the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from vaxel.media.g711 import PCMA, PCMU, SAMPLE_RATE, Codec
from vaxel.sip import sdp

Direction = Literal["sendrecv", "sendonly", "recvonly", "inactive"]
DIRECTIONS: tuple[Direction, ...] = ("sendrecv", "sendonly", "recvonly", "inactive")
TELEPHONE_EVENT = "telephone-event"
DEFAULT_DTMF_PAYLOAD_TYPE = 101


@dataclass(frozen=True, slots=True)
class RtpMap:
    """One format of an m= line: payload type, encoding name and clock rate (a=rtpmap)."""

    payload_type: int
    encoding: str
    clock_rate: int
    channels: int = 1
    fmtp: str | None = None  # e.g. "0-16" for telephone-event

    def __post_init__(self) -> None:
        if not 0 <= self.payload_type <= 127:
            raise ValueError(f"payload type {self.payload_type} is not in 0..127")
        if self.clock_rate <= 0:
            raise ValueError(f"clock rate {self.clock_rate} of {self.encoding} is not positive")

    def is_(self, encoding: str, clock_rate: int = SAMPLE_RATE) -> bool:
        return self.encoding.lower() == encoding.lower() and self.clock_rate == clock_rate


# RFC 3551 static payload types that an offer may list without an a=rtpmap line.
STATIC_FORMATS: dict[int, RtpMap] = {
    0: RtpMap(0, "PCMU", 8000),
    3: RtpMap(3, "GSM", 8000),
    4: RtpMap(4, "G723", 8000),
    8: RtpMap(8, "PCMA", 8000),
    9: RtpMap(9, "G722", 8000),
    18: RtpMap(18, "G729", 8000),
}


def static_format(payload_type: int) -> RtpMap | None:
    """The format a static payload type stands for when no rtpmap says otherwise."""
    return STATIC_FORMATS.get(payload_type)


@dataclass(frozen=True, slots=True)
class MediaDescription:
    """One audio stream as an offer or answer describes it, from its sender's point of view."""

    host: str
    port: int
    formats: tuple[RtpMap, ...]
    direction: Direction = "sendrecv"
    ptime: int | None = None
    rtcp_port: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"media port {self.port} is not in 0..65535")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"media direction {self.direction!r} is not one of {DIRECTIONS}")
        if self.port and not self.formats:
            raise ValueError("an active media stream needs at least one format")

    @property
    def rejected(self) -> bool:
        return self.port == 0

    @property
    def on_hold(self) -> bool:
        """Old-style hold (RFC 2543): connection address 0.0.0.0, or the stream is inactive."""
        return self.host in ("0.0.0.0", "::") or self.direction == "inactive"


class OfferAnswerError(ValueError):
    """No media we can both use; a SIP layer answers 488 Not Acceptable Here."""

    status_hint = 488


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What was agreed for one audio stream, from our side."""

    local: MediaDescription  # ours: the answer we give, or the offer we made
    codec: Codec
    payload_type: int  # the number the codec has in this session (static for G.711)
    dtmf_payload_type: int | None
    remote_host: str
    remote_port: int
    remote_rtcp_port: int | None
    send: bool  # we send media to the remote end
    receive: bool  # we expect media from it


def _reverse(direction: Direction) -> Direction:
    if direction == "sendonly":
        return "recvonly"
    if direction == "recvonly":
        return "sendonly"
    return direction


def _intersect(theirs: Direction, ours: Direction) -> Direction:
    """Our direction in an answer, given theirs in the offer and what we want."""
    they_send = theirs in ("sendrecv", "sendonly")
    they_receive = theirs in ("sendrecv", "recvonly")
    we_send = ours in ("sendrecv", "sendonly") and they_receive
    we_receive = ours in ("sendrecv", "recvonly") and they_send
    if we_send and we_receive:
        return "sendrecv"
    if we_send:
        return "sendonly"
    return "recvonly" if we_receive else "inactive"


def _telephone_event(formats: Sequence[RtpMap], clock_rate: int) -> RtpMap | None:
    for fmt in formats:
        if fmt.is_(TELEPHONE_EVENT, clock_rate):
            return fmt
    return None


def _pick_codec(formats: Sequence[RtpMap], codecs: Sequence[Codec]) -> tuple[Codec, RtpMap] | None:
    for fmt in formats:  # the offerer's order of preference
        for codec in codecs:
            if fmt.is_(codec.name, codec.clock_rate):
                return codec, fmt
    return None


def _outcome(
    local: MediaDescription, remote: MediaDescription, codec: Codec, fmt: RtpMap
) -> Negotiated:
    dtmf = _telephone_event(local.formats, codec.clock_rate)
    they_receive = local.direction in ("sendrecv", "sendonly") and not remote.on_hold
    return Negotiated(
        local=local,
        codec=codec,
        payload_type=fmt.payload_type,
        dtmf_payload_type=dtmf.payload_type if dtmf else None,
        remote_host=remote.host,
        remote_port=remote.port,
        remote_rtcp_port=remote.rtcp_port,
        send=they_receive and remote.port != 0,
        receive=local.direction in ("sendrecv", "recvonly") and local.port != 0,
    )


def make_offer(
    host: str,
    port: int,
    *,
    codecs: Sequence[Codec] = (PCMU, PCMA),
    dtmf_payload_type: int | None = DEFAULT_DTMF_PAYLOAD_TYPE,
    direction: Direction = "sendrecv",
    ptime: int = 20,
) -> MediaDescription:
    """Our offer for an audio stream on host:port (RTCP on port + 1)."""
    formats = [RtpMap(c.payload_type, c.name, c.clock_rate) for c in codecs]
    if dtmf_payload_type is not None:
        formats.append(RtpMap(dtmf_payload_type, TELEPHONE_EVENT, SAMPLE_RATE, fmtp="0-16"))
    return MediaDescription(host, port, tuple(formats), direction, ptime, port + 1)


def answer_offer(
    offer: MediaDescription,
    host: str,
    port: int,
    *,
    codecs: Sequence[Codec] = (PCMU, PCMA),
    direction: Direction = "sendrecv",
) -> Negotiated:
    """Answer a remote offer: the first of its formats we have, and its telephone-event.

    Raises OfferAnswerError when it offers no codec we have. A rejected stream (port 0)
    is answered with port 0 as RFC 3264 §6 requires.
    """
    picked = _pick_codec(offer.formats, codecs)
    if picked is None:
        offered = ", ".join(f"{f.payload_type} {f.encoding}/{f.clock_rate}" for f in offer.formats)
        wanted = " or ".join(c.name for c in codecs)
        raise OfferAnswerError(
            f"the offer has no {wanted} audio (it offers {offered or 'nothing'})"
        )
    codec, fmt = picked
    formats = [fmt]
    dtmf = _telephone_event(offer.formats, codec.clock_rate)
    if dtmf is not None:
        formats.append(dtmf)
    ours = _intersect(offer.direction, direction)
    local = MediaDescription(
        host=host,
        port=0 if offer.rejected else port,
        formats=tuple(formats),
        direction=ours,
        ptime=offer.ptime,
        rtcp_port=None if offer.rejected else port + 1,
    )
    return _outcome(local, offer, codec, fmt)


def accept_answer(offer: MediaDescription, answer: MediaDescription) -> Negotiated:
    """What our own offer became, given the remote answer to it."""
    codecs = [c for fmt in offer.formats for c in (PCMU, PCMA) if fmt.is_(c.name, c.clock_rate)]
    picked = _pick_codec(answer.formats, codecs)
    if picked is None:
        raise OfferAnswerError("the answer chose no codec that we offered")
    codec, fmt = picked
    answered_dtmf = _telephone_event(answer.formats, codec.clock_rate)
    offered_dtmf = _telephone_event(offer.formats, codec.clock_rate)
    formats: tuple[RtpMap, ...] = (fmt,)
    if answered_dtmf is not None and offered_dtmf is not None:
        formats += (offered_dtmf,)
    local = MediaDescription(
        offer.host,
        offer.port if not answer.rejected else 0,
        formats,
        _reverse(answer.direction),
        offer.ptime,
        offer.rtcp_port,
    )
    return _outcome(local, answer, codec, fmt)


RTP_PROFILES = ("RTP/AVP", "RTP/AVPF")  # plain RTP; SRTP (SAVP) and DTLS are not ours to offer


def from_sdp(description: sdp.SessionDescription) -> MediaDescription:
    """The first audio stream of a parsed SDP body, or OfferAnswerError when we cannot use it."""
    section = description.audio
    if section is None:
        raise OfferAnswerError("the SDP has no audio stream")
    if section.proto not in RTP_PROFILES:
        raise OfferAnswerError(f"audio over {section.proto} is not supported (RTP/AVP only)")
    connection = description.connection_for(section)
    host = connection.host if connection is not None else "0.0.0.0"
    fmtp = section.fmtp
    formats = []
    for payload_type in section.payload_types:
        known = section.codec(payload_type)
        if known is None:
            continue  # a dynamic type without rtpmap: nothing we could agree on
        formats.append(
            RtpMap(
                payload_type,
                known.encoding,
                known.clock_rate,
                known.channels or 1,
                fmtp.get(payload_type),
            )
        )
    return MediaDescription(
        host=host,
        port=section.port,
        formats=tuple(formats),
        direction=cast(Direction, description.direction_of(section)),
        ptime=section.ptime,
        rtcp_port=section.rtcp_port or (section.port + 1 if section.port else None),
    )


def to_sdp(
    description: MediaDescription, *, session_id: str, version: int = 1
) -> sdp.SessionDescription:
    """A whole SDP body for our side of the stream (an offer or an answer)."""
    codecs = [
        sdp.RtpMap(
            f.payload_type, f.encoding, f.clock_rate, f.channels if f.channels != 1 else None
        )
        for f in description.formats
    ]
    body = sdp.SessionDescription.for_audio(
        description.host,
        description.port,
        codecs,
        session_id=session_id,
        version=version,
        direction=description.direction,
        ptime=description.ptime,
        fmtp={f.payload_type: f.fmtp for f in description.formats if f.fmtp},
    )
    section = body.audio
    rtcp = description.rtcp_port
    if section is not None and rtcp is not None and rtcp != description.port + 1:
        section.attributes.append(("rtcp", str(rtcp)))  # RFC 3605: not the usual port + 1
    return body
