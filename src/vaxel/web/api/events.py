"""Server-sent events: what changed, as it changes, for the pages that are open.

Every stream gets committed changes (presence, callbacks, voicemail …) as ``kind`` and ``id``
only; operators also get the switchboard queue whenever it changes. A stream ends after a
while and the browser reconnects by itself, so no connection lives for ever.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from vaxel.web.api.switchboard import queue_snapshot
from vaxel.web.deps import Ctx, CurrentUser
from vaxel.web.i18n import language_of
from vaxel.web.live import LiveEvent

router = APIRouter(tags=["events"])

HEARTBEAT_S = 15.0
QUEUE_POLL_S = 1.0
STREAM_LIFETIME_S = 300.0
RETRY_MS = 2000


@router.get("/events", response_class=StreamingResponse)
async def events(request: Request, context: Ctx, viewer: CurrentUser) -> StreamingResponse:
    """A text/event-stream of changes; open it with ``new EventSource("/api/events")``."""
    operator = viewer.is_operator
    lang = language_of(request)

    async def stream() -> AsyncIterator[str]:
        yield f"retry: {RETRY_MS}\n\n"
        started = last_beat = time.monotonic()
        last_queue: str | None = None
        with context.live.subscribe() as queue:
            while time.monotonic() - started < STREAM_LIFETIME_S:
                if operator:
                    snapshot = json.dumps(queue_snapshot(context, lang), default=str)
                    if snapshot != last_queue:
                        last_queue = snapshot
                        yield LiveEvent("queue", "", json.loads(snapshot)).encode()
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=QUEUE_POLL_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    if time.monotonic() - last_beat > HEARTBEAT_S:
                        last_beat = time.monotonic()
                        yield ": still here\n\n"
                    continue
                if event.kind == "bye":
                    return
                yield event.encode()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
