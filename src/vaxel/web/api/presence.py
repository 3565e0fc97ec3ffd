"""Hänvisning: a person's absence with a reason and a return time, set or cleared.

Everything goes through ``PresenceRepository.set_absence`` / ``clear_absence``, the one place
presence changes, so the switch routes the next call by it at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from vaxel.domain.errors import DomainError
from vaxel.domain.presence import Absence, parse_reason
from vaxel.domain.when import parse_when
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.web.deps import AuthError, Ctx, CurrentUser, SessionDep
from vaxel.web.i18n import language_of
from vaxel.web.presenters import presence, reason_choices

router = APIRouter(tags=["presence"])


class AbsenceIn(BaseModel):
    reason: str = Field(description="lunch, möte, kurs … (Swedish or English)")
    until: str = Field(
        "",
        description='"14:00", "i morgon 08:00", "2026-12-03 08:00"; '
        "empty only for sick leave and parental leave",
    )
    note: str = Field("", max_length=500)


@router.get("/absence-reasons")
def reasons(request: Request, viewer: CurrentUser) -> list[dict[str, Any]]:
    return reason_choices(language_of(request))


@router.get("/people/{person_id}/absence")
def get_absence(
    person_id: int, request: Request, context: Ctx, session: SessionDep, viewer: CurrentUser
) -> dict[str, Any]:
    person = DirectoryRepository(session).person(person_id)
    now = context.now()
    absence = PresenceRepository(session).current(person_id, now)
    discreet = not (viewer.is_me(person_id) or viewer.may_set_presence_of(person))
    return presence(person.name, absence, now, language_of(request), discreet=discreet)


@router.put("/people/{person_id}/absence")
def set_absence(
    person_id: int,
    body: AbsenceIn,
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: CurrentUser,
) -> dict[str, Any]:
    """Set the hänvisning (yourself; operators for anyone; a chef in their units)."""
    person = DirectoryRepository(session).person(person_id)
    if not viewer.may_set_presence_of(person):
        raise AuthError(403, "error_not_yours")
    now = context.now()
    try:
        until = parse_when(body.until, now) if body.until.strip() else None
    except DomainError as exc:
        # The form calls it "until"; naming that field lets the page point at it.
        raise DomainError("until", exc.reason) from None
    absence = Absence(reason=parse_reason(body.reason), until=until, note=body.note.strip())
    saved = PresenceRepository(session).set_absence(
        person_id, absence, viewer.username, viewer.channel_for(person_id), now
    )
    return presence(person.name, saved, now, language_of(request))


@router.delete("/people/{person_id}/absence")
def clear_absence(
    person_id: int, request: Request, context: Ctx, session: SessionDep, viewer: CurrentUser
) -> dict[str, Any]:
    """Back: available again."""
    person = DirectoryRepository(session).person(person_id)
    if not viewer.may_set_presence_of(person):
        raise AuthError(403, "error_not_yours")
    now = context.now()
    PresenceRepository(session).clear_absence(
        person_id, viewer.username, viewer.channel_for(person_id), now
    )
    return presence(person.name, None, now, language_of(request))
