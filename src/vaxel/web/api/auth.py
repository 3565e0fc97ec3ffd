"""Log-in over the API: the session (with its CSRF token), log in, log out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from vaxel.web.auth import (
    anonymous_session,
    client_address,
    end_session,
    log_in,
    login_csrf_ok,
    set_session_cookie,
    start_session,
)
from vaxel.web.deps import Ctx, CurrentUser, SessionDep, Viewer, submitted_csrf
from vaxel.web.i18n import language_of, message
from vaxel.web.templating import format_when

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str
    password: str


def user_info(viewer: Viewer) -> dict[str, Any]:
    return {
        "username": viewer.username,
        "role": str(viewer.role),
        "person_id": viewer.person.id if viewer.person else None,
        "name": viewer.display_name,
        "managed_units": sorted(viewer.managed_units),
    }


@router.get("/session")
def get_session(request: Request, context: Ctx) -> JSONResponse:
    """The CSRF token to send as X-CSRF-Token (a visitor gets an anonymous session)."""
    data, fresh = anonymous_session(request, context)
    response = JSONResponse({"csrf_token": data.csrf, "username": data.username or None})
    if fresh:
        set_session_cookie(response, context, data)
    return response


@router.post("/login")
def login(
    body: Credentials,
    request: Request,
    context: Ctx,
    session: SessionDep,
    csrf: Annotated[str | None, Depends(submitted_csrf)],
) -> JSONResponse:
    """Log in; 401 on a wrong password, 423 while the account is locked."""
    lang = language_of(request)
    if not login_csrf_ok(request, context, csrf):
        return JSONResponse({"detail": message("error_csrf", lang)}, status_code=403)
    result = log_in(session, context, body.username, body.password, client_address(request))
    if result.user is None:
        if result.locked_until is not None:
            until = format_when(result.locked_until, context.now(), lang)
            return JSONResponse(
                {"detail": message("error_locked", lang, until=until)}, status_code=423
            )
        return JSONResponse({"detail": message(result.error_key, lang)}, status_code=401)
    response = JSONResponse({"username": result.user.username, "role": str(result.user.role)})
    data = start_session(response, context, result.user)
    response.headers["X-CSRF-Token"] = data.csrf
    return response


@router.post("/logout", status_code=204)
def logout(viewer: CurrentUser, context: Ctx, session: SessionDep) -> Response:
    response = Response(status_code=204)
    end_session(session, context, viewer.session, response)
    return response


@router.get("/me")
def me(viewer: CurrentUser) -> dict[str, Any]:
    """Who is logged in, with the role and (for a chef) the units they manage."""
    return user_info(viewer)
