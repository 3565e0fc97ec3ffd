"""Transport checks found by poking a running switch from outside: the event loop the server
really runs on (uvloop), TCP framing over it, and IPv6."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from test_transport import options, started, udp_exchange

from vaxel.sip.endpoint import Peer
from vaxel.sip.message import Request, parse_message
from vaxel.transport.limits import Limits

uvloop = pytest.importorskip("uvloop")


def run_on_uvloop(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(asyncio.wait_for(test(), 20))


def test_tcp_works_on_uvloop() -> None:
    """`vaxel serve` runs on uvloop, whose TCP transports are not asyncio.Transport
    subclasses: a connection must still be taken (it was refused with an AssertionError)."""

    async def scenario() -> None:
        transport, tu = await started([("127.0.0.1", 0)])
        try:
            port = transport.bound[0][2]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            first = options(port, "TCP", "z9hG4bKu1", "u1")
            second = options(port, "TCP", "z9hG4bKu2", "u2")
            writer.write(first + second[:30])
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(second[30:])
            await writer.drain()
            data = b""
            while data.count(b"SIP/2.0 200") < 2:
                chunk = await asyncio.wait_for(reader.read(65535), 2.0)
                assert chunk, "connection closed"
                data += chunk
            assert [e.request.call_id for e in tu.seen] == ["u1", "u2"]
            writer.close()
        finally:
            await transport.stop()

    run_on_uvloop(scenario)


def test_listening_on_the_ipv6_wildcard_takes_ipv4_too() -> None:
    """`--sip [::]:5060` means every address, as it does for most servers: IPv4 peers are
    answered on the same port (on IPv4 sockets of their own, so they keep their addresses)."""

    async def scenario() -> None:
        try:
            transport, tu = await started([("::", 0)])
        except OSError as error:
            pytest.skip(f"no IPv6: {error}")
        try:
            port = transport.bound[0][2]
            assert {(kind, host) for kind, host, p in transport.bound if p == port} == {
                ("udp", "::"),
                ("tcp", "::"),
                ("udp", "0.0.0.0"),
                ("tcp", "0.0.0.0"),
            }
            v4 = await udp_exchange(options(port, branch="z9hG4bKw4"), port)
            assert v4 is not None and v4.startswith(b"SIP/2.0 200")
            v6 = await udp_exchange(
                options(port, branch="z9hG4bKw6", host="[::1]"), port, host="::1"
            )
            assert v6 is not None and v6.startswith(b"SIP/2.0 200")
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(options(port, "TCP", "z9hG4bKw4t", "w4t"))
            await writer.drain()
            assert (await asyncio.wait_for(reader.read(65535), 2.0)).startswith(b"SIP/2.0 200")
            writer.close()
            assert {e.peer.host for e in tu.seen} == {"127.0.0.1", "::1"}
        finally:
            await transport.stop()

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_requests_we_send_name_a_real_address_in_their_via() -> None:
    """Listening on 0.0.0.0, the B leg's INVITE went out with "Via: SIP/2.0/UDP 0.0.0.0:5060":
    an address nobody can answer to. The Via names our address on the route to the peer."""

    async def scenario() -> None:
        transport, _ = await started([("0.0.0.0", 0)])
        try:
            port = transport.bound[0][2]
            loop = asyncio.get_running_loop()
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
                phone.setblocking(False)
                phone.bind(("127.0.0.1", 0))
                peer = Peer("udp", "127.0.0.1", phone.getsockname()[1])
                request = Request.create(
                    "OPTIONS",
                    f"sip:phone@127.0.0.1:{peer.port}",
                    [
                        ("Max-Forwards", "70"),
                        ("From", "<sip:vaxel@localhost>;tag=v"),
                        ("To", "<sip:phone@localhost>"),
                        ("Call-ID", "via1"),
                        ("CSeq", "1 OPTIONS"),
                    ],
                )
                transport.endpoint.send_request(request, peer, loop.time())
                transport.flush()
                data = await asyncio.wait_for(loop.sock_recv(phone, 65535), 2.0)
            sent = parse_message(data)
            assert (sent.top_via.host, sent.top_via.port) == ("127.0.0.1", port)
        finally:
            await transport.stop()

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_tcp_connections_per_source_are_limited_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One source could open connections until the process runs out of file descriptors
    (then the database and the media sockets fail too): past the per-source limit a new
    connection is closed at once, with a log line, and the others keep working."""

    async def scenario() -> None:
        transport, _ = await started([("127.0.0.1", 0)], Limits(max_tcp_per_source=3))
        try:
            port = transport.bound[0][2]
            opened = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
            refused = 0
            for reader, _ in opened[3:]:
                if await asyncio.wait_for(reader.read(), 2.0) == b"":
                    refused += 1
            assert refused == 2
            reader, writer = opened[0]
            writer.write(options(port, "TCP", "z9hG4bKl1", "l1"))
            await writer.drain()
            assert (await asyncio.wait_for(reader.read(65535), 2.0)).startswith(b"SIP/2.0 200")
            for _, writer in opened:
                writer.close()
            await asyncio.sleep(0.1)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)  # room again
            writer.write(options(port, "TCP", "z9hG4bKl2", "l2"))
            await writer.drain()
            assert (await asyncio.wait_for(reader.read(65535), 2.0)).startswith(b"SIP/2.0 200")
            writer.close()
        finally:
            await transport.stop()

    with caplog.at_level(logging.WARNING):
        asyncio.run(asyncio.wait_for(scenario(), 20))
    assert "too many TCP connections from 127.0.0.1" in caplog.text
