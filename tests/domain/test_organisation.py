from __future__ import annotations

import pytest

from vaxel.domain.errors import DomainError
from vaxel.domain.organisation import (
    Unit,
    UnitKind,
    descendants,
    find_by_path,
    parse_kind,
    parse_unit_path,
    responsible_body,
    unit_path,
    validate_tree,
    verksamhetschef_of,
)

UNITS = {
    u.id: u
    for u in (
        Unit(1, "Arvika kommun", UnitKind.KOMMUN),
        Unit(2, "Samhällsbyggnadsnämnden", UnitKind.NAMND, parent_id=1),
        Unit(3, "Samhällsbyggnadsförvaltningen", UnitKind.FORVALTNING, 2, verksamhetschef_id=100),
        Unit(4, "Bygglov", UnitKind.ENHET, parent_id=3),
        Unit(5, "Arvika Fastighets AB", UnitKind.BOLAG, parent_id=1, verksamhetschef_id=200),
        Unit(6, "Kundtjänst", UnitKind.ENHET, parent_id=5),
        Unit(7, "Miljö", UnitKind.ENHET, parent_id=3, verksamhetschef_id=300),
    )
}


def test_parse_unit_path_trims_each_name() -> None:
    assert parse_unit_path(" Arvika kommun /Samhällsbyggnad/  Bygglov ") == (
        "Arvika kommun",
        "Samhällsbyggnad",
        "Bygglov",
    )
    assert parse_unit_path("Arvika kommun") == ("Arvika kommun",)


@pytest.mark.parametrize("text", ["", "  ", "Arvika kommun //Bygglov", "/Bygglov", "Bygglov/"])
def test_parse_unit_path_rejects_empty_parts(text: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_unit_path(text)
    assert err.value.field == "unit"


def test_unit_path_from_root() -> None:
    assert unit_path(UNITS, 4) == (
        "Arvika kommun / Samhällsbyggnadsnämnden / Samhällsbyggnadsförvaltningen / Bygglov"
    )
    assert unit_path(UNITS, 1) == "Arvika kommun"


def test_responsible_body_is_the_nearest_namnd_or_bolag() -> None:
    assert responsible_body(UNITS, 4) == UNITS[2]
    assert responsible_body(UNITS, 2) == UNITS[2]
    assert responsible_body(UNITS, 6) == UNITS[5]
    assert responsible_body(UNITS, 1) is None


def test_verksamhetschef_is_inherited_from_the_nearest_unit_with_one() -> None:
    assert verksamhetschef_of(UNITS, 4) == 100
    assert verksamhetschef_of(UNITS, 7) == 300
    assert verksamhetschef_of(UNITS, 6) == 200
    assert verksamhetschef_of(UNITS, 2) is None


def test_descendants_exclude_the_unit_itself() -> None:
    assert descendants(UNITS, 2) == {3, 4, 7}
    assert descendants(UNITS, 1) == {2, 3, 4, 5, 6, 7}
    assert descendants(UNITS, 4) == set()


def test_unknown_units_and_cycles_are_errors() -> None:
    with pytest.raises(DomainError):
        unit_path(UNITS, 99)
    looped = {1: Unit(1, "A", UnitKind.ENHET, parent_id=2), 2: Unit(2, "B", UnitKind.ENHET, 1)}
    with pytest.raises(DomainError) as err:
        unit_path(looped, 1)
    assert "cycle" in err.value.reason


def test_find_by_path_folds_case_and_swedish_letters() -> None:
    assert find_by_path(UNITS, ("arvika kommun", "Samhallsbyggnadsnamnden")) == 2
    assert find_by_path(UNITS, parse_unit_path(unit_path(UNITS, 7))) == 7
    assert find_by_path(UNITS, ("Arvika kommun", "Bygglov")) is None


def test_validate_tree() -> None:
    validate_tree(UNITS)
    orphan = {**UNITS, 8: Unit(8, "Lost", UnitKind.ENHET)}
    with pytest.raises(DomainError) as err:
        validate_tree(orphan)
    assert err.value.field == "parent"
    twins = {**UNITS, 8: Unit(8, "bygglov", UnitKind.ENHET, parent_id=3)}
    with pytest.raises(DomainError) as err:
        validate_tree(twins)
    assert err.value.field == "name"


def test_parse_unit_kind() -> None:
    assert parse_kind("Nämnd") is UnitKind.NAMND
    assert parse_kind("forvaltning") is UnitKind.FORVALTNING
    assert parse_kind("company") is UnitKind.BOLAG
    with pytest.raises(DomainError):
        parse_kind("sektion")
