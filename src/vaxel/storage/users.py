"""Web users: log-ins with argon2 password hashes, roles, and lock-out after failed attempts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain.presence import Channel
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import PersonRow, WebUserRow

MAX_FAILED_LOGINS = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class Role(enum.StrEnum):
    """What a web user may do, widest last."""

    MEDARBETARE = "medarbetare"  # own presence, voicemail, callbacks
    TELEFONIST = "telefonist"  # the operator console
    CHEF = "chef"  # a verksamhetschef: exceptions and reports for the unit
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class WebUser:
    id: int
    username: str
    role: Role
    person_id: int | None
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None


def user_of(row: WebUserRow) -> WebUser:
    return WebUser(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        person_id=row.person_id,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
    )


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        username: str,
        password: str,
        role: Role,
        *,
        now: datetime,
        actor: str,
        channel: Channel,
        person_id: int | None = None,
    ) -> WebUser:
        username = username.strip().lower()
        if not username:
            raise ValueError("username: must not be empty")
        if self.user(username) is not None:
            raise ValueError(f"username: {username} already exists")
        _check_password(password)
        row = WebUserRow(
            username=username,
            password_hash=_hasher.hash(password),
            role=str(role),
            person_id=person_id,
            failed_logins=0,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        audit(self.session, actor, channel, "user.create", f"user:{row.id}", f"{username} {role}")
        note_change(self.session, "user", row.id)
        return user_of(row)

    def user(self, username: str) -> WebUser | None:
        row = self._by_name(username)
        return None if row is None else user_of(row)

    def users(self) -> list[WebUser]:
        return [
            user_of(r)
            for r in self.session.scalars(select(WebUserRow).order_by(WebUserRow.username))
        ]

    def authenticate(self, username: str, password: str, now: datetime) -> WebUser | None:
        """The user if the password is right and the account is not locked; else None.

        Failed attempts are counted (the caller commits even on failure); after
        MAX_FAILED_LOGINS the account is locked for LOCK_FOR.
        """
        row = self._by_name(username)
        if row is None:
            # Spend the same time as a real check so that timing does not reveal user names.
            _verify(_DUMMY_HASH, password)
            return None
        if row.locked_until is not None and row.locked_until > now:
            return None
        if not _verify(row.password_hash, password):
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILED_LOGINS:
                row.locked_until = now + LOCK_FOR
                row.failed_logins = 0
                audit(
                    self.session, row.username, Channel.WEB, "user.locked", f"user:{row.id}", at=now
                )
            return None
        row.failed_logins = 0
        row.locked_until = None
        row.last_login_at = now
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        return user_of(row)

    def set_password(self, user_id: int, password: str, *, actor: str, channel: Channel) -> None:
        row = self._row(user_id)
        _check_password(password)
        row.password_hash = _hasher.hash(password)
        row.failed_logins = 0
        row.locked_until = None
        audit(self.session, actor, channel, "user.password", f"user:{user_id}")
        note_change(self.session, "user", user_id)

    def set_role(self, user_id: int, role: Role, *, actor: str, channel: Channel) -> None:
        row = self._row(user_id)
        row.role = str(role)
        audit(self.session, actor, channel, "user.role", f"user:{user_id}", role)
        note_change(self.session, "user", user_id)

    def set_person(
        self, user_id: int, person_id: int | None, *, actor: str, channel: Channel
    ) -> WebUser:
        """Link a log-in to a person in the directory (None: to nobody). The person is whose
        self-service the log-in opens, whose units a chef manages, and in whose name it
        decides; NotFound for a person who is not there."""
        row = self._row(user_id)
        if person_id is not None and self.session.get(PersonRow, person_id) is None:
            raise NotFound(f"no person with id {person_id}")
        if row.person_id != person_id:
            before = f"person:{row.person_id}" if row.person_id is not None else "nobody"
            after = f"person:{person_id}" if person_id is not None else "nobody"
            row.person_id = person_id
            audit(self.session, actor, channel, "user.person", f"user:{user_id}",
                  f"{before} → {after}")  # fmt: skip
            note_change(self.session, "user", user_id)
        return user_of(row)

    def _by_name(self, username: str) -> WebUserRow | None:
        return self.session.scalar(
            select(WebUserRow).where(WebUserRow.username == username.strip().lower())
        )

    def _row(self, user_id: int) -> WebUserRow:
        row = self.session.get(WebUserRow, user_id)
        if row is None:
            raise NotFound(f"no user {user_id}")
        return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")


def _verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not a password of anyone")
