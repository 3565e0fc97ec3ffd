"""Callback tasks (återuppringning): messages taken by the switchboard, missed calls,
voicemails; listed for the person, their chef and the operators; marked done."""

from __future__ import annotations

import enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from vaxel.domain.callbacks import CallbackReason, CallbackStatus, CallbackTask, is_overdue
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberPlan, normalise
from vaxel.domain.people import Person
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.web.deps import AuthError, Ctx, CurrentUser, Employee, Operator, SessionDep, Viewer
from vaxel.web.i18n import language_of, message
from vaxel.web.presenters import callback_info
from vaxel.web.switch import require_call_control

router = APIRouter(prefix="/callbacks", tags=["callbacks"])


class Scope(enum.StrEnum):
    MINE = "mine"
    UNITS = "units"  # a chef's units
    ALL = "all"  # operators and admin


class State(enum.StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    ALL = "all"


class MessageIn(BaseModel):
    """A message taken by the switchboard: who called, for whom, and what about."""

    for_person_id: int
    caller_number: str = Field(min_length=1, max_length=40)
    caller_name: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class DoneIn(BaseModel):
    how: str = Field("", max_length=200)


class CancelIn(BaseModel):
    why: str = Field(min_length=1, max_length=200)


def caller_e164(text: str, plan: NumberPlan) -> str:
    """The caller's number in E.164: an extension of ours, or any Swedish or foreign number."""
    cleaned = "".join(ch for ch in text if ch not in " -()")
    if plan.is_extension(cleaned):
        return plan.e164_for_extension(cleaned)
    try:
        return normalise(cleaned)
    except DomainError as exc:
        raise DomainError("caller_number", exc.reason) from None


def may_handle(viewer: Viewer, task: CallbackTask, person: Person | None) -> bool:
    """The person it is for, their chef, or an admin."""
    if viewer.is_me(task.for_person_id) or viewer.is_admin:
        return True
    unit_id = person.unit_id if person is not None else task.for_unit_id
    return viewer.manages(unit_id)


def visible_tasks(
    session: SessionDep, viewer: Viewer, scope: Scope, status: CallbackStatus | None
) -> list[CallbackTask]:
    repo = CallbackRepository(session)
    if scope is Scope.MINE:
        if viewer.person is None:
            raise AuthError(403, "error_no_person")
        return repo.tasks(for_person_id=viewer.person.id, status=status)
    if scope is Scope.UNITS:
        if not viewer.is_chef:
            raise AuthError(403, "error_role_chef")
        units = set(viewer.managed_units)
        people = {p.id for p in DirectoryRepository(session).people() if p.unit_id in units}
        return [
            t for t in repo.tasks(status=status)
            if t.for_person_id in people or (t.for_person_id is None and t.for_unit_id in units)
        ]  # fmt: skip
    if not (viewer.is_operator or viewer.is_admin):
        raise AuthError(403, "error_role_operator")
    return repo.tasks(status=status)


@router.get("")
def list_callbacks(
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: CurrentUser,
    scope: Scope = Scope.MINE,
    state: State = State.OPEN,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Callbacks: mine, my units' (chef), or everyone's (operators); open, overdue or done."""
    now = context.now()
    status = {
        State.OPEN: CallbackStatus.OPEN,
        State.OVERDUE: CallbackStatus.OPEN,
        State.DONE: CallbackStatus.DONE,
        State.ALL: None,
    }[state]
    tasks = visible_tasks(session, viewer, scope, status)
    if state is State.OVERDUE:
        tasks = [t for t in tasks if is_overdue(t, now)]
    if state is State.DONE:
        tasks.sort(key=lambda t: t.completed_at or t.created_at, reverse=True)
    tasks = tasks[:limit]
    names = _names(session, tasks)
    lang = language_of(request)
    return [callback_info(t, now, lang, names) for t in tasks]


@router.post("", status_code=201)
def take_message(
    body: MessageIn, request: Request, context: Ctx, session: SessionDep, viewer: Operator
) -> dict[str, Any]:
    """The operator takes a message: a callback task for the person, due by the working-hours
    rule."""
    person = DirectoryRepository(session).person(body.for_person_id)
    now = context.now()
    task = CallbackRepository(session).create(
        caller_e164(body.caller_number, context.plan),
        CallbackReason.MESSAGE,
        at=now,
        actor=viewer.username,
        channel=viewer.channel_for(person.id),
        for_person_id=person.id,
        for_unit_id=person.unit_id,
        caller_name=body.caller_name.strip(),
        note=body.note.strip(),
        within_hours=context.config.callback_within_hours,
    )
    return callback_info(task, now, language_of(request), {person.id: person.name})


@router.post("/{task_id}/done")
def mark_done(
    task_id: int,
    body: DoneIn,
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: CurrentUser,
) -> dict[str, Any]:
    repo = CallbackRepository(session)
    task = repo.get(task_id)
    _check(session, viewer, task)
    now = context.now()
    lang = language_of(request)
    how = body.how.strip() or message("callback_done_how", lang)
    done = repo.complete(task_id, at=now, how=how, actor=viewer.username,
                         channel=viewer.channel_for(task.for_person_id))  # fmt: skip
    return callback_info(done, now, lang, _names(session, [done]))


@router.post("/{task_id}/cancel")
def cancel(
    task_id: int,
    body: CancelIn,
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: CurrentUser,
) -> dict[str, Any]:
    repo = CallbackRepository(session)
    task = repo.get(task_id)
    _check(session, viewer, task)
    now = context.now()
    cancelled = repo.cancel(task_id, at=now, why=body.why.strip(), actor=viewer.username,
                            channel=viewer.channel_for(task.for_person_id))  # fmt: skip
    return callback_info(cancelled, now, language_of(request), _names(session, [cancelled]))


@router.post("/{task_id}/call", status_code=202)
async def call_back(
    task_id: int, request: Request, context: Ctx, viewer: Employee
) -> dict[str, str]:
    """Click to call: vaxel rings my phone, then the caller (needs the switch)."""
    control = require_call_control(context, language_of(request))
    with context.db.session() as session:
        task = CallbackRepository(session).get(task_id)
    if not viewer.is_me(task.for_person_id):
        raise AuthError(403, "error_not_yours")
    assert viewer.person is not None
    await control.click_to_call(viewer.person.id, task.caller_number)
    return {"detail": message("callback_calling", language_of(request))}


def _check(session: SessionDep, viewer: Viewer, task: CallbackTask) -> None:
    person = None
    if task.for_person_id is not None:
        person = DirectoryRepository(session).person(task.for_person_id)
    if not may_handle(viewer, task, person):
        raise AuthError(403, "error_not_yours")


def _names(session: SessionDep, tasks: list[CallbackTask]) -> dict[int, str]:
    ids = {t.for_person_id for t in tasks if t.for_person_id is not None}
    if not ids:
        return {}
    directory = DirectoryRepository(session)
    names = {}
    for person_id in ids:
        try:
            names[person_id] = directory.person(person_id).name
        except LookupError:
            continue
    return names
