"""The asyncio transport on loopback: UDP and TCP on one port, limits, and bad bytes."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from vaxel.sip.endpoint import Endpoint, EndpointEvent, Peer, RequestReceived
from vaxel.sip.message import parse_message
from vaxel.transport.limits import Limits, SourceLimiter
from vaxel.transport.stack import SipTransport, parse_listen


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (no pytest plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), 20))

    return wrapper


class EchoTU:
    """Answers every request with 200 (and remembers what it saw)."""

    def __init__(self) -> None:
        self.endpoint: Endpoint | None = None
        self.seen: list[RequestReceived] = []

    def handle_events(self, events: list[EndpointEvent], now: float) -> None:
        assert self.endpoint is not None
        for event in events:
            if isinstance(event, RequestReceived):
                self.seen.append(event)
                reply = event.request.response(200, to_tag="t1")
                self.endpoint.send_response(event.tx, reply, now)

    def get_timer(self) -> float | None:
        return None

    def handle_timer(self, now: float) -> None:
        pass


def options(
    port: int,
    transport: str = "UDP",
    branch: str = "z9hG4bKt1",
    call: str = "c1",
    host: str = "127.0.0.1",
) -> bytes:
    return (
        f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport} 192.0.2.9:5060;branch={branch};rport\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=f1\r\nTo: <sip:b@example.com>\r\n"
        f"Call-ID: {call}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def started(
    listen: list[tuple[str, int]], limits: Limits | None = None
) -> tuple[SipTransport, EchoTU]:
    tu = EchoTU()
    endpoint = Endpoint()
    tu.endpoint = endpoint
    transport = SipTransport(endpoint, tu, listen, limits=limits)
    await transport.start()
    return transport, tu


async def udp_exchange(
    data: bytes, port: int, host: str = "127.0.0.1", timeout: float = 2.0
) -> bytes | None:
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.bind((host, 0))
        await loop.sock_sendto(sock, data, (host, port))
        try:
            return await asyncio.wait_for(loop.sock_recv(sock, 65535), timeout)
        except TimeoutError:
            return None


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:5070") == ("127.0.0.1", 5070)
    assert parse_listen("[::1]:5070") == ("::1", 5070)
    assert parse_listen("::1") == ("::1", 5060)
    assert parse_listen(":5062") == ("0.0.0.0", 5062)


@run_async
async def test_udp_answer_goes_to_the_source_with_received_and_rport() -> None:
    transport, tu = await started([("127.0.0.1", 0)])
    try:
        port = transport.bound[0][2]
        answer = await udp_exchange(options(port), port)
        assert answer is not None
        response = parse_message(answer)
        via = response.top_via
        assert via.received == "127.0.0.1"  # the Via said 192.0.2.9: we note the real source
        assert isinstance(via.rport, int) and via.rport > 0
        assert tu.seen[0].peer.transport == "udp"
    finally:
        await transport.stop()


@run_async
async def test_tcp_on_the_same_port_frames_by_content_length() -> None:
    transport, tu = await started([("127.0.0.1", 0)])
    try:
        port = transport.bound[0][2]
        assert ("tcp", "127.0.0.1", port) in transport.bound
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Two messages in one write, the second split in two: framing must cut them right.
        first = options(port, "TCP", "z9hG4bKa", "ca")
        second = options(port, "TCP", "z9hG4bKb", "cb")
        writer.write(first + second[:40])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(second[40:])
        await writer.drain()
        data = b""
        while data.count(b"SIP/2.0 200") < 2:
            data += await asyncio.wait_for(reader.read(65535), 2.0)
        assert [e.request.call_id for e in tu.seen] == ["ca", "cb"]
        assert all(e.peer.transport == "tcp" for e in tu.seen)
        writer.close()
    finally:
        await transport.stop()


@run_async
async def test_ipv6_and_ipv4_listen_together() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        transport, _ = await started([("127.0.0.1", 0), ("::1", 0)])
    except OSError as error:
        pytest.skip(f"no IPv6 loopback: {error}")
    try:
        v4 = transport.bound[0][2]
        v6 = next(port for kind, host, port in transport.bound if host == "::1")
        assert await udp_exchange(options(v4), v4) is not None
        answer = await udp_exchange(options(v6, branch="z9hG4bK6", host="[::1]"), v6, host="::1")
        assert answer is not None and answer.startswith(b"SIP/2.0 200")
    finally:
        await transport.stop()


@run_async
async def test_garbage_never_stops_the_server() -> None:
    transport, _ = await started([("127.0.0.1", 0)])
    try:
        port = transport.bound[0][2]
        junk = [
            b"",
            b"\x00" * 100,
            b"\r\n\r\n",
            b"INVITE\r\n\r\n",
            b"SIP/2.0 200\r\n\r\n",
            bytes(range(256)),
            b"OPTIONS sip:x SIP/2.0\r\nVia: broken\r\n\r\n",
            options(port).replace(b"CSeq: 1 OPTIONS", b"CSeq: one OPTIONS"),
        ]
        answers = [await udp_exchange(data, port, timeout=0.3) for data in junk]
        # The last one can be addressed: 400 naming the defect. The others are dropped.
        assert answers[-1] is not None and answers[-1].startswith(b"SIP/2.0 400 Bad CSeq")
        assert all(a is None for a in answers[:-1] if a is not None and b" 400 " not in a)
        # TCP garbage closes that connection only.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"NOT SIP AT ALL\r\n\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 2.0) == b""  # closed by us
        writer.close()
        answer = await udp_exchange(options(port, branch="z9hG4bKafter"), port)
        assert answer is not None and answer.startswith(b"SIP/2.0 200")
    finally:
        await transport.stop()


@run_async
async def test_oversize_message_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    transport, tu = await started([("127.0.0.1", 0)], Limits(max_message_size=2000))
    try:
        port = transport.bound[0][2]
        big = options(port).replace(
            b"Content-Length: 0", b"X-Pad: " + b"a" * 3000 + b"\r\nContent-Length: 0"
        )
        with caplog.at_level(logging.WARNING):
            assert await udp_exchange(big, port, timeout=0.3) is None
        assert "larger than the 2000-byte limit" in caplog.text
        assert tu.seen == []
    finally:
        await transport.stop()


@run_async
async def test_rate_limit_per_source_trips_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    transport, tu = await started([("127.0.0.1", 0)], Limits(rate=5, burst=5))
    try:
        port = transport.bound[0][2]
        loop = asyncio.get_running_loop()
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
            caplog.at_level(logging.WARNING),
        ):
            sock.setblocking(False)
            sock.bind(("127.0.0.1", 0))
            for i in range(30):
                await loop.sock_sendto(
                    sock, options(port, branch=f"z9hG4bKr{i}", call=f"r{i}"), ("127.0.0.1", port)
                )
            await asyncio.sleep(0.3)
        assert 5 <= len(tu.seen) < 10
        assert "rate limit: dropping messages from 127.0.0.1" in caplog.text
        assert transport.limiter.dropped_rate >= 20
    finally:
        await transport.stop()


def test_token_bucket_refills() -> None:
    limiter = SourceLimiter(Limits(rate=10, burst=2))
    assert limiter.allow("a", 100, 0.0) and limiter.allow("a", 100, 0.0)
    assert not limiter.allow("a", 100, 0.0)
    assert limiter.allow("b", 100, 0.0)  # another source has its own bucket
    assert limiter.allow("a", 100, 0.1)  # one token back after 1/rate s


@run_async
async def test_requests_to_a_tcp_peer_reuse_its_connection() -> None:
    transport, tu = await started([("127.0.0.1", 0)])
    try:
        port = transport.bound[0][2]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(options(port, "TCP", "z9hG4bKc", "cc"))
        await writer.drain()
        await asyncio.wait_for(reader.read(65535), 2.0)
        peer = tu.seen[0].peer
        assert transport.tcp is not None and (peer.host, peer.port) in transport.tcp.connections
        # A request from us to that peer goes down the same connection.
        endpoint = transport.endpoint
        from vaxel.sip.message import Request

        request = Request.create(
            "OPTIONS",
            f"sip:{peer.host}:{peer.port}",
            [
                ("Max-Forwards", "70"),
                ("From", "<sip:vaxel@localhost>;tag=v"),
                ("To", "<sip:peer@localhost>"),
                ("Call-ID", "out1"),
                ("CSeq", "1 OPTIONS"),
            ],
        )
        endpoint.send_request(request, Peer("tcp", peer.host, peer.port), 0.0)
        transport.flush()
        data = await asyncio.wait_for(reader.read(65535), 2.0)
        assert data.startswith(b"OPTIONS sip:")
        writer.close()
    finally:
        await transport.stop()
