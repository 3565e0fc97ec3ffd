"""Log-in and log-out pages, the start page of each role, the language switch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vaxel import __version__
from vaxel.storage.users import UserRepository
from vaxel.web.auth import (
    HOME_OF_ROLE,
    anonymous_session,
    client_address,
    end_session,
    log_in,
    login_csrf_ok,
    safe_next,
    set_session_cookie,
    start_session,
)
from vaxel.web.deps import Ctx, SessionDep, session_data, submitted_csrf
from vaxel.web.i18n import LANG_COOKIE, LANGUAGES, language_of, message
from vaxel.web.security import SessionData, csrf_matches
from vaxel.web.templating import format_when, render

router = APIRouter(include_in_schema=False)


def login_page(
    request: Request, context: Ctx, *, next_: str = "", error: str = "", username: str = "",
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    data, fresh = anonymous_session(request, context)
    response = render(
        request, "login.html", viewer=None, title_key="login_heading", csrf_token=data.csrf,
        next=next_, error=error, username=username, demo_logins=context.demo_logins,
        status_code=status_code,
    )  # fmt: skip
    if fresh:
        set_session_cookie(response, context, data)
    return response


@router.get("/login")
def login_form(request: Request, context: Ctx, next: str = "") -> HTMLResponse:
    return login_page(request, context, next_=safe_next(next, ""))


@router.post("/login")
def login(
    request: Request,
    context: Ctx,
    session: SessionDep,
    csrf: Annotated[str | None, Depends(submitted_csrf)],
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    lang = language_of(request)
    if not login_csrf_ok(request, context, csrf):
        return login_page(request, context, next_=next, error=message("error_csrf_login", lang),
                          username=username, status_code=403)  # fmt: skip
    result = log_in(session, context, username, password, client_address(request))
    if result.user is None:
        if result.locked_until is not None:
            until = format_when(result.locked_until, context.now(), lang)
            error = message("error_locked", lang, until=until)
            status = 423
        else:
            error = message(result.error_key, lang)
            status = 401
        return login_page(request, context, next_=next, error=error, username=username,
                          status_code=status)  # fmt: skip
    target = safe_next(next, HOME_OF_ROLE[result.user.role])
    response = RedirectResponse(target, status_code=303)
    start_session(response, context, result.user)
    return response


@router.post("/logout")
def logout(
    request: Request,
    context: Ctx,
    session: SessionDep,
    data: Annotated[SessionData | None, Depends(session_data)],
    csrf: Annotated[str | None, Depends(submitted_csrf)],
) -> Response:
    response = RedirectResponse("/login?done=logged_out", status_code=303)
    if data is not None and csrf_matches(data.csrf, csrf):
        end_session(session, context, data, response)
    return response


@router.get("/")
def start(
    context: Ctx,
    session: SessionDep,
    data: Annotated[SessionData | None, Depends(session_data)],
) -> Response:
    """Each role's own start page."""
    user = UserRepository(session).user(data.username) if data and data.username else None
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_OF_ROLE[user.role], status_code=303)


@router.get("/lang/{lang}")
def choose_language(lang: str, next: str = "/") -> Response:
    """Svenska or English, remembered in a cookie."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/healthz")
def healthz(context: Ctx) -> dict[str, Any]:
    """Alive, the schema revision, and how many entries the search index holds."""
    return {
        "status": "ok",
        "version": __version__,
        "schema": context.db.current_revision(),
        "index": len(context.index),
    }
