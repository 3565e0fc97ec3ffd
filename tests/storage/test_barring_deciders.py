"""Who decided an exception, as storage records it: the deciding log-in, with its person if it
has one. An administrator's log-in with no person decides at the top of the tree; a log-in's
person and role are read from the log-in, not taken from the caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.barring import BarringException, ExceptionKind, RequestStatus
from vaxel.domain.errors import DomainError
from vaxel.domain.presence import Channel
from vaxel.storage import Database
from vaxel.storage.audit import AuditRepository
from vaxel.storage.barring import BarringRepository
from vaxel.storage.errors import NotFound
from vaxel.storage.users import Role, UserRepository

DAY = timedelta(days=1)
WEB = Channel.WEB


def log_in(db: Database, username: str, role: Role, person_id: int | None = None) -> int:
    with db.session() as s:
        user = UserRepository(s).create(
            username, f"{username}-password-1", role, now=NOW, actor="t", channel=CLI,
            person_id=person_id,
        )  # fmt: skip
    return user.id


def ask(db: Database, person: int, kind: ExceptionKind = ExceptionKind.AFTER_HOURS) -> int:
    with db.session() as s:
        return (
            BarringRepository(s)
            .request(
                person, kind, "Beredskap", NOW, NOW + 30 * DAY, actor="t", channel=WEB, now=NOW
            )
            .id
        )


def test_an_admin_log_in_with_no_person_decides_at_the_top(db: Database, org: Org) -> None:
    """Karin, IT's verksamhetschef, has no chef above her: an administrator decides."""
    admin = log_in(db, "admin", Role.ADMIN)
    approve, deny = ask(db, org.chef), ask(db, org.chef, ExceptionKind.PRIVATE_USE)
    with db.session() as s:
        barring = BarringRepository(s)
        approved = barring.decide(
            approve, approve=True, decided_by_user_id=admin, actor="admin", channel=WEB, now=NOW
        )
        denied = barring.decide(
            deny, approve=False, decided_by_user_id=admin, reason="Nej", actor="admin",
            channel=WEB, now=NOW,
        )  # fmt: skip
    assert (approved.status, approved.decided_by_id, approved.decided_by_user_id) == (
        RequestStatus.APPROVED, None, admin,
    )  # fmt: skip
    assert (denied.status, denied.decided_by_id, denied.decided_by_user_id) == (
        RequestStatus.DENIED, None, admin,
    )  # fmt: skip
    with db.session() as s:
        (exception,) = BarringRepository(s).exceptions(org.chef)
        entries = AuditRepository(s).entries(subject=f"person:{org.chef}")
    assert (exception.decided_by_id, exception.decided_by_user_id) == (None, admin)
    details = {e.action: e.detail for e in entries}
    assert details["barring.request.approved"] == f"request:{approve} by user:{admin}"
    assert details["barring.exception"].startswith(f"after_hours by user:{admin} ")


def test_a_log_in_decides_with_its_own_person_and_role(db: Database, org: Org) -> None:
    """The chef's log-in decides Anna's request as Karin; it is not an administrator's, so
    it may not decide Karin's own; nor may a log-in say it is someone else's."""
    karin = log_in(db, "karin", Role.CHEF, org.chef)
    anna = log_in(db, "anna", Role.MEDARBETARE, org.anna)
    annas, karins = ask(db, org.anna), ask(db, org.chef)
    with db.session() as s:
        decided = BarringRepository(s).decide(
            annas, approve=True, decided_by_user_id=karin, actor="karin", channel=WEB, now=NOW
        )
    assert (decided.decided_by_id, decided.decided_by_user_id) == (org.chef, karin)
    for request_id, kwargs in (
        (karins, {"decided_by_user_id": karin}),  # her own
        (karins, {"decided_by_user_id": anna, "by_admin": True}),  # the role is the log-in's
        (karins, {"decided_by_user_id": karin, "decided_by_id": org.anna}),
        (karins, {}),  # nobody
        (karins, {"by_admin": True}),  # an administrator, but which?
    ):
        with pytest.raises(DomainError) as refused, db.session() as s:
            BarringRepository(s).decide(
                request_id, approve=True, actor="t", channel=WEB, now=NOW, **kwargs
            )
        assert refused.value.field == "decided_by"
    with pytest.raises(NotFound), db.session() as s:
        BarringRepository(s).decide(
            karins, approve=True, decided_by_user_id=999, actor="t", channel=WEB, now=NOW
        )
    with db.session() as s:
        assert BarringRepository(s).get_request(karins).is_pending


def test_only_an_administrators_log_in_decides_without_a_person(db: Database, org: Org) -> None:
    admin = log_in(db, "admin", Role.ADMIN)
    nobody = log_in(db, "kiosk", Role.CHEF)
    grant = BarringException(
        org.chef, ExceptionKind.AFTER_HOURS, None, "Krisledning", NOW, NOW + 30 * DAY
    )
    with pytest.raises(DomainError) as refused, db.session() as s:
        BarringRepository(s).add_exception(
            grant, actor="kiosk", channel=WEB, now=NOW, by_admin=True
        )  # no log-in, no person: nobody decided
    assert refused.value.field == "decided_by"
    for user, allowed in ((nobody, False), (admin, True)):
        decided = BarringException(
            org.chef, ExceptionKind.AFTER_HOURS, None, "Krisledning", NOW, NOW + 30 * DAY,
            decided_by_user_id=user,
        )  # fmt: skip
        if allowed:
            with db.session() as s:
                BarringRepository(s).add_exception(decided, actor="admin", channel=WEB, now=NOW)
        else:
            with pytest.raises(DomainError) as refused, db.session() as s:
                BarringRepository(s).add_exception(decided, actor="kiosk", channel=WEB, now=NOW)
            assert refused.value.field == "decided_by"
    with db.session() as s:
        (stored,) = BarringRepository(s).exceptions(org.chef)
    assert (stored.decided_by_id, stored.decided_by_user_id, stored.decided_at) == (
        None, admin, NOW,
    )  # fmt: skip
