"""Our own media on a call leg: an RtpSession from the switch's port range, the SDP we answer or
offer with (media.offer_answer), and the relay that joins two of our sessions.

The switch answers a caller with its own media when an app (announcement, voicemail, the queue)
takes the call; when that caller is later connected to a phone (an operator answers from the
queue, a transfer), the media stays anchored here: the phone gets an offer from a second
session of ours, and `MediaRelay` passes the audio between the two. No re-INVITE is needed, so
this works with any phone and through the NAT in front of it (symmetric RTP on both sessions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

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
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.sip import sdp
from vaxel.sip.errors import RemoteProtocolError

log = logging.getLogger(__name__)

CODECS: tuple[Codec, ...] = (PCMU, PCMA)
UNSPECIFIED = ("0.0.0.0", "::", "")


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """Where the switch's own RTP lives."""

    ports: PortRange = field(default_factory=PortRange)
    bind_host: str = "0.0.0.0"
    # The address written in SDP; None: the local address that faces the peer (no NAT).
    advertise: str | None = None


@lru_cache(maxsize=1024)
def facing_address(remote_host: str) -> str:
    """Our local address on the route to `remote_host` (a UDP connect sends nothing)."""
    family = socket.AF_INET6 if ":" in remote_host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((remote_host, 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "::1" if family == socket.AF_INET6 else "127.0.0.1"


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

    def _body(self, description: MediaDescription) -> bytes:
        self.version += 1
        self.local = description
        return to_sdp(description, session_id=self.session_id, version=self.version).to_bytes()

    def answer(self, offer_body: bytes) -> bytes:
        """Answer the far end's offer (first, or a re-INVITE's): the session follows it."""
        offer = parse_offer(offer_body)
        port = self.session.local_address[1]
        negotiated = answer_offer(offer, self.host, port, codecs=CODECS)
        self.negotiated = negotiated
        self.session.configure(negotiated)
        return self._body(negotiated.local)

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


class MediaLegs:
    """Makes MediaLegs: one shared port allocator, and the address to advertise."""

    def __init__(self, settings: MediaSettings | None = None) -> None:
        self.settings = settings or MediaSettings()
        self.allocator = PortAllocator(self.settings.ports, self.settings.bind_host)

    def host_for(self, peer_host: str) -> str:
        """The address of our media as a peer at `peer_host` should see it."""
        if self.settings.advertise:
            return self.settings.advertise
        if self.settings.bind_host not in UNSPECIFIED:
            return self.settings.bind_host
        return facing_address(peer_host)

    async def open(self, peer_host: str) -> MediaLeg:
        """A new session bound in the port range; OSError when the range is used up."""
        session = await RtpSession.open(self.settings.bind_host, ports=self.allocator)
        return MediaLeg(session, self.host_for(peer_host))


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
