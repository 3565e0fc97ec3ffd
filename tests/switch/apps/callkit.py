"""A CallContext for tests on real media: our MediaCall on one loopback RtpSession, a phone on
another. Only the SIP side (answer, ring, bridge, hang up) is scripted by `FakeSignalling`;
prompts, speech, DTMF (RFC 4733) and recordings travel as real RTP over UDP."""

from __future__ import annotations

import asyncio
import contextlib
import math
from array import array
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vaxel.domain.people import Person
from vaxel.domain.voicemail import Mailbox
from vaxel.media.g711 import PCMU, SAMPLES_PER_FRAME
from vaxel.media.rtp import RtpPacket
from vaxel.media.session import PortAllocator, PortRange, RtpSession
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.switch.call_context import CallInfo, MediaCall, RingOutcome, RingResult
from vaxel.switch.routing import DeviceRef

PORTS = PortAllocator(PortRange(33000, 33600), host="127.0.0.1")


@dataclass(frozen=True)
class Kommun:
    """The little kommun the `kommun` fixture (conftest.py) stores."""

    kommun: int
    it: int
    bygg: int
    anna: Person
    olle: Person  # a telefonist
    anna_box: Mailbox  # extension 4123
    bygg_box: Mailbox  # the function number Bygglov, 4100


RingScript = Callable[[Sequence[DeviceRef], float], Awaitable[RingResult]]
BridgeScript = Callable[[str, float], Awaitable[RingResult]]


async def no_answer_ring(devices: Sequence[DeviceRef], timeout_s: float) -> RingResult:
    await asyncio.sleep(min(timeout_s, 0.05))
    return RingResult(RingOutcome.NO_ANSWER)


async def no_answer_bridge(number: str, timeout_s: float) -> RingResult:
    await asyncio.sleep(timeout_s)
    return RingResult(RingOutcome.NO_ANSWER)


@dataclass
class FakeSignalling:
    """The B2BUA's side, scripted: what ringing and bridging return, and what was asked."""

    ring_script: RingScript = no_answer_ring
    bridge_script: BridgeScript = no_answer_bridge
    answers: int = 0
    hangups: int = 0
    rang: list[tuple[tuple[str, ...], float, bool]] = field(default_factory=list)
    bridged: list[str] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)

    async def answer(self) -> None:
        self.answers += 1

    async def ring(
        self, devices: Sequence[DeviceRef], timeout_s: float, *, parallel: bool
    ) -> RingResult:
        self.rang.append((tuple(d.key for d in devices), timeout_s, parallel))
        return await self.ring_script(devices, timeout_s)

    async def bridge_to(self, number: str, timeout_s: float) -> RingResult:
        self.bridged.append(number)
        return await self.bridge_script(number, timeout_s)

    async def transfer(self, target: str) -> bool:
        self.transfers.append(target)
        return True

    async def hangup(self) -> None:
        self.hangups += 1


class Phone:
    """The caller's phone: hears (collects) what we send, presses keys, talks.

    What it hears is kept on the sender's timeline (RTP timestamp / 160), so a frame the
    sender skipped (its event loop stalled under load) or the network lost is a gap, not a
    shift: `find` then still recognises a prompt, every frame that did arrive byte for byte.
    """

    def __init__(self, session: RtpSession) -> None:
        self.session = session
        self.payloads: list[bytes] = []  # in the order they arrived
        self.slots: dict[int, bytes] = {}  # frame slot on the sender's timeline -> payload
        self.last_slot = -1
        self._base: int | None = None
        self._slots_of: dict[bytes, list[int]] = {}
        self._changed = asyncio.Event()
        session.add_audio_listener(self._on_audio)

    def _on_audio(self, packet: RtpPacket) -> None:
        if self._base is None:
            self._base = packet.timestamp
        slot = ((packet.timestamp - self._base) % 2**32) // SAMPLES_PER_FRAME
        self.payloads.append(packet.payload)
        self.slots[slot] = packet.payload
        self._slots_of.setdefault(packet.payload, []).append(slot)
        self.last_slot = max(self.last_slot, slot)
        self._changed.set()

    def find(self, frames: Sequence[bytes], start: int = 0, missing: float = 0.1) -> int | None:
        """The slot where these frames were sent one after another (from `start` on), with at
        most `missing` of them absent and every one present equal; None if not (yet)."""
        wanted = list(frames)
        allowed = int(len(wanted) * missing)
        silent = PCMU.silence()
        anchors = [k for k, frame in enumerate(wanted) if frame != silent][:8] or [0]
        candidates = {
            slot - k
            for k in anchors
            for slot in self._slots_of.get(wanted[k], ())
            if slot - k >= start
        }
        for first in sorted(candidates):
            absent = 0
            for k, frame in enumerate(wanted):
                got = self.slots.get(first + k)
                if got is None:
                    absent += 1
                    if first + k > self.last_slot or absent > allowed:
                        break
                elif got != frame:
                    break
            else:
                return first
        return None

    async def heard(self, frames: Sequence[bytes], timeout: float = 30.0, start: int = 0) -> int:
        """Wait until these frames have arrived in order; the slot after them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.find(frames, start)
            if found is not None:
                return found + len(frames)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"not heard within {timeout} s ({len(self.payloads)} frames)")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def press(self, digits: str) -> None:
        for digit in digits:
            await self.session.send_dtmf(digit)

    async def talk(self, pcm: bytes) -> None:
        """Send PCM as 20 ms frames, paced like a phone."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        frame = 2 * SAMPLES_PER_FRAME
        for n, offset in enumerate(range(0, len(pcm), frame)):
            delay = start + n * 0.02 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.session.send_pcm(pcm[offset : offset + frame])


def spoken_frames(speech: Speech, text: str) -> tuple[bytes, ...]:
    """The PCMU frames our side sends for a spoken text (same cache, same bytes).

    Call it before the call starts: rendering blocks, and a blocked event loop makes the
    audio being played skip frames, so what arrives would no longer match."""
    return PcmSource(speech.render_sync(text)).frame_list(PCMU)


def tone(seconds: float, frequency: float = 440.0, level: int = 8000) -> bytes:
    count = int(8000 * seconds)
    return array(
        "h", (round(level * math.sin(2 * math.pi * frequency * n / 8000)) for n in range(count))
    ).tobytes()


async def open_call(
    speech: Speech,
    info: CallInfo,
    *,
    clock: Callable[[], datetime],
    signalling: FakeSignalling | None = None,
) -> tuple[MediaCall, Phone, FakeSignalling]:
    """Our media endpoint and the caller's phone, joined over loopback UDP."""
    ours = await RtpSession.open("127.0.0.1", ports=PORTS)
    theirs = await RtpSession.open("127.0.0.1", ports=PORTS)
    ours.set_remote(*theirs.local_address)
    theirs.set_remote(*ours.local_address)
    signalling = signalling or FakeSignalling()
    call = MediaCall(info, ours, signalling, speech, clock=clock)
    return call, Phone(theirs), signalling
