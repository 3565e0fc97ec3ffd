"""Logging in and out, shared by the log-in page and the JSON API.

A visitor first gets an anonymous session (a cookie with a CSRF token and no user), so that
even the log-in form is protected against cross-site requests. Logging in issues a new
session id and CSRF token (no session fixation); logging out revokes the old id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request, Response
from sqlalchemy.orm import Session

from vaxel.domain.presence import Channel
from vaxel.storage.audit import audit
from vaxel.storage.users import Role, UserRepository, WebUser
from vaxel.web.context import WebContext
from vaxel.web.security import SESSION_COOKIE, SESSION_LIFETIME, SessionData, csrf_matches

HOME_OF_ROLE = {
    Role.TELEFONIST: "/console",
    Role.CHEF: "/chef",
    Role.ADMIN: "/admin",
    Role.MEDARBETARE: "/me",
}


@dataclass(frozen=True, slots=True)
class LoginResult:
    user: WebUser | None
    locked_until: datetime | None = None
    error_key: str = ""


def anonymous_session(request: Request, context: WebContext) -> tuple[SessionData, bool]:
    """The visitor's session, or a new anonymous one (True: the cookie must be set)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        data = context.signer.loads(raw, context.now())
        if data is not None and data.sid not in context.revoked:
            return data, False
    return SessionData.fresh(context.now()), True


def set_session_cookie(response: Response, context: WebContext, data: SessionData) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        context.signer.dumps(data),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=context.secure_cookies,
        path="/",
    )


def log_in(
    session: Session,
    context: WebContext,
    username: str,
    password: str,
    source: str,
) -> LoginResult:
    """Check the password (storage counts failures and locks the account after too many)."""
    now = context.now()
    users = UserRepository(session)
    name = username.strip().lower()
    if not name or not password:
        return LoginResult(None, error_key="error_login_failed")
    user = users.authenticate(name, password, now)
    if user is not None:
        audit(session, user.username, Channel.WEB, "user.login", f"user:{user.id}", source, at=now)
        return LoginResult(user)
    known = users.user(name)
    if known is not None and known.locked_until is not None and known.locked_until > now:
        audit(session, name, Channel.WEB, "user.login_refused", f"user:{known.id}",
              f"locked, from {source}", at=now)  # fmt: skip
        return LoginResult(None, locked_until=known.locked_until, error_key="error_locked")
    if known is not None:
        audit(session, name, Channel.WEB, "user.login_failed", f"user:{known.id}", source, at=now)
    return LoginResult(None, error_key="error_login_failed")


def start_session(response: Response, context: WebContext, user: WebUser) -> SessionData:
    data = SessionData.fresh(context.now(), user.username)
    set_session_cookie(response, context, data)
    return data


def end_session(
    session: Session, context: WebContext, data: SessionData, response: Response
) -> None:
    context.revoked.revoke(data.sid)
    if data.username:
        audit(session, data.username, Channel.WEB, "user.logout", f"user:{data.username}",
              at=context.now())  # fmt: skip
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_csrf_ok(request: Request, context: WebContext, given: str | None) -> bool:
    """The log-in form must carry the token of the visitor's anonymous session."""
    data, fresh = anonymous_session(request, context)
    return not fresh and csrf_matches(data.csrf, given)


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: never redirect a log-in to somewhere else."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"
