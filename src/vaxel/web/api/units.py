"""Units: the organisation tree, a chef's view of their units, telephone hours, closures.

A chef (verksamhetschef) sees and decides for their own units only: the units whose nearest
verksamhetschef they are. An admin sees and changes all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from vaxel.domain.clock import local
from vaxel.domain.compliance import Finding, FindingKind, check
from vaxel.domain.errors import DomainError
from vaxel.domain.organisation import Unit, parse_kind
from vaxel.domain.telephone_hours import (
    TelephoneHours,
    holiday_name,
    is_eve,
    is_public_holiday,
    parse_schedule,
)
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.snapshot import compliance_snapshot
from vaxel.web.deps import Admin, AuthError, Chef, Ctx, CurrentUser, SessionDep, Viewer
from vaxel.web.i18n import language_of, message
from vaxel.web.presenters import hours_info

router = APIRouter(tags=["units"])

FINDING_KEYS = {
    FindingKind.MISSING_GREETING: "finding_missing_greeting",
    FindingKind.ABSENT_WITHOUT_RETURN: "finding_absent_without_return",
    FindingKind.OVERDUE_CALLBACK: "finding_overdue_callback",
    FindingKind.EXPIRED_EXCEPTION: "finding_expired_exception",
    FindingKind.PAST_END_DATE_WITH_NUMBERS: "finding_past_end_date",
    FindingKind.REVISION_DUE: "finding_revision_due",
}


class HoursIn(BaseModel):
    schedule: str = Field(
        "", max_length=500,
        description='"mån-fre 08:00-12:00 och 13:00-16:30; aftnar till 12"; empty: inherit',
    )  # fmt: skip


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description="nämnd, förvaltning, avdelning, enhet, bolag")
    parent_id: int | None = None


class ChefIn(BaseModel):
    person_id: int | None = None
    person: str = Field("", max_length=320, description="e-mail, extension or unique name")


class ClosureIn(BaseModel):
    unit_id: int | None = Field(None, description="None: the whole kommun")
    starts_at: datetime
    ends_at: datetime
    reason: str = Field("", max_length=200)


def unit_info(
    unit: Unit, paths: dict[int, str], hours: dict[int, dict[str, Any]], viewer: Viewer
) -> dict[str, Any]:
    own = hours.get(unit.id)
    text = ""
    if own:
        try:
            text = TelephoneHours.from_json(own).describe_sv()
        except DomainError:
            text = "?"
    return {
        "id": unit.id,
        "name": unit.name,
        "kind": str(unit.kind),
        "parent_id": unit.parent_id,
        "path": paths.get(unit.id, unit.name),
        "verksamhetschef_id": unit.verksamhetschef_id,
        "own_hours": text or None,
        "managed": viewer.manages(unit.id),
    }


def finding_info(finding: Finding, lang: str) -> dict[str, Any]:
    return {
        "kind": str(finding.kind),
        "kind_label": message(FINDING_KEYS[finding.kind], lang),
        "unit_id": finding.unit_id,
        "unit_path": finding.unit_path,
        "subject": finding.subject,
        # The domain writes the detail in both languages; never a stored code.
        "detail": finding.detail_en if lang == "en" and finding.detail_en else finding.detail,
    }


def chef_findings(session: SessionDep, viewer: Viewer, now: datetime) -> list[Finding]:
    """What the policy check finds in the chef's units."""
    findings = check(compliance_snapshot(session, now))
    return [f for f in findings if f.unit_id is not None and viewer.manages(f.unit_id)]


@router.get("/units")
def list_units(session: SessionDep, viewer: CurrentUser) -> list[dict[str, Any]]:
    """Every unit with its path (for choosing one); ``managed`` marks the reader's own."""
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    hours = directory.unit_hours()
    units = sorted(directory.units(), key=lambda u: paths.get(u.id, u.name))
    return [unit_info(u, paths, hours, viewer) for u in units]


@router.get("/units/overview")
def overview(request: Request, context: Ctx, session: SessionDep, viewer: Chef) -> dict[str, Any]:
    """My units at a glance: missing greetings, absent without return, overdue callbacks…"""
    lang = language_of(request)
    findings = chef_findings(session, viewer, context.now())
    counts = {str(kind): 0 for kind in FINDING_KEYS}
    for f in findings:
        counts[str(f.kind)] += 1
    return {
        "units": sorted(viewer.managed_units),
        "counts": counts,
        "findings": [finding_info(f, lang) for f in findings],
    }


@router.get("/units/{unit_id}/telephone-hours")
def get_hours(
    unit_id: int, request: Request, context: Ctx, session: SessionDep, viewer: CurrentUser
) -> dict[str, Any]:
    """The hours that apply (the unit's own or inherited), open now or not, the next change."""
    DirectoryRepository(session).unit(unit_id)
    context.index.refresh(context.now())
    own = DirectoryRepository(session).unit_hours().get(unit_id)
    effective = context.index.hours_of_unit(unit_id)
    return {
        "unit_id": unit_id,
        "inherited": own is None,
        "own": own,
        "effective": hours_info(effective, context.now(), language_of(request)),
    }


@router.put("/units/{unit_id}/telephone-hours")
def set_hours(
    unit_id: int,
    body: HoursIn,
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: CurrentUser,
) -> dict[str, Any]:
    """Set a unit's telephone hours (its chef or an admin); empty: inherit from above."""
    if not viewer.manages(unit_id):
        raise AuthError(403, "error_not_your_unit")
    hours = parse_schedule(body.schedule).to_json() if body.schedule.strip() else None
    DirectoryRepository(session).set_unit_hours(
        unit_id, hours, actor=viewer.username, channel=viewer.channel_for(None)
    )
    # Committed here, so the answer shows the hours that now apply (and the search index has
    # heard of them).
    session.commit()
    return get_hours(unit_id, request, context, session, viewer)


@router.post("/units", status_code=201)
def add_unit(body: UnitIn, session: SessionDep, viewer: Admin) -> dict[str, Any]:
    directory = DirectoryRepository(session)
    if body.parent_id is not None:
        directory.unit(body.parent_id)
    unit = directory.add_unit(
        body.name, parse_kind(body.kind), body.parent_id, actor=viewer.username,
        channel=viewer.channel_for(None),
    )  # fmt: skip
    return unit_info(unit, directory.unit_paths(), {}, viewer)


@router.put("/units/{unit_id}/verksamhetschef", status_code=204)
def set_chef(unit_id: int, body: ChefIn, session: SessionDep, viewer: Admin) -> None:
    """Name the unit's verksamhetschef (nobody: clear it)."""
    directory = DirectoryRepository(session)
    directory.unit(unit_id)
    person_id = body.person_id
    if person_id is not None:
        directory.person(person_id)
    elif body.person.strip():
        person_id = directory.resolve(body.person).id
    directory.set_verksamhetschef(
        unit_id, person_id, actor=viewer.username, channel=viewer.channel_for(None)
    )


# --- closures and holidays ----------------------------------------------------------------------


@router.get("/closures")
def list_closures(context: Ctx, session: SessionDep, viewer: CurrentUser) -> list[dict[str, Any]]:
    """One-off closures that have not ended yet."""
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    return [
        {
            "unit_id": unit_id,
            "unit_path": paths.get(unit_id, "") if unit_id is not None else "",
            "starts_at": closure.start.isoformat(),
            "ends_at": closure.end.isoformat(),
            "reason": closure.reason,
        }
        for unit_id, closure in directory.closures(after=context.now())
    ]


@router.post("/closures", status_code=201)
def add_closure(body: ClosureIn, session: SessionDep, viewer: CurrentUser) -> dict[str, int]:
    """A closure of one unit (its chef or an admin) or of the whole kommun (admin)."""
    if body.unit_id is None and not viewer.is_admin:
        raise AuthError(403, "error_role_admin")
    if body.unit_id is not None and not viewer.manages(body.unit_id):
        raise AuthError(403, "error_not_your_unit")
    # A time without a zone (a datetime-local field) is the kommun's local time.
    closure_id = DirectoryRepository(session).add_closure(
        body.unit_id, local(body.starts_at), local(body.ends_at), body.reason.strip(),
        actor=viewer.username, channel=viewer.channel_for(None),
    )  # fmt: skip
    return {"id": closure_id}


@router.get("/holidays")
def holidays(year: int, viewer: CurrentUser) -> list[dict[str, Any]]:
    """Swedish public holidays and eves of a year (telephone hours are closed on them)."""
    if not 2000 <= year <= 2100:
        raise DomainError("year", "between 2000 and 2100")
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        name = holiday_name(day)
        if name is not None:
            found.append({
                "date": day.isoformat(),
                "name": name,
                "kind": "eve" if is_eve(day) and not is_public_holiday(day) else "holiday",
            })  # fmt: skip
        day = date.fromordinal(day.toordinal() + 1)
    return found
