"""Whole calls in one process: the fake SIP link, the B2BUA with the switch's apps (routing, the
plan executor, feature codes, the queue), and real RTP on loopback for the caller's media."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from switchboard import REALM, Phone, Switchboard

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.calls import CallOutcome
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person
from vaxel.media.g711 import PCMU
from vaxel.media.offer_answer import make_offer, to_sdp
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import PortRange, RtpSession
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.sip.message import Request, Response
from vaxel.switch.apps import PlanExecutor, SwitchboardQueue
from vaxel.switch.apps.features import FeatureApp
from vaxel.switch.b2bua import CallState
from vaxel.switch.media_leg import MediaSettings
from vaxel.switch.signalling import CallApps, CallSettings, SwitchCalls
from vaxel.switch.targets import Device, TargetDirectory, build_snapshot

PLAN = NumberPlan()
ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


@pytest.fixture
def speech(request: pytest.FixtureRequest, tmp_path: Path) -> Speech:
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == ROOT_CONFTEST:
            plugin.need_program("espeak-ng")
    return Speech(tmp_path / "speech")


@dataclass
class Heard:
    """The caller's media: every PCMU payload that arrived, in order."""

    session: RtpSession
    payloads: list[bytes]

    def contains(self, frames: tuple[bytes, ...]) -> bool:
        return b"".join(frames[5:-5]) in b"".join(self.payloads)


async def caller_media() -> Heard:
    session = await RtpSession.open("127.0.0.1", ports=PortRange(37000, 37200))
    payloads: list[bytes] = []

    def keep(packet: RtpPacket) -> None:
        payloads.append(packet.payload)

    session.add_audio_listener(keep)
    return Heard(session, payloads)


def offer_of(heard: Heard) -> bytes:
    host, port = heard.session.local_address
    return to_sdp(make_offer(host, port), session_id="7").to_bytes()


def switch_with_apps(speech: Speech) -> tuple[Switchboard, SwitchCalls, SwitchboardQueue]:
    board = Switchboard()
    snapshot = build_snapshot(
        people=[Person(1, "Alva Berg", "alva@x.se", 1), Person(2, "Bo Ek", "bo@x.se", 1)],
        units=[Unit(1, "Sjöby kommun", UnitKind.KOMMUN)],
        numbers=[
            (NumberAssignment(PLAN.e164_for_extension(e), NumberKind.EXTENSION, person_id=p,
                              extension=e), None)
            for e, p in (("1001", 1), ("1002", 2))
        ],
        devices=[(1, Device(1, "1001", DeviceKind.SOFTPHONE)),
                 (2, Device(2, "1002", DeviceKind.DESK))],
    )
    targets = TargetDirectory(None, REALM, PLAN)
    targets.snapshot = snapshot
    queue = SwitchboardQueue("vaxeln", clock=board.clock)
    apps = CallApps(
        PlanExecutor(queues={"vaxeln": queue}),
        speech,
        features=FeatureApp(None, queue=queue),  # type: ignore[arg-type]
        queues={"vaxeln": queue},
    )
    settings = CallSettings(media=MediaSettings(PortRange(37200, 37400), "127.0.0.1"))
    calls = SwitchCalls(apps, board.directory, board.registrar, targets,
                        wallclock=board.clock, settings=settings)  # fmt: skip
    calls.attach(board.b2bua, board.flush, clock=lambda: board.now)
    return board, calls, queue


def invite(phone: Phone, number: str, sdp: bytes) -> Request:
    """The phone's INVITE with its real SDP (the harness sends a fixed one otherwise)."""
    challenge_first = phone.request("INVITE", f"sip:{number}@{REALM}", body=sdp)
    phone.send(challenge_first)
    challenge = phone.last("407")
    assert isinstance(challenge, Response)
    ack = phone.request("ACK", f"sip:{number}@{REALM}", call_id=challenge_first.call_id,
                        to=str(challenge.to), branch=challenge_first.top_via.branch)  # fmt: skip
    phone.send(ack)
    second = phone.request(
        "INVITE", f"sip:{number}@{REALM}", call_id=challenge_first.call_id, cseq=2, body=sdp,
        headers=[("Proxy-Authorization",
                  phone.credentials(challenge, challenge_first, "Proxy-Authenticate"))],
    )  # fmt: skip
    phone.send(second)
    return second


async def until(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def test_an_unknown_number_is_announced_with_our_media(speech: Speech) -> None:
    said = PcmSource(speech.render_sync("Numret du har ringt finns inte.")).frame_list(PCMU)

    async def main() -> None:
        board, calls, _ = switch_with_apps(speech)
        alice = board.phone("1001", 5070)
        assert alice.register().status == 200
        alice.take()
        heard = await caller_media()
        try:
            request = invite(alice, "4999", offer_of(heard))
            await until(lambda: "200" in alice.got(), 5, "our answer")
            ok = alice.last("200")
            assert isinstance(ok, Response) and b"m=audio 372" in ok.body  # our port range
            await until(lambda: heard.contains(said), 20, "the announcement")
            [call] = [c for c in board.b2bua.calls.values() if c.call_id == request.call_id]
            assert call.anchored and call.to_number == "4999"
        finally:
            heard.session.close()
            await calls.stop()

    asyncio.run(main())


def test_a_feature_code_signs_the_caller_in_to_the_queue(speech: Speech) -> None:
    async def main() -> None:
        board, calls, queue = switch_with_apps(speech)
        bob = board.phone("1002", 5080)
        assert bob.register().status == 200
        bob.take()
        heard = await caller_media()
        try:
            invite(bob, "*21", offer_of(heard))
            await until(lambda: "BYE" in bob.got(), 20, "the confirmation and the hang-up")
            [operator] = queue.operators()
            assert (operator.person_id, operator.number, operator.name) == (2, "1002", "Bo Ek")
            await until(lambda: bool(board.records.records), 5, "the call record")
            [record] = board.records.records
            assert record.outcome is CallOutcome.ANNOUNCEMENT and record.to_number == "*21"
            assert all(c.state is CallState.ENDED for c in board.b2bua.calls.values())
        finally:
            heard.session.close()
            await calls.stop()

    asyncio.run(main())


def test_a_blind_transfer_nobody_answers_comes_back_to_the_operator(speech: Speech) -> None:
    """The operator (1002) has a caller from the queue and transfers them to 1003, whose phone
    rings out: the caller is told, and the operator's phone rings again and gets them back."""
    from switchboard import PASSWORD

    from vaxel.domain.accounts import digest_ha1
    from vaxel.switch import directory as sip_directory
    from vaxel.switch.callcontrol import ConsoleCalls

    back = PcmSource(speech.render_sync("Personen svarar inte. Du kopplas tillbaka.")).frame_list(
        PCMU
    )

    async def main() -> None:
        board, calls, queue = switch_with_apps(speech)
        accounts = [
            sip_directory.Account(
                n, user, person,
                digest_ha1(user, REALM, PASSWORD.format(user=user), "MD5"),
                digest_ha1(user, REALM, PASSWORD.format(user=user), "SHA-256"),
            )
            for n, user, person in ((1, "1001", 1), (2, "1002", 2), (3, "1003", 3))
        ]  # fmt: skip
        numbers = [
            NumberAssignment(PLAN.e164_for_extension(e), NumberKind.EXTENSION, person_id=p,
                             extension=e)
            for e, p in (("1001", 1), ("1002", 2), ("1003", 3))
        ]
        board.directory.snapshot = sip_directory.build_snapshot(accounts, numbers, PLAN)
        calls.targets.snapshot = build_snapshot(
            people=[Person(p, f"Person {p}", f"p{p}@x.se", 1) for p in (1, 2, 3)],
            units=[Unit(1, "Sjöby kommun", UnitKind.KOMMUN)],
            numbers=[(n, None) for n in numbers] + [
                (NumberAssignment(PLAN.e164_for_extension("1000"), NumberKind.FUNCTION,
                                  unit_id=1, label="Växeln", extension="1000"), None)
            ],
            devices=[(a.person_id, Device(a.id, a.username, DeviceKind.DESK)) for a in accounts],
        )
        console = ConsoleCalls(calls)
        alice, bob, carl = (board.phone(u, 5070 + i) for i, u in enumerate(["1001", "1002",
                                                                             "1003"]))
        for phone in (alice, bob, carl):
            assert phone.register().status == 200
            phone.take()
        heard = await caller_media()
        try:
            request = invite(alice, "1000", offer_of(heard))
            await until(lambda: bool(queue.snapshot()), 5, "the caller in the queue")
            await console.answer_next(2, "Bo Ek")
            await until(lambda: "INVITE" in bob.got(), 5, "the operator's phone ringing")
            offer = bob.last("INVITE")
            assert isinstance(offer, Request)
            bob.answer(offer, 200, "op", offer.body.replace(b"vaxel", b"phone"))
            call = board.b2bua.by_call_id[request.call_id]
            await until(lambda: call.winner is not None, 5, "the operator connected")
            bob.take()

            await console.transfer_blind(request.call_id, "1003", 2)
            assert "BYE" in bob.got()  # the operator's phone is let go …
            await until(lambda: "INVITE" in carl.got(), 5, "1003 ringing")
            ringing = carl.last("INVITE")
            assert isinstance(ringing, Request)
            carl.answer(ringing, 180, "c1")
            bob.take()
            board.advance(calls.settings.transfer_timeout_s + 1)  # … and 1003 rings out
            assert "CANCEL" in carl.got()
            await until(lambda: heard.contains(back), 20, "that nobody answers")
            await until(lambda: "INVITE" in bob.got(), 10, "the operator's phone again")
            again = bob.last("INVITE")
            assert isinstance(again, Request)
            bob.answer(again, 200, "op2", again.body.replace(b"vaxel", b"phone"))
            await until(lambda: call.winner is not None, 5, "the operator has the caller back")
            assert call.winner is not None and call.winner.account.username == "1002"
        finally:
            heard.session.close()
            await calls.stop()

    asyncio.run(main())
