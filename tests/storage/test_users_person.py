"""A web log-in linked to a person after it was made, and unlinked: audited when it changes."""

from __future__ import annotations

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.storage import Database
from vaxel.storage.audit import AuditRepository
from vaxel.storage.errors import NotFound
from vaxel.storage.users import Role, UserRepository


def test_a_log_in_is_linked_to_a_person_and_unlinked(db: Database, org: Org) -> None:
    with db.session() as s:
        users = UserRepository(s)
        admin = users.create("admin", "admin-password-1", Role.ADMIN, now=NOW, actor="t",
                             channel=CLI)  # fmt: skip
        linked = users.set_person(admin.id, org.chef, actor="root", channel=CLI)
        users.set_person(admin.id, org.chef, actor="root", channel=CLI)  # unchanged: no entry
    assert linked.person_id == org.chef
    with db.session() as s:
        users = UserRepository(s)
        assert users.user("admin").person_id == org.chef  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            users.set_person(admin.id, 99999, actor="root", channel=CLI)
        with pytest.raises(NotFound):
            users.set_person(99999, org.chef, actor="root", channel=CLI)
    with db.session() as s:
        assert UserRepository(s).user("admin").person_id == org.chef  # type: ignore[union-attr]
        UserRepository(s).set_person(admin.id, None, actor="root", channel=CLI)
    with db.session() as s:
        assert UserRepository(s).user("admin").person_id is None  # type: ignore[union-attr]
        entries = AuditRepository(s).entries(subject=f"user:{admin.id}", action_prefix="user.p")
    assert [(e.actor, e.detail) for e in reversed(entries)] == [
        ("root", f"nobody → person:{org.chef}"),
        ("root", f"person:{org.chef} → nobody"),
    ]
