"""Call records: one per call, written off the hot path, in bulk, by the write-behind queue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vaxel.domain.calls import CallRecord
from vaxel.storage.calls import CallRepository
from vaxel.switch.writebehind import WriteBehind


def _write(session: Session, items: list[tuple[CallRecord, str]]) -> None:
    # add_many is one INSERT for the batch; it has no call ids (see the report: API gap).
    CallRepository(session).add_many(record for record, _ in items)


class CallRecordWriter:
    """Takes finished calls from the B2BUA and stores them (never blocks the caller)."""

    def __init__(self, queue: WriteBehind) -> None:
        self.queue = queue
        self.submitted = 0

    def record(self, record: CallRecord, call_id: str) -> None:
        self.submitted += 1
        self.queue.add("call records", (record, call_id), _write)
