"""Our own media on a call leg: an RtpSession from the switch's port range, the SDP we answer or
offer with (media.offer_answer), and the relay that joins two of our sessions.

The switch answers a caller with its own media when an app (announcement, voicemail, the queue)
takes the call; when that caller is later connected to a phone (an operator answers from the
queue, a transfer), the media stays anchored here: the phone gets an offer from a second
session of ours, and `MediaRelay` passes the audio between the two. No re-INVITE is needed, so
this works with any phone and through the NAT in front of it (symmetric RTP on both sessions).

Our RTP socket follows the address family of the far end's media: a session is opened on the
family of the SIP peer, and an offer whose connection address is of the other family (IPv6 SDP
from an IPv4 phone, or the reverse, first or in a re-INVITE) moves it to a port of that family,
answered with our address of that family. When we have no such address (or are bound to one
address of the other family), the offer is refused with 488 and Warning 301 rather than
accepted and left silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from vaxel.media.g711 import PCMA, PCMU, Codec
from vaxel.media.offer_answer import (
    MediaDescription,
    Negotiated,
    OfferAnswerError,
    accept_answer,
    answer_offer,
    from_sdp,
    make_offer,
    to_sdp,
)
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import (
    UNSPECIFIED_HOSTS,
    PortAllocator,
    PortRange,
    RtpSession,
    family_of,
)
from vaxel.sip import sdp
from vaxel.sip.errors import RemoteProtocolError
from vaxel.transport.stack import facing_address

log = logging.getLogger(__name__)

__all__ = [
    "CODECS",
    "UNSPECIFIED",
    "FamilyNotServed",
    "MediaLeg",
    "MediaLegs",
    "MediaRelay",
    "MediaSettings",
    "facing_address",
    "parse_offer",
]

CODECS: tuple[Codec, ...] = (PCMU, PCMA)
UNSPECIFIED = UNSPECIFIED_HOSTS
# RFC 3261 §20.43: "One or more network address formats contained in the session description
# are not available."
INCOMPATIBLE_ADDRESS_FORMATS = 301


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """Where the switch's own RTP lives."""

    ports: PortRange = field(default_factory=PortRange)
    # An unspecified address (0.0.0.0 or ::) binds the wildcard of whichever family the far
    # end's media uses; a specific address serves that address's family only.
    bind_host: str = "0.0.0.0"
    # The address written in SDP for media of its family (a NAT's public address); None, or
    # the other family: the local address that faces the peer.
    advertise: str | None = None


class FamilyNotServed(OfferAnswerError):
    """The far end's media is on an address family we have no address of (488, Warning 301)."""

    @property
    def warning(self) -> tuple[int, str]:
        """The Warning header's code and text (RFC 3261 §20.43) for the 488."""
        return INCOMPATIBLE_ADDRESS_FORMATS, f"Incompatible network address formats: {self}"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_offer(body: bytes) -> MediaDescription:
    """The audio stream of an SDP body; OfferAnswerError (488) when it is unusable."""
    try:
        return from_sdp(sdp.SessionDescription.parse(body))
    except RemoteProtocolError as error:
        raise OfferAnswerError(f"the SDP does not parse: {error}") from None


@dataclass(eq=False)
class MediaLeg:
    """One RtpSession of ours and the SDP that describes it to the far end."""

    session: RtpSession
    host: str  # the address written in our SDP
    session_id: str = field(default_factory=lambda: str(secrets.randbelow(2**31)))
    version: int = 0
    local: MediaDescription | None = None  # our last offer or answer
    negotiated: Negotiated | None = None
    # Where our sockets and address of the other family come from (None: one family only).
    legs: MediaLegs | None = None
    peer_host: str = ""  # the SIP peer's address: the best guide to our address in its family

    def _body(self, description: MediaDescription) -> bytes:
        self.version += 1
        self.local = description
        return to_sdp(description, session_id=self.session_id, version=self.version).to_bytes()

    def answer(self, offer_body: bytes) -> bytes:
        """Answer the far end's offer (first, or a re-INVITE's): the session follows it, to a
        port of the other address family if the offer's media is there. OfferAnswerError
        (FamilyNotServed when it is the family) leaves the session as it was."""
        offer = parse_offer(offer_body)
        family = self.session.family
        if offer.port and offer.host not in UNSPECIFIED:  # else: a hold, or a refusal
            family = family_of(offer.host)
        if family == self.session.family:
            negotiated = answer_offer(
                offer, self.host, self.session.local_address[1], codecs=CODECS
            )
        else:
            negotiated = self._move(offer, family)
        self.negotiated = negotiated
        self.session.configure(negotiated)
        return self._body(negotiated.local)

    def _move(self, offer: MediaDescription, family: socket.AddressFamily) -> Negotiated:
        """Negotiate on a new socket pair of `family` and move the session to it."""
        host = None if self.legs is None else self.legs.host_for_media(offer.host, self.peer_host)
        if self.legs is None or host is None:
            raise FamilyNotServed(f"we have no {_name(family)} address for media at {offer.host}")
        try:
            rtp_sock, rtcp_sock = self.legs.bind(family)
        except OSError as error:
            raise FamilyNotServed(f"no {_name(family)} media port: {error}") from None
        try:
            negotiated = answer_offer(offer, host, rtp_sock.getsockname()[1], codecs=CODECS)
        except BaseException:
            rtp_sock.close()
            if rtcp_sock is not None:
                rtcp_sock.close()
            raise
        log.info("media moves to %s: %s answered with %s", _name(family), offer.host, host)
        self.session.move_to(rtp_sock, rtcp_sock)
        self.host = host
        return negotiated

    def offer(self, codecs: Sequence[Codec] = CODECS, dtmf_payload_type: int | None = 101) -> bytes:
        """Our offer (for a phone we call, or a caller who sent no SDP)."""
        port = self.session.local_address[1]
        return self._body(
            make_offer(self.host, port, codecs=codecs, dtmf_payload_type=dtmf_payload_type)
        )

    def accept(self, answer_body: bytes) -> Negotiated:
        """The far end answered our offer: the session follows the answer."""
        if self.local is None:
            raise OfferAnswerError("an answer came, but we made no offer")
        answer = parse_offer(answer_body)
        negotiated = accept_answer(self.local, answer)
        self.negotiated = negotiated
        self.session.configure(negotiated)
        return negotiated

    def again(self) -> bytes:
        """Our current description once more (a re-INVITE without SDP asks for an offer)."""
        assert self.local is not None
        return self._body(self.local)

    def close(self) -> None:
        self.session.close()


def _name(family: socket.AddressFamily) -> str:
    return "IPv6" if family == socket.AF_INET6 else "IPv4"


class MediaLegs:
    """Makes MediaLegs: one shared port allocator, and the address to advertise."""

    def __init__(self, settings: MediaSettings | None = None) -> None:
        self.settings = settings or MediaSettings()
        self.allocator = PortAllocator(self.settings.ports, self.settings.bind_host)

    def bind_host(self, family: socket.AddressFamily) -> str | None:
        """Where our sockets of `family` bind; None when we are bound to the other family."""
        configured = self.settings.bind_host
        if configured in UNSPECIFIED:
            return "::" if family == socket.AF_INET6 else "0.0.0.0"
        return configured if family_of(configured) == family else None

    def bind(self, family: socket.AddressFamily) -> tuple[socket.socket, socket.socket | None]:
        """An RTP/RTCP socket pair of `family` in the port range; OSError if there is none."""
        host = self.bind_host(family)
        if host is None:
            raise OSError(f"media is bound to {self.settings.bind_host} only")
        return self.allocator.bind(host=host)

    def host_for(self, peer_host: str) -> str:
        """The address of our media as a peer at `peer_host` should see it."""
        family = family_of(peer_host)
        advertise = self.settings.advertise
        if advertise and family_of(advertise) == family:
            return advertise
        if self.settings.bind_host not in UNSPECIFIED:
            return self.settings.bind_host
        return facing_address(peer_host)

    def host_for_media(self, media_host: str, peer_host: str = "") -> str | None:
        """Our address for media to `media_host` (an SDP connection address), in its family:
        as the SIP peer sees us when it is of that family (its SDP may name a private address
        behind a NAT), else the address that faces the media; None when we have none."""
        family = family_of(media_host)
        if self.bind_host(family) is None:
            return None
        if peer_host and family_of(peer_host) == family:
            return self.host_for(peer_host)
        if not _literal(media_host):
            return None  # a name in SDP: we look up no names here
        host = self.host_for(media_host)
        if _is_loopback(host) and not _is_loopback(media_host):
            return None  # facing_address found no route: no address of that family here
        return host

    async def open(self, peer_host: str) -> MediaLeg:
        """A new session bound in the port range, on the SIP peer's address family (an offer
        of the other family moves it); OSError when the range is used up."""
        host = self.bind_host(family_of(peer_host)) or self.settings.bind_host
        rtp_sock, rtcp_sock = self.allocator.bind(host=host)
        session = await RtpSession.on_sockets(rtp_sock, rtcp_sock)
        return MediaLeg(session, self.host_for(peer_host), legs=self, peer_host=peer_host)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class MediaRelay:
    """Audio and DTMF between two sessions of ours, each sent on with its own numbering.

    Both sessions normally use the same codec (the second leg is offered only the first
    one's); if they do not, the audio is transcoded through 16-bit PCM.
    """

    def __init__(self, a: RtpSession, b: RtpSession) -> None:
        self.a = a
        self.b = b
        self._tasks: set[asyncio.Task[None]] = set()
        self._stops = [
            a.add_audio_listener(lambda packet: self._audio(packet, a, b)),
            b.add_audio_listener(lambda packet: self._audio(packet, b, a)),
            a.add_digit_listener(lambda digit: self._digit(digit, b)),
            b.add_digit_listener(lambda digit: self._digit(digit, a)),
        ]
        self.closed = False

    @staticmethod
    def _audio(packet: RtpPacket, source: RtpSession, to: RtpSession) -> None:
        if to.closed:
            return
        payload = packet.payload
        if source.codec is to.codec:
            to.send_frame(payload, marker=packet.marker, samples=to.codec.samples_in(payload))
        else:
            to.send_pcm(source.codec.decode(payload), marker=packet.marker)

    def _digit(self, digit: str, to: RtpSession) -> None:
        if to.closed or to.dtmf_payload_type is None:
            return
        task = asyncio.get_running_loop().create_task(to.send_dtmf(digit))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        """Stop relaying (the sessions stay open)."""
        if self.closed:
            return
        self.closed = True
        for stop in self._stops:
            stop()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            self._tasks.clear()
