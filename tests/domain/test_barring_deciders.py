"""Who decides an exception from call barring (policy §2): the nearest verksamhetschef above
who is not the person; at the top of the tree an administrator; never the person."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from vaxel.domain.barring import (
    BarringException,
    Decider,
    ExceptionKind,
    ExceptionRequest,
    check_decider,
    decider_for,
    may_decide,
    validate_denial,
    validate_exception,
)
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.organisation import Unit, UnitKind

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)
# Ekby kommun has no verksamhetschef of its own; Samhällsbyggnadsförvaltningen's is 20 (Karin),
# Miljö's 40. 900 is the kommundirektör, in the kommun itself; 7 an administrator's person.
UNITS = {
    1: Unit(1, "Ekby kommun", UnitKind.KOMMUN),
    2: Unit(2, "Samhällsbyggnadsförvaltningen", UnitKind.FORVALTNING, 1, verksamhetschef_id=20),
    3: Unit(3, "Bygglov", UnitKind.ENHET, 2),
    4: Unit(4, "Miljö", UnitKind.ENHET, 2, verksamhetschef_id=40),
}
ADMIN = 7


def test_the_nearest_chef_above_who_is_not_the_person_decides() -> None:
    assert decider_for(UNITS, 3, 30) == Decider(20)  # Bygglov has none: the förvaltning's
    assert decider_for(UNITS, 4, 41) == Decider(40)
    assert decider_for(UNITS, 4, 40) == Decider(20)  # Miljö's chef asks the level up
    assert not decider_for(UNITS, 4, 40).by_admin


@pytest.mark.parametrize(
    ("unit", "person"),
    [(2, 20), (1, 900), (1, 31)],
    ids=["a chef with nobody above", "the kommundirektör", "someone in the kommun itself"],
)
def test_at_the_top_of_the_tree_an_administrator_decides(unit: int, person: int) -> None:
    decider = decider_for(UNITS, unit, person)
    assert decider == Decider(None) and decider.by_admin


@pytest.mark.parametrize(
    ("decider", "person", "by", "admin", "allowed"),
    [
        (Decider(20), 30, 20, False, True),  # the chef
        (Decider(20), 30, 40, False, False),  # another chef
        (Decider(20), 30, ADMIN, True, False),  # an admin, where a chef decides
        (Decider(20), 30, 30, False, False),  # the person
        (Decider(None), 20, ADMIN, True, True),  # an admin at the top
        (Decider(None), 20, 40, False, False),  # a chef below, at the top
        (Decider(None), 20, 20, False, False),  # the chef at the top, for themselves
        (Decider(None), ADMIN, ADMIN, True, False),  # an admin at the top, for themselves
        (Decider(None), 20, None, True, True),  # an admin log-in with no person
        (Decider(20), 30, None, False, False),
    ],
)
def test_who_may_decide(
    decider: Decider, person: int, by: int | None, admin: bool, allowed: bool
) -> None:
    assert may_decide(decider, person, by, admin=admin) is allowed
    if by is None:
        return
    if allowed:
        check_decider(decider, person, by, admin=admin)
    else:
        with pytest.raises(DomainError) as refused:
            check_decider(decider, person, by, admin=admin)
        assert refused.value.field == "decided_by"


def test_the_refusal_says_which_rule() -> None:
    reasons = {}
    for name, args in {
        "self": (Decider(None), 20, 20, True),
        "admin": (Decider(None), 20, 40, False),
        "chef": (Decider(20), 30, 40, False),
    }.items():
        decider, person, by, admin = args
        with pytest.raises(DomainError) as refused:
            check_decider(decider, person, by, admin=admin)
        reasons[name] = refused.value.reason
    assert "for themselves" in reasons["self"]
    assert "an administrator" in reasons["admin"]
    assert "verksamhetschef" in reasons["chef"]


def exception(person: int, by: int) -> BarringException:
    return BarringException(
        person, ExceptionKind.AFTER_HOURS, by, "Beredskap", NOW, NOW + timedelta(days=30)
    )


def test_an_exception_at_the_top_is_the_administrators() -> None:
    validate_exception(exception(20, ADMIN), None, by_admin=True)
    for e, chef, by_admin in [
        (exception(20, ADMIN), None, False),  # not said to be an admin's
        (exception(30, ADMIN), 20, True),  # an admin where the chef decides
        (exception(ADMIN, ADMIN), None, True),  # an admin for themselves
    ]:
        with pytest.raises(DomainError) as refused:
            validate_exception(e, chef, by_admin=by_admin)
        assert refused.value.field == "decided_by"
    # The other rules still hold for an admin's decision.
    with pytest.raises(DomainError) as empty:
        validate_exception(
            BarringException(20, ExceptionKind.PRIVATE_USE, ADMIN, " ", NOW, NOW + timedelta(1)),
            None,
            by_admin=True,
        )
    assert empty.value.field == "reason"


def test_an_administrator_denies_at_the_top_but_not_their_own() -> None:
    karin = ExceptionRequest(1, 20, ExceptionKind.PRIVATE_USE, "Privat", NOW, NOW, NOW)
    validate_denial(karin, ADMIN, None, "Inte i tjänsten", by_admin=True)
    with pytest.raises(DomainError) as chef_below:
        validate_denial(karin, 40, None, "nej")
    assert chef_below.value.field == "decided_by"
    own = ExceptionRequest(2, ADMIN, ExceptionKind.PRIVATE_USE, "Privat", NOW, NOW, NOW)
    with pytest.raises(DomainError) as themselves:
        validate_denial(own, ADMIN, None, "nej", by_admin=True)
    assert themselves.value.field == "decided_by"
