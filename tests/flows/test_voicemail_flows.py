"""A stored voicemail becomes a callback; mailbox PINs are kept hashed in the database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flowkit import Org

from vaxel.domain.callbacks import CallbackReason
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.domain.voicemail import Mailbox, VoicemailMessage
from vaxel.flows.callbacks import CallbackFlows
from vaxel.flows.voicemail import MailboxPinStore, VoicemailFlows, voicemail_callback
from vaxel.storage import Change, Database, NotFound
from vaxel.storage.audit import AuditRepository
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.voicemail import VoicemailRepository
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


FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # an old, weak setting


def mailboxes(db: Database, org: Org) -> tuple[Mailbox, Mailbox]:
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        anna = voicemail.create_mailbox("4123", org.anna, actor="t", channel=Channel.CLI)
        bo = voicemail.create_mailbox("4124", org.bo, actor="t", channel=Channel.CLI)
    return anna, bo


def stored_hash(db: Database, mailbox_id: int) -> str | None:
    with db.session() as s:
        return VoicemailRepository(s).pin_hash(mailbox_id)


def test_pins_are_hashed_in_the_database_and_survive_a_restart(
    db: Database, org: Org, tmp_path: Path
) -> None:
    anna, _ = mailboxes(db, org)
    seen: list[Change] = []
    db.changes.subscribe(seen.append)
    store = MailboxPinStore(db)
    assert not store.has_pin(anna.id) and not store.verify(anna.id, "2468")
    store.set_pin(anna.id, "2468")
    assert store.has_pin(anna.id) and store.verify(anna.id, "2468")
    assert not store.verify(anna.id, "2469")
    hashed = stored_hash(db, anna.id)
    assert hashed is not None and hashed.startswith("$argon2") and "2468" not in hashed
    assert seen == [Change("mailbox", anna.id)]
    with db.session() as s:
        [entry] = AuditRepository(s).entries(action_prefix="mailbox.pin")
    assert (entry.actor, entry.channel, entry.subject) == (
        "voicemail",
        Channel.PHONE,
        f"mailbox:{anna.id}",
    )
    # A restart: a new process, a new connection, the same PIN.
    again = Database(db.url)
    try:
        assert MailboxPinStore(again).verify(anna.id, "2468")
    finally:
        again.dispose()
    store.set_pin(anna.id, "97531")
    assert store.verify(anna.id, "97531") and not store.verify(anna.id, "2468")
    assert store.clear_pin(anna.id) and not store.has_pin(anna.id)
    assert not store.clear_pin(anna.id)
    assert list(tmp_path.glob("**/pins*")) == []  # nothing on disk any more


def test_a_weak_pin_is_refused_in_swedish(db: Database, org: Org) -> None:
    anna, _ = mailboxes(db, org)
    store = MailboxPinStore(db)
    with pytest.raises(ValueError, match="fyra till åtta siffror"):
        store.set_pin(anna.id, "12")
    with pytest.raises(ValueError, match="samma siffra"):
        store.set_pin(anna.id, "0000")
    with pytest.raises(ValueError, match="anknytningsnummer"):
        store.set_pin(anna.id, "4123")  # the mailbox's own extension
    assert not store.has_pin(anna.id)
    with pytest.raises(NotFound):
        store.set_pin(anna.id + 100, "2468")
    assert not store.has_pin(anna.id + 100) and not store.verify(anna.id + 100, "2468")


def test_an_old_hash_is_made_stronger_when_the_pin_is_right(db: Database, org: Org) -> None:
    anna, _ = mailboxes(db, org)
    MailboxPinStore(db, hasher=FAST).set_pin(anna.id, "2468")
    weak = stored_hash(db, anna.id)
    store = MailboxPinStore(db)
    assert not store.verify(anna.id, "1357") and stored_hash(db, anna.id) == weak
    assert store.verify(anna.id, "2468")
    stronger = stored_hash(db, anna.id)
    assert stronger is not None and stronger != weak
    assert not store.hasher.check_needs_rehash(stronger)
    assert store.verify(anna.id, "2468")
    with db.session() as s:  # the PIN did not change: one audit entry, when it was set
        assert len(AuditRepository(s).entries(action_prefix="mailbox.pin")) == 1


def test_the_old_pin_file_is_imported_once(db: Database, org: Org, tmp_path: Path) -> None:
    anna, bo = mailboxes(db, org)
    MailboxPinStore(db).set_pin(bo.id, "8642")  # chosen since: the file must not win
    path = tmp_path / "voicemail" / "pins.json"
    path.parent.mkdir()
    path.write_text(json.dumps({
        str(anna.id): FAST.hash("2468"), str(bo.id): FAST.hash("1357"),
        "999": FAST.hash("1111"), "x": "not a hash",
    }))  # fmt: skip
    store = MailboxPinStore(db, legacy_file=path)
    assert store.verify(anna.id, "2468")  # the first use imports
    assert store.verify(bo.id, "8642") and not store.verify(bo.id, "1357")
    assert not path.exists()
    assert (tmp_path / "voicemail" / "pins.json.imported").exists()
    with db.session() as s:
        details = [e.detail for e in AuditRepository(s).entries(action_prefix="mailbox.pin")]
    assert details.count("imported from pins.json") == 1
    # A restart finds no file and imports nothing; the PINs are in the database.
    restarted = MailboxPinStore(db, legacy_file=path)
    assert restarted.import_legacy() == []
    assert restarted.verify(anna.id, "2468")


def test_the_import_can_run_at_start(db: Database, org: Org, tmp_path: Path) -> None:
    anna, _ = mailboxes(db, org)
    path = tmp_path / "pins.json"
    path.write_text(json.dumps({str(anna.id): FAST.hash("2468")}))
    store = MailboxPinStore(db, legacy_file=path)
    assert store.import_legacy() == [anna.id]
    assert store.import_legacy() == []  # once
    assert MailboxPinStore(db).verify(anna.id, "2468")


def test_a_damaged_pin_file_is_an_error_not_an_open_door(
    db: Database, org: Org, tmp_path: Path
) -> None:
    anna, _ = mailboxes(db, org)
    path = tmp_path / "pins.json"
    path.write_text("not json")
    store = MailboxPinStore(db, legacy_file=path)
    with pytest.raises(RuntimeError, match="cannot be read"):
        store.verify(anna.id, "2468")
    with pytest.raises(RuntimeError, match="cannot be read"):
        store.has_pin(anna.id)  # not "no PIN": that would let the owner's phone choose one
    assert path.read_text() == "not json"  # left for an administrator to look at


class _Started:
    """A part of the switchboard that only notes whether the PINs were imported by then."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file_there_at_start: bool | None = None

    async def start(self) -> None:
        self.file_there_at_start = self.path.exists()

    def watch(self, loop: object) -> Callable[[], None]:
        return lambda: None


def test_the_switchboard_imports_the_old_pin_file_before_serving(
    db: Database, org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At start, not at the first lookup: a mailbox that changes holder after the upgrade must
    not get the previous holder's PIN."""
    from vaxel import app

    anna, _ = mailboxes(db, org)
    path = tmp_path / "pins.json"
    path.write_text(json.dumps({str(anna.id): FAST.hash("2468")}))
    monkeypatch.setattr(app.prompts, "warm_up", lambda speech, extra=(): None)
    part = _Started(path)
    board = app.Switchboard(
        calls=part, console=part, targets=part, mwi=part, queue=part,  # type: ignore[arg-type]
        callbacks=part, speech=part,  # type: ignore[arg-type]
        pins=MailboxPinStore(db, legacy_file=path),
    )  # fmt: skip
    asyncio.run(board.start())
    assert part.file_there_at_start is False  # imported before the routing directory loaded
    assert MailboxPinStore(db).verify(anna.id, "2468")


def test_a_pin_file_that_cannot_be_renamed_is_imported_once(
    db: Database, org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """The import succeeded but the rename failed: it is done all the same (with an error
    logged), so a PIN cleared since is not put back by importing the file again."""
    import vaxel.flows.voicemail as voicemail

    anna, _ = mailboxes(db, org)
    path = tmp_path / "pins.json"
    path.write_text(json.dumps({str(anna.id): FAST.hash("2468")}))

    def cannot(*args: object) -> None:
        raise PermissionError("read-only directory")

    monkeypatch.setattr(voicemail.os, "replace", cannot)
    store = MailboxPinStore(db, legacy_file=path)
    with caplog.at_level("ERROR", logger="vaxel.flows.voicemail"):
        assert store.import_legacy() == [anna.id]
    assert "cannot be renamed" in caplog.text
    assert path.exists()
    assert store.clear_pin(anna.id)  # the owner's phone will choose a new one
    assert not store.has_pin(anna.id)  # … not the file's again
    assert store.import_legacy() == []
