"""The switch as the web sees it: present, or a clear 503 until it is wired in."""

from __future__ import annotations

from fastapi import HTTPException

from vaxel.web.callcontrol import CallControl, Operator
from vaxel.web.context import WebContext
from vaxel.web.deps import AuthError, Viewer
from vaxel.web.i18n import message


def require_call_control(context: WebContext, lang: str = "sv") -> CallControl:
    """The switch, or 503 with a message the console shows as it is."""
    if context.call_control is None:
        raise HTTPException(503, message("call_control_missing", lang))
    return context.call_control


def operator_of(viewer: Viewer) -> Operator:
    """The operator whose registered phone the switch rings."""
    if viewer.person is None:
        raise AuthError(403, "error_no_person")
    return Operator(person_id=viewer.person.id, name=viewer.person.name)
