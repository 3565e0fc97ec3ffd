"""Barring classes per person and the exceptions a verksamhetschef decides (policy §2); at the
top of the organisation, where no chef is above the person, an administrator decides.

A decision records who made it: on the web the log-in (``decided_by_user_id``), whose person
(if it has one) and role are read here, not taken from the caller; off the web (the CLI, the
demo) a person (``decided_by_id``), with ``by_admin`` for an administrator's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain.barring import (
    BarringClass,
    BarringException,
    Decider,
    ExceptionKind,
    ExceptionRequest,
    RequestStatus,
    check_named,
    decider_for,
    validate_denial,
    validate_exception,
    validate_request,
)
from vaxel.domain.errors import DomainError
from vaxel.domain.organisation import Unit
from vaxel.domain.presence import Channel
from vaxel.storage._convert import unit_of
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import (
    BarringExceptionRow,
    BarringRow,
    ExceptionRequestRow,
    PersonRow,
    UnitRow,
    WebUserRow,
)
from vaxel.storage.users import Role

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
        decided_by_user_id=row.decided_by_user_id,
    )


def request_of(row: ExceptionRequestRow) -> ExceptionRequest:
    return ExceptionRequest(
        id=row.id,
        person_id=row.person_id,
        kind=ExceptionKind(row.kind),
        reason=row.reason,
        wanted_from=row.wanted_from,
        wanted_to=row.wanted_to,
        requested_at=row.requested_at,
        status=RequestStatus(row.status),
        decided_by_id=row.decided_by_id,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        exception_id=row.exception_id,
        decided_by_user_id=row.decided_by_user_id,
    )


def decided_by_text(person_id: int | None, user_id: int | None) -> str:
    """Who decided, for the audit log: "user:3 person:12", "user:1" or "person:12"."""
    parts = ([f"user:{user_id}"] if user_id is not None else []) + (
        [f"person:{person_id}"] if person_id is not None else []
    )
    return " ".join(parts)


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
        self,
        exception: BarringException,
        *,
        actor: str,
        channel: Channel,
        now: datetime,
        by_admin: bool = False,
    ) -> int:
        """Store an exception; DomainError unless its decider (`Decider`) decided it.

        With ``decided_by_user_id`` a log-in decided: the person recorded is the log-in's (or
        none), and it decides as an administrator if its role is admin. Without, ``by_admin``
        says ``decided_by_id`` is an administrator's person (counts at the top of the tree).
        """
        person_id, by_admin = self._deciding(
            exception.decided_by_id, exception.decided_by_user_id, by_admin
        )
        exception = replace(exception, decided_by_id=person_id)
        decider = self.decider(exception.person_id)
        validate_exception(exception, decider.chef_id, by_admin=by_admin)
        row = BarringExceptionRow(
            person_id=exception.person_id,
            kind=str(exception.kind),
            decided_by_id=exception.decided_by_id,
            decided_by_user_id=exception.decided_by_user_id,
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
            f"{exception.kind} by "
            f"{decided_by_text(exception.decided_by_id, exception.decided_by_user_id)} "
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

    def exceptions_by_id(self, person_id: int) -> dict[int, BarringException]:
        """A person's exceptions by their id (what an approved request points to)."""
        query = select(BarringExceptionRow).where(BarringExceptionRow.person_id == person_id)
        return {r.id: exception_of(r) for r in self.session.scalars(query)}

    # --- requests ---------------------------------------------------------------------------

    def request(
        self,
        person_id: int,
        kind: ExceptionKind,
        reason: str,
        wanted_from: datetime,
        wanted_to: datetime,
        *,
        actor: str,
        channel: Channel,
        now: datetime,
    ) -> ExceptionRequest:
        """An employee asks for an exception; it waits for the unit's verksamhetschef.

        DomainError for a missing reason, a bad period, or a second pending request of the
        same kind (the first one is still to be decided).
        """
        if self.session.get(PersonRow, person_id) is None:
            raise NotFound(f"no person with id {person_id}")
        draft = ExceptionRequest(
            0, person_id, kind, reason.strip(), wanted_from, wanted_to, requested_at=now
        )
        validate_request(draft)
        waiting = self.session.scalar(
            select(ExceptionRequestRow.id).where(
                ExceptionRequestRow.person_id == person_id,
                ExceptionRequestRow.kind == str(kind),
                ExceptionRequestRow.status == str(RequestStatus.PENDING),
            )
        )
        if waiting is not None:
            raise DomainError("kind", "a request of this kind is already waiting for a decision")
        row = ExceptionRequestRow(
            person_id=person_id,
            kind=str(kind),
            reason=draft.reason,
            wanted_from=wanted_from,
            wanted_to=wanted_to,
            requested_at=now,
            requested_by=actor,
            status=str(RequestStatus.PENDING),
            decision_reason="",
        )
        self.session.add(row)
        self.session.flush()
        audit(
            self.session, actor, channel, "barring.request", f"person:{person_id}",
            f"request:{row.id} {kind} {wanted_from.date()}–{wanted_to.date()}: {draft.reason}",
            at=now,
        )  # fmt: skip
        note_change(self.session, "barring", person_id)
        return request_of(row)

    def get_request(self, request_id: int) -> ExceptionRequest:
        return request_of(self._request_row(request_id))

    def requests(
        self, person_id: int | None = None, *, status: RequestStatus | None = None
    ) -> list[ExceptionRequest]:
        """Requests (of one person, in one state), newest first."""
        query = select(ExceptionRequestRow).order_by(
            ExceptionRequestRow.requested_at.desc(), ExceptionRequestRow.id.desc()
        )
        if person_id is not None:
            query = query.where(ExceptionRequestRow.person_id == person_id)
        if status is not None:
            query = query.where(ExceptionRequestRow.status == str(status))
        return [request_of(r) for r in self.session.scalars(query)]

    def pending_for_units(self, unit_ids: Collection[int]) -> list[ExceptionRequest]:
        """Pending requests of the people in these units, oldest first (first come, first
        decided)."""
        if not unit_ids:
            return []
        query = (
            select(ExceptionRequestRow)
            .join(PersonRow, PersonRow.id == ExceptionRequestRow.person_id)
            .where(
                ExceptionRequestRow.status == str(RequestStatus.PENDING),
                PersonRow.unit_id.in_(list(unit_ids)),
            )
            .order_by(ExceptionRequestRow.requested_at, ExceptionRequestRow.id)
        )
        return [request_of(r) for r in self.session.scalars(query)]

    def pending_for_chef(self, chef_id: int) -> list[ExceptionRequest]:
        """Pending requests this verksamhetschef decides: their units' people, and the chefs
        of the units below whose own requests go one level up. Oldest first."""
        return self._pending_for(Decider(chef_id))

    def pending_for_admin(self) -> list[ExceptionRequest]:
        """Pending requests of people with no verksamhetschef above them (the top of the tree),
        which an administrator decides. Oldest first."""
        return self._pending_for(Decider(None))

    def deciders(self, requests: Collection[ExceptionRequest]) -> dict[int, Decider]:
        """Who decides each of these requests, by request id."""
        units = self._units()
        unit_of_person = dict(self.session.execute(select(PersonRow.id, PersonRow.unit_id)).all())
        return {
            r.id: decider_for(units, unit_of_person[r.person_id], r.person_id) for r in requests
        }

    def _pending_for(self, decider: Decider) -> list[ExceptionRequest]:
        pending = self.requests(status=RequestStatus.PENDING)
        by_request = self.deciders(pending)
        return sorted(
            (r for r in pending if by_request[r.id] == decider),
            key=lambda r: (r.requested_at, r.id),
        )

    def decider(self, person_id: int) -> Decider:
        """Who decides this person's exceptions and requests (`Decider`)."""
        person = self.session.get(PersonRow, person_id)
        if person is None:
            raise NotFound(f"no person with id {person_id}")
        return decider_for(self._units(), person.unit_id, person.id)

    def decider_of(self, person_id: int) -> int | None:
        """The verksamhetschef who decides this person's requests (for a chef, the one above
        them); None at the top of the tree, where an administrator decides."""
        return self.decider(person_id).chef_id

    def decide(
        self,
        request_id: int,
        *,
        approve: bool,
        decided_by_id: int | None = None,
        decided_by_user_id: int | None = None,
        reason: str = "",
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
        actor: str,
        channel: Channel,
        now: datetime,
        by_admin: bool = False,
    ) -> ExceptionRequest:
        """Approve (creating the exception, for the wanted period unless another is given) or
        deny (``reason`` required) a pending request. Only its decider decides (the unit's
        verksamhetschef; at the top of the tree an administrator): DomainError("decided_by")
        for anyone else, DomainError("status") if already decided.

        Who decides: a log-in (``decided_by_user_id``; its person and role are read from it),
        or off the web a person (``decided_by_id``; ``by_admin``: an administrator's person).
        """
        row = self._request_row(request_id)
        current = request_of(row)
        if not current.is_pending:
            raise DomainError("status", f"the request is already {current.status.value}")
        check_named(decided_by_id, decided_by_user_id)
        decided_by_id, by_admin = self._deciding(decided_by_id, decided_by_user_id, by_admin)
        reason = reason.strip()
        if approve:
            exception = BarringException(
                person_id=row.person_id,
                kind=current.kind,
                decided_by_id=decided_by_id,
                reason=current.reason + (f" — {reason}" if reason else ""),
                valid_from=valid_from or current.wanted_from,
                valid_to=valid_to or current.wanted_to,
                decided_at=now,
                decided_by_user_id=decided_by_user_id,
            )
            row.exception_id = self.add_exception(
                exception, actor=actor, channel=channel, now=now, by_admin=by_admin
            )
            row.status = str(RequestStatus.APPROVED)
        else:
            validate_denial(
                current, decided_by_id, self.decider_of(row.person_id), reason, by_admin=by_admin
            )
            row.status = str(RequestStatus.DENIED)
        row.decided_by_id = decided_by_id
        row.decided_by_user_id = decided_by_user_id
        row.decided_at = now
        row.decision_reason = reason
        self.session.flush()
        audit(
            self.session, actor, channel, f"barring.request.{row.status}",
            f"person:{row.person_id}",
            f"request:{row.id} by {decided_by_text(decided_by_id, decided_by_user_id)}"
            + (f": {reason}" if reason else ""),
            at=now,
        )  # fmt: skip
        note_change(self.session, "barring", row.person_id)
        return request_of(row)

    def _deciding(
        self, person_id: int | None, user_id: int | None, by_admin: bool
    ) -> tuple[int | None, bool]:
        """The deciding person and whether they decide as an administrator: the log-in's own,
        when a log-in decides; as the caller says, when a person decides off the web."""
        if user_id is None:
            return person_id, by_admin
        user = self.session.get(WebUserRow, user_id)
        if user is None:
            raise NotFound(f"no log-in with id {user_id}")
        if person_id is not None and person_id != user.person_id:
            raise DomainError(
                "decided_by", f"the log-in {user.username} does not belong to person {person_id}"
            )
        return user.person_id, user.role == str(Role.ADMIN)

    def _request_row(self, request_id: int) -> ExceptionRequestRow:
        row = self.session.get(ExceptionRequestRow, request_id)
        if row is None:
            raise NotFound(f"no exception request with id {request_id}")
        return row

    def _units(self) -> dict[int, Unit]:
        return {r.id: unit_of(r) for r in self.session.scalars(select(UnitRow))}
