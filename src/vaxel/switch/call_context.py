"""The seam between the B2BUA and the media apps: one answered call, as an app sees it.

The B2BUA answers a caller's leg with our own media endpoint (an `RtpSession`) and hands the
call to an app (the plan executor, voicemail, the switchboard queue, feature codes) as a
`CallContext`. Apps only ever talk to this protocol; they never see SIP.

There are two ways for the B2BUA to provide one:

* (recommended) implement the small `CallSignalling` protocol — answer, ring devices and
  bridge, call a number and bridge, transfer, hang up — and wrap it with the RtpSession in a
  `MediaCall`, which does all the media (prompts, speech, digits, recording) on real RTP;
* or implement `CallContext` in full, keeping the contracts written on each member.

Contracts that every implementation keeps:

* `say` speaks in the languages callers hear (`Speech.languages`: Swedish, or Swedish then
  English), as one play, so a digit barges in during either language.
* Media operations (`play`, `say`, `collect_digits`) raise `CallerHungUp` once the call has
  ended (before or while they run). `record` does not: a caller who hangs up after speaking
  has left a message, so it returns the recording with reason "hangup".
* DTMF digits are queued as they arrive and consumed only by `collect_digits`, so digits
  pressed during a prompt are never lost (type-ahead). A play with `barge_in` ends as soon
  as a digit is waiting, and leaves it queued.
* `ring` and `bridge_to` must be cancellable: cancelling the awaiting task CANCELs the
  outgoing legs.
* `hung_up` is set once the call is over for the caller: a BYE or CANCEL from them, our
  `hangup()`, or, after a bridge, the end of the bridged call.
* `hangup()` right after something was played first sends a short silence (`TAIL_S`): a
  phone's jitter buffer holds the last 100–200 ms of what it got and plays them only as more
  packets come, so a BYE straight after the last frame would cut off the end of the prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from vaxel.media.announcer import Announcer, Item, Prompt, Sentence
from vaxel.media.player import Player, PlayResult
from vaxel.media.recorder import Recorder, RecordingResult
from vaxel.media.session import RtpSession
from vaxel.media.sources import Loop, PcmSource, Silence, Source
from vaxel.media.speech import Speech
from vaxel.media.tones import ringback
from vaxel.switch.routing import DeviceRef

log = logging.getLogger(__name__)

TAIL_S = 0.26  # silence after the last prompt, before our BYE (see the module docstring)

__all__ = [
    "CallContext",
    "CallInfo",
    "CallSignalling",
    "Callee",
    "CallerHungUp",
    "Item",
    "MediaCall",
    "Prompt",
    "RingOutcome",
    "RingResult",
    "Sentence",
]


class CallerHungUp(Exception):
    """The call ended (the caller hung up, or we did) while an app still wanted to use it."""


class RingOutcome(enum.StrEnum):
    ANSWERED = "answered"  # someone answered and the caller is bridged to them
    NO_ANSWER = "no_answer"  # rang until the timeout
    BUSY = "busy"  # every device was busy (486/600)
    FAILED = "failed"  # nothing could ring (no contact, 404, 408/503 …)
    CALLER_HUNG_UP = "caller_hung_up"  # the caller left while it rang


@dataclass(frozen=True, slots=True)
class RingResult:
    """How ringing ended; `answered_by` names the device or person that answered."""

    outcome: RingOutcome
    answered_by: str = ""

    @property
    def answered(self) -> bool:
        return self.outcome is RingOutcome.ANSWERED


@dataclass(frozen=True, slots=True)
class CallInfo:
    """Who calls whom, as the B2BUA knows it when the call arrives."""

    call_id: str
    caller: str  # the caller's number: an extension for our own phones, else E.164 or raw
    called: str  # what they dialled
    caller_name: str = ""
    # The authenticated caller (their SIP account's person), None for calls from outside.
    # Feature codes act on this person; voicemail trusts it instead of asking whose box.
    caller_person_id: int | None = None


@dataclass(frozen=True, slots=True)
class Callee:
    """Whom the call was for, as routing found them: callbacks and messages are theirs."""

    person_id: int | None = None
    unit_id: int | None = None  # the person's unit, or the unit of a function number
    number: str = ""  # the number dialled, as the directory knows it


@runtime_checkable
class CallContext(Protocol):
    """One answered call as a media app uses it; see the module docstring for the contracts."""

    @property
    def info(self) -> CallInfo: ...

    @property
    def hung_up(self) -> asyncio.Event:
        """Set when the call is over for the caller."""
        ...

    @property
    def answered(self) -> bool:
        """Whether the caller's leg has been answered (200 OK with our media)."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware (a test sets it)."""
        ...

    async def answer(self) -> None:
        """Answer the caller's leg with our media endpoint; does nothing the second time."""
        ...

    async def play(self, sources: Sequence[Source], *, barge_in: bool = False) -> PlayResult:
        """Play audio to the caller (answering first); see barge-in in the module docstring."""
        ...

    async def say(self, *items: Item, barge_in: bool = False) -> PlayResult:
        """Speak the items in each language callers hear (Swedish; with English on, then the
        same in English), as one play: `barge_in` works in either language. A `Prompt` plays
        its recording where there is one; plain text is Swedish only."""
        ...

    def stop_playing(self) -> None:
        """End the current play now (it returns with outcome "stopped")."""
        ...

    async def collect_digits(
        self,
        max_digits: int,
        timeout_s: float,
        *,
        terminator: str | None = "#",
        inter_digit_timeout_s: float | None = None,
    ) -> str:
        """Up to `max_digits` queued or new digits; stops at `terminator` (not included) or
        when no digit comes in time. "" when nothing was pressed."""
        ...

    def flush_digits(self) -> None:
        """Forget digits pressed so far."""
        ...

    async def record(
        self,
        path: Path,
        *,
        max_s: float,
        min_s: float,
        silence_s: float = 5.0,
        stop_digits: str = "#",
    ) -> RecordingResult:
        """Record the caller into `path` (a WAV that appears whole or not at all)."""
        ...

    async def ring(
        self, devices: Sequence[DeviceRef], timeout_s: float, *, parallel: bool = True
    ) -> RingResult:
        """Ring devices (all at once, or one after another) and bridge the caller on answer."""
        ...

    async def bridge_to(self, number: str, timeout_s: float) -> RingResult:
        """Call a number (an extension or E.164) and bridge the caller to it on answer."""
        ...

    async def transfer(self, target: str) -> bool:
        """Blind transfer to `target`; True when the B2BUA took the call over."""
        ...

    async def hangup(self) -> None:
        """End the call (BYE, or a final response if it was never answered)."""
        ...


class CallSignalling(Protocol):
    """What the B2BUA does for a `MediaCall`: the SIP side of one caller's call.

    Media stays with the `MediaCall`; these methods only signal. `ring` and `bridge_to` may
    come before or after `answer` (ring first, or from the queue with hold music playing),
    must be cancellable (a cancelled wait CANCELs the outgoing legs), and on answer connect
    the caller to the answering leg (the 200 OK with its SDP if the caller was not answered
    yet, else a re-INVITE or a media relay) before returning; the MediaCall then sends no
    more. When the caller hangs up, or a bridged call ends, the B2BUA
    calls `MediaCall.ended()`.
    """

    async def answer(self) -> None:
        """200 OK to the caller with the SDP of the MediaCall's RtpSession (idempotent)."""
        ...

    async def ring(
        self, devices: Sequence[DeviceRef], timeout_s: float, *, parallel: bool
    ) -> RingResult: ...

    async def bridge_to(self, number: str, timeout_s: float) -> RingResult: ...

    async def transfer(self, target: str) -> bool: ...

    async def hangup(self) -> None:
        """BYE to an answered caller, or a final response (480) to one still ringing."""
        ...


class MediaCall:
    """A CallContext on a real RtpSession: speech, prompts, DTMF and recording.

    The B2BUA makes one per call it hands to an app, with the RtpSession it answers with and
    its own `CallSignalling`; tests make one with a fake signalling and a second RtpSession
    as the phone.
    """

    def __init__(
        self,
        info: CallInfo,
        session: RtpSession,
        signalling: CallSignalling,
        speech: Speech,
        *,
        clock: Callable[[], datetime],
        pause_s: float = 0.3,
        tail_s: float = TAIL_S,
    ) -> None:
        self._info = info
        self.session = session
        self.signalling = signalling
        self.announcer = Announcer(speech, pause=pause_s)
        self._clock = clock
        self._player = Player(session)
        self._digits: deque[str] = deque()
        self._digit_waiters: list[asyncio.Future[None]] = []
        self._hung_up = asyncio.Event()
        self._answered = False
        self._bridged = False
        self._tail_s = tail_s
        self._tail_owed = False  # the last thing sent was audio, not (enough) silence
        self._plays = 0  # plays that sent something, so far
        self._unsubscribe = [
            session.add_digit_listener(self._on_digit),
            session.add_close_listener(self._on_close),
        ]
        if session.closed:
            self._on_close()

    # -- what the B2BUA calls ------------------------------------------------------------------

    def ended(self) -> None:
        """The call is over for the caller (BYE/CANCEL from them, or the bridged call ended)."""
        self._hung_up.set()
        self._wake()
        self._player.stop()
        if not self.session.closed:
            self.session.close()

    # -- CallContext ---------------------------------------------------------------------------

    @property
    def info(self) -> CallInfo:
        return self._info

    @property
    def hung_up(self) -> asyncio.Event:
        return self._hung_up

    @property
    def answered(self) -> bool:
        return self._answered

    @property
    def bridged(self) -> bool:
        return self._bridged

    def now(self) -> datetime:
        return self._clock()

    async def answer(self) -> None:
        self._check()
        if not self._answered and not self._bridged:
            await self.signalling.answer()
            self._answered = True

    async def play(self, sources: Sequence[Source], *, barge_in: bool = False) -> PlayResult:
        if self._bridged:  # the caller talks to someone else now: nothing more to play
            return PlayResult("stopped")
        await self.answer()
        if barge_in and self._digits:
            return PlayResult("interrupted", self._digits[0])
        playing = asyncio.ensure_future(self._player.play(sources, barge_in=False))
        waiter: asyncio.Future[None] | None = None
        try:
            if barge_in:
                waiter = self._digit_waiter()
                either: set[asyncio.Future[Any]] = {playing, waiter}
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                if not playing.done():
                    self._player.stop()
            result = await playing
        finally:
            if not playing.done():
                playing.cancel()
            if waiter is not None:
                self._forget(waiter)
        if result.frames:
            self._tail_owed = True
            self._plays += 1
        if result.skipped:
            log.warning(
                "call %s: %d frames skipped: the event loop stalled",
                self._info.call_id, result.skipped,
            )  # fmt: skip
        if result.outcome == "closed" or self._hung_up.is_set():
            raise CallerHungUp()
        if barge_in and self._digits and result.outcome != "completed":
            return PlayResult("interrupted", self._digits[0], result.frames, result.skipped)
        return result

    async def say(self, *items: Item, barge_in: bool = False) -> PlayResult:
        self._check()
        quiet = self._keep_alive()  # while the speech is rendered; the play takes over
        try:
            sources = await self.announcer.sources(items)
        finally:
            quiet()
        return await self.play(sources, barge_in=barge_in)

    def stop_playing(self) -> None:
        self._player.stop()

    async def collect_digits(
        self,
        max_digits: int,
        timeout_s: float,
        *,
        terminator: str | None = "#",
        inter_digit_timeout_s: float | None = None,
    ) -> str:
        self._check()
        quiet = self._keep_alive() if timeout_s > 0 else _nothing
        try:
            return await self._collect(max_digits, timeout_s, terminator, inter_digit_timeout_s)
        finally:
            quiet()

    async def _collect(
        self,
        max_digits: int,
        timeout_s: float,
        terminator: str | None,
        inter_digit_timeout_s: float | None,
    ) -> str:
        collected = ""
        wait = timeout_s
        while len(collected) < max_digits:
            digit = await self._next_digit(wait)
            if digit is None:
                break
            if terminator is not None and digit == terminator:
                break
            collected += digit
            wait = timeout_s if inter_digit_timeout_s is None else inter_digit_timeout_s
        return collected

    def flush_digits(self) -> None:
        self._digits.clear()

    async def record(
        self,
        path: Path,
        *,
        max_s: float,
        min_s: float,
        silence_s: float = 5.0,
        stop_digits: str = "#",
    ) -> RecordingResult:
        if not self._hung_up.is_set():
            await self.answer()
        recorder = Recorder(
            self.session,
            path,
            min_seconds=min_s,
            max_seconds=max_s,
            silence_seconds=silence_s,
            stop_digits=stop_digits,
        )
        quiet = self._keep_alive()
        try:
            return await recorder.record()
        finally:
            quiet()
            self._digits.clear()  # the '#' that ended the message is not the next menu's

    async def ring(
        self, devices: Sequence[DeviceRef], timeout_s: float, *, parallel: bool = True
    ) -> RingResult:
        self._check()
        # Before the caller is answered the B2BUA sends 180 Ringing; once our media is up the
        # ringing tone has to come from us.
        tone = self._background([Loop(PcmSource(ringback(), name="ringback"))])
        try:
            result = await self.signalling.ring(devices, timeout_s, parallel=parallel)
        finally:
            await self._end_background(tone)
        return self._after_ring(result)

    async def bridge_to(self, number: str, timeout_s: float) -> RingResult:
        self._check()
        result = await self.signalling.bridge_to(number, timeout_s)
        return self._after_ring(result)

    async def transfer(self, target: str) -> bool:
        self._check()
        done = await self.signalling.transfer(target)
        if done:
            self._bridged = True
            self._player.stop()
        return done

    async def hangup(self) -> None:
        if self._hung_up.is_set():
            return
        try:
            await self._play_tail()
        finally:
            if not self._hung_up.is_set():  # the caller may have hung up during the tail
                try:
                    await self.signalling.hangup()
                finally:
                    self.ended()

    # -- inside ------------------------------------------------------------------------------

    def _after_ring(self, result: RingResult) -> RingResult:
        if result.answered:
            self._bridged = True
            self._player.stop()  # the B2BUA has connected the caller elsewhere
        elif result.outcome is RingOutcome.CALLER_HUNG_UP:
            self.ended()
        return result

    async def _play_tail(self) -> None:
        """The silence that lets the phone play out the end of the last prompt; paced like
        any play, and only when something was played since the last silence."""
        if not self._tail_owed or not self._answered or self._bridged or self.session.closed:
            return
        self._tail_owed = False
        await self._player.play([Silence(self._tail_s)], barge_in=False)

    def _keep_alive(self) -> Callable[[], None]:
        """Silence to the caller while the app waits (see Player.keep_alive); the returned
        function ends it. Nothing before the answer, under a bridge or after the end."""
        if not self._answered or self._bridged or self._hung_up.is_set():
            return _nothing
        if self._player.playing:
            return _nothing  # a play goes on: no silence is sent
        stop = self._player.keep_alive()
        started, plays = time.monotonic(), self._plays

        def stop_and_settle() -> None:
            stop()
            if self._plays == plays and time.monotonic() - started >= self._tail_s:
                self._tail_owed = False  # the phone has played out the prompt by now

        return stop_and_settle

    def _background(self, sources: Sequence[Source]) -> asyncio.Task[PlayResult] | None:
        if not self._answered or self._hung_up.is_set():
            return None
        return asyncio.ensure_future(self._player.play(sources, barge_in=False))

    async def _end_background(self, task: asyncio.Task[PlayResult] | None) -> None:
        if task is None:
            return
        self._player.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _check(self) -> None:
        if self._hung_up.is_set():
            raise CallerHungUp()

    def _on_digit(self, digit: str) -> None:
        self._digits.append(digit)
        self._wake()

    def _on_close(self) -> None:
        # The session closes under a bridge too (the B2BUA moved the media): not a hang-up.
        if not self._bridged:
            self._hung_up.set()
            self._wake()

    def _wake(self) -> None:
        waiters, self._digit_waiters = self._digit_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _digit_waiter(self) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._digits or self._hung_up.is_set():
            waiter.set_result(None)
        else:
            self._digit_waiters.append(waiter)
        return waiter

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            waiter.cancel()
        with contextlib.suppress(ValueError):
            self._digit_waiters.remove(waiter)

    async def _next_digit(self, timeout_s: float) -> str | None:
        if not self._digits:
            waiter = self._digit_waiter()
            try:
                await asyncio.wait_for(waiter, max(0.0, timeout_s))
            except TimeoutError:
                return None
            finally:
                self._forget(waiter)
        self._check()
        return self._digits.popleft() if self._digits else None


def _nothing() -> None:
    return None
