"""Carrying out a RoutePlan on a call, step by step, and saying how it ended.

Routing (switch.routing) decides; this module only does. Ring steps ring the callee's
devices through the CallContext (the caller is bridged on answer); announcements are spoken
in Swedish and, when the switch has English on, then in English (a recorded prompt replaces
the generated speech where one exists); a menu waits for 1 (voicemail) or 0 (the
switchboard), in either language, and takes the default when nothing or something else is
pressed; voicemail and the queue are their apps.

No path ends in silence: a plan that runs out ends with a goodbye and a hang-up; an error
is apologised for (or, if even speech fails, a tone is played) before the hang-up.

The result is what the call record needs: the outcome (answered, voicemail, announcement,
callback, abandoned, busy, failed) and `informed`, whether the caller heard a return time or
the next opening — the policy's measure (§2).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from vaxel.domain.calls import CallOutcome
from vaxel.domain.voicemail import VoicemailMessage
from vaxel.media.announcer import Item, Prompt, Sentence
from vaxel.media.sources import Loop, PcmSource
from vaxel.media.tones import congestion
from vaxel.switch.apps import prompts
from vaxel.switch.apps.queue import QueueOutcome, QueueResult, SwitchboardQueue
from vaxel.switch.apps.voicemail import VoicemailApp
from vaxel.switch.call_context import CallContext, Callee, CallerHungUp, CallInfo, RingOutcome
from vaxel.switch.routing import (
    AnnounceStep,
    MenuAction,
    MenuStep,
    QueueStep,
    RingStep,
    RoutePlan,
    RouteReason,
    Step,
    VoicemailStep,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallResult:
    """How a call handed to the executor ended, for the call record and the flows."""

    outcome: CallOutcome
    informed: bool  # the caller heard the return time or the next opening
    reason: RouteReason
    answered_by: str = ""
    voicemail: VoicemailMessage | None = None
    queue: QueueResult | None = None
    detail: str = ""  # "queue_callback", "caller_hung_up", "error", "no_queue", …


@dataclass(frozen=True, slots=True)
class FinishedCall:
    """A call the executor is done with, as observers (flows.callbacks) see it."""

    info: CallInfo
    callee: Callee | None
    plan: RoutePlan
    result: CallResult
    started_at: datetime
    ended_at: datetime


class CallObserver(Protocol):
    async def call_finished(self, call: FinishedCall) -> None: ...


@dataclass(slots=True)
class _Progress:
    plan: RoutePlan
    informed: bool = False
    busy: bool = False
    heard_something: bool = False
    last: Step | None = field(default=None)

    def result(
        self,
        outcome: CallOutcome,
        *,
        answered_by: str = "",
        voicemail: VoicemailMessage | None = None,
        queue: QueueResult | None = None,
        detail: str = "",
    ) -> CallResult:
        return CallResult(
            outcome, self.informed, self.plan.reason, answered_by, voicemail, queue, detail
        )

    def gone(self) -> CallResult:
        """The caller hung up before the plan reached an end."""
        if self.informed:
            outcome = CallOutcome.ANNOUNCEMENT
        elif self.busy:
            outcome = CallOutcome.BUSY
        else:
            outcome = CallOutcome.ABANDONED
        return self.result(outcome, detail="caller_hung_up")

    def ran_out(self) -> CallResult:
        """Every step is done and the caller is still there."""
        if self.heard_something:
            return self.result(CallOutcome.ANNOUNCEMENT)
        return self.result(CallOutcome.BUSY if self.busy else CallOutcome.FAILED)


class PlanExecutor:
    """Runs RoutePlans on calls; one per switch, shared by all calls."""

    def __init__(
        self,
        *,
        voicemail: VoicemailApp | None = None,
        queues: Mapping[str, SwitchboardQueue] | None = None,
        observers: Sequence[CallObserver] = (),
    ) -> None:
        self.voicemail = voicemail
        self.queues: Mapping[str, SwitchboardQueue] = queues or {}
        self.observers = list(observers)

    async def run(
        self, ctx: CallContext, plan: RoutePlan, callee: Callee | None = None
    ) -> CallResult:
        """Carry out the plan; hang up unless the caller ends up bridged to someone."""
        started = ctx.now()
        progress = _Progress(plan, busy=plan.reason is RouteReason.BUSY)
        try:
            result = await self._steps(ctx, plan.steps, progress, callee)
        except CallerHungUp:
            result = progress.gone()
        except Exception:
            log.exception("call %s: the plan %s failed", ctx.info.call_id, plan.reason)
            await self._apologise(ctx)
            result = progress.result(CallOutcome.FAILED, detail="error")
        if result.outcome is not CallOutcome.ANSWERED and not ctx.hung_up.is_set():
            with contextlib.suppress(Exception):
                await ctx.hangup()
        await self._tell(FinishedCall(ctx.info, callee, plan, result, started, ctx.now()))
        return result

    async def _steps(
        self,
        ctx: CallContext,
        steps: Sequence[Step],
        progress: _Progress,
        callee: Callee | None,
    ) -> CallResult:
        for step in steps:
            progress.last = step
            if isinstance(step, RingStep):
                ring = await ctx.ring(step.devices, step.timeout_s, parallel=step.parallel)
                if ring.answered:
                    return progress.result(CallOutcome.ANSWERED, answered_by=ring.answered_by)
                if ring.outcome is RingOutcome.CALLER_HUNG_UP:
                    raise CallerHungUp()
                progress.busy = progress.busy or ring.outcome is RingOutcome.BUSY
            elif isinstance(step, AnnounceStep):
                await ctx.say(_spoken(step))
                progress.heard_something = True
                progress.informed = progress.informed or progress.plan.informed
            elif isinstance(step, MenuStep):
                action = await self._menu(ctx, step)
                done = await self._action(ctx, action, progress, callee)
                if done is not None:
                    return done
            else:
                done = await self._action(ctx, step, progress, callee)
                if done is not None:
                    return done
        result = progress.ran_out()
        await ctx.say(prompts.GOODBYE)
        return result

    async def _menu(self, ctx: CallContext, step: MenuStep) -> MenuAction:
        # One play for both languages: a digit pressed during either ends the prompt.
        await ctx.say(Sentence(step.prompt_sv, step.prompt_en), barge_in=True)
        digit = await ctx.collect_digits(1, step.timeout_s, terminator=None)
        ctx.flush_digits()
        return step.options.get(digit, step.default)

    async def _action(
        self,
        ctx: CallContext,
        step: VoicemailStep | QueueStep,
        progress: _Progress,
        callee: Callee | None,
    ) -> CallResult | None:
        """Voicemail or the queue; a result ends the plan, None goes on with the next step."""
        if isinstance(step, VoicemailStep):
            if self.voicemail is None:
                await ctx.say(prompts.VOICEMAIL_UNAVAILABLE)
                return None
            deposit = await self.voicemail.deposit(ctx, step, callee)
            progress.heard_something = progress.heard_something or deposit.heard_greeting
            if deposit.message is not None:
                return progress.result(CallOutcome.VOICEMAIL, voicemail=deposit.message)
            if ctx.hung_up.is_set():
                raise CallerHungUp()
            return None
        queue = self.queues.get(step.queue)
        if queue is None:
            log.error("call %s: there is no queue %r", ctx.info.call_id, step.queue)
            await ctx.say(prompts.QUEUE_UNAVAILABLE)
            return progress.result(CallOutcome.FAILED, detail="no_queue")
        waited = await queue.wait(ctx, dialled=ctx.info.called)
        if waited.outcome is QueueOutcome.ANSWERED:
            return progress.result(
                CallOutcome.ANSWERED, answered_by=waited.answered_by, queue=waited
            )
        if waited.outcome is QueueOutcome.CALLBACK:
            return progress.result(CallOutcome.CALLBACK, queue=waited, detail="queue_callback")
        gone = progress.gone()
        return progress.result(gone.outcome, queue=waited, detail=gone.detail)

    async def _apologise(self, ctx: CallContext) -> None:
        """Something broke: say so, or if even that fails, a tone rather than silence."""
        if ctx.hung_up.is_set():
            return
        try:
            await ctx.say(prompts.TECHNICAL_ERROR)
        except CallerHungUp:
            return
        except Exception:
            log.exception("call %s: not even the error prompt could be said", ctx.info.call_id)
            with contextlib.suppress(Exception):
                await ctx.play([Loop(PcmSource(congestion(), name="congestion"), 3.0)])

    async def _tell(self, call: FinishedCall) -> None:
        for observer in self.observers:
            try:
                await observer.call_finished(call)
            except Exception:
                log.exception("call %s: an observer failed", call.info.call_id)


def _spoken(step: AnnounceStep) -> Item:
    if step.prompt_id:
        return Prompt(step.prompt_id, step.text_sv, step.text_en)
    return Sentence(step.text_sv, step.text_en)
