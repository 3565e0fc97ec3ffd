from __future__ import annotations

from datetime import date

import pytest

from vaxel.domain.errors import DomainError
from vaxel.domain.people import (
    Person,
    PersonKind,
    is_active,
    parse_keywords,
    parse_kind,
    validate_person,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("anställd", PersonKind.ANSTALLD),
        ("Anstalld", PersonKind.ANSTALLD),
        ("EMPLOYEE", PersonKind.ANSTALLD),
        ("förtroendevald", PersonKind.FORTROENDEVALD),
        ("fortroendevald", PersonKind.FORTROENDEVALD),
        ("elected", PersonKind.FORTROENDEVALD),
        ("Tillfällig personal", PersonKind.TILLFALLIG),
        ("tillfallig", PersonKind.TILLFALLIG),
        ("temporary", PersonKind.TILLFALLIG),
        ("extern uppdragstagare", PersonKind.EXTERN),
        ("  Extern  ", PersonKind.EXTERN),
        ("contractor", PersonKind.EXTERN),
    ],
)
def test_parse_kind_in_both_languages(text: str, kind: PersonKind) -> None:
    assert parse_kind(text) is kind


def test_parse_kind_rejects_unknown_naming_the_field() -> None:
    with pytest.raises(DomainError) as err:
        parse_kind("konsult")
    assert err.value.field == "kind"
    assert "anställd" in err.value.reason


def person(**changes: object) -> Person:
    fields: dict[str, object] = {
        "id": 1,
        "name": "Anna Berg",
        "email": "anna.berg@arvika.se",
        "unit_id": 4,
    }
    fields.update(changes)
    return Person(**fields)  # type: ignore[arg-type]


def test_a_valid_employee_passes() -> None:
    validate_person(person())


@pytest.mark.parametrize("kind", [PersonKind.TILLFALLIG, PersonKind.EXTERN])
def test_temporary_staff_and_contractors_need_an_end_date(kind: PersonKind) -> None:
    with pytest.raises(DomainError) as err:
        validate_person(person(kind=kind))
    assert err.value.field == "end_date"
    validate_person(person(kind=kind, valid_to=date(2026, 12, 31)))


def test_end_date_not_before_start() -> None:
    with pytest.raises(DomainError) as err:
        validate_person(person(valid_from=date(2026, 3, 1), valid_to=date(2026, 2, 28)))
    assert err.value.field == "end_date"
    validate_person(person(valid_from=date(2026, 3, 1), valid_to=date(2026, 3, 1)))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"email": "anna.berg"}, "email"),
        ({"email": "anna berg@arvika.se"}, "email"),
        ({"email": "anna@arvika"}, "email"),
        ({"email": ""}, "email"),
    ],
)
def test_invalid_fields_are_named(changes: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as err:
        validate_person(person(**changes))
    assert err.value.field == field


def test_contractor_past_end_date_is_not_active() -> None:
    contractor = person(kind=PersonKind.EXTERN, valid_to=date(2026, 3, 31))
    assert is_active(contractor, date(2026, 3, 31))  # the end date is the last working day
    assert not is_active(contractor, date(2026, 4, 1))


def test_not_active_before_start() -> None:
    newcomer = person(valid_from=date(2026, 8, 1))
    assert not is_active(newcomer, date(2026, 7, 31))
    assert is_active(newcomer, date(2026, 8, 1))
    assert is_active(person(), date(1990, 1, 1))


def test_parse_keywords_trims_lowercases_and_deduplicates() -> None:
    assert parse_keywords(" Bygglov; skolskjuts ;;BYGGLOV; Färdtjänst  resor ") == (
        "bygglov",
        "skolskjuts",
        "färdtjänst resor",
    )
    assert parse_keywords("") == ()
    # In a ";" file the keywords cannot be split by ";" unquoted: "," works too.
    assert parse_keywords("bygglov, strandskydd,rivningslov") == (
        "bygglov",
        "strandskydd",
        "rivningslov",
    )
