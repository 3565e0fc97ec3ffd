"""Message-waiting indication (RFC 3842): the lamp on the phone that says "you have voicemail".

`message_summary()` is the `application/simple-message-summary` body, a pure function.
`MessageWaiting` keeps the counts per mailbox from storage and tells an `MwiNotifier` when
they change: after a message is left (`refresh`) and after any change to voicemail or
mailboxes noted in storage's change feed (`watch`: the web, the phone menu).
SUBSCRIBE/NOTIFY is `switch.subscriptions.Subscriptions`'s: on a SUBSCRIBE for
`Event: message-summary` it sends `summary(extension)` (read in a worker thread) in the first
NOTIFY, and it is the `MwiNotifier` that sends later NOTIFYs to every subscription of that
extension (wired in `vaxel.app.build_switchboard`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from vaxel.domain.voicemail import Mailbox, VoicemailMessage
from vaxel.storage.db import Change, Database
from vaxel.storage.voicemail import VoicemailRepository

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/simple-message-summary"
EVENT = "message-summary"
WATCHED_CHANGES = frozenset({"voicemail", "mailbox"})


def message_summary(
    new: int,
    old: int,
    *,
    new_urgent: int = 0,
    old_urgent: int = 0,
    account: str | None = None,
) -> str:
    """The RFC 3842 body: "Messages-Waiting: yes", "Voice-Message: 2/8 (0/0)", CRLF lines."""
    for name, value in (("new", new), ("old", old), ("new_urgent", new_urgent),
                        ("old_urgent", old_urgent)):  # fmt: skip
        if value < 0:
            raise ValueError(f"{name}: a message count cannot be negative ({value})")
    if new_urgent > new or old_urgent > old:
        raise ValueError("urgent messages are counted among the new and old ones")
    lines = [f"Messages-Waiting: {'yes' if new else 'no'}"]
    if account:
        lines.append(f"Message-Account: {account}")
    lines.append(f"Voice-Message: {new}/{old} ({new_urgent}/{old_urgent})")
    return "\r\n".join(lines) + "\r\n"


@dataclass(frozen=True, slots=True)
class MailboxCounts:
    new: int  # not yet heard
    old: int  # heard and kept ("sparade")

    @classmethod
    def of(cls, messages: Iterable[VoicemailMessage]) -> MailboxCounts:
        heard = [m.heard for m in messages]
        return cls(new=heard.count(False), old=heard.count(True))

    def summary(self, account: str | None = None) -> str:
        return message_summary(self.new, self.old, account=account)


class MwiNotifier(Protocol):
    """Sends NOTIFY to the phones subscribed to a mailbox (switch.subscriptions does)."""

    def message_waiting(self, extension: str, body: str) -> None: ...


class MessageWaiting:
    """Counts per mailbox and the notifications when they change."""

    def __init__(
        self,
        database: Database,
        notifier: MwiNotifier | None = None,
        *,
        account: Callable[[str], str | None] = lambda extension: None,
    ) -> None:
        self.database = database
        self.notifier = notifier
        self.account = account  # extension -> Message-Account URI, if one should be sent
        self._sent: dict[str, MailboxCounts] = {}
        self._refreshing: asyncio.Task[None] | None = None

    def counts(self, extension: str) -> MailboxCounts:
        """Blocking (a database read): run it in a worker thread from the event loop."""
        with self.database.session() as session:
            repo = VoicemailRepository(session)
            mailbox = repo.mailbox(extension)
            if mailbox is None:
                return MailboxCounts(0, 0)
            return MailboxCounts.of(repo.messages(mailbox.id))

    def summary(self, extension: str) -> str:
        """The body of the first NOTIFY after a SUBSCRIBE (blocking: a database read)."""
        counts = self.counts(extension)
        self._sent[extension] = counts
        return counts.summary(self.account(extension))

    async def refresh(self, mailbox: Mailbox) -> MailboxCounts:
        """Count again after a message was left, heard or deleted; notify if it changed."""
        counts = await asyncio.to_thread(self.counts, mailbox.extension)
        self._notify(mailbox.extension, counts)
        return counts

    async def refresh_all(self) -> None:
        """Count every mailbox again (after a change made elsewhere, e.g. on the web)."""

        def read() -> dict[str, MailboxCounts]:
            with self.database.session() as session:
                repo = VoicemailRepository(session)
                return {
                    m.extension: MailboxCounts.of(repo.messages(m.id)) for m in repo.mailboxes()
                }

        for extension, counts in (await asyncio.to_thread(read)).items():
            self._notify(extension, counts)

    def watch(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """Follow the change feed (changes made on the web too); returns an unsubscribe."""

        def on_change(change: Change) -> None:
            if change.kind in WATCHED_CHANGES:
                loop.call_soon_threadsafe(self._schedule_refresh)

        return self.database.changes.subscribe(on_change)

    def _schedule_refresh(self) -> None:
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh_logged())

    async def _refresh_logged(self) -> None:
        try:
            await self.refresh_all()
        except Exception:
            log.exception("message-waiting refresh failed")

    def _notify(self, extension: str, counts: MailboxCounts) -> None:
        before = self._sent.get(extension)
        if before == counts:
            return
        self._sent[extension] = counts
        if before is None and counts.new == 0:
            return  # nothing was said before and there is nothing to say
        if self.notifier is not None:
            try:
                self.notifier.message_waiting(extension, counts.summary(self.account(extension)))
            except Exception:
                log.exception("message-waiting NOTIFY for %s failed", extension)
