"""Voicemail on the phone: leaving a message, listening behind a PIN, recording the greeting.

Deposit (a routing VoicemailStep): the owner's recorded greeting, or the spoken one that says
whose phone it is (policy §2) — any key skips it — then a beep, and the message recorded to
disk by media.recorder (whole or not at all), stored with storage's voicemail repository.
Then `VoicemailListener` (flows.voicemail: the callback task) and message-waiting are told.

Everything is said in the languages callers hear (Swedish, or Swedish then English); the
owner's recorded greeting is played as it is.

Retrieval (*98#): the caller's own box, or a box number they key in; a PIN (kept hashed by a
`PinStore`); the counts ("Du har två nya och ett sparat meddelande."); each message with who
called and when, then 1 listen again, 2 save, 3 or 7 delete, # next. From the main menu, 5
records the greeting — the same as *97#: record, listen (1), accept (2) or again (3); accepted,
the mailbox greeting is RECORDED.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from vaxel.domain.clock import local
from vaxel.domain.presence import Channel
from vaxel.domain.voicemail import GreetingState, Mailbox, VoicemailMessage
from vaxel.media.announcer import Item, Sentence
from vaxel.media.player import PlayResult
from vaxel.media.recorder import RecordingResult
from vaxel.media.sources import PcmSource
from vaxel.media.tones import beep
from vaxel.storage.db import Database
from vaxel.storage.errors import NotFound
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.apps import prompts
from vaxel.switch.apps.mwi import MessageWaiting
from vaxel.switch.call_context import CallContext, Callee, CallerHungUp
from vaxel.switch.routing import GreetingKind, VoicemailStep

log = logging.getLogger(__name__)

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
DELETE_DIGITS = ("3", "7")  # 7 as on many older systems
NEXT_DIGITS = ("#", "6")


@dataclass(frozen=True, slots=True)
class VoicemailSettings:
    directory: Path  # messages go to <directory>/<extension>/
    min_message_s: float = 2.0
    max_message_s: float = 180.0
    silence_s: float = 6.0  # this long without speech ends a message
    min_greeting_s: float = 1.5
    max_greeting_s: float = 60.0
    menu_timeout_s: float = 8.0
    pin_attempts: int = 3  # per call
    lockout_after: int = 6  # wrong PINs in a row, over calls, before the box is locked
    lockout_s: float = 900.0


class PinStore(Protocol):
    """Mailbox PINs, kept hashed. Blocking calls: the app runs them in a worker thread."""

    def has_pin(self, mailbox_id: int) -> bool: ...

    def verify(self, mailbox_id: int, pin: str) -> bool: ...

    def set_pin(self, mailbox_id: int, pin: str) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredVoicemail:
    """A message just stored, with what a callback needs to know."""

    message: VoicemailMessage
    mailbox: Mailbox
    caller_name: str = ""
    callee: Callee | None = None


class VoicemailListener(Protocol):
    """Told about every message stored (flows.voicemail makes the callback task)."""

    async def voicemail_stored(self, stored: StoredVoicemail) -> None: ...


@dataclass(frozen=True, slots=True)
class DepositResult:
    message: VoicemailMessage | None  # None: nothing was left
    heard_greeting: bool = False


def pin_problem(pin: str, extension: str = "") -> Sentence | None:
    """Why a new PIN is not acceptable (Swedish and English, to be said), or None when fine."""
    if not (pin.isascii() and pin.isdigit()):
        return Sentence("PIN-koden får bara innehålla siffror.", "The PIN may only contain digits.")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        return Sentence(
            "PIN-koden ska ha fyra till åtta siffror.", "The PIN must have four to eight digits."
        )
    if len(set(pin)) == 1:
        return Sentence(
            "PIN-koden får inte bestå av samma siffra.", "The PIN must not be one digit repeated."
        )
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {9}):
        return Sentence(
            "PIN-koden får inte vara siffror i följd.", "The PIN must not be digits in a row."
        )
    if extension and pin == extension:
        return Sentence(
            "PIN-koden får inte vara samma som ditt anknytningsnummer.",
            "The PIN must not be the same as your extension number.",
        )
    return None


def pin_problem_sv(pin: str, extension: str = "") -> str | None:
    """Why a new PIN is not acceptable (Swedish, to be said), or None when it is fine."""
    problem = pin_problem(pin, extension)
    return None if problem is None else problem.text


class VoicemailApp:
    """Deposit, retrieval and greeting recording; see the module docstring."""

    def __init__(
        self,
        database: Database,
        settings: VoicemailSettings,
        *,
        pins: PinStore | None = None,
        listener: VoicemailListener | None = None,
        mwi: MessageWaiting | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.pins = pins
        self.listener = listener
        self.mwi = mwi
        self._failures: dict[int, tuple[int, float]] = {}  # mailbox -> (wrong PINs, locked to)

    # -- leaving a message -----------------------------------------------------------------------

    async def deposit(
        self, ctx: CallContext, step: VoicemailStep, callee: Callee | None = None
    ) -> DepositResult:
        """Greeting, beep, message. Raises CallerHungUp only before anything was recorded."""
        mailbox = step.mailbox
        played = await self._greeting(ctx, step)
        heard = played.outcome == "completed" or played.digit is not None  # a key skips it
        ctx.flush_digits()
        recording: RecordingResult | None = None
        for attempt in range(2):
            await ctx.play([PcmSource(beep(), name="beep")])
            received_at = ctx.now()
            recording = await ctx.record(
                self._new_path(mailbox, "msg", received_at),
                max_s=self.settings.max_message_s,
                min_s=self.settings.min_message_s,
                silence_s=self.settings.silence_s,
            )
            if recording.path is not None or ctx.hung_up.is_set():
                break
            await ctx.say(prompts.VM_TOO_SHORT if attempt == 0 else prompts.VM_NOT_SAVED)
        if recording is None or recording.path is None:
            return DepositResult(None, heard)
        message = await asyncio.to_thread(
            self._store, mailbox, ctx.info.caller, received_at, recording
        )
        log.info("voicemail %d for %s from %s", message.id, mailbox.extension, ctx.info.caller)
        await self._stored(StoredVoicemail(message, mailbox, ctx.info.caller_name, callee))
        if not ctx.hung_up.is_set():
            with contextlib.suppress(CallerHungUp):
                await ctx.say(prompts.VM_SAVED)
        return DepositResult(message, True)

    async def _greeting(self, ctx: CallContext, step: VoicemailStep) -> PlayResult:
        if step.greeting is GreetingKind.RECORDED:
            source = await asyncio.to_thread(self._recorded_greeting, step.mailbox)
            if source is not None:
                return await ctx.play([source], barge_in=True)
        return await ctx.say(Sentence(step.text_sv, step.text_en), barge_in=True)

    def _recorded_greeting(self, mailbox: Mailbox) -> PcmSource | None:
        try:
            with self.database.session() as session:
                path = VoicemailRepository(session).greeting_path(mailbox.id)
            return PcmSource.from_wav(path) if path else None
        except (OSError, ValueError, NotFound) as error:
            # The spoken default still says whose phone it is; the file is for a person to fix.
            log.warning("greeting of mailbox %s cannot be played: %s", mailbox.extension, error)
            return None

    def _store(
        self, mailbox: Mailbox, caller: str, received_at: datetime, recording: RecordingResult
    ) -> VoicemailMessage:
        assert recording.path is not None
        with self.database.session() as session:
            return VoicemailRepository(session).add_message(
                mailbox.id,
                caller,
                received_at,
                round(recording.seconds, 2),
                str(recording.path.resolve()),
            )

    async def _stored(self, stored: StoredVoicemail) -> None:
        if self.listener is not None:
            try:
                await self.listener.voicemail_stored(stored)
            except Exception:
                log.exception("after voicemail %d: the listener failed", stored.message.id)
        await self._refresh(stored.mailbox)

    async def _refresh(self, mailbox: Mailbox) -> None:
        if self.mwi is not None:
            try:
                await self.mwi.refresh(mailbox)
            except Exception:
                log.exception("message-waiting for %s failed", mailbox.extension)

    def _new_path(self, mailbox: Mailbox, kind: str, now: datetime) -> Path:
        folder = "".join(c for c in mailbox.extension if c.isalnum()) or f"box{mailbox.id}"
        stamp = local(now).strftime("%Y%m%d-%H%M%S")
        return self.settings.directory / folder / f"{kind}-{stamp}-{secrets.token_hex(4)}.wav"

    # -- listening (*98#) ------------------------------------------------------------------------

    async def retrieve(self, ctx: CallContext) -> None:
        """The PIN-protected menu; hangs up at the end."""
        try:
            mailbox, own = await self._which_mailbox(ctx)
            if mailbox is not None and await self._log_in(ctx, mailbox, own):
                await self._main_menu(ctx, mailbox)
                await ctx.say(prompts.GOODBYE)
        except CallerHungUp:
            return
        await ctx.hangup()

    async def _which_mailbox(self, ctx: CallContext) -> tuple[Mailbox | None, bool]:
        own = await asyncio.to_thread(self._own_mailbox, ctx.info.caller_person_id, ctx.info.caller)
        if own is not None:
            return own, True
        for _ in range(2):
            await ctx.say(prompts.VM_ENTER_MAILBOX, barge_in=True)
            number = await ctx.collect_digits(
                10, self.settings.menu_timeout_s, inter_digit_timeout_s=5
            )
            if number:
                found = await asyncio.to_thread(self._mailbox, number)
                if found is not None:
                    return found, False
            ctx.flush_digits()
            await ctx.say(prompts.VM_NO_MAILBOX)
        await ctx.say(prompts.GOODBYE)
        return None, False

    def _own_mailbox(self, person_id: int | None, number: str) -> Mailbox | None:
        if person_id is None:
            return None  # only an authenticated phone says whose box it is
        with self.database.session() as session:
            boxes = VoicemailRepository(session).mailboxes(person_id)
        return next((b for b in boxes if b.extension == number), boxes[0] if boxes else None)

    def _mailbox(self, extension: str) -> Mailbox | None:
        with self.database.session() as session:
            return VoicemailRepository(session).mailbox(extension)

    async def _log_in(self, ctx: CallContext, mailbox: Mailbox, own: bool) -> bool:
        if self.pins is None:
            return own  # no PINs configured: only the owner's own, authenticated phone
        if self._locked(mailbox.id):
            await ctx.say(prompts.VM_LOCKED)
            return False
        if not await asyncio.to_thread(self.pins.has_pin, mailbox.id):
            if own:
                return await self._choose_pin(ctx, mailbox)
            await ctx.say(prompts.VM_NO_PIN_SET, prompts.GOODBYE)
            return False
        for _ in range(self.settings.pin_attempts):
            await ctx.say(prompts.VM_ENTER_PIN, barge_in=True)
            pin = await ctx.collect_digits(
                PIN_MAX_DIGITS + 1, self.settings.menu_timeout_s, inter_digit_timeout_s=5
            )
            ok = len(pin) <= PIN_MAX_DIGITS and bool(pin)
            if ok and await asyncio.to_thread(self.pins.verify, mailbox.id, pin):
                self._failures.pop(mailbox.id, None)
                return True
            ctx.flush_digits()
            if self._failed(mailbox.id):
                await ctx.say(prompts.VM_LOCKED)
                return False
            await ctx.say(prompts.VM_WRONG_PIN)
        await ctx.say(prompts.GOODBYE)
        return False

    def _locked(self, mailbox_id: int) -> bool:
        _, until = self._failures.get(mailbox_id, (0, 0.0))
        return time.monotonic() < until

    def _failed(self, mailbox_id: int) -> bool:
        """Count a wrong PIN; True when the box is now locked."""
        count, _ = self._failures.get(mailbox_id, (0, 0.0))
        count += 1
        locked = count >= self.settings.lockout_after
        until = time.monotonic() + self.settings.lockout_s if locked else 0.0
        self._failures[mailbox_id] = (0 if locked else count, until)
        return locked

    async def _choose_pin(self, ctx: CallContext, mailbox: Mailbox) -> bool:
        assert self.pins is not None
        for _ in range(3):
            await ctx.say(prompts.VM_CHOOSE_PIN, barge_in=True)
            pin = await ctx.collect_digits(
                PIN_MAX_DIGITS + 1, self.settings.menu_timeout_s, inter_digit_timeout_s=5
            )
            problem = pin_problem(pin, mailbox.extension)
            ctx.flush_digits()
            if problem is not None:
                await ctx.say(problem)
                continue
            await ctx.say(prompts.VM_REPEAT_PIN, barge_in=True)
            again = await ctx.collect_digits(
                PIN_MAX_DIGITS + 1, self.settings.menu_timeout_s, inter_digit_timeout_s=5
            )
            ctx.flush_digits()
            if again != pin:
                await ctx.say(prompts.VM_PIN_MISMATCH)
                continue
            await asyncio.to_thread(self.pins.set_pin, mailbox.id, pin)
            await ctx.say(prompts.VM_PIN_SAVED)
            return True
        await ctx.say(prompts.GOODBYE)
        return False

    async def _main_menu(self, ctx: CallContext, mailbox: Mailbox) -> None:
        say_counts = True
        silent = 0
        while silent < 2:
            messages = await asyncio.to_thread(self._messages, mailbox)
            items: list[Item] = []
            if say_counts:
                new = sum(1 for m in messages if not m.heard)
                items.append(prompts.message_counts(new, len(messages) - new))
                say_counts = False
            items.append(prompts.VM_MAIN_MENU)
            await ctx.say(*items, barge_in=True)
            choice = await ctx.collect_digits(1, self.settings.menu_timeout_s, terminator=None)
            if choice == "1":
                await self._listen(ctx, mailbox, messages)
                say_counts = True
                silent = 0
            elif choice == "5":
                await self.record_greeting(ctx, mailbox)
                silent = 0
            elif choice == "#":
                return
            elif choice == "":
                silent += 1
            else:
                await ctx.say(prompts.WRONG_CHOICE)

    def _messages(self, mailbox: Mailbox) -> list[VoicemailMessage]:
        """New messages first, oldest first (as they came); then the saved ones, newest first."""
        with self.database.session() as session:
            messages = VoicemailRepository(session).messages(mailbox.id)
        new = sorted((m for m in messages if not m.heard), key=lambda m: m.received_at)
        return new + [m for m in messages if m.heard]

    async def _listen(
        self, ctx: CallContext, mailbox: Mailbox, messages: list[VoicemailMessage]
    ) -> None:
        if not messages:
            await ctx.say(prompts.message_counts(0, 0))
            return
        total = len(messages)
        for index, message in enumerate(messages, start=1):
            header = prompts.message_header(
                index, total, message.caller_number, message.received_at, ctx.now()
            )
            await ctx.say(header, barge_in=True)
            if not await self._message_menu(ctx, mailbox, message):
                return
        await ctx.say(prompts.VM_NO_MORE)

    async def _message_menu(
        self, ctx: CallContext, mailbox: Mailbox, message: VoicemailMessage
    ) -> bool:
        """Play one message and act on the choice; False when the caller went silent."""
        actor = ctx.info.caller_name or ctx.info.caller
        play = True
        silent = 0
        while silent < 2:
            if play:
                await self._play_message(ctx, message)
                play = False
            await ctx.say(prompts.VM_MESSAGE_MENU, barge_in=True)
            choice = await ctx.collect_digits(1, self.settings.menu_timeout_s, terminator=None)
            if choice == "1":
                play = True
            elif choice == "2":
                await asyncio.to_thread(self._mark_heard, message.id, actor)
                await self._refresh(mailbox)
                await ctx.say(prompts.VM_MESSAGE_SAVED)
                return True
            elif choice in DELETE_DIGITS:
                await asyncio.to_thread(self._delete, message.id, actor)
                await self._refresh(mailbox)
                await ctx.say(prompts.VM_MESSAGE_DELETED)
                return True
            elif choice in NEXT_DIGITS:
                return True
            elif choice == "":
                silent += 1
            else:
                await ctx.say(prompts.WRONG_CHOICE)
        return False

    async def _play_message(self, ctx: CallContext, message: VoicemailMessage) -> None:
        try:
            source = await asyncio.to_thread(PcmSource.from_wav, message.path)
        except (OSError, ValueError) as error:
            log.error("voicemail %d cannot be played: %s", message.id, error)
            await ctx.say(prompts.VM_CANNOT_PLAY)
            return
        await ctx.play([source], barge_in=True)

    def _mark_heard(self, message_id: int, actor: str) -> None:
        with self.database.session() as session:
            VoicemailRepository(session).mark_heard(message_id, actor=actor, channel=Channel.PHONE)

    def _delete(self, message_id: int, actor: str) -> None:
        with self.database.session() as session:
            path = VoicemailRepository(session).delete_message(
                message_id, actor=actor, channel=Channel.PHONE
            )
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()  # after the commit: a listed message always has its audio

    # -- the greeting (*97#) ---------------------------------------------------------------------

    async def record_greeting(self, ctx: CallContext, mailbox: Mailbox | None = None) -> bool:
        """Record, listen, accept: the mailbox greeting becomes RECORDED. True if accepted."""
        if mailbox is None:
            mailbox = await asyncio.to_thread(
                self._own_mailbox, ctx.info.caller_person_id, ctx.info.caller
            )
            if mailbox is None:
                await ctx.say(prompts.VM_NO_OWN_MAILBOX)
                return False
        for _ in range(3):
            await ctx.say(prompts.VM_GREETING_RECORD)
            await ctx.play([PcmSource(beep(), name="beep")])
            recording = await ctx.record(
                self._new_path(mailbox, "greeting", ctx.now()),
                max_s=self.settings.max_greeting_s,
                min_s=self.settings.min_greeting_s,
                silence_s=self.settings.silence_s,
            )
            if recording.path is None:
                if ctx.hung_up.is_set():
                    return False
                await ctx.say(prompts.VM_GREETING_TOO_SHORT)
                continue
            decision = await self._greeting_menu(ctx, recording.path)
            if decision == "accept":
                actor = ctx.info.caller_name or ctx.info.caller
                await asyncio.to_thread(self._set_greeting, mailbox, recording.path, actor)
                await ctx.say(prompts.VM_GREETING_SAVED)
                return True
            recording.path.unlink(missing_ok=True)
            if decision == "give_up":
                break
        await ctx.say(prompts.VM_GREETING_NOT_SAVED)
        return False

    async def _greeting_menu(self, ctx: CallContext, path: Path) -> str:
        """ "accept", "again" or "give_up" (the recording is removed on a hang-up)."""
        try:
            silent = 0
            while silent < 2:
                await ctx.say(prompts.VM_GREETING_MENU, barge_in=True)
                choice = await ctx.collect_digits(1, self.settings.menu_timeout_s, terminator=None)
                if choice == "1":
                    source = await asyncio.to_thread(PcmSource.from_wav, path)
                    await ctx.play([source], barge_in=True)
                elif choice == "2":
                    return "accept"
                elif choice == "3":
                    return "again"
                elif choice == "":
                    silent += 1
                else:
                    await ctx.say(prompts.WRONG_CHOICE)
            return "give_up"
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def _set_greeting(self, mailbox: Mailbox, path: Path, actor: str) -> None:
        with self.database.session() as session:
            repo = VoicemailRepository(session)
            old = repo.greeting_path(mailbox.id)
            repo.set_greeting(
                mailbox.id, GreetingState.RECORDED, str(path), actor=actor, channel=Channel.PHONE
            )
        if old and Path(old) != path:
            with contextlib.suppress(OSError):
                Path(old).unlink()
