"""Voicemail from the phone: the PIN menu lists, plays, saves and deletes; the greeting."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from callkit import Kommun, Phone, open_call, spoken_frames, tone

from vaxel.domain.clock import TZ
from vaxel.domain.voicemail import GreetingState
from vaxel.flows.voicemail import MailboxPinStore
from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.media.tones import beep
from vaxel.media.wav import read_wav, write_wav
from vaxel.storage import Database
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.apps import prompts
from vaxel.switch.apps.features import FeatureApp
from vaxel.switch.apps.mwi import MessageWaiting
from vaxel.switch.apps.voicemail import VoicemailApp, VoicemailSettings
from vaxel.switch.call_context import CallerHungUp, CallInfo
from vaxel.switch.routing import GreetingKind, VoicemailStep

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=TZ)
PIN = "2468"


class Lamp:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def message_waiting(self, extension: str, body: str) -> None:
        self.sent.append(body.splitlines()[-1])


def leave_messages(db: Database, kommun: Kommun, folder: Path) -> list[tuple[int, bytes]]:
    """Two new messages in Anna's box (09:00 and 09:30); their ids and audio."""
    folder.mkdir(parents=True)
    left = []
    for minute, frequency in ((0, 440.0), (30, 660.0)):
        pcm = tone(1.2, frequency)
        path = folder / f"m{minute}.wav"
        write_wav(path, pcm)
        with db.session() as s:
            message = VoicemailRepository(s).add_message(
                kommun.anna_box.id, "+46701234567",
                datetime(2026, 3, 10, 9, minute, tzinfo=TZ), 1.2, str(path),
            )  # fmt: skip
        left.append((message.id, pcm))
    return left


def app_for(db: Database, tmp_path: Path, lamp: Lamp | None = None) -> VoicemailApp:
    pins = MailboxPinStore(db)
    settings = VoicemailSettings(tmp_path / "voicemail", menu_timeout_s=5)
    return VoicemailApp(db, settings, pins=pins, mwi=MessageWaiting(db, lamp))


def begins(frames: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """The first 0.4 s of a prompt: enough to know which it is, then the caller barges in."""
    return frames[:20]


def anna_dials(code: str, kommun: Kommun) -> CallInfo:
    return CallInfo(f"vm-{code}", "4123", code, "Anna Lind", caller_person_id=kommun.anna.id)


def expected(speech: Speech, *said: prompts.Prompt | str) -> dict[str, tuple[bytes, ...]]:
    """The frames of what the caller should hear, by text; rendered before the call starts
    (rendering blocks, and a blocked event loop would make the played audio skip)."""
    texts = [p.text if isinstance(p, prompts.Prompt) else p for p in said]
    return {text: spoken_frames(speech, text) for text in texts}


def test_pin_menu_lists_plays_saves_and_deletes(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    (first_id, first), (_, second) = leave_messages(db, kommun, tmp_path / "old")
    lamp = Lamp()
    app = app_for(db, tmp_path, lamp)
    assert app.pins is not None
    app.pins.set_pin(kommun.anna_box.id, PIN)

    header = prompts.message_header_sv(1, 2, "+46701234567",
                                       datetime(2026, 3, 10, 9, 0, tzinfo=TZ), NOW)  # fmt: skip
    hear = expected(speech, prompts.VM_ENTER_PIN, "Du har två nya och inga sparade meddelanden.",
                    header, prompts.VM_MESSAGE_SAVED, prompts.VM_MESSAGE_DELETED,
                    prompts.VM_NO_MORE, prompts.GOODBYE)  # fmt: skip

    async def main() -> None:
        call, phone, signalling = await open_call(
            speech, anna_dials("*98#", kommun), clock=lambda: NOW
        )
        running = asyncio.ensure_future(FeatureApp(db, voicemail=app).run(call))
        at = await phone.heard(begins(hear[prompts.VM_ENTER_PIN.text]))  # barge in
        await phone.press(PIN + "#")
        at = await phone.heard(hear["Du har två nya och inga sparade meddelanden."], start=at)
        await phone.press("1")
        at = await phone.heard(hear[header], start=at)
        at = await phone.heard(PcmSource(first).frame_list(PCMU), start=at)  # the message
        await phone.press("2")  # save
        at = await phone.heard(begins(hear[prompts.VM_MESSAGE_SAVED.text]), start=at)
        at = await phone.heard(PcmSource(second).frame_list(PCMU), start=at)
        await phone.press("3")  # delete
        at = await phone.heard(hear[prompts.VM_MESSAGE_DELETED.text], start=at)
        at = await phone.heard(hear[prompts.VM_NO_MORE.text], start=at)
        await phone.press("#")  # leave the main menu
        await phone.heard(begins(hear[prompts.GOODBYE.text]), start=at)
        await asyncio.wait_for(running, 10)
        assert signalling.hangups == 1
        phone.session.close()

    asyncio.run(main())
    with db.session() as s:
        messages = VoicemailRepository(s).messages(kommun.anna_box.id)
    assert [(m.id, m.heard) for m in messages] == [(first_id, True)]
    assert not (tmp_path / "old" / "m30.wav").exists()  # deleted with its audio
    assert (tmp_path / "old" / "m0.wav").exists()
    assert lamp.sent == ["Voice-Message: 1/1 (0/0)", "Voice-Message: 0/1 (0/0)"]


def test_wrong_pins_end_the_call(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    leave_messages(db, kommun, tmp_path / "old")
    app = app_for(db, tmp_path)
    assert app.pins is not None
    app.pins.set_pin(kommun.anna_box.id, PIN)

    counts = "Du har två nya och inga sparade meddelanden."
    hear = expected(speech, prompts.VM_ENTER_PIN, prompts.GOODBYE, counts)

    async def main() -> Phone:
        call, phone, signalling = await open_call(
            speech, anna_dials("*98#", kommun), clock=lambda: NOW
        )
        running = asyncio.ensure_future(app.retrieve(call))
        at = 0
        for _ in range(3):
            at = await phone.heard(begins(hear[prompts.VM_ENTER_PIN.text]), start=at)
            await phone.press("1357#")
        await phone.heard(hear[prompts.GOODBYE.text], start=at)
        await asyncio.wait_for(running, 10)
        assert signalling.hangups == 1
        phone.session.close()
        return phone

    phone = asyncio.run(main())
    assert phone.find(hear[counts]) is None  # nothing was revealed
    with db.session() as s:
        assert all(not m.heard for m in VoicemailRepository(s).messages(kommun.anna_box.id))


def test_owner_without_a_pin_chooses_one_first(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)

    refused = "PIN-koden får inte vara siffror i följd."
    hear = expected(speech, prompts.VM_CHOOSE_PIN, refused, prompts.VM_REPEAT_PIN,
                    prompts.VM_PIN_SAVED, "Du har inga meddelanden.")  # fmt: skip

    async def main() -> None:
        call, phone, _ = await open_call(speech, anna_dials("*98#", kommun), clock=lambda: NOW)
        running = asyncio.ensure_future(app.retrieve(call))
        at = await phone.heard(begins(hear[prompts.VM_CHOOSE_PIN.text]))
        await phone.press("1234#")
        at = await phone.heard(hear[refused], start=at)
        at = await phone.heard(begins(hear[prompts.VM_CHOOSE_PIN.text]), start=at)
        await phone.press(PIN + "#")
        at = await phone.heard(begins(hear[prompts.VM_REPEAT_PIN.text]), start=at)
        await phone.press(PIN + "#")
        at = await phone.heard(begins(hear[prompts.VM_PIN_SAVED.text]), start=at)
        await phone.heard(hear["Du har inga meddelanden."], start=at)
        await phone.press("#")
        await asyncio.wait_for(running, 10)
        phone.session.close()

    asyncio.run(main())
    assert app.pins is not None
    assert app.pins.verify(kommun.anna_box.id, PIN)
    with db.session() as session:
        stored = VoicemailRepository(session).pin_hash(kommun.anna_box.id)
    assert stored is not None and PIN not in stored  # hashed


def test_record_greeting_listen_accept_then_callers_hear_it(
    db: Database, kommun: Kommun, speech: Speech, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    voice = tone(2.0, 523.0)
    hear = expected(speech, prompts.VM_GREETING_RECORD, prompts.VM_GREETING_MENU,
                    prompts.VM_GREETING_SAVED)  # fmt: skip
    menu = hear[prompts.VM_GREETING_MENU.text]

    async def record() -> None:
        call, phone, _ = await open_call(speech, anna_dials("*97#", kommun), clock=lambda: NOW)
        running = asyncio.ensure_future(FeatureApp(db, voicemail=app).run(call))
        at = await phone.heard(hear[prompts.VM_GREETING_RECORD.text])
        await phone.heard(PcmSource(beep()).frame_list(PCMU), start=at)
        await asyncio.sleep(0.15)
        await phone.talk(voice)
        await phone.press("#")
        at = await phone.heard(begins(menu), start=at)
        await phone.press("1")  # listen
        at = await phone.heard(PcmSource(voice).frame_list(PCMU), start=at)  # all of it
        await phone.heard(begins(menu), start=at)
        await phone.press("2")  # accept
        await phone.heard(hear[prompts.VM_GREETING_SAVED.text], start=at)
        result = await asyncio.wait_for(running, 10)
        assert result.done
        phone.session.close()

    asyncio.run(record())
    with db.session() as s:
        repo = VoicemailRepository(s)
        mailbox = repo.mailbox("4123")
        path = repo.greeting_path(kommun.anna_box.id)
    assert mailbox is not None and mailbox.greeting is GreetingState.RECORDED
    assert abs(read_wav(path).duration - 2.0) < 0.1

    async def caller_hears_it() -> None:
        info = CallInfo("vm-in", "+46701234567", "4123")
        call, phone, _ = await open_call(speech, info, clock=lambda: NOW)
        step = VoicemailStep(mailbox, GreetingKind.RECORDED, "Anna Lind, IT.", "Anna Lind, IT.")
        running = asyncio.ensure_future(app.deposit(call, step))
        await phone.heard(PcmSource(voice).frame_list(PCMU)[:80])
        call.ended()  # hung up during the greeting: nothing left, which the executor sees
        with pytest.raises(CallerHungUp):
            await asyncio.wait_for(running, 5)
        phone.session.close()

    asyncio.run(caller_hears_it())
