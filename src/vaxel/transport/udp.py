"""SIP over UDP: one datagram is one message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import TYPE_CHECKING

from vaxel.sip.endpoint import Peer

if TYPE_CHECKING:
    from vaxel.transport.stack import SipTransport

log = logging.getLogger(__name__)


# Sources whose Peer is kept for reuse: a phone sends from one address, again and again.
MAX_KNOWN_PEERS = 10_000


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner
        self.peers: dict[tuple[str | object, ...], Peer] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        peer = self.peers.get(addr)
        if peer is None:
            host = addr[0]
            port = addr[1]
            assert isinstance(host, str) and isinstance(port, int)
            if len(self.peers) >= MAX_KNOWN_PEERS:
                self.peers.clear()
            peer = self.peers[addr] = Peer("udp", host, port)
        self.owner.message_received(data, peer)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: the retransmission timers take care of it.
        log.debug("UDP error: %s", exc)


class UdpListener:
    """A bound UDP socket that hands datagrams to the SipTransport."""

    def __init__(self, transport: asyncio.DatagramTransport, family: int, port: int) -> None:
        self.transport = transport
        self.family = family
        self.port = port

    @classmethod
    async def open(cls, owner: SipTransport, host: str, port: int, buffer: int) -> UdpListener:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
                with contextlib.suppress(OSError):  # a smaller buffer will do
                    sock.setsockopt(socket.SOL_SOCKET, option, buffer)
            sock.bind((host, port))
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _UdpProtocol(owner), sock=sock)
        return cls(transport, family, sock.getsockname()[1])

    def send(self, data: bytes, peer: Peer) -> None:
        self.transport.sendto(data, (peer.host, peer.port))

    def close(self) -> None:
        self.transport.close()
