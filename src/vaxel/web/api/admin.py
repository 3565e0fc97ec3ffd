"""Administration: people, numbers, SIP accounts, web log-ins and the CSV import.

Every change goes through a storage repository, which validates it by the domain rules and
writes the audit log; a broken rule comes back as 422 naming the field.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vaxel.domain.accounts import parse_device
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment, NumberKind, normalise
from vaxel.domain.people import NOTE_MAX_LENGTH, Person, parse_keywords, parse_kind
from vaxel.domain.presence import Channel
from vaxel.domain.telephone_hours import parse_schedule
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.errors import Ambiguous, NotFound
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.people_import import ImportFailed, import_people
from vaxel.storage.registrations import RegistrationRepository
from vaxel.storage.users import Role, UserRepository, WebUser
from vaxel.web.context import WebContext
from vaxel.web.deps import Admin, Ctx, SessionDep
from vaxel.web.templating import format_phone

router = APIRouter(tags=["admin"])
MAX_CSV_BYTES = 10 * 1024 * 1024


class PersonIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    unit_id: int
    kind: str = "anställd"
    title: str = Field("", max_length=200)
    keywords: str = Field("", description='separated by ";": "bygglov; strandskydd"')
    valid_from: date | None = None
    valid_to: date | None = None
    note: str | None = Field(
        None, max_length=NOTE_MAX_LENGTH,
        description='the operator\'s note ("Nås bäst via mobil"); left out: unchanged',
    )  # fmt: skip


class PersonRef(BaseModel):
    """A person by id, or by e-mail, extension or unique name."""

    person_id: int | None = None
    person: str = Field("", max_length=320, description="e-mail, extension or unique name")

    def person_in(self, session: Session) -> Person | None:
        directory = DirectoryRepository(session)
        if self.person_id is not None:
            return directory.person(self.person_id)
        if self.person.strip():
            return directory.resolve(self.person)
        return None


class NumberIn(PersonRef):
    number: str = Field(description="an extension (4123) or any number (070-123 45 67)")
    kind: NumberKind
    unit_id: int | None = None
    label: str = Field("", max_length=100)


class AccountIn(PersonRef):
    username: str = Field(min_length=2, max_length=64)
    device: str = Field("desk", description="desk, softphone, mobile (or Swedish)")
    password: str = Field(min_length=1, max_length=200)
    label: str = Field("", max_length=100)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=200)


class EnabledIn(BaseModel):
    enabled: bool


class UserIn(PersonRef):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)
    role: Role


class RoleIn(BaseModel):
    role: Role


class LinkIn(PersonRef):
    """The person a log-in belongs to; neither ``person_id`` nor ``person``: nobody."""


def person_info(person: Person, paths: dict[int, str]) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "unit_id": person.unit_id,
        "unit_path": paths.get(person.unit_id, ""),
        "kind": str(person.kind),
        "title": person.title,
        "keywords": list(person.keywords),
        "valid_from": person.valid_from.isoformat() if person.valid_from else None,
        "valid_to": person.valid_to.isoformat() if person.valid_to else None,
        "note": person.note,
    }


def number_row(n: NumberAssignment) -> dict[str, Any]:
    return {
        "e164": n.e164,
        "display": format_phone(n.e164),
        "kind": str(n.kind),
        "extension": n.extension,
        "person_id": n.person_id,
        "unit_id": n.unit_id,
        "label": n.label,
        "valid_from": n.valid_from.isoformat() if n.valid_from else None,
        "valid_to": n.valid_to.isoformat() if n.valid_to else None,
    }


def _person(body: PersonIn, person_id: int = 0, note: str = "") -> Person:
    return Person(
        id=person_id,
        name=body.name.strip(),
        email=body.email.strip(),
        unit_id=body.unit_id,
        kind=parse_kind(body.kind),
        title=body.title.strip(),
        keywords=parse_keywords(body.keywords),
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        note=(body.note if body.note is not None else note).strip(),
    )


# --- people -------------------------------------------------------------------------------------


@router.get("/people")
def list_people(
    session: SessionDep,
    viewer: Admin,
    unit_id: int | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=20000)] = 500,
) -> list[dict[str, Any]]:
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    people = directory.people(unit_id)
    if q.strip():
        wanted = q.strip().casefold()
        people = [p for p in people if wanted in p.name.casefold() or wanted in p.email]
    return [person_info(p, paths) for p in people[:limit]]


@router.post("/people", status_code=201)
def add_person(body: PersonIn, session: SessionDep, viewer: Admin) -> dict[str, Any]:
    directory = DirectoryRepository(session)
    person = directory.add_person(_person(body), actor=viewer.username, channel=Channel.WEB)
    return person_info(person, directory.unit_paths())


@router.put("/people/{person_id}")
def update_person(
    person_id: int, body: PersonIn, session: SessionDep, viewer: Admin
) -> dict[str, Any]:
    directory = DirectoryRepository(session)
    old = directory.person(person_id)
    person = directory.update_person(
        _person(body, person_id, old.note), actor=viewer.username, channel=Channel.WEB
    )
    return person_info(person, directory.unit_paths())


# --- numbers ------------------------------------------------------------------------------------


@router.get("/numbers")
def list_numbers(
    context: Ctx,
    session: SessionDep,
    viewer: Admin,
    person_id: int | None = None,
    unit_id: int | None = None,
    kind: NumberKind | None = None,
) -> list[dict[str, Any]]:
    """Numbers assigned now."""
    numbers = NumberRepository(session, context.plan).assignments(
        person_id=person_id, unit_id=unit_id, kind=kind, at=context.now()
    )
    return [number_row(n) for n in numbers]


@router.post("/numbers", status_code=201)
def assign_number(
    body: NumberIn, context: Ctx, session: SessionDep, viewer: Admin
) -> dict[str, Any]:
    """Assign a number to a person or a unit (a function number needs a label)."""
    plan = context.plan
    text = "".join(ch for ch in body.number if ch not in " -()")
    extension = text if plan.is_extension(text) else None
    e164 = plan.e164_for_extension(text) if extension else normalise(text)
    if extension is None:
        extension = plan.extension_of(e164)
    person = body.person_in(session)
    assignment = NumberAssignment(
        e164=e164,
        kind=body.kind,
        person_id=person.id if person else None,
        unit_id=None if person else body.unit_id,
        label=body.label.strip(),
        extension=extension if body.kind is not NumberKind.MOBILE else None,
        valid_from=context.now(),
    )
    saved = NumberRepository(session, plan).assign(
        assignment, actor=viewer.username, channel=Channel.WEB
    )
    return number_row(saved)


@router.post("/numbers/{number}/release", status_code=204)
def release_number(number: str, context: Ctx, session: SessionDep, viewer: Admin) -> None:
    """End the assignment now; the number can be given to someone else at once."""
    NumberRepository(session, context.plan).release(
        number, context.now(), actor=viewer.username, channel=Channel.WEB
    )


class NumberHoursIn(BaseModel):
    schedule: str = Field("", max_length=500, description="empty: the unit's hours apply")


@router.put("/numbers/{number}/telephone-hours", status_code=204)
def set_number_hours(
    number: str, body: NumberHoursIn, context: Ctx, session: SessionDep, viewer: Admin
) -> None:
    """A function number's own telephone hours (e.g. Bygglov 9–12); empty: the unit's."""
    hours = parse_schedule(body.schedule).to_json() if body.schedule.strip() else None
    NumberRepository(session, context.plan).set_number_hours(
        number, hours, at=context.now(), actor=viewer.username, channel=Channel.WEB
    )


# --- SIP accounts -------------------------------------------------------------------------------


@router.get("/sip-accounts")
def list_accounts(
    context: Ctx, session: SessionDep, viewer: Admin, person_id: int | None = None
) -> list[dict[str, Any]]:
    """Accounts (never a password or digest) and whether each device is registered now."""
    now = context.now()
    registered = {b.account_id for b in RegistrationRepository(session).active(now)}
    enabled = AccountRepository(session)
    return [
        {
            "id": a.id,
            "username": a.username,
            "person_id": a.person_id,
            "device": str(a.device),
            "label": a.label,
            "realm": a.realm,
            "enabled": enabled.account(a.realm, a.username) is not None,
            "registered": a.id in registered,
        }
        for a in AccountRepository(session).accounts(person_id)
    ]


@router.post("/sip-accounts", status_code=201)
def add_account(
    body: AccountIn, context: Ctx, session: SessionDep, viewer: Admin
) -> dict[str, Any]:
    """A device for a person; the password is turned into digests and not kept."""
    person = body.person_in(session)
    if person is None:
        raise DomainError("person", "say whose device it is")
    account = AccountRepository(session).create(
        body.username.strip(), person.id, parse_device(body.device), context.config.realm,
        body.password, actor=viewer.username, channel=Channel.WEB, label=body.label.strip(),
    )  # fmt: skip
    return {"id": account.id, "username": account.username, "realm": account.realm}


@router.post("/sip-accounts/{account_id}/password", status_code=204)
def set_account_password(
    account_id: int, body: PasswordIn, session: SessionDep, viewer: Admin
) -> None:
    AccountRepository(session).set_password(
        account_id, body.password, actor=viewer.username, channel=Channel.WEB
    )


@router.post("/sip-accounts/{account_id}/enabled", status_code=204)
def set_account_enabled(
    account_id: int, body: EnabledIn, session: SessionDep, viewer: Admin
) -> None:
    AccountRepository(session).set_enabled(
        account_id, body.enabled, actor=viewer.username, channel=Channel.WEB
    )


# --- web log-ins --------------------------------------------------------------------------------


@router.get("/users")
def list_users(session: SessionDep, viewer: Admin) -> list[dict[str, Any]]:
    return [
        {
            "id": u.id,
            "username": u.username,
            "role": str(u.role),
            "person_id": u.person_id,
            "locked_until": u.locked_until.isoformat() if u.locked_until else None,
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        }
        for u in UserRepository(session).users()
    ]


def login_person(body: PersonRef, session: Session) -> Person | None:
    """The person a log-in is for, or DomainError("person") saying why none could be found
    (so that the form marks the person field, not just the page)."""
    try:
        return body.person_in(session)
    except NotFound as exc:
        raise DomainError("person", str(exc)) from None
    except Ambiguous as exc:
        raise DomainError("person", str(exc)) from None


def user_info(user: WebUser, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": str(user.role),
        "person_id": user.person_id,
        "person_name": names.get(user.person_id, "") if user.person_id is not None else "",
    }


@router.post("/users", status_code=201)
def add_user(body: UserIn, context: Ctx, session: SessionDep, viewer: Admin) -> dict[str, Any]:
    person = login_person(body, session)
    user = UserRepository(session).create(
        body.username, body.password, body.role, now=context.now(), actor=viewer.username,
        channel=Channel.WEB, person_id=person.id if person else None,
    )  # fmt: skip
    return {"id": user.id, "username": user.username, "role": str(user.role)}


@router.put("/users/{user_id}/role", status_code=204)
def set_role(user_id: int, body: RoleIn, session: SessionDep, viewer: Admin) -> None:
    UserRepository(session).set_role(user_id, body.role, actor=viewer.username, channel=Channel.WEB)


@router.post("/users/{user_id}/password", status_code=204)
def set_user_password(user_id: int, body: PasswordIn, session: SessionDep, viewer: Admin) -> None:
    """A new password; it also lifts a lock-out."""
    UserRepository(session).set_password(
        user_id, body.password, actor=viewer.username, channel=Channel.WEB
    )


@router.put("/users/{user_id}/person")
def link_user(user_id: int, body: LinkIn, session: SessionDep, viewer: Admin) -> dict[str, Any]:
    """Link an existing log-in to a person (by id, e-mail, extension or unique name), or to
    nobody when neither is given. Audited as user.person."""
    person = login_person(body, session)
    user = UserRepository(session).set_person(
        user_id, person.id if person else None, actor=viewer.username, channel=Channel.WEB
    )
    return user_info(user, {person.id: person.name} if person else {})


# --- CSV import ---------------------------------------------------------------------------------


@router.post("/import/people", response_model=None)
def import_csv(
    context: Ctx,
    session: SessionDep,
    viewer: Admin,
    file: Annotated[UploadFile, File(description="CSV: name, email, unit, … (docs/csv-import.md)")],
    dry_run: Annotated[bool, Form()] = False,
    create_units: Annotated[bool, Form()] = False,
) -> dict[str, Any] | JSONResponse:
    """Import people, all or nothing; 422 lists every bad row by line and column."""
    data = file.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise DomainError("file", f"the file is larger than {MAX_CSV_BYTES // 2**20} MB")
    try:
        result = import_people(
            session, data, now=context.now(), plan=context.plan, realm=context.config.realm,
            actor=viewer.username, channel=Channel.WEB, create_units=create_units,
            dry_run=dry_run,
        )  # fmt: skip
    except ImportFailed as failed:
        session.rollback()
        return JSONResponse(
            {
                "detail": str(failed),
                "errors": [
                    {"line": e.line, "column": e.column, "reason": e.reason} for e in failed.errors
                ],
            },
            status_code=422,
        )
    if dry_run:
        session.rollback()
    else:
        # The messages of mailboxes that changed hands are gone from the database once this
        # commits; only then are their recordings deleted (as `vaxel people import` does).
        session.commit()
        remove_data_files(context, result.voicemail_files_removed)
    return {
        "dry_run": dry_run,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "units_created": result.units_created,
        "numbers_assigned": result.numbers_assigned,
        "numbers_released": result.numbers_released,
        "accounts_created": result.accounts_created,
        "accounts_updated": result.accounts_updated,
        "mailboxes_created": result.mailboxes_created,
        "mailboxes_moved": result.mailboxes_moved,
        "accounts_moved": result.accounts_moved,
        "voicemail_files_removed": 0 if dry_run else len(result.voicemail_files_removed),
        "encoding": result.encoding,
    }


def remove_data_files(context: WebContext, paths: list[str]) -> None:
    """Delete files the database no longer refers to; only inside the data directory."""
    root = context.config.data_dir.resolve()
    for text in paths:
        path = Path(text)
        path = (path if path.is_absolute() else root / path).resolve()
        if path.is_relative_to(root):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
