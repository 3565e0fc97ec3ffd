"""SIP over TCP: messages framed by Content-Length, connections reused in both directions.

A connection is known by its peer's (host, port). Responses go back over the connection the
request came on, and requests to a peer we already have a connection with reuse it (a phone
registered over TCP is reached through its own connection). Idle connections are closed, and
so is a new connection past the limits on open connections (per source IP, and in all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, cast

from vaxel.sip.endpoint import Peer
from vaxel.sip.errors import SipError
from vaxel.sip.framing import StreamFramer
from vaxel.transport.limits import fit_open_files

if TYPE_CHECKING:
    from vaxel.transport.stack import SipTransport

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
MAX_PENDING = 256 * 1024  # bytes buffered while a connection is being made


class _TcpProtocol(asyncio.Protocol):
    def __init__(self, owner: TcpConnections, inbound: bool = False) -> None:
        self.owner = owner
        self.inbound = inbound
        self.framer = StreamFramer(owner.max_size)
        self.transport: asyncio.Transport | None = None
        self.peer: Peer | None = None
        self.last_active = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # No isinstance check: uvloop's TCPTransport (what `vaxel serve` runs on) has the
        # methods of asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        host, port = transport.get_extra_info("peername")[:2]
        self.peer = Peer("tcp", host, port)
        self.last_active = self.owner.loop.time()
        if self.inbound and not self.owner.admit(host):
            self.peer = None  # never counted: connection_lost has nothing to undo
            transport.close()
            return
        self.owner.connected(self)

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            return  # refused (over the limits), closing
        self.last_active = self.owner.loop.time()
        try:
            messages = self.framer.feed(data)
        except SipError as error:
            log.warning("closing TCP connection from %s: %s", self.peer, error)
            self.close()
            return
        if self.framer.pings and self.transport is not None:
            self.transport.write(b"\r\n" * self.framer.pings)  # RFC 5626 §3.5.1 pong
        for message in messages:
            self.owner.stack.message_received(message, self.peer)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None:
            self.owner.disconnected(self, "connection closed" if exc is None else str(exc))

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.last_active = self.owner.loop.time()
        self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class TcpConnections:
    """The TCP listeners and every open connection, in and out."""

    def __init__(
        self,
        stack: SipTransport,
        max_size: int,
        idle_timeout: float,
        *,
        max_per_source: int = 1_000,
        max_total: int = 10_000,
        log_interval: float = 10.0,
    ) -> None:
        self.stack = stack
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        self.max_per_source = max_per_source
        self.max_total = fit_open_files(max_total)
        self.log_interval = log_interval
        self.loop = asyncio.get_running_loop()
        self.servers: list[asyncio.Server] = []
        self.connections: dict[tuple[str, int], _TcpProtocol] = {}
        self.per_source: dict[str, int] = {}  # open connections by peer host
        self.refused = 0
        self._logged_at: dict[str, float] = {}
        self._pending: dict[tuple[str, int], list[bytes]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper = self.loop.call_later(self._sweep_interval(), self._sweep)

    def _sweep_interval(self) -> float:
        return max(1.0, min(60.0, self.idle_timeout / 4))

    async def listen(self, host: str, port: int) -> None:
        server = await self.loop.create_server(
            lambda: _TcpProtocol(self, inbound=True), host, port, reuse_address=True
        )
        self.servers.append(server)

    def admit(self, host: str) -> bool:
        """Whether a new connection from `host` is within the limits (else log, seldom)."""
        count = self.per_source.get(host, 0)
        if count < self.max_per_source and len(self.connections) < self.max_total:
            return True
        self.refused += 1
        now = self.loop.time()
        if now - self._logged_at.get(host, float("-inf")) >= self.log_interval:
            if len(self._logged_at) > 10_000:
                self._logged_at.clear()
            self._logged_at[host] = now
            log.warning(
                "too many TCP connections from %s (%d open, %d in all; limits %d and %d): "
                "closing new ones (%d so far)",
                host,
                count,
                len(self.connections),
                self.max_per_source,
                self.max_total,
                self.refused,
            )
        return False

    def connected(self, conn: _TcpProtocol) -> None:
        assert conn.peer is not None
        key = (conn.peer.host, conn.peer.port)
        old = self.connections.get(key)
        self.connections[key] = conn
        if old is None:
            self.per_source[key[0]] = self.per_source.get(key[0], 0) + 1
        elif old is not conn:
            # A second connection with the same (host, port): left open, the old one would
            # escape the limits and the idle sweep. Its connection_lost finds the new one
            # recorded and undoes nothing.
            log.info("new TCP connection with %s: closing the old one", conn.peer)
            old.close()
        for data in self._pending.pop(key, []):
            conn.write(data)

    def disconnected(self, conn: _TcpProtocol, reason: str) -> None:
        assert conn.peer is not None
        key = (conn.peer.host, conn.peer.port)
        if self.connections.get(key) is conn:
            del self.connections[key]
            left = self.per_source.get(key[0], 1) - 1
            if left > 0:
                self.per_source[key[0]] = left
            else:
                self.per_source.pop(key[0], None)
            self.stack.connection_lost(conn.peer, reason)

    def send(self, data: bytes, peer: Peer) -> None:
        key = (peer.host, peer.port)
        conn = self.connections.get(key)
        if conn is not None:
            conn.write(data)
            return
        pending = self._pending.get(key)
        if pending is not None:  # a connection is being made
            if sum(map(len, pending)) + len(data) <= MAX_PENDING:
                pending.append(data)
            return
        self._pending[key] = [data]
        task = self.loop.create_task(self._connect(peer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, peer: Peer) -> None:
        key = (peer.host, peer.port)
        try:
            await asyncio.wait_for(
                self.loop.create_connection(lambda: _TcpProtocol(self), peer.host, peer.port),
                CONNECT_TIMEOUT,
            )
        except (OSError, TimeoutError) as error:
            self._pending.pop(key, None)
            log.info("could not connect to %s over TCP: %s", peer, error)
            self.stack.connection_lost(peer, f"connect failed: {error}")

    def _sweep(self) -> None:
        now = self.loop.time()
        for conn in list(self.connections.values()):
            if now - conn.last_active > self.idle_timeout:
                log.debug("closing idle TCP connection to %s", conn.peer)
                conn.close()
        self._sweeper = self.loop.call_later(self._sweep_interval(), self._sweep)

    async def close(self) -> None:
        self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()
        for server in self.servers:
            server.close()
        for conn in list(self.connections.values()):
            conn.close()
        for server in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        self.connections.clear()
        self.per_source.clear()
