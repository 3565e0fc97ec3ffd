"""RtpSession: one audio stream's UDP sockets (RTP on an even port, RTCP on the next).

The session owns the sockets and the numbering of what it sends; players and recorders
hang off it. The remote address comes from SDP (`set_remote` or `configure`) and is then
corrected by symmetric RTP: the source of the first valid packet is where we send from then
on, which is how media gets through the NAT in front of a softphone. Once latched, packets
from other sources are dropped, so nobody else can inject audio into the call.

A socket sends to one address family only, so a remote address of the other family (IPv6 in
the SDP of a session bound on IPv4, or the reverse) is no remote at all until a packet comes;
the owner of the session moves it to a socket pair of that family (`move_to`) when the far end
changes family, keeping its numbering and listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaxel.media.dtmf import DtmfReceiver, DtmfSender
from vaxel.media.g711 import PCMU, SAMPLES_PER_FRAME, Codec
from vaxel.media.offer_answer import DEFAULT_DTMF_PAYLOAD_TYPE, Negotiated
from vaxel.media.rtcp import (
    ReportBlock,
    RtcpBye,
    RtcpPacket,
    RtcpReceiverReport,
    RtcpSenderReport,
    RtcpSourceDescription,
    RtcpStats,
    ntp_timestamp,
    parse_compound,
    serialize_compound,
)
from vaxel.media.rtp import RtpPacket, is_rtcp, pack_rtp

RTCP_INTERVAL = 5.0  # seconds, RFC 3550 §6.2 minimum, randomised ±50% per report
Address = tuple[str, int]
UNSPECIFIED_HOSTS = ("0.0.0.0", "::", "")  # "no address" in SDP: old-style hold


def family_of(host: str) -> socket.AddressFamily:
    """The address family of an address literal (an IPv6 one has a colon)."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


@dataclass(frozen=True, slots=True)
class PortRange:
    """The UDP ports media may use: RTP on even ports in [start, end), RTCP on the odd above."""

    start: int = 20000
    end: int = 30000

    def __post_init__(self) -> None:
        if self.start % 2:
            raise ValueError(f"RTP port range must start on an even port, not {self.start}")
        if not 1024 <= self.start < self.end <= 65536:
            raise ValueError(f"RTP port range {self.start}–{self.end} is not within 1024–65536")


class PortAllocator:
    """Binds RTP/RTCP socket pairs in a range, going round it so a port just freed rests."""

    def __init__(self, ports: PortRange | None = None, host: str = "0.0.0.0") -> None:
        self.ports = ports or PortRange()
        self.host = host
        self._next = self.ports.start

    def bind(
        self, rtcp: bool = True, host: str | None = None
    ) -> tuple[socket.socket, socket.socket | None]:
        """Two bound sockets (RTP, RTCP or None) on `host` (default: the allocator's), or
        OSError when the range is used up or the host's address family is not available."""
        host = self.host if host is None else host
        family = family_of(host)
        pairs = (self.ports.end - self.ports.start) // 2
        for _ in range(pairs):
            port = self._next
            self._next += 2
            if self._next + 1 >= self.ports.end:
                self._next = self.ports.start
            rtp_sock = socket.socket(family, socket.SOCK_DGRAM)
            rtcp_sock = socket.socket(family, socket.SOCK_DGRAM) if rtcp else None
            try:
                rtp_sock.bind((host, port))
                if rtcp_sock is not None:
                    rtcp_sock.bind((host, port + 1))
            except OSError:
                rtp_sock.close()
                if rtcp_sock is not None:
                    rtcp_sock.close()
                continue
            rtp_sock.setblocking(False)
            if rtcp_sock is not None:
                rtcp_sock.setblocking(False)
            return rtp_sock, rtcp_sock
        raise OSError(f"no free RTP port pair on {host} in {self.ports.start}–{self.ports.end}")


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receive: Callable[[bytes, Address], None]) -> None:
        self.receive = receive

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.receive(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable while the far end is not listening yet, or gone


_ALLOCATORS: dict[tuple[str, PortRange], PortAllocator] = {}

AudioListener = Callable[[RtpPacket], None]
DigitListener = Callable[[str], None]


@dataclass(slots=True)
class SessionCounters:
    packets_sent: int = 0
    octets_sent: int = 0
    packets_received: int = 0
    invalid: int = 0  # datagrams that were not RTP/RTCP we understand
    foreign: int = 0  # packets from a source other than the one we latched to
    unexpected_payload: int = 0  # RTP with a payload type we did not agree on


class RtpSession:
    """RTP and RTCP for one call leg; see the module docstring. Make one with `open`."""

    def __init__(
        self,
        rtp_sock: socket.socket,
        rtcp_sock: socket.socket | None,
        *,
        codec: Codec = PCMU,
        dtmf_payload_type: int | None = DEFAULT_DTMF_PAYLOAD_TYPE,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._rtp_sock = rtp_sock
        self._rtcp_sock = rtcp_sock
        self.local_address: Address = rtp_sock.getsockname()[:2]
        self.codec = codec
        self.dtmf_payload_type = dtmf_payload_type
        self.remote: Address | None = None
        self.remote_rtcp: Address | None = None
        self.sending = True  # False while the far end holds the call (it asked for no media)
        self.ssrc = secrets.randbits(32)
        self.cname = secrets.token_hex(8)
        self.counters = SessionCounters()
        self.stats = RtcpStats(codec.clock_rate)
        self.remote_ssrc: int | None = None
        self.remote_bye = False
        self._seq = secrets.randbits(16)
        self._timestamp = secrets.randbits(32)
        self._next_frame_at = float("inf")  # when the frame after the last one sent is due
        self._latched = False
        self._dtmf = DtmfReceiver()
        self._audio_listeners: list[AudioListener] = []
        self._digit_listeners: list[DigitListener] = []
        self._close_listeners: list[Callable[[], None]] = []
        self._rtp: asyncio.DatagramTransport | None = None
        self._rtcp: asyncio.DatagramTransport | None = None
        self._rtcp_timer: asyncio.TimerHandle | None = None
        self._sent_since_report = False
        self._moving: asyncio.Task[None] | None = None
        self._attaching: set[socket.socket] = set()  # sockets whose transport is being made
        self._closed = self._loop.create_future()

    @classmethod
    async def open(
        cls,
        host: str = "0.0.0.0",
        *,
        ports: PortAllocator | PortRange | None = None,
        codec: Codec = PCMU,
        dtmf_payload_type: int | None = DEFAULT_DTMF_PAYLOAD_TYPE,
        rtcp: bool = True,
    ) -> RtpSession:
        """A session bound to the next free port pair of `ports` on `host`.

        Pass one shared PortAllocator for all calls; a bare range (or None: 20000–30000)
        gets an allocator per host and range that later calls share.
        """
        if isinstance(ports, PortAllocator):
            allocator = ports
        else:
            span = ports or PortRange()
            allocator = _ALLOCATORS.setdefault((host, span), PortAllocator(span, host))
        rtp_sock, rtcp_sock = allocator.bind(rtcp)
        return await cls.on_sockets(
            rtp_sock, rtcp_sock, codec=codec, dtmf_payload_type=dtmf_payload_type
        )

    @classmethod
    async def on_sockets(
        cls,
        rtp_sock: socket.socket,
        rtcp_sock: socket.socket | None,
        *,
        codec: Codec = PCMU,
        dtmf_payload_type: int | None = DEFAULT_DTMF_PAYLOAD_TYPE,
    ) -> RtpSession:
        """A session on sockets bound already (`PortAllocator.bind`); it owns them from now."""
        session = cls(rtp_sock, rtcp_sock, codec=codec, dtmf_payload_type=dtmf_payload_type)
        try:
            await session._attach(rtp_sock, rtcp_sock)
        except BaseException:
            session.close()
            raise
        session._schedule_rtcp()
        return session

    async def _attach(self, rtp_sock: socket.socket, rtcp_sock: socket.socket | None) -> None:
        """Serve the sockets with datagram transports (the new ones, after a move)."""
        rtp = await self._endpoint(rtp_sock, self._on_rtp)
        if rtp is None:
            return
        self._rtp = rtp
        if rtcp_sock is not None:
            rtcp = await self._endpoint(rtcp_sock, self._on_rtcp)
            if rtcp is not None:
                self._rtcp = rtcp

    async def _endpoint(
        self, sock: socket.socket, receive: Callable[[bytes, Address], None]
    ) -> asyncio.DatagramTransport | None:
        """A transport for one of our sockets, or None when the session has left the socket
        (closed, or moved on) before or while the transport was made.

        A socket with a transport is closed by the transport, never under it (the transport
        would later unregister the file descriptor number, by then maybe another socket's);
        `_release_sockets` leaves the one being attached here, and this closes it if stale.
        """
        if self._stale(sock):
            return None  # closed with the session already: there is no transport to make
        self._attaching.add(sock)
        try:
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _Datagrams(receive), sock=sock
            )
        except BaseException:
            sock.close()  # a transport made meanwhile has closed itself (and let go of it)
            raise
        finally:
            self._attaching.discard(sock)
        if self._stale(sock):
            transport.close()
            return None
        return transport

    def _stale(self, sock: socket.socket) -> bool:
        return self.closed or (sock is not self._rtp_sock and sock is not self._rtcp_sock)

    @property
    def family(self) -> socket.AddressFamily:
        """The address family of our sockets: the only one we can send to."""
        return self._rtp_sock.family

    def move_to(self, rtp_sock: socket.socket, rtcp_sock: socket.socket | None) -> None:
        """Carry on on another socket pair (one of the other address family, when the far end
        changed family in a re-offer); the old pair closes. The numbering, listeners and
        players stay; what is sent before the new sockets are served (a turn of the event
        loop) is counted as sent, like frames on hold. Set the remote address after this."""
        if self.closed:
            rtp_sock.close()
            if rtcp_sock is not None:
                rtcp_sock.close()
            return
        self._release_sockets()
        self._rtp_sock, self._rtcp_sock = rtp_sock, rtcp_sock
        self.local_address = rtp_sock.getsockname()[:2]
        self.remote = self.remote_rtcp = None
        self._latched = False
        self._moving = self._loop.create_task(self._attach_moved(rtp_sock, rtcp_sock))

    async def _attach_moved(self, rtp_sock: socket.socket, rtcp_sock: socket.socket | None) -> None:
        try:
            await self._attach(rtp_sock, rtcp_sock)
        except OSError:
            self.close()  # the new sockets cannot be served: the call's media has ended

    def _release_sockets(self) -> None:
        for transport in (self._rtp, self._rtcp):
            if transport is not None:
                transport.close()  # closes its socket
        for sock, transport in ((self._rtp_sock, self._rtp), (self._rtcp_sock, self._rtcp)):
            if sock is not None and transport is None and sock not in self._attaching:
                sock.close()  # one being attached is closed by `_endpoint`
        self._rtp = self._rtcp = None

    # -- where to send -------------------------------------------------------------------------

    def set_remote(self, host: str, port: int, rtcp_port: int | None = None) -> None:
        """Where the remote end said (in SDP) it receives; latch again to what really comes.

        No address (0.0.0.0, old-style hold) or one of the other family is nowhere to send:
        we then send only once the remote end's packets show where it is.
        """
        usable = port and host not in UNSPECIFIED_HOSTS and family_of(host) == self.family
        self.remote = (host, port) if usable else None
        self.remote_rtcp = (host, rtcp_port or port + 1) if usable else None
        self._latched = False

    def configure(self, negotiated: Negotiated) -> None:
        """Apply the outcome of an SDP offer/answer."""
        self.codec = negotiated.codec
        self.dtmf_payload_type = negotiated.dtmf_payload_type
        self.sending = negotiated.send
        self.set_remote(negotiated.remote_host, negotiated.remote_port, negotiated.remote_rtcp_port)

    @property
    def payload_type(self) -> int:
        return self.codec.payload_type

    @property
    def closed(self) -> bool:
        return self._closed.done()

    # -- sending ---------------------------------------------------------------------------

    def send_frame(
        self, payload: bytes, *, marker: bool = False, samples: int = SAMPLES_PER_FRAME
    ) -> None:
        """Send one encoded frame; the next one's timestamp is `samples` later.

        When there is nowhere to send (no remote, on hold, closed) the frame is counted as
        sent all the same, so the timeline stays true when sending resumes.
        """
        now = time.monotonic()
        if marker and now > self._next_frame_at:
            # A new talkspurt after a pause: the timestamp tells the far end how long it was.
            pause = round((now - self._next_frame_at) * self.codec.clock_rate)
            self._timestamp = (self._timestamp + pause) & 0xFFFFFFFF
        self._next_frame_at = now + samples / self.codec.clock_rate
        transport, remote = self._rtp, self.remote
        if transport is not None and remote is not None and self.sending:
            packet = pack_rtp(
                self.codec.payload_type, self._seq, self._timestamp, self.ssrc, payload, marker
            )
            transport.sendto(packet, remote)
            self.counters.packets_sent += 1
            self.counters.octets_sent += len(payload)
            self._sent_since_report = True
        self._seq = (self._seq + 1) & 0xFFFF
        self._timestamp = (self._timestamp + samples) & 0xFFFFFFFF

    def skip(self, samples: int) -> None:
        """Let `samples` of time pass without sending (a frame dropped after a stall)."""
        self._timestamp = (self._timestamp + samples) & 0xFFFFFFFF

    def send_pcm(self, pcm: bytes, *, marker: bool = False) -> None:
        """Encode 16-bit PCM with the session's codec and send it as one frame."""
        self.send_frame(self.codec.encode(pcm), marker=marker, samples=len(pcm) // 2)

    def send_packet(self, packet: RtpPacket) -> None:
        """Send a packet as it is (tests, and DTMF); does not touch our numbering."""
        if self._rtp is not None and self.remote is not None:
            self._rtp.sendto(packet.serialize(), self.remote)

    async def send_dtmf(self, digit: str, duration_ms: int = 100) -> None:
        """Send a key press as RFC 4733 events, one packet every 20 ms; audio pauses meanwhile."""
        if self.dtmf_payload_type is None:
            raise ValueError("no telephone-event payload type was agreed for this session")
        sender = DtmfSender(self.dtmf_payload_type, self.codec.clock_rate)
        packets = sender.packets(
            digit,
            ssrc=self.ssrc,
            sequence_number=0,
            timestamp=self._timestamp,
            duration_ms=duration_ms,
        )  # renumbered as they go, in case audio is sent in between
        start = time.monotonic()
        for index, packet in enumerate(packets):
            delay = start + index * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.send_packet(dataclasses.replace(packet, sequence_number=self._seq))
            self._seq = (self._seq + 1) & 0xFFFF
        elapsed = duration_ms * self.codec.clock_rate // 1000
        self._timestamp = (self._timestamp + elapsed) & 0xFFFFFFFF
        self._next_frame_at = time.monotonic()

    # -- receiving -------------------------------------------------------------------------

    def add_audio_listener(self, listener: AudioListener) -> Callable[[], None]:
        """Call `listener` with each audio packet received; returns a function that stops it."""
        self._audio_listeners.append(listener)
        return lambda: self._remove(self._audio_listeners, listener)

    def add_digit_listener(self, listener: DigitListener) -> Callable[[], None]:
        """Call `listener` with each DTMF digit received; returns a function that stops it."""
        self._digit_listeners.append(listener)
        return lambda: self._remove(self._digit_listeners, listener)

    def add_close_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` when the session closes (hang-up); returns a function that stops it."""
        self._close_listeners.append(listener)
        return lambda: self._remove(self._close_listeners, listener)

    @staticmethod
    def _remove(listeners: list[Any], listener: object) -> None:
        with contextlib.suppress(ValueError):
            listeners.remove(listener)

    def _latch(self, source: Address) -> bool:
        if self._latched:
            if source == self.remote:
                return True
            self.counters.foreign += 1
            return False
        if source != self.remote:
            self.remote = source
            self.remote_rtcp = (source[0], source[1] + 1) if self._rtcp_sock else source
        self._latched = True
        return True

    def _on_rtp(self, data: bytes, source: Address) -> None:
        if is_rtcp(data):  # rtcp-mux: RTCP on the RTP port (RFC 5761)
            self._on_rtcp(data, source)
            return
        try:
            packet = RtpPacket.parse(data)
        except ValueError:
            self.counters.invalid += 1
            return
        payload_type = packet.payload_type
        if payload_type == self.codec.payload_type:
            if not self._latch(source):
                return
            self.counters.packets_received += 1
            if packet.ssrc != self.remote_ssrc:
                self.remote_ssrc = packet.ssrc
                self.stats = RtcpStats(self.codec.clock_rate)
            self.stats.update(
                packet.sequence_number, packet.timestamp, time.monotonic(), len(packet.payload)
            )
            for listener in tuple(self._audio_listeners):
                listener(packet)
        elif payload_type == self.dtmf_payload_type:
            if not self._latch(source):
                return
            self.counters.packets_received += 1
            try:
                digit = self._dtmf.feed(packet)
            except ValueError:
                self.counters.invalid += 1
                return
            if digit is not None:
                for on_digit in list(self._digit_listeners):
                    on_digit(digit)
        else:
            self.counters.unexpected_payload += 1  # comfort noise and the like: not ours to play

    def _on_rtcp(self, data: bytes, source: Address) -> None:
        try:
            packets = parse_compound(data)
        except ValueError:
            self.counters.invalid += 1
            return
        if self.remote_rtcp is None or not self._latched:
            self.remote_rtcp = source
        for packet in packets:
            if isinstance(packet, RtcpSenderReport):
                self.stats.note_sender_report(packet.ntp_timestamp, time.monotonic())
            elif isinstance(packet, RtcpBye):
                self.remote_bye = True

    # -- RTCP reports ----------------------------------------------------------------------

    def _schedule_rtcp(self) -> None:
        interval = RTCP_INTERVAL * (0.5 + secrets.randbelow(1000) / 1000)
        self._rtcp_timer = self._loop.call_later(interval, self._send_report)

    def _report(self) -> list[RtcpPacket]:
        blocks: tuple[ReportBlock, ...] = ()
        if self.remote_ssrc is not None and self.stats.packets:
            blocks = (self.stats.report_block(self.remote_ssrc, time.monotonic()),)
        first: RtcpSenderReport | RtcpReceiverReport
        if self._sent_since_report:
            first = RtcpSenderReport(
                self.ssrc,
                ntp_timestamp(time.time()),
                self._timestamp,
                self.counters.packets_sent & 0xFFFFFFFF,
                self.counters.octets_sent & 0xFFFFFFFF,
                blocks,
            )
        else:
            first = RtcpReceiverReport(self.ssrc, blocks)
        self._sent_since_report = False
        return [first, RtcpSourceDescription.cname(self.ssrc, self.cname)]

    def _send_rtcp(self, packets: list[RtcpPacket]) -> None:
        transport = self._rtcp or self._rtp
        if transport is not None and self.remote_rtcp is not None:
            transport.sendto(serialize_compound(packets), self.remote_rtcp)

    def _send_report(self) -> None:
        self._schedule_rtcp()
        self._send_rtcp(self._report())

    # -- the end ---------------------------------------------------------------------------

    def close(self) -> None:
        """Say BYE over RTCP, close the sockets and tell the listeners. Safe to call twice."""
        if self._closed.done():
            return
        if self._rtcp_timer is not None:
            self._rtcp_timer.cancel()
        with contextlib.suppress(OSError, ValueError):
            self._send_rtcp([*self._report(), RtcpBye((self.ssrc,))])
        self._release_sockets()
        self._closed.set_result(None)
        for listener in list(self._close_listeners):
            listener()

    async def wait_closed(self) -> None:
        await asyncio.shield(self._closed)

    async def __aenter__(self) -> RtpSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
