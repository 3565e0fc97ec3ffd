"""Reloading an in-memory snapshot off the event loop, coalesced.

`Reloader(load, what)` runs the blocking `load` in a worker thread. A reload asked for while
one runs is owed, not started beside it: when the running one ends, one more follows. A
failed load is logged and the previous snapshot kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class Reloader:
    def __init__(self, load: Callable[[], object], what: str) -> None:
        self.load = load
        self.what = what  # for the log line
        self._running: asyncio.Task[None] | None = None
        self._owed = False
        self._periodic: asyncio.Task[None] | None = None

    def schedule(self) -> None:
        """Reload soon (call on the loop)."""
        if self._running is not None and not self._running.done():
            self._owed = True
            return
        self._running = asyncio.get_running_loop().create_task(self._reload())

    async def wait(self) -> None:
        """Until a reload in progress (and any it owes) is done."""
        while self._running is not None and not self._running.done():
            await asyncio.shield(self._running)

    def every(self, seconds: float) -> None:
        """Also reload every `seconds`, whatever else asked (a safety net)."""
        self._periodic = asyncio.get_running_loop().create_task(self._periodically(seconds))

    def cancel(self) -> None:
        for task in (self._running, self._periodic):
            if task is not None:
                task.cancel()

    async def _reload(self) -> None:
        while True:
            self._owed = False
            try:
                await asyncio.to_thread(self.load)
            except Exception:
                log.exception("%s reload failed; keeping the previous one", self.what)
            if not self._owed:
                return

    async def _periodically(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.schedule()
            await self.wait()
