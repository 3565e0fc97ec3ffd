"""Voicemail boxes (one per extension), their PINs (argon2 hashes) and the metadata of their
messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from vaxel.domain.presence import Channel
from vaxel.domain.voicemail import GreetingState, Mailbox, VoicemailMessage
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import MailboxRow, VoicemailRow


def mailbox_of(row: MailboxRow) -> Mailbox:
    return Mailbox(
        id=row.id,
        extension=row.extension,
        person_id=row.person_id,
        greeting=GreetingState(row.greeting),
    )


def message_of(row: VoicemailRow) -> VoicemailMessage:
    return VoicemailMessage(
        id=row.id,
        mailbox_id=row.mailbox_id,
        caller_number=row.caller_number,
        received_at=row.received_at,
        duration_s=row.duration_s,
        path=row.path,
        heard=row.heard,
    )


class VoicemailRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create_mailbox(
        self,
        extension: str,
        person_id: int | None,
        *,
        actor: str,
        channel: Channel,
        greeting: GreetingState = GreetingState.DEFAULT,
    ) -> Mailbox:
        if self.mailbox(extension) is not None:
            raise ValueError(f"extension: {extension} already has a mailbox")
        row = MailboxRow(
            extension=extension, person_id=person_id, greeting=str(greeting), greeting_path=""
        )
        self.session.add(row)
        self.session.flush()
        audit(self.session, actor, channel, "mailbox.create", f"mailbox:{row.id}", extension)
        note_change(self.session, "mailbox", row.id)
        return mailbox_of(row)

    def mailbox(self, extension: str) -> Mailbox | None:
        row = self.session.scalar(select(MailboxRow).where(MailboxRow.extension == extension))
        return None if row is None else mailbox_of(row)

    def mailboxes(self, person_id: int | None = None) -> list[Mailbox]:
        query = select(MailboxRow).order_by(MailboxRow.extension)
        if person_id is not None:
            query = query.where(MailboxRow.person_id == person_id)
        return [mailbox_of(r) for r in self.session.scalars(query)]

    def greeting_path(self, mailbox_id: int) -> str:
        return self._row(mailbox_id).greeting_path

    def set_greeting(
        self,
        mailbox_id: int,
        state: GreetingState,
        path: str = "",
        *,
        actor: str,
        channel: Channel,
    ) -> None:
        """Record (path of the audio file), reset to the default, or remove the greeting."""
        row = self._row(mailbox_id)
        if state is GreetingState.RECORDED and not path:
            raise ValueError("path: a recorded greeting needs its audio file")
        row.greeting = str(state)
        row.greeting_path = path if state is GreetingState.RECORDED else ""
        audit(self.session, actor, channel, "mailbox.greeting", f"mailbox:{mailbox_id}", state)
        note_change(self.session, "mailbox", mailbox_id)

    # -- the owner's PIN (hashed by the caller: this module never sees a PIN) -----------------

    def extension(self, mailbox_id: int) -> str:
        return self._row(mailbox_id).extension

    def pin_hash(self, mailbox_id: int) -> str | None:
        """The PIN's argon2 hash; None when no PIN is chosen (NotFound: no such mailbox)."""
        return self._row(mailbox_id).pin_hash

    def set_pin_hash(self, mailbox_id: int, pin_hash: str, *, actor: str, channel: Channel) -> None:
        """A new PIN (already hashed)."""
        if not pin_hash:
            raise ValueError("pin_hash: empty")
        row = self._row(mailbox_id)
        row.pin_hash = pin_hash
        audit(self.session, actor, channel, "mailbox.pin", f"mailbox:{mailbox_id}", "set")
        note_change(self.session, "mailbox", mailbox_id)

    def replace_pin_hash(self, mailbox_id: int, old: str, new: str) -> bool:
        """Swap the hash of an unchanged PIN for a stronger one (argon2 parameters raised);
        False if the PIN was changed meanwhile. Not audited: the PIN itself is the same."""
        result = self.session.execute(
            update(MailboxRow)
            .where(MailboxRow.id == mailbox_id, MailboxRow.pin_hash == old)
            .values(pin_hash=new)
        )
        if not _rowcount(result):
            return False
        note_change(self.session, "mailbox", mailbox_id)
        return True

    def clear_pin(self, mailbox_id: int, *, actor: str, channel: Channel) -> bool:
        """Forget the PIN (the owner chooses a new one from their own phone); False if none."""
        row = self._row(mailbox_id)
        if row.pin_hash is None:
            return False
        row.pin_hash = None
        audit(self.session, actor, channel, "mailbox.pin", f"mailbox:{mailbox_id}", "cleared")
        note_change(self.session, "mailbox", mailbox_id)
        return True

    def import_pin_hashes(
        self, hashes: Mapping[int, str], *, actor: str, channel: Channel, detail: str = "imported"
    ) -> list[int]:
        """Take over hashes kept elsewhere, only for existing mailboxes that have no PIN yet
        (a PIN chosen since wins); the ids of the mailboxes that got one."""
        imported: list[int] = []
        for mailbox_id, pin_hash in sorted(hashes.items()):
            result = self.session.execute(
                update(MailboxRow)
                .where(MailboxRow.id == mailbox_id, MailboxRow.pin_hash.is_(None))
                .values(pin_hash=pin_hash)
            )
            if _rowcount(result):
                imported.append(mailbox_id)
                audit(self.session, actor, channel, "mailbox.pin", f"mailbox:{mailbox_id}", detail)
                note_change(self.session, "mailbox", mailbox_id)
        return imported

    # -- messages ----------------------------------------------------------------------------

    def add_message(
        self,
        mailbox_id: int,
        caller_number: str,
        received_at: datetime,
        duration_s: float,
        path: str,
    ) -> VoicemailMessage:
        """A message the caller left (the switch writes it; the audio is at ``path``)."""
        self._row(mailbox_id)
        row = VoicemailRow(
            mailbox_id=mailbox_id,
            caller_number=caller_number,
            received_at=received_at,
            duration_s=duration_s,
            path=path,
            heard=False,
        )
        self.session.add(row)
        self.session.flush()
        note_change(self.session, "voicemail", row.id)
        return message_of(row)

    def messages(self, mailbox_id: int, *, unheard_only: bool = False) -> list[VoicemailMessage]:
        query = (
            select(VoicemailRow)
            .where(VoicemailRow.mailbox_id == mailbox_id)
            .order_by(VoicemailRow.received_at.desc())
        )
        if unheard_only:
            query = query.where(VoicemailRow.heard.is_(False))
        return [message_of(r) for r in self.session.scalars(query)]

    def unheard_counts(self) -> dict[int, int]:
        """Unheard messages per mailbox id (message-waiting indicators)."""
        query = (
            select(VoicemailRow.mailbox_id, func.count())
            .where(VoicemailRow.heard.is_(False))
            .group_by(VoicemailRow.mailbox_id)
        )
        return {mailbox_id: count for mailbox_id, count in self.session.execute(query)}

    def mark_heard(self, message_id: int, *, actor: str, channel: Channel) -> None:
        row = self.session.get(VoicemailRow, message_id)
        if row is None:
            raise NotFound(f"no voicemail message {message_id}")
        row.heard = True
        audit(self.session, actor, channel, "voicemail.heard", f"voicemail:{message_id}")
        note_change(self.session, "voicemail", message_id)

    def delete_message(self, message_id: int, *, actor: str, channel: Channel) -> str:
        """Delete a message's metadata; returns its audio path for the caller to remove."""
        row = self.session.get(VoicemailRow, message_id)
        if row is None:
            raise NotFound(f"no voicemail message {message_id}")
        path = row.path
        self.session.delete(row)
        audit(self.session, actor, channel, "voicemail.delete", f"voicemail:{message_id}")
        note_change(self.session, "voicemail", message_id)
        return path

    def delete_older_than(self, before: datetime, *, actor: str, channel: Channel) -> list[str]:
        """Retention: delete messages received before ``before``; their audio paths."""
        rows = list(
            self.session.scalars(select(VoicemailRow).where(VoicemailRow.received_at < before))
        )
        if rows:
            self.session.execute(
                delete(VoicemailRow).where(VoicemailRow.id.in_([r.id for r in rows]))
            )
            audit(
                self.session,
                actor,
                channel,
                "voicemail.retention",
                "voicemail:*",
                f"{len(rows)} messages before {before.isoformat()}",
            )
        return [r.path for r in rows]

    def _row(self, mailbox_id: int) -> MailboxRow:
        row = self.session.get(MailboxRow, mailbox_id)
        if row is None:
            raise NotFound(f"no mailbox {mailbox_id}")
        return row


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
