"""Live updates for open pages: committed changes fanned out to server-sent-event streams.

The storage layer publishes every commit on its change feed, in the committing thread. The
hub hops onto the event loop and puts the change on the queue of every open stream. Events
carry only the kind and the key of what changed; the page then asks the API again, which
applies the reader's role as always, so nothing leaks through the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vaxel.storage.db import Change, ChangeFeed

log = logging.getLogger(__name__)

# The kinds pages react to; the rest (call records, registrations' churn) would only be noise.
LIVE_KINDS = frozenset({
    "absence", "callback", "voicemail", "mailbox", "person", "registration", "sip_account",
    "barring", "queue_sign_in",
})  # fmt: skip
# A page that stops reading loses events rather than holding memory; it reloads on "resync".
QUEUE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class LiveEvent:
    kind: str
    id: str
    data: object = None

    def encode(self) -> str:
        """The event in the text/event-stream format."""
        payload = json.dumps(
            {"kind": self.kind, "id": self.id, "data": self.data}, ensure_ascii=False, default=str
        )
        return f"event: {self.kind}\ndata: {payload}\n\n"


class LiveHub:
    """Fans committed changes out to every subscribed stream."""

    def __init__(self, feed: ChangeFeed) -> None:
        self._feed = feed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._queues: set[asyncio.Queue[LiveEvent]] = set()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        if self._unsubscribe is None:
            self._unsubscribe = self._feed.subscribe(self._on_change)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for queue in list(self._queues):
            _offer(queue, LiveEvent("bye", ""))

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[LiveEvent]]:
        """A queue of events for one stream, for as long as the block runs (on the loop)."""
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(QUEUE_LIMIT)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def publish(self, event: LiveEvent) -> None:
        """Send an event to every stream (call on the loop)."""
        for queue in list(self._queues):
            _offer(queue, event)

    @property
    def streams(self) -> int:
        return len(self._queues)

    def _on_change(self, change: Change) -> None:
        loop = self._loop
        if change.kind not in LIVE_KINDS or loop is None or loop.is_closed():
            return
        event = LiveEvent(change.kind, str(change.id))
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and here
            loop.call_soon_threadsafe(self.publish, event)


def _offer(queue: asyncio.Queue[LiveEvent], event: LiveEvent) -> None:
    try:
        queue.put_nowait(event)
    except asyncio.QueueFull:
        # Drop what is waiting and tell the page to reload everything once.
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(LiveEvent("resync", ""))
