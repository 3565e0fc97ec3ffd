"""Barring classes per person and the exceptions a verksamhetschef decides (policy §2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain.barring import (
    BarringClass,
    BarringException,
    ExceptionKind,
    validate_exception,
)
from vaxel.domain.organisation import verksamhetschef_of
from vaxel.domain.presence import Channel
from vaxel.storage._convert import unit_of
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import BarringExceptionRow, BarringRow, PersonRow, UnitRow

# Without a decision, a phone reaches national and mobile numbers but not abroad or 0900.
DEFAULT_CLASS = BarringClass.NATIONAL


def exception_of(row: BarringExceptionRow) -> BarringException:
    return BarringException(
        person_id=row.person_id,
        kind=ExceptionKind(row.kind),
        decided_by_id=row.decided_by_id,
        reason=row.reason,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        decided_at=row.decided_at,
    )


class BarringRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def class_of(self, person_id: int) -> BarringClass:
        row = self.session.get(BarringRow, person_id)
        return DEFAULT_CLASS if row is None else BarringClass(row.barring_class)

    def classes(self) -> dict[int, BarringClass]:
        """Everyone with a class other than the default, by person id."""
        return {
            r.person_id: BarringClass(r.barring_class)
            for r in self.session.scalars(select(BarringRow))
        }

    def set_class(
        self, person_id: int, barring_class: BarringClass, *, actor: str, channel: Channel
    ) -> None:
        if self.session.get(PersonRow, person_id) is None:
            raise NotFound(f"no person with id {person_id}")
        row = self.session.get(BarringRow, person_id)
        if row is None:
            self.session.add(BarringRow(person_id=person_id, barring_class=str(barring_class)))
        else:
            row.barring_class = str(barring_class)
        audit(self.session, actor, channel, "barring.class", f"person:{person_id}", barring_class)
        note_change(self.session, "barring", person_id)

    def add_exception(
        self, exception: BarringException, *, actor: str, channel: Channel, now: datetime
    ) -> int:
        """Store an exception; DomainError unless the unit's verksamhetschef decided it."""
        person = self.session.get(PersonRow, exception.person_id)
        if person is None:
            raise NotFound(f"no person with id {exception.person_id}")
        units = {r.id: unit_of(r) for r in self.session.scalars(select(UnitRow))}
        validate_exception(exception, verksamhetschef_of(units, person.unit_id))
        row = BarringExceptionRow(
            person_id=exception.person_id,
            kind=str(exception.kind),
            decided_by_id=exception.decided_by_id,
            reason=exception.reason,
            valid_from=exception.valid_from,
            valid_to=exception.valid_to,
            decided_at=exception.decided_at or now,
        )
        self.session.add(row)
        self.session.flush()
        audit(
            self.session,
            actor,
            channel,
            "barring.exception",
            f"person:{exception.person_id}",
            f"{exception.kind} by person:{exception.decided_by_id} "
            f"{exception.valid_from.date()}–{exception.valid_to.date()}: {exception.reason}",
            at=now,
        )
        note_change(self.session, "barring", exception.person_id)
        return row.id

    def exceptions(
        self, person_id: int | None = None, *, at: datetime | None = None
    ) -> list[BarringException]:
        """Exceptions (of one person), all or only those in force ``at``."""
        query = select(BarringExceptionRow).order_by(BarringExceptionRow.valid_from)
        if person_id is not None:
            query = query.where(BarringExceptionRow.person_id == person_id)
        if at is not None:
            query = query.where(
                BarringExceptionRow.valid_from <= at, BarringExceptionRow.valid_to > at
            )
        return [exception_of(r) for r in self.session.scalars(query)]
