"""Number assignments: extensions, mobiles and function numbers, none assigned twice at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from vaxel.domain.clock import TZ, local
from vaxel.domain.numbers import (
    NumberAssignment,
    NumberKind,
    NumberPlan,
    check_no_overlap,
    validate_assignment,
)
from vaxel.domain.presence import Channel
from vaxel.storage._convert import assignment_of
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import NumberRow, PersonRow

# One advisory lock for all number assignments: they are rare, and a bulk import takes it once.
_NUMBERS_LOCK = 0x7661786E  # "vaxn"


def lock_numbers(session: Session) -> None:
    """Serialise number assignments across concurrent transactions.

    Without it two transactions could both find a number free and both assign it (the database
    refuses only two open-ended assignments, not overlapping bounded ones). Call it before
    reading the assignments to check; held until the transaction ends.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBERS_LOCK})
    elif dialect == "sqlite":
        # SQLite has one writer at a time, but the driver begins the transaction only at the
        # first write, so what was read before it may be stale by then. A write that changes
        # nothing takes the write lock now; the checks that follow read what is committed.
        session.execute(text("UPDATE number_assignments SET id = id WHERE 1 = 0"))


class NumberRepository:
    def __init__(self, session: Session, plan: NumberPlan | None = None) -> None:
        self.session = session
        self.plan = plan or NumberPlan()

    def assign(
        self,
        assignment: NumberAssignment,
        *,
        actor: str,
        channel: Channel,
        telephone_hours: dict[str, Any] | None = None,
    ) -> NumberAssignment:
        """Assign a number; DomainError("number") if it is assigned for part of that period."""
        if assignment.valid_from is None:
            assignment = replace(assignment, valid_from=datetime.now(TZ))
        validate_assignment(assignment, self.plan)
        lock_numbers(self.session)
        rows = self.session.scalars(select(NumberRow).where(NumberRow.e164 == assignment.e164))
        check_no_overlap([assignment_of(r) for r in rows], assignment)
        row = NumberRow(
            e164=assignment.e164,
            kind=str(assignment.kind),
            person_id=assignment.person_id,
            unit_id=assignment.unit_id,
            label=assignment.label,
            extension=assignment.extension,
            valid_from=assignment.valid_from,
            valid_to=assignment.valid_to,
            telephone_hours=telephone_hours,
        )
        self.session.add(row)
        self.session.flush()
        audit(
            self.session,
            actor,
            channel,
            "number.assign",
            f"number:{assignment.e164}",
            assignment.owner,
        )
        note_change(self.session, "number", assignment.e164)
        return assignment_of(row)

    def release(self, number: str, at: datetime, *, actor: str, channel: Channel) -> None:
        """End the assignment of a number (E.164 or extension) in force at ``at``."""
        row = self._active_row(number, at)
        if row is None:
            raise NotFound(f"{number} is not assigned")
        if row.valid_from >= at:
            self.session.delete(row)  # it never took effect
        else:
            row.valid_to = at
        audit(self.session, actor, channel, "number.release", f"number:{row.e164}")
        note_change(self.session, "number", row.e164)

    def owner_of(self, number: str, at: datetime) -> NumberAssignment | None:
        """The assignment in force at ``at`` of an E.164 number or an extension."""
        row = self._active_row(number, at)
        return None if row is None else assignment_of(row)

    def assignments(
        self,
        *,
        person_id: int | None = None,
        unit_id: int | None = None,
        kind: NumberKind | None = None,
        at: datetime | None = None,
    ) -> list[NumberAssignment]:
        """Assignments, filtered; ``at`` keeps only those in force then (else all, history too)."""
        query = select(NumberRow).order_by(NumberRow.valid_from, NumberRow.id)
        if person_id is not None:
            query = query.where(NumberRow.person_id == person_id)
        if unit_id is not None:
            query = query.where(NumberRow.unit_id == unit_id)
        if kind is not None:
            query = query.where(NumberRow.kind == str(kind))
        if at is not None:
            query = _in_force(query, at)
        return [assignment_of(r) for r in self.session.scalars(query)]

    def in_service(self, at: datetime, *, kind: NumberKind | None = None) -> list[NumberAssignment]:
        """The numbers that work at ``at``: what routing and the directory should offer.

        Like ``assignments(at=at)``, but without the numbers of people who do not work for us
        that day (temporary staff and contractors past their end date, people not started yet):
        policy §1 says their numbers stop working. ``assignments`` still lists those, so that
        administrators see what is held and can release it.
        """
        today = local(at).date()
        query = (
            select(NumberRow)
            .outerjoin(PersonRow, NumberRow.person_id == PersonRow.id)
            .where(
                NumberRow.person_id.is_(None)
                | (
                    (PersonRow.valid_to.is_(None) | (PersonRow.valid_to >= today))
                    & (PersonRow.valid_from.is_(None) | (PersonRow.valid_from <= today))
                )
            )
            .order_by(NumberRow.valid_from, NumberRow.id)
        )
        if kind is not None:
            query = query.where(NumberRow.kind == str(kind))
        return [assignment_of(r) for r in self.session.scalars(_in_force(query, at))]

    def function_numbers(
        self, at: datetime
    ) -> list[tuple[NumberAssignment, dict[str, Any] | None]]:
        """Function numbers in force with their own telephone hours (JSON, None: the unit's)."""
        query = _in_force(select(NumberRow).where(NumberRow.kind == str(NumberKind.FUNCTION)), at)
        return [(assignment_of(r), r.telephone_hours) for r in self.session.scalars(query)]

    def set_number_hours(
        self,
        e164: str,
        hours: dict[str, Any] | None,
        *,
        at: datetime,
        actor: str,
        channel: Channel,
    ) -> None:
        row = self._active_row(e164, at)
        if row is None:
            raise NotFound(f"{e164} is not assigned")
        row.telephone_hours = hours
        audit(self.session, actor, channel, "number.telephone_hours", f"number:{e164}")
        note_change(self.session, "number", e164)

    def _active_row(self, number: str, at: datetime) -> NumberRow | None:
        column = NumberRow.e164 if number.startswith("+") else NumberRow.extension
        query = _in_force(select(NumberRow).where(column == number), at)
        return self.session.scalars(query).first()


def _in_force(query: Any, at: datetime) -> Any:
    return query.where(NumberRow.valid_from <= at).where(
        NumberRow.valid_to.is_(None) | (NumberRow.valid_to > at)
    )
