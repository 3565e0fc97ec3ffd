"""A second connection with the same (host, port) replaces the first and closes it; the TCP
connection limit fits the process's open-file limit (RLIMIT_NOFILE)."""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

import pytest

from vaxel.sip.endpoint import Peer
from vaxel.transport import limits as limits_module
from vaxel.transport.limits import RESERVED_FILES, fit_open_files
from vaxel.transport.tcp import TcpConnections, _TcpProtocol


class FakeStack:
    def __init__(self) -> None:
        self.lost: list[tuple[Peer, str]] = []

    def connection_lost(self, peer: Peer, reason: str) -> None:
        self.lost.append((peer, reason))

    def message_received(self, message: Any, peer: Peer) -> None:
        pass


class FakeTransport:
    def __init__(self, peer: tuple[str, int]) -> None:
        self.peer = peer
        self.closed = False

    def get_extra_info(self, name: str) -> Any:
        assert name == "peername"
        return self.peer

    def close(self) -> None:
        self.closed = True

    def write(self, data: bytes) -> None:
        pass


def test_a_second_connection_from_the_same_address_closes_the_first() -> None:
    async def run() -> None:
        stack = FakeStack()
        tcp = TcpConnections(stack, 65_535, 600.0)  # type: ignore[arg-type]
        try:
            first, second = _TcpProtocol(tcp, inbound=True), _TcpProtocol(tcp, inbound=True)
            old, new = FakeTransport(("10.0.0.1", 5060)), FakeTransport(("10.0.0.1", 5060))
            first.connection_made(old)  # type: ignore[arg-type]
            second.connection_made(new)  # type: ignore[arg-type]
            assert old.closed and not new.closed
            assert tcp.connections == {("10.0.0.1", 5060): second}
            assert tcp.per_source == {"10.0.0.1": 1}
            first.connection_lost(None)  # the old one's close completes: nothing to undo
            assert tcp.connections == {("10.0.0.1", 5060): second}
            assert tcp.per_source == {"10.0.0.1": 1} and stack.lost == []
            second.connection_lost(None)
            assert tcp.connections == {} and tcp.per_source == {}
            assert stack.lost == [(Peer("tcp", "10.0.0.1", 5060), "connection closed")]
        finally:
            await tcp.close()

    asyncio.run(run())


def test_the_same_connection_recorded_twice_is_not_closed() -> None:
    async def run() -> None:
        tcp = TcpConnections(FakeStack(), 65_535, 600.0)  # type: ignore[arg-type]
        try:
            conn = _TcpProtocol(tcp, inbound=True)
            sock = FakeTransport(("10.0.0.1", 5060))
            conn.connection_made(sock)  # type: ignore[arg-type]
            tcp.connected(conn)
            assert not sock.closed and tcp.per_source == {"10.0.0.1": 1}
        finally:
            await tcp.close()

    asyncio.run(run())


class FakeRlimit:
    def __init__(self, soft: int, hard: int, refuse: bool = False) -> None:
        self.soft, self.hard, self.refuse = soft, hard, refuse
        self.set: list[tuple[int, int]] = []

    def getrlimit(self, which: int) -> tuple[int, int]:
        assert which == resource.RLIMIT_NOFILE
        return self.soft, self.hard

    def setrlimit(self, which: int, value: tuple[int, int]) -> None:
        assert which == resource.RLIMIT_NOFILE
        if self.refuse:
            raise ValueError("not allowed")
        self.set.append(value)
        self.soft, self.hard = value


@pytest.fixture
def rlimit(monkeypatch: pytest.MonkeyPatch) -> FakeRlimit:
    fake = FakeRlimit(1024, 1024)
    monkeypatch.setattr(limits_module.resource, "getrlimit", fake.getrlimit)
    monkeypatch.setattr(limits_module.resource, "setrlimit", fake.setrlimit)
    return fake


def test_a_soft_limit_too_low_is_raised_to_what_the_limits_need(rlimit: FakeRlimit) -> None:
    rlimit.soft, rlimit.hard = 1024, 1_048_576
    assert fit_open_files(10_000) == 10_000
    assert rlimit.set == [(10_000 + RESERVED_FILES, 1_048_576)]


def test_a_soft_limit_is_raised_without_bound_when_the_hard_limit_is_unlimited(
    rlimit: FakeRlimit,
) -> None:
    rlimit.soft, rlimit.hard = 1024, resource.RLIM_INFINITY
    assert fit_open_files(10_000) == 10_000
    assert rlimit.set == [(10_000 + RESERVED_FILES, resource.RLIM_INFINITY)]


def test_a_hard_limit_too_low_lowers_the_connection_limit_with_one_line(
    rlimit: FakeRlimit, caplog: pytest.LogCaptureFixture
) -> None:
    rlimit.soft, rlimit.hard = 1024, 4096
    with caplog.at_level(logging.WARNING, logger="vaxel.transport.limits"):
        assert fit_open_files(10_000) == 4096 - RESERVED_FILES
    assert rlimit.set == [(4096, 4096)]
    [line] = [r.getMessage() for r in caplog.records]
    assert "4096" in line and "10000" in line and str(4096 - RESERVED_FILES) in line


def test_a_refused_raise_lowers_the_connection_limit(rlimit: FakeRlimit) -> None:
    rlimit.soft, rlimit.hard, rlimit.refuse = 1024, 1_048_576, True
    assert fit_open_files(10_000) == 1024 - RESERVED_FILES


def test_a_soft_limit_high_enough_is_left_alone(rlimit: FakeRlimit) -> None:
    rlimit.soft, rlimit.hard = 65_536, 65_536
    assert fit_open_files(10_000) == 10_000
    assert rlimit.set == []


def test_the_tcp_connections_take_the_fitted_limit(rlimit: FakeRlimit) -> None:
    rlimit.soft, rlimit.hard = 1024, 1024

    async def run() -> None:
        tcp = TcpConnections(FakeStack(), 65_535, 600.0, max_total=10_000)  # type: ignore[arg-type]
        try:
            assert tcp.max_total == 1024 - RESERVED_FILES
        finally:
            await tcp.close()

    asyncio.run(run())
