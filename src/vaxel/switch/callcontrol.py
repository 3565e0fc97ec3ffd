"""The operator console's calls, as the switch does them: the queue, signing in to it, answer
and pick, transfer, and click to call for callbacks.

`ConsoleCalls` has the shape of the web's `CallControl` (vaxel.web.callcontrol), which the
switch may not import; the composition root adapts one to the other. It refuses with
`CallRefused`, whose message (Swedish, and English for an English console) is shown as it is.

* sign in / out: the operator joins the queue's operators on their own number (their
  extension), exactly as *21# from their phone does, so offers ring their registered phones;
  refused while no phone of theirs is registered (offers could never be answered).
* answer next / pick: the queue offers the caller to the operator's registered phone (and
  bridges them when it answers), whether or not the operator signed in to the queue.
* blind transfer: the operator's phone is let go, the caller hears ringing while the target's
  phones ring; if nobody answers the caller is told so and the operator's phone rings again
  (they stay busy in the queue meanwhile); if they do not answer either, back to the queue.
* consultation (förfrågan): the caller hears hold music while the operator's phone is
  connected to the one consulted; the operator then completes (the caller is joined to
  them, the operator's phone let go; hanging up does the same) or cancels (back to the
  caller). If the one consulted does not answer, the operator has the caller back at once.
* click to call: vaxel rings the employee's own phone; when they answer it rings the number
  (with ringing tone for the employee), and a connected call completes the callback task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from vaxel.media.sources import Loop, hold_music_source
from vaxel.switch.apps import prompts
from vaxel.switch.apps.queue import QueueError, SwitchboardQueue
from vaxel.switch.apps.queue_state import Operator, QueuedCallView
from vaxel.switch.b2bua import Call, CallState
from vaxel.switch.call_context import CallerHungUp, CallInfo, MediaCall, RingResult
from vaxel.switch.signalling import CallSide, SwitchCalls

log = logging.getLogger(__name__)

# What the caller hears, in the languages callers hear (Prompts: a recording may replace them).
TRANSFER_BACK = prompts.TRANSFER_NO_ANSWER
TO_QUEUE = prompts.TO_SWITCHBOARD
TRANSFER_FAILED = prompts.TRANSFER_FAILED


class CallRefused(Exception):
    """The switch cannot do what the console asked; `message` is Swedish, for the console,
    `message_en` the same in English (empty: there is only the Swedish)."""

    def __init__(self, message: str, status: int = 409, message_en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class SignInResult:
    """Where the operator stands after asking to sign in or out: signed in now or not,
    whether that changed anything, and the number the queue's offers ring."""

    signed_in: bool
    changed: bool
    number: str = ""


@dataclass(eq=False)
class _Consultation:
    """A caller on hold (music) while their operator talks to `ringing`'s callee first."""

    side: CallSide
    operator: MediaCall | None  # the caller's context while the operator had them (the queue's)
    music_ctx: MediaCall
    music: asyncio.Task[None]
    ringing: asyncio.Task[RingResult]
    answered: bool = False

    @property
    def call_id(self) -> str:
        return self.side.call.call_id


class ConsoleCalls:
    """What the console asks of the switch; see the module docstring."""

    def __init__(self, calls: SwitchCalls, queue: str | None = None) -> None:
        self.calls = calls
        self.queue_name = queue or calls.settings.switchboard_queue
        self._consulting: dict[str, _Consultation] = {}

    # -- the queue ------------------------------------------------------------------------------

    def queue(self) -> list[QueuedCallView]:
        found = self.calls.queue(self.queue_name)
        return [] if found is None else found.snapshot()

    async def answer_next(self, person_id: int, name: str) -> QueuedCallView | None:
        queue, operator = self._queue(), self._operator(person_id, name)
        try:
            return await queue.answer_next(operator)
        except QueueError as error:
            raise CallRefused(error.message_sv) from None

    async def pick(self, call_id: str, person_id: int, name: str) -> QueuedCallView:
        queue, operator = self._queue(), self._operator(person_id, name)
        try:
            return await queue.pick(call_id, operator)
        except QueueError as error:
            raise CallRefused(error.message_sv) from None

    def _queue(self) -> SwitchboardQueue:
        queue = self.calls.queue(self.queue_name)
        if queue is None:
            raise CallRefused("Det finns ingen växelkö.", 503, "There is no switchboard queue.")
        return queue

    def _operator(self, person_id: int, name: str) -> Operator:
        """The operator on their own number, the one *21# from their phone signs in with (the
        SIP directory's: their extension, else their first number)."""
        number = self.calls.directory.number_of(person_id)
        if number is None:
            raise CallRefused(
                "Du har inget anknytningsnummer.", message_en="You have no extension."
            )
        if not self.calls.contacts_of_person(person_id):
            raise CallRefused(
                "Din telefon är inte registrerad. Starta den och försök igen.",
                message_en="Your phone is not registered. Start it and try again.",
            )
        return Operator(person_id, name, number)

    # -- signing in -----------------------------------------------------------------------------

    async def sign_in(self, person_id: int, name: str) -> SignInResult:
        """Sign the operator in to the queue on their number, as *21# does; refused without
        a registered phone. Returns once the sign-in is stored, so the console reads it back."""
        queue = self._queue()
        try:
            operator = self._operator(person_id, name)
        except CallRefused as refused:
            raise CallRefused(
                f"Du kan inte logga in i kön. {refused.message}",
                refused.status,
                f"You cannot sign in to the queue. {refused.message_en}",
            ) from None
        changed = queue.sign_in(operator)
        if changed:
            log.info("%s signed in to %s from the console on %s", name, queue.name, operator.number)
        await queue.written()
        return SignInResult(True, changed, operator.number)

    async def sign_out(self, person_id: int) -> SignInResult:
        """Sign the operator out of the queue, as #21# does (a call ringing for them goes back
        to the queue). Returns once the sign-out is stored."""
        queue = self._queue()
        changed = queue.sign_out(person_id)
        if changed:
            log.info("person %d signed out of %s from the console", person_id, queue.name)
        await queue.written()
        return SignInResult(False, changed)

    # -- transfer ------------------------------------------------------------------------------

    def _operators_call(self, call_id: str, person_id: int) -> CallSide:
        side = self.calls.sides.get(call_id)
        if side is None or side.call.state is CallState.ENDED:
            raise CallRefused("Samtalet finns inte längre.", 404, "The call is no longer there.")
        leg = side.call.held if call_id in self._consulting else side.call.winner
        if leg is None or leg.account.person_id != person_id:
            raise CallRefused(
                "Det samtalet är inte kopplat till dig.",
                message_en="That call is not connected to you.",
            )
        return side

    def _target_devices(self, target: str) -> int:
        person_id = self.calls.person_for(target)
        if person_id is None:
            raise CallRefused(
                f"Numret {target} finns inte i katalogen.", 404,
                f"The number {target} is not in the directory.",
            )  # fmt: skip
        if not self.calls.contacts_of_person(person_id):
            raise CallRefused(
                f"{target} har ingen registrerad telefon just nu.",
                message_en=f"{target} has no registered phone right now.",
            )
        return person_id

    async def transfer_blind(self, call_id: str, target: str, person_id: int) -> None:
        side = self._operators_call(call_id, person_id)
        target_person = self._target_devices(target)
        old = side.context
        side.drop_connected()
        ctx = side.new_context(old.info if old is not None else self._info(side.call))
        self.calls.spawn(self._after_blind(side, ctx, old, person_id, target_person, target))

    async def _after_blind(
        self,
        side: CallSide,
        ctx: MediaCall,
        old: MediaCall | None,
        operator: int,
        person_id: int,
        target: str,
    ) -> None:
        """Ring the target; if nobody answers, back to the operator, then to the queue. The
        operator stays busy in the queue (the old context is not over) until the caller is
        someone else's."""
        timeout = self.calls.settings.transfer_timeout_s

        def release() -> None:
            if old is not None:
                old.hung_up.set()  # the operator's part is over: the queue frees them

        try:
            await ctx.answer()  # answered already: this lets the ringing tone play
            result = await ctx.ring(self.calls.targets.device_refs(person_id), timeout)
            if result.answered:
                log.info("call %s transferred to %s", side.call.call_id, target)
                release()
                return
            await ctx.say(TRANSFER_BACK)
            back = await ctx.ring(self.calls.targets.device_refs(operator), timeout)
            if back.answered:
                return  # the operator has the caller again
            release()
            queue = self.calls.queue(self.queue_name)
            if queue is None:
                await ctx.say(TRANSFER_FAILED)
                await ctx.hangup()
                return
            await ctx.say(TO_QUEUE)
            waited = await queue.wait(ctx, dialled=ctx.info.called)
            if waited.outcome.value != "answered" and not ctx.hung_up.is_set():
                await ctx.hangup()
        except CallerHungUp:
            return
        except Exception:
            log.exception("call %s: the transfer failed", side.call.call_id)
            await ctx.hangup()
        finally:
            if ctx.hung_up.is_set():
                release()

    async def transfer_consult(self, call_id: str, target: str, person_id: int) -> None:
        side = self._operators_call(call_id, person_id)
        if call_id in self._consulting:
            raise CallRefused(
                "En förfrågan pågår redan för det här samtalet.",
                message_en="A consultation is already going on for this call.",
            )
        target_person = self._target_devices(target)
        old = side.context
        codec = side.a_media.session.codec if side.a_media is not None else None
        if codec is not None:  # computed once per process; not on the loop's frame clock
            await asyncio.to_thread(lambda: hold_music_source().frame_list(codec))
        if side.hold_connected() is None:
            raise CallRefused("Samtalet finns inte längre.", 404, "The call is no longer there.")
        ctx = side.new_context(old.info if old is not None else self._info(side.call))
        music = self.calls.spawn(self._music(ctx))
        contacts = self.calls.contacts_of_person(target_person)
        ringing = asyncio.get_running_loop().create_task(
            side.consult(contacts, self.calls.settings.transfer_timeout_s)
        )
        consultation = _Consultation(side, old, ctx, music, ringing)
        self._consulting[call_id] = consultation
        side.on_held_gone = lambda: self._operator_left(consultation)
        ringing.add_done_callback(lambda _: self._rang(consultation))

    @staticmethod
    async def _music(ctx: MediaCall) -> None:
        with contextlib.suppress(CallerHungUp):
            await ctx.play([Loop(hold_music_source())])

    def _rang(self, consultation: _Consultation) -> None:
        task = consultation.ringing
        answered = not task.cancelled() and task.exception() is None and task.result().answered
        if answered and self._consulting.get(consultation.call_id) is consultation:
            consultation.answered = True
            return
        self._back(consultation)

    def _back(self, consultation: _Consultation) -> None:
        """The consultation is over without a transfer: the caller goes back to the operator
        (or, if they hung up meanwhile, to the queue)."""
        self._end(consultation)
        side = consultation.side
        if side.call.state is CallState.ENDED:
            return
        if side.held_media is not None:
            side.resume_held()
            return
        self._release(consultation)
        self.calls.spawn(self._to_queue(side, consultation.music_ctx))

    def _end(self, consultation: _Consultation) -> None:
        if self._consulting.get(consultation.call_id) is consultation:
            del self._consulting[consultation.call_id]
        consultation.side.on_held_gone = None
        consultation.music_ctx.stop_playing()
        consultation.music.cancel()

    @staticmethod
    def _release(consultation: _Consultation) -> None:
        if consultation.operator is not None:
            consultation.operator.hung_up.set()  # the operator's part is over: the queue frees them

    def _operator_left(self, consultation: _Consultation) -> None:
        """The operator hung up during the consultation: that completes it if the other
        answered; else the ringing stops and the caller goes to the queue."""
        if consultation.answered:
            self._end(consultation)
            consultation.side.join_consulted()
            self._release(consultation)
        else:
            consultation.ringing.cancel()

    async def _to_queue(self, side: CallSide, ctx: MediaCall) -> None:
        queue = self.calls.queue(self.queue_name)
        try:
            if queue is None:
                await ctx.say(TRANSFER_FAILED)
                await ctx.hangup()
                return
            await ctx.say(TO_QUEUE)
            waited = await queue.wait(ctx, dialled=ctx.info.called)
            if waited.outcome.value != "answered" and not ctx.hung_up.is_set():
                await ctx.hangup()
        except CallerHungUp:
            return

    def _consultation(self, call_id: str, person_id: int) -> _Consultation:
        self._operators_call(call_id, person_id)
        consultation = self._consulting.get(call_id)
        if consultation is None:
            raise CallRefused(
                "Det pågår ingen förfrågan för det samtalet.",
                message_en="There is no consultation going on for that call.",
            )
        return consultation

    async def complete_transfer(self, call_id: str, person_id: int) -> None:
        consultation = self._consultation(call_id, person_id)
        if not consultation.answered:
            raise CallRefused(
                "Den du söker har inte svarat än: avbryt förfrågan eller vänta.",
                message_en="The person has not answered yet: cancel the consultation or wait.",
            )
        self._end(consultation)
        consultation.side.join_consulted()
        self._release(consultation)

    async def cancel_transfer(self, call_id: str, person_id: int) -> None:
        consultation = self._consultation(call_id, person_id)
        if not consultation.answered:
            consultation.ringing.cancel()  # its done callback goes back to the operator
            return
        self._back(consultation)

    # -- click to call ----------------------------------------------------------------------------

    async def click_to_call(self, person_id: int, number: str) -> None:
        calls = self.calls
        contacts = calls.contacts_of_person(person_id)
        if not contacts:
            raise CallRefused(
                "Din telefon är inte registrerad. Starta den och försök igen.",
                message_en="Your phone is not registered. Start it and try again.",
            )
        target = calls.person_for(number)
        if target is None:
            raise CallRefused(
                "Vaxel kan ännu inte ringa ut till nummer utanför kommunen. Ring upp från "
                "din telefon.",
                message_en="Vaxel cannot yet call numbers outside the municipality. Call back "
                "from your phone.",
            )
        call = await calls.originate(
            contacts,
            number,
            from_number=calls.directory.number_of(person_id) or "",
            display="Återuppringning",
        )
        if call is None:
            raise CallRefused(
                "Samtalet kunde inte kopplas upp.", message_en="The call could not be set up."
            )

    def _info(self, call: Call) -> CallInfo:
        return CallInfo(call.call_id, call.from_number, call.dialled,
                        caller_person_id=call.caller_person_id)  # fmt: skip
