"""After a voicemail: the callback task, and the mailbox PINs the phone menu asks for.

`VoicemailFlows` is the voicemail app's `VoicemailListener`: a stored message becomes a
callback task with reason VOICEMAIL for the mailbox's owner (or the unit of a function
mailbox), merged into the caller's open task when there is one.

`MailboxPinStore` keeps mailbox PINs as argon2 hashes in the database (`mailboxes.pin_hash`,
through `VoicemailRepository`: audited, and published on the change feed). Before migration
0003 the hashes lived in `<voicemail>/pins.json`; the store takes them over once, for mailboxes
that have no PIN yet, and renames the file `pins.json.imported`, so existing PINs keep
working.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vaxel.domain.callbacks import CallbackReason, CallbackTask
from vaxel.domain.presence import Channel
from vaxel.flows.callbacks import CallbackFlows
from vaxel.storage.db import Database
from vaxel.storage.errors import NotFound
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.apps.voicemail import StoredVoicemail, pin_problem_sv

log = logging.getLogger(__name__)

PIN_FILE = "pins.json"
IMPORTED_SUFFIX = ".imported"


def voicemail_callback(callbacks: CallbackFlows, stored: StoredVoicemail) -> CallbackTask | None:
    """The callback task for a stored message (blocking); None if nobody can be called back."""
    callee = stored.callee
    person_id = stored.mailbox.person_id
    if person_id is None and callee is not None:
        person_id = callee.person_id
    unit_id = callee.unit_id if callee is not None else None
    if person_id is None and unit_id is None:
        log.warning(
            "voicemail %d in %s: nobody to give the callback to",
            stored.message.id, stored.mailbox.extension,
        )  # fmt: skip
        return None
    return callbacks.missed_call(
        caller_number=stored.message.caller_number,
        at=stored.message.received_at,
        for_person_id=person_id,
        for_unit_id=unit_id,
        caller_name=stored.caller_name,
        reason=CallbackReason.VOICEMAIL,
        note="Röstmeddelande.",
    )


class VoicemailFlows:
    """The voicemail app's listener: every stored message becomes (part of) a callback."""

    def __init__(self, callbacks: CallbackFlows) -> None:
        self.callbacks = callbacks

    async def voicemail_stored(self, stored: StoredVoicemail) -> None:
        task = await asyncio.to_thread(voicemail_callback, self.callbacks, stored)
        if task is not None:
            log.info("voicemail %d → callback %d", stored.message.id, task.id)


class MailboxPinStore:
    """Mailbox PINs as argon2 hashes in the database; the voicemail app's `PinStore`.

    Blocking (the app calls it in a worker thread). ``legacy_file`` is the old
    ``<voicemail>/pins.json``: its hashes are imported by `import_legacy`, which the server runs
    at start, before any call (`app.Switchboard.start`): run later, a mailbox given to a new
    holder since the upgrade would get the previous holder's PIN. It also runs before the first
    PIN is looked at, for a process that did not run it at start (and a start whose import
    failed: the lookup fails too, rather than take "no PIN" for an answer)."""

    def __init__(
        self,
        database: Database,
        *,
        legacy_file: str | os.PathLike[str] | None = None,
        hasher: PasswordHasher | None = None,
        actor: str = "voicemail",
        channel: Channel = Channel.PHONE,
    ) -> None:
        self.database = database
        self.legacy_file = None if legacy_file is None else Path(legacy_file)
        self.hasher = hasher or PasswordHasher()
        self.actor = actor  # who set a PIN, in the audit log: the owner, on their phone
        self.channel = channel
        self._legacy_lock = threading.Lock()
        self._legacy_done = self.legacy_file is None

    def has_pin(self, mailbox_id: int) -> bool:
        return self._hash(mailbox_id) is not None

    def verify(self, mailbox_id: int, pin: str) -> bool:
        hashed = self._hash(mailbox_id)
        if hashed is None:
            return False
        try:
            self.hasher.verify(hashed, pin)
        except (VerificationError, InvalidHashError):
            return False
        if self.hasher.check_needs_rehash(hashed):
            stronger = self.hasher.hash(pin)
            with self.database.session() as session:
                VoicemailRepository(session).replace_pin_hash(mailbox_id, hashed, stronger)
        return True

    def set_pin(self, mailbox_id: int, pin: str) -> None:
        """Store a new PIN; ValueError (Swedish) when it is not acceptable, NotFound when there
        is no such mailbox."""
        self.import_legacy()
        with self.database.session() as session:
            extension = VoicemailRepository(session).extension(mailbox_id)
        problem = pin_problem_sv(pin, extension)
        if problem is not None:
            raise ValueError(problem)
        hashed = self.hasher.hash(pin)  # outside a transaction: argon2 takes its time
        with self.database.session() as session:
            VoicemailRepository(session).set_pin_hash(
                mailbox_id, hashed, actor=self.actor, channel=self.channel
            )

    def clear_pin(
        self, mailbox_id: int, *, actor: str | None = None, channel: Channel | None = None
    ) -> bool:
        """Forget a PIN (the owner sets a new one from their own phone); False if none."""
        self.import_legacy()
        with self.database.session() as session:
            return VoicemailRepository(session).clear_pin(
                mailbox_id, actor=actor or self.actor, channel=channel or self.channel
            )

    def import_legacy(self) -> list[int]:
        """Take over the hashes of the old PIN file, once: only for mailboxes without a PIN
        (and that exist); then rename it ``pins.json.imported``. The ids of the mailboxes that
        got a PIN. A file that cannot be read is an error (left in place), not an open door."""
        if self._legacy_done:
            return []
        with self._legacy_lock:
            if self._legacy_done:
                return []
            path = self.legacy_file
            assert path is not None
            hashes = read_pin_file(path)
            imported: list[int] = []
            if hashes:
                numbered: dict[int, str] = {}
                for key, hashed in hashes.items():
                    if key.isdigit() and hashed.startswith("$argon2"):
                        numbered[int(key)] = hashed
                    else:
                        log.warning("%s: ignoring the entry %r (not a mailbox PIN)", path, key)
                with self.database.session() as session:
                    imported = VoicemailRepository(session).import_pin_hashes(
                        numbered,
                        actor="system",
                        channel=Channel.SYSTEM,
                        detail=f"imported from {path.name}",
                    )
                skipped = len(hashes) - len(imported)
                log.info(
                    "%s: %d PINs imported into the database (%d skipped: already set, or no "
                    "such mailbox)", path, len(imported), skipped,
                )  # fmt: skip
            if path.exists():
                renamed = path.with_name(path.name + IMPORTED_SUFFIX)
                try:
                    os.replace(path, renamed)
                except OSError as error:
                    # Done all the same: imported again, the file would put back the PINs that
                    # were cleared since (the owner's phone then chooses one).
                    log.error(
                        "%s: imported, but cannot be renamed to %s (%s); remove it before the "
                        "next start, or its PINs are imported again", path, renamed.name, error,
                    )  # fmt: skip
            self._legacy_done = True
            return imported

    def _hash(self, mailbox_id: int) -> str | None:
        self.import_legacy()
        try:
            with self.database.session() as session:
                return VoicemailRepository(session).pin_hash(mailbox_id)
        except NotFound:
            return None


def read_pin_file(path: Path) -> dict[str, str]:
    """The PIN file's hashes by mailbox id ({} when there is no file); RuntimeError when it
    cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise RuntimeError(f"{path}: the PIN file cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise RuntimeError(f"{path}: the PIN file is not a JSON object")
    return {str(k): str(v) for k, v in data.items()}
