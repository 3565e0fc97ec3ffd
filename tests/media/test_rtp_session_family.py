"""Address families: a session sends only to its own family, moves to the other one whole, and
one playback that cannot send never stops the shared frame clock for the others."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from vaxel.media.g711 import PCMU
from vaxel.media.player import FrameClock, Player
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.sources import Silence

PORTS = PortAllocator(PortRange(34600, 34800), host="127.0.0.1")


async def until(condition, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def test_a_remote_of_the_other_family_or_no_address_is_nowhere_to_send() -> None:
    async def main() -> None:
        session = await RtpSession.open(ports=PORTS)
        try:
            assert session.family == socket.AF_INET
            session.set_remote("::1", 4000)
            assert session.remote is None and session.remote_rtcp is None
            session.set_remote("0.0.0.0", 4000)  # old-style hold
            assert session.remote is None
            session.set_remote("127.0.0.1", 4000)
            assert session.remote == ("127.0.0.1", 4000)
            assert session.remote_rtcp == ("127.0.0.1", 4001)
            session.send_frame(PCMU.silence())  # no exception, whatever the remote
            session._send_report()
        finally:
            session.close()

    asyncio.run(main())


def test_a_session_moves_to_ipv6_keeping_its_numbering_and_listeners() -> None:
    async def main() -> None:
        ours = await RtpSession.open(ports=PORTS)
        phone = await RtpSession.on_sockets(*PORTS.bind(host="::1"))
        heard_by_us: list[RtpPacket] = []
        heard_by_phone: list[RtpPacket] = []
        ours.add_audio_listener(heard_by_us.append)
        phone.add_audio_listener(heard_by_phone.append)
        try:
            assert phone.family == socket.AF_INET6 and phone.local_address[0] == "::1"
            ours.send_frame(PCMU.silence())  # numbering before the move
            old_port = ours.local_address[1]
            ours.move_to(*PORTS.bind(host="::1"))
            assert ours.family == socket.AF_INET6 and ours.local_address[0] == "::1"
            assert ours.local_address[1] != old_port
            ours.set_remote(*phone.local_address)
            phone.set_remote(*ours.local_address)
            await asyncio.sleep(0.01)  # the new sockets get their transports
            for _ in range(5):
                ours.send_frame(b"\x10" * 160)
                phone.send_frame(b"\x20" * 160)
            await until(lambda: len(heard_by_us) == 5 and len(heard_by_phone) == 5)
            assert [p.payload for p in heard_by_phone] == [b"\x10" * 160] * 5
            assert [p.payload for p in heard_by_us] == [b"\x20" * 160] * 5
            assert ours.remote == phone.local_address  # latched, over ::1
            assert ours.counters.packets_sent == 5  # the frame before went nowhere
            assert [p.timestamp - heard_by_phone[0].timestamp for p in heard_by_phone] == [
                160 * n for n in range(5)
            ]
        finally:
            ours.close()
            phone.close()

    asyncio.run(main())


def test_closing_while_a_move_is_attaching_leaks_no_socket() -> None:
    async def main() -> None:
        session = await RtpSession.open(ports=PORTS)
        rtp_sock, rtcp_sock = PORTS.bind(host="::1")
        session.move_to(rtp_sock, rtcp_sock)
        session.close()
        await asyncio.sleep(0.02)
        assert rtp_sock.fileno() == -1
        assert rtcp_sock is not None and rtcp_sock.fileno() == -1

    asyncio.run(main())


class _Broken:
    """A sink whose socket refuses the remote address (uvloop: "socket family mismatch")."""

    codec = PCMU
    closed = False

    def send_frame(self, payload: bytes, *, marker: bool = False, samples: int = 160) -> None:
        raise ValueError("socket family mismatch")

    def skip(self, samples: int) -> None:
        pass

    def add_digit_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        return lambda: None


def test_a_playback_that_cannot_send_ends_and_the_clock_serves_the_others() -> None:
    async def main() -> None:
        clock = FrameClock()
        sent: list[bytes] = []

        class Good(_Broken):
            def send_frame(
                self, payload: bytes, *, marker: bool = False, samples: int = 160
            ) -> None:
                sent.append(payload)

        broken = asyncio.ensure_future(Player(_Broken(), clock).play([Silence(0.1)]))
        good = asyncio.ensure_future(Player(Good(), clock).play([Silence(0.2)]))
        async with asyncio.timeout(2):
            failed, done = await asyncio.gather(broken, good)
        assert failed.outcome == "closed" and failed.frames == 0
        assert done.outcome == "completed" and len(sent) == 10

    asyncio.run(main())
