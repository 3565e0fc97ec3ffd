"""The switchboard queue and the operator's calls: sign in to the queue, answer, pick, transfer.

These need the switch (``CallControl``); until it is wired in they answer 503 with a message
the console shows as it is. Who is signed in to the queue is read from storage, where the
queue keeps its sign-ins; the change feed says "queue_sign_in" when it changes. An operator
signing in or out from the console is audited here (the queue's own writes are not: a phone's
*21# and the automatic sign-out are machine state, like registrations).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vaxel.domain.presence import Channel
from vaxel.storage.audit import audit
from vaxel.storage.queue_sign_ins import QueueSignInRepository
from vaxel.web.callcontrol import QueuedCall, QueueSignIn
from vaxel.web.context import WebContext
from vaxel.web.deps import Ctx, Operator, SessionDep, Viewer
from vaxel.web.i18n import language_of, message
from vaxel.web.switch import operator_of, require_call_control
from vaxel.web.templating import format_phone, format_when

router = APIRouter(prefix="/switchboard", tags=["switchboard"])


class TransferMode(enum.StrEnum):
    BLIND = "blind"
    CONSULT = "consult"


class TransferIn(BaseModel):
    target: str = Field(min_length=1, max_length=40, description="a number or an extension")
    mode: TransferMode = TransferMode.BLIND


def queued_info(call: QueuedCall, now: datetime) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "caller_number": call.caller_number,
        "caller_display": format_phone(call.caller_number) or call.caller_number,
        "caller_name": call.caller_name,
        "dialled": call.dialled,
        "position": call.position,
        "waiting_since": call.waiting_since.isoformat(),
        "waiting_s": max(0, int((now - call.waiting_since).total_seconds())),
    }


def queue_snapshot(context: Ctx, lang: str = "sv") -> dict[str, Any]:
    """The queue now, or {"available": false, "detail": why} without a switch."""
    if context.call_control is None:
        return {"available": False, "detail": message("call_control_missing", lang), "calls": []}
    now = context.now()
    calls = context.call_control.queue()
    return {"available": True, "detail": "", "calls": [queued_info(c, now) for c in calls]}


@router.get("/queue")
def queue(context: Ctx, viewer: Operator, request: Request) -> dict[str, Any]:
    """Callers waiting for the switchboard, first in line first, with their waiting times."""
    return queue_snapshot(context, language_of(request))


def operators_snapshot(
    context: WebContext, session: Session, viewer: Viewer, lang: str = "sv"
) -> dict[str, Any]:
    """The operators signed in to the switchboard queue, in sign-in order."""
    now = context.now()
    signed = QueueSignInRepository(session).signed_in(context.switchboard_queue)
    return {
        "queue": context.switchboard_queue,
        "signed_in": any(viewer.is_me(s.person_id) for s in signed),  # the viewer
        "operators": [
            {
                "person_id": s.person_id,
                "name": s.name,
                "number": s.number,
                "signed_in_at": s.signed_in_at.isoformat(),
                "since_text": format_when(s.signed_in_at, now, lang, with_day=False),
                "me": viewer.is_me(s.person_id),
            }
            for s in signed
        ],
    }


@router.get("/operators")
def operators(
    context: Ctx, session: SessionDep, viewer: Operator, request: Request
) -> dict[str, Any]:
    """Who is signed in to the queue (offered its callers), since when, on which number."""
    return operators_snapshot(context, session, viewer, language_of(request))


def sign_in_info(result: QueueSignIn, lang: str) -> dict[str, Any]:
    if result.signed_in:
        key = "queue_signed_in" if result.changed else "queue_already_signed_in"
    else:
        key = "queue_signed_out" if result.changed else "queue_not_signed_in"
    return {
        "signed_in": result.signed_in,
        "changed": result.changed,
        "number": result.number,
        "detail": message(key, lang, number=result.number),
    }


@router.post("/sign-in")
async def sign_in(
    context: Ctx, session: SessionDep, viewer: Operator, request: Request
) -> dict[str, Any]:
    """Sign me in to the queue: its callers are offered to my registered phone, on the number
    *21# would sign me in with. 409 while no phone of mine is registered."""
    lang = language_of(request)
    control = require_call_control(context, lang)
    operator = operator_of(viewer)
    result = await control.sign_in(operator)
    if result.changed:
        subject = f"person:{operator.person_id}"
        audit(session, viewer.username, Channel.WEB, "queue.sign_in", subject,
              f"{context.switchboard_queue} {result.number}", at=context.now())  # fmt: skip
    return sign_in_info(result, lang)


@router.post("/sign-out")
async def sign_out(
    context: Ctx, session: SessionDep, viewer: Operator, request: Request
) -> dict[str, Any]:
    """Sign me out of the queue; a caller whose offer rings my phone goes back to the queue."""
    lang = language_of(request)
    control = require_call_control(context, lang)
    operator = operator_of(viewer)
    result = await control.sign_out(operator)
    if result.changed:
        subject = f"person:{operator.person_id}"
        audit(session, viewer.username, Channel.WEB, "queue.sign_out", subject,
              context.switchboard_queue, at=context.now())  # fmt: skip
    return sign_in_info(result, lang)


@router.post("/answer-next")
async def answer_next(context: Ctx, viewer: Operator, request: Request) -> dict[str, Any]:
    """Ring my phone and connect the caller who has waited longest."""
    control = require_call_control(context, language_of(request))
    call = await control.answer_next(operator_of(viewer))
    if call is None:
        return {"call": None, "detail": message("queue_empty", language_of(request))}
    return {"call": queued_info(call, context.now()), "detail": ""}


@router.post("/calls/{call_id}/pick")
async def pick(call_id: str, context: Ctx, viewer: Operator, request: Request) -> dict[str, Any]:
    """Ring my phone and connect this caller."""
    control = require_call_control(context, language_of(request))
    call = await control.pick(call_id, operator_of(viewer))
    return {"call": queued_info(call, context.now()), "detail": ""}


@router.post("/calls/{call_id}/transfer", status_code=202)
async def transfer(
    call_id: str, body: TransferIn, context: Ctx, viewer: Operator, request: Request
) -> dict[str, str]:
    """Blind: hand the call over. Consult: I speak to the person first, then complete."""
    control = require_call_control(context, language_of(request))
    operator = operator_of(viewer)
    if body.mode is TransferMode.BLIND:
        await control.transfer_blind(call_id, body.target.strip(), operator)
        return {"detail": message("transfer_blind_done", language_of(request))}
    await control.transfer_consult(call_id, body.target.strip(), operator)
    return {"detail": message("transfer_consult_started", language_of(request))}


@router.post("/calls/{call_id}/transfer/complete", status_code=202)
async def complete_transfer(
    call_id: str, context: Ctx, viewer: Operator, request: Request
) -> dict[str, str]:
    control = require_call_control(context, language_of(request))
    await control.complete_transfer(call_id, operator_of(viewer))
    return {"detail": message("transfer_completed", language_of(request))}


@router.post("/calls/{call_id}/transfer/cancel", status_code=202)
async def cancel_transfer(
    call_id: str, context: Ctx, viewer: Operator, request: Request
) -> dict[str, str]:
    control = require_call_control(context, language_of(request))
    await control.cancel_transfer(call_id, operator_of(viewer))
    return {"detail": message("transfer_cancelled", language_of(request))}
