"""Feature codes carried out on a call: hänvisning, voicemail, the switchboard queue.

`feature_codes.parse` turns the dialled digits into a command; this app does it and says the
outcome in the languages callers hear (Swedish, or Swedish then English). Hänvisning goes
through storage's presence repository, the one path that the web, the CLI and the operator
console use too (channel PHONE), so routing obeys it at once.
A malformed code is never routed as a number: the caller hears what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from vaxel.domain.errors import DomainError
from vaxel.domain.presence import Absence, Channel
from vaxel.media.announcer import Prompt, Sentence
from vaxel.storage.db import Database
from vaxel.storage.errors import NotFound
from vaxel.storage.presence import PresenceRepository
from vaxel.switch import feature_codes
from vaxel.switch.apps import prompts
from vaxel.switch.apps.queue import SwitchboardQueue
from vaxel.switch.apps.queue_state import Operator
from vaxel.switch.apps.voicemail import VoicemailApp
from vaxel.switch.call_context import CallContext, CallerHungUp
from vaxel.switch.feature_codes import (
    ClearAbsence,
    FeatureCodeError,
    FeatureCommand,
    ListenToVoicemail,
    QueueSignIn,
    QueueSignOut,
    RecordGreeting,
    SetAbsence,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeatureResult:
    """What a feature-code call did: the command (None if it was malformed) and if it worked."""

    command: FeatureCommand | None
    done: bool
    said: str = ""  # the confirmation or the error, as said (in Swedish)


class FeatureApp:
    """Carries out feature codes on a call; see the module docstring."""

    def __init__(
        self,
        database: Database,
        *,
        voicemail: VoicemailApp | None = None,
        queue: SwitchboardQueue | None = None,
    ) -> None:
        self.database = database
        self.voicemail = voicemail
        self.queue = queue

    async def run(self, ctx: CallContext, dialled: str | None = None) -> FeatureResult:
        """Parse `dialled` (default: what the caller dialled), do it, say it, hang up."""
        text = ctx.info.called if dialled is None else dialled
        try:
            result = await self._run(ctx, text)
        except CallerHungUp:
            return FeatureResult(None, False)
        if not ctx.hung_up.is_set():
            await ctx.hangup()
        return result

    async def _run(self, ctx: CallContext, dialled: str) -> FeatureResult:
        now = ctx.now()
        set_by = ctx.info.caller_name or ctx.info.caller
        try:
            command = feature_codes.parse(dialled, now, set_by=set_by)
        except FeatureCodeError as error:
            return await self._fail(ctx, None, Sentence(error.message_sv, error.message_en))
        if command is None:
            return await self._fail(ctx, None, prompts.FEATURE_UNKNOWN_CODE)
        return await self.execute(ctx, command)

    async def execute(self, ctx: CallContext, command: FeatureCommand) -> FeatureResult:
        """Carry out a parsed command and say the outcome (the call stays up)."""
        if isinstance(command, RecordGreeting | ListenToVoicemail):
            if self.voicemail is None:
                return await self._fail(ctx, command, prompts.VOICEMAIL_UNAVAILABLE)
            if isinstance(command, RecordGreeting):
                done = await self.voicemail.record_greeting(ctx)
            else:
                await self.voicemail.retrieve(ctx)
                done = True
            return FeatureResult(command, done)
        person_id = ctx.info.caller_person_id
        if person_id is None:
            return await self._fail(ctx, command, prompts.FEATURE_OWN_PHONE_ONLY)
        if isinstance(command, SetAbsence):
            return await self._set_absence(ctx, command, person_id)
        if isinstance(command, ClearAbsence):
            return await self._clear_absence(ctx, command, person_id)
        return await self._queue(ctx, command, person_id)

    async def _set_absence(
        self, ctx: CallContext, command: SetAbsence, person_id: int
    ) -> FeatureResult:
        now = ctx.now()
        by = ctx.info.caller_name or ctx.info.caller
        try:
            await asyncio.to_thread(self._store_absence, person_id, command.absence, by, now)
        except DomainError as error:
            log.info("feature code from %s refused: %s", ctx.info.caller, error)
            return await self._fail(ctx, command, _not_saved(error))
        except NotFound:
            return await self._fail(ctx, command, prompts.FEATURE_OWN_PHONE_ONLY)
        return await self._done(ctx, command, _confirmation(command, now))

    def _store_absence(self, person_id: int, absence: Absence, by: str, now: datetime) -> None:
        with self.database.session() as session:
            PresenceRepository(session).set_absence(person_id, absence, by, Channel.PHONE, now)

    async def _clear_absence(
        self, ctx: CallContext, command: ClearAbsence, person_id: int
    ) -> FeatureResult:
        now = ctx.now()
        by = ctx.info.caller_name or ctx.info.caller

        def clear() -> bool:
            with self.database.session() as session:
                return PresenceRepository(session).clear_absence(person_id, by, Channel.PHONE, now)

        if not await asyncio.to_thread(clear):
            return await self._done(ctx, command, prompts.FEATURE_NOT_ABSENT)
        return await self._done(ctx, command, _confirmation(command, now))

    async def _queue(
        self, ctx: CallContext, command: QueueSignIn | QueueSignOut, person_id: int
    ) -> FeatureResult:
        if self.queue is None:
            return await self._fail(ctx, command, prompts.FEATURE_NO_QUEUE)
        if isinstance(command, QueueSignIn):
            operator = Operator(person_id, ctx.info.caller_name, ctx.info.caller)
            changed = self.queue.sign_in(operator)
            unchanged = prompts.FEATURE_ALREADY_IN
        else:
            changed = self.queue.sign_out(person_id)
            unchanged = prompts.FEATURE_NOT_IN
        said = _confirmation(command, ctx.now()) if changed else unchanged
        return await self._done(ctx, command, said)

    async def _done(
        self, ctx: CallContext, command: FeatureCommand, said: Sentence | Prompt
    ) -> FeatureResult:
        await ctx.say(said)
        return FeatureResult(command, True, said.text)

    async def _fail(
        self, ctx: CallContext, command: FeatureCommand | None, said: Sentence | Prompt
    ) -> FeatureResult:
        await ctx.say(said)
        return FeatureResult(command, False, said.text)


def _confirmation(command: FeatureCommand, now: datetime) -> Sentence:
    """What was done, in Swedish and English (feature_codes words both)."""
    text_sv = feature_codes.confirmation_sv(command, now)
    text_en = feature_codes.confirmation_en(command, now)
    assert text_sv is not None and text_en is not None, f"{command} has no confirmation"
    return Sentence(text_sv, text_en)


def _not_saved(error: DomainError) -> Sentence:
    """A domain error as sentences a caller can act on (domain reasons are for developers)."""
    if error.field == "until":
        return Sentence(
            "Hänvisningen kunde inte sparas. Återkomsttiden har redan passerat.",
            "The diversion could not be saved. The return time has already passed.",
        )
    return Sentence(
        "Hänvisningen kunde inte sparas. Kontrollera koden och försök igen.",
        "The diversion could not be saved. Check the code and try again.",
    )
