from __future__ import annotations

from dataclasses import replace
from datetime import date

from vaxel.domain.policy_register import (
    REVISION_INTERVAL_YEARS,
    TELEFONIPOLICY,
    Revision,
    add_revision,
    add_years,
    last_revised,
    next_revision_due,
    revision_due_soon,
    revision_overdue,
)


def test_the_policy_was_last_revised_in_2020() -> None:
    assert last_revised(TELEFONIPOLICY) == date(2020, 9, 14)


def test_revision_is_due_three_years_after_the_last_revision() -> None:
    assert REVISION_INTERVAL_YEARS == 3
    assert next_revision_due(TELEFONIPOLICY) == date(2023, 9, 14)
    unrevised = replace(TELEFONIPOLICY, revisions=())
    assert next_revision_due(unrevised) == date(2021, 6, 25)


def test_overdue_only_after_the_due_day() -> None:
    assert not revision_overdue(TELEFONIPOLICY, date(2023, 9, 14))
    assert revision_overdue(TELEFONIPOLICY, date(2023, 9, 15))


def test_a_new_revision_restarts_the_cycle() -> None:
    revised = add_revision(TELEFONIPOLICY, Revision(date(2026, 5, 4), "Ny riktlinje", "§ 55"))
    assert next_revision_due(revised) == date(2029, 5, 4)
    assert not revision_overdue(revised, date(2026, 12, 1))
    # An older revision entered late does not move the date back.
    late = add_revision(revised, Revision(date(2019, 1, 1), "Rättelse"))
    assert next_revision_due(late) == date(2029, 5, 4)
    assert [r.on for r in late.revisions] == sorted(r.on for r in late.revisions)


def test_29_february_is_safe() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    leap = replace(TELEFONIPOLICY, adopted_on=date(2024, 2, 29), revisions=())
    assert next_revision_due(leap) == date(2027, 2, 28)


def test_due_soon_within_ninety_days() -> None:
    assert not revision_due_soon(TELEFONIPOLICY, date(2023, 6, 15))
    assert revision_due_soon(TELEFONIPOLICY, date(2023, 6, 16))
    assert revision_due_soon(TELEFONIPOLICY, date(2026, 1, 1))
