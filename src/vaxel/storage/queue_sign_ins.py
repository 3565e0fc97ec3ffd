"""Who is signed in to a switchboard queue: kept so that a restart does not sign everyone out.

Written by the queue (switch.apps.queue) when an operator signs in or out, or is signed out for
missing too many offers; read back when the queue starts. Not audited: like registrations it
is machine state, changed many times a day; the change feed says "queue_sign_in".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vaxel.domain.people import is_active
from vaxel.storage._convert import person_of
from vaxel.storage.db import note_change
from vaxel.storage.models import PersonRow, QueueSignInRow


@dataclass(frozen=True, slots=True)
class SignedIn:
    """An operator signed in to a queue: the person, the number offers ring, and since when."""

    person_id: int
    name: str
    number: str
    signed_in_at: datetime


class QueueSignInRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sign_in(self, queue: str, person_id: int, number: str, at: datetime) -> None:
        """Record a sign-in; signing in again keeps the first time and takes the new number."""
        row = self.session.get(QueueSignInRow, (queue, person_id))
        if row is None:
            self.session.add(
                QueueSignInRow(queue=queue, person_id=person_id, number=number, signed_in_at=at)
            )
        elif row.number != number:
            row.number = number
        else:
            return
        self.session.flush()
        note_change(self.session, "queue_sign_in", person_id)

    def sign_out(self, queue: str, person_id: int) -> bool:
        """Forget a sign-in; False if there was none."""
        result = self.session.execute(
            delete(QueueSignInRow).where(
                QueueSignInRow.queue == queue, QueueSignInRow.person_id == person_id
            )
        )
        if not getattr(result, "rowcount", 0):
            return False
        note_change(self.session, "queue_sign_in", person_id)
        return True

    def signed_in(self, queue: str, on: date | None = None) -> list[SignedIn]:
        """The queue's operators, in sign-in order. With ``on``, people who do not work for us
        that day (past their end date, or not started) are left out and their sign-ins dropped:
        offers to them could never be answered."""
        query = (
            select(QueueSignInRow, PersonRow)
            .join(PersonRow, PersonRow.id == QueueSignInRow.person_id)
            .where(QueueSignInRow.queue == queue)
            .order_by(QueueSignInRow.signed_in_at, QueueSignInRow.person_id)
        )
        found: list[SignedIn] = []
        gone: list[int] = []
        for row, person in self.session.execute(query):
            if on is not None and not is_active(person_of(person), on):
                gone.append(row.person_id)
                continue
            found.append(SignedIn(row.person_id, person.name, row.number, row.signed_in_at))
        if gone:
            self.session.execute(
                delete(QueueSignInRow).where(
                    QueueSignInRow.queue == queue, QueueSignInRow.person_id.in_(gone)
                )
            )
            for person_id in gone:
                note_change(self.session, "queue_sign_in", person_id)
        return found
