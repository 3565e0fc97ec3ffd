"""The switchboard queue (växeln): hold music, position announcements, operators, callbacks.

A caller who reaches the queue hears their place ("Du har plats nummer tre i kön."), then hold
music with the position repeated every `announce_every_s`. Calls are offered to the signed-in
operators, the longest idle first (rules in queue_state.py), while the caller keeps hearing the
music; when the operator answers, the caller is bridged. A caller who has waited
`callback_offer_after_s` (or who arrives when nobody is signed in) is offered "Tryck 1 så ringer
vi upp dig"; pressing 1 makes a callback task (reason QUEUE) through `QueueCallbacks` and ends
the call. A caller who hangs up is counted as abandoned, with their wait.

Operators sign in and out with *21# / #21# (features.py) or from the console (callcontrol.py,
which waits for `written()`); the console also reads `snapshot()` and can `pick()` a caller or
`answer_next()`. With a database, sign-ins and sign-outs (also the automatic one after too
many missed offers) are stored in a worker thread, in the order they happened, and `start()`
signs in again whoever was signed in when vaxel stopped; `stop()` waits for the writes still
queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from vaxel.domain.callbacks import can_call_back
from vaxel.domain.clock import local
from vaxel.media.announcer import Item
from vaxel.media.g711 import FRAME_DURATION, PCMU, Codec
from vaxel.media.sources import hold_music_source
from vaxel.storage.db import Database
from vaxel.storage.queue_sign_ins import QueueSignInRepository, SignedIn
from vaxel.switch.apps import prompts
from vaxel.switch.apps.queue_state import (
    DEFAULT_MAX_MISSED,
    Left,
    Operator,
    OperatorView,
    QueuedCallView,
    QueueState,
    WaitingCall,
)
from vaxel.switch.call_context import CallContext, CallerHungUp, RingOutcome

log = logging.getLogger(__name__)

CALLBACK_DIGIT = "1"

SignInWrite = Callable[[Session], object]


class QueueError(Exception):
    """The console asked for something the queue cannot do; `message_sv` is shown as it is."""

    def __init__(self, message_sv: str) -> None:
        super().__init__(message_sv)
        self.message_sv = message_sv


@dataclass(frozen=True, slots=True)
class QueueSettings:
    announce_every_s: float = 30.0
    callback_offer_after_s: float = 90.0
    offer_timeout_s: float = 15.0  # how long an operator's phone rings for one offer
    max_missed: int = DEFAULT_MAX_MISSED  # missed offers in a row before auto sign-out
    unit_id: int | None = None  # whom callbacks from this queue are for (None: flows decide)


class QueueOutcome(enum.StrEnum):
    ANSWERED = "answered"
    CALLBACK = "callback"  # the caller asked to be called back and hung up
    ABANDONED = "abandoned"  # the caller hung up while waiting


@dataclass(frozen=True, slots=True)
class QueueResult:
    outcome: QueueOutcome
    wait_s: float
    answered_by: str = ""
    callback_task_id: int | None = None


@dataclass(frozen=True, slots=True)
class QueueCallbackRequest:
    """A caller in the queue asked to be called back."""

    queue: str
    caller_number: str
    at: datetime
    wait_s: float
    caller_name: str = ""
    unit_id: int | None = None


class QueueCallbacks(Protocol):
    """Makes the callback task (flows.callbacks implements it)."""

    async def queue_callback(self, request: QueueCallbackRequest) -> int | None:
        """The new (or merged) task's id; None when no task could be made."""
        ...


@dataclass(slots=True)
class QueueStats:
    answered: int = 0
    abandoned: int = 0
    callbacks: int = 0
    answered_wait_s: float = 0.0  # summed, for the mean speed of answer

    @property
    def mean_answer_s(self) -> float | None:
        return self.answered_wait_s / self.answered if self.answered else None


@dataclass(eq=False)
class _Entry:
    ctx: CallContext
    connected: asyncio.Future[tuple[Operator, str]]
    music_frame: int = 0  # where in the hold music this caller is, so it goes on, not over
    callback_offered: bool = False


class _Music:
    """The hold music from where this caller left it, for a number of seconds."""

    def __init__(self, entry: _Entry, seconds: float) -> None:
        self.entry = entry
        self.count = max(1, round(seconds / FRAME_DURATION))

    def frames(self, codec: Codec) -> Iterator[bytes]:
        frames = hold_music_source().frame_list(codec)
        for _ in range(self.count):
            yield frames[self.entry.music_frame % len(frames)]
            self.entry.music_frame += 1


class SwitchboardQueue:
    """One operator queue (the switchboard's, or an operator group's); see the module docstring."""

    def __init__(
        self,
        name: str,
        settings: QueueSettings | None = None,
        *,
        clock: Callable[[], datetime],
        callbacks: QueueCallbacks | None = None,
        database: Database | None = None,
    ) -> None:
        self.name = name
        self.settings = settings or QueueSettings()
        self.clock = clock
        self.callbacks = callbacks
        self.database = database  # None: sign-ins live in memory only
        self.state = QueueState(max_missed=self.settings.max_missed)
        self.stats = QueueStats()
        self.abandoned: deque[Left] = deque(maxlen=1000)  # the latest, with their waits
        self._entries: dict[str, _Entry] = {}
        self._offers: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._after_calls: set[asyncio.Task[None]] = set()
        self._warm = False
        self._writes: deque[SignInWrite] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._changed_since_start: set[int] | None = None  # while start() reads

    # -- start and stop --------------------------------------------------------------------------

    async def start(self) -> int:
        """Sign in again the operators who were signed in when vaxel stopped (people who no
        longer work for us are dropped); how many."""
        if self.database is None:
            return 0
        self._changed_since_start = set()
        try:
            found = await asyncio.to_thread(self._read_sign_ins, local(self.clock()).date())
            now = self.clock()
            restored = 0
            for signed in found:
                if signed.person_id in self._changed_since_start:
                    continue  # signed in or out while we read: that is newer
                operator = Operator(signed.person_id, signed.name, signed.number)
                restored += self.state.restore(operator, signed.signed_in_at, now)
        finally:
            self._changed_since_start = None
        if restored:
            log.info("%s: %d operators signed in again after the restart", self.name, restored)
        self._dispatch()
        return restored

    async def stop(self) -> None:
        """Wait for the sign-ins and sign-outs still being written."""
        await self.written()

    async def written(self) -> None:
        """Return once every sign-in and sign-out so far is stored (at once without a
        database), so that whoever asked (the console) reads its own change back."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    # -- the console and feature codes -------------------------------------------------------

    def snapshot(self) -> list[QueuedCallView]:
        """Who waits, first in line first, with waiting times (for the operator console)."""
        return self.state.snapshot(self.clock())

    def operators(self) -> list[OperatorView]:
        return self.state.operators()

    def sign_in(self, operator: Operator) -> bool:
        """Sign an operator in; False if they already were (their number is updated)."""
        now = self.clock()
        added = self.state.sign_in(operator, now)
        self._stored_sign_in(operator, now)
        self._dispatch()
        return added

    def sign_out(self, person_id: int) -> bool:
        """Sign an operator out; a call ringing on their phone goes back to the queue."""
        for call_id, (offered_to, task) in list(self._offers.items()):
            if offered_to == person_id:
                task.cancel()
                del self._offers[call_id]
        removed = self.state.sign_out(person_id)
        self._stored_sign_out(person_id)
        self._dispatch()
        return removed

    async def pick(self, call_id: str, operator: Operator) -> QueuedCallView:
        """Ring the operator's phone for this caller (and bridge them when it answers)."""
        views = {v.call_id: v for v in self.snapshot()}
        view = views.get(call_id)
        entry = self._entries.get(call_id)
        if view is None or entry is None:
            raise QueueError("Samtalet finns inte längre i kön.")
        busy = next((o for o in self.operators() if o.person_id == operator.person_id), None)
        if busy is not None and busy.on_call is not None:
            raise QueueError("Du har redan ett samtal.")
        for other, (offered_to, task) in list(self._offers.items()):
            if other == call_id or offered_to == operator.person_id:
                task.cancel()
                del self._offers[other]
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:
            self.state.start_offer(call_id, operator)
        except ValueError:
            raise QueueError("Samtalet kan inte kopplas till dig just nu.") from None
        self._start_offer(entry, operator)
        self._dispatch()  # a call whose offer was called off may go to someone else
        return view

    async def answer_next(self, operator: Operator) -> QueuedCallView | None:
        """Ring the operator's phone for the caller first in line; None when nobody waits."""
        views = self.snapshot()
        return await self.pick(views[0].call_id, operator) if views else None

    # -- a caller ------------------------------------------------------------------------------

    async def wait(self, ctx: CallContext, *, dialled: str = "") -> QueueResult:
        """Keep the caller in the queue until an operator answers, they ask for a callback,
        or they hang up. Raises nothing on hang-up: that is the ABANDONED outcome."""
        await self._warm_up()
        loop = asyncio.get_running_loop()
        info = ctx.info
        call = WaitingCall(info.call_id, info.caller, ctx.now(), info.caller_name, dialled)
        entry = _Entry(ctx, loop.create_future())
        self.state.join(call)
        self._entries[call.call_id] = entry
        self._dispatch()
        try:
            return await self._serve(ctx, entry, call)
        except CallerHungUp:
            left = self.state.leave(call.call_id, self.clock())
            wait_s = left.wait_s if left is not None else call.wait_s(self.clock())
            if left is not None:
                self.abandoned.append(left)
            self.stats.abandoned += 1
            log.info("%s: %s hung up after %.0f s in the queue", self.name, info.caller, wait_s)
            return QueueResult(QueueOutcome.ABANDONED, wait_s)
        finally:
            self._entries.pop(call.call_id, None)
            offer = self._offers.pop(call.call_id, None)
            if offer is not None:
                offer[1].cancel()
            self.state.leave(call.call_id, self.clock())
            self._dispatch()

    async def _serve(self, ctx: CallContext, entry: _Entry, call: WaitingCall) -> QueueResult:
        loop = asyncio.get_running_loop()
        settings = self.settings
        started = loop.time()
        can_callback = self.callbacks is not None and can_call_back(call.caller_number)
        offer_at = started + settings.callback_offer_after_s
        next_position = started
        nobody_said = False
        while True:
            if entry.connected.done():
                return self._answered(entry, call)
            now = loop.time()
            if now >= next_position:
                position = self.state.position(call.call_id) or 1
                items: list[Item] = [prompts.queue_position(position)]
                if self.state.signed_in == 0 and not nobody_said:
                    items.append(prompts.QUEUE_NO_OPERATOR)
                    nobody_said = True
                    offer_at = now  # nobody to answer: offer the callback at once
                await self._say(ctx, entry, items)
                next_position = loop.time() + settings.announce_every_s
            if can_callback and not entry.callback_offered and loop.time() >= offer_at:
                entry.callback_offered = True
                await self._say(ctx, entry, [prompts.QUEUE_CALLBACK_OFFER])
            if entry.connected.done():
                return self._answered(entry, call)
            until = next_position
            if can_callback and not entry.callback_offered:
                until = min(until, offer_at)
            await self._hold(ctx, entry, max(0.2, until - loop.time()))
            if entry.connected.done():
                return self._answered(entry, call)
            digit = await ctx.collect_digits(1, 0, terminator=None)
            if digit == CALLBACK_DIGIT and entry.callback_offered:
                result = await self._callback(ctx, call)
                if result is not None:
                    return result
            ctx.flush_digits()

    async def _say(self, ctx: CallContext, entry: _Entry, items: list[Item]) -> None:
        await ctx.say(*items, barge_in=entry.callback_offered)

    async def _hold(self, ctx: CallContext, entry: _Entry, seconds: float) -> None:
        """Hold music until `seconds` pass, an operator answers, or (once a callback was
        offered) a digit is pressed."""
        playing = asyncio.ensure_future(
            ctx.play([_Music(entry, seconds)], barge_in=entry.callback_offered)
        )
        try:
            either: set[asyncio.Future[Any]] = {playing, entry.connected}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not playing.done():
                ctx.stop_playing()
            await playing
        finally:
            if not playing.done():
                playing.cancel()

    async def _callback(self, ctx: CallContext, call: WaitingCall) -> QueueResult | None:
        assert self.callbacks is not None
        now = self.clock()
        request = QueueCallbackRequest(
            queue=self.name,
            caller_number=call.caller_number,
            at=now,
            wait_s=call.wait_s(now),
            caller_name=call.caller_name,
            unit_id=self.settings.unit_id,
        )
        try:
            task_id = await self.callbacks.queue_callback(request)
        except Exception:
            log.exception(
                "%s: the callback for %s could not be made", self.name, call.caller_number
            )
            task_id = None
        if task_id is None:
            await ctx.say(prompts.QUEUE_CALLBACK_FAILED)
            return None
        offer = self._offers.pop(call.call_id, None)
        if offer is not None:
            offer[1].cancel()  # nobody should answer a caller who is about to hang up
        left = self.state.leave(call.call_id, self.clock())
        self.stats.callbacks += 1
        wait_s = left.wait_s if left is not None else request.wait_s
        with contextlib.suppress(CallerHungUp):
            await ctx.say(prompts.queue_callback_confirmed(call.caller_number))
        await ctx.hangup()
        return QueueResult(QueueOutcome.CALLBACK, wait_s, callback_task_id=task_id)

    def _answered(self, entry: _Entry, call: WaitingCall) -> QueueResult:
        operator, answered_by = entry.connected.result()
        wait_s = call.wait_s(self.clock())
        self.stats.answered += 1
        self.stats.answered_wait_s += wait_s
        return QueueResult(QueueOutcome.ANSWERED, wait_s, answered_by or operator.name)

    # -- offering ------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while (pair := self.state.next_offer()) is not None:
            call, operator = pair
            entry = self._entries.get(call.call_id)
            if entry is None:  # cannot happen: the entry is made before the call joins
                self.state.leave(call.call_id, self.clock())
                continue
            self.state.start_offer(call.call_id, operator)
            self._start_offer(entry, operator)

    def _start_offer(self, entry: _Entry, operator: Operator) -> None:
        call_id = entry.ctx.info.call_id
        task = asyncio.get_running_loop().create_task(self._offer(entry, operator))
        self._offers[call_id] = (operator.person_id, task)

    async def _offer(self, entry: _Entry, operator: Operator) -> None:
        ctx, person_id = entry.ctx, operator.person_id
        call_id = ctx.info.call_id
        try:
            result = await ctx.bridge_to(operator.number, self.settings.offer_timeout_s)
        except asyncio.CancelledError:
            self.state.offer_withdrawn(call_id, person_id)
            raise
        except CallerHungUp:
            result = None
        except Exception:
            log.exception("%s: offering %s to %s failed", self.name, call_id, operator.name)
            result = None
        current = self._offers.get(call_id)
        if current is not None and current[1] is asyncio.current_task():
            del self._offers[call_id]
        if result is not None and result.answered:
            self.state.offer_answered(call_id, person_id, self.clock())
            if not entry.connected.done():
                entry.connected.set_result((operator, result.answered_by))
            self._dispatch()
            after = asyncio.get_running_loop().create_task(self._until_hung_up(ctx, person_id))
            self._after_calls.add(after)
            after.add_done_callback(self._after_calls.discard)
            return
        if result is None or result.outcome is RingOutcome.CALLER_HUNG_UP:
            self.state.offer_withdrawn(call_id, person_id)
        elif self.state.offer_failed(call_id, person_id, self.clock()):
            log.warning(
                "%s: %s missed %d calls in a row and is signed out",
                self.name, operator.name, self.settings.max_missed,
            )  # fmt: skip
            self._stored_sign_out(person_id)
        self._dispatch()

    async def _until_hung_up(self, ctx: CallContext, person_id: int) -> None:
        try:
            await ctx.hung_up.wait()
        finally:
            self.state.call_ended(person_id, self.clock())
            self._dispatch()

    # -- sign-ins in the database -------------------------------------------------------------

    def _stored_sign_in(self, operator: Operator, at: datetime) -> None:
        queue, person_id, number = self.name, operator.person_id, operator.number

        def write(session: Session) -> None:
            QueueSignInRepository(session).sign_in(queue, person_id, number, at)

        self._store(person_id, write)

    def _stored_sign_out(self, person_id: int) -> None:
        queue = self.name

        def write(session: Session) -> None:
            QueueSignInRepository(session).sign_out(queue, person_id)

        self._store(person_id, write)

    def _store(self, person_id: int, write: SignInWrite) -> None:
        """Queue a write; one task writes them in order, in a worker thread."""
        if self.database is None:
            return
        if self._changed_since_start is not None:
            self._changed_since_start.add(person_id)
        self._writes.append(write)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        while self._writes:
            writes = list(self._writes)
            self._writes.clear()
            await asyncio.to_thread(self._write, writes)

    def _write(self, writes: list[SignInWrite]) -> None:
        assert self.database is not None
        for write in writes:  # one transaction each: one that fails loses no other
            try:
                with self.database.session() as session:
                    write(session)
            except Exception:
                log.exception("%s: a sign-in or sign-out could not be stored", self.name)

    def _read_sign_ins(self, today: date) -> list[SignedIn]:
        assert self.database is not None
        with self.database.session() as session:
            return QueueSignInRepository(session).signed_in(self.name, on=today)

    async def _warm_up(self) -> None:
        # The hold music is computed once per process; a second of CPU that must not stall
        # the shared frame clock of every other call.
        if not self._warm:
            await asyncio.to_thread(lambda: hold_music_source().frame_list(PCMU))
            self._warm = True
