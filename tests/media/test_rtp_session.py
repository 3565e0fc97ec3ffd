"""Two RtpSessions on loopback: audio both ways, DTMF, latching, RTCP."""

from __future__ import annotations

import asyncio
import math
from array import array

import pytest

from vaxel.media.dtmf import DtmfSender
from vaxel.media.g711 import PCMA, PCMU, ulaw_decode, ulaw_encode
from vaxel.media.rtcp import RtcpBye, RtcpSenderReport, parse_compound
from vaxel.media.rtp import RtpPacket, seq_add
from vaxel.media.session import PortAllocator, PortRange, RtpSession

PORTS = PortAllocator(PortRange(31000, 31400), host="127.0.0.1")


def frame(n: int) -> bytes:
    return array("h", (round(6000 * math.sin(0.3 * (160 * n + i))) for i in range(160))).tobytes()


async def pair() -> tuple[RtpSession, RtpSession]:
    a = await RtpSession.open("127.0.0.1", ports=PORTS)
    b = await RtpSession.open("127.0.0.1", ports=PORTS)
    a.set_remote(*b.local_address)
    b.set_remote(*a.local_address)
    return a, b


async def until(condition, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def test_fifty_frames_of_pcmu_arrive_decoded() -> None:
    async def main() -> None:
        a, b = await pair()
        received: list[RtpPacket] = []
        b.add_audio_listener(received.append)
        for n in range(50):
            a.send_pcm(frame(n), marker=n == 0)
        await until(lambda: len(received) == 50)
        received.sort(key=lambda p: p.timestamp)  # loopback keeps order, but do not rely on it
        assert b.codec is PCMU and all(p.payload_type == 0 and p.ssrc == a.ssrc for p in received)
        assert [p.sequence_number for p in received] == [
            seq_add(received[0].sequence_number, n) for n in range(50)
        ]
        assert [(p.timestamp - received[0].timestamp) % 2**32 for p in received] == [
            160 * n for n in range(50)
        ]
        assert received[0].marker and not any(p.marker for p in received[1:])
        decoded = b"".join(b.codec.decode(p.payload) for p in received)
        assert decoded == b"".join(ulaw_decode(ulaw_encode(frame(n))) for n in range(50))
        assert b.stats.packets == 50 and b.stats.lost == 0
        assert a.counters.packets_sent == 50
        a.close()
        b.close()

    asyncio.run(main())


def test_ports_are_even_with_rtcp_above() -> None:
    async def main() -> None:
        a, b = await pair()
        assert a.local_address[1] % 2 == 0 and 31000 <= a.local_address[1] < 31400
        assert a.local_address[1] != b.local_address[1]
        assert a._rtcp_sock is not None
        assert a._rtcp_sock.getsockname()[1] == a.local_address[1] + 1
        a.close()
        b.close()

    asyncio.run(main())


def test_dtmf_reaches_the_listener_once_per_press() -> None:
    async def main() -> None:
        a, b = await pair()
        digits: list[str] = []
        b.add_digit_listener(digits.append)
        await a.send_dtmf("4", duration_ms=60)
        sender = DtmfSender(payload_type=101)
        for packet in sender.packets("#", ssrc=a.ssrc, sequence_number=9, timestamp=99_999):
            a.send_packet(packet)
            a.send_packet(packet)  # everything twice
        await until(lambda: len(digits) == 2)
        await asyncio.sleep(0.05)
        assert digits == ["4", "#"]
        a.close()
        b.close()

    asyncio.run(main())


def test_symmetric_rtp_latches_to_the_real_source() -> None:
    async def main() -> None:
        server = await RtpSession.open("127.0.0.1", ports=PORTS)
        phone = await RtpSession.open("127.0.0.1", ports=PORTS)
        intruder = await RtpSession.open("127.0.0.1", ports=PORTS)
        server.set_remote("127.0.0.1", 9)  # what the SDP said, behind a NAT: wrong
        phone.set_remote(*server.local_address)
        intruder.set_remote(*server.local_address)
        heard: list[int] = []
        server.add_audio_listener(lambda p: heard.append(p.ssrc))
        phone.send_pcm(frame(0))
        await until(lambda: heard == [phone.ssrc])
        assert server.remote == phone.local_address
        intruder.send_pcm(frame(0))
        back: list[RtpPacket] = []
        phone.add_audio_listener(back.append)
        server.send_pcm(frame(1))
        await until(lambda: len(back) == 1)
        assert heard == [phone.ssrc] and server.counters.foreign == 1
        for s in (server, phone, intruder):
            s.close()

    asyncio.run(main())


def test_rtcp_report_and_bye() -> None:
    async def main() -> None:
        a, b = await pair()
        raw: list[bytes] = []
        b_rtcp = b._rtcp
        assert b_rtcp is not None
        protocol = b_rtcp.get_protocol()
        original = protocol.receive  # type: ignore[attr-defined]

        def spy(data: bytes, source: tuple[str, int]) -> None:
            raw.append(data)
            original(data, source)

        protocol.receive = spy  # type: ignore[attr-defined]
        for n in range(5):
            a.send_pcm(frame(n))
        a.close()
        await until(lambda: bool(raw))
        packets = parse_compound(raw[-1])
        assert isinstance(packets[0], RtcpSenderReport) and packets[0].packet_count == 5
        assert isinstance(packets[-1], RtcpBye) and packets[-1].sources == (a.ssrc,)
        assert b.remote_bye
        b.close()

    asyncio.run(main())


def test_closing_tells_listeners_and_stops_sending() -> None:
    async def main() -> None:
        a, b = await pair()
        closed: list[bool] = []
        a.add_close_listener(lambda: closed.append(True))
        a.close()
        a.close()
        await a.wait_closed()
        assert closed == [True] and a.closed
        a.send_pcm(frame(0))  # nowhere to go: no error
        assert a.counters.packets_sent == 0
        b.close()

    asyncio.run(main())


def test_configure_from_negotiation() -> None:
    from vaxel.media.offer_answer import MediaDescription, RtpMap, answer_offer

    async def main() -> None:
        a, b = await pair()
        remote = MediaDescription(*b.local_address, (RtpMap(8, "PCMA", 8000),), "sendrecv")
        a.configure(answer_offer(remote, *a.local_address))
        assert a.codec is PCMA and a.dtmf_payload_type is None
        b.codec = PCMA
        got: list[RtpPacket] = []
        b.add_audio_listener(got.append)
        a.send_pcm(frame(0))
        await until(lambda: len(got) == 1)
        assert got[0].payload_type == 8
        with pytest.raises(ValueError, match="no telephone-event"):
            await a.send_dtmf("1")
        a.close()
        b.close()

    asyncio.run(main())


def test_port_range_is_checked_and_exhaustion_is_an_error() -> None:
    with pytest.raises(ValueError, match="even port"):
        PortRange(20001, 20010)

    async def main() -> None:
        tiny = PortAllocator(PortRange(31500, 31504), host="127.0.0.1")
        sessions = [await RtpSession.open(ports=tiny), await RtpSession.open(ports=tiny)]
        with pytest.raises(OSError, match="no free RTP port pair"):
            await RtpSession.open(ports=tiny)
        for s in sessions:
            s.close()

    asyncio.run(main())


def test_a_new_talkspurt_after_a_pause_moves_the_timestamp_on() -> None:
    async def main() -> None:
        a, b = await pair()
        got: list[RtpPacket] = []
        b.add_audio_listener(got.append)
        a.send_pcm(frame(0), marker=True)
        a.send_pcm(frame(1))
        await asyncio.sleep(0.2)
        a.send_pcm(frame(2), marker=True)  # the next prompt, 200 ms later
        await until(lambda: len(got) == 3)
        assert (got[1].timestamp - got[0].timestamp) % 2**32 == 160
        assert 1400 <= (got[2].timestamp - got[1].timestamp) % 2**32 < 8000
        assert [seq_add(got[0].sequence_number, n) for n in range(3)] == [
            p.sequence_number for p in got
        ]
        a.close()
        b.close()

    asyncio.run(main())


def test_a_freed_port_rests_while_the_range_goes_round() -> None:
    async def main() -> None:
        span = PortRange(32400, 32410)
        first = await RtpSession.open("127.0.0.1", ports=span)
        second = await RtpSession.open("127.0.0.1", ports=span)
        first.close()
        third = await RtpSession.open("127.0.0.1", ports=span)
        ports = [s.local_address[1] for s in (first, second, third)]
        assert len(set(ports)) == 3  # the third did not take the port the first just freed
        second.close()
        third.close()

    asyncio.run(main())
