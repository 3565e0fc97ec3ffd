"""Self-service: my voicemail, my greeting, my devices, my call history.

Voicemails and call records are personal data: only the owner of a mailbox reads its
messages (not their chef, not an admin), and every read of a recording is audited.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.domain.numbers import NumberAssignment
from vaxel.domain.people import NOTE_MAX_LENGTH
from vaxel.domain.presence import Channel
from vaxel.domain.voicemail import GreetingState, Mailbox, VoicemailMessage
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.audit import audit
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.registrations import RegistrationRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.feature_codes import RECORD_GREETING
from vaxel.web.audio import MAX_UPLOAD_BYTES, convert_greeting
from vaxel.web.context import WebContext
from vaxel.web.deps import AuthError, Ctx, Employee, SessionDep, Viewer
from vaxel.web.i18n import language_of, message
from vaxel.web.presenters import DEVICE_LABELS, pick
from vaxel.web.queries import calls_of_numbers
from vaxel.web.templating import format_duration, format_phone, format_when

router = APIRouter(tags=["self-service"])

GREETING_LABELS = {
    GreetingState.NONE: ("Ingen hälsning", "No greeting"),
    GreetingState.DEFAULT: (
        "Standardhälsning (namn och enhet läses upp)",
        "Default greeting (your name and unit read out)",
    ),
    GreetingState.RECORDED: ("Egen inspelad hälsning", "Your own recorded greeting"),
}
OUTCOME_LABELS = {
    CallOutcome.ANSWERED: ("besvarat", "answered"),
    CallOutcome.VOICEMAIL: ("röstbrevlåda", "voicemail"),
    CallOutcome.ANNOUNCEMENT: ("fick besked", "was told"),
    CallOutcome.ABANDONED: ("lade på", "hung up"),
    CallOutcome.BUSY: ("upptaget", "busy"),
    CallOutcome.FAILED: ("misslyckades", "failed"),
    CallOutcome.CALLBACK: ("bad om återuppringning", "asked for a callback"),
}


# --- voicemail --------------------------------------------------------------------------------


def my_mailboxes(session: Session, viewer: Viewer) -> list[Mailbox]:
    assert viewer.person is not None
    return VoicemailRepository(session).mailboxes(viewer.person.id)


def my_messages(session: Session, viewer: Viewer) -> list[tuple[Mailbox, VoicemailMessage]]:
    repo = VoicemailRepository(session)
    found = [(box, m) for box in my_mailboxes(session, viewer) for m in repo.messages(box.id)]
    return sorted(found, key=lambda pair: pair[1].received_at, reverse=True)


def my_message(session: Session, viewer: Viewer, message_id: int) -> VoicemailMessage:
    """A message in one of my mailboxes; 403 for anyone else's (or none at all)."""
    for _box, found in my_messages(session, viewer):
        if found.id == message_id:
            return found
    raise AuthError(403, "error_not_your_voicemail")


def voicemail_info(box: Mailbox, msg: VoicemailMessage, now: datetime, lang: str) -> dict[str, Any]:
    return {
        "id": msg.id,
        "extension": box.extension,
        "caller_number": msg.caller_number,
        "caller_display": format_phone(msg.caller_number) or msg.caller_number,
        "received_at": msg.received_at.isoformat(),
        "received_text": format_when(msg.received_at, now, lang),
        "duration_s": msg.duration_s,
        "duration_text": format_duration(msg.duration_s),
        "heard": msg.heard,
        "audio_url": f"/api/voicemail/{msg.id}/audio",
    }


@router.get("/me/voicemail")
def list_voicemail(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> list[dict[str, Any]]:
    """My messages, newest first."""
    now = context.now()
    lang = language_of(request)
    return [voicemail_info(box, m, now, lang) for box, m in my_messages(session, viewer)]


@router.get("/voicemail/{message_id}/audio", response_class=FileResponse)
def voicemail_audio(
    message_id: int, context: Ctx, session: SessionDep, viewer: Employee
) -> FileResponse:
    """The recording, to play in the browser (only the mailbox's owner)."""
    msg = my_message(session, viewer, message_id)
    path = data_file(context, msg.path)
    audit(session, viewer.username, Channel.WEB, "voicemail.play", f"voicemail:{msg.id}",
          at=context.now())  # fmt: skip
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})


@router.post("/voicemail/{message_id}/heard", status_code=204)
def mark_heard(message_id: int, context: Ctx, session: SessionDep, viewer: Employee) -> None:
    msg = my_message(session, viewer, message_id)
    VoicemailRepository(session).mark_heard(msg.id, actor=viewer.username, channel=Channel.WEB)


@router.delete("/voicemail/{message_id}", status_code=204)
def delete_voicemail(message_id: int, context: Ctx, session: SessionDep, viewer: Employee) -> None:
    msg = my_message(session, viewer, message_id)
    path = VoicemailRepository(session).delete_message(
        msg.id, actor=viewer.username, channel=Channel.WEB
    )
    session.flush()
    # The metadata is gone either way; retention removes a stray file later.
    with contextlib.suppress(OSError, HTTPException):
        data_file(context, path).unlink()


# --- greeting ---------------------------------------------------------------------------------


def greeting_info(context: WebContext, session: Session, box: Mailbox, lang: str) -> dict[str, Any]:
    recorded = box.greeting is GreetingState.RECORDED
    return {
        "mailbox_id": box.id,
        "extension": box.extension,
        "state": str(box.greeting),
        "state_label": pick(GREETING_LABELS[box.greeting], lang),
        "recorded": recorded,
        "audio_url": f"/api/me/greeting/{box.id}/audio" if recorded else None,
        "record_code": RECORD_GREETING,
        "record_how": message("greeting_record_how", lang, code=RECORD_GREETING),
    }


@router.get("/me/greeting")
def get_greeting(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> list[dict[str, Any]]:
    """The greeting of each of my mailboxes (one per extension)."""
    lang = language_of(request)
    return [greeting_info(context, session, b, lang) for b in my_mailboxes(session, viewer)]


@router.post("/me/greeting")
def upload_greeting(
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: Employee,
    file: Annotated[UploadFile, File(description="WAV or MP3, at most 2 minutes")],
    mailbox_id: Annotated[int | None, Form()] = None,
) -> dict[str, Any]:
    """Upload a WAV or MP3 greeting; it is converted to 8 kHz for the phone network."""
    box = _my_box(session, viewer, mailbox_id)
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    stamp = context.now().strftime("%Y%m%dT%H%M%S")
    target = context.greetings_dir / f"mailbox-{box.id}-{stamp}.wav"
    old = VoicemailRepository(session).greeting_path(box.id)
    convert_greeting(data, target)
    VoicemailRepository(session).set_greeting(
        box.id, GreetingState.RECORDED, str(target.resolve()), actor=viewer.username,
        channel=Channel.WEB,
    )  # fmt: skip
    _remove_old(context, old, target)
    box = _my_box(session, viewer, box.id)
    return greeting_info(context, session, box, language_of(request))


@router.delete("/me/greeting/{mailbox_id}")
def reset_greeting(
    mailbox_id: int, request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> dict[str, Any]:
    """Back to the spoken default greeting with my name and unit."""
    box = _my_box(session, viewer, mailbox_id)
    old = VoicemailRepository(session).greeting_path(box.id)
    VoicemailRepository(session).set_greeting(
        box.id, GreetingState.DEFAULT, actor=viewer.username, channel=Channel.WEB
    )
    _remove_old(context, old, None)
    box = _my_box(session, viewer, box.id)
    return greeting_info(context, session, box, language_of(request))


@router.get("/me/greeting/{mailbox_id}/audio", response_class=FileResponse)
def greeting_audio(
    mailbox_id: int, context: Ctx, session: SessionDep, viewer: Employee
) -> FileResponse:
    box = _my_box(session, viewer, mailbox_id)
    path = VoicemailRepository(session).greeting_path(box.id)
    if not path:
        raise HTTPException(404, message("error_not_found"))
    return FileResponse(data_file(context, path), media_type="audio/wav",
                        headers={"Cache-Control": "no-store"})  # fmt: skip


def _my_box(session: Session, viewer: Viewer, mailbox_id: int | None) -> Mailbox:
    boxes = my_mailboxes(session, viewer)
    if not boxes:
        raise HTTPException(404, message("error_no_mailbox"))
    if mailbox_id is None:
        return boxes[0]
    for box in boxes:
        if box.id == mailbox_id:
            return box
    raise AuthError(403, "error_not_yours")


def _remove_old(context: WebContext, old: str, keep: Path | None) -> None:
    if not old:
        return
    with contextlib.suppress(OSError, HTTPException):
        path = data_file(context, old)
        if keep is None or path != keep.resolve():
            path.unlink()


# --- my note for the operator -----------------------------------------------------------------


class NoteIn(BaseModel):
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


@router.put("/me/note")
def set_my_note(body: NoteIn, session: SessionDep, viewer: Employee) -> dict[str, str]:
    """The note the switchboard sees with my name ("Nås bäst via mobil"); empty clears it."""
    assert viewer.person is not None
    person = DirectoryRepository(session).set_note(
        viewer.person.id, body.note, actor=viewer.username, channel=Channel.WEB
    )
    return {"note": person.note}


# --- devices and calls ------------------------------------------------------------------------


@router.get("/me/devices")
def my_devices(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> list[dict[str, Any]]:
    """My SIP devices and whether each is registered now (and from where)."""
    assert viewer.person is not None
    now = context.now()
    lang = language_of(request)
    registrations = RegistrationRepository(session)
    devices = []
    for account in AccountRepository(session).accounts(viewer.person.id):
        bindings = registrations.active(now, account.id)
        devices.append({
            "id": account.id,
            "username": account.username,
            "device": str(account.device),
            "label": account.label or pick(DEVICE_LABELS[account.device], lang),
            "registered": bool(bindings),
            "bindings": [
                {
                    "user_agent": b.user_agent,
                    "source": b.source,
                    "transport": b.transport,
                    "expires_at": b.expires_at.isoformat(),
                    "expires_text": format_when(b.expires_at, now, lang),
                }
                for b in bindings
            ],
        })  # fmt: skip
    return devices


def my_numbers(session: Session, viewer: Viewer) -> dict[str, list[NumberAssignment]]:
    """Every number I have had (E.164 and extension), with the periods it was mine."""
    assert viewer.person is not None
    found: dict[str, list[NumberAssignment]] = {}
    for number in NumberRepository(session).assignments(person_id=viewer.person.id):
        found.setdefault(number.e164, []).append(number)
        if number.extension:
            found.setdefault(number.extension, []).append(number)
    return found


def was_mine(number: str, at: datetime, mine: dict[str, list[NumberAssignment]]) -> bool:
    """A number reassigned to me does not show me its previous owner's calls."""
    return any(a.active_at(at) for a in mine.get(number, ()))


def call_info(
    record: CallRecord, mine: dict[str, list[NumberAssignment]], now: datetime, lang: str
) -> dict[str, Any]:
    outgoing = was_mine(record.from_number, record.started_at, mine)
    other = record.to_number if outgoing else record.from_number
    return {
        "direction": "out" if outgoing else "in",
        "direction_label": ("utgående" if lang == "sv" else "outgoing") if outgoing
        else ("inkommande" if lang == "sv" else "incoming"),
        "other_number": other,
        "other_display": format_phone(other) or other,
        "started_at": record.started_at.isoformat(),
        "started_text": format_when(record.started_at, now, lang),
        "outcome": str(record.outcome),
        "outcome_label": pick(OUTCOME_LABELS[record.outcome], lang),
        "wait_s": record.wait_s,
        "duration_text": format_duration(
            (record.ended_at - record.answered_at).total_seconds()
            if record.ended_at and record.answered_at else None
        ),
    }  # fmt: skip


@router.get("/me/calls")
def my_calls(
    request: Request,
    context: Ctx,
    session: SessionDep,
    viewer: Employee,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """My calls, newest first (calls from or to any of my numbers, ever assigned to me)."""
    now = context.now()
    mine = my_numbers(session, viewer)
    lang = language_of(request)
    records = [
        r for r in calls_of_numbers(session, set(mine), limit)
        if was_mine(r.from_number, r.started_at, mine) or was_mine(r.to_number, r.started_at, mine)
    ]  # fmt: skip
    return [call_info(r, mine, now, lang) for r in records]


# --- helpers ----------------------------------------------------------------------------------


def data_file(context: WebContext, stored: str) -> Path:
    """A stored path as a file inside the data directory (nothing outside it is served)."""
    root = context.config.data_dir.resolve()
    path = Path(stored)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, message("error_not_found"))
    return path
