"""Numbers in service, and no number assigned twice even when two writers race."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment, NumberKind
from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import Person, PersonKind
from vaxel.storage import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository, lock_numbers


def extension(person_id: int, ext: str) -> NumberAssignment:
    return NumberAssignment(
        f"+4610130{ext}",
        NumberKind.EXTENSION,
        person_id=person_id,
        extension=ext,
        valid_from=NOW - timedelta(days=100),
    )


def test_numbers_of_people_past_their_end_date_are_not_in_service(db: Database, org: Org) -> None:
    today = NOW.date()
    with db.session() as s:
        d = DirectoryRepository(s)
        gone = d.add_person(
            Person(0, "Sara Konsult", "sara@konsult.se", org.it, PersonKind.EXTERN,
                   valid_to=today - timedelta(days=1)),
            actor="t", channel=CLI,
        )  # fmt: skip
        last_day = d.add_person(
            Person(0, "Tor Vikarie", "tor@testby.se", org.it, PersonKind.TILLFALLIG,
                   valid_to=today),
            actor="t", channel=CLI,
        )  # fmt: skip
        starting = d.add_person(
            Person(0, "Ny Anställd", "ny@testby.se", org.it, valid_from=date(2026, 4, 1)),
            actor="t", channel=CLI,
        )  # fmt: skip
        numbers = NumberRepository(s)
        for person_id, ext in (
            (org.anna, "4100"),
            (gone.id, "4101"),
            (last_day.id, "4102"),
            (starting.id, "4103"),
        ):
            numbers.assign(extension(person_id, ext), actor="t", channel=CLI)
        numbers.assign(
            NumberAssignment(
                "+46101301000", NumberKind.FUNCTION, unit_id=org.it, label="IT-support",
                extension="1000", valid_from=NOW - timedelta(days=100),
            ),
            actor="t", channel=CLI,
        )  # fmt: skip
    with db.session() as s:
        numbers = NumberRepository(s)
        working = {a.extension for a in numbers.in_service(NOW)}
        assert working == {"4100", "4102", "1000"}
        # The contractor's number still belongs to the organisation and is held (an
        # administrator sees it and releases it) but it no longer works.
        assert {a.extension for a in numbers.assignments(at=NOW)} == working | {"4101", "4103"}
        assert {a.extension for a in numbers.in_service(NOW, kind=NumberKind.EXTENSION)} == {
            "4100",
            "4102",
        }
        # On the day after the last day, the temporary staff's number stops too.
        assert "4102" not in {a.extension for a in numbers.in_service(NOW + timedelta(days=1))}
        assert "4103" in {a.extension for a in numbers.in_service(NOW + timedelta(days=30))}


def test_two_writers_cannot_both_take_a_free_number(db: Database, org: Org) -> None:
    """The second writer waits for the first and then sees the number taken (a clear
    DomainError), instead of both finding it free and one failing on the database's index."""
    first_locked = threading.Event()
    second_started = threading.Event()
    outcome: list[BaseException | None] = []

    def second() -> None:
        first_locked.wait(10)
        try:
            with db.session() as s:
                second_started.set()
                NumberRepository(s).assign(extension(org.chef, "4100"), actor="b", channel=CLI)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    with db.session() as s:
        lock_numbers(s)
        assert NumberRepository(s).owner_of("4100", NOW) is None  # free, as far as we know
        first_locked.set()
        second_started.wait(10)
        thread.join(0.5)  # give the second writer time to read, if it could
        NumberRepository(s).assign(extension(org.anna, "4100"), actor="a", channel=CLI)
    thread.join(30)
    (error,) = outcome
    assert isinstance(error, DomainError) and error.field == "number", repr(error)
    with db.session() as s:
        assert NumberRepository(s).owner_of("4100", NOW).person_id == org.anna  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("4100", "Anna Lind"),
        ("+46101304100", "Anna Lind"),
        ("010-130 41 00", "Anna Lind"),
        ("0046 10 130 41 00", "Anna Lind"),
        ("070-123 45 67", "Anna Lind"),
        ("+46 70 123 45 67", "Anna Lind"),
        ("ANNA.LIND@TESTBY.SE", "Anna Lind"),
        ("anna lind", "Anna Lind"),
        ("Berg", "Karin Berg"),
    ],
)
def test_resolve_who_in_the_forms_people_write(db: Database, org: Org, who: str, name: str) -> None:
    with db.session() as s:
        numbers = NumberRepository(s)
        numbers.assign(extension(org.anna, "4100"), actor="t", channel=CLI)
        numbers.assign(
            NumberAssignment("+46701234567", NumberKind.MOBILE, person_id=org.anna,
                             valid_from=NOW - timedelta(days=1)),
            actor="t", channel=CLI,
        )  # fmt: skip
    with db.session() as s:
        assert DirectoryRepository(s).resolve(who, NOW).name == name


def test_find_unit_by_path_name_part_or_levels_left_out(db: Database, org: Org) -> None:
    with db.session() as s:
        d = DirectoryRepository(s)
        klf = d.add_unit("Kommunledningsförvaltningen", UnitKind.FORVALTNING, org.ks,
                         actor="t", channel=CLI)  # fmt: skip
        d.add_unit("IT-support", UnitKind.AVDELNING, klf.id, actor="t", channel=CLI)
        d.add_unit("Byggnadsnämnden", UnitKind.NAMND, org.kommun, actor="t", channel=CLI)
    with db.session() as s:
        d = DirectoryRepository(s)
        assert d.find_unit("Testby kommun / Kommunstyrelsen / IT").id == org.it
        assert d.find_unit("kommunstyrelsen / it").id == org.it
        assert d.find_unit("IT").id == org.it  # the exact name beats "IT-support"
        assert d.find_unit("Testby kommun / Bygglov").id == org.bygg  # a level left out
        assert d.find_unit("bygglo").id == org.bygg  # part of a name
        assert d.find_unit("support").name == "IT-support"
        with pytest.raises(LookupError) as ambiguous:
            d.find_unit("bygg")  # Bygglov and Byggnadsnämnden
        assert "Bygglov" in str(ambiguous.value) and "Byggnadsnämnden" in str(ambiguous.value)
        with pytest.raises(LookupError, match="no unit 'Finns inte'"):
            d.find_unit("Finns inte")
        with pytest.raises(LookupError):
            d.find_unit("  ")
