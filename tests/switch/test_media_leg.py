"""Our media leg follows the address family of the far end's SDP, or refuses it (488, 301)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from vaxel.media.g711 import PCMU
from vaxel.media.offer_answer import OfferAnswerError, make_offer, to_sdp
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.sip import sdp
from vaxel.switch import media_leg
from vaxel.switch.media_leg import FamilyNotServed, MediaLegs, MediaSettings
from vaxel.transport import stack

RANGE = PortRange(34800, 35000)
PHONES = PortAllocator(PortRange(35000, 35100), host="127.0.0.1")


def offer_from(session: RtpSession, host: str | None = None) -> bytes:
    address, port = session.local_address
    return to_sdp(make_offer(host or address, port), session_id="9").to_bytes()


def connection(body: bytes) -> tuple[str, str, int]:
    """(address type, address, port) of an SDP answer's audio."""
    parsed = sdp.SessionDescription.parse(body)
    audio = parsed.audio
    assert audio is not None
    found = parsed.connection_for(audio)
    assert found is not None
    return found.addrtype, found.host, audio.port


async def until(condition, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def both_ways(ours: RtpSession, phone: RtpSession) -> None:
    """Five frames each way arrive."""
    to_phone: list[RtpPacket] = []
    to_us: list[RtpPacket] = []
    stops = [phone.add_audio_listener(to_phone.append), ours.add_audio_listener(to_us.append)]
    try:
        await asyncio.sleep(0.01)  # a moved session's new sockets get their transports
        for _ in range(5):
            phone.send_frame(PCMU.silence())
            ours.send_frame(PCMU.silence())
            await asyncio.sleep(0.005)
        await until(lambda: len(to_phone) >= 5 and len(to_us) >= 5)
    finally:
        for stop in stops:
            stop()


def test_the_switch_uses_the_transports_facing_address() -> None:
    assert media_leg.facing_address is stack.facing_address


def test_an_ipv6_offer_from_an_ipv4_peer_gets_an_ipv6_answer_and_rtp_over_ipv6() -> None:
    async def main() -> None:
        legs = MediaLegs(MediaSettings(RANGE))  # bound to any address: the family follows
        leg = await legs.open("127.0.0.1")  # the SIP peer is on IPv4
        phone = await RtpSession.on_sockets(*PHONES.bind(host="::1"))
        try:
            assert leg.session.family == socket.AF_INET
            answer = leg.answer(offer_from(phone))
            kind, host, port = connection(answer)
            assert (kind, host) == ("IP6", "::1")
            assert leg.session.family == socket.AF_INET6 and leg.session.local_address[1] == port
            phone.set_remote(host, port)
            await both_ways(leg.session, phone)
            assert leg.session.remote == phone.local_address
        finally:
            leg.close()
            phone.close()

    asyncio.run(main())


def test_a_reinvite_that_changes_family_moves_the_media_back() -> None:
    async def main() -> None:
        legs = MediaLegs(MediaSettings(RANGE))
        leg = await legs.open("127.0.0.1")
        phone6 = await RtpSession.on_sockets(*PHONES.bind(host="::1"))
        phone4 = await RtpSession.open(ports=PHONES)
        heard: list[RtpPacket] = []
        leg.session.add_audio_listener(heard.append)  # stays through both moves
        try:
            assert connection(leg.answer(offer_from(phone6)))[0] == "IP6"
            kind, host, port = connection(leg.answer(offer_from(phone4)))  # the re-INVITE
            assert (kind, host) == ("IP4", "127.0.0.1") and leg.local is not None
            assert leg.session.family == socket.AF_INET
            phone4.set_remote(host, port)
            await both_ways(leg.session, phone4)
            assert heard and leg.version == 2
        finally:
            leg.close()
            phone6.close()
            phone4.close()

    asyncio.run(main())


def test_a_family_we_are_not_bound_to_is_refused_and_the_session_stays() -> None:
    async def main() -> None:
        legs = MediaLegs(MediaSettings(RANGE, "127.0.0.1"))  # IPv4 only
        leg = await legs.open("127.0.0.1")
        phone = await RtpSession.on_sockets(*PHONES.bind(host="::1"))
        try:
            before = leg.session.local_address
            with pytest.raises(FamilyNotServed) as refused:
                leg.answer(offer_from(phone))
            assert isinstance(refused.value, OfferAnswerError)
            code, text = refused.value.warning
            assert code == 301 and text.startswith("Incompatible network address formats")
            assert leg.session.local_address == before and leg.local is None
        finally:
            leg.close()
            phone.close()

    asyncio.run(main())


def test_no_route_of_that_family_means_no_address_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # facing_address falls back to loopback when the host has no route of that family.
    monkeypatch.setattr(media_leg, "facing_address", lambda host: "::1")
    legs = MediaLegs(MediaSettings(RANGE))
    assert legs.host_for_media("2001:db8::5", "192.0.2.1") is None
    assert legs.host_for_media("::1", "192.0.2.1") == "::1"
    assert legs.host_for_media("media.example.com", "2001:db8::9") is None  # a name, other family
    monkeypatch.setattr(media_leg, "facing_address", lambda host: "2001:db8::1")
    assert legs.host_for_media("2001:db8::5", "192.0.2.1") == "2001:db8::1"
    advertised = MediaLegs(MediaSettings(RANGE, advertise="198.51.100.7"))
    assert advertised.host_for("192.0.2.1") == "198.51.100.7"
    assert advertised.host_for("2001:db8::5") == "2001:db8::1"  # the NAT address is IPv4


def test_an_old_style_hold_keeps_the_family() -> None:
    async def main() -> None:
        legs = MediaLegs(MediaSettings(RANGE))
        leg = await legs.open("127.0.0.1")
        phone = await RtpSession.on_sockets(*PHONES.bind(host="::1"))
        try:
            leg.answer(offer_from(phone))
            port = leg.session.local_address[1]
            kind, _, answered_port = connection(leg.answer(offer_from(phone, host="0.0.0.0")))
            assert leg.session.family == socket.AF_INET6 and answered_port == port
            assert kind == "IP6" and leg.session.remote is None and not leg.session.sending
        finally:
            leg.close()
            phone.close()

    asyncio.run(main())
