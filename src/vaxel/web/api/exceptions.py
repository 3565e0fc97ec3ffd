"""Exceptions from call barring (private use, reachability after hours): decided by the
verksamhetschef of the person's unit, for a limited time, with a reason (policy §2). Who
decides is the domain's rule (`vaxel.domain.barring.Decider`): the nearest chef above who is
not the person; at the top of the tree, where there is none, an administrator in their own
name. Nobody decides for themselves.

Every decision made here records the deciding log-in; its person too, if it has one (an
administrator's log-in need not). Where no person decided, pages name the log-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vaxel.domain.barring import (
    BarringException,
    Decider,
    ExceptionKind,
    ExceptionRequest,
    RequestStatus,
    is_expired,
    is_valid,
    may_decide,
)
from vaxel.domain.clock import at_local, local
from vaxel.domain.errors import DomainError
from vaxel.domain.presence import Channel
from vaxel.storage.barring import BarringRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.users import UserRepository
from vaxel.web.deps import AuthError, Chef, Ctx, Employee, SessionDep, Viewer
from vaxel.web.i18n import language_of, message

router = APIRouter(prefix="/exceptions", tags=["exceptions"])
# Requests live under /api/exceptions/requests: asked from self-service, decided by the chef.

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


@dataclass(frozen=True, slots=True)
class Names:
    """People's names and log-ins' user names, to say who asked and who decided."""

    people: dict[int, str]
    logins: dict[int, str]

    @classmethod
    def of(cls, session: Session) -> Names:
        return cls(
            {p.id: p.name for p in DirectoryRepository(session).people()},
            {u.id: u.username for u in UserRepository(session).users()},
        )

    def person(self, person_id: int | None) -> str:
        return self.people.get(person_id, "") if person_id is not None else ""

    def decider(self, person_id: int | None, user_id: int | None, lang: str) -> str:
        """The deciding person's name; a log-in with no person by its user name."""
        if person_id is not None:
            return self.person(person_id)
        if user_id is not None and user_id in self.logins:
            return message("decided_by_login", lang, username=self.logins[user_id])
        return ""


def exception_info(e: BarringException, names: Names, now: datetime, lang: str) -> dict[str, Any]:
    state = "valid" if is_valid(e, now) else "expired" if is_expired(e, now) else "future"
    labels = {
        "valid": ("Gäller", "In force"),
        "expired": ("Har gått ut", "Expired"),
        "future": ("Börjar senare", "Starts later"),
    }
    index = 1 if lang == "en" else 0
    return {
        "person_id": e.person_id,
        "person_name": names.person(e.person_id),
        "kind": str(e.kind),
        "kind_label": KIND_LABELS[e.kind][index],
        "reason": e.reason,
        "decided_by_id": e.decided_by_id,
        "decided_by_user_id": e.decided_by_user_id,
        "decided_by_name": names.decider(e.decided_by_id, e.decided_by_user_id, lang),
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
    people = {p.id: p for p in DirectoryRepository(session).people()}
    names = Names.of(session)
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
    """Grant an exception for someone in my units, from one day to another (inclusive).

    Decided by my log-in (and my person, if it has one): a chef for their units' people, an
    administrator for those with no verksamhetschef above them."""
    directory = DirectoryRepository(session)
    person = directory.person(body.person_id)
    if not viewer.manages(person.unit_id):
        raise AuthError(403, "error_not_your_unit")
    if body.valid_to < body.valid_from:
        raise DomainError("valid_to", "the last day is before the first")
    now = context.now()
    exception = BarringException(
        person_id=person.id,
        kind=body.kind,
        decided_by_id=viewer.person.id if viewer.person is not None else None,
        reason=body.reason.strip(),
        valid_from=at_local(body.valid_from, time(0)),
        valid_to=at_local(body.valid_to + timedelta(days=1), time(0)),
        decided_at=now,
        decided_by_user_id=viewer.user.id,
    )
    BarringRepository(session).add_exception(
        exception, actor=viewer.username, channel=viewer.channel_for(None), now=now
    )
    return exception_info(exception, Names.of(session), now, language_of(request))


# --- requests: the employee asks, the verksamhetschef approves or denies ------------------------

REQUEST_STATUS_LABELS = {
    RequestStatus.PENDING: ("Väntar på beslut", "Waiting for a decision"),
    RequestStatus.APPROVED: ("Beviljad", "Approved"),
    RequestStatus.DENIED: ("Avslagen", "Denied"),
}


class RequestIn(BaseModel):
    kind: ExceptionKind
    reason: str = Field(min_length=1, max_length=1000)
    wanted_from: date
    wanted_to: date = Field(description="the last day wanted (inclusive)")


class ApproveIn(BaseModel):
    valid_from: date | None = Field(None, description="left out: the day the employee asked for")
    valid_to: date | None = Field(None, description="the last day (inclusive); left out: wanted")
    reason: str = Field("", max_length=1000, description="a note with the decision (optional)")


class DenyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


def day_start(day: date) -> datetime:
    return at_local(day, time(0))


def last_day(end: datetime) -> date:
    """The last day of a period that ends at midnight (exclusive)."""
    return (local(end) - timedelta(seconds=1)).date()


def request_info(
    r: ExceptionRequest, names: Names, lang: str, *, may_decide: bool = False,
    unit_path: str = "", decider: Decider | None = None,
) -> dict[str, Any]:  # fmt: skip
    index = 1 if lang == "en" else 0
    return {
        "id": r.id,
        "person_id": r.person_id,
        "person_name": names.person(r.person_id),
        "unit_path": unit_path,
        "kind": str(r.kind),
        "kind_label": KIND_LABELS[r.kind][index],
        "reason": r.reason,
        "wanted_from": local(r.wanted_from).date().isoformat(),
        "wanted_to": last_day(r.wanted_to).isoformat(),
        "requested_at": r.requested_at.isoformat(),
        "requested_on": local(r.requested_at).date().isoformat(),
        "status": str(r.status),
        "status_label": REQUEST_STATUS_LABELS[r.status][index],
        "decided_by_id": r.decided_by_id,
        "decided_by_user_id": r.decided_by_user_id,
        "decided_by_name": names.decider(r.decided_by_id, r.decided_by_user_id, lang),
        "decided_on": local(r.decided_at).date().isoformat() if r.decided_at else None,
        "decision_reason": r.decision_reason,
        "exception_id": r.exception_id,
        "may_decide": may_decide,
        # Who decides (while pending): a chef by name, or at the top of the tree an admin.
        "decided_by_admin": decider is not None and decider.by_admin,
        "decider_name": names.person(decider.chef_id) if decider else "",
    }


def my_requests_info(session: Session, viewer: Viewer, lang: str) -> list[dict[str, Any]]:
    assert viewer.person is not None
    names = Names.of(session)
    requests = BarringRepository(session).requests(viewer.person.id)
    info = [request_info(r, names, lang) for r in requests]
    # The period an approval granted, which may differ from the one asked for.
    granted = BarringRepository(session).exceptions_by_id(viewer.person.id)
    for item in info:
        exception = granted.get(item["exception_id"] or -1)
        if exception is not None:
            item["granted_from"] = local(exception.valid_from).date().isoformat()
            item["granted_to"] = last_day(exception.valid_to).isoformat()
    return info


@router.get("/requests/mine", tags=["self-service"])
def list_my_requests(
    request: Request, session: SessionDep, viewer: Employee
) -> list[dict[str, Any]]:
    """My requests for exceptions and what was decided, newest first."""
    return my_requests_info(session, viewer, language_of(request))


@router.post("/requests", status_code=201, tags=["self-service"])
def ask_for_exception(
    body: RequestIn, request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> dict[str, Any]:
    """Ask my verksamhetschef for an exception, with a reason and the days I need it."""
    assert viewer.person is not None
    if body.wanted_to < body.wanted_from:
        raise DomainError("wanted_to", "the last day is before the first")
    saved = BarringRepository(session).request(
        viewer.person.id, body.kind, body.reason, day_start(body.wanted_from),
        day_start(body.wanted_to + timedelta(days=1)), actor=viewer.username,
        channel=Channel.WEB, now=context.now(),
    )  # fmt: skip
    names = Names({viewer.person.id: viewer.person.name}, {})
    return request_info(saved, names, language_of(request))


def requests_to_decide(
    session: Session, viewer: Viewer, lang: str, *, top_only: bool = False
) -> list[dict[str, Any]]:
    """Pending requests, oldest first: a chef's are those they decide; an admin sees every
    pending one and decides those at the top of the tree (only those with `top_only`), with or
    without a person of their own."""
    barring = BarringRepository(session)
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    people = {p.id: p for p in directory.people()}
    names = Names({pid: p.name for pid, p in people.items()}, {})
    me = viewer.person.id if viewer.person is not None else None
    if viewer.is_admin and top_only:
        shown = barring.pending_for_admin()
    elif viewer.is_admin:  # an admin manages every unit
        shown = barring.pending_for_units(viewer.managed_units)
    else:
        shown = barring.pending_for_chef(me) if me is not None else []
    deciders = barring.deciders(shown)
    return [
        request_info(r, names, lang, decider=deciders[r.id],
                     may_decide=may_decide(deciders[r.id], r.person_id, me, admin=viewer.is_admin),
                     unit_path=paths.get(people[r.person_id].unit_id, ""))
        for r in shown
    ]  # fmt: skip


@router.get("/requests")
def list_requests_to_decide(
    request: Request, session: SessionDep, viewer: Chef
) -> list[dict[str, Any]]:
    """Requests waiting for my decision, oldest first."""
    return requests_to_decide(session, viewer, language_of(request))


def _decidable(session: Session, viewer: Viewer, request_id: int) -> ExceptionRequest:
    """A request the viewer may decide (`may_decide`), or 403 saying why not: their own, one
    outside their units, or, for an admin, one with a chef to decide it (the rule in storage
    says the same; this answers first)."""
    barring = BarringRepository(session)
    found = barring.get_request(request_id)
    decider = barring.decider(found.person_id)
    me = viewer.person.id if viewer.person is not None else None
    if may_decide(decider, found.person_id, me, admin=viewer.is_admin):
        return found
    if viewer.is_me(found.person_id):
        raise AuthError(403, "error_own_request")
    raise AuthError(403, "error_admin_decides" if decider.by_admin else "error_not_your_unit")


@router.post("/requests/{request_id}/approve")
def approve_request(
    request_id: int, body: ApproveIn, request: Request, context: Ctx, session: SessionDep,
    viewer: Chef,
) -> dict[str, Any]:  # fmt: skip
    """Approve: the exception holds from one day to another (by default the wanted days)."""
    found = _decidable(session, viewer, request_id)
    start = day_start(body.valid_from) if body.valid_from else found.wanted_from
    end = day_start(body.valid_to + timedelta(days=1)) if body.valid_to else found.wanted_to
    decided = BarringRepository(session).decide(
        request_id, approve=True, decided_by_user_id=viewer.user.id, reason=body.reason,
        valid_from=start, valid_to=end, actor=viewer.username, channel=Channel.WEB,
        now=context.now(),
    )  # fmt: skip
    return request_info(decided, Names.of(session), language_of(request))


@router.post("/requests/{request_id}/deny")
def deny_request(
    request_id: int, body: DenyIn, request: Request, context: Ctx, session: SessionDep,
    viewer: Chef,
) -> dict[str, Any]:  # fmt: skip
    """Deny, saying why; the employee sees the reason."""
    _decidable(session, viewer, request_id)
    decided = BarringRepository(session).decide(
        request_id, approve=False, decided_by_user_id=viewer.user.id, reason=body.reason,
        actor=viewer.username, channel=Channel.WEB, now=context.now(),
    )  # fmt: skip
    return request_info(decided, Names.of(session), language_of(request))
