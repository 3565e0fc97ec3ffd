"""After a voicemail: the callback task, and the mailbox PINs the phone menu asks for.

`VoicemailFlows` is the voicemail app's `VoicemailListener`: a stored message becomes a
callback task with reason VOICEMAIL for the mailbox's owner (or the unit of a function
mailbox), merged into the caller's open task when there is one.

`FilePinStore` keeps mailbox PINs as argon2 hashes. Storage has no PIN column yet, so until
it does the hashes live in one JSON file beside the voicemail (written atomically, mode 0600).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vaxel.domain.callbacks import CallbackReason, CallbackTask
from vaxel.flows.callbacks import CallbackFlows
from vaxel.switch.apps.voicemail import StoredVoicemail, pin_problem_sv

log = logging.getLogger(__name__)

PIN_FILE = "pins.json"


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


class FilePinStore:
    """Mailbox PINs as argon2 hashes in a JSON file; see the module docstring."""

    def __init__(self, path: str | os.PathLike[str], hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.hasher = hasher or PasswordHasher()
        self._lock = threading.Lock()

    def has_pin(self, mailbox_id: int) -> bool:
        with self._lock:
            return str(mailbox_id) in self._load()

    def verify(self, mailbox_id: int, pin: str) -> bool:
        with self._lock:
            hashed = self._load().get(str(mailbox_id))
        if hashed is None:
            return False
        try:
            self.hasher.verify(hashed, pin)
        except (VerificationError, InvalidHashError):
            return False
        if self.hasher.check_needs_rehash(hashed):
            self._write(mailbox_id, self.hasher.hash(pin))
        return True

    def set_pin(self, mailbox_id: int, pin: str) -> None:
        """Store a new PIN; ValueError (Swedish) when it is not acceptable."""
        problem = pin_problem_sv(pin)
        if problem is not None:
            raise ValueError(problem)
        self._write(mailbox_id, self.hasher.hash(pin))

    def clear_pin(self, mailbox_id: int) -> bool:
        """Forget a PIN (the owner sets a new one from their own phone); False if none."""
        with self._lock:
            pins = self._load()
            if pins.pop(str(mailbox_id), None) is None:
                return False
            self._save(pins)
            return True

    def _write(self, mailbox_id: int, hashed: str) -> None:
        with self._lock:
            pins = self._load()
            pins[str(mailbox_id)] = hashed
            self._save(pins)

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise RuntimeError(f"{self.path}: the PIN file cannot be read: {error}") from None
        if not isinstance(data, dict):
            raise RuntimeError(f"{self.path}: the PIN file is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, pins: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".pins-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(pins, file, indent=1, sort_keys=True)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
