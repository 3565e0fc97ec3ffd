"""Dependencies every endpoint declares: the context, a database session, who is asking.

Aliases (``SessionDep``, ``CurrentUser``, ``Operator``, ``Chef``, ``Admin``) keep endpoint
signatures short. Who-may-do-what is decided here and in ``Viewer``, never ad hoc in an
endpoint: an anonymous request gets 401, a missing CSRF token on a change 403, a role or unit
outside the user's reach 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vaxel.domain.organisation import Unit, verksamhetschef_of
from vaxel.domain.people import Person
from vaxel.domain.presence import Channel
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.errors import NotFound
from vaxel.storage.users import Role, UserRepository, WebUser
from vaxel.web.context import WebContext
from vaxel.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    UNSAFE_METHODS,
    SessionData,
    csrf_matches,
)


class AuthError(Exception):
    """Refused: 401 (not logged in) or 403 (not allowed). Pages redirect or show the reason."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key  # a message key of the catalogue


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in user, with the person behind the log-in and the units they manage."""

    user: WebUser
    session: SessionData
    person: Person | None
    managed_units: frozenset[int]  # a chef's units (with those below); every unit for admin

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def display_name(self) -> str:
        return self.person.name if self.person else self.user.username

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN

    @property
    def is_operator(self) -> bool:
        return self.user.role in (Role.TELEFONIST, Role.ADMIN)

    @property
    def is_chef(self) -> bool:
        return self.user.role in (Role.CHEF, Role.ADMIN)

    def is_me(self, person_id: int | None) -> bool:
        return self.person is not None and person_id == self.person.id

    def manages(self, unit_id: int | None) -> bool:
        """A chef decides for their own units only; admin for all."""
        return self.is_admin or (unit_id is not None and unit_id in self.managed_units)

    def may_set_presence_of(self, person: Person) -> bool:
        """Oneself; operators for anyone (on the person's behalf); a chef for their units."""
        return self.is_me(person.id) or self.is_operator or self.manages(person.unit_id)

    def channel_for(self, person_id: int | None) -> Channel:
        """Web for one's own changes, operator when acting on someone else's behalf."""
        return Channel.WEB if self.is_me(person_id) else Channel.OPERATOR


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


Ctx = Annotated[WebContext, Depends(get_context)]


def get_session(context: Ctx) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back on error."""
    with context.db.session() as session:
        yield session


# scope="function": commit before the response goes out, so the next request sees the change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def session_data(request: Request, context: Ctx) -> SessionData | None:
    """The signed session cookie, if valid and not logged out."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    data = context.signer.loads(raw, context.now())
    if data is None or data.sid in context.revoked:
        return None
    return data


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token sent with an unsafe request: the header, or the form field."""
    if request.method not in UNSAFE_METHODS:
        return None
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def get_viewer(
    request: Request,
    context: Ctx,
    session: SessionDep,
    data: Annotated[SessionData | None, Depends(session_data)],
    csrf: Annotated[str | None, Depends(submitted_csrf)],
) -> Viewer:
    if data is None or not data.username:
        raise AuthError(401, "error_login_required")
    user = UserRepository(session).user(data.username)
    if user is None:
        raise AuthError(401, "error_login_required")
    if request.method in UNSAFE_METHODS and not csrf_matches(data.csrf, csrf):
        raise AuthError(403, "error_csrf")
    directory = DirectoryRepository(session)
    person = None
    if user.person_id is not None:
        try:
            person = directory.person(user.person_id)
        except NotFound:
            person = None
    managed: frozenset[int] = frozenset()
    if user.role is Role.ADMIN:
        managed = frozenset(u.id for u in directory.units())
    elif user.role is Role.CHEF and person is not None:
        managed = managed_units(directory.units_by_id(), person.id)
    return Viewer(user=user, session=data, person=person, managed_units=managed)


def managed_units(units: dict[int, Unit], person_id: int) -> frozenset[int]:
    """The units whose nearest verksamhetschef is this person."""
    return frozenset(u for u in units if verksamhetschef_of(units, u) == person_id)


CurrentUser = Annotated[Viewer, Depends(get_viewer)]


def require_operator(viewer: CurrentUser) -> Viewer:
    if not viewer.is_operator:
        raise AuthError(403, "error_role_operator")
    return viewer


def require_chef(viewer: CurrentUser) -> Viewer:
    if not viewer.is_chef:
        raise AuthError(403, "error_role_chef")
    return viewer


def require_admin(viewer: CurrentUser) -> Viewer:
    if not viewer.is_admin:
        raise AuthError(403, "error_role_admin")
    return viewer


def require_person(viewer: CurrentUser) -> Viewer:
    """Self-service needs a log-in that belongs to a person in the directory."""
    if viewer.person is None:
        raise AuthError(403, "error_no_person")
    return viewer


Operator = Annotated[Viewer, Depends(require_operator)]
Chef = Annotated[Viewer, Depends(require_chef)]
Admin = Annotated[Viewer, Depends(require_admin)]
Employee = Annotated[Viewer, Depends(require_person)]
