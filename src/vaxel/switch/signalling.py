"""The switch's apps on real calls: routing and the apps run on a `MediaCall` whose signalling
is the B2BUA.

`SwitchCalls` is what the B2BUA hands every new call to (`CallApps`): a dialled feature code
goes to the FeatureApp, anything else is looked up in the `TargetDirectory`, routed
(`routing.route`, pure) and carried out by the PlanExecutor. The outcome, and whether the
caller was told when the callee is back, go into the call record.

`CallSide` is one call as the apps and the B2BUA see it: the `CallSignalling` of its
MediaCall (answer with our SDP, ring phones, call a number, hang up) and the B2BUA's
`CallHooks` (the call ended, a phone answered our offer, a re-INVITE). The caller's media
is ours from the moment an app answers; a phone connected after that gets an offer from a
second session of ours and `MediaRelay` joins the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vaxel.domain.calls import CallOutcome
from vaxel.media.announcer import Prompt
from vaxel.media.offer_answer import OfferAnswerError
from vaxel.media.speech import Speech
from vaxel.sip.message import Response
from vaxel.switch import feature_codes
from vaxel.switch.apps import prompts
from vaxel.switch.apps.features import FeatureApp
from vaxel.switch.apps.plan_executor import PlanExecutor
from vaxel.switch.apps.queue import SwitchboardQueue
from vaxel.switch.b2bua import B2bua, Call, CallState, Fork, Leg, Side
from vaxel.switch.call_context import (
    CallerHungUp,
    CallInfo,
    MediaCall,
    RingOutcome,
    RingResult,
)
from vaxel.switch.directory import Account, DirectoryCache
from vaxel.switch.media_leg import (
    FamilyNotServed,
    MediaLeg,
    MediaLegs,
    MediaRelay,
    MediaSettings,
)
from vaxel.switch.registrar import Binding, Registrar
from vaxel.switch.routing import DeviceRef, IncomingCall, RoutingSettings, route
from vaxel.switch.targets import TargetDirectory, TargetSettings

log = logging.getLogger(__name__)

# Said by the switch itself, in Swedish and English as the switch is set (`sv,en`).
SERVICE_UNAVAILABLE = Prompt(
    "service_unavailable", "Tjänsten finns inte.", "This service is not available."
)
CALLBACK_FAILED = Prompt(
    "callback_failed",
    "Den du ringer svarar inte. Hej då.",
    "The person you are calling does not answer. Goodbye.",
)

Connected = Callable[..., Awaitable[object]]  # (dialled=, at=, by_person_id=) → anything


@dataclass(frozen=True, slots=True)
class CallSettings:
    """How the switch handles calls, beyond what routing decides."""

    routing: RoutingSettings = field(default_factory=RoutingSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    targets: TargetSettings = field(default_factory=TargetSettings)
    transfer_timeout_s: float = 20.0  # how long a transfer target rings before the call returns
    click_to_call_timeout_s: float = 30.0  # how long the employee's own phone rings
    switchboard_queue: str = "vaxeln"


@dataclass(slots=True)
class CallApps:
    """The apps the switch runs calls with (built by the composition root, app.py)."""

    executor: PlanExecutor
    speech: Speech
    features: FeatureApp | None = None
    queues: Mapping[str, SwitchboardQueue] = field(default_factory=dict)
    # Every connected call (flows.callbacks.CallbackFlows.connected: callbacks it settles).
    connected: Connected | None = None


class SwitchCalls:
    """The B2BUA's `CallApps`: starts an app on every new call; see the module docstring."""

    def __init__(
        self,
        apps: CallApps,
        directory: DirectoryCache,
        registrar: Registrar,
        targets: TargetDirectory,
        *,
        wallclock: Callable[[], datetime],
        settings: CallSettings | None = None,
        media: MediaLegs | None = None,
    ) -> None:
        self.apps = apps
        self.directory = directory
        self.registrar = registrar
        self.targets = targets
        self.wallclock = wallclock
        self.settings = settings or CallSettings()
        self.media = media or MediaLegs(self.settings.media)
        self.b2bua: B2bua | None = None
        self.flush: Callable[[], None] = lambda: None
        self.clock: Callable[[], float] = lambda: asyncio.get_running_loop().time()
        self.sides: dict[str, CallSide] = {}  # by the call's Call-ID
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(
        self,
        b2bua: B2bua,
        flush: Callable[[], None],
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Join the B2BUA (whose `apps` we are) and the transport's flush."""
        self.b2bua = b2bua
        b2bua.apps = self
        self.flush = flush
        if clock is not None:
            self.clock = clock
        self.targets.busy = b2bua.busy
        self.targets.registered = lambda account_id: bool(
            self.registrar.contacts_of(account_id, self.clock())
        )

    @property
    def sip(self) -> B2bua:
        assert self.b2bua is not None, "SwitchCalls.attach() was not called"
        return self.b2bua

    def queue(self, name: str | None = None) -> SwitchboardQueue | None:
        return self.apps.queues.get(name or self.settings.switchboard_queue)

    # -- CallApps ------------------------------------------------------------------------------

    def start(self, call: Call) -> None:
        side = CallSide(self, call)
        call.hooks = side
        self.sides[call.call_id] = side
        self.spawn(self._run(side))

    def connected(self, call: Call, leg: Leg) -> None:
        hook = self.apps.connected
        if hook is None:
            return
        self.spawn(
            self._tell_connected(hook, call.dialled, self.wallclock(), call.caller_person_id)
        )

    async def _tell_connected(
        self, hook: Connected, dialled: str, at: datetime, person_id: int | None
    ) -> None:
        try:
            await hook(dialled=dialled, at=at, by_person_id=person_id)
        except Exception:
            log.exception("after a connected call to %s: the callback flow failed", dialled)

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run an app's coroutine, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    # -- a new call ---------------------------------------------------------------------------

    async def _run(self, side: CallSide) -> None:
        call = side.call
        outcome: CallOutcome | None = CallOutcome.FAILED
        informed, answered_by = False, ""
        try:
            ctx = await side.open(self._info(call))
            if ctx is None:
                outcome = CallOutcome.ABANDONED
                return
            now = self.wallclock()
            if self._is_feature_code(call.dialled, now):
                if self.apps.features is None:
                    await ctx.say(SERVICE_UNAVAILABLE)
                    await ctx.hangup()
                else:
                    await self.apps.features.run(ctx)
                outcome = CallOutcome.ANNOUNCEMENT
                return
            found = self.targets.lookup(call.dialled, now)
            if found.number is not None:
                call.to_number = found.number.extension or found.number.e164
            if found.callee is not None:
                call.unit_id = found.callee.unit_id
            settings = self.targets.routing_settings(self.settings.routing)
            plan = route(
                IncomingCall(call.from_number, call.dialled, caller_is_internal=True),
                found.target,
                now,
                settings,
            )
            log.info(
                "call %s from %s to %s: %s", call.call_id, call.from_number, call.dialled,
                plan.reason,
            )  # fmt: skip
            result = await self.apps.executor.run(ctx, plan, found.callee)
            outcome, informed, answered_by = result.outcome, result.informed, result.answered_by
        except CallerHungUp:
            outcome = CallOutcome.ABANDONED
        except Exception:
            log.exception("call %s: the app failed", call.call_id)
            context = side.context
            with contextlib.suppress(Exception):
                if context is not None and not context.hung_up.is_set():
                    await context.say(prompts.TECHNICAL_ERROR)  # never silence
            with contextlib.suppress(Exception):
                # Through the MediaCall when there is one: it lets the apology finish playing.
                await (context.hangup() if context is not None else side.hangup())
        finally:
            self.sip.app_finished(
                call, outcome=outcome, informed=informed, answered_by=answered_by
            )
            self.flush()

    def _info(self, call: Call) -> CallInfo:
        person_id = call.caller_person_id
        person = None if person_id is None else self.targets.person(person_id)
        return CallInfo(
            call_id=call.call_id,
            caller=call.from_number,
            called=call.dialled,
            caller_name="" if person is None else person.name,
            caller_person_id=person_id,
        )

    @staticmethod
    def _is_feature_code(dialled: str, now: datetime) -> bool:
        try:
            return feature_codes.parse(dialled, now) is not None
        except feature_codes.FeatureCodeError:
            return True  # the FeatureApp says what is wrong with it

    # -- click to call -----------------------------------------------------------------------

    async def originate(
        self,
        contacts: Sequence[tuple[Account, Binding]],
        number: str,
        *,
        from_number: str,
        display: str,
    ) -> Call | None:
        """Ring these phones (an employee's); when one answers, ring `number` and connect."""
        target_person = self.person_for(number)
        if not contacts or target_person is None:
            return None
        media = await self.media.open(contacts[0][1].target.host)
        answered: asyncio.Future[RingResult] = asyncio.get_running_loop().create_future()

        def finished(outcome: RingOutcome, by: str) -> None:
            if not answered.done():
                answered.set_result(RingResult(outcome, by))

        call = self.sip.originate(
            contacts,
            self.settings.click_to_call_timeout_s,
            self.clock(),
            offer=media.offer(),
            from_number=from_number,
            to_number=number,
            display=display,
            on_done=finished,
        )
        if call is None:
            media.close()
            return None
        side = CallSide(self, call)
        side.a_media = media
        call.hooks = side
        self.sides[call.call_id] = side
        self.flush()
        self.spawn(self._originated(side, answered, target_person))
        return call

    async def _originated(
        self, side: CallSide, answered: asyncio.Future[RingResult], target_person: int
    ) -> None:
        call = side.call
        outcome = CallOutcome.FAILED
        try:
            first = await answered
            if not first.answered:
                return
            ctx = side.new_context(self._info(call))
            await ctx.answer()  # answered already: this lets the ringing tone play
            devices = self.targets.device_refs(target_person)
            result = await ctx.ring(devices, self.settings.routing.ring_timeout_s)
            if result.answered:
                outcome = CallOutcome.ANSWERED
            elif result.outcome is RingOutcome.CALLER_HUNG_UP:
                outcome = CallOutcome.ABANDONED
            else:
                await ctx.say(CALLBACK_FAILED)
                await ctx.hangup()
        except CallerHungUp:
            outcome = CallOutcome.ABANDONED
        finally:
            self.sip.app_finished(call, outcome=outcome)
            self.flush()

    # -- whom to ring ---------------------------------------------------------------------------

    def contacts_of_devices(self, devices: Sequence[DeviceRef]) -> list[tuple[Account, Binding]]:
        now = self.clock()
        found: list[tuple[Account, Binding]] = []
        for device in devices:
            account = self.directory.account(device.key)
            if account is not None:
                found += [(account, b) for b in self.registrar.contacts_of(account.id, now)]
        return found

    def contacts_of_person(self, person_id: int) -> list[tuple[Account, Binding]]:
        now = self.clock()
        return [
            (account, binding)
            for account in self.directory.devices_of(person_id)
            for binding in self.registrar.contacts_of(account.id, now)
        ]

    def person_for(self, number: str) -> int | None:
        return self.targets.person_for(number, self.wallclock()) or self.directory.person_for(
            number
        )

    def contacts_for_number(self, number: str) -> list[tuple[Account, Binding]]:
        person_id = self.person_for(number)
        return [] if person_id is None else self.contacts_of_person(person_id)


class CallSide:
    """One call's CallSignalling (for its MediaCalls) and CallHooks (for the B2BUA)."""

    def __init__(self, calls: SwitchCalls, call: Call) -> None:
        self.calls = calls
        self.call = call
        self.a_media: MediaLeg | None = None  # ours, towards side A
        self.b_media: MediaLeg | None = None  # ours, towards the connected phone
        self.held_media: MediaLeg | None = None  # ours, towards a phone on hold (förfrågan)
        self.relay: MediaRelay | None = None
        self.contexts: list[MediaCall] = []
        self.on_held_gone: Callable[[], None] | None = None
        self._offers: dict[Fork, tuple[MediaLeg, MediaLeg]] = {}  # ours, and whom it joins

    @property
    def context(self) -> MediaCall | None:
        return self.contexts[-1] if self.contexts else None

    async def open(self, info: CallInfo) -> MediaCall | None:
        """Our media for side A and a MediaCall on it; None when the caller already left."""
        call = self.call
        try:
            self.a_media = await self.calls.media.open(call.a_peer.host)
        except OSError as error:
            log.error("call %s: no media port: %s", call.call_id, error)
            self._sip_hang_up(503)
            return None
        if call.state is CallState.ENDED:
            self.a_media.close()
            return None
        return self.new_context(info)

    def new_context(self, info: CallInfo) -> MediaCall:
        """A (new) MediaCall for side A: a call that comes back from a transfer gets one."""
        assert self.a_media is not None
        ctx = MediaCall(
            info,
            self.a_media.session,
            self,
            self.calls.apps.speech,
            clock=self.calls.wallclock,
        )
        self.contexts.append(ctx)
        return ctx

    # -- CallSignalling --------------------------------------------------------------------------

    async def answer(self) -> None:
        call, sip = self.call, self.calls.sip
        if call.state is CallState.ENDED:
            raise CallerHungUp()
        if call.anchored or call.state is not CallState.ROUTING:
            return  # answered already (or ringing with the caller's SDP: not ours to answer)
        assert self.a_media is not None and call.a_request is not None
        offer = call.a_request.body
        try:
            body = self.a_media.answer(offer) if offer else self.a_media.offer()
        except OfferAnswerError as error:
            log.info("call %s: %s", call.call_id, error)
            self._sip_hang_up(488, error.warning if isinstance(error, FamilyNotServed) else None)
            raise CallerHungUp() from None
        sip.answer(call, body, self.calls.clock())
        self.calls.flush()

    async def ring(
        self, devices: Sequence[DeviceRef], timeout_s: float, *, parallel: bool = True
    ) -> RingResult:
        if not parallel and len(devices) > 1:
            result = RingResult(RingOutcome.FAILED)
            for device in devices:
                result = await self.ring([device], timeout_s, parallel=True)
                if result.outcome in (RingOutcome.ANSWERED, RingOutcome.CALLER_HUNG_UP):
                    return result
            return result
        return await self.connect(self.calls.contacts_of_devices(devices), timeout_s)

    async def bridge_to(self, number: str, timeout_s: float) -> RingResult:
        # The queue offers a caller it is playing to: answer first, so our media stays the
        # caller's while the phone rings (a ring step, by contrast, rings before any answer).
        contacts = self.calls.contacts_for_number(number)
        if contacts and not self.call.anchored:
            await self.answer()
        return await self.connect(contacts, timeout_s)

    async def transfer(self, target: str) -> bool:
        contacts = self.calls.contacts_for_number(target)
        if not contacts or self.call.state is CallState.ENDED:
            return False
        self.drop_connected()
        self.calls.spawn(self._ring_transfer(contacts))
        return True

    async def _ring_transfer(self, contacts: list[tuple[Account, Binding]]) -> None:
        result = await self.connect(contacts, self.calls.settings.transfer_timeout_s)
        if not result.answered and self.call.state is not CallState.ENDED:
            self._sip_hang_up(480)

    async def hangup(self) -> None:
        self._sip_hang_up(480)

    def _sip_hang_up(self, status: int, warning: tuple[int, str] | None = None) -> None:
        if self.call.state is not CallState.ENDED:
            self.calls.sip.hang_up(self.call, self.calls.clock(), status, warning)
            self.calls.flush()

    # -- ringing --------------------------------------------------------------------------------

    async def connect(
        self,
        contacts: Sequence[tuple[Account, Binding]],
        timeout_s: float,
        *,
        partner: MediaLeg | None = None,
    ) -> RingResult:
        """Ring these contacts and connect side A (or `partner`, the phone on hold in a
        consultation) to the one that answers (cancellable)."""
        call, sip = self.call, self.calls.sip
        if call.state is CallState.ENDED:
            return RingResult(RingOutcome.CALLER_HUNG_UP)
        if not contacts:
            return RingResult(RingOutcome.FAILED)
        done: asyncio.Future[RingResult] = asyncio.get_running_loop().create_future()

        def finished(outcome: RingOutcome, by: str) -> None:
            if not done.done():
                done.set_result(RingResult(outcome, by))

        media: MediaLeg | None = None
        offer: bytes | None = None
        joins = partner or self.a_media
        if call.anchored:
            assert joins is not None
            try:
                media = await self.calls.media.open(contacts[0][1].target.host)
            except OSError as error:
                log.error("call %s: no media port: %s", call.call_id, error)
                return RingResult(RingOutcome.FAILED)
            if call.state is CallState.ENDED:
                media.close()
                return RingResult(RingOutcome.CALLER_HUNG_UP)
            # The caller's codec only, so the relay passes frames on without transcoding.
            offer = media.offer(codecs=(joins.session.codec,))
        fork = sip.ring(call, contacts, timeout_s, self.calls.clock(), on_done=finished,
                        offer=offer)  # fmt: skip
        if fork is not None and media is not None and joins is not None:
            self._offers[fork] = (media, joins)
        self.calls.flush()
        try:
            return await done
        except asyncio.CancelledError:
            if fork is not None:
                sip.stop_ringing(fork, self.calls.clock())
                self.calls.flush()
            raise
        finally:
            if fork is not None:
                self._offers.pop(fork, None)
            if media is not None and media is not self.b_media:
                media.close()

    # -- CallHooks ---------------------------------------------------------------------------

    def b_answered(self, leg: Leg, response: Response) -> None:
        if self.call.state is CallState.ORIGINATING:
            assert self.a_media is not None
            self.a_media.accept(response.body)
            return
        offered = self._offers.get(leg.fork)
        if offered is None:
            raise RuntimeError("no media of ours waits for this answer")
        media, joins = offered
        media.accept(response.body)
        if self.relay is not None:
            self.relay.close()
        if self.b_media is not None and self.b_media is not media:
            self.b_media.close()
        self.b_media = media
        self.relay = MediaRelay(joins.session, media.session)

    def offer_in(self, side: Side, body: bytes) -> bytes | None:
        media = {Side.A: self.a_media, Side.B: self.b_media, Side.H: self.held_media}[side]
        if media is None:
            return None
        try:
            return media.answer(body) if body else media.again()
        except OfferAnswerError as error:
            log.info("call %s: re-INVITE refused: %s", self.call.call_id, error)
            return None

    def ended(self) -> None:
        if self.calls.sides.get(self.call.call_id) is self:
            del self.calls.sides[self.call.call_id]
        for ctx in self.contexts:
            ctx.ended()
        self.contexts.clear()  # no cycle (context ⇄ its signalling) outlives the call
        if self.relay is not None:
            self.relay.close()
        offered = [media for media, _ in self._offers.values()]
        for media in (self.a_media, self.b_media, self.held_media, *offered):
            if media is not None:
                media.close()

    def held_gone(self) -> None:
        if self.held_media is not None:
            self.held_media.close()
            self.held_media = None
        if self.on_held_gone is not None:  # later: not inside the B2BUA's transition
            asyncio.get_running_loop().call_soon(self.on_held_gone)

    def drop_connected(self) -> None:
        """Let the phone side A talks to go (a transfer), keeping side A and its media."""
        self.calls.sip.drop_connected(self.call, self.calls.clock())
        self.calls.flush()
        self._unrelay()
        if self.b_media is not None:
            self.b_media.close()
            self.b_media = None

    # -- a consultation (förfrågan) -----------------------------------------------------------

    def hold_connected(self) -> Leg | None:
        """The connected phone (the operator's) waits, hearing nothing, while its owner
        consults another; side A is left to an app (hold music)."""
        held = self.calls.sip.hold_connected(self.call, self.calls.clock())
        if held is None:
            return None
        self._unrelay()
        self.held_media, self.b_media = self.b_media, None
        return held

    async def consult(
        self, contacts: Sequence[tuple[Account, Binding]], timeout_s: float
    ) -> RingResult:
        """Ring the one to consult and connect them to the phone on hold."""
        if self.held_media is None:
            return RingResult(RingOutcome.FAILED)
        return await self.connect(contacts, timeout_s, partner=self.held_media)

    def resume_held(self) -> None:
        """End the consultation: the one consulted is let go, A talks to the held phone."""
        self.calls.sip.resume_held(self.call, self.calls.clock())
        self.calls.flush()
        self._unrelay()
        if self.b_media is not None:
            self.b_media.close()
        self.b_media, self.held_media = self.held_media, None
        self._relay_b()

    def join_consulted(self) -> None:
        """Complete the consultation: the held phone is let go, A talks to the one consulted."""
        self.calls.sip.drop_held(self.call, self.calls.clock())
        self.calls.flush()
        self._unrelay()
        if self.held_media is not None:
            self.held_media.close()
            self.held_media = None
        self._relay_b()

    def _unrelay(self) -> None:
        if self.relay is not None:
            self.relay.close()
            self.relay = None

    def _relay_b(self) -> None:
        """A talks to the B side's phone."""
        if self.b_media is not None and self.a_media is not None:
            self.relay = MediaRelay(self.a_media.session, self.b_media.session)
