"""Read-only look-ups the storage layer does not offer yet (each listed as a gap for it).

Only simple SELECTs live here; every write goes through a storage repository.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vaxel.domain.calls import CallRecord
from vaxel.storage.calls import record_of
from vaxel.storage.models import CallRow


def calls_of_numbers(
    session: Session, numbers: Collection[str], limit: int = 100
) -> list[CallRecord]:
    """A person's call history: calls from or to any of their numbers, newest first.

    Gap: ``CallRepository`` has no query by number.
    """
    if not numbers:
        return []
    query = (
        select(CallRow)
        .where(or_(CallRow.from_number.in_(numbers), CallRow.to_number.in_(numbers)))
        .order_by(CallRow.started_at.desc(), CallRow.id.desc())
        .limit(limit)
    )
    return [record_of(row) for row in session.scalars(query)]
