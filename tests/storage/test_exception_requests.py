"""Requests for barring exceptions, notes on people, and the hours that apply to a unit."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.barring import ExceptionKind, RequestStatus
from vaxel.domain.errors import DomainError
from vaxel.domain.people import Person
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.storage import Database
from vaxel.storage.audit import AuditRepository
from vaxel.storage.barring import BarringRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.errors import NotFound
from vaxel.storage.people_import import import_people

DAY = timedelta(days=1)


def ask(db: Database, person: int, kind: ExceptionKind = ExceptionKind.AFTER_HOURS) -> int:
    with db.session() as s:
        request = BarringRepository(s).request(
            person, kind, " Beredskap för IT-driften ", NOW, NOW + 30 * DAY,
            actor="anna", channel=CLI, now=NOW,
        )  # fmt: skip
    assert request.status is RequestStatus.PENDING and request.reason == "Beredskap för IT-driften"
    return request.id


def test_an_approved_request_becomes_an_exception(db: Database, org: Org) -> None:
    request_id = ask(db, org.anna)
    with db.session() as s:
        barring = BarringRepository(s)
        assert [r.id for r in barring.pending_for_units({org.it})] == [request_id]
        assert barring.pending_for_units({org.bygg}) == []
        assert [r.id for r in barring.pending_for_chef(org.chef)] == [request_id]
        decided = barring.decide(
            request_id, approve=True, decided_by_id=org.chef, reason="under mars",
            valid_from=NOW + DAY, valid_to=NOW + 20 * DAY, actor="karin", channel=CLI, now=NOW,
        )  # fmt: skip
    assert decided.status is RequestStatus.APPROVED and decided.exception_id is not None
    assert (decided.decided_by_id, decided.decided_at) == (org.chef, NOW)
    with db.session() as s:
        barring = BarringRepository(s)
        assert barring.pending_for_units({org.it}) == []
        (exception,) = barring.exceptions(org.anna)
        assert exception.valid_from == NOW + DAY and exception.valid_to == NOW + 20 * DAY
        assert exception.reason == "Beredskap för IT-driften — under mars"
        assert barring.requests(org.anna)[0].status is RequestStatus.APPROVED
        actions = [e.action for e in AuditRepository(s).entries(subject=f"person:{org.anna}")]
    assert {"barring.request", "barring.exception", "barring.request.approved"} <= set(actions)


def test_a_denied_request_says_why_and_creates_nothing(db: Database, org: Org) -> None:
    request_id = ask(db, org.anna, ExceptionKind.PRIVATE_USE)
    with pytest.raises(DomainError) as info, db.session() as s:
        BarringRepository(s).decide(request_id, approve=False, decided_by_id=org.chef,
                                    actor="karin", channel=CLI, now=NOW)  # fmt: skip
    assert info.value.field == "reason"
    with db.session() as s:
        decided = BarringRepository(s).decide(
            request_id, approve=False, decided_by_id=org.chef, reason="Inte i tjänsten",
            actor="karin", channel=CLI, now=NOW,
        )  # fmt: skip
    assert decided.status is RequestStatus.DENIED and decided.decision_reason == "Inte i tjänsten"
    with db.session() as s:
        assert BarringRepository(s).exceptions(org.anna) == []
    with pytest.raises(DomainError) as again, db.session() as s:
        BarringRepository(s).decide(request_id, approve=True, decided_by_id=org.chef,
                                    actor="karin", channel=CLI, now=NOW)  # fmt: skip
    assert again.value.field == "status"


def test_only_the_units_verksamhetschef_decides(db: Database, org: Org) -> None:
    request_id = ask(db, org.anna)
    for approve in (True, False):
        with pytest.raises(DomainError) as info, db.session() as s:
            BarringRepository(s).decide(
                request_id, approve=approve, decided_by_id=org.anna, reason="själv",
                actor="anna", channel=CLI, now=NOW,
            )  # fmt: skip
        assert info.value.field == "decided_by"
    with db.session() as s:
        assert BarringRepository(s).get_request(request_id).is_pending


def test_a_request_needs_a_reason_a_period_and_no_twin(db: Database, org: Org) -> None:
    cases = [("", NOW, NOW + DAY, "reason"), ("x", NOW, NOW, "wanted_to"),
             ("x", NOW, NOW + 400 * DAY, "wanted_to")]  # fmt: skip
    for reason, start, end, field in cases:
        with pytest.raises(DomainError) as info, db.session() as s:
            BarringRepository(s).request(org.anna, ExceptionKind.PRIVATE_USE, reason, start, end,
                                         actor="anna", channel=CLI, now=NOW)  # fmt: skip
        assert info.value.field == field
    ask(db, org.anna)
    with pytest.raises(DomainError) as twin:
        ask(db, org.anna)
    assert twin.value.field == "kind"
    ask(db, org.anna, ExceptionKind.PRIVATE_USE)  # another kind may wait beside it
    with pytest.raises(NotFound), db.session() as s:
        BarringRepository(s).decide(9999, approve=True, decided_by_id=org.chef,
                                    actor="karin", channel=CLI, now=NOW)  # fmt: skip


def test_a_chefs_own_request_goes_one_level_up(db: Database, org: Org) -> None:
    with db.session() as s:
        d = DirectoryRepository(s)
        boss = d.add_person(Person(0, "Stina Kommundirektör", "stina@testby.se", org.ks),
                            actor="t", channel=CLI)  # fmt: skip
        d.set_verksamhetschef(org.ks, boss.id, actor="t", channel=CLI)
    request_id = ask(db, org.chef)
    with db.session() as s:
        barring = BarringRepository(s)
        assert barring.decider_of(org.chef) == boss.id
        assert barring.decider_of(org.anna) == org.chef
        assert barring.pending_for_chef(org.chef) == []
        assert [r.id for r in barring.pending_for_chef(boss.id)] == [request_id]
    with pytest.raises(DomainError), db.session() as s:
        BarringRepository(s).decide(request_id, approve=True, decided_by_id=org.chef,
                                    actor="karin", channel=CLI, now=NOW)  # fmt: skip
    with db.session() as s:
        decided = BarringRepository(s).decide(request_id, approve=True, decided_by_id=boss.id,
                                              actor="stina", channel=CLI, now=NOW)  # fmt: skip
    assert decided.status is RequestStatus.APPROVED


def test_a_note_on_a_person_is_kept_by_the_directory_and_survives_an_import(
    db: Database, org: Org
) -> None:
    with db.session() as s:
        person = DirectoryRepository(s).set_note(
            org.anna, "  Arbetar deltid mån–ons ", actor="anna", channel=CLI
        )
    assert person.note == "Arbetar deltid mån–ons"
    with db.session() as s:
        assert DirectoryRepository(s).person(org.anna).note == "Arbetar deltid mån–ons"
        entry = AuditRepository(s).entries(subject=f"person:{org.anna}")[0]
        assert (entry.action, entry.detail) == ("person.update", "note")
    with pytest.raises(DomainError) as info, db.session() as s:
        DirectoryRepository(s).set_note(org.anna, "x" * 501, actor="anna", channel=CLI)
    assert info.value.field == "note"
    csv = (
        "name,email,unit,title\n"
        "Anna Lind,anna.lind@testby.se,Testby kommun / Kommunstyrelsen / IT,Utvecklare\n"
    )
    with db.session() as s:
        result = import_people(s, csv.encode(), now=NOW, actor="t", channel=CLI)
    assert result.updated == 1
    with db.session() as s:
        anna = DirectoryRepository(s).person(org.anna)
    assert (anna.title, anna.note) == ("Utvecklare", "Arbetar deltid mån–ons")


def test_effective_hours_are_inherited_with_closures(db: Database, org: Org) -> None:
    office = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(16)),)))
    with db.session() as s:
        d = DirectoryRepository(s)
        assert d.effective_hours(org.it) is None
        d.set_unit_hours(org.ks, office.to_json(), actor="t", channel=CLI)
        d.add_closure(org.bygg, NOW, NOW + DAY, "Personaldag", actor="t", channel=CLI)
    with db.session() as s:
        d = DirectoryRepository(s)
        it, bygg = d.effective_hours(org.it, NOW), d.effective_hours(org.bygg, NOW)
        assert d.effective_hours(org.kommun) is None
        with pytest.raises(NotFound):
            d.unit(9999)
        assert d.effective_hours(9999) is None
    assert it is not None and it.is_open(NOW) and it.closures == ()
    assert bygg is not None and not bygg.is_open(NOW) and len(bygg.closures) == 1
