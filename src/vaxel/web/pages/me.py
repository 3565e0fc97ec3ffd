"""Self-service pages: my hänvisning, callbacks, voicemail, greeting, devices, calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from vaxel.domain.barring import ExceptionKind
from vaxel.domain.clock import local
from vaxel.domain.phrases import default_greeting_en, default_greeting_sv
from vaxel.storage.barring import BarringRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.web.api import me as me_api
from vaxel.web.api.callbacks import Scope, State, list_callbacks
from vaxel.web.api.exceptions import KIND_LABELS, my_requests_info
from vaxel.web.context import WebContext
from vaxel.web.deps import Ctx, Employee, SessionDep
from vaxel.web.i18n import language_of
from vaxel.web.presenters import pick, presence, reason_choices
from vaxel.web.templating import render

router = APIRouter(prefix="/me", include_in_schema=False)

SUBNAV = [
    ("/me", "nav_me_presence"),
    ("/me/callbacks", "nav_me_callbacks"),
    ("/me/voicemail", "nav_me_voicemail"),
    ("/me/greeting", "nav_me_greeting"),
    ("/me/devices", "nav_me_devices"),
    ("/me/calls", "nav_me_calls"),
    ("/me/exceptions", "nav_me_exceptions"),
]
WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def page(
    request: Request, template: str, viewer: Employee, title: str, **values: Any
) -> HTMLResponse:
    return render(request, template, viewer=viewer, title_key=title, subnav=SUBNAV,
                  subnav_key="nav_me", **values)  # fmt: skip


def quick_returns(now: datetime, lang: str) -> list[tuple[str, str]]:
    """Return times one click away: (what parse_when reads, what the button says)."""
    sv = lang != "en"
    at = local(now)
    choices = [("om 1 timme", "Om en timme" if sv else "In an hour")]
    for hour in (13, 16):
        if at.hour < hour - 1 or (at.hour == hour - 1 and at.minute < 30):
            choices.append((f"{hour}:00", f"{'I dag' if sv else 'Today'} {hour}.00"))
    choices.append(("i morgon 08:00", "I morgon 08.00" if sv else "Tomorrow 08.00"))
    # The next working day after tomorrow's weekend, e.g. on a Friday: Monday.
    nxt = at.date() + timedelta(days=1)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    if nxt != at.date() + timedelta(days=1):
        name = WEEKDAYS_SV[nxt.weekday()] if sv else WEEKDAYS_EN[nxt.weekday()]
        choices.append((f"{WEEKDAYS_SV[nxt.weekday()]} 08:00", f"{name.capitalize()} 08.00"))
    choices.append(("", "Okänd återkomst" if sv else "Return unknown"))
    return choices


@router.get("")
def my_presence(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> HTMLResponse:
    assert viewer.person is not None
    now = context.now()
    lang = language_of(request)
    absence = PresenceRepository(session).current(viewer.person.id, now)
    return page(
        request, "me/presence.html", viewer, "me_presence_heading", person=viewer.person,
        live="absence",
        presence=presence(viewer.person.name, absence, now, lang), reasons=reason_choices(lang),
        quick_returns=quick_returns(now, lang), my_note=viewer.person.note,
    )  # fmt: skip


@router.get("/callbacks")
def my_callbacks(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee, state: State = State.OPEN
) -> HTMLResponse:
    callbacks = list_callbacks(request, context, session, viewer, Scope.MINE, state, 200)
    states = [(State.OPEN, "state_open"), (State.OVERDUE, "state_overdue"),
              (State.DONE, "state_done")]  # fmt: skip
    return page(request, "me/callbacks.html", viewer, "me_callbacks_heading",
                callbacks=callbacks, state=state, states=states, live="callback")  # fmt: skip


@router.get("/voicemail")
def my_voicemail(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> HTMLResponse:
    messages = me_api.list_voicemail(request, context, session, viewer)
    boxes = me_api.my_mailboxes(session, viewer)
    return page(request, "me/voicemail.html", viewer, "me_voicemail_heading",
                messages=messages, mailboxes=boxes, live="voicemail")  # fmt: skip


@router.get("/greeting")
def my_greeting(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> HTMLResponse:
    assert viewer.person is not None
    lang = language_of(request)
    unit = DirectoryRepository(session).unit(viewer.person.unit_id)
    default = (default_greeting_en if lang == "en" else default_greeting_sv)(
        viewer.person.name, unit.name
    )
    greetings = me_api.get_greeting(request, context, session, viewer)
    return page(request, "me/greeting.html", viewer, "me_greeting_heading",
                greetings=greetings, default_text=default)  # fmt: skip


@router.get("/devices")
def my_devices(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> HTMLResponse:
    devices = me_api.my_devices(request, context, session, viewer)
    return page(request, "me/devices.html", viewer, "me_devices_heading", devices=devices,
                sip_server=sip_server(request, context), realm=context.config.realm,
                live="registration sip_account")  # fmt: skip


def sip_server(request: Request, context: WebContext) -> str:
    """Where phones register: the SIP address, or this page's host when SIP listens on every
    address (0.0.0.0), since the phone reaches the switch where the browser reached the web."""
    listen = context.config.sip
    host = listen.host
    if host in ("0.0.0.0", "::", ""):
        host = request.url.hostname or "127.0.0.1"
    return f"[{host}]:{listen.port}" if ":" in host else f"{host}:{listen.port}"


@router.get("/calls")
def my_calls(request: Request, context: Ctx, session: SessionDep, viewer: Employee) -> HTMLResponse:
    calls = me_api.my_calls(request, context, session, viewer, 200)
    return page(request, "me/calls.html", viewer, "me_calls_heading", calls=calls)


@router.get("/exceptions")
def my_exceptions(
    request: Request, context: Ctx, session: SessionDep, viewer: Employee
) -> HTMLResponse:
    assert viewer.person is not None
    lang = language_of(request)
    decider = BarringRepository(session).decider_of(viewer.person.id)
    decider_name = DirectoryRepository(session).person(decider).name if decider else ""
    today = local(context.now()).date()
    return page(
        request, "me/exceptions.html", viewer, "me_exceptions_heading",
        kinds=[(str(k), pick(KIND_LABELS[k], lang)) for k in ExceptionKind],
        requests=my_requests_info(session, viewer, lang), decider=decider_name,
        today=today.isoformat(), default_to=(today + timedelta(days=30)).isoformat(),
        live="barring",
    )  # fmt: skip
