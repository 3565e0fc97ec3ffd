"""MediaCall, the CallContext on real RTP: type-ahead digits, barge-in, hang-up, ringing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from callkit import FakeSignalling, open_call, tone

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.media.g711 import PCMU
from vaxel.media.session import RtpSession
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.media.tones import ringback
from vaxel.media.wav import read_wav
from vaxel.switch.call_context import (
    CallContext,
    CallerHungUp,
    CallInfo,
    RingOutcome,
    RingResult,
)
from vaxel.switch.routing import DeviceRef

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)
INFO = CallInfo("call-1", "+46701234567", "4123", caller_name="Per Persson")
DESK = DeviceRef("sip:4123@192.0.2.10", DeviceKind.DESK)


def speech_unused(tmp_path: Path) -> Speech:
    return Speech(tmp_path / "cache", program="/nonexistent/espeak-ng")


def test_digits_typed_ahead_are_kept_and_barge_in_leaves_them_queued(tmp_path: Path) -> None:
    async def main() -> None:
        call, phone, signalling = await open_call(speech_unused(tmp_path), INFO, clock=lambda: NOW)
        assert isinstance(call, CallContext)
        long_prompt = PcmSource(tone(5.0))
        playing = asyncio.ensure_future(call.play([long_prompt], barge_in=True))
        await asyncio.sleep(0.3)
        await phone.press("12#")
        result = await asyncio.wait_for(playing, 2)
        assert result.outcome == "interrupted" and result.digit == "1"
        assert signalling.answers == 1  # playing answered the call first
        assert await call.collect_digits(4, 1.0) == "12"  # the '#' ended the entry
        # Nothing waits now: a short collect times out empty.
        assert await call.collect_digits(1, 0.1, terminator=None) == ""
        # A digit pressed during a prompt without barge-in is kept for later.
        short = PcmSource(tone(0.6))
        task = asyncio.ensure_future(call.play([short]))
        await phone.press("5")
        assert (await task).outcome == "completed"
        again = await call.play([short], barge_in=True)
        assert again.outcome == "interrupted" and again.digit == "5"  # at once, not played
        assert again.frames == 0
        assert await call.collect_digits(1, 0.1, terminator=None) == "5"
        call.ended()
        phone.session.close()

    asyncio.run(main())


def test_after_hang_up_media_raises_but_a_recording_is_kept(tmp_path: Path) -> None:
    async def main() -> None:
        call, phone, _ = await open_call(speech_unused(tmp_path), INFO, clock=lambda: NOW)
        await call.answer()
        recording = asyncio.ensure_future(
            call.record(tmp_path / "m.wav", max_s=30, min_s=1.0, silence_s=5)
        )
        await asyncio.sleep(0.05)
        await phone.talk(tone(1.5))
        await asyncio.sleep(0.1)
        call.ended()  # the B2BUA saw a BYE from the caller
        result = await recording
        assert result.reason == "hangup" and result.path == tmp_path / "m.wav"
        assert abs(read_wav(tmp_path / "m.wav").duration - 1.5) < 0.1
        assert call.hung_up.is_set()
        with pytest.raises(CallerHungUp):
            await call.play([PcmSource(tone(0.1))])
        with pytest.raises(CallerHungUp):
            await call.collect_digits(1, 1)
        await call.hangup()  # harmless after the end
        phone.session.close()

    asyncio.run(main())


def test_a_hang_up_interrupts_a_play(tmp_path: Path) -> None:
    async def main() -> None:
        call, phone, _ = await open_call(speech_unused(tmp_path), INFO, clock=lambda: NOW)
        playing = asyncio.ensure_future(call.play([PcmSource(tone(5.0))]))
        await asyncio.sleep(0.2)
        call.ended()
        with pytest.raises(CallerHungUp):
            await asyncio.wait_for(playing, 1)
        phone.session.close()

    asyncio.run(main())


def test_ringing_after_answer_plays_ringback_and_bridges(tmp_path: Path) -> None:
    async def answer_later(devices: Sequence[DeviceRef], timeout_s: float) -> RingResult:
        await asyncio.sleep(1.2)
        return RingResult(RingOutcome.ANSWERED, answered_by=devices[0].key)

    async def main() -> None:
        signalling = FakeSignalling(ring_script=answer_later)
        call, phone, _ = await open_call(
            speech_unused(tmp_path), INFO, clock=lambda: NOW, signalling=signalling
        )
        await call.answer()
        result = await call.ring([DESK], 20, parallel=True)
        assert result.answered and result.answered_by == DESK.key
        assert signalling.rang == [((DESK.key,), 20, True)]
        await asyncio.sleep(0.1)
        ring_frames = PcmSource(ringback()).frame_list(PCMU)[:40]  # the first 0.8 s of tone
        assert phone.find(ring_frames) is not None
        assert call.bridged and not call.hung_up.is_set()
        # The media session closing under a bridge is not the caller hanging up.
        call.session.close()
        assert not call.hung_up.is_set()
        call.ended()  # the bridged call is over
        assert call.hung_up.is_set()
        phone.session.close()

    asyncio.run(main())


def test_ringing_before_answer_sends_no_media(tmp_path: Path) -> None:
    async def caller_leaves(devices: Sequence[DeviceRef], timeout_s: float) -> RingResult:
        await asyncio.sleep(0.3)
        return RingResult(RingOutcome.CALLER_HUNG_UP)

    async def main() -> None:
        signalling = FakeSignalling(ring_script=caller_leaves)
        call, phone, _ = await open_call(
            speech_unused(tmp_path), INFO, clock=lambda: NOW, signalling=signalling
        )
        result = await call.ring([DESK], 20)
        assert result.outcome is RingOutcome.CALLER_HUNG_UP
        assert phone.payloads == [] and signalling.answers == 0
        assert call.hung_up.is_set()
        phone.session.close()

    asyncio.run(main())


def test_waiting_for_digits_or_a_message_keeps_sending_silence(tmp_path: Path) -> None:
    """A phone whose jitter buffer only moves when packets come (baresip) would otherwise
    hold back the end of the beep until the message is over, and phones with an RTP
    timeout (Linphone: 30 s) would hang up on a long message."""

    async def main() -> None:
        call, phone, _ = await open_call(speech_unused(tmp_path), INFO, clock=lambda: NOW)
        await call.answer()
        before = len(phone.payloads)
        assert await call.collect_digits(1, 0.6, terminator=None) == ""
        await asyncio.sleep(0.05)
        waited = phone.payloads[before:]
        assert len(waited) >= 15 and set(waited) == {PCMU.silence()}
        after = len(phone.payloads)
        await asyncio.sleep(0.2)
        assert len(phone.payloads) == after  # only while waiting
        result = await call.record(tmp_path / "m.wav", max_s=30, min_s=1.0, silence_s=0.6)
        assert result.reason == "silence" and result.path is None
        assert len(phone.payloads) - after >= 15
        # Waiting for a digit while a prompt plays does not cut the prompt.
        prompt = PcmSource(tone(0.8, 700))
        playing = asyncio.ensure_future(call.play([prompt]))
        await asyncio.sleep(0.1)
        assert await call.collect_digits(1, 0.2, terminator=None) == ""
        assert (await playing).outcome == "completed"
        await asyncio.sleep(0.05)
        assert phone.find(prompt.frame_list(PCMU)) is not None
        call.ended()
        phone.session.close()

    asyncio.run(main())


class _Counting(FakeSignalling):
    """Notes how many frames our side had sent when the hang-up (the BYE) went out."""

    sent_at_hangup: int | None = None
    session: RtpSession | None = None

    async def hangup(self) -> None:
        await super().hangup()
        assert self.session is not None
        self.sent_at_hangup = self.session.counters.packets_sent


def test_hanging_up_after_a_prompt_sends_silence_first_so_its_end_is_heard(
    tmp_path: Path,
) -> None:
    """A phone's jitter buffer keeps the last 100–200 ms of a prompt until more packets come;
    a BYE right after the last frame would cut off its last syllable."""

    async def main() -> None:
        signalling = _Counting()
        call, phone, _ = await open_call(
            speech_unused(tmp_path), INFO, clock=lambda: NOW, signalling=signalling
        )
        signalling.session = call.session
        prompt = PcmSource(tone(0.4, 700))  # loud to its very last sample
        assert (await call.play([prompt])).outcome == "completed"
        sent_after_prompt = call.session.counters.packets_sent
        await call.hangup()
        assert signalling.hangups == 1 and call.hung_up.is_set()
        assert signalling.sent_at_hangup is not None
        tail = signalling.sent_at_hangup - sent_after_prompt
        # 260 ms: 13 frames, paced (a loop stalled for 100 ms or more skips some).
        assert 8 <= tail <= 13
        await asyncio.sleep(0.05)
        assert set(phone.payloads[-tail:]) == {PCMU.silence()}
        assert phone.find(prompt.frame_list(PCMU)) is not None
        phone.session.close()

    asyncio.run(main())


def test_no_silence_before_hanging_up_when_the_phone_has_heard_the_end_already(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        signalling = _Counting()
        call, phone, _ = await open_call(
            speech_unused(tmp_path), INFO, clock=lambda: NOW, signalling=signalling
        )
        signalling.session = call.session
        await call.play([PcmSource(tone(0.1, 700))])
        assert await call.collect_digits(1, 0.4, terminator=None) == ""  # silence meanwhile
        sent = call.session.counters.packets_sent
        await call.hangup()
        assert signalling.sent_at_hangup == sent
        phone.session.close()

        signalling = _Counting()  # nothing played at all
        call, phone, _ = await open_call(
            speech_unused(tmp_path), INFO, clock=lambda: NOW, signalling=signalling
        )
        signalling.session = call.session
        await call.answer()
        await call.hangup()
        assert signalling.sent_at_hangup == 0
        phone.session.close()

    asyncio.run(main())
