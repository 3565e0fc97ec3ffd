"""Exceptions from call barring (private use, reachability after hours): decided by the
verksamhetschef of the person's unit, for a limited time, with a reason (policy §2)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from vaxel.domain.barring import BarringException, ExceptionKind, is_expired, is_valid
from vaxel.domain.clock import at_local, local
from vaxel.domain.errors import DomainError
from vaxel.storage.barring import BarringRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.web.deps import AuthError, Chef, Ctx, SessionDep
from vaxel.web.i18n import language_of

router = APIRouter(prefix="/exceptions", tags=["exceptions"])

KIND_LABELS = {
    ExceptionKind.PRIVATE_USE: ("Privat användning", "Private use"),
    ExceptionKind.AFTER_HOURS: ("Nåbar efter arbetstid", "Reachable after hours"),
}


class DecisionIn(BaseModel):
    person_id: int
    kind: ExceptionKind
    reason: str = Field(min_length=1, max_length=1000)
    valid_from: date
    valid_to: date = Field(description="the last day the exception holds (inclusive)")


def exception_info(
    e: BarringException, names: dict[int, str], now: datetime, lang: str
) -> dict[str, Any]:
    state = "valid" if is_valid(e, now) else "expired" if is_expired(e, now) else "future"
    labels = {
        "valid": ("Gäller", "In force"),
        "expired": ("Har gått ut", "Expired"),
        "future": ("Börjar senare", "Starts later"),
    }
    index = 1 if lang == "en" else 0
    return {
        "person_id": e.person_id,
        "person_name": names.get(e.person_id, ""),
        "kind": str(e.kind),
        "kind_label": KIND_LABELS[e.kind][index],
        "reason": e.reason,
        "decided_by_id": e.decided_by_id,
        "decided_by_name": names.get(e.decided_by_id, ""),
        "valid_from": local(e.valid_from).date().isoformat(),
        "valid_to": (local(e.valid_to) - timedelta(seconds=1)).date().isoformat(),
        "decided_at": e.decided_at.isoformat() if e.decided_at else None,
        "state": state,
        "state_label": labels[state][index],
    }


@router.get("")
def list_exceptions(
    request: Request, context: Ctx, session: SessionDep, viewer: Chef
) -> list[dict[str, Any]]:
    """Exceptions of the people in my units (admin: everyone's), newest first."""
    directory = DirectoryRepository(session)
    people = {p.id: p for p in directory.people()}
    names = {pid: p.name for pid, p in people.items()}
    found = [
        e for e in BarringRepository(session).exceptions()
        if e.person_id in people and viewer.manages(people[e.person_id].unit_id)
    ]  # fmt: skip
    found.sort(key=lambda e: e.valid_from, reverse=True)
    now = context.now()
    lang = language_of(request)
    return [exception_info(e, names, now, lang) for e in found]


@router.post("", status_code=201)
def decide(
    body: DecisionIn, request: Request, context: Ctx, session: SessionDep, viewer: Chef
) -> dict[str, Any]:
    """Grant an exception for someone in my units, from one day to another (inclusive)."""
    directory = DirectoryRepository(session)
    person = directory.person(body.person_id)
    if viewer.person is None or not viewer.manages(person.unit_id):
        raise AuthError(403, "error_not_your_unit")
    if body.valid_to < body.valid_from:
        raise DomainError("valid_to", "the last day is before the first")
    now = context.now()
    exception = BarringException(
        person_id=person.id,
        kind=body.kind,
        decided_by_id=viewer.person.id,
        reason=body.reason.strip(),
        valid_from=at_local(body.valid_from, time(0)),
        valid_to=at_local(body.valid_to + timedelta(days=1), time(0)),
        decided_at=now,
    )
    BarringRepository(session).add_exception(
        exception, actor=viewer.username, channel=viewer.channel_for(None), now=now
    )
    names = {person.id: person.name, viewer.person.id: viewer.person.name}
    return exception_info(exception, names, now, language_of(request))
