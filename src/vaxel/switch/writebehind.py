"""Writes that must not hold up a SIP message: queued on the loop, done in a worker thread.

Each job is a function of a storage Session. Jobs with the same key coalesce (the latest wins:
a phone that re-registers ten times between two flushes is written once). A batch runs in one
database transaction; a failed batch is logged and retried job by job, so one bad row does not
lose the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from vaxel.storage.db import Database

log = logging.getLogger(__name__)

Job = Callable[[Session], object]
BatchWriter = Callable[[Session, list[Any]], object]


def _run_batch(writer: BatchWriter, items: list[Any], session: Session) -> None:
    writer(session, items)


class WriteBehind:
    def __init__(
        self, database: Database | None, name: str, interval: float = 0.25, max_batch: int = 1000
    ) -> None:
        self.database = database
        self.name = name
        self.interval = interval
        self.max_batch = max_batch
        self._pending: dict[Hashable, Job] = {}
        self._batches: dict[str, list[Any]] = {}
        self._batch_writers: dict[str, BatchWriter] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._seq = 0
        self.written = 0
        self.failed = 0

    def submit(self, job: Job, key: Hashable | None = None) -> None:
        """Queue a job; a later job with the same key replaces this one if both still wait."""
        if self.database is None:
            return
        if key is None:
            self._seq += 1
            key = ("seq", self._seq)
        else:
            self._pending.pop(key, None)  # re-insert at the end: keep the order of submits
        self._pending[key] = job
        if self._wake is not None and len(self._pending) >= self.max_batch:
            self._wake.set()

    def add(self, kind: str, item: object, writer: BatchWriter) -> None:
        """Queue one item of a kind written in bulk: `writer(session, items)` once per flush."""
        if self.database is None:
            return
        self._batch_writers[kind] = writer
        self._batches.setdefault(kind, []).append(item)

    @property
    def pending(self) -> int:
        return len(self._pending) + sum(map(len, self._batches.values()))

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Write what is left, then stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        batches, self._batches = self._batches, {}
        for kind, items in batches.items():
            self._seq += 1
            writer = self._batch_writers[kind]
            self._pending[("batch", self._seq)] = partial(_run_batch, writer, items)
        while self._pending:
            jobs = list(self._pending.values())[: self.max_batch]
            for key in list(self._pending)[: len(jobs)]:
                del self._pending[key]
            await asyncio.to_thread(self._write, jobs)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: write-behind flush failed", self.name)

    def _write(self, jobs: list[Job]) -> None:
        assert self.database is not None
        try:
            with self.database.session() as session:
                for job in jobs:
                    job(session)
            self.written += len(jobs)
            return
        except Exception:
            log.exception(
                "%s: a batch of %d writes failed; retrying one by one", self.name, len(jobs)
            )
        for job in jobs:
            try:
                with self.database.session() as session:
                    job(session)
                self.written += 1
            except Exception:
                self.failed += 1
                log.exception("%s: a write failed and is dropped", self.name)
