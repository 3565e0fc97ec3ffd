"""A stored voicemail becomes a callback; mailbox PINs are kept hashed."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import datetime
from pathlib import Path

import pytest
from flowkit import Org

from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.clock import TZ
from vaxel.domain.voicemail import Mailbox, VoicemailMessage
from vaxel.flows.callbacks import CallbackFlows
from vaxel.flows.voicemail import FilePinStore, VoicemailFlows, voicemail_callback
from vaxel.storage import Database
from vaxel.storage.callbacks import CallbackRepository
from vaxel.switch.apps.voicemail import StoredVoicemail
from vaxel.switch.call_context import Callee

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)
CITIZEN = "+46701234567"


def stored(
    mailbox: Mailbox, callee: Callee | None = None, caller: str = CITIZEN
) -> StoredVoicemail:
    message = VoicemailMessage(7, mailbox.id, caller, NOW, 5.0, "/v/msg.wav")
    return StoredVoicemail(message, mailbox, "Per Persson", callee)


def test_a_message_in_a_persons_box_is_their_callback(db: Database, org: Org) -> None:
    flows = VoicemailFlows(CallbackFlows(db))
    asyncio.run(flows.voicemail_stored(stored(Mailbox(1, "4123", org.anna))))
    with db.session() as s:
        [task] = CallbackRepository(s).tasks(for_person_id=org.anna)
    assert task.reason is CallbackReason.VOICEMAIL and task.caller_number == CITIZEN
    assert task.created_at == NOW and task.caller_name == "Per Persson"
    assert task.note == "Röstmeddelande."


def test_a_function_mailbox_is_the_units_callback(db: Database, org: Org) -> None:
    callbacks = CallbackFlows(db)
    box = Mailbox(2, "4100", None)
    task = voicemail_callback(callbacks, stored(box, Callee(None, org.bygg, "4100")))
    assert task is not None and task.for_unit_id == org.bygg and task.for_person_id is None
    # Without a unit there is nobody to give it to (logged), and a hidden caller cannot be
    # called back: no task either way.
    assert voicemail_callback(callbacks, stored(box)) is None
    hidden = stored(Mailbox(1, "4123", org.anna), caller="anonymous")
    assert voicemail_callback(callbacks, hidden) is None


def test_pins_are_hashed_and_verified(tmp_path: Path) -> None:
    store = FilePinStore(tmp_path / "vm" / "pins.json")
    assert not store.has_pin(1) and not store.verify(1, "2468")
    store.set_pin(1, "2468")
    assert store.has_pin(1) and store.verify(1, "2468") and not store.verify(1, "2469")
    text = (tmp_path / "vm" / "pins.json").read_text()
    assert "2468" not in text and json.loads(text)["1"].startswith("$argon2")
    assert stat.S_IMODE((tmp_path / "vm" / "pins.json").stat().st_mode) == 0o600
    # Another process (or a restart) sees the same PINs.
    assert FilePinStore(tmp_path / "vm" / "pins.json").verify(1, "2468")
    store.set_pin(1, "97531")
    assert store.verify(1, "97531") and not store.verify(1, "2468")
    assert store.clear_pin(1) and not store.has_pin(1) and not store.clear_pin(1)
    assert list((tmp_path / "vm").iterdir()) == [tmp_path / "vm" / "pins.json"]  # no temp files


def test_a_weak_pin_is_refused_in_swedish(tmp_path: Path) -> None:
    store = FilePinStore(tmp_path / "pins.json")
    with pytest.raises(ValueError, match="fyra till åtta siffror"):
        store.set_pin(1, "12")
    with pytest.raises(ValueError, match="samma siffra"):
        store.set_pin(1, "0000")
    assert not store.has_pin(1)


def test_a_damaged_pin_file_is_an_error_not_an_open_door(tmp_path: Path) -> None:
    path = tmp_path / "pins.json"
    path.write_text("not json")
    store = FilePinStore(path)
    with pytest.raises(RuntimeError, match="cannot be read"):
        store.verify(1, "2468")
