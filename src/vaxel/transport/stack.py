"""The asyncio side of one SIP endpoint: sockets in, `Endpoint` in the middle, sockets out.

UDP and TCP listen on the same port for every listen address (IPv4 and IPv6; the IPv6
wildcard "::" brings the IPv4 one along). Every message that arrives goes, with `loop.time()`,
through the per-source limits into the sans-IO `Endpoint`; its events go to the transaction
user; then whatever the endpoint wants sent is sent, and ONE timer (`loop.call_at`) is armed
for the earliest deadline of the endpoint and the transaction user together.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from vaxel.sip.endpoint import Endpoint, EndpointEvent, Outgoing, Peer
from vaxel.transport.limits import Limits, SourceLimiter
from vaxel.transport.tcp import TcpConnections
from vaxel.transport.udp import UdpListener

log = logging.getLogger(__name__)

# Socket buffers big enough for bursts of a few thousand datagrams at load.
UDP_BUFFER = 4 * 1024 * 1024


class TransactionUser(Protocol):
    """What sits on top of the endpoint (the switch): it takes events and has its own timers."""

    def handle_events(self, events: list[EndpointEvent], now: float) -> None: ...

    def get_timer(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...


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


def parse_listen(text: str, default_port: int = 5060) -> tuple[str, int]:
    """ "host:port", "[v6]:port", "host" or ":port" → (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else default_port
        return host, port
    if text.count(":") > 1:  # a bare IPv6 address
        return text, default_port
    host, colon, port_text = text.partition(":")
    return host or "0.0.0.0", int(port_text) if colon and port_text else default_port


class SipTransport:
    """UDP and TCP on each listen address, feeding one Endpoint and one TransactionUser."""

    def __init__(
        self,
        endpoint: Endpoint,
        tu: TransactionUser,
        listen: Sequence[tuple[str, int]],
        *,
        limits: Limits | None = None,
        tcp: bool = True,
        tcp_idle_timeout: float = 600.0,
    ) -> None:
        self.endpoint = endpoint
        if endpoint.facing is None:
            endpoint.facing = facing_address  # what a Via names when we listen on 0.0.0.0
        self.tu = tu
        self.listen = list(listen)
        self.limits = limits or Limits()
        self.limiter = SourceLimiter(self.limits)
        self.use_tcp = tcp
        self.tcp_idle_timeout = tcp_idle_timeout
        self.udp: list[UdpListener] = []
        self.tcp: TcpConnections | None = None
        self.bound: list[tuple[str, str, int]] = []  # (transport, host, port) actually bound
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._closed = False

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        if self.use_tcp:
            limits = self.limits
            self.tcp = TcpConnections(
                self,
                limits.max_message_size,
                self.tcp_idle_timeout,
                max_per_source=limits.max_tcp_per_source,
                max_total=limits.max_tcp_connections,
                log_interval=limits.log_interval,
            )
        try:
            for host, port in self.listen:
                bound_port = await self._listen_on(host, port)
                if host == "::" and not any(":" not in h and p == port for h, p in self.listen):
                    # "[::]" means every address, IPv4 too, as it does for most servers. The
                    # IPv4 side gets sockets of its own (ours are IPv6-only), so IPv4 peers
                    # keep their own addresses rather than ::ffff:a.b.c.d.
                    await self._listen_on("0.0.0.0", bound_port)
        except BaseException:
            await self.stop()
            raise
        self._timer_at = None
        self.rearm()
        assert loop is not None

    async def _listen_on(self, host: str, port: int) -> int:
        """UDP, then TCP on the port UDP got; returns that port."""
        udp = await UdpListener.open(self, host, port, UDP_BUFFER)
        self.udp.append(udp)
        bound_port = udp.port
        self.bound.append(("udp", host, bound_port))
        self.endpoint.set_local("udp", host, bound_port)
        if self.tcp is not None:
            await self.tcp.listen(host, bound_port)
            self.bound.append(("tcp", host, bound_port))
            self.endpoint.set_local("tcp", host, bound_port)
        return bound_port

    async def stop(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for udp in self.udp:
            udp.close()
        self.udp.clear()
        if self.tcp is not None:
            await self.tcp.close()
            self.tcp = None

    # -- input from the sockets ------------------------------------------------------------

    def message_received(self, data: bytes, peer: Peer) -> None:
        """One datagram or one framed TCP message."""
        if self._closed:
            return
        loop = self._loop
        assert loop is not None
        now = loop.time()
        if not self.limiter.allow(peer.host, len(data), now):
            return
        try:
            events = self.endpoint.receive(data, peer, now)
            if events:
                self.tu.handle_events(events, now)
        except Exception:
            # Bad input must never take the server down; the defect is a bug to fix, so log it.
            log.exception("error while handling a message from %s", peer)
        self.flush()

    def connection_lost(self, peer: Peer, reason: str) -> None:
        """A TCP connection we had to `peer` is gone (or could not be made)."""
        if self._closed or self._loop is None:
            return
        now = self._loop.time()
        try:
            events = self.endpoint.transport_failed(peer, now, reason)
            if events:
                self.tu.handle_events(events, now)
        except Exception:
            log.exception("error while handling the loss of %s", peer)
        self.flush()

    # -- output ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send what the endpoint has queued and re-arm the timer. The TU calls this after
        it acted on its own (a database answer came back, a timer of its own fired)."""
        for out in self.endpoint.take_outgoing():
            self._send(out)
        self.rearm()

    def _send(self, out: Outgoing) -> None:
        peer = out.peer
        if peer.transport == "udp":
            udp = self._udp_for(socket.AF_INET6 if ":" in peer.host else socket.AF_INET)
            if udp is not None:
                udp.send(out.data, peer)
                return
            log.warning("no UDP socket of the right family to send to %s", peer)
        elif peer.transport == "tcp" and self.tcp is not None:
            self.tcp.send(out.data, peer)
        else:
            log.warning("cannot send over %s to %s", peer.transport, peer)

    def _udp_for(self, family: int) -> UdpListener | None:
        for udp in self.udp:
            if udp.family == family:
                return udp
        return None

    # -- the one timer ---------------------------------------------------------------------

    def rearm(self) -> None:
        """Arm the single timer for the earliest deadline, if it is earlier than the armed one."""
        if self._closed or self._loop is None:
            return
        deadline = self.endpoint.get_timer()
        tu_deadline = self.tu.get_timer()
        if deadline is None or (tu_deadline is not None and tu_deadline < deadline):
            deadline = tu_deadline
        if deadline is None:
            return
        if self._timer_at is not None and self._timer_at <= deadline:
            return  # the armed timer comes first; it re-arms when it fires
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self._loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._timer_at = None
        assert self._loop is not None
        now = self._loop.time()
        try:
            events = self.endpoint.handle_timer(now)
            if events:
                self.tu.handle_events(events, now)
            self.tu.handle_timer(now)
        except Exception:
            log.exception("error in a SIP timer")
        self.flush()
