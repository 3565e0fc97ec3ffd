"""Call records: written by the switch for every call, read by reports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.storage.db import note_change
from vaxel.storage.models import CallRow, core


def record_of(row: CallRow) -> CallRecord:
    return CallRecord(
        from_number=row.from_number,
        to_number=row.to_number,
        started_at=row.started_at,
        outcome=CallOutcome(row.outcome),
        unit_id=row.unit_id,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        answered_by=row.answered_by,
        informed=row.informed,
    )


def _values(record: CallRecord, call_id: str = "") -> dict[str, object]:
    return {
        "call_id": call_id,
        "from_number": record.from_number,
        "to_number": record.to_number,
        "unit_id": record.unit_id,
        "started_at": record.started_at,
        "answered_at": record.answered_at,
        "ended_at": record.ended_at,
        "outcome": str(record.outcome),
        "answered_by": record.answered_by,
        "informed": record.informed,
    }


class CallRepository:
    """Not audited: call records are themselves the record (and personal data, see retention)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: CallRecord, call_id: str = "") -> int:
        row = CallRow(**_values(record, call_id))
        self.session.add(row)
        self.session.flush()
        note_change(self.session, "call", row.id)
        return row.id

    def add_many(self, records: Iterable[CallRecord], batch: int = 5000) -> int:
        """Bulk insert (demo data, imports); returns how many."""
        count = 0
        chunk: list[dict[str, object]] = []
        for record in records:
            chunk.append(_values(record))
            if len(chunk) >= batch:
                self.session.execute(insert(core(CallRow)), chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self.session.execute(insert(core(CallRow)), chunk)
            count += len(chunk)
        return count

    def between(
        self, start: datetime, end: datetime, unit_ids: set[int] | None = None
    ) -> Iterator[CallRecord]:
        """Records started in [start, end), oldest first, streamed."""
        query = (
            select(CallRow)
            .where(CallRow.started_at >= start, CallRow.started_at < end)
            .order_by(CallRow.started_at, CallRow.id)
            .execution_options(yield_per=2000)
        )
        if unit_ids is not None:
            query = query.where(CallRow.unit_id.in_(unit_ids))
        for row in self.session.scalars(query):
            yield record_of(row)

    def count(self, start: datetime | None = None, end: datetime | None = None) -> int:
        query = select(func.count()).select_from(CallRow)
        if start is not None:
            query = query.where(CallRow.started_at >= start)
        if end is not None:
            query = query.where(CallRow.started_at < end)
        return int(self.session.scalar(query) or 0)

    def delete_before(self, before: datetime) -> int:
        """Retention: delete records started before ``before``; returns how many."""
        result = self.session.execute(delete(CallRow).where(CallRow.started_at < before))
        return _rowcount(result)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
