"""Units, people and numbers in storage: lookups, WHO resolution, one number at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan
from vaxel.domain.people import Person, PersonKind
from vaxel.storage import Ambiguous, Change, Database, NotFound
from vaxel.storage.audit import AuditRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository

PLAN = NumberPlan()


def extension(person_id: int, ext: str, **kw: object) -> NumberAssignment:
    return NumberAssignment(
        e164=PLAN.e164_for_extension(ext), kind=NumberKind.EXTENSION, person_id=person_id,
        extension=ext, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_unit_paths_and_lookup(db: Database, org: Org) -> None:
    with db.session() as s:
        d = DirectoryRepository(s)
        assert d.unit_paths()[org.it] == "Testby kommun / Kommunstyrelsen / IT"
        assert d.find_unit("Kommunstyrelsen / IT").id == org.it  # kommun left out
        assert d.find_unit("testby kommun / kommunstyrelsen / it").id == org.it
        assert d.find_unit("Bygglov").id == org.bygg
        with pytest.raises(NotFound):
            d.find_unit("Kommunstyrelsen / HR")


def test_people_below_a_unit_and_verksamhetschef(db: Database, org: Org) -> None:
    with db.session() as s:
        d = DirectoryRepository(s)
        assert {p.id for p in d.people(org.ks)} == {org.chef, org.anna}
        assert d.people(org.ks, below=False) == []
        assert d.unit(org.it).verksamhetschef_id == org.chef


def test_person_rules_are_enforced(db: Database, org: Org) -> None:
    with db.session() as s:
        d = DirectoryRepository(s)
        contractor = Person(0, "Kim Ek", "kim@konsult.se", org.it, kind=PersonKind.EXTERN)
        with pytest.raises(DomainError) as info:
            d.add_person(contractor, actor="t", channel=CLI)
        assert info.value.field == "end_date"


def test_resolve_who_by_extension_email_and_name(db: Database, org: Org) -> None:
    with db.session() as s:
        NumberRepository(s).assign(
            extension(org.anna, "4100", valid_from=NOW), actor="t", channel=CLI
        )
        d = DirectoryRepository(s)
        d.add_person(
            Person(0, "Anna Larsson", "anna.larsson@testby.se", org.it), actor="t", channel=CLI
        )
    with db.session() as s:
        d = DirectoryRepository(s)
        assert d.resolve("4100", NOW).id == org.anna
        assert d.resolve("ANNA.LIND@testby.se").id == org.anna
        assert d.resolve("anna lind").id == org.anna
        with pytest.raises(Ambiguous) as info:
            d.resolve("Anna")
        assert len(info.value.candidates) == 2
        assert "anna.larsson@testby.se" in str(info.value)
        with pytest.raises(NotFound):
            d.resolve("Nils")


def test_a_number_cannot_be_assigned_twice_at_once(db: Database, org: Org) -> None:
    with db.session() as s:
        NumberRepository(s).assign(
            extension(org.anna, "4100", valid_from=NOW), actor="t", channel=CLI
        )
    with pytest.raises(DomainError) as info, db.session() as s:
        NumberRepository(s).assign(
            extension(org.chef, "4100", valid_from=NOW + timedelta(days=1)), actor="t", channel=CLI
        )
    assert info.value.field == "number"
    assert "already assigned" in info.value.reason
    # After the first assignment ends, the number is free again.
    with db.session() as s:
        numbers = NumberRepository(s)
        numbers.release("4100", NOW + timedelta(days=2), actor="t", channel=CLI)
        numbers.assign(
            extension(org.chef, "4100", valid_from=NOW + timedelta(days=2)), actor="t", channel=CLI
        )
    with db.session() as s:
        numbers = NumberRepository(s)
        assert numbers.owner_of("4100", NOW + timedelta(days=1)).person_id == org.anna  # type: ignore[union-attr]
        assert numbers.owner_of("4100", NOW + timedelta(days=3)).person_id == org.chef  # type: ignore[union-attr]
        assert len(numbers.assignments(at=NOW + timedelta(days=3))) == 1


def test_overlapping_bounded_periods_are_refused(db: Database, org: Org) -> None:
    later = NOW + timedelta(days=10)
    with db.session() as s:
        NumberRepository(s).assign(
            extension(org.anna, "4100", valid_from=NOW, valid_to=later), actor="t", channel=CLI
        )
    with pytest.raises(DomainError), db.session() as s:
        NumberRepository(s).assign(
            extension(org.chef, "4100", valid_from=NOW - timedelta(days=1)), actor="t", channel=CLI
        )
    with db.session() as s:  # from the end on it is free
        NumberRepository(s).assign(
            extension(org.chef, "4100", valid_from=later), actor="t", channel=CLI
        )


def test_changes_are_audited_and_published_after_commit(db: Database, org: Org) -> None:
    seen: list[Change] = []
    unsubscribe = db.changes.subscribe(seen.append)
    with db.session() as s:
        d = DirectoryRepository(s)
        person = d.person(org.anna)
        d.update_person(replace(person, title="Systemförvaltare"), actor="admin", channel=CLI)
        assert seen == []  # not before the commit
    assert seen == [Change("person", org.anna)]
    with pytest.raises(RuntimeError), db.session() as s:
        d = DirectoryRepository(s)
        d.update_person(replace(d.person(org.anna), title="X"), actor="admin", channel=CLI)
        raise RuntimeError("rolled back")
    assert seen == [Change("person", org.anna)]  # a rollback publishes nothing
    unsubscribe()
    with db.session() as s:
        entries = AuditRepository(s).entries(subject=f"person:{org.anna}")
        newest = entries[0]
        assert (newest.action, newest.actor, newest.detail) == (
            "person.update",
            "admin",
            "title",
        )
        assert DirectoryRepository(s).person(org.anna).title == "Systemförvaltare"
