"""Presence and hänvisning: the ONE place where a person's presence changes.

CLI, web, phone feature codes, the operator console and calendar sync all call
``set_absence`` / ``clear_absence``. Each write is validated by the domain rules, kept in the
history, audited, and published (kind "absence", id = person id) after commit so the switch's
in-memory directory follows at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from vaxel.domain.clock import require_aware
from vaxel.domain.presence import (
    Absence,
    AbsenceReason,
    Channel,
    PresenceChange,
    current_absence,
    validate_absence,
)
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import AbsenceRow, PersonRow, PresenceHistoryRow


def absence_of(row: AbsenceRow) -> Absence:
    return Absence(
        reason=AbsenceReason(row.reason),
        until=row.until,
        note=row.note,
        set_by=row.set_by,
        set_at=row.set_at,
        channel=Channel(row.channel),
    )


class PresenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def set_absence(
        self, person_id: int, absence: Absence, by: str, channel: Channel, now: datetime
    ) -> Absence:
        """Mark a person absent (replacing any current absence); DomainError if invalid."""
        require_aware(now, "now")
        validate_absence(absence, now)
        if self.session.get(PersonRow, person_id) is None:
            raise NotFound(f"no person with id {person_id}")
        absence = replace(absence, set_by=by, set_at=now, channel=channel)
        row = self.session.get(AbsenceRow, person_id)
        if row is None:
            row = AbsenceRow(person_id=person_id)
            self.session.add(row)
        row.reason = str(absence.reason)
        row.until = absence.until
        row.note = absence.note
        row.set_by = by
        row.set_at = now
        row.channel = str(channel)
        self._history(person_id, absence, by, channel, now)
        until = absence.until.isoformat(timespec="minutes") if absence.until else "okänt"
        audit(
            self.session,
            by,
            channel,
            "absence.set",
            f"person:{person_id}",
            f"{absence.reason} until {until}",
            at=now,
        )
        note_change(self.session, "absence", person_id)
        return absence

    def clear_absence(self, person_id: int, by: str, channel: Channel, now: datetime) -> bool:
        """Mark a person available; False if they were not absent (nothing is written)."""
        require_aware(now, "now")
        row = self.session.get(AbsenceRow, person_id)
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        self._history(person_id, None, by, channel, now)
        audit(self.session, by, channel, "absence.clear", f"person:{person_id}", at=now)
        note_change(self.session, "absence", person_id)
        return True

    def current(self, person_id: int, now: datetime) -> Absence | None:
        """The absence in force at ``now`` (None once the return time has come)."""
        row = self.session.get(AbsenceRow, person_id)
        return current_absence(None if row is None else absence_of(row), now)

    def all_current(self, now: datetime) -> dict[int, Absence]:
        """Everyone absent at ``now``, by person id."""
        query = select(AbsenceRow).where(AbsenceRow.until.is_(None) | (AbsenceRow.until > now))
        return {r.person_id: absence_of(r) for r in self.session.scalars(query)}

    def history(self, person_id: int, limit: int = 50) -> list[PresenceChange]:
        """A person's presence changes, newest first."""
        query = (
            select(PresenceHistoryRow)
            .where(PresenceHistoryRow.person_id == person_id)
            .order_by(PresenceHistoryRow.set_at.desc(), PresenceHistoryRow.id.desc())
            .limit(limit)
        )
        changes = []
        for r in self.session.scalars(query):
            absence = None
            if r.reason is not None:
                absence = Absence(
                    reason=AbsenceReason(r.reason),
                    until=r.until,
                    note=r.note,
                    set_by=r.set_by,
                    set_at=r.set_at,
                    channel=Channel(r.channel),
                )
            changes.append(
                PresenceChange(
                    person_id=r.person_id,
                    absence=absence,
                    at=r.set_at,
                    by=r.set_by,
                    channel=Channel(r.channel),
                )
            )
        return changes

    def expire(self, now: datetime) -> list[int]:
        """Return to available everyone whose return time has come; their person ids.

        Routing already treats them as available (``current_absence``); this tidies the table
        and the history so reports see when it happened.
        """
        rows = list(
            self.session.scalars(
                select(AbsenceRow).where(AbsenceRow.until.is_not(None), AbsenceRow.until <= now)
            )
        )
        if not rows:
            return []
        ids = [r.person_id for r in rows]
        self.session.execute(
            insert(PresenceHistoryRow),
            [
                {
                    "person_id": r.person_id,
                    "reason": None,
                    "until": None,
                    "note": "",
                    "set_by": "system",
                    "set_at": r.until,
                    "channel": str(Channel.SYSTEM),
                }
                for r in rows
            ],
        )
        self.session.execute(delete(AbsenceRow).where(AbsenceRow.person_id.in_(ids)))
        for person_id in ids:
            note_change(self.session, "absence", person_id)
        return ids

    def _history(
        self, person_id: int, absence: Absence | None, by: str, channel: Channel, now: datetime
    ) -> None:
        self.session.add(
            PresenceHistoryRow(
                person_id=person_id,
                reason=None if absence is None else str(absence.reason),
                until=None if absence is None else absence.until,
                note="" if absence is None else absence.note,
                set_by=by,
                set_at=now,
                channel=str(channel),
            )
        )
