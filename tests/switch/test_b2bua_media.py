"""Whole calls with our own media, on the fake SIP link and real RTP on loopback: an IPv6 SDP
offer from an IPv4 phone gets our IPv6 media, one we cannot serve gets 488 (Warning 301), and
the end of the last prompt reaches the phone before our BYE."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from switchboard import REALM, Phone, Switchboard

from vaxel.domain.numbers import NumberPlan
from vaxel.media.g711 import PCMU
from vaxel.media.offer_answer import make_offer, to_sdp
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.media.tones import tone
from vaxel.media.wav import write_wav
from vaxel.sip import sdp
from vaxel.sip.message import Request, Response
from vaxel.switch.apps import PlanExecutor
from vaxel.switch.call_context import TAIL_S
from vaxel.switch.media_leg import MediaSettings
from vaxel.switch.signalling import CallApps, CallSettings, SwitchCalls
from vaxel.switch.targets import TargetDirectory

PHONES = PortAllocator(PortRange(35100, 35300), host="127.0.0.1")
OURS = PortRange(35300, 35500)
# What the switch says for a feature code when it has no FeatureApp: a recording that ends
# on full loudness, like a prompt recorded without trailing silence.
PROMPT = tone([1000.0], 600, ramp_ms=0)


@dataclass
class Heard:
    """The phone's media: each packet that arrived, with its arrival time."""

    session: RtpSession
    packets: list[tuple[float, RtpPacket]] = field(default_factory=list)

    def keep(self, packet: RtpPacket) -> None:
        self.packets.append((time.monotonic(), packet))


async def phone_media(host: str) -> Heard:
    heard = Heard(await RtpSession.on_sockets(*PHONES.bind(host=host)))
    heard.session.add_audio_listener(heard.keep)
    return heard


def offer_of(heard: Heard) -> bytes:
    host, port = heard.session.local_address
    return to_sdp(make_offer(host, port), session_id="7").to_bytes()


@dataclass
class Switch:
    board: Switchboard
    calls: SwitchCalls
    bye_at: float | None = None  # when the phone got our BYE


def switch(tmp_path: Path, media: MediaSettings) -> Switch:
    (tmp_path / "prompts" / "sv").mkdir(parents=True)
    write_wav(tmp_path / "prompts" / "sv" / "service_unavailable.wav", PROMPT)
    speech = Speech(tmp_path / "speech", tmp_path / "prompts")
    board = Switchboard()
    targets = TargetDirectory(None, REALM, NumberPlan())
    apps = CallApps(PlanExecutor(), speech)  # no FeatureApp: a feature code is announced
    calls = SwitchCalls(apps, board.directory, board.registrar, targets,
                        wallclock=board.clock, settings=CallSettings(media=media))  # fmt: skip
    made = Switch(board, calls)

    def flush() -> None:
        board.flush()
        if made.bye_at is None and any(
            isinstance(m, Request) and m.method == "BYE" for p in board.phones.values()
            for m in p.inbox
        ):  # fmt: skip
            made.bye_at = time.monotonic()

    calls.attach(board.b2bua, flush, clock=lambda: board.now)
    return made


def invite(phone: Phone, number: str, body: bytes) -> Request:
    first = phone.request("INVITE", f"sip:{number}@{REALM}", body=body)
    phone.send(first)
    challenge = phone.last("407")
    assert isinstance(challenge, Response)
    phone.send(phone.request("ACK", f"sip:{number}@{REALM}", call_id=first.call_id,
                             to=str(challenge.to), branch=first.top_via.branch))  # fmt: skip
    second = phone.request(
        "INVITE", f"sip:{number}@{REALM}", call_id=first.call_id, cseq=2, body=body,
        headers=[("Proxy-Authorization",
                  phone.credentials(challenge, first, "Proxy-Authenticate"))],
    )  # fmt: skip
    phone.send(second)
    return second


async def until(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def test_an_ipv6_offer_from_an_ipv4_phone_is_answered_and_heard_over_ipv6(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        made = switch(tmp_path, MediaSettings(OURS))  # any address: the family follows the SDP
        board = made.board
        alice = board.phone("1001", 5070)  # SIP over IPv4 (10.0.0.1)
        assert alice.register().status == 200
        alice.take()
        heard = await phone_media("::1")
        sent = asyncio.Event()

        async def talk() -> None:  # the phone's own audio, as a phone sends it all along
            while not sent.is_set():
                heard.session.send_frame(b"\x42" * 160)
                await asyncio.sleep(0.02)

        talking: asyncio.Task[None] | None = None
        try:
            request = invite(alice, "*21", offer_of(heard))
            await until(lambda: "200" in alice.got(), 5, "our answer")
            ok = alice.last("200")
            assert isinstance(ok, Response)
            answer = sdp.SessionDescription.parse(ok.body)
            assert answer.audio is not None
            connection = answer.connection_for(answer.audio)
            assert connection is not None and (connection.addrtype, connection.host) == (
                "IP6", "::1",
            )  # fmt: skip
            ours = made.calls.sides[request.call_id].a_media
            assert ours is not None
            heard.session.set_remote("::1", answer.audio.port)
            talking = asyncio.ensure_future(talk())
            await until(lambda: made.bye_at is not None, 10, "the prompt and our BYE")
            said = PcmSource(PROMPT).frame_list(PCMU)
            payloads = [packet.payload for _, packet in heard.packets]
            assert b"".join(said[1:-1]) in b"".join(payloads)  # the whole prompt, over ::1
            assert ours.session.counters.packets_received > 10  # and the phone heard over ::1
            assert ours.session.remote is not None and ours.session.remote[0] == "::1"
        finally:
            sent.set()
            if talking is not None:
                await talking
            heard.session.close()
            await made.calls.stop()

    asyncio.run(main())


def test_an_offer_of_a_family_we_have_no_address_of_gets_488_with_warning_301(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        made = switch(tmp_path, MediaSettings(OURS, "127.0.0.1"))  # bound to IPv4 only
        board = made.board
        alice = board.phone("1001", 5070)
        assert alice.register().status == 200
        alice.take()
        heard = await phone_media("::1")
        try:
            invite(alice, "*21", offer_of(heard))
            await until(lambda: "488" in alice.got(), 5, "the refusal")
            refused = alice.last("488")
            assert isinstance(refused, Response)
            warning = refused.headers.get("Warning")
            assert warning is not None and warning.startswith("301 ")
            assert '"Incompatible network address formats' in warning
            assert "200" not in alice.got() and not heard.packets
        finally:
            heard.session.close()
            await made.calls.stop()

    asyncio.run(main())


def test_the_end_of_the_last_prompt_is_followed_by_silence_before_the_bye(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        made = switch(tmp_path, MediaSettings(OURS, "127.0.0.1"))
        board = made.board
        bob = board.phone("1002", 5080)
        assert bob.register().status == 200
        bob.take()
        heard = await phone_media("127.0.0.1")
        try:
            invite(bob, "*21", offer_of(heard))
            await until(lambda: made.bye_at is not None, 10, "the prompt and our BYE")
            bye_at = made.bye_at
            assert bye_at is not None
            await asyncio.sleep(0.05)  # anything still on its way (there should be nothing)
            silent = PCMU.silence()
            loud = [i for i, (_, packet) in enumerate(heard.packets) if packet.payload != silent]
            assert len(loud) >= 29  # the prompt: 600 ms
            last_word_at = heard.packets[loud[-1]][0]
            tail = [at for at, packet in heard.packets[loud[-1] + 1 :] if at < bye_at]
            # 260 ms of silence (13 frames), paced, all before the BYE (a loop stalled for
            # 100 ms or more skips some); without it the BYE follows the last frame at once.
            assert len(tail) >= 8
            assert all(at < bye_at for at, _ in heard.packets)
            assert bye_at - last_word_at >= TAIL_S - 0.1
        finally:
            heard.session.close()
            await made.calls.stop()

    asyncio.run(main())
